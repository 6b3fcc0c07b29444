/*
 * keeper-agent's secrets side: the resident session's protocol
 * (core/agent-msg.h, docs/agent-protocol.md) on its own socket, answering
 * libksm clients of the same uid from the Keeper session's answers.  A
 * request that must wait for a fetch holds its connection (the loop reads
 * nothing more from it) until the session has fetched; every answer gets
 * one audit line (peer, endpoint, record UIDs, fresh/stale/error).
 */
#ifndef SECRETS_SIDE_H
#define SECRETS_SIDE_H

struct secrets_side;
struct session;
struct loop;
struct side;

int	secrets_side_new(struct secrets_side **out, struct session *s,
	    struct loop *l);
void	secrets_side_free(struct secrets_side *ss);
const struct side *secrets_side_def(struct secrets_side *ss);

#endif /* SECRETS_SIDE_H */
