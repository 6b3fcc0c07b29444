/* pam_keeper login_folders: a user's password found by its login field. */
#ifndef PAM_KEEPER_FOLDER_H
#define PAM_KEEPER_FOLDER_H

#include <stddef.h>

#include "ksm/client.h"

/*
 * The password of the one record in folder (a folder UID, else a folder
 * name) whose login field equals user.  0 with *out (free with
 * ksmx_strfree), KSM_ENOTFOUND when no record matches, KSM_EAMBIGUOUS
 * when several do or the folder name is not unique (why says which), or
 * the libksm code of a failed fetch.
 */
int	pk_folder_password(char **out, size_t *out_len, ksm_client *client,
	    const char *folder, const char *user, char *why, size_t n);

#endif /* PAM_KEEPER_FOLDER_H */
