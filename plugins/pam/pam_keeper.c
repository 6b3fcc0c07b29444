/*
 * pam_keeper.so: a Linux-PAM module backed by Keeper Secrets Manager.
 *
 *	auth	 the typed password must equal (constant time) the password
 *		 in the Keeper record mapped to the user
 *	account	 optional: the mapped record must still exist
 *	session	 export configured notations with pam_putenv (opt-in per
 *		 variable in the config file) and/or add them to the session
 *		 keyring with a timeout; close_session removes and revokes them
 *
 * Users the config does not map get PAM_IGNORE with no network call.
 * Diagnostics go through pam_syslog only and never hold the password.
 * A value fetched from Keeper lives in the handle's pam_set_data, whose
 * cleanup wipes it, and is dropped as soon as the last stage used it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
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
#include "ksm-config.h"
#include "util/wipe.h"
#include "pam-cache.h"
#include "pam-config.h"
#include "pam-folder.h"
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

/* Keeper could not answer (as opposed to: it answered no). */
static int
unreachable(int r)
{
	return r == KSM_ENETWORK || r == KSM_EPROXY || r == KSM_ESERVER ||
	    r == KSM_ETHROTTLED;
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

/*
 * The KSM client for c->entry, created once; the path checked first.
 * 0 or a libksm code (KSM_EPERM: the path is not root's alone).
 */
static int
ctx_client(struct ctx *c)
{
	ksm_client_options ko = KSM_CLIENT_OPTIONS_INIT;
	const char *path = pk_config_ksm(c->cfg, c->entry);
	char why[512], *prof = NULL;
	int r;

	if (c->client != NULL)
		return 0;
	/* profile=NAME: that profile's file, under the same checks */
	if (c->o.profile != NULL &&
	    (r = ksm_profile__path(&prof, c->o.profile, NULL)) != 0) {
		log_ksm(c, "cannot use the Keeper profile");
		return r;
	}
	if (prof != NULL && ksm_config__keyring_profile(prof) != NULL) {
		pam_syslog(c->pamh, LOG_ERR, "profile '%s' is kept in the "
		    "keyring: pam_keeper reads configuration files only",
		    c->o.profile);
		free(prof);
		return KSM_ECONFIG;
	}
	if (prof != NULL)
		path = prof;
	r = pk_path_trusted(path, 0, why, sizeof(why));
	if (r != 0) {
		pam_syslog(c->pamh, LOG_ERR, "refusing to act: %s", why);
		free(prof);
		return KSM_EPERM;
	}
	ko.config_path = path;
	ko.connect_timeout_ms = c->o.timeout_s * 1000u;
	ko.timeout_ms = c->o.timeout_s * 1000u;
	ko.max_throttle_wait_ms = 1;
	/*
	 * No answer cache and no keeper-agent: a rotated password must take
	 * effect at once, an outage must not be served from stale answers,
	 * nothing may be written below the calling service's home directory,
	 * and a screen locker's PAM stack must not trust the session's agent.
	 */
	ko.flags = KSM_CLIENT_NO_THROTTLE_RETRY | KSM_CLIENT_NO_CACHE |
	    KSM_CLIENT_NO_AGENT;
	r = ksm_client_new(&c->client, &ko);
	free(prof);
	if (r != 0)
		log_ksm(c, "cannot use the Keeper configuration");
	return r;
}

/* One value by notation (text, wiped on free with ksm_secret_free). */
static int
fetch(struct ctx *c, const char *notation, char **out, size_t *out_len,
    int code_notfound)
{
	int r;

	*out = NULL;
	if ((r = ctx_client(c)) != 0)
		return ksm_failed(c, r, PAM_SERVICE_ERR);
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
 * The user's record password, kept for the handle's later stages with
 * pam_set_data under a name derived from where it came from; the
 * cleanup wipes it (at pam_end, or when a stage drops it).
 */
struct stash {
	size_t	len;
	char	v[];		/* len bytes and a NUL */
};

static void
stash_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	struct stash *s = data;

	(void)pamh;
	(void)error_status;
	if (s != NULL)
		ksmx_freezero(s, sizeof(*s) + s->len + 1);
}

/* "pam_keeper:" and 32 hex digits of SHA-256("KIND\0A\0B"). */
static int
stash_name(char out[64], const char *kind, const char *a, const char *b)
{
	static const char digits[] = "0123456789abcdef";
	size_t la = strlen(a), lb = b != NULL ? strlen(b) : 0, lk = strlen(kind);
	size_t total = lk + 1 + la + 1 + lb, i;
	uint8_t d[32];
	char *m;
	int r;

	if ((m = malloc(total)) == NULL)
		return -1;
	memcpy(m, kind, lk + 1);
	memcpy(m + lk + 1, a, la + 1);
	if (lb > 0)
		memcpy(m + lk + 1 + la + 1, b, lb);
	r = ksm_crypto__sha256(d, m, total);
	free(m);
	if (r != 0)
		return -1;
	memcpy(out, "pam_keeper:", 11);
	for (i = 0; i < 16; i++) {
		out[11 + 2 * i] = digits[d[i] >> 4];
		out[12 + 2 * i] = digits[d[i] & 15];
	}
	out[43] = '\0';
	return 0;
}

/* The name under which the user's record password is stashed. */
static int
password_stash_name(const struct ctx *c, char out[64])
{
	const char *notation = pk_config_password(c->entry);

	if (notation != NULL)
		return stash_name(out, "notation", notation, NULL);
	return stash_name(out, "folder", pk_config_folder(c->entry), c->user);
}

/*
 * The user's record password (borrowed from the handle's data): from an
 * earlier stage of this handle, else from Keeper by notation or by
 * folder and login.  0 or a libksm code.
 */
static int
record_password(struct ctx *c, const struct stash **out)
{
	const char *notation = pk_config_password(c->entry);
	const void *data = NULL;
	struct stash *s;
	char name[64], why[512], *v = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	if (password_stash_name(c, name) != 0)
		return KSM_ENOMEM;
	if (pam_get_data(c->pamh, name, &data) == PAM_SUCCESS &&
	    data != NULL) {
		*out = data;
		return 0;
	}
	if ((r = ctx_client(c)) != 0)
		return r;
	if (notation != NULL)
		r = ksm_notation_get(&v, &n, c->client, notation);
	else {
		why[0] = '\0';
		r = pk_folder_password(&v, &n, c->client,
		    pk_config_folder(c->entry), c->user, why, sizeof(why));
		if (r != 0 && why[0] != '\0' &&
		    (r != KSM_ENOTFOUND || c->o.debug))
			pam_syslog(c->pamh, r == KSM_ENOTFOUND ? LOG_DEBUG :
			    LOG_ERR, "%s", why);
	}
	if (r != 0) {
		if (notation != NULL || why[0] == '\0')
			log_ksm(c, "cannot read from Keeper");
		return r;
	}
	if ((s = malloc(sizeof(*s) + n + 1)) == NULL) {
		ksmx_freezero(v, n);
		return KSM_ENOMEM;
	}
	s->len = n;
	memcpy(s->v, v, n);
	s->v[n] = '\0';
	ksmx_freezero(v, n);
	if (pam_set_data(c->pamh, name, s, stash_cleanup) != PAM_SUCCESS) {
		stash_cleanup(c->pamh, s, 0);
		return KSM_ENOMEM;
	}
	*out = s;
	return 0;
}

/* Wipe the stashed record password now rather than at pam_end. */
static void
record_password_drop(struct ctx *c)
{
	char name[64];

	if (password_stash_name(c, name) == 0)
		(void)pam_set_data(c->pamh, name, NULL, NULL);
}

/* The opt-in offline cache of c's config: 1 with dir and ttl, or 0. */
static int
cache_on(const struct ctx *c, const char **dir, unsigned *ttl)
{
	return pk_config_cache(c->cfg, dir, ttl);
}

/* Remember the password Keeper just confirmed (failures only logged). */
static void
cache_store(struct ctx *c, const char *pw, size_t len)
{
	const char *dir;
	unsigned ttl;
	char why[512];

	if (!cache_on(c, &dir, &ttl))
		return;
	if (pk_cache_store(dir, 0, c->user, pw, len, ttl, PK_CACHE_LOG2N,
	    time(NULL), why, sizeof(why)) != 0)
		pam_syslog(c->pamh, LOG_ERR, "offline cache not updated: %s",
		    why);
	else if (c->o.debug)
		pam_syslog(c->pamh, LOG_DEBUG, "offline cache updated");
}

static void
cache_forget(struct ctx *c)
{
	const char *dir;
	unsigned ttl;

	if (cache_on(c, &dir, &ttl) && pk_cache_forget(dir, 0, c->user) != 0)
		pam_syslog(c->pamh, LOG_ERR, "cannot remove the offline "
		    "cache entry: %m");
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

/*
 * Keeper did not answer: with the opt-in offline cache, a fresh entry
 * decides; without one, the outage is reported (failmode applies).
 */
static int
auth_offline(struct ctx *c, int r, const char *typed)
{
	const char *dir;
	unsigned ttl;
	char why[512];

	if (!cache_on(c, &dir, &ttl))
		return ksm_failed(c, r, PAM_SERVICE_ERR);
	switch (pk_cache_check(dir, 0, c->user, typed, ttl, time(NULL), why,
	    sizeof(why))) {
	case PK_CACHE_MATCH:
		pam_syslog(c->pamh, LOG_NOTICE, "Keeper unreachable; "
		    "password accepted by the offline cache");
		return PAM_SUCCESS;
	case PK_CACHE_MISMATCH:
		pam_syslog(c->pamh, LOG_NOTICE, "Keeper unreachable; "
		    "authentication failure (offline cache)");
		return PAM_AUTH_ERR;
	default:
		pam_syslog(c->pamh, LOG_NOTICE, "Keeper unreachable; offline "
		    "cache not used: %s", why);
		return ksm_failed(c, r, PAM_SERVICE_ERR);
	}
}

/*
 * A wrong password: if it is the one the offline cache holds, the
 * record was rotated since; forget the entry so the old password does
 * not come back during an outage.
 */
static void
auth_mismatch(struct ctx *c, const char *typed)
{
	const char *dir;
	unsigned ttl;

	if (cache_on(c, &dir, &ttl) &&
	    pk_cache_check(dir, 0, c->user, typed, ttl, time(NULL), NULL,
	    0) == PK_CACHE_MATCH) {
		cache_forget(c);
		pam_syslog(c->pamh, LOG_NOTICE, "a rotated password was "
		    "typed; offline cache entry removed");
	}
}

PAM_KEEPER_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct ctx c;
	const struct stash *want = NULL;
	const char *typed = NULL;
	char *again = NULL;
	int r, rc, had_first;

	(void)flags;
	if ((rc = ctx_begin(&c, pamh, argc, argv)) != PAM_SUCCESS)
		goto out;
	if (c.entry == NULL || (pk_config_password(c.entry) == NULL &&
	    pk_config_folder(c.entry) == NULL)) {
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
	if ((r = record_password(&c, &want)) != 0) {
		if (unreachable(r))
			rc = auth_offline(&c, r, typed);
		else if (r == KSM_ENOTFOUND && pk_config_password(c.entry) ==
		    NULL) {
			/* login_folders: no record for this user, not ours */
			cache_forget(&c);
			rc = PAM_IGNORE;
		} else {
			if (r == KSM_ENOTFOUND || r == KSM_ENOTSHARED)
				cache_forget(&c);
			rc = ksm_failed(&c, r, PAM_SERVICE_ERR);
		}
		goto out;
	}
	if (want->len == 0 || strlen(want->v) != want->len) {
		pam_syslog(pamh, LOG_ERR, "the Keeper record's password is "
		    "empty or not text; refusing");
		rc = PAM_AUTH_ERR;
		goto out;
	}
	rc = PAM_AUTH_ERR;
	if (password_matches(typed, want->v, want->len)) {
		rc = PAM_SUCCESS;
		cache_store(&c, typed, strlen(typed));
	} else
		auth_mismatch(&c, typed);
	/* try_first_pass: the earlier password failed, so ask once */
	if (rc == PAM_AUTH_ERR && had_first && c.o.try_first_pass &&
	    !c.o.use_first_pass) {
		if (pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &again,
		    "Keeper password: ") != PAM_SUCCESS || again == NULL)
			goto out;
		if (password_matches(again, want->v, want->len)) {
			rc = pam_set_item(pamh, PAM_AUTHTOK, again);
			if (rc != PAM_SUCCESS)
				rc = PAM_AUTH_ERR;
			else
				cache_store(&c, again, strlen(again));
		}
	}
	if (rc == PAM_AUTH_ERR)
		pam_syslog(pamh, LOG_NOTICE, "authentication failure");
	else if (rc == PAM_SUCCESS && c.o.debug)
		pam_syslog(pamh, LOG_DEBUG, "password accepted");
 out:
	ksmx_strfree(again);
	/* account management may still use it; pam_end wipes it anyway */
	if (rc != PAM_SUCCESS && c.entry != NULL && want != NULL)
		record_password_drop(&c);
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

/*
 * With "check_account": true, the password's record must still exist.
 * An earlier auth stage of the same handle already fetched it; during an
 * outage a fresh offline cache entry stands in for it.
 */
PAM_KEEPER_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct ctx c;
	const struct stash *s = NULL;
	const char *dir;
	unsigned ttl;
	int r, rc;

	(void)flags;
	if ((rc = ctx_begin(&c, pamh, argc, argv)) != PAM_SUCCESS)
		goto out;
	if (c.entry == NULL || !pk_config_check_account(c.entry) ||
	    (pk_config_password(c.entry) == NULL &&
	    pk_config_folder(c.entry) == NULL)) {
		rc = PAM_IGNORE;
		goto out;
	}
	r = record_password(&c, &s);
	if (r == 0)
		rc = PAM_SUCCESS;
	else if (r == KSM_ENOTFOUND || r == KSM_ENOTSHARED) {
		pam_syslog(pamh, LOG_NOTICE, "the user's Keeper record is "
		    "gone; account refused");
		rc = PAM_ACCT_EXPIRED;
	} else if (unreachable(r) && cache_on(&c, &dir, &ttl) &&
	    pk_cache_fresh(dir, 0, c.user, ttl, time(NULL))) {
		pam_syslog(pamh, LOG_NOTICE, "Keeper unreachable; account "
		    "accepted by the offline cache");
		rc = PAM_SUCCESS;
	} else
		rc = ksm_failed(&c, r, PAM_SERVICE_ERR);
	if (c.entry != NULL)
		record_password_drop(&c);
 out:
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
keys_revoke(struct ctx *c, const struct keys *k)
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
prime(struct ctx *c, const cJSON *obj, struct keys *keys)
{
	const cJSON *e;
	char *v = NULL;
	size_t n = 0;
	int32_t id;
	int rc = PAM_SUCCESS;

	cJSON_ArrayForEach(e, obj) {
		rc = fetch(c, e->valuestring, &v, &n,
		    failed(c, PAM_SESSION_ERR));
		if (rc == PAM_AUTHINFO_UNAVAIL)
			rc = PAM_SESSION_ERR;
		if (rc != PAM_SUCCESS)
			break;
		if (keys == NULL && strlen(v) != n) {
			pam_syslog(c->pamh, LOG_ERR, "%s: value is not text; "
			    "not exported", e->string);
			rc = failed(c, PAM_SESSION_ERR);
			break;
		}
		if (keys != NULL) {
			if (pk_keyring_add(e->string, v, n,
			    pk_config_keyring_ttl(c->entry), &id) != 0) {
				pam_syslog(c->pamh, LOG_ERR, "cannot add "
				    "session key %s%s: %m", PK_KEY_PREFIX,
				    e->string);
				rc = failed(c, PAM_SESSION_ERR);
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
	struct ctx c;
	const cJSON *env, *keyring;
	struct keys *keys = NULL;
	int rc;

	(void)flags;
	if ((rc = ctx_begin(&c, pamh, argc, argv)) != PAM_SUCCESS)
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
		rc = failed(&c, PAM_BUF_ERR);
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
			rc = failed(&c, PAM_SESSION_ERR);
			goto out;
		}
		keys = NULL;
	}
 out:
	free(keys);
	ctx_end(&c);
	return rc;
}

/* Remove what open_session exported and revoke its keys (no network). */
PAM_KEEPER_EXPORT int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct ctx c;
	const cJSON *env, *keyring, *e;
	const void *data = NULL;
	int rc;

	(void)flags;
	if ((rc = ctx_begin(&c, pamh, argc, argv)) != PAM_SUCCESS)
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
			rc = failed(&c, PAM_SESSION_ERR);
		}
 out:
	ctx_end(&c);
	return rc;
}
