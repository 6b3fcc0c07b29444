#include "config.h"

/*
 * The command of a template whose destination changed: /bin/sh -c
 * COMMAND, started from the loop without waiting for it.  Its standard
 * input is /dev/null; its standard output and error are one pipe, read
 * when the loop finds it readable (through one epoll set the loop
 * watches) and relayed line by line to the agent's log.  SIGCHLD reaps
 * it (templates_reap, waitpid WNOHANG on our own pids only): the exit
 * status is logged, the rest of its output drained, the pipe closed.
 * One command per template runs at a time; a change while it runs runs
 * it once more after it ends.
 *
 * Nothing secret reaches it: the rendered bytes are in the file, not in
 * its arguments, and its environment is the agent's without KSM_CONFIG
 * and KSM_TOKEN, plus KSM_TEMPLATE_SOURCE and KSM_TEMPLATE_DESTINATION.
 */

#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm-int.h"
#include "agent-log.h"
#include "agent-loop.h"
#include "secrets-templates-int.h"

extern char **environ;

#define READ_CHUNK	4096
#define READ_BUDGET	(64u * 1024)	/* bytes relayed per wake-up */
#define DRAIN_MAX	(1024u * 1024)	/* bytes relayed after the exit */

/* Variables the command never sees (docs/CONFIG.md: they hold keys). */
static const char *const hidden[] = {
	"KSM_CONFIG=", "KSM_TOKEN=", "KSM_TEMPLATE_SOURCE=",
	"KSM_TEMPLATE_DESTINATION="
};

static int
is_hidden(const char *var)
{
	size_t i;

	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		if (strncmp(var, hidden[i], strlen(hidden[i])) == 0)
			return 1;
	return 0;
}

/* The command's environment: pointers into environ, and own[0..1]. */
static char **
command_env(const struct tpl *e, char *own[2])
{
	size_t n = 0, k = 0, i;
	size_t n0 = strlen(e->source) + sizeof("KSM_TEMPLATE_SOURCE=");
	size_t n1 = strlen(e->dest) + sizeof("KSM_TEMPLATE_DESTINATION=");
	char **env;

	while (environ != NULL && environ[n] != NULL)
		n++;
	if ((own[0] = malloc(n0)) == NULL || (own[1] = malloc(n1)) == NULL ||
	    (env = calloc(n + 3, sizeof(*env))) == NULL)
		return NULL;
	(void)snprintf(own[0], n0, "KSM_TEMPLATE_SOURCE=%s", e->source);
	(void)snprintf(own[1], n1, "KSM_TEMPLATE_DESTINATION=%s", e->dest);
	for (i = 0; i < n; i++)
		if (!is_hidden(environ[i]))
			env[k++] = environ[i];
	env[k++] = own[0];
	env[k++] = own[1];
	env[k] = NULL;
	return env;
}

/* In the child: only async-signal-safe calls (the agent has threads). */
static void
child(int nul, int wfd, char *const argv[], char *const env[])
{
	sigset_t none;

	/* the agent blocks its signals and ignores SIGPIPE: not for sh */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)signal(SIGPIPE, SIG_DFL);
	if (dup2(nul, STDIN_FILENO) < 0 || dup2(wfd, STDOUT_FILENO) < 0 ||
	    dup2(wfd, STDERR_FILENO) < 0)
		_exit(126);
#ifdef SYS_close_range
	(void)syscall(SYS_close_range, 3u, ~0u, 0u);
#endif
	execve("/bin/sh", argv, env);
	_exit(127);
}

/* Log what e's command printed and has not been logged yet. */
static void
flush_line(struct tpl *e)
{
	if (e->line_len == 0)
		return;
	agent_log("template %s: command: %.*s", e->source, (int)e->line_len,
	    e->line);
	e->line_len = 0;
}

static void
close_out(struct templates *t, struct tpl *e)
{
	flush_line(e);
	if (t->epfd >= 0)
		(void)epoll_ctl(t->epfd, EPOLL_CTL_DEL, e->out_fd, NULL);
	close(e->out_fd);
	e->out_fd = -1;
}

/* Relay up to budget bytes of e's output; at its end, close the pipe. */
static void
relay(struct templates *t, struct tpl *e, size_t budget)
{
	char buf[READ_CHUNK];
	ssize_t n, i;

	while (e->out_fd >= 0 && budget > 0) {
		if ((n = read(e->out_fd, buf, sizeof(buf))) < 0 &&
		    errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			close_out(t, e);
			return;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				flush_line(e);
				continue;
			}
			if (e->line_len == sizeof(e->line))
				flush_line(e);
			e->line[e->line_len++] = buf[i];
		}
		budget -= (size_t)n < budget ? (size_t)n : budget;
	}
}

static void
on_output(void *ctx)
{
	struct templates *t = ctx;
	struct epoll_event ev[8];
	int i, n;

	n = epoll_wait(t->epfd, ev, 8, 0);
	for (i = 0; i < n; i++)
		relay(t, ev[i].data.ptr, READ_BUDGET);
}

static void
spawn(struct templates *t, struct tpl *e)
{
	static char sh[] = "sh", dash_c[] = "-c";
	char *argv[4] = { sh, dash_c, e->command, NULL };
	char **env = NULL, *own[2] = { NULL, NULL };
	struct epoll_event ev;
	int p[2] = { -1, -1 }, nul = -1;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0 ||
	    (nul = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    (env = command_env(e, own)) == NULL ||
	    (pid = fork()) < 0) {
		agent_log("template %s: command not run: %s", e->source,
		    strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(nul, p[1], argv, env);
	e->pid = pid;
	e->out_fd = p[0];
	p[0] = -1;
	(void)fcntl(e->out_fd, F_SETFL, O_NONBLOCK);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = e;
	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, e->out_fd, &ev) != 0) {
		agent_log("template %s: the command's output is not logged: "
		    "%s", e->source, strerror(errno));
		close(e->out_fd);
		e->out_fd = -1;
	}
	agent_log("template %s: running the command for %s (pid %ld)",
	    e->source, e->dest, (long)pid);
 out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	if (nul >= 0)
		close(nul);
	free(env);
	free(own[0]);
	free(own[1]);
}

void
tpl_command_run(struct templates *t, struct tpl *e)
{
	if (!t->started || e->pid > 0) {
		e->again = 1;		/* at start, or once it ends */
		return;
	}
	spawn(t, e);
}

void
tpl_command_clear(struct templates *t, struct tpl *e)
{
	if (e->out_fd >= 0)
		close_out(t, e);
}

int
templates_start(struct templates *t, struct loop *l)
{
	size_t i;

	if (t == NULL)
		return 0;
	if ((t->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return ksm__err_errno(KSM_EIO, "epoll_create1");
	if (loop_watch(l, t->epfd, on_output, t) != 0)
		return ksm__err(KSM_ETOOBIG, "no room to watch the templates' "
		    "commands");
	t->started = 1;
	for (i = 0; i < t->n; i++)
		if (t->v[i].again) {
			t->v[i].again = 0;
			spawn(t, &t->v[i]);
		}
	return 0;
}

static void
log_status(const struct tpl *e, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		agent_log("template %s: the command exited with status 0",
		    e->source);
	else if (WIFEXITED(status))
		agent_log("template %s: the command failed: exit status %d",
		    e->source, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		agent_log("template %s: the command failed: killed by signal "
		    "%d", e->source, WTERMSIG(status));
}

void
templates_reap(struct templates *t)
{
	struct tpl *e;
	pid_t r;
	size_t i;
	int status;

	for (i = 0; t != NULL && i < t->n; i++) {
		e = &t->v[i];
		if (e->pid <= 0)
			continue;
		while ((r = waitpid(e->pid, &status, WNOHANG)) < 0 &&
		    errno == EINTR)
			;
		if (r == 0)
			continue;	/* still running */
		/* its output is all in the pipe now; what it left running
		 * and writes later is not logged */
		if (e->out_fd >= 0) {
			relay(t, e, DRAIN_MAX);
			if (e->out_fd >= 0)
				close_out(t, e);
		}
		if (r == e->pid)
			log_status(e, status);
		e->pid = 0;
		if (e->again) {
			e->again = 0;
			spawn(t, e);
		}
	}
}
