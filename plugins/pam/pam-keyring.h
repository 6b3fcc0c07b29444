/* pam_keeper session keys: "user" keys "keeper:NAME" in the session keyring. */
#ifndef PAM_KEEPER_KEYRING_H
#define PAM_KEEPER_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#define PK_KEY_PREFIX	"keeper:"

/*
 * Add (or update) the key "keeper:name" in the session keyring that
 * pam_keyinit made, expiring after ttl_s seconds; its serial number in
 * *id.  The key's owner may revoke it without possessing it (close_session
 * may run after pam_keyinit has left the session keyring).  0, or -1 with
 * errno (ENOSYS when built without libkeyutils).
 */
int	pk_keyring_add(const char *name, const char *value, size_t len,
	    unsigned ttl_s, int32_t *id);
/* Revoke and unlink "keeper:name"; a missing key is not an error. */
int	pk_keyring_revoke(const char *name);
/* Revoke the key with this serial; a missing or dead key is no error. */
int	pk_keyring_revoke_id(int32_t id);

#endif /* PAM_KEEPER_KEYRING_H */
