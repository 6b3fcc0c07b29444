#include "config.h"

/*
 * keeper-agent: an OpenSSH agent (SSH_AUTH_SOCK) serving the SSH keys of
 * the sshKeys records shared with a KSM application.  Read-only: keys come
 * from Keeper, ADD/REMOVE/LOCK are refused (see agent-proto.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ksm/ksm.h"
#include "ksm-int.h"
#include "ksm-config.h"
#include "json.h"
#include "util/wipe.h"
#include "agent-hosts.h"
#include "agent-keys.h"
#include "agent-proto.h"

#define PROG		"keeper-agent"
#define MAX_CLIENTS	128
#define MAX_FILTERS	64

struct opts {
	int		 foreground;
	int		 kill;
	int		 csh;
	const char	*sock;
	const char	*config;
	const char	*records[MAX_FILTERS];
	size_t		 n_records;
	const char	*folders[MAX_FILTERS];
	size_t		 n_folders;
	int		 refresh;	/* seconds, 0: only on SIGHUP */
	const char	*known[MAX_FILTERS];	/* known_hosts files */
	size_t		 n_known;
};

/* A host from the record's host field: hostName and port. */
struct host {
	char		*name;
	unsigned	 port;
};

struct entry {
	struct agent_key	*key;
	struct host		*hosts;		/* offered only to these */
	size_t			 n_hosts;
};

struct store {
	struct entry	*e;
	size_t		 n;
};

struct client {
	int			fd;
	struct agent_conn	conn;
	struct ksmx_buf		in;
	struct ksmx_buf		out;
};

static int verbose;
static const struct opts *g_opts;	/* for st_allowed's known_hosts */

static void
logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
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

static size_t
st_count(void *ctx)
{
	return ((struct store *)ctx)->n;
}

static int
st_identity(void *ctx, size_t i, const uint8_t **blob, size_t *len,
    const char **comment)
{
	struct store *s = ctx;

	*blob = agent_key_blob(s->e[i].key, len);
	*comment = agent_key_comment(s->e[i].key);
	return 0;
}

static int
st_sign(void *ctx, size_t i, const uint8_t *data, size_t len,
    uint32_t flags, struct ksmx_buf *sig)
{
	struct store *s = ctx;
	int r = agent_key_sign(s->e[i].key, data, len, flags, sig);

	logmsg("sign with \"%s\": %s%s%s", agent_key_comment(s->e[i].key),
	    r == 0 ? "ok" : ksm_code_name(r), r == 0 ? "" : ": ",
	    r == 0 ? "" : ksm_error_last()->message);
	return r;
}

/*
 * The host restriction: on a connection bound to a host key (ssh sends
 * session-bind@openssh.com before asking for keys), a key whose record
 * names hosts is offered only when known_hosts lists that host key for
 * one of them.  Unbound connections (ssh-add, ssh-keygen -Y) see all.
 */
static int
st_allowed(void *ctx, size_t i, const struct agent_conn *conn)
{
	const struct entry *e = &((struct store *)ctx)->e[i];
	size_t h, f;

	if (!conn->bound || e->n_hosts == 0)
		return 1;
	for (f = 0; f < g_opts->n_known; f++)
		for (h = 0; h < e->n_hosts; h++)
			if (agent_hosts_known(g_opts->known[f],
			    e->hosts[h].name, e->hosts[h].port, conn->hostkey,
			    conn->hostkey_len))
				return 1;
	logmsg("\"%s\" not offered: the bound host is none of its hosts",
	    agent_key_comment(e->key));
	return 0;
}

static const struct agent_keyops store_ops = { st_count, st_identity,
    st_sign, st_allowed };

static void
entry_free(struct entry *e)
{
	size_t h;

	agent_key_free(e->key);
	for (h = 0; h < e->n_hosts; h++)
		free(e->hosts[h].name);
	free(e->hosts);
	memset(e, 0, sizeof(*e));
}

static void
store_free(struct store *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		entry_free(&s->e[i]);
	free(s->e);
	s->e = NULL;
	s->n = 0;
}

static int
in_list(const char *v, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v != NULL && strcmp(v, list[i]) == 0)
			return 1;
	return 0;
}

/* First value of the record's field of this type, or NULL. */
static const cJSON *
field(const cJSON *rec, const char *type)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItem(rec, "fields")) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(f,
		    "type"));

		if (t != NULL && strcmp(t, type) == 0)
			return cJSON_GetArrayItem(cJSON_GetObjectItem(f,
			    "value"), 0);
	}
	return NULL;
}

/* Every hostName (and port) of the record's host fields. */
static int
load_hosts(const cJSON *rec, struct entry *e)
{
	static const char *const lists[] = { "fields", "custom" };
	const cJSON *f, *v;
	const char *t, *name, *port;
	struct host *tmp;
	size_t l;

	for (l = 0; l < 2; l++) {
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(rec, lists[l])) {
			t = cJSON_GetStringValue(cJSON_GetObjectItem(f,
			    "type"));
			if (t == NULL || strcmp(t, "host") != 0)
				continue;
			cJSON_ArrayForEach(v, cJSON_GetObjectItem(f, "value")) {
				name = cJSON_GetStringValue(
				    cJSON_GetObjectItem(v, "hostName"));
				port = cJSON_GetStringValue(
				    cJSON_GetObjectItem(v, "port"));
				if (name == NULL || name[0] == '\0')
					continue;
				tmp = realloc(e->hosts, (e->n_hosts + 1) *
				    sizeof(*tmp));
				if (tmp == NULL)
					return KSM_ENOMEM;
				e->hosts = tmp;
				tmp[e->n_hosts].port = port ?
				    (unsigned)strtoul(port, NULL, 10) : 0;
				if ((tmp[e->n_hosts].name =
				    ksmx_strdup(name)) == NULL)
					return KSM_ENOMEM;
				e->n_hosts++;
			}
		}
	}
	return 0;
}

static int
load_record(struct store *s, size_t *cap, const ksm_record *rec)
{
	const char *title = ksm_record_title(rec), *priv, *pw, *pub;
	const cJSON *kp;
	struct entry e = { NULL, NULL, 0 }, *tmp;
	cJSON *j;
	int r;

	if ((j = cJSON_Parse(ksm_record_json(rec))) == NULL)
		return KSM_ENOMEM;
	kp = field(j, "keyPair");
	priv = cJSON_GetStringValue(cJSON_GetObjectItem(kp, "privateKey"));
	pub = cJSON_GetStringValue(cJSON_GetObjectItem(kp, "publicKey"));
	pw = cJSON_GetStringValue(field(j, "password"));
	if (pw != NULL && pw[0] == '\0')
		pw = NULL;
	if (priv == NULL || priv[0] == '\0') {
		logmsg("record %s: no private key", ksm_record_uid(rec));
		r = 0;
		goto out;
	}
	/* the private key is parsed only to sign (or here, without pub) */
	if ((r = agent_key_load_lazy(priv, strlen(priv), pw, pub, title,
	    &e.key)) != 0) {
		fprintf(stderr, PROG ": record %s: %s\n", ksm_record_uid(rec),
		    ksm_error_last()->message);
		r = 0;	/* skip the key, serve the others */
		goto out;
	}
	if ((r = load_hosts(j, &e)) != 0)
		goto out;
	if (s->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		if ((tmp = realloc(s->e, *cap * sizeof(*tmp))) == NULL) {
			r = KSM_ENOMEM;
			goto out;
		}
		s->e = tmp;
	}
	s->e[s->n++] = e;
	memset(&e, 0, sizeof(e));
out:
	entry_free(&e);
	ksmx_json_free(j);
	return r;
}

/*
 * Fetch the keys from Keeper into a new store.  The first load may use
 * libksm's cross-process cache (start while Keeper is briefly away); a
 * refresh (SIGHUP, --refresh) always asks Keeper, and on failure the agent
 * keeps the keys it has.
 */
static int
load_keys(const struct opts *o, struct store *s, int fresh)
{
	ksm_client_options copts = KSM_CLIENT_OPTIONS_INIT;
	ksm_client *client = NULL;
	ksm_records *recs = NULL;
	const ksm_record *rec;
	size_t i, cap = 0;
	int r;

	copts.config_path = o->config;
	if (fresh)
		copts.flags |= KSM_CLIENT_NO_CACHE;
	if ((r = ksm_client_new(&client, &copts)) != 0)
		goto out;
	if ((r = ksm_client_get_records(&recs, client,
	    o->n_records ? o->records : NULL, o->n_records)) != 0)
		goto out;
	for (i = 0; i < ksm_records_count(recs); i++) {
		rec = ksm_records_at(recs, i);
		if (strcmp(ksm_record_type(rec), "sshKeys") != 0)
			continue;
		if (o->n_folders && !in_list(ksm_record_folder_uid(rec),
		    o->folders, o->n_folders))
			continue;
		if ((r = load_record(s, &cap, rec)) != 0)
			goto out;
	}
out:
	if (r != 0) {
		fprintf(stderr, PROG ": cannot load keys: %s\n",
		    ksm_error_last()->message);
		store_free(s);
	}
	ksm_records_free(recs);
	ksm_client_free(client);
	return r;
}

/* Reload; on failure keep serving what we have. */
static void
refresh(const struct opts *o, struct store *s)
{
	struct store fresh = { NULL, 0 };

	if (load_keys(o, &fresh, 1) != 0) {
		fprintf(stderr, PROG ": Keeper unreachable, keeping %zu keys\n",
		    s->n);
		return;
	}
	store_free(s);
	*s = fresh;
	logmsg("%zu keys loaded", s->n);
}

static int
make_socket(const char *path)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, r;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, PROG ": socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r != 0 || listen(fd, 64) != 0) {
		fprintf(stderr, PROG ": cannot listen on %s: %s\n", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
peer_ok(int fd)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0)
		return 0;
	if (uc.uid == getuid() || uc.uid == 0)
		return 1;
	fprintf(stderr, PROG ": refused connection from uid %u (pid %d)\n",
	    (unsigned)uc.uid, (int)uc.pid);
	return 0;
}

static void
client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	ksmx_buf_clear(&c->in);
	ksmx_buf_clear(&c->out);
	memset(&c->conn, 0, sizeof(c->conn));
}

/* Read what is there and answer every complete frame; -1: close. */
static int
client_read(struct client *c, struct store *s)
{
	uint8_t tmp[4096];
	ssize_t n;
	long f;
	size_t off = 0;

	n = recv(c->fd, tmp, sizeof(tmp), 0);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0 || ksmx_buf_put(&c->in, tmp, (size_t)n) != 0)
		return -1;
	ksmx_wipe(tmp, sizeof(tmp));
	while ((f = agent_frame(c->in.d + off, c->in.len - off)) > 0) {
		if (agent_handle(&store_ops, s, &c->conn, c->in.d + off + 4,
		    (size_t)f - 4, &c->out) != 0)
			return -1;
		off += (size_t)f;
	}
	if (f < 0)
		return -1;	/* oversized or zero length: drop */
	if (off > 0) {
		memmove(c->in.d, c->in.d + off, c->in.len - off);
		ksmx_wipe(c->in.d + c->in.len - off, off);
		c->in.len -= off;
	}
	return 0;
}

static int
client_write(struct client *c)
{
	ssize_t n = send(c->fd, c->out.d, c->out.len, MSG_NOSIGNAL);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	memmove(c->out.d, c->out.d + n, c->out.len - (size_t)n);
	c->out.len -= (size_t)n;
	return 0;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Milliseconds until the next interval refresh (-1: none), refreshing
 * first when it is due: a deadline, so busy clients cannot starve it.
 */
static int
refresh_timeout(const struct opts *o, struct store *s, long long *due)
{
	long long now;

	if (o->refresh <= 0)
		return -1;
	now = now_ms();
	if (now >= *due) {
		refresh(o, s);
		now = now_ms();
		*due = now + (long long)o->refresh * 1000;
	}
	return (int)(*due - now);
}

static int
serve(const struct opts *o, int lfd, struct store *s)
{
	static struct client cl[MAX_CLIENTS];
	struct pollfd pf[MAX_CLIENTS + 2];
	struct signalfd_siginfo si;
	sigset_t set;
	long long due = now_ms() + (long long)o->refresh * 1000;
	int sfd, i, n, fd;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		return -1;
	for (i = 0; i < MAX_CLIENTS; i++) {
		cl[i].fd = -1;
		cl[i].in = (struct ksmx_buf)KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
		cl[i].out = (struct ksmx_buf)KSMX_BUF_INIT(4 * AGENT_MAX_MSG);
	}
	for (;;) {
		pf[0].fd = sfd;
		pf[0].events = POLLIN;
		pf[1].fd = lfd;
		pf[1].events = POLLIN;
		for (i = 0; i < MAX_CLIENTS; i++) {
			pf[i + 2].fd = cl[i].fd;
			pf[i + 2].events = cl[i].out.len ? POLLOUT : POLLIN;
		}
		n = poll(pf, MAX_CLIENTS + 2, refresh_timeout(o, s, &due));
		if (n < 0 && errno != EINTR)
			return -1;
		if (n <= 0)
			continue;
		if (pf[0].revents & POLLIN &&
		    read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				refresh(o, s);
				due = now_ms() + (long long)o->refresh * 1000;
			} else
				break;
		}
		if (pf[1].revents & POLLIN &&
		    (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC |
		    SOCK_NONBLOCK)) >= 0) {
			for (i = 0; i < MAX_CLIENTS && cl[i].fd >= 0; i++)
				;
			if (i == MAX_CLIENTS || !peer_ok(fd))
				close(fd);
			else
				cl[i].fd = fd;
			continue;	/* pf no longer matches cl */
		}
		for (i = 0; i < MAX_CLIENTS; i++) {
			if (cl[i].fd < 0 || pf[i + 2].revents == 0)
				continue;
			if ((pf[i + 2].revents & POLLOUT &&
			    client_write(&cl[i]) != 0) ||
			    (pf[i + 2].revents & POLLIN &&
			    client_read(&cl[i], s) != 0) ||
			    (pf[i + 2].revents & (POLLERR | POLLNVAL)) ||
			    ((pf[i + 2].revents & POLLHUP) &&
			    !(pf[i + 2].revents & POLLIN)))
				client_close(&cl[i]);
		}
	}
	for (i = 0; i < MAX_CLIENTS; i++)
		if (cl[i].fd >= 0)
			client_close(&cl[i]);
	close(sfd);
	return 0;
}

/* systemd socket activation: fd 3 when LISTEN_PID is us, else -1. */
static int
activated_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != getpid() ||
	    strcmp(fds, "1") != 0)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	fcntl(3, F_SETFD, FD_CLOEXEC);
	return 3;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [-D] [-c | -s] [-a SOCKET] [--config FILE |"
	    " --profile NAME]\n"
	    "           [--record UID]... [--folder UID]... [--refresh SECONDS]\n"
	    "           [--known-hosts FILE]...\n"
	    "       " PROG " -k\n"
	    "SSH agent serving the SSH keys (sshKeys records) shared with a "
	    "KSM application.\n"
	    "  -a SOCKET    bind here (default $XDG_RUNTIME_DIR/keeper-agent.sock)\n"
	    "  -D           stay in the foreground, log to stderr\n"
	    "  -d           the same as -D\n"
	    "  -k           stop the agent named by $SSH_AGENT_PID\n"
	    "  -c, -s       print csh / sh commands (default sh)\n"
	    "  --profile NAME  the KSM config of this keeper-secret profile\n"
	    "  --record UID serve only these records (repeatable)\n"
	    "  --folder UID serve only records in these folders (repeatable)\n"
	    "  --refresh N  reload from Keeper every N seconds (also on SIGHUP)\n"
	    "  --known-hosts FILE  host keys for the records' host fields\n"
	    "               (repeatable; default ~/.ssh/known_hosts and\n"
	    "               /etc/ssh/ssh_known_hosts)\n");
}

enum { OPT_CONFIG = 256, OPT_RECORD, OPT_FOLDER, OPT_REFRESH, OPT_KNOWN,
	OPT_PROFILE };

static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "config",	required_argument, NULL, OPT_CONFIG },
		{ "record",	required_argument, NULL, OPT_RECORD },
		{ "folder",	required_argument, NULL, OPT_FOLDER },
		{ "refresh",	required_argument, NULL, OPT_REFRESH },
		{ "known-hosts", required_argument, NULL, OPT_KNOWN },
		{ "profile",	required_argument, NULL, OPT_PROFILE },
		{ "help",	no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static char profile[KSM_PROFILE_PATH_MAX];
	int c;

	while ((c = getopt_long(argc, argv, "a:cDdhks", lo, NULL)) != -1) {
		switch (c) {
		case 'a':	o->sock = optarg; break;
		case 'c':	o->csh = 1; break;
		case 's':	o->csh = 0; break;
		case 'D':	o->foreground = 1; break;
		case 'd':	o->foreground = 1; verbose = 1; break;
		case 'k':	o->kill = 1; break;
		case OPT_CONFIG: o->config = optarg; break;
		case OPT_PROFILE:	/* --config profile:NAME */
			if (ksm_config__profile_arg(profile, optarg) != 0) {
				fprintf(stderr, PROG ": %s\n",
				    ksm_error_last()->message);
				return -1;
			}
			o->config = profile;
			break;
		case OPT_RECORD:
			if (o->n_records == MAX_FILTERS)
				return -1;
			o->records[o->n_records++] = optarg;
			break;
		case OPT_FOLDER:
			if (o->n_folders == MAX_FILTERS)
				return -1;
			o->folders[o->n_folders++] = optarg;
			break;
		case OPT_REFRESH:	o->refresh = atoi(optarg); break;
		case OPT_KNOWN:
			if (o->n_known == MAX_FILTERS)
				return -1;
			o->known[o->n_known++] = optarg;
			break;
		case 'h':	usage(stdout); exit(0);
		default:	return -1;
		}
	}
	return optind == argc ? 0 : -1;
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
		printf("unsetenv SSH_AUTH_SOCK;\nunsetenv SSH_AGENT_PID;\n");
	else
		printf("unset SSH_AUTH_SOCK;\nunset SSH_AGENT_PID;\n");
	printf("echo Agent pid %ld killed;\n", pid);
	return 0;
}

static void
print_env(const struct opts *o, const char *sock, long pid)
{
	if (o->csh)
		printf("setenv SSH_AUTH_SOCK %s;\nsetenv SSH_AGENT_PID %ld;\n",
		    sock, pid);
	else
		printf("SSH_AUTH_SOCK=%s; export SSH_AUTH_SOCK;\n"
		    "SSH_AGENT_PID=%ld; export SSH_AGENT_PID;\n", sock, pid);
	printf("echo Agent pid %ld;\n", pid);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct store s = { NULL, 0 };
	struct rlimit rl = { 0, 0 };
	char path[4096], user_kh[4096];
	const char *rt;
	pid_t pid;
	int lfd, nul, rc = 1, activated;

	memset(&o, 0, sizeof(o));
	if (parse(argc, argv, &o) != 0) {
		usage(stderr);
		return 2;
	}
	if (o.kill)
		return kill_agent(&o);
	if (o.n_known == 0) {
		const char *home = getenv("HOME");

		if (home != NULL && home[0] == '/') {
			snprintf(user_kh, sizeof(user_kh),
			    "%s/.ssh/known_hosts", home);
			o.known[o.n_known++] = user_kh;
		}
		o.known[o.n_known++] = "/etc/ssh/ssh_known_hosts";
	}
	g_opts = &o;
	/* no core dumps, no ptrace by other processes of this user */
	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (agent_keys_secure_init() != 0)
		fprintf(stderr, PROG ": warning: no locked memory for keys\n");
	signal(SIGPIPE, SIG_IGN);
	if (o.sock == NULL) {
		if ((rt = getenv("XDG_RUNTIME_DIR")) == NULL || rt[0] != '/') {
			fprintf(stderr, PROG ": XDG_RUNTIME_DIR is not set; "
			    "use -a SOCKET\n");
			return 1;
		}
		snprintf(path, sizeof(path), "%s/keeper-agent.sock", rt);
		o.sock = path;
	}
	if (load_keys(&o, &s, 0) != 0)
		return 1;
	activated = (lfd = activated_socket()) >= 0;
	if (!activated && (lfd = make_socket(o.sock)) < 0)
		goto out;
	if (o.foreground) {
		verbose = 1;
		print_env(&o, o.sock, (long)getpid());
	} else {
		if ((pid = fork()) < 0)
			goto out;
		if (pid > 0) {
			print_env(&o, o.sock, (long)pid);
			_exit(0);
		}
		setsid();
		if (chdir("/") != 0)
			goto out;
		if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
			close(nul);
		}
	}
	logmsg("%zu keys, listening on %s", s.n, o.sock);
	rc = serve(&o, lfd, &s) == 0 ? 0 : 1;
	if (!activated)
		unlink(o.sock);
	close(lfd);
out:
	store_free(&s);
	return rc;
}
