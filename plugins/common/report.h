/* plugins/common: what the stand-alone helpers (and keeper-secret) share. */
#ifndef KSM_PLUGIN_REPORT_H
#define KSM_PLUGIN_REPORT_H

/*
 * "PROG: message" on stderr for a failed libksm call: the library's own
 * message when it belongs to code, else ksm_strerror(code); with_hint,
 * also "hint: ..." when the library gave one.
 */
void	plugin_report(const char *prog, int code, int with_hint);

/*
 * --config PATH (is_profile 0) or --profile NAME (1) of a helper: *config
 * becomes PATH, or "profile:NAME" kept in profile_buf (of
 * KSM_PROFILE_PATH_MAX bytes, ksm-config.h).  0, or -1 after a message on
 * stderr: a bad name, or both options given.
 */
int	plugin_config_option(const char *prog, int is_profile, const char *arg,
	    const char **config, char *profile_buf);

#endif /* KSM_PLUGIN_REPORT_H */
