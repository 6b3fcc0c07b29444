/*
 * keeper-agent's one event loop.  Two sides share it as siblings: the SSH
 * agent (ssh-side.c) and the secrets service (secrets-side.c); each is a
 * listening socket with its own framing, limits and handler.  The loop
 * owns the connections: it accepts, checks the peer, buffers, frames,
 * writes, closes idle ones and, when a side is full, makes room by closing
 * the connection idle the longest, so that a flood of idle connections
 * cannot keep a real client out.  Other file descriptors (signals, the
 * Keeper session's completion events) and one timer source are watched
 * beside them.  Single-threaded: every callback runs on the loop's thread.
 */
#ifndef AGENT_LOOP_H
#define AGENT_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "util/buf.h"

struct loop;
struct conn;

struct side {
	const char	*name;		/* for log lines */
	size_t		 max_conns;
	size_t		 max_frame;	/* largest frame accepted, bytes */
	size_t		 max_out;	/* largest reply backlog, bytes */
	long long	 idle_ms;	/* close after this long idle; 0: never */
	size_t		 data_size;	/* per-connection state, zeroed */
	/* frame size at p when complete, 0: need more, < 0: drop */
	long		(*frame)(const uint8_t *p, size_t len, size_t max);
	/* one frame (with its length prefix); 0, or -1 to close */
	int		(*handle)(void *ctx, struct conn *c, const uint8_t *msg,
			    size_t len);
	/* after a connection was accepted (may be NULL) */
	void		(*opened)(void *ctx, struct conn *c);
	/* before a connection's state goes (may be NULL) */
	void		(*closed)(void *ctx, struct conn *c);
	/* may this peer connect?  1 or 0 (NULL: same uid only) */
	int		(*peer_ok)(void *ctx, const struct ucred *peer);
	void		*ctx;
};

struct conn {
	int		 fd;
	const struct side *side;
	struct ucred	 peer;		/* SO_PEERCRED at accept */
	struct ksmx_buf	 in, out;
	long long	 active_ms;	/* last traffic, CLOCK_MONOTONIC */
	int		 held;		/* a reply is pending: read no more */
	void		*data;		/* side->data_size bytes */
};

int	loop_new(struct loop **out);
void	loop_free(struct loop *l);
/* Serve side on the listening socket fd (the loop does not close it). */
int	loop_listen(struct loop *l, int fd, const struct side *side);
/* Call ready(ctx) whenever fd is readable. */
int	loop_watch(struct loop *l, int fd, void (*ready)(void *ctx), void *ctx);
/*
 * The timer: next(ctx, now) gives the absolute CLOCK_MONOTONIC ms at which
 * to call it again (-1: no wish); it is also called after every event.
 */
void	loop_timer(struct loop *l, long long (*next)(void *ctx, long long now),
	    void *ctx);
/* Run until loop_stop(): 0, or -1 when poll fails. */
int	loop_run(struct loop *l);
void	loop_stop(struct loop *l);

/* A handler that answers later holds the connection, then releases it. */
void	conn_hold(struct conn *c);
void	conn_release(struct loop *l, struct conn *c);
/* Connections of a side. */
size_t	loop_conns(const struct loop *l, const struct side *side);

#endif /* AGENT_LOOP_H */
