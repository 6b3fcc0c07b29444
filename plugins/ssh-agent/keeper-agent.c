#include "config.h"

/*
 * keeper-agent: the per-user Keeper session.  One process, one event loop
 * (agent-loop.c), one Keeper session (agent-session.c), one log
 * (agent-log.c) and two sibling sides over them:
 *   ssh/        an OpenSSH agent (SSH_AUTH_SOCK) serving the SSH keys of
 *               the sshKeys records shared with a KSM application;
 *   secrets/    the resident session's socket, from which libksm (and so
 *               keeper-secret, git-credential-keeper, the AWS helper,
 *               keeper-keyring) takes its answers.
 * This file reads the options, makes the sockets, hardens the process,
 * daemonizes and wires the pieces together.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ksm/ksm.h"
#include "ksm-int.h"
#include "cache.h"
#include "client-int.h"
#include "ksm-config.h"
#include "agent-keys.h"
#include "agent-log.h"
#include "agent-loop.h"
#include "agent-opts.h"
#include "agent-status.h"
#include "agent-session.h"
#include "secrets-side.h"
#include "secrets-templates.h"
#include "ssh-side.h"


/* The daemon's pieces, for the loop's callbacks. */
struct agent {
	struct loop	*loop;
	struct session	*session;
	struct ssh_side	*ssh;
	struct secrets_side *secrets;
	struct templates *tpl;
	int		 sfd;		/* signalfd */
};

/* A socket path: a stale socket (nobody listening) is replaced. */
static int
make_socket(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int fd, r;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, PROG ": socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_uid == geteuid()) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			fprintf(stderr, PROG ": another agent serves %s\n",
			    path);
			close(fd);
			return -1;
		}
		if (errno == ECONNREFUSED)
			(void)unlink(path);	/* left by a dead agent */
		close(fd);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			return -1;
	}
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r != 0 || listen(fd, 128) != 0) {
		fprintf(stderr, PROG ": cannot listen on %s: %s\n", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The secrets socket's directory: made 0700, and refused if not ours. */
static int
secure_dir_of(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	char *slash;

	if (strlen(path) >= sizeof(dir) || (slash = strrchr(path, '/')) ==
	    NULL || slash == path)
		return 0;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, PROG ": cannot make %s: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077)) {
		fprintf(stderr, PROG ": %s must be a directory of ours with "
		    "mode 0700 (chmod 700 %s)\n", dir, dir);
		return -1;
	}
	return 0;
}

/*
 * systemd socket activation: the SSH socket, and the secrets socket when
 * its unit is active too (FileDescriptorName=secrets).  -1: not passed.
 */
static void
activated_sockets(int *ssh, int *secrets)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");
	long n, i;
	char *dup, *save = NULL, *name;

	*ssh = *secrets = -1;
	if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != getpid())
		return;
	n = strtol(fds, NULL, 10);
	if (n < 1 || n > 2)
		return;
	dup = names != NULL ? strdup(names) : NULL;
	name = dup != NULL ? strtok_r(dup, ":", &save) : NULL;
	for (i = 0; i < n; i++) {
		fcntl(3 + (int)i, F_SETFD, FD_CLOEXEC);
		if (name != NULL && strcmp(name, "secrets") == 0)
			*secrets = 3 + (int)i;
		else
			*ssh = 3 + (int)i;
		name = name != NULL ? strtok_r(NULL, ":", &save) : NULL;
	}
	free(dup);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

static void
on_signal(void *ctx)
{
	struct agent *a = ctx;
	struct signalfd_siginfo si;

	if (read(a->sfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGCHLD) {
		templates_reap(a->tpl);	/* a template's command ended */
		return;
	}
	if (si.ssi_signo != SIGHUP) {
		loop_stop(a->loop);
		return;
	}
	/* drop everything and fetch anew; on failure keep serving */
	ssh_side_rearm(a->ssh);	/* key lifetimes start again */
	if (session_reload(a->session) != 0)
		fprintf(stderr, PROG ": Keeper unreachable (%s), keeping %zu "
		    "keys\n", ksm_error_last()->message, ssh_side_keys(a->ssh));
}

static void
on_fetched(void *ctx)
{
	session_fetched(((struct agent *)ctx)->session);
}

/* The sooner of two deadlines (-1: none). */
static long long
earliest(long long a, long long b)
{
	return a < 0 ? b : b < 0 || a < b ? a : b;
}

static long long
on_timer(void *ctx, long long now)
{
	struct agent *a = ctx;

	/* the session's next wish, key lifetimes, idle parsed keys */
	return earliest(earliest(session_tick(a->session, now),
	    ssh_side_expire(a->ssh, now)), agent_keys_sweep(now));
}

static int
kill_agent(const struct opts *o)
{
	const char *p = getenv("SSH_AGENT_PID");
	long pid = p ? strtol(p, NULL, 10) : 0;

	if (pid <= 1) {
		fprintf(stderr, PROG ": SSH_AGENT_PID not set\n");
		return 1;
	}
	if (kill((pid_t)pid, SIGTERM) != 0) {
		fprintf(stderr, PROG ": kill %ld: %s\n", pid, strerror(errno));
		return 1;
	}
	if (o->csh)
		printf("unsetenv SSH_AUTH_SOCK;\nunsetenv SSH_AGENT_PID;\n"
		    "unsetenv KSM_AGENT_SOCK;\n");
	else
		printf("unset SSH_AUTH_SOCK;\nunset SSH_AGENT_PID;\n"
		    "unset KSM_AGENT_SOCK;\n");
	printf("echo Agent pid %ld killed;\n", pid);
	return 0;
}

static void
print_env(const struct opts *o, long pid)
{
	if (o->csh)
		printf("setenv SSH_AUTH_SOCK %s;\nsetenv SSH_AGENT_PID %ld;\n",
		    o->sock, pid);
	else
		printf("SSH_AUTH_SOCK=%s; export SSH_AUTH_SOCK;\n"
		    "SSH_AGENT_PID=%ld; export SSH_AGENT_PID;\n", o->sock, pid);
	if (o->secrets_sock != NULL && o->csh)
		printf("setenv KSM_AGENT_SOCK %s;\n", o->secrets_sock);
	else if (o->secrets_sock != NULL)
		printf("KSM_AGENT_SOCK=%s; export KSM_AGENT_SOCK;\n",
		    o->secrets_sock);
	printf("echo Agent pid %ld;\n", pid);
	fflush(stdout);
}

/*
 * --templates FILE, or the default file when it exists: 0, or the exit
 * status (2: the file says something wrong, 1: a file cannot be used).
 */
static int
open_templates(const struct opts *o, struct templates **out)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	const char *path = o->templates;
	char def[4096];
	int r;

	*out = NULL;
	if (path != NULL && strcmp(path, "none") == 0)
		return 0;
	if (path == NULL && xdg != NULL && xdg[0] == '/')
		snprintf(def, sizeof(def), "%s/" TEMPLATES_DEFAULT, xdg);
	else if (path == NULL && home != NULL && home[0] == '/')
		snprintf(def, sizeof(def), "%s/.config/" TEMPLATES_DEFAULT,
		    home);
	else if (path == NULL)
		return 0;
	if ((r = templates_load(out, path != NULL ? path : def,
	    path == NULL)) == 0)
		return 0;
	fprintf(stderr, PROG ": %s\n", ksm_error_last()->message);
	if (ksm_error_last()->hint[0] != '\0')
		fprintf(stderr, "hint: %s\n", ksm_error_last()->hint);
	return r == KSM_ECONFIG ? 2 : 1;
}

/* No core dumps, no ptrace by our other processes, room for clients. */
static void
harden(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max &&
	    rl.rlim_cur < 4096) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (agent_keys_secure_init() != 0)
		fprintf(stderr, PROG ": warning: no locked memory for keys\n");
	signal(SIGPIPE, SIG_IGN);
}

static int
daemonize(const struct opts *o)
{
	pid_t pid;
	int nul;

	if (o->foreground) {
		print_env(o, (long)getpid());
		return 0;
	}
	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0) {
		print_env(o, (long)pid);
		_exit(0);
	}
	setsid();
	if (chdir("/") != 0)
		return -1;
	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		close(nul);
	}
	return 0;
}

/* Block the signals the loop reads from a signalfd (before any thread). */
static int
signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);	/* templates_reap() */
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct agent a;
	char ssh_path[4096], sec_path[4096], user_kh[4096];
	int lfd = -1, sfd_sec = -1, act_ssh = -1, act_sec = -1, rc = 1;

	memset(&o, 0, sizeof(o));
	memset(&a, 0, sizeof(a));
	a.sfd = -1;
	o.sess.refresh_ms = SESSION_REFRESH_MS;
	if (agent_opts_parse(argc, argv, &o) != 0) {
		agent_usage(stderr);
		return 2;
	}
	if (o.kill)
		return kill_agent(&o);
	if (o.status)
		return agent_status(o.secrets_sock);
	if (agent_opts_defaults(&o, ssh_path, sec_path, user_kh,
	    sizeof(ssh_path)) != 0)
		return 1;
	if ((rc = open_templates(&o, &a.tpl)) != 0)
		return rc;
	rc = 1;
	harden();
	agent_log_verbose(o.verbose);
	if (agent_log_open(o.log != NULL ? o.log : o.foreground ? "-" :
	    "syslog", PROG) != 0) {
		fprintf(stderr, PROG ": %s\n", ksm_error_last()->message);
		return 1;
	}
	if ((a.sfd = signal_fd()) < 0 || ssh_side_new(&a.ssh, &o.ssh) != 0)
		goto out;
	o.sess.changed[0].fn = ssh_side_records;
	o.sess.changed[0].ctx = a.ssh;
	/* secrets-templates.c: files rendered from the records, kept current */
	if (a.tpl != NULL) {
		o.sess.changed[1].fn = templates_records;
		o.sess.changed[1].prepare = templates_prepare;
		o.sess.changed[1].ctx = a.tpl;
		o.sess.keep_fresh = 1;	/* the files follow the vault */
	}
	if (session_open(&a.session, &o.sess) != 0) {
		fprintf(stderr, PROG ": cannot load keys: %s\n",
		    ksm_error_last()->message);
		goto out;
	}
	if (session_failing(a.session) != NULL) {
		fprintf(stderr, PROG ": Keeper cannot be reached yet: %s; "
		    "running without records, trying again\n",
		    session_failing(a.session));
		agent_log("keeper-agent started without records: %s",
		    session_failing(a.session));
	}
	ssh_side_set_session(a.ssh, a.session);
	activated_sockets(&act_ssh, &act_sec);
	if ((lfd = act_ssh) < 0 && (lfd = make_socket(o.sock)) < 0)
		goto out;
	if ((sfd_sec = act_sec) < 0 && o.secrets_sock != NULL &&
	    (secure_dir_of(o.secrets_sock) != 0 ||
	    (sfd_sec = make_socket(o.secrets_sock)) < 0))
		goto out;
	if (loop_new(&a.loop) != 0 ||
	    loop_listen(a.loop, lfd, ssh_side_def(a.ssh)) != 0 ||
	    loop_watch(a.loop, a.sfd, on_signal, &a) != 0 ||
	    loop_watch(a.loop, session_fd(a.session), on_fetched, &a) != 0)
		goto out;
	if (sfd_sec >= 0 && (secrets_side_new(&a.secrets, a.session,
	    a.loop) != 0 || loop_listen(a.loop, sfd_sec,
	    secrets_side_def(a.secrets)) != 0))
		goto out;
	loop_timer(a.loop, on_timer, &a);
	if (daemonize(&o) != 0)
		goto out;
	if (o.foreground)
		agent_log_verbose(1);	/* -D: diagnostics on stderr */
	/* commands are children of this process, the daemon */
	if (templates_start(a.tpl, a.loop) != 0) {
		agent_log("templates: %s", ksm_error_last()->message);
		goto out;
	}
	agent_debug("%zu keys, SSH agent on %s, secrets on %s", ssh_side_keys(a.ssh),
	    o.sock, o.secrets_sock != NULL ? o.secrets_sock : "(none)");
	rc = loop_run(a.loop) == 0 ? 0 : 1;
out:
	/* sockets systemd made are systemd's */
	if (lfd >= 0 && act_ssh < 0)
		unlink(o.sock);
	if (sfd_sec >= 0 && act_sec < 0)
		unlink(o.secrets_sock);
	if (lfd >= 0)
		close(lfd);
	if (sfd_sec >= 0)
		close(sfd_sec);
	loop_free(a.loop);
	secrets_side_free(a.secrets);
	session_free(a.session);
	templates_free(a.tpl);	/* after the session, which calls it */
	ssh_side_free(a.ssh);
	if (a.sfd >= 0)
		close(a.sfd);
	agent_log_close();
	return rc;
}
