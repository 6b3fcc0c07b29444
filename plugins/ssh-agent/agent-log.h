/*
 * keeper-agent's audit log: one line per answer (a signature, a refusal, a
 * lock), to a file, to standard error or to syslog, and who asked (the
 * peer process of a UNIX socket: pid, uid, executable).
 *
 * Shared by both sides of the agent: the SSH side logs each signature,
 * the secrets side each answer.  A line names records by UID and keys by
 * fingerprint; callers never pass a secret value, and agent_log() replaces
 * control characters so a record title cannot forge a second line.
 */
#ifndef AGENT_LOG_H
#define AGENT_LOG_H

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define AGENT_LOG_PRINTF(a, b)	__attribute__((format(printf, a, b)))
#else
#define AGENT_LOG_PRINTF(a, b)
#endif

#define AGENT_LOG_LINE_MAX	1024	/* bytes; longer lines are cut */

/* The process at the other end of a connection (SO_PEERCRED + /proc). */
struct agent_peer {
	long		 pid;		/* 0: unknown */
	unsigned	 uid;
	char		 exe[256];	/* /proc/PID/exe, or "?" */
};

/*
 * Where the lines go, once for the process: dest NULL or "syslog" for
 * syslog(3) (LOG_AUTHPRIV, LOG_INFO) under ident; "-" for standard error;
 * anything else is a file, created 0600 and appended to (the path is
 * opened now, so a later chdir does not matter).  Before a successful
 * agent_log_open() lines are dropped.  0, or KSM_EIO with ksm_error_last()
 * naming the file.
 */
int	agent_log_open(const char *dest, const char *ident);
void	agent_log_close(void);

/* CLOCK_MONOTONIC in milliseconds: deadlines, lifetimes, delays. */
long long	agent_now_ms(void);

/* Diagnostics on stderr (-d, -D): on or off; agent_debug() prints one. */
void	agent_log_verbose(int on);
void	agent_debug(const char *fmt, ...) AGENT_LOG_PRINTF(1, 2);

/* One audit line (no newline needed; control characters become '?'). */
void	agent_log(const char *fmt, ...) AGENT_LOG_PRINTF(1, 2);

/*
 * Fill *out for the peer of the connected UNIX socket fd.  Never fails:
 * what cannot be read stays 0 / "?" (the executable of another user's
 * process is often unreadable).
 */
void	agent_peer_get(int fd, struct agent_peer *out);

/* "pid 123 uid 1000 exe /usr/bin/ssh" into buf (always terminated). */
const char *agent_peer_str(const struct agent_peer *p, char *buf, size_t len);

#endif /* AGENT_LOG_H */
