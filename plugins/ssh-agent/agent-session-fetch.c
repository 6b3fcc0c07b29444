#include "config.h"

/*
 * The resident session's fetch (agent-session.h): one job at a time, on a
 * worker thread, that calls Keeper with the session's client, keeps each
 * answer in locked memory, opens get_secret's records once per change,
 * lets the watchers prepare (attachments) and downloads the files
 * clients asked for (agent-session-files.c); the loop then installs it
 * (finish_job), counts the calls for the throttle guard, and hands
 * changed records to the watchers.  The worker never looks at the slots;
 * the loop never looks at the job while the worker runs.
 */

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm-int.h"
#include "client-int.h"
#include "json.h"
#include "agent-log.h"
#include "agent-session-int.h"
#include "secrets-answer.h"
#include "util/fnv.h"

const char *const session_ep_name[EP_N] = { "get_secret", "get_folders" };

static uint64_t
fnv(const void *p, size_t n)
{
	return ksmx_fnv1a(KSMX_FNV1A_INIT, p, n);
}

/*
 * What the records are, for "did they change": the "records" and
 * "folders" members only (appData is encrypted anew in every answer).
 */
static uint64_t
records_hash(const struct ksmx_buf *plain)
{
	static const char *const keys[2] = { "records", "folders" };
	struct ksmx_json_span sp[2];
	uint64_t h;

	if (ksmx_json_object_members((const char *)plain->d, plain->len, keys,
	    2, sp) != 0)
		return fnv(plain->d, plain->len);
	h = sp[0].p != NULL ? fnv((const uint8_t *)sp[0].p, sp[0].len) : 0;
	return h ^ (sp[1].p != NULL ? fnv((const uint8_t *)sp[1].p,
	    sp[1].len) * 31 : 0);
}

/*
 * get_secret's answer as the session keeps it: opened (records-opened.c),
 * so that no client needs a cipher.  Unchanged records (the hash of their
 * text is the one already held) are not decrypted again: *same is set.
 */
static int
open_secrets(struct job *j, const unsigned char *app_key)
{
	struct ksmx_buf opened = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	int r;

	j->recs_hash = records_hash(&j->plain[EP_SECRETS]);
	if (j->prev_hash != 0 && j->recs_hash == j->prev_hash) {
		j->same = 1;
		return 0;
	}
	if ((r = ksm_records__from_response(&j->recs, app_key,
	    &j->plain[EP_SECRETS])) == 0 &&
	    (r = ksm_records__to_opened(j->recs, &opened)) == 0)
		r = answer_new(&j->ans[EP_SECRETS], opened.d, opened.len, 1);
	ksmx_buf_clear(&opened);
	return r;
}

/*
 * The calls of one job, on the worker thread (or inline): fetch, keep
 * each answer (answer_new copies it into locked memory and indexes it),
 * get_secret's opened, and the records decrypted for the watchers when
 * they changed.
 */
static void
run_job(struct session *s, struct job *j)
{
	int ep;

	for (ep = 0; ep < EP_N; ep++) {
		if (!j->want[ep])
			continue;
		j->plain[ep] = (struct ksmx_buf)KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
		j->r[ep] = ksm_client__fetch(s->client, session_ep_name[ep],
		    NULL, 0, &j->plain[ep], NULL);
		j->calls++;
		if (j->r[ep] == 0 && (j->r[ep] = ep == EP_SECRETS ?
		    open_secrets(j, s->client->app_key) :
		    answer_new(&j->ans[ep], j->plain[ep].d, j->plain[ep].len,
		    0)) != 0) {
			(void)ksm__err(j->r[ep], "Keeper's %s answer could not "
			    "be read", session_ep_name[ep]);
		}
		if (j->r[ep] != 0) {
			j->err[ep] = *ksm_error_last();
			if (j->r[ep] == KSM_ETHROTTLED)
				break;	/* the next call would be throttled too */
		}
	}
	for (ep = 0; ep < EP_N; ep++)
		ksmx_buf_clear(&j->plain[ep]);
	if (j->recs != NULL && j->r[EP_SECRETS] == 0)	/* they changed */
		for (ep = 0; ep < SESSION_MAX_WATCHERS &&
		    s->o.changed[ep].fn != NULL; ep++)
			if (s->o.changed[ep].prepare != NULL)
				s->o.changed[ep].prepare(s->o.changed[ep].ctx,
				    j->recs, s->client);
	session_files_run(s, j);	/* the files clients asked for */
}

static void *
worker(void *arg)
{
	struct session *s = arg;
	uint64_t one = 1;

	run_job(s, &s->job);
	while (write(s->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	return NULL;
}

static void
slot_failed(struct slot *sl, int r, const ksm_error *e)
{
	sl->err = r;
	(void)snprintf(sl->msg, sizeof(sl->msg), "%s", e->message);
	(void)snprintf(sl->hint, sizeof(sl->hint), "%s", e->hint);
	/* the device was removed or refused: forget what it was shown */
	if (r == KSM_EACCESS || r == KSM_ETOKEN) {
		answer_free(sl->ans);
		sl->ans = NULL;
	}
}

/* The loop's side of a job: install the answers, count the calls. */
static void
finish_job(struct session *s, struct job *j)
{
	long long now = agent_now_ms();
	int ep, r;

	for (ep = 0; ep < EP_N; ep++) {
		struct slot *sl = &s->slot[ep];

		if (!j->want[ep])
			continue;
		sl->attempt_ms = now;
		sl->want = 0;
		if ((r = j->r[ep]) == 0) {
			if (!(ep == EP_SECRETS && j->same)) {
				answer_free(sl->ans);
				sl->ans = j->ans[ep];
				j->ans[ep] = NULL;
			}
			sl->fetched_ms = now;
			sl->invalid = 0;
			sl->err = 0;
		} else
			slot_failed(sl, r, &j->err[ep]);
		if (r == KSM_ETHROTTLED)
			s->throttled++;
	}
	/* Keeper's count restarts after a pause (downloads are no calls) */
	if (j->calls > 0) {
		if (s->last_call_ms == 0 || j->start_ms - s->last_call_ms >=
		    (long long)s->o.pause_ms)
			s->burst = 0;
		s->burst += j->calls;
		s->calls += j->calls;
		s->last_call_ms = now;
	}
	if ((j->want[EP_SECRETS] && j->r[EP_SECRETS] == KSM_ETHROTTLED) ||
	    (j->want[EP_FOLDERS] && j->r[EP_FOLDERS] == KSM_ETHROTTLED))
		s->burst = s->o.burst;	/* throttled: a full pause first */
	if (j->recs != NULL && j->r[EP_SECRETS] == 0) {	/* they changed */
		s->recs_hash = j->recs_hash;
		for (ep = 0; ep < SESSION_MAX_WATCHERS &&
		    s->o.changed[ep].fn != NULL; ep++)
			if (s->o.changed[ep].fn(s->o.changed[ep].ctx,
			    j->recs) != 0)
				s->recs_hash = 0;	/* hand them over again */
	}
	ksm_records_free(j->recs);
#ifdef __GLIBC__
	/*
	 * A fetch of every record builds megabytes that are all freed by now
	 * (Keeper's answer, the decrypted set, the opened text); give them
	 * back rather than keep a resident process at its peak (10,000
	 * records: 38 MiB steady without this, 18 MiB with it).
	 */
	(void)malloc_trim(0);
#endif
	for (ep = 0; ep < EP_N; ep++)
		answer_free(j->ans[ep]);	/* not installed: none, normally */
	session_files_finish(s, j);
	memset(j, 0, sizeof(*j));
	if (s->on_fetched != NULL)
		s->on_fetched(s->on_fetched_ctx);
}

/* A new job for want (none may be in flight). */
static void
job_begin(struct session *s, const int want[EP_N], long long now)
{
	memset(&s->job, 0, sizeof(s->job));
	memcpy(s->job.want, want, sizeof(s->job.want));
	s->job.start_ms = now;
	/* read here, on the loop: the worker must not look at the slots */
	s->job.prev_hash = s->slot[EP_SECRETS].ans != NULL ? s->recs_hash : 0;
	session_files_begin(s, &s->job);
}

void
session_start_job(struct session *s, const int want[EP_N], long long now)
{
	job_begin(s, want, now);
	if (pthread_create(&s->thr, NULL, worker, s) != 0) {
		/* no thread: fetch here, the loop waits this once */
		run_job(s, &s->job);
		finish_job(s, &s->job);
		return;
	}
	s->busy = 1;
}

void
session_join_job(struct session *s)
{
	uint64_t v;

	if (!s->busy)
		return;
	pthread_join(s->thr, NULL);
	s->busy = 0;
	(void)read(s->efd, &v, sizeof(v));
	finish_job(s, &s->job);
}

void
session_fetched(struct session *s)
{
	session_join_job(s);
}

int
session_sync_fetch(struct session *s, const int want[EP_N])
{
	int ep;

	session_join_job(s);
	job_begin(s, want, agent_now_ms());
	run_job(s, &s->job);
	finish_job(s, &s->job);
	for (ep = 0; ep < EP_N; ep++)
		if (want[ep] && s->slot[ep].err != 0) {
			(void)ksm__err(s->slot[ep].err, "%s", s->slot[ep].msg);
			if (s->slot[ep].hint[0] != '\0')
				ksm__err_hint("%s", s->slot[ep].hint);
			return s->slot[ep].err;
		}
	return 0;
}
