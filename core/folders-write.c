#include "config.h"

/*
 * Folders (ksm-protocol.md §5): create_folder, update_folder and
 * delete_folder, as the JS SDK sends them.  A folder's key is AES-CBC
 * under its shared folder's key and its data {"name"} AES-CBC under its
 * own key, url base64.  The keys come from get_folders.
 */

#include <string.h>

#include "ksm-int.h"
#include "write-int.h"
#include "json.h"

#define MAX_FOLDER_NAME	1024	/* bytes */

int
ksm_write__folder(ksm_folders **set, const ksm_folder **f,
    const ksm_folder **root, struct ksm_client *c, const char *uid)
{
	int r;

	*f = *root = NULL;
	if ((r = ksm_client_get_folders(set, c)) != 0)
		return r;
	if ((*f = ksm_folders_find(*set, uid)) == NULL ||
	    (*root = ksm_folders__root(*set, *f)) == NULL) {
		(void)ksm__err(KSM_ENOTFOUND, "folder '%.64s' is not shared "
		    "with this application (or does not exist)", uid);
		ksm__err_hint("share the folder (or the shared folder above "
		    "it) with the Secrets Manager application in the Keeper "
		    "vault; keeper-secret folders lists them");
		ksm_folders_free(*set);
		*set = NULL;
		*f = *root = NULL;
		return KSM_ENOTFOUND;
	}
	return 0;
}

/* {"name": name} as JSON text; NULL on ENOMEM or a bad name (message). */
static char *
folder_data(const char *name)
{
	cJSON *o;
	char *text = NULL;

	if (name[0] == '\0' || strlen(name) > MAX_FOLDER_NAME) {
		(void)ksm__err(KSM_EINVAL, "a folder name is 1 to %d bytes",
		    MAX_FOLDER_NAME);
		return NULL;
	}
	if ((o = cJSON_CreateObject()) != NULL &&
	    cJSON_AddStringToObject(o, "name", name) != NULL)
		text = ksmx_json_print(o);
	ksmx_json_free(o);
	if (text == NULL)
		(void)ksm__err(KSM_ENOMEM, "out of memory");
	return text;
}

int
ksm_client_create_folder(char uid[KSM_UID_BUF], ksm_client *c,
    const char *parent_uid, const char *name)
{
	unsigned char key[KSM_AES_KEY_LEN];
	const ksm_folder *parent, *root;
	ksm_folders *set = NULL;
	const char *new_uid = uid;
	char *data = NULL;
	cJSON *o = NULL;
	int r;

	KSM_ASSERT_ARG(uid != NULL);
	uid[0] = '\0';
	KSM_ASSERT_ARG(c != NULL && parent_uid != NULL && name != NULL);
	if ((data = folder_data(name)) == NULL)
		return ksm_error_last()->code;
	if ((r = ksm_write__folder(&set, &parent, &root, c, parent_uid)) != 0 ||
	    (r = ksm_write__new_uid(uid, 0)) != 0 ||
	    (r = ksm_crypto__random(key, sizeof(key))) != 0)
		goto out;
	if ((o = ksm_write__payload(c)) == NULL ||
	    cJSON_AddStringToObject(o, "folderUid", uid) == NULL ||
	    cJSON_AddStringToObject(o, "sharedFolderUid",
	    ksm_folder_uid(root)) == NULL ||
	    ksm_write__add_sealed(o, "sharedFolderKey", ksm_folder__key(root),
	    key, sizeof(key), 1, KSMX_B64_URL) != 0 ||
	    ksm_write__add_sealed(o, "data", key, data, strlen(data), 1,
	    KSMX_B64_URL) != 0 ||
	    (parent != root && cJSON_AddStringToObject(o, "parentUid",
	    ksm_folder_uid(parent)) == NULL)) {
		r = ksm__err(KSM_ENOMEM, "cannot build the new folder");
		goto out;
	}
	r = ksm_write__send(c, "create_folder", o, NULL, &new_uid, 1);
	o = NULL;
out:
	if (r != 0)
		uid[0] = '\0';
	ksmx_wipe_array(key);
	ksmx_strfree(data);
	ksmx_json_free(o);
	ksm_folders_free(set);
	return r;
}

int
ksm_client_rename_folder(ksm_client *c, const char *uid, const char *name)
{
	const ksm_folder *f, *root;
	ksm_folders *set = NULL;
	char *data = NULL;
	cJSON *o = NULL;
	int r;

	KSM_ASSERT_ARG(c != NULL && uid != NULL && name != NULL);
	if ((data = folder_data(name)) == NULL)
		return ksm_error_last()->code;
	if ((r = ksm_write__folder(&set, &f, &root, c, uid)) != 0)
		goto out;
	if ((o = ksm_write__payload(c)) == NULL ||
	    cJSON_AddStringToObject(o, "folderUid", uid) == NULL ||
	    ksm_write__add_sealed(o, "data", ksm_folder__key(f), data,
	    strlen(data), 1, KSMX_B64_URL) != 0) {
		r = ksm__err(KSM_ENOMEM, "cannot build the folder's new name");
		goto out;
	}
	r = ksm_write__send(c, "update_folder", o, NULL, &uid, 1);
	o = NULL;
out:
	ksmx_strfree(data);
	ksmx_json_free(o);
	ksm_folders_free(set);
	return r;
}

int
ksm_client_delete_folders(ksm_client *c, const char *const *uids,
    size_t n_uids, int force)
{
	size_t n_ok;
	int r;

	KSM_ASSERT_ARG(c != NULL && uids != NULL && n_uids > 0);
	r = ksm_write__delete(c, "delete_folder", "folder", KSM_ENOTFOUND,
	    uids, n_uids, force != 0, &n_ok);
	if (r != 0 && ksm_error_last()->hint[0] == '\0' &&
	    strstr(ksm_error_last()->message, "not_empty") != NULL)
		ksm__err_hint("delete its records and folders first, or force "
		    "the deletion (keeper-secret rmdir --force)");
	return r;
}
