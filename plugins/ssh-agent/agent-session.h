/*
 * The resident Keeper session: one libksm client (one kept HTTPS
 * connection) whose answers keeper-agent keeps in memory and serves to
 * both of its sides.  It fetches everything shared with the application
 * in one get_secret (and get_folders once someone asked for folders), so
 * one call answers for every record in use, then cuts each client's
 * answer from it (secrets-answer.c).
 *
 * Freshness: an answer younger than the refresh period is served at once;
 * while answers are in use they are refreshed in the background before
 * they reach it, so a warm answer never waits on Keeper.  A refresh that
 * fails with throttling or an unreachable Keeper leaves the old answer
 * served as stale until it is max_age old; then the error is the answer.
 * A request arriving while nothing servable is held waits for the one
 * fetch in flight (coalesced), as does one naming a UID the answer lacks
 * when the answer is older than a few seconds (a record just shared).
 *
 * Throttling: Keeper throttles a device after more than 200 calls without
 * a 10-second pause, and a steady trickle keeps it throttled.  The session
 * counts its calls since the last such pause and, past its burst budget
 * (or after a throttled answer), makes no call until a full pause has
 * passed, whatever its clients do: they get the answer it holds.
 *
 * Fetches run on a worker thread; the loop learns of the end through
 * session_fd() and calls session_fetched().
 */
#ifndef AGENT_SESSION_H
#define AGENT_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "ksm/ksm.h"
#include "util/buf.h"

struct session;
struct ksm_agent_request;

#define SESSION_MAX_WATCHERS	4

struct session_opts {
	const char	*config;	/* NULL: libksm's default */
	unsigned int	 refresh_ms;	/* freshness period; 0: SIGHUP only */
	unsigned int	 max_age_ms;	/* stale-if-error bound */
	unsigned int	 pause_ms;	/* Keeper's quiet pause (10 s) */
	unsigned int	 burst;		/* calls allowed without a pause */
	int		 keep_fresh;	/* refresh get_secret even unasked
					   (templates watch the records) */
	/*
	 * Called, in order, after each fetch that changed the records (and
	 * after the first): the SSH side rebuilds its keys, the templates
	 * render.  fn returns nonzero when it could not finish with these
	 * records (an attachment it lacked): the next fetch hands records
	 * over again even if they did not change.  prepare (optional) runs
	 * before, on the worker thread that fetched, with the session's
	 * client to itself: there a watcher fetches what fn will need
	 * (attachments: downloads, which are not Keeper API calls) without
	 * blocking the loop.  Unused slots are NULL.
	 */
	struct {
		int	(*fn)(void *ctx, const ksm_records *records);
		void	(*prepare)(void *ctx, const ksm_records *records,
			    ksm_client *client);
		void	*ctx;
	}		 changed[SESSION_MAX_WATCHERS];
};

/* Defaults: 60 s, KSM_CACHE_MAX_AGE (1 h), 10 s, 50 calls. */
#define SESSION_REFRESH_MS	60000u
#define SESSION_PAUSE_MS	10000u
#define SESSION_BURST		50u
/* A UID the answer lacks is looked for again once it is this old. */
#define SESSION_MISS_MS		5000u

/*
 * Open the config and fetch once, synchronously.  A fetch that fails
 * because Keeper is out of reach or throttles (ksm_cache__stale_ok) does
 * not fail the open: the session holds nothing, answers the error, and
 * tries again every quarter period (at least a throttle pause) until a
 * fetch succeeds; session_failing() says why meanwhile.  Any other error
 * (a bad config, the device refused) fails the open.
 */
int	session_open(struct session **out, const struct session_opts *o);
/* Why the session holds no records yet (NULL: it does). */
const char *session_failing(const struct session *s);
void	session_free(struct session *s);
/* The config's tag (agent-msg.h): requests for another config are declined. */
const char *session_tag(const struct session *s);
/* Readable when a background fetch has ended: then call session_fetched. */
int	session_fd(const struct session *s);
void	session_fetched(struct session *s);
/* Drop every answer and fetch again now (SIGHUP): 0 or the fetch's error. */
int	session_reload(struct session *s);
/* The SSH side used the records: keep them refreshed. */
void	session_touch(struct session *s);
/* Mark the config's answers stale: the next request fetches anew. */
void	session_invalidate(struct session *s);
/*
 * The next time the session wants the loop back (ms, -1: none); starts
 * the fetches that are due.
 */
long long session_tick(struct session *s, long long now);

/*
 * Serve a GET request that arrived at since_ms: 0 with a reply frame
 * appended to out, or SESSION_WAIT: call again after the next
 * session_fetched() (the waiter callback says when).  *how says how the
 * answer was served, for the audit line ("fresh", "stale", "error").
 */
#define SESSION_WAIT	1
int	session_serve(struct session *s, const struct ksm_agent_request *rq,
	    long long since_ms, struct ksmx_buf *out, const char **how);
/* Called (once per fetch) after every session_fetched(). */
void	session_on_fetched(struct session *s, void (*fn)(void *ctx), void *ctx);
/* A JSON status for KSM_AGENT_STATUS (malloc'd). */
char	*session_status(const struct session *s);

#endif /* AGENT_SESSION_H */
