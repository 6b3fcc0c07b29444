/*
 * pam_keeper.so's call context (pam-ctx.h): options, the user, the config
 * entry, the KSM client made once per call, and failures as PAM codes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_modules.h>
#include <security/pam_ext.h>

#include "ksm/client.h"
#include "ksm/error.h"
#include "ksm/notation.h"
#include "ksm-config.h"
#include "pam-config.h"
#include "pam-ctx.h"
#include "pam-opts.h"

/*
 * The one place that turns a failure that is not the user's fault into
 * a return code: failmode=safe hands the decision to the rest of the
 * stack (PAM_IGNORE), failmode=secure reports it.
 */
int
pk_failed(const struct pk_ctx *c, int code)
{
	return c->o.failmode == PK_FAILMODE_SAFE ? PAM_IGNORE : code;
}

/* A libksm failure (other than "not found") as a PAM code. */
int
pk_ksm_failed(const struct pk_ctx *c, int r, int code_other)
{
	switch (r) {
	case KSM_ENETWORK:
	case KSM_ETLS:
	case KSM_EPROXY:
	case KSM_ESERVER:
	case KSM_ETHROTTLED:
		return pk_failed(c, PAM_AUTHINFO_UNAVAIL);
	case KSM_ENOMEM:
		return pk_failed(c, PAM_BUF_ERR);
	default:
		return pk_failed(c, code_other);
	}
}

/* Keeper could not answer (as opposed to: it answered no). */
int
pk_unreachable(int r)
{
	return r == KSM_ENETWORK || r == KSM_EPROXY || r == KSM_ESERVER ||
	    r == KSM_ETHROTTLED;
}

void
pk_log_ksm(const struct pk_ctx *c, const char *what)
{
	/* libksm messages never hold a secret */
	pam_syslog(c->pamh, LOG_ERR, "%s: %s", what,
	    ksm_error_last()->message);
}

/*
 * Parse options, pick the service, read the user and the config.
 * PAM_SUCCESS with c->entry NULL means "not ours": the caller ignores.
 */
int
pk_ctx_begin(struct pk_ctx *c, pam_handle_t *pamh, int argc, const char **argv)
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
		return pk_failed(c, PAM_SERVICE_ERR);
	}
	c->entry = pk_config_user(c->cfg, c->user);
	if (c->entry == NULL && c->o.debug)
		pam_syslog(pamh, LOG_DEBUG, "user not managed by Keeper");
	return PAM_SUCCESS;
}

void
pk_ctx_end(struct pk_ctx *c)
{
	ksm_client_free(c->client);
	pk_config_free(c->cfg);
	memset(c, 0, sizeof(*c));
}

/*
 * The KSM client for c->entry, created once; the path checked first.
 * 0 or a libksm code (KSM_EPERM: the path is not root's alone).
 */
int
pk_ctx_client(struct pk_ctx *c)
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
		pk_log_ksm(c, "cannot use the Keeper profile");
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
		pk_log_ksm(c, "cannot use the Keeper configuration");
	return r;
}

/* One value by notation (text, wiped on free with ksm_secret_free). */
int
pk_fetch(struct pk_ctx *c, const char *notation, char **out, size_t *out_len,
    int code_notfound)
{
	int r;

	*out = NULL;
	if ((r = pk_ctx_client(c)) != 0)
		return pk_ksm_failed(c, r, PAM_SERVICE_ERR);
	if ((r = ksm_notation_get(out, out_len, c->client, notation)) != 0) {
		pk_log_ksm(c, "cannot read from Keeper");
		if (r == KSM_ENOTFOUND || r == KSM_ENOTSHARED)
			return code_notfound;
		return pk_ksm_failed(c, r, PAM_SERVICE_ERR);
	}
	return PAM_SUCCESS;
}
