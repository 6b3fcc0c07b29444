#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ksm/error.h"
#include "util/wipe.h"
#include "agent-log.h"
#include "agent-loop.h"

#define MAX_LISTENERS	4
#define MAX_WATCHES	4
#define READ_CHUNK	16384

struct listener {
	int			 fd;
	const struct side	*side;
};

struct watch {
	int	  fd;
	void	(*ready)(void *ctx);
	void	 *ctx;
};

struct loop {
	struct listener	 ls[MAX_LISTENERS];
	size_t		 n_ls;
	struct watch	 ws[MAX_WATCHES];
	size_t		 n_ws;
	struct conn	**cs;		/* NULL slots are free */
	size_t		 n_cs;
	long long	(*next)(void *ctx, long long now);
	void		*next_ctx;
	int		 stop;
	int		 rescan;	/* a released connection may hold frames */
	struct pollfd	*pf;
};

int
loop_new(struct loop **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return KSM_ENOMEM;
	return 0;
}

static void
conn_close(struct loop *l, size_t i)
{
	struct conn *c = l->cs[i];

	if (c->side->closed != NULL)
		c->side->closed(c->side->ctx, c);
	close(c->fd);
	ksmx_buf_clear(&c->in);
	ksmx_buf_clear(&c->out);
	if (c->data != NULL)
		ksmx_freezero(c->data, c->side->data_size);
	free(c);
	l->cs[i] = NULL;
}

void
loop_free(struct loop *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n_cs; i++)
		if (l->cs[i] != NULL)
			conn_close(l, i);
	free(l->cs);
	free(l->pf);
	free(l);
}

int
loop_listen(struct loop *l, int fd, const struct side *side)
{
	struct conn **cs;
	size_t n = l->n_cs + side->max_conns;

	if (l->n_ls == MAX_LISTENERS)
		return KSM_ETOOBIG;
	if ((cs = realloc(l->cs, n * sizeof(*cs))) == NULL)
		return KSM_ENOMEM;
	memset(cs + l->n_cs, 0, side->max_conns * sizeof(*cs));
	l->cs = cs;
	l->n_cs = n;
	l->ls[l->n_ls].fd = fd;
	l->ls[l->n_ls].side = side;
	l->n_ls++;
	return 0;
}

int
loop_watch(struct loop *l, int fd, void (*ready)(void *ctx), void *ctx)
{
	if (l->n_ws == MAX_WATCHES)
		return KSM_ETOOBIG;
	l->ws[l->n_ws].fd = fd;
	l->ws[l->n_ws].ready = ready;
	l->ws[l->n_ws].ctx = ctx;
	l->n_ws++;
	return 0;
}

void
loop_timer(struct loop *l, long long (*next)(void *ctx, long long now),
    void *ctx)
{
	l->next = next;
	l->next_ctx = ctx;
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}

void
conn_hold(struct conn *c)
{
	c->held = 1;
}

void
conn_release(struct loop *l, struct conn *c)
{
	c->held = 0;
	c->active_ms = agent_now_ms();
	l->rescan = 1;
}

size_t
loop_conns(const struct loop *l, const struct side *side)
{
	size_t i, n = 0;

	for (i = 0; i < l->n_cs; i++)
		n += l->cs[i] != NULL && l->cs[i]->side == side;
	return n;
}

/*
 * A free slot for side: when the side is full, the connection idle the
 * longest (held ones wait for an answer: never) is closed to make room.
 */
static long
free_slot(struct loop *l, const struct side *side)
{
	size_t i, used = 0;
	long free_i = -1, old_i = -1;

	for (i = 0; i < l->n_cs; i++) {
		struct conn *c = l->cs[i];

		if (c == NULL) {
			if (free_i < 0)
				free_i = (long)i;
			continue;
		}
		if (c->side != side)
			continue;
		used++;
		if (!c->held && c->out.len == 0 && (old_i < 0 ||
		    c->active_ms < l->cs[old_i]->active_ms))
			old_i = (long)i;
	}
	if (used < side->max_conns && free_i >= 0)
		return free_i;
	if (old_i < 0)
		return -1;
	conn_close(l, (size_t)old_i);
	return old_i;
}

static void
accept_one(struct loop *l, const struct listener *ls)
{
	const struct side *side = ls->side;
	struct ucred uc;
	socklen_t len = sizeof(uc);
	struct conn *c;
	long slot;
	int fd;

	fd = accept4(ls->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0 ||
	    (side->peer_ok != NULL ? !side->peer_ok(side->ctx, &uc) :
	    uc.uid != getuid()) || (slot = free_slot(l, side)) < 0 ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	if (side->data_size > 0 &&
	    (c->data = calloc(1, side->data_size)) == NULL) {
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	c->side = side;
	c->peer = uc;
	c->in = (struct ksmx_buf)KSMX_BUF_INIT(side->max_frame + 4);
	c->out = (struct ksmx_buf)KSMX_BUF_INIT(side->max_out);
	c->active_ms = agent_now_ms();
	l->cs[slot] = c;
	if (side->opened != NULL)
		side->opened(side->ctx, c);
}

/* Handle every complete frame buffered while not held; -1: close. */
static int
conn_frames(struct conn *c)
{
	size_t off = 0;
	long f = 0;

	while (!c->held && (f = c->side->frame(c->in.d + off, c->in.len - off,
	    c->side->max_frame)) > 0) {
		if (c->side->handle(c->side->ctx, c, c->in.d + off,
		    (size_t)f) != 0)
			return -1;
		off += (size_t)f;
	}
	if (f < 0)
		return -1;	/* oversized or malformed: drop */
	if (off > 0) {
		memmove(c->in.d, c->in.d + off, c->in.len - off);
		ksmx_wipe(c->in.d + c->in.len - off, off);
		c->in.len -= off;
	}
	return 0;
}

static int
conn_read(struct conn *c)
{
	uint8_t tmp[READ_CHUNK];
	ssize_t n;
	int r;

	n = recv(c->fd, tmp, sizeof(tmp), 0);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	r = n <= 0 || ksmx_buf_put(&c->in, tmp, (size_t)n) != 0 ? -1 : 0;
	ksmx_wipe(tmp, sizeof(tmp));
	if (r != 0)
		return -1;
	c->active_ms = agent_now_ms();
	return conn_frames(c);
}

static int
conn_write(struct conn *c)
{
	ssize_t n = send(c->fd, c->out.d, c->out.len, MSG_NOSIGNAL);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	ksmx_wipe(c->out.d, (size_t)n);
	memmove(c->out.d, c->out.d + n, c->out.len - (size_t)n);
	c->out.len -= (size_t)n;
	if (c->out.len == 0)
		ksmx_buf_clear(&c->out);	/* a large answer: give it back */
	c->active_ms = agent_now_ms();
	return 0;
}

/* The poll timeout: the timer's wish and the next idle deadline. */
static int
poll_timeout(struct loop *l, long long now)
{
	long long due = -1, t;
	size_t i;

	if (l->rescan)
		return 0;
	if (l->next != NULL)
		due = l->next(l->next_ctx, now);
	for (i = 0; i < l->n_cs; i++) {
		struct conn *c = l->cs[i];

		if (c == NULL || c->side->idle_ms <= 0 || c->held)
			continue;
		t = c->active_ms + c->side->idle_ms;
		if (due < 0 || t < due)
			due = t;
	}
	if (due < 0)
		return -1;
	t = due - now;
	return t <= 0 ? 0 : t > 3600000 ? 3600000 : (int)t;
}

static void
close_idle(struct loop *l, long long now)
{
	size_t i;

	for (i = 0; i < l->n_cs; i++) {
		struct conn *c = l->cs[i];

		if (c != NULL && c->side->idle_ms > 0 && !c->held &&
		    now - c->active_ms >= c->side->idle_ms)
			conn_close(l, i);
	}
}

int
loop_run(struct loop *l)
{
	size_t n_fd = l->n_ws + l->n_ls + l->n_cs, i, k;
	struct pollfd *pf;
	int n;

	if ((pf = calloc(n_fd, sizeof(*pf))) == NULL)
		return -1;
	free(l->pf);
	l->pf = pf;
	while (!l->stop) {
		k = 0;
		for (i = 0; i < l->n_ws; i++, k++) {
			pf[k].fd = l->ws[i].fd;
			pf[k].events = POLLIN;
		}
		for (i = 0; i < l->n_ls; i++, k++) {
			pf[k].fd = l->ls[i].fd;
			pf[k].events = POLLIN;
		}
		for (i = 0; i < l->n_cs; i++, k++) {
			struct conn *c = l->cs[i];

			pf[k].fd = c != NULL ? c->fd : -1;
			pf[k].events = c == NULL ? 0 : c->out.len ? POLLOUT :
			    c->held ? 0 : POLLIN;
			pf[k].revents = 0;
		}
		n = poll(pf, (nfds_t)n_fd, poll_timeout(l, agent_now_ms()));
		if (n < 0 && errno != EINTR)
			return -1;
		close_idle(l, agent_now_ms());
		if (l->rescan) {
			l->rescan = 0;
			for (i = 0; i < l->n_cs; i++)
				if (l->cs[i] != NULL && !l->cs[i]->held &&
				    l->cs[i]->in.len > 0 &&
				    conn_frames(l->cs[i]) != 0)
					conn_close(l, i);
		}
		if (n <= 0)
			continue;
		/* signals and the session first, then new connections */
		for (k = 0; k < l->n_ws; k++)
			if (pf[k].revents & POLLIN)
				l->ws[k].ready(l->ws[k].ctx);
		if (l->stop)
			break;
		for (i = 0; i < l->n_ls; i++, k++)
			if (pf[k].revents & POLLIN) {
				accept_one(l, &l->ls[i]);
				goto next;	/* pf no longer matches cs */
			}
		for (i = 0; i < l->n_cs; i++, k++) {
			struct conn *c = l->cs[i];
			short re = pf[k].revents;

			if (c == NULL || re == 0 || pf[k].fd != c->fd)
				continue;
			if ((re & POLLOUT && conn_write(c) != 0) ||
			    (re & POLLIN && conn_read(c) != 0) ||
			    (re & (POLLERR | POLLNVAL)) ||
			    ((re & POLLHUP) && !(re & POLLIN)))
				conn_close(l, i);
		}
next:
		;
	}
	return 0;
}
