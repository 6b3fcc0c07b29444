/*
 * keeper-agent's two kinds of lines: diagnostics (stderr, with -d/-D or
 * when something fails) and the audit trail (one line per answer or
 * signature: who asked, for what, how it went; never a value or key
 * material) to the --log file or, without one, to syslog (LOG_AUTHPRIV).
 */
#ifndef AGENT_AUDIT_H
#define AGENT_AUDIT_H

#include <stddef.h>
#include <sys/types.h>

/* path NULL: syslog.  0, or -1 when the file cannot be opened. */
int	audit_open(const char *path, int verbose);
void	audit_close(void);
void	audit_set_verbose(int verbose);

void	logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	audit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "pid N (EXE)" of a peer, into buf. */
const char *audit_peer(char *buf, size_t n, pid_t pid);

#endif /* AGENT_AUDIT_H */
