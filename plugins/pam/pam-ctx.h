/*
 * What pam_keeper.c (auth, account) and pam-session.c (session) share:
 * one call's context (options, user, config entry, the KSM client) and
 * the way a failure becomes a PAM code (pam-ctx.c).  Hidden, like every
 * symbol of the module but its pam_sm_* entry points.
 */
#ifndef PAM_CTX_H
#define PAM_CTX_H

#include <stddef.h>

#include <security/pam_modules.h>

#include "ksm/client.h"
#include "pam-config.h"
#include "pam-opts.h"

/* configure builds with -fvisibility=hidden; the entry points opt out */
#define PAM_KEEPER_EXPORT	__attribute__((visibility("default")))

/* What one call works with; released by pk_ctx_end(). */
struct pk_ctx {
	pam_handle_t	*pamh;
	struct pk_opts	 o;
	const char	*user;
	cJSON		*cfg;
	const cJSON	*entry;		/* NULL: not a user of ours */
	ksm_client	*client;
};

/*
 * Parse options, pick the service, read the user and the config.
 * PAM_SUCCESS with c->entry NULL means "not ours": the caller ignores.
 */
int	pk_ctx_begin(struct pk_ctx *c, pam_handle_t *pamh, int argc,
	    const char **argv);
void	pk_ctx_end(struct pk_ctx *c);
/* The KSM client for c->entry, created once: 0 or a libksm code. */
int	pk_ctx_client(struct pk_ctx *c);
/* One value by notation (ksm_secret_free): a PAM code. */
int	pk_fetch(struct pk_ctx *c, const char *notation, char **out,
	    size_t *out_len, int code_notfound);

/* A failure that is not the user's fault, as failmode says. */
int	pk_failed(const struct pk_ctx *c, int code);
/* A libksm failure (other than "not found") as a PAM code. */
int	pk_ksm_failed(const struct pk_ctx *c, int r, int code_other);
/* Keeper could not answer (as opposed to: it answered no). */
int	pk_unreachable(int r);
/* libksm's last message to syslog, after what. */
void	pk_log_ksm(const struct pk_ctx *c, const char *what);

#endif /* PAM_CTX_H */
