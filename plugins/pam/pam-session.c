/*
 * pam_keeper.so's session stage: open_session exports configured
 * notations with pam_putenv and/or adds them to the session keyring with
 * a timeout; close_session takes them back (no network call).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define PAM_SM_SESSION
#include <security/pam_modules.h>
#include <security/pam_ext.h>

#include "ksm/client.h"
#include "util/wipe.h"
#include "pam-config.h"
#include "pam-ctx.h"
#include "pam-keyring.h"

PAM_KEEPER_EXPORT int pam_sm_open_session(pam_handle_t *, int, int,
    const char **);
PAM_KEEPER_EXPORT int pam_sm_close_session(pam_handle_t *, int, int,
    const char **);

/* "NAME=value" into the PAM environment; the temporary copy is wiped. */
static int
putenv_value(pam_handle_t *pamh, const char *name, const char *value,
    size_t len)
{
	size_t nlen = strlen(name), total = nlen + 1 + len + 1;
	char *s;
	int rc;

	if ((s = malloc(total)) == NULL)
		return PAM_BUF_ERR;
	memcpy(s, name, nlen);
	s[nlen] = '=';
	memcpy(s + nlen + 1, value, len);
	s[total - 1] = '\0';
	rc = pam_putenv(pamh, s);
	ksmx_freezero(s, total);
	return rc;
}

/*
 * The serials of the keys open_session added, kept with pam_set_data so
 * close_session revokes exactly those even after pam_keyinit has left
 * the session keyring (it closes first, being first in the stack).
 */
#define PK_DATA_KEYS	"pam_keeper_session_keys"

struct keys {
	size_t	n;
	int32_t	id[];
};

static void
keys_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

static void
keys_revoke(struct pk_ctx *c, const struct keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (pk_keyring_revoke_id(k->id[i]) != 0)
			pam_syslog(c->pamh, LOG_ERR, "cannot revoke session "
			    "key %ld: %m", (long)k->id[i]);
}

/*
 * Fetch every notation of obj ("env" or "keyring") and hand it over:
 * into the PAM environment, or as a session key with the user's ttl
 * (its serial appended to keys).
 */
static int
prime(struct pk_ctx *c, const cJSON *obj, struct keys *keys)
{
	const cJSON *e;
	char *v = NULL;
	size_t n = 0;
	int32_t id;
	int rc = PAM_SUCCESS;

	cJSON_ArrayForEach(e, obj) {
		rc = pk_fetch(c, e->valuestring, &v, &n,
		    pk_failed(c, PAM_SESSION_ERR));
		if (rc == PAM_AUTHINFO_UNAVAIL)
			rc = PAM_SESSION_ERR;
		if (rc != PAM_SUCCESS)
			break;
		if (keys == NULL && strlen(v) != n) {
			pam_syslog(c->pamh, LOG_ERR, "%s: value is not text; "
			    "not exported", e->string);
			rc = pk_failed(c, PAM_SESSION_ERR);
			break;
		}
		if (keys != NULL) {
			if (pk_keyring_add(e->string, v, n,
			    pk_config_keyring_ttl(c->entry), &id) != 0) {
				pam_syslog(c->pamh, LOG_ERR, "cannot add "
				    "session key %s%s: %m", PK_KEY_PREFIX,
				    e->string);
				rc = pk_failed(c, PAM_SESSION_ERR);
			} else
				keys->id[keys->n++] = id;
		} else
			rc = putenv_value(c->pamh, e->string, v, n);
		ksm_secret_free(v);
		v = NULL;
		if (rc != PAM_SUCCESS)
			break;
		if (c->o.debug)
			pam_syslog(c->pamh, LOG_DEBUG, "%s %s", keys != NULL ?
			    "added session key" : "exported", e->string);
	}
	ksm_secret_free(v);
	return rc;
}

PAM_KEEPER_EXPORT int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct pk_ctx c;
	const cJSON *env, *keyring;
	struct keys *keys = NULL;
	int rc;

	(void)flags;
	if ((rc = pk_ctx_begin(&c, pamh, argc, argv)) != PAM_SUCCESS)
		goto out;
	if (c.entry == NULL) {
		rc = PAM_IGNORE;
		goto out;
	}
	env = pk_config_env(c.entry);
	keyring = pk_config_keyring(c.entry);
	if (env == NULL && keyring == NULL) {
		rc = PAM_IGNORE;
		goto out;
	}
	if ((keys = calloc(1, sizeof(*keys) + sizeof(keys->id[0]) *
	    (size_t)cJSON_GetArraySize(keyring))) == NULL) {
		rc = pk_failed(&c, PAM_BUF_ERR);
		goto out;
	}
	if ((rc = prime(&c, env, NULL)) == PAM_SUCCESS)
		rc = prime(&c, keyring, keys);
	if (rc != PAM_SUCCESS && rc != PAM_IGNORE) {
		/* the session is refused: take back what it got */
		keys_revoke(&c, keys);
		goto out;
	}
	if (keys->n > 0) {
		if (pam_set_data(pamh, PK_DATA_KEYS, keys, keys_cleanup) !=
		    PAM_SUCCESS) {
			keys_revoke(&c, keys);
			rc = pk_failed(&c, PAM_SESSION_ERR);
			goto out;
		}
		keys = NULL;
	}
 out:
	free(keys);
	pk_ctx_end(&c);
	return rc;
}

/* Remove what open_session exported and revoke its keys (no network). */
PAM_KEEPER_EXPORT int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct pk_ctx c;
	const cJSON *env, *keyring, *e;
	const void *data = NULL;
	int rc;

	(void)flags;
	if ((rc = pk_ctx_begin(&c, pamh, argc, argv)) != PAM_SUCCESS)
		goto out;
	env = c.entry != NULL ? pk_config_env(c.entry) : NULL;
	keyring = c.entry != NULL ? pk_config_keyring(c.entry) : NULL;
	if (env == NULL && keyring == NULL) {
		rc = PAM_IGNORE;
		goto out;
	}
	cJSON_ArrayForEach(e, env)
		if (pam_getenv(pamh, e->string) != NULL)
			(void)pam_putenv(pamh, e->string);	/* unset */
	if (pam_get_data(pamh, PK_DATA_KEYS, &data) == PAM_SUCCESS &&
	    data != NULL) {
		keys_revoke(&c, data);
		(void)pam_set_data(pamh, PK_DATA_KEYS, NULL, NULL);
	}
	/* another handle opened the session: find the keys by name */
	cJSON_ArrayForEach(e, keyring)
		if (pk_keyring_revoke(e->string) != 0) {
			pam_syslog(pamh, LOG_ERR, "cannot revoke session key "
			    "%s%s: %m", PK_KEY_PREFIX, e->string);
			rc = pk_failed(&c, PAM_SESSION_ERR);
		}
 out:
	pk_ctx_end(&c);
	return rc;
}
