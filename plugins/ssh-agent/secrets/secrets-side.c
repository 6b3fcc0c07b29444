#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm-int.h"
#include "agent-msg.h"
#include "agent-log.h"
#include "agent-loop.h"
#include "agent-session.h"
#include "secrets-side.h"

#define MAX_CLIENTS	64
#define IDLE_MS		30000	/* a client that says nothing this long */
#define AUDIT_UIDS	8	/* UIDs named in one audit line */

/* A request held until the session has fetched. */
struct pending {
	struct ksm_agent_request rq;
	long long		 since_ms;
	int			 waiting;
	struct conn		*c;
	struct pending		*next;
};

struct secrets_side {
	struct session	*session;
	struct loop	*loop;
	struct pending	*waiting;	/* held connections */
	struct side	 def;
};

static void
audit_answer(const struct conn *c, const struct ksm_agent_request *rq,
    const char *how)
{
	char who[320], uids[AUDIT_UIDS * (KSM_AGENT_MAX_NAME + 1) + 32];
	struct agent_peer peer;
	size_t i, at = 0;

	if (rq->n_uids == 0)
		(void)snprintf(uids, sizeof(uids), "every record");
	for (i = 0; i < rq->n_uids && i < AUDIT_UIDS; i++)
		at += (size_t)snprintf(uids + at, sizeof(uids) - at, "%s%s",
		    i ? "," : "", rq->uids[i]);
	if (rq->n_uids > AUDIT_UIDS)
		(void)snprintf(uids + at, sizeof(uids) - at, " and %zu more",
		    rq->n_uids - AUDIT_UIDS);
	agent_peer_get(c->fd, &peer);
	agent_log("%s for %s: %s (%s)", rq->type == KSM_AGENT_INVALIDATE ?
	    "invalidate" : rq->endpoint,
	    agent_peer_str(&peer, who, sizeof(who)), uids, how);
}

/* Serve p's request; 0 when answered, SESSION_WAIT, or an error. */
static int
serve(struct secrets_side *ss, struct pending *p)
{
	const char *how;
	int r;

	r = session_serve(ss->session, &p->rq, p->since_ms, &p->c->out, &how);
	if (r == 0)
		audit_answer(p->c, &p->rq, how);
	return r;
}

static void
unlink_waiting(struct secrets_side *ss, struct pending *p)
{
	struct pending **pp;

	for (pp = &ss->waiting; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	p->next = NULL;
	p->waiting = 0;
}

/* After each fetch: every held request is served, or waits again. */
static void
fetched(void *ctx)
{
	struct secrets_side *ss = ctx;
	struct pending *p, *next, *again = NULL;

	p = ss->waiting;
	ss->waiting = NULL;
	for (; p != NULL; p = next) {
		next = p->next;
		p->next = NULL;
		if (serve(ss, p) == SESSION_WAIT) {
			p->next = again;
			again = p;
			continue;
		}
		p->waiting = 0;
		ksm_agent_request_free(&p->rq);
		conn_release(ss->loop, p->c);
	}
	ss->waiting = again;
}

static int
handle(void *ctx, struct conn *c, const uint8_t *msg, size_t len)
{
	struct secrets_side *ss = ctx;
	struct pending *p = c->data;
	char *status;
	int r;

	p->c = c;
	r = ksm_agent_parse_request(&p->rq, msg + 4, len - 4);
	if (r == KSM_EVERSION)
		return ksm_agent_put_decline(&c->out, "keeper-agent speaks "
		    "another version of the protocol") != 0 ? -1 : 0;
	if (r != 0)
		return -1;	/* malformed: a client bug or worse; drop */
	switch (p->rq.type) {
	case KSM_AGENT_STATUS:
		if ((status = session_status(ss->session)) == NULL)
			return -1;
		r = ksm_agent_put_status(&c->out, status);
		free(status);
		break;
	case KSM_AGENT_INVALIDATE:
		if (strcmp(p->rq.tag, session_tag(ss->session)) != 0) {
			r = ksm_agent_put_decline(&c->out, "keeper-agent "
			    "serves another config");
			break;
		}
		session_invalidate(ss->session);
		audit_answer(c, &p->rq, "invalidated");
		r = ksm_agent_put_done(&c->out);
		break;
	default:	/* GET */
		p->since_ms = agent_now_ms();
		if ((r = serve(ss, p)) == SESSION_WAIT) {
			conn_hold(c);
			p->waiting = 1;
			p->next = ss->waiting;
			ss->waiting = p;
			return 0;	/* the request stays until answered */
		}
	}
	ksm_agent_request_free(&p->rq);
	return r != 0 ? -1 : 0;
}

static void
closed(void *ctx, struct conn *c)
{
	struct secrets_side *ss = ctx;
	struct pending *p = c->data;

	if (p->waiting)
		unlink_waiting(ss, p);
	ksm_agent_request_free(&p->rq);
}

static int
peer_ok(void *ctx, const struct ucred *uc)
{
	(void)ctx;
	if (uc->uid == getuid())
		return 1;
	fprintf(stderr, "keeper-agent: refused a secrets connection from "
	    "uid %u (pid %d)\n", (unsigned)uc->uid, (int)uc->pid);
	return 0;
}

int
secrets_side_new(struct secrets_side **out, struct session *s,
    struct loop *l)
{
	struct secrets_side *ss;

	if ((*out = ss = calloc(1, sizeof(*ss))) == NULL)
		return KSM_ENOMEM;
	ss->session = s;
	ss->loop = l;
	ss->def.name = "secrets";
	ss->def.max_conns = MAX_CLIENTS;
	ss->def.max_frame = KSM_AGENT_MAX_REQUEST;
	ss->def.max_out = KSM_AGENT_MAX_REPLY + 4;
	ss->def.idle_ms = IDLE_MS;
	ss->def.data_size = sizeof(struct pending);
	ss->def.frame = ksm_agent_frame;
	ss->def.handle = handle;
	ss->def.closed = closed;
	ss->def.peer_ok = peer_ok;
	ss->def.ctx = ss;
	session_on_fetched(s, fetched, ss);
	return 0;
}

void
secrets_side_free(struct secrets_side *ss)
{
	free(ss);
}

const struct side *
secrets_side_def(struct secrets_side *ss)
{
	return &ss->def;
}
