#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ksm-int.h"
#include "agent-log.h"

enum log_dest { DEST_NONE, DEST_SYSLOG, DEST_FD };

static enum log_dest kind = DEST_NONE;
static int log_fd = -1;
static char log_ident[64] = "keeper-agent";
static int verbose;

void
agent_log_verbose(int on)
{
	verbose = on;
}

void
agent_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", log_ident);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int
agent_log_open(const char *dest, const char *ident)
{
	int fd;

	agent_log_close();
	if (ident != NULL)
		snprintf(log_ident, sizeof(log_ident), "%s", ident);
	if (dest == NULL || strcmp(dest, "syslog") == 0) {
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
		kind = DEST_SYSLOG;
		return 0;
	}
	if (strcmp(dest, "-") == 0) {
		log_fd = STDERR_FILENO;
		kind = DEST_FD;
		return 0;
	}
	fd = open(dest, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0)
		return ksm__err_errno(KSM_EIO, "cannot open log file '%s'",
		    dest);
	log_fd = fd;
	kind = DEST_FD;
	return 0;
}

void
agent_log_close(void)
{
	if (kind == DEST_SYSLOG)
		closelog();
	if (kind == DEST_FD && log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = -1;
	kind = DEST_NONE;
}

long long
agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
agent_log(const char *fmt, ...)
{
	char line[AGENT_LOG_LINE_MAX], stamp[64], out[AGENT_LOG_LINE_MAX + 96];
	struct tm tm;
	time_t now;
	va_list ap;
	size_t i, n;
	int h;

	if (kind == DEST_NONE)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* a title or an executable name cannot start a forged line */
	for (i = 0; line[i] != '\0'; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	if (kind == DEST_SYSLOG) {
		syslog(LOG_INFO, "%s", line);
		return;
	}
	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		stamp[0] = '\0';
	/* one write per line: concurrent writers do not interleave */
	h = snprintf(out, sizeof(out), "%s %s[%ld]: ", stamp, log_ident,
	    (long)getpid());
	if (h < 0 || (size_t)h + 2 > sizeof(out))
		return;
	n = strlen(line);
	if (n > sizeof(out) - (size_t)h - 1)
		n = sizeof(out) - (size_t)h - 1;
	memcpy(out + h, line, n);
	out[(size_t)h + n] = '\n';
	(void)ksm_io__write_all(log_fd, out, (size_t)h + n + 1);
}

void
agent_peer_get(int fd, struct agent_peer *out)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	char path[64];
	ssize_t n;

	memset(out, 0, sizeof(*out));
	snprintf(out->exe, sizeof(out->exe), "?");
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0 ||
	    uc.pid <= 0)
		return;
	out->pid = (long)uc.pid;
	out->uid = (unsigned)uc.uid;
	snprintf(path, sizeof(path), "/proc/%ld/exe", out->pid);
	n = readlink(path, out->exe, sizeof(out->exe) - 1);
	if (n <= 0)
		snprintf(out->exe, sizeof(out->exe), "?");
	else
		out->exe[n] = '\0';
}

const char *
agent_peer_str(const struct agent_peer *p, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (p == NULL || p->pid == 0)
		snprintf(buf, len, "pid ? uid ? exe ?");
	else
		snprintf(buf, len, "pid %ld uid %u exe %s", p->pid, p->uid,
		    p->exe);
	return buf;
}
