/*
 * pam_keeper session keys.  A key in the session keyring is readable by
 * every process that possesses the keyring (the user's session after
 * setuid keeps it), so helpers start warm; the timeout bounds its life
 * and close_session revokes it at once.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#ifdef HAVE_KEYUTILS
#include <keyutils.h>
#endif

#include "pam-keyring.h"

#ifdef HAVE_KEYUTILS
static int
describe(char *buf, size_t n, const char *name)
{
	int len = snprintf(buf, n, "%s%s", PK_KEY_PREFIX, name);

	if (len < 0 || (size_t)len >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Possessor: everything; owner: view and setattr (revocation) only. */
#define PK_KEY_PERM	(KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_SETATTR)

int
pk_keyring_add(const char *name, const char *value, size_t len,
    unsigned ttl_s, int32_t *idp)
{
	char desc[256];
	key_serial_t id;

	*idp = 0;
	if (describe(desc, sizeof(desc), name) != 0)
		return -1;
	id = add_key("user", desc, value, len, KEY_SPEC_SESSION_KEYRING);
	if (id < 0)
		return -1;
	if (keyctl_set_timeout(id, ttl_s) != 0 ||
	    keyctl_setperm(id, PK_KEY_PERM) != 0) {
		(void)keyctl_revoke(id);
		return -1;
	}
	*idp = id;
	return 0;
}

static int
gone(void)
{
	return errno == ENOKEY || errno == EKEYEXPIRED ||
	    errno == EKEYREVOKED;
}

int
pk_keyring_revoke_id(int32_t id)
{
	if (keyctl_revoke(id) != 0)
		return gone() ? 0 : -1;
	return 0;
}

int
pk_keyring_revoke(const char *name)
{
	char desc[256];
	key_serial_t id;

	if (describe(desc, sizeof(desc), name) != 0)
		return -1;
	id = keyctl_search(KEY_SPEC_SESSION_KEYRING, "user", desc, 0);
	if (id < 0)
		return gone() ? 0 : -1;
	if (keyctl_revoke(id) != 0)
		return -1;
	(void)keyctl_unlink(id, KEY_SPEC_SESSION_KEYRING);
	return 0;
}
#else
int
pk_keyring_add(const char *name, const char *value, size_t len,
    unsigned ttl_s, int32_t *id)
{
	(void)name;
	(void)value;
	(void)len;
	(void)ttl_s;
	*id = 0;
	errno = ENOSYS;
	return -1;
}

int
pk_keyring_revoke_id(int32_t id)
{
	(void)id;
	errno = ENOSYS;
	return -1;
}

int
pk_keyring_revoke(const char *name)
{
	(void)name;
	errno = ENOSYS;
	return -1;
}
#endif
