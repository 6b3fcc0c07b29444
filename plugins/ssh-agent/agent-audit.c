#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "agent-audit.h"

#define PROG	"keeper-agent"

static int verbose;
static int log_fd = -1;		/* --log FILE, else syslog */
static int use_syslog;

int
audit_open(const char *path, int v)
{
	verbose = v;
	if (path == NULL) {
		openlog(PROG, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
		use_syslog = 1;
		return 0;
	}
	/* the trail names records and programs: ours alone */
	log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	return log_fd >= 0 ? 0 : -1;
}

void
audit_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	if (use_syslog)
		closelog();
	use_syslog = 0;
}

void
audit_set_verbose(int v)
{
	verbose = v;
}

void
logmsg(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, PROG ": ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void
audit(const char *fmt, ...)
{
	char line[1024], stamp[32], out[1200];
	struct tm tm;
	time_t t = time(NULL);
	va_list ap;
	int n;

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	logmsg("%s", line);
	if (use_syslog) {
		syslog(LOG_INFO, "%s", line);
		return;
	}
	if (log_fd < 0)
		return;
	(void)strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z",
	    localtime_r(&t, &tm));
	n = snprintf(out, sizeof(out), "%s %s[%ld]: %s\n", stamp, PROG,
	    (long)getpid(), line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(out)) {	/* cut, but still one line */
		n = (int)sizeof(out) - 1;
		out[n - 1] = '\n';
	}
	/* one write per line: O_APPEND keeps lines whole */
	while (write(log_fd, out, (size_t)n) < 0 && errno == EINTR)
		;
}

const char *
audit_peer(char *buf, size_t n, pid_t pid)
{
	char link[64], exe[256];
	ssize_t k;

	(void)snprintf(link, sizeof(link), "/proc/%ld/exe", (long)pid);
	if ((k = readlink(link, exe, sizeof(exe) - 1)) < 0)
		(void)snprintf(exe, sizeof(exe), "?");
	else
		exe[k] = '\0';
	(void)snprintf(buf, n, "pid %ld (%s)", (long)pid, exe);
	return buf;
}
