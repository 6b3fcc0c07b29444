/* plugins/common: what the stand-alone helpers (and keeper-secret) share. */
#ifndef KSM_PLUGIN_REPORT_H
#define KSM_PLUGIN_REPORT_H

/*
 * "PROG: message" on stderr for a failed libksm call: the library's own
 * message when it belongs to code, else ksm_strerror(code); with_hint,
 * also "hint: ..." when the library gave one.
 */
void	plugin_report(const char *prog, int code, int with_hint);

#endif /* KSM_PLUGIN_REPORT_H */
