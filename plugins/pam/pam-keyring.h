/* pam_keeper session keys: "user" keys "keeper:NAME" in the session keyring. */
#ifndef PAM_KEEPER_KEYRING_H
#define PAM_KEEPER_KEYRING_H

#include <stddef.h>

#define PK_KEY_PREFIX	"keeper:"

/*
 * Add (or update) the key "keeper:name" in the session keyring that
 * pam_keyinit made, expiring after ttl_s seconds.  0, or -1 with errno
 * (ENOSYS when built without libkeyutils).
 */
int	pk_keyring_add(const char *name, const char *value, size_t len,
	    unsigned ttl_s);
/* Revoke and unlink "keeper:name"; a missing key is not an error. */
int	pk_keyring_revoke(const char *name);

#endif /* PAM_KEEPER_KEYRING_H */
