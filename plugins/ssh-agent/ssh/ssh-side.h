/*
 * keeper-agent's SSH side: the OpenSSH agent protocol (agent-proto.c) on
 * the SSH_AUTH_SOCK socket, serving the keys of the sshKeys records the
 * Keeper session holds.  The key store is rebuilt whenever a refresh
 * changed the records; a failed refresh keeps the keys served.
 */
#ifndef SSH_SIDE_H
#define SSH_SIDE_H

#include <stddef.h>

#include "ksm/ksm.h"

#define SSH_SIDE_MAX_FILTERS	64

struct ssh_side_opts {
	const char	*records[SSH_SIDE_MAX_FILTERS];	/* only these UIDs */
	size_t		 n_records;
	const char	*folders[SSH_SIDE_MAX_FILTERS];	/* only in these */
	size_t		 n_folders;
	const char	*known[SSH_SIDE_MAX_FILTERS];	/* known_hosts files */
	size_t		 n_known;
	int		 confirm;		/* --confirm */
	unsigned int	 confirm_timeout;	/* --confirm-timeout, s */
	unsigned int	 lifetime;		/* --lifetime, s */
};

struct ssh_side;
struct session;
struct side;

int	ssh_side_new(struct ssh_side **out, const struct ssh_side_opts *o);
void	ssh_side_free(struct ssh_side *ss);
/* The loop's view of it (agent-loop.h). */
const struct side *ssh_side_def(struct ssh_side *ss);
/* Its session, told when keys are used so that they stay refreshed. */
void	ssh_side_set_session(struct ssh_side *ss, struct session *s);
/*
 * The session's "changed" callback: rebuild the keys from records (1: out
 * of memory, the old keys kept).
 */
int	ssh_side_records(void *ctx, const ksm_records *records);
size_t	ssh_side_keys(const struct ssh_side *ss);
/* Drop keys whose lifetime ended; the next end (monotonic ms) or -1. */
long long ssh_side_expire(struct ssh_side *ss, long long now);
/* SIGHUP: lifetimes start again. */
void	ssh_side_rearm(struct ssh_side *ss);

#endif /* SSH_SIDE_H */
