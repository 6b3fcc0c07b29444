#include "config.h"

/*
 * libksm's side of the resident session (docs/agent-protocol.md).  When
 * keeper-agent runs for this user, a bound client takes its get_secret and
 * get_folders answers from it: one local round trip, no TLS, no libcurl,
 * no use of the EC key, nothing on disk, and (get_secret comes opened:
 * records-opened.c) no cipher.
 *
 * The agent is trusted only as far as the user is: its socket must be a
 * socket owned by us with no access for others, in a directory that only
 * we can change, and the process at the other end must run as our uid
 * (SO_PEERCRED).  Anything else, and any failure before a whole, valid
 * reply has arrived (no agent, a stale socket, an agent that dies or
 * declines), means the caller goes to Keeper itself, as without an agent.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ksm-int.h"
#include "client-int.h"
#include "cache.h"
#include "agent-msg.h"
#include "util/fnv.h"

#define AGENT_CONNECT_MS	2000u	/* an agent that does not accept */
#define AGENT_EXTRA_MS		10000u	/* beyond the client's own timeout */

struct agent_call {
	struct ksm_client *c;
	const char	*endpoint;
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char		 why[160];	/* when the agent was not used */
	int		 fd;
	long long	 deadline;	/* CLOCK_MONOTONIC ms */
};

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
unused(struct agent_call *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record why the agent is not used; always KSM_AGENT_UNUSED. */
static int
unused(struct agent_call *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
	return KSM_AGENT_UNUSED;
}

/*
 * Which config a request is for: FNV-1a (64 bits, hex) of the host and
 * the client id.  A routing identity, not a secret and not a check: the
 * socket and its peer are already known to be the user's own, and both
 * inputs are what the config says about itself.  Taking it this way costs
 * no OpenSSL algorithm (fetching HMAC was a third of a helper's work).
 */
void
ksm_agent__identity(const struct ksm_client *c,
    char out[KSM_AGENT_IDENTITY_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = KSMX_FNV1A_INIT;
	size_t i;

	/* each with its NUL, so that the two cannot run into each other */
	h = ksmx_fnv1a(h, c->hostname, strlen(c->hostname) + 1);
	h = ksmx_fnv1a(h, c->client_id, strlen(c->client_id) + 1);
	for (i = 0; i < KSM_AGENT_IDENTITY_HEX; i++)
		out[i] = hex[(h >> (60 - 4 * i)) & 0xf];
	out[KSM_AGENT_IDENTITY_HEX] = '\0';
}

int
ksm_agent__socket_path(char *out, size_t n)
{
	const char *s = secure_getenv("KSM_AGENT_SOCK");
	const char *rt = secure_getenv("XDG_RUNTIME_DIR");
	int w;

	if (s != NULL && s[0] != '\0')
		w = snprintf(out, n, "%s", s);
	else if (rt != NULL && rt[0] == '/')
		w = snprintf(out, n, "%s/keeper/agent.sock", rt);
	else
		return KSM_ENOTFOUND;
	return w < 0 || (size_t)w >= n ? KSM_ETOOBIG : 0;
}

/* The socket and its directory: ours, closed to others. */
static int
trusted_path(struct agent_call *a)
{
	struct stat st;
	char dir[sizeof(a->path)], *slash;
	uid_t uid = geteuid();

	if (lstat(a->path, &st) != 0)
		return unused(a, errno == ENOENT ? "no agent at %s" :
		    "cannot stat %s", a->path);
	if (!S_ISSOCK(st.st_mode))
		return unused(a, "%s is not a socket", a->path);
	if (st.st_uid != uid)
		return unused(a, "%s belongs to uid %u, not to us", a->path,
		    (unsigned)st.st_uid);
	if (st.st_mode & 077)
		return unused(a, "%s is open to other users (mode %03o)",
		    a->path, (unsigned)(st.st_mode & 0777));
	memcpy(dir, a->path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    (st.st_uid != uid && st.st_uid != 0) || (st.st_mode & 022))
		return unused(a, "the directory of %s is not ours alone",
		    a->path);
	return 0;
}

/* Wait for fd to be ready for events until the deadline: 0 or -1. */
static int
wait_fd(const struct agent_call *a, short events)
{
	struct pollfd pf = { a->fd, events, 0 };
	long long left;
	int n;

	for (;;) {
		if ((left = a->deadline - mono_ms()) <= 0)
			return -1;
		n = poll(&pf, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int
connect_agent(struct agent_call *a)
{
	struct sockaddr_un sa;
	struct ucred uc;
	socklen_t ul = sizeof(uc);
	int err = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, a->path, strlen(a->path) + 1);
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (a->fd < 0)
		return unused(a, "socket: %s", strerror(errno));
	if (connect(a->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno != EINPROGRESS && errno != EAGAIN)
			return unused(a, "cannot connect to %s: %s", a->path,
			    strerror(errno));
		/* a full backlog: give the agent a moment, not forever */
		a->deadline = mono_ms() + AGENT_CONNECT_MS;
		if (errno == EAGAIN)
			return unused(a, "the agent at %s is busy", a->path);
		if (wait_fd(a, POLLOUT) != 0 || getsockopt(a->fd, SOL_SOCKET,
		    SO_ERROR, &err, &ul) != 0 || err != 0)
			return unused(a, "cannot connect to %s", a->path);
		ul = sizeof(uc);
	}
	if (getsockopt(a->fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) != 0)
		return unused(a, "cannot tell who serves %s", a->path);
	if (uc.uid != getuid())
		return unused(a, "%s is served by uid %u, not by us", a->path,
		    (unsigned)uc.uid);
	return 0;
}

static int
send_all(struct agent_call *a, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(a->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		else if (wait_fd(a, POLLOUT) != 0)
			return -1;
	}
	return 0;
}

/* Exactly n bytes more into b. */
static int
recv_n(struct agent_call *a, struct ksmx_buf *b, size_t n)
{
	ssize_t got;

	if (ksmx_buf_reserve(b, n) != 0)
		return -1;
	while (n > 0) {
		got = recv(a->fd, b->d + b->len, n, 0);
		if (got > 0) {
			b->len += (size_t)got;
			n -= (size_t)got;
		} else if (got == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		else if (wait_fd(a, POLLIN) != 0)
			return -1;
	}
	return 0;
}

/* One request out, one reply frame (without its length) into reply. */
static int
exchange(struct agent_call *a, const struct ksmx_buf *req,
    struct ksmx_buf *reply)
{
	size_t n;
	long f;

	/* a status query has no client: its timeout is the extra alone */
	a->deadline = mono_ms() + (a->c != NULL ? a->c->timeout_ms : 0) +
	    AGENT_EXTRA_MS;
	if (send_all(a, req->d, req->len) != 0)
		return unused(a, "the agent at %s went away", a->path);
	if (recv_n(a, reply, 4) != 0)
		return unused(a, "no answer from the agent at %s", a->path);
	/* the length is checked against the bound before anything is read */
	f = ksm_agent_frame(reply->d, reply->len, KSM_AGENT_MAX_REPLY);
	if (f < 0)
		return unused(a, "the agent at %s sent a bad frame", a->path);
	n = (size_t)reply->d[0] << 24 | (size_t)reply->d[1] << 16 |
	    (size_t)reply->d[2] << 8 | (size_t)reply->d[3];
	if (f == 0 && recv_n(a, reply, n) != 0)
		return unused(a, "the agent at %s went away mid-answer",
		    a->path);
	memmove(reply->d, reply->d + 4, reply->len - 4);
	reply->len -= 4;
	ksmx_wipe(reply->d + reply->len, 4);
	return 0;
}

static void
report(struct agent_call *a, ksm_cache_event_kind kind, uint64_t age,
    int error)
{
	ksm_cache_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.age_ms = age;
	ev.endpoint = a->endpoint;
	ev.error = error;
	ev.detail = kind == KSM_CACHE_AGENT_UNUSED ? a->why : NULL;
	ksm_cache__notify(a->c, &ev);
}

/* May this client ask an agent at all?  0, or KSM_AGENT_UNUSED. */
static int
agent_allowed(struct agent_call *a)
{
	const char *env = secure_getenv("KSM_AGENT");

	if (a->c->flags & (KSM_CLIENT_NO_AGENT | KSM_CLIENT_CACHE_ONLY))
		return unused(a, "the caller asked not to use keeper-agent");
	if (env != NULL && strcmp(env, "0") == 0)
		return unused(a, "KSM_AGENT=0");
	if (!a->c->have_app_key)
		return unused(a, "the config is not bound yet");
	if (ksm_agent__socket_path(a->path, sizeof(a->path)) != 0)
		return KSM_AGENT_UNUSED;	/* nowhere to look: say nothing */
	return 0;
}

/* Connect and send type's request; the reply frame into reply. */
static int
ask(struct agent_call *a, uint8_t type, const char *const *uids,
    size_t n_uids, struct ksmx_buf *reply)
{
	struct ksmx_buf req = KSMX_BUF_INIT(KSM_AGENT_MAX_REQUEST + 4);
	char tag[KSM_AGENT_IDENTITY_HEX + 1];
	int r;

	if ((r = agent_allowed(a)) != 0 || (r = trusted_path(a)) != 0 ||
	    (r = connect_agent(a)) != 0)
		return r;
	ksm_agent__identity(a->c, tag);
	if (ksm_agent_put_request(&req, type, tag, a->endpoint, uids,
	    n_uids) != 0)
		r = unused(a, "the request does not fit the agent protocol");
	else
		r = exchange(a, &req, reply);
	ksmx_buf_clear(&req);
	return r;
}

int
ksm_agent__fetch(struct ksm_client *c, const char *endpoint,
    const char *const *uids, size_t n_uids, struct ksmx_buf *plain,
    int *opened)
{
	struct ksmx_buf reply = KSMX_BUF_INIT(KSM_AGENT_MAX_REPLY);
	struct ksm_agent_reply rp;
	struct agent_call a;
	int r;

	memset(&a, 0, sizeof(a));
	a.c = c;
	a.endpoint = endpoint;
	a.fd = -1;
	/* get_secret is answered opened: only for a caller that takes it */
	if (strcmp(endpoint, "get_secret") == 0 && opened == NULL)
		return KSM_AGENT_UNUSED;
	if ((r = ask(&a, KSM_AGENT_GET, uids, n_uids, &reply)) != 0)
		goto out;
	if ((r = ksm_agent_parse_reply(&rp, reply.d, reply.len)) != 0) {
		if (r == KSM_EVERSION)	/* an agent older or newer than us */
			r = unused(&a, "the agent at %s speaks protocol "
			    "version %u, this client %u: restart keeper-agent "
			    "after an upgrade", a.path, (unsigned)reply.d[0],
			    KSM_AGENT_VERSION);
		else
			r = unused(&a, "the agent at %s sent a malformed "
			    "answer", a.path);
		goto out;
	}
	switch (rp.type) {
	case KSM_AGENT_ANSWER:
		if (rp.form != (strcmp(endpoint, "get_secret") == 0 ?
		    KSM_AGENT_FORM_OPENED : strcmp(endpoint, "download") == 0 ?
		    KSM_AGENT_FORM_FILE : KSM_AGENT_FORM_KEEPER)) {
			r = unused(&a, "the agent at %s answered in another "
			    "form", a.path);
			break;
		}
		if (opened != NULL)
			*opened = rp.form == KSM_AGENT_FORM_OPENED;
		/* the body becomes the answer, in place */
		memmove(reply.d, rp.body, rp.body_len);
		ksmx_wipe(reply.d + rp.body_len, reply.len - rp.body_len);
		reply.len = rp.body_len;
		ksmx_buf_clear(plain);
		if (ksmx_buf_move(plain, &reply) != 0) {
			r = ksm__err(KSM_ENOMEM, "out of memory");
			goto out;
		}
		report(&a, rp.freshness == KSM_AGENT_FRESH ? KSM_CACHE_AGENT :
		    KSM_CACHE_AGENT_STALE, rp.age_ms, 0);
		r = 0;
		break;
	case KSM_AGENT_ERROR:
		/* Keeper's refusal, as the agent met it: ours now */
		r = ksm__err(rp.code, "%s", rp.message);
		if (rp.hint[0] != '\0')
			ksm__err_hint("%s", rp.hint);
		break;
	case KSM_AGENT_DECLINE:
		r = unused(&a, "the agent declined: %s", rp.message);
		break;
	default:
		r = unused(&a, "the agent at %s answered out of turn", a.path);
	}
out:
	if (r == KSM_AGENT_UNUSED && a.why[0] != '\0')
		report(&a, KSM_CACHE_AGENT_UNUSED, 0, 0);
	if (a.fd >= 0)
		close(a.fd);
	ksmx_buf_clear(&reply);
	return r;
}

void
ksm_agent__invalidate(struct ksm_client *c, const char *const *uids,
    size_t n_uids)
{
	struct ksmx_buf reply = KSMX_BUF_INIT(KSM_AGENT_MAX_REQUEST);
	struct agent_call a;

	memset(&a, 0, sizeof(a));
	a.c = c;
	a.endpoint = "invalidate";
	a.fd = -1;
	/* best effort: an agent that misses it refreshes within its period */
	(void)ask(&a, KSM_AGENT_INVALIDATE, uids, n_uids, &reply);
	if (a.fd >= 0)
		close(a.fd);
	ksmx_buf_clear(&reply);
}

int
ksm_agent__status(const char *path, char **json)
{
	struct ksmx_buf req = KSMX_BUF_INIT(64);
	struct ksmx_buf reply = KSMX_BUF_INIT(KSM_AGENT_MAX_REQUEST + 64);
	struct ksm_agent_reply rp;
	struct agent_call a;
	int r;

	*json = NULL;
	memset(&a, 0, sizeof(a));
	a.endpoint = "status";
	a.fd = -1;
	if (path != NULL && strlen(path) >= sizeof(a.path))
		return ksm__err(KSM_EINVAL, "socket path too long: %.64s...",
		    path);
	if (path != NULL)
		memcpy(a.path, path, strlen(path) + 1);
	else if (ksm_agent__socket_path(a.path, sizeof(a.path)) != 0) {
		r = ksm__err(KSM_ENOTFOUND, "no agent socket to ask");
		ksm__err_hint("set KSM_AGENT_SOCK (keeper-agent prints it) or "
		    "XDG_RUNTIME_DIR");
		return r;
	}
	/* the same checks as a get: never tell a foreign socket anything */
	if (trusted_path(&a) != 0 || connect_agent(&a) != 0 ||
	    ksm_agent_put_request(&req, KSM_AGENT_STATUS, NULL, NULL, NULL,
	    0) != 0 || exchange(&a, &req, &reply) != 0) {
		r = ksm__err(KSM_ENOTFOUND, "%s", a.why[0] != '\0' ? a.why :
		    "keeper-agent did not answer");
		ksm__err_hint("start it: keeper-agent (or systemctl --user start "
		    "keeper-agent-secrets.socket)");
		goto out;
	}
	if ((r = ksm_agent_parse_reply(&rp, reply.d, reply.len)) != 0 ||
	    rp.type != KSM_AGENT_STATUS_REPLY) {
		if (r == KSM_EVERSION)
			r = ksm__err(KSM_EPROTO, "the agent at %s speaks "
			    "protocol version %u, this program %u", a.path,
			    (unsigned)reply.d[0], KSM_AGENT_VERSION);
		else
			r = ksm__err(KSM_EPROTO, "the agent at %s sent no "
			    "status", a.path);
		ksm__err_hint("restart keeper-agent after an upgrade");
		goto out;
	}
	if ((*json = malloc(rp.body_len + 1)) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(*json, rp.body, rp.body_len);
	(*json)[rp.body_len] = '\0';
out:
	if (a.fd >= 0)
		close(a.fd);
	ksmx_buf_clear(&req);
	ksmx_buf_clear(&reply);
	return r;
}
