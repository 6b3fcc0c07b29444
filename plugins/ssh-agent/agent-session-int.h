/*
 * What agent-session.c (serving, scheduling) and agent-session-fetch.c
 * (the fetch job on its worker thread) share.  Not for the rest of
 * keeper-agent: see agent-session.h.
 */
#ifndef AGENT_SESSION_INT_H
#define AGENT_SESSION_INT_H

#include <pthread.h>
#include <stdint.h>

#include "ksm-int.h"
#include "agent-session.h"
#include "secrets-answer.h"

enum { EP_SECRETS, EP_FOLDERS, EP_N };
extern const char *const session_ep_name[EP_N];

/* What the session holds of one endpoint. */
struct slot {
	struct answer	*ans;
	long long	 fetched_ms;	/* when ans arrived (monotonic) */
	long long	 used_ms;	/* last request for it; 0: never */
	long long	 attempt_ms;	/* end of the last fetch attempt */
	int		 invalid;	/* a write made ans stale */
	int		 want;		/* a waiting request needs a fetch */
	int		 err;		/* the last attempt's failure, or 0 */
	char		 msg[KSM_ERROR_MSG_MAX];
	char		 hint[KSM_ERROR_MSG_MAX];
};

/*
 * Attachments a client asked the session for (agent-session-files.c):
 * downloaded by the worker, held in locked memory by file UID (Keeper
 * never changes the content under one), and served while a record the
 * session holds still lists them.
 */
#define SESSION_FILES		32	/* attachments held at most */
#define SESSION_FILES_BYTES	(64u * 1024 * 1024)	/* their bytes, at most */

struct held_file {
	char		 uid[ANSWER_MAX_UID + 1];	/* "": a free slot */
	char		 rec[ANSWER_MAX_UID + 1];	/* a record listing it */
	struct answer	*bytes;		/* NULL: not held (yet) */
	long long	 got_ms;	/* when bytes arrived */
	long long	 used_ms;	/* last served (LRU) */
	long long	 attempt_ms;	/* end of the last download */
	int		 want;		/* a waiting request needs it */
	int		 in_job;	/* the worker is downloading it */
	int		 err;		/* the last download's failure */
	char		 msg[KSM_ERROR_MSG_MAX];
};

/* One download of a job: the record that lists it, opened, alone. */
struct job_file {
	char		 uid[ANSWER_MAX_UID + 1];
	struct ksmx_buf	 rec;
	struct answer	*bytes;		/* made on the worker thread */
	int		 r;
	char		 msg[KSM_ERROR_MSG_MAX];
};

/* One fetch, filled in by the worker thread. */
struct job {
	struct job_file	 dl[SESSION_FILES];
	size_t		 n_dl;
	int		 want[EP_N];
	struct ksmx_buf	 plain[EP_N];
	struct answer	*ans[EP_N];	/* made on the worker thread */
	int		 r[EP_N];
	ksm_error	 err[EP_N];
	ksm_records	*recs;		/* get_secret decrypted, if changed */
	uint64_t	 recs_hash;
	uint64_t	 prev_hash;	/* of the records held; 0: none */
	int		 same;		/* get_secret's records: unchanged */
	unsigned int	 calls;
	long long	 start_ms;
};

struct session {
	struct session_opts o;
	ksm_client	*client;
	char		 tag[KSM_AGENT_IDENTITY_HEX + 1];
	struct slot	 slot[EP_N];
	struct held_file files[SESSION_FILES];
	int		 efd;
	int		 busy;
	pthread_t	 thr;
	struct job	 job;
	/* the throttle guard */
	long long	 last_call_ms;	/* end of the last call; 0: none */
	unsigned int	 burst;		/* calls since the last pause */
	uint64_t	 recs_hash;	/* of the last answer decrypted */
	void		(*on_fetched)(void *ctx);
	void		*on_fetched_ctx;
	/* counters, for the status */
	unsigned long long calls, served, stale, errors, waits, throttled;
};

/*
 * Start a fetch of the endpoints in want on the worker thread (none may
 * be in flight; without a thread, fetch here).  The loop learns of its
 * end through session_fd() and calls session_fetched().
 */
void	session_start_job(struct session *s, const int want[EP_N],
	    long long now);
/* Wait for the fetch in flight, if any, and install it. */
void	session_join_job(struct session *s);
/* Fetch want here and now: 0, or the first failing endpoint's error. */
int	session_sync_fetch(struct session *s, const int want[EP_N]);

/* agent-session-files.c: the attachments */
int	session_serve_file(struct session *s,
	    const struct ksm_agent_request *rq, long long since_ms,
	    struct ksmx_buf *out, const char **how);
/* Whether a waiting request needs a download that is not under way. */
int	session_files_wanted(const struct session *s);
/* On the loop, as a job begins: hand it the wanted downloads. */
void	session_files_begin(struct session *s, struct job *j);
/* On the worker: download them. */
void	session_files_run(struct session *s, struct job *j);
/* On the loop, as the job ends: hold what arrived, note what failed. */
void	session_files_finish(struct session *s, struct job *j);
/* Drop every attachment held (none may be in a job). */
void	session_files_clear(struct session *s);
size_t	session_files_held(const struct session *s);

#endif /* AGENT_SESSION_INT_H */
