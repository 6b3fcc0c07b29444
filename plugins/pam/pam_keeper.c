/*
 * pam_keeper.so: a Linux-PAM module backed by Keeper Secrets Manager.
 *
 *	auth	 the typed password must equal (constant time) the password
 *		 in the Keeper record mapped to the user
 *	account	 optional: the mapped record must still exist
 *	session	 export configured notations with pam_putenv (opt-in per
 *		 variable in the config file); close_session removes them
 *
 * Users the config does not map get PAM_IGNORE with no network call.
 * Diagnostics go through pam_syslog only and never hold the password.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#include <security/pam_modules.h>
#include <security/pam_ext.h>

#include "ksm/client.h"
#include "ksm/error.h"
#include "ksm/notation.h"
#include "crypto.h"
#include "util/wipe.h"
#include "pam-config.h"
#include "pam-keyring.h"
#include "pam-opts.h"

/* configure builds with -fvisibility=hidden; the entry points opt out */
#define PAM_KEEPER_EXPORT	__attribute__((visibility("default")))

PAM_KEEPER_EXPORT int pam_sm_authenticate(pam_handle_t *, int, int,
    const char **);
PAM_KEEPER_EXPORT int pam_sm_setcred(pam_handle_t *, int, int,
    const char **);
PAM_KEEPER_EXPORT int pam_sm_acct_mgmt(pam_handle_t *, int, int,
    const char **);
PAM_KEEPER_EXPORT int pam_sm_open_session(pam_handle_t *, int, int,
    const char **);
PAM_KEEPER_EXPORT int pam_sm_close_session(pam_handle_t *, int, int,
    const char **);

/* What one call works with; released by ctx_end(). */
struct ctx {
	pam_handle_t	*pamh;
	struct pk_opts	 o;
	const char	*user;
	cJSON		*cfg;
	const cJSON	*entry;		/* NULL: not a user of ours */
	ksm_client	*client;
};

/*---------------------------------------------------------------------*/

/*
 * The one place that turns a failure that is not the user's fault into
 * a return code: failmode=safe hands the decision to the rest of the
 * stack (PAM_IGNORE), failmode=secure reports it.
 */
static int
failed(const struct ctx *c, int code)
{
	return c->o.failmode == PK_FAILMODE_SAFE ? PAM_IGNORE : code;
}

/* A libksm failure (other than "not found") as a PAM code. */
static int
ksm_failed(const struct ctx *c, int r, int code_other)
{
	switch (r) {
	case KSM_ENETWORK:
	case KSM_ETLS:
	case KSM_EPROXY:
	case KSM_ESERVER:
	case KSM_ETHROTTLED:
		return failed(c, PAM_AUTHINFO_UNAVAIL);
	case KSM_ENOMEM:
		return failed(c, PAM_BUF_ERR);
	default:
		return failed(c, code_other);
	}
}

static void
log_ksm(const struct ctx *c, const char *what)
{
	/* libksm messages never hold a secret */
	pam_syslog(c->pamh, LOG_ERR, "%s: %s", what,
	    ksm_error_last()->message);
}

/*
 * Parse options, pick the service, read the user and the config.
 * PAM_SUCCESS with c->entry NULL means "not ours": the caller ignores.
 */
static int
ctx_begin(struct ctx *c, pam_handle_t *pamh, int argc, const char **argv)
{
	const void *item = NULL;
	char why[512];
	int i, rc;

	memset(c, 0, sizeof(*c));
	c->pamh = pamh;
	pk_opts_init(&c->o);
	for (i = 0; i < argc; i++)
		if (pk_opts_parse_one(&c->o, argv[i]) != 0)
			pam_syslog(pamh, LOG_ERR,
			    "ignoring unknown or invalid option '%s'",
			    argv[i]);
	if (c->o.only_if != NULL) {
		if (pam_get_item(pamh, PAM_SERVICE, &item) != PAM_SUCCESS)
			item = NULL;
		if (!pk_opts_service_selected(&c->o, item))
			return PAM_SUCCESS;
	}
	rc = pam_get_user(pamh, &c->user, NULL);
	if (rc == PAM_CONV_AGAIN)
		return PAM_INCOMPLETE;
	if (rc != PAM_SUCCESS || c->user == NULL || *c->user == '\0')
		return PAM_SUCCESS;		/* nobody: not ours */
	if (pk_config_load(&c->cfg, c->o.config, 0, why, sizeof(why)) != 0) {
		pam_syslog(pamh, LOG_ERR, "refusing to act: %s", why);
		return failed(c, PAM_SERVICE_ERR);
	}
	c->entry = pk_config_user(c->cfg, c->user);
	if (c->entry == NULL && c->o.debug)
		pam_syslog(pamh, LOG_DEBUG, "user not managed by Keeper");
	return PAM_SUCCESS;
}

static void
ctx_end(struct ctx *c)
{
	ksm_client_free(c->client);
	pk_config_free(c->cfg);
	memset(c, 0, sizeof(*c));
}

/* The KSM client for c->entry, created once; the path checked first. */
static int
ctx_client(struct ctx *c)
{
	ksm_client_options ko = KSM_CLIENT_OPTIONS_INIT;
	const char *path = pk_config_ksm(c->cfg, c->entry);
	char why[512];
	int r;

	if (c->client != NULL)
		return PAM_SUCCESS;
	if (pk_path_trusted(path, 0, why, sizeof(why)) != 0) {
		pam_syslog(c->pamh, LOG_ERR, "refusing to act: %s", why);
		return failed(c, PAM_SERVICE_ERR);
	}
	ko.config_path = path;
	ko.connect_timeout_ms = c->o.timeout_s * 1000u;
	ko.timeout_ms = c->o.timeout_s * 1000u;
	ko.max_throttle_wait_ms = 1;
	ko.flags = KSM_CLIENT_NO_THROTTLE_RETRY;
	if ((r = ksm_client_new(&c->client, &ko)) != 0) {
		log_ksm(c, "cannot use the Keeper configuration");
		return ksm_failed(c, r, PAM_SERVICE_ERR);
	}
	return PAM_SUCCESS;
}

/* One value by notation (text, wiped on free with ksm_secret_free). */
static int
fetch(struct ctx *c, const char *notation, char **out, size_t *out_len,
    int code_notfound)
{
	int r, rc;

	*out = NULL;
	if ((rc = ctx_client(c)) != PAM_SUCCESS)
		return rc;
	if ((r = ksm_notation_get(out, out_len, c->client, notation)) != 0) {
		log_ksm(c, "cannot read from Keeper");
		if (r == KSM_ENOTFOUND || r == KSM_ENOTSHARED)
			return code_notfound;
		return ksm_failed(c, r, PAM_SERVICE_ERR);
	}
	return PAM_SUCCESS;
}

/*---------------------------------------------------------------------*/

/*
 * Equal in time that depends on neither content nor length: compare the
 * SHA-256 digests in constant time, then the lengths.
 */
static int
password_matches(const char *typed, const char *want, size_t want_len)
{
	uint8_t a[32], b[32];
	size_t typed_len = strlen(typed);
	int eq;

	if (ksm_crypto__sha256(a, typed, typed_len) != 0 ||
	    ksm_crypto__sha256(b, want, want_len) != 0) {
		eq = 0;
		goto out;
	}
	eq = ksmx_memeq_ct(a, b, sizeof(a)) == 0 && typed_len == want_len;
 out:
	ksmx_wipe_array(a);
	ksmx_wipe_array(b);
	return eq;
}

/* The password a previous module stored, or NULL. */
static const char *
first_pass(pam_handle_t *pamh)
{
	const void *item = NULL;

	if (pam_get_item(pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS)
		return NULL;
	return item;
}

PAM_KEEPER_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct ctx c;
	const char *notation, *typed = NULL;
	char *want = NULL, *again = NULL;
	size_t want_len = 0;
	int rc, had_first;

	(void)flags;
	if ((rc = ctx_begin(&c, pamh, argc, argv)) != PAM_SUCCESS)
		goto out;
	if (c.entry == NULL ||
	    (notation = pk_config_password(c.entry)) == NULL) {
		rc = PAM_IGNORE;
		goto out;
	}
	typed = first_pass(pamh);
	had_first = typed != NULL;
	if (c.o.use_first_pass && typed == NULL) {
		pam_syslog(pamh, LOG_ERR, "use_first_pass: no password was "
		    "entered before this module");
		rc = PAM_AUTH_ERR;
		goto out;
	}
	if (typed == NULL) {
		rc = pam_get_authtok(pamh, PAM_AUTHTOK, &typed, NULL);
		if (rc == PAM_CONV_AGAIN)
			rc = PAM_INCOMPLETE;
		if (rc != PAM_SUCCESS)
			goto out;
	}
	if ((rc = fetch(&c, notation, &want, &want_len, PAM_SERVICE_ERR)) !=
	    PAM_SUCCESS)
		goto out;
	if (want_len == 0 || strlen(want) != want_len) {
		pam_syslog(pamh, LOG_ERR, "the Keeper record's password is "
		    "empty or not text; refusing");
		rc = PAM_AUTH_ERR;
		goto out;
	}
	rc = password_matches(typed, want, want_len) ? PAM_SUCCESS :
	    PAM_AUTH_ERR;
	/* try_first_pass: the earlier password failed, so ask once */
	if (rc == PAM_AUTH_ERR && had_first && c.o.try_first_pass &&
	    !c.o.use_first_pass) {
		if (pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &again,
		    "Keeper password: ") != PAM_SUCCESS || again == NULL)
			goto out;
		if (password_matches(again, want, want_len)) {
			rc = pam_set_item(pamh, PAM_AUTHTOK, again);
			if (rc != PAM_SUCCESS)
				rc = PAM_AUTH_ERR;
		}
	}
	if (rc == PAM_AUTH_ERR)
		pam_syslog(pamh, LOG_NOTICE, "authentication failure");
	else if (rc == PAM_SUCCESS && c.o.debug)
		pam_syslog(pamh, LOG_DEBUG, "password accepted");
 out:
	ksmx_strfree(again);
	ksm_secret_free(want);
	ctx_end(&c);
	return rc;
}

PAM_KEEPER_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/* With "check_account": true, the password's record must still exist. */
PAM_KEEPER_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct ctx c;
	const char *notation;
	char *v = NULL;
	size_t n = 0;
	int rc;

	(void)flags;
	if ((rc = ctx_begin(&c, pamh, argc, argv)) != PAM_SUCCESS)
		goto out;
	if (c.entry == NULL || !pk_config_check_account(c.entry) ||
	    (notation = pk_config_password(c.entry)) == NULL) {
		rc = PAM_IGNORE;
		goto out;
	}
	rc = fetch(&c, notation, &v, &n, PAM_ACCT_EXPIRED);
	if (rc == PAM_ACCT_EXPIRED)
		pam_syslog(pamh, LOG_NOTICE, "the user's Keeper record is "
		    "gone; account refused");
 out:
	ksm_secret_free(v);
	ctx_end(&c);
	return rc;
}

/*---------------------------------------------------------------------*/

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
 * Fetch every notation of obj ("env" or "keyring") and hand it over:
 * into the PAM environment, or as a session key with the user's ttl.
 */
static int
prime(struct ctx *c, const cJSON *obj, int keyring)
{
	const cJSON *e;
	char *v = NULL;
	size_t n = 0;
	int rc = PAM_SUCCESS;

	cJSON_ArrayForEach(e, obj) {
		rc = fetch(c, e->valuestring, &v, &n,
		    failed(c, PAM_SESSION_ERR));
		if (rc == PAM_AUTHINFO_UNAVAIL)
			rc = PAM_SESSION_ERR;
		if (rc != PAM_SUCCESS)
			break;
		if (!keyring && strlen(v) != n) {
			pam_syslog(c->pamh, LOG_ERR, "%s: value is not text; "
			    "not exported", e->string);
			rc = failed(c, PAM_SESSION_ERR);
			break;
		}
		if (keyring) {
			if (pk_keyring_add(e->string, v, n,
			    pk_config_keyring_ttl(c->entry)) != 0) {
				pam_syslog(c->pamh, LOG_ERR, "cannot add "
				    "session key %s%s: %m", PK_KEY_PREFIX,
				    e->string);
				rc = failed(c, PAM_SESSION_ERR);
			}
		} else
			rc = putenv_value(c->pamh, e->string, v, n);
		ksm_secret_free(v);
		v = NULL;
		if (rc != PAM_SUCCESS)
			break;
		if (c->o.debug)
			pam_syslog(c->pamh, LOG_DEBUG, "%s %s", keyring ?
			    "added session key" : "exported", e->string);
	}
	ksm_secret_free(v);
	return rc;
}

PAM_KEEPER_EXPORT int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct ctx c;
	const cJSON *env, *keys;
	int rc;

	(void)flags;
	if ((rc = ctx_begin(&c, pamh, argc, argv)) != PAM_SUCCESS)
		goto out;
	if (c.entry == NULL) {
		rc = PAM_IGNORE;
		goto out;
	}
	env = pk_config_env(c.entry);
	keys = pk_config_keyring(c.entry);
	if (env == NULL && keys == NULL) {
		rc = PAM_IGNORE;
		goto out;
	}
	if ((rc = prime(&c, env, 0)) == PAM_SUCCESS)
		rc = prime(&c, keys, 1);
 out:
	ctx_end(&c);
	return rc;
}

/* Remove what open_session exported and revoke its keys (no network). */
PAM_KEEPER_EXPORT int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct ctx c;
	const cJSON *env, *keys, *e;
	int rc;

	(void)flags;
	if ((rc = ctx_begin(&c, pamh, argc, argv)) != PAM_SUCCESS)
		goto out;
	env = c.entry != NULL ? pk_config_env(c.entry) : NULL;
	keys = c.entry != NULL ? pk_config_keyring(c.entry) : NULL;
	if (env == NULL && keys == NULL) {
		rc = PAM_IGNORE;
		goto out;
	}
	cJSON_ArrayForEach(e, env)
		if (pam_getenv(pamh, e->string) != NULL)
			(void)pam_putenv(pamh, e->string);	/* unset */
	cJSON_ArrayForEach(e, keys)
		if (pk_keyring_revoke(e->string) != 0) {
			pam_syslog(pamh, LOG_ERR, "cannot revoke session key "
			    "%s%s: %m", PK_KEY_PREFIX, e->string);
			rc = failed(&c, PAM_SESSION_ERR);
		}
 out:
	ctx_end(&c);
	return rc;
}
