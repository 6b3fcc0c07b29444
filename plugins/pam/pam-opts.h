/* pam_keeper module arguments: argv from the stack line into a struct. */
#ifndef PAM_KEEPER_OPTS_H
#define PAM_KEEPER_OPTS_H

#define PAM_KEEPER_CONFIG	"/etc/keeper/pam.json"
#define PAM_KEEPER_TIMEOUT	5	/* seconds */
#define PAM_KEEPER_TIMEOUT_MAX	60

enum pk_failmode {
	PK_FAILMODE_SECURE = 0,	/* report the failure (default) */
	PK_FAILMODE_SAFE	/* PAM_IGNORE: the rest of the stack decides */
};

struct pk_opts {
	unsigned	 debug:1;
	unsigned	 use_first_pass:1;
	unsigned	 try_first_pass:1;
	enum pk_failmode failmode;
	unsigned	 timeout_s;
	const char	*config;	/* borrowed from argv, which PAM keeps */
	const char	*only_if;	/* "sshd,sudo", or NULL: every service */
	const char	*profile;	/* KSM profile instead of ksm_config */
};

/* Defaults: secure, 5 s, PAM_KEEPER_CONFIG, every service. */
void	pk_opts_init(struct pk_opts *o);
/*
 * Apply one argument.  0, or -1 when it is unknown or its value invalid;
 * then o is unchanged (the caller logs it and goes on).
 */
int	pk_opts_parse_one(struct pk_opts *o, const char *arg);
/* Whether service is in only_if (always when only_if is NULL). */
int	pk_opts_service_selected(const struct pk_opts *o, const char *service);

#endif /* PAM_KEEPER_OPTS_H */
