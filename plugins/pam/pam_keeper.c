/*
 * pam_keeper.so: a Linux-PAM module backed by Keeper Secrets Manager.
 *
 *	auth	 the typed password must equal (constant time) the password
 *		 in the Keeper record mapped to the user
 *	account	 optional: the mapped record must still exist
 *	session	 export configured notations with pam_putenv (opt-in per
 *		 variable in the config file) and/or add them to the session
 *		 keyring with a timeout; close_session removes and revokes them
 *		 (pam-session.c)
 *
 * This file holds auth and account; pam-ctx.c what every stage shares.
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

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_modules.h>
#include <security/pam_ext.h>

#include "ksm/client.h"
#include "ksm/error.h"
#include "ksm/notation.h"
#include "crypto.h"
#include "util/wipe.h"
#include "pam-cache.h"
#include "pam-config.h"
#include "pam-ctx.h"
#include "pam-folder.h"

PAM_KEEPER_EXPORT int pam_sm_authenticate(pam_handle_t *, int, int,
    const char **);
PAM_KEEPER_EXPORT int pam_sm_setcred(pam_handle_t *, int, int,
    const char **);
PAM_KEEPER_EXPORT int pam_sm_acct_mgmt(pam_handle_t *, int, int,
    const char **);

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
password_stash_name(const struct pk_ctx *c, char out[64])
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
record_password(struct pk_ctx *c, const struct stash **out)
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
	if ((r = pk_ctx_client(c)) != 0)
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
			pk_log_ksm(c, "cannot read from Keeper");
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
record_password_drop(struct pk_ctx *c)
{
	char name[64];

	if (password_stash_name(c, name) == 0)
		(void)pam_set_data(c->pamh, name, NULL, NULL);
}

/* The opt-in offline cache of c's config: 1 with dir and ttl, or 0. */
static int
cache_on(const struct pk_ctx *c, const char **dir, unsigned *ttl)
{
	return pk_config_cache(c->cfg, dir, ttl);
}

/* Remember the password Keeper just confirmed (failures only logged). */
static void
cache_store(struct pk_ctx *c, const char *pw, size_t len)
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
cache_forget(struct pk_ctx *c)
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
auth_offline(struct pk_ctx *c, int r, const char *typed)
{
	const char *dir;
	unsigned ttl;
	char why[512];

	if (!cache_on(c, &dir, &ttl))
		return pk_ksm_failed(c, r, PAM_SERVICE_ERR);
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
		return pk_ksm_failed(c, r, PAM_SERVICE_ERR);
	}
}

/*
 * A wrong password: if it is the one the offline cache holds, the
 * record was rotated since; forget the entry so the old password does
 * not come back during an outage.
 */
static void
auth_mismatch(struct pk_ctx *c, const char *typed)
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
	struct pk_ctx c;
	const struct stash *want = NULL;
	const char *typed = NULL;
	char *again = NULL;
	int r, rc, had_first;

	(void)flags;
	if ((rc = pk_ctx_begin(&c, pamh, argc, argv)) != PAM_SUCCESS)
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
		if (pk_unreachable(r))
			rc = auth_offline(&c, r, typed);
		else if (r == KSM_ENOTFOUND && pk_config_password(c.entry) ==
		    NULL) {
			/* login_folders: no record for this user, not ours */
			cache_forget(&c);
			rc = PAM_IGNORE;
		} else {
			if (r == KSM_ENOTFOUND || r == KSM_ENOTSHARED)
				cache_forget(&c);
			rc = pk_ksm_failed(&c, r, PAM_SERVICE_ERR);
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
	pk_ctx_end(&c);
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
	struct pk_ctx c;
	const struct stash *s = NULL;
	const char *dir;
	unsigned ttl;
	int r, rc;

	(void)flags;
	if ((rc = pk_ctx_begin(&c, pamh, argc, argv)) != PAM_SUCCESS)
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
	} else if (pk_unreachable(r) && cache_on(&c, &dir, &ttl) &&
	    pk_cache_fresh(dir, 0, c.user, ttl, time(NULL))) {
		pam_syslog(pamh, LOG_NOTICE, "Keeper unreachable; account "
		    "accepted by the offline cache");
		rc = PAM_SUCCESS;
	} else
		rc = pk_ksm_failed(&c, r, PAM_SERVICE_ERR);
	if (c.entry != NULL)
		record_password_drop(&c);
 out:
	pk_ctx_end(&c);
	return rc;
}
