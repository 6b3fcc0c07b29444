#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ksm-int.h"
#include "agent-confirm.h"
#include "agent-log.h"

/* A descriptor that polls readable when pid exits; -1 without pidfd. */
static int
exit_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/* In the child: a clean signal state, its own process group, exec. */
static void
run_askpass(const char *askpass, const char *prompt, int out)
{
	sigset_t none;
	int nul;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);	/* the agent blocks some */
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);
	if ((nul = open("/dev/null", O_RDONLY)) >= 0)
		dup2(nul, STDIN_FILENO);
	if (dup2(out, STDOUT_FILENO) < 0)
		_exit(127);
	setenv("SSH_ASKPASS_PROMPT", "confirm", 1);
	execl(askpass, askpass, prompt, (char *)NULL);
	_exit(127);
}

/* The answer, the exit status: allowed or why not. */
static int
verdict(const char *askpass, char *ans, size_t got, int status)
{
	while (got > 0 && (ans[got - 1] == '\n' || ans[got - 1] == '\r'))
		got--;
	ans[got] = '\0';
	if (!WIFEXITED(status))
		return ksm__err(KSM_EACCESS, "confirmation refused: '%s' "
		    "was killed by signal %d", askpass, WTERMSIG(status));
	if (WEXITSTATUS(status) == 127)
		return ksm__err(KSM_EACCESS, "cannot ask for confirmation: "
		    "'%s' could not be run", askpass);
	if (WEXITSTATUS(status) != 0)
		return ksm__err(KSM_EACCESS, "confirmation refused: '%s' "
		    "exited %d", askpass, WEXITSTATUS(status));
	if (got != 0 && strcasecmp(ans, "yes") != 0)
		return ksm__err(KSM_EACCESS, "confirmation refused: the "
		    "answer was not \"yes\"");
	return 0;
}

int
agent_confirm(const char *prompt, unsigned timeout_s)
{
	const char *askpass = getenv("SSH_ASKPASS");
	struct pollfd pf[2];
	char ans[256], drop[256];
	size_t got = 0;
	ssize_t n;
	long long deadline, left;
	int p[2] = { -1, -1 }, pidfd = -1, status = 0, eof = 0, exited = 0;
	int np, r;
	pid_t pid;

	if (askpass == NULL || askpass[0] == '\0')
		askpass = AGENT_CONFIRM_DEFAULT;
	if (timeout_s == 0)
		timeout_s = AGENT_CONFIRM_TIMEOUT;
	if (pipe2(p, O_CLOEXEC) != 0)
		return ksm__err_errno(KSM_EACCESS,
		    "cannot ask for confirmation");
	if ((pid = fork()) < 0) {
		r = ksm__err_errno(KSM_EACCESS, "cannot ask for confirmation");
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0)
		run_askpass(askpass, prompt, p[1]);
	setpgid(pid, pid);	/* either side may win; both set the same */
	close(p[1]);
	pidfd = exit_fd(pid);
	deadline = agent_now_ms() + (long long)timeout_s * 1000;
	/* until it exits and its output is read, or the deadline */
	while (!eof || !exited) {
		if ((left = deadline - agent_now_ms()) <= 0)
			break;
		np = 0;
		if (!eof) {
			pf[np].fd = p[0];
			pf[np++].events = POLLIN;
		}
		if (!exited && pidfd >= 0) {
			pf[np].fd = pidfd;
			pf[np++].events = POLLIN;
		}
		if (!exited && pidfd < 0 &&
		    waitpid(pid, &status, WNOHANG) == pid)
			exited = 1;
		/* exited: only what is already written (a child of it may
		 * hold the pipe open); no pidfd: look again in a moment */
		n = poll(pf, (nfds_t)np, exited ? 0 : pidfd < 0 ? 20 :
		    left > 1000 ? 1000 : (int)left);
		if (n < 0 && errno != EINTR)
			break;
		if (n == 0 && exited)
			break;
		if (n <= 0)
			continue;
		if (!eof && pf[0].revents != 0) {
			if (got < sizeof(ans) - 1)
				n = read(p[0], ans + got,
				    sizeof(ans) - 1 - got);
			else
				n = read(p[0], drop, sizeof(drop));
			if (n == 0 || (n < 0 && errno != EINTR &&
			    errno != EAGAIN))
				eof = 1;
			else if (n > 0 && got < sizeof(ans) - 1)
				got += (size_t)n;
		}
		if (!exited && pidfd >= 0 && pf[np - 1].revents != 0 &&
		    waitpid(pid, &status, 0) == pid)
			exited = 1;
	}
	close(p[0]);
	if (pidfd >= 0)
		close(pidfd);
	if (!exited) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return ksm__err(KSM_EACCESS, "confirmation refused: no answer "
		    "from '%s' within %u s", askpass, timeout_s);
	}
	return verdict(askpass, ans, got, status);
}
