#include "config.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ksm-int.h"
#include "client-int.h"
#include "cache.h"
#include "json.h"
#include "agent-msg.h"
#include "agent-log.h"
#include "agent-session.h"
#include "secrets-answer.h"
#include "util/fnv.h"

enum { EP_SECRETS, EP_FOLDERS, EP_N };
static const char *const ep_name[EP_N] = { "get_secret", "get_folders" };

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

/* One fetch, filled in by the worker thread. */
struct job {
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

static int
ep_index(const char *endpoint)
{
	int i;

	for (i = 0; i < EP_N; i++)
		if (strcmp(endpoint, ep_name[i]) == 0)
			return i;
	return -1;
}

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
		j->r[ep] = ksm_client__fetch(s->client, ep_name[ep], NULL, 0,
		    &j->plain[ep], NULL);
		j->calls++;
		if (j->r[ep] == 0 && (j->r[ep] = ep == EP_SECRETS ?
		    open_secrets(j, s->client->app_key) :
		    answer_new(&j->ans[ep], j->plain[ep].d, j->plain[ep].len,
		    0)) != 0) {
			(void)ksm__err(j->r[ep], "Keeper's %s answer could not "
			    "be read", ep_name[ep]);
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
	/* Keeper's count restarts after a pause */
	if (s->last_call_ms == 0 ||
	    j->start_ms - s->last_call_ms >= (long long)s->o.pause_ms)
		s->burst = 0;
	s->burst += j->calls;
	s->calls += j->calls;
	s->last_call_ms = now;
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
}

static void
start_job(struct session *s, const int want[EP_N], long long now)
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

/* Wait for the job in flight, if any, and install it. */
static void
join_job(struct session *s)
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
	join_job(s);
}

static int
sync_fetch(struct session *s, const int want[EP_N])
{
	int ep;

	join_job(s);
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

int
session_open(struct session **out, const struct session_opts *o)
{
	ksm_client_options copts = KSM_CLIENT_OPTIONS_INIT;
	struct session *s;
	int want[EP_N] = { 1, 0 };
	int r;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	s->o = *o;
	s->efd = -1;
	copts.config_path = o->config;
	/* its answers live here, in memory: never the disk cache or itself */
	copts.flags = KSM_CLIENT_NO_CACHE | KSM_CLIENT_NO_AGENT |
	    KSM_CLIENT_NO_THROTTLE_RETRY;
	if ((r = ksm_client_new(&s->client, &copts)) != 0)
		goto fail;
	ksm_agent__identity(s->client, s->tag);
	if ((s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		r = ksm__err_errno(KSM_EIO, "eventfd");
		goto fail;
	}
	/*
	 * Keeper out of reach at start (offline at login, throttled, a
	 * failing server): run anyway and keep trying (session_tick), as a
	 * refresh would; clients get the error meanwhile.  A refusal (device
	 * removed, bad config) is the user's to fix: fail.
	 */
	if ((r = sync_fetch(s, want)) != 0 && !ksm_cache__stale_ok(r))
		goto fail;
	*out = s;
	return 0;
fail:
	session_free(s);
	return r;
}

void
session_free(struct session *s)
{
	int ep;

	if (s == NULL)
		return;
	join_job(s);
	for (ep = 0; ep < EP_N; ep++)
		answer_free(s->slot[ep].ans);
	if (s->efd >= 0)
		close(s->efd);
	ksm_client_free(s->client);
	free(s);
}

const char *
session_failing(const struct session *s)
{
	const struct slot *sl = &s->slot[EP_SECRETS];

	return sl->ans == NULL && sl->err != 0 ? sl->msg : NULL;
}

const char *
session_tag(const struct session *s)
{
	return s->tag;
}

int
session_fd(const struct session *s)
{
	return s->efd;
}

void
session_on_fetched(struct session *s, void (*fn)(void *ctx), void *ctx)
{
	s->on_fetched = fn;
	s->on_fetched_ctx = ctx;
}

int
session_reload(struct session *s)
{
	int want[EP_N];
	int ep;

	join_job(s);
	for (ep = 0; ep < EP_N; ep++) {
		want[ep] = ep == EP_SECRETS || s->slot[ep].ans != NULL;
		answer_free(s->slot[ep].ans);
		s->slot[ep].ans = NULL;
	}
	s->recs_hash = 0;	/* the SSH side reloads too */
	return sync_fetch(s, want);
}

void
session_touch(struct session *s)
{
	s->slot[EP_SECRETS].used_ms = agent_now_ms();
}

void
session_invalidate(struct session *s)
{
	int ep;

	for (ep = 0; ep < EP_N; ep++)
		s->slot[ep].invalid = 1;
}

/* Earliest time a call may start: after a pause when the budget is spent. */
static long long
guard_ready(const struct session *s, long long now)
{
	long long pause_end = s->last_call_ms + s->o.pause_ms + 500;

	if (s->last_call_ms == 0 || s->burst < s->o.burst || now >= pause_end)
		return now;
	return pause_end;
}

static long long
earlier(long long a, long long b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* In use: asked for within the last ten periods (at least 15 minutes). */
static int
in_use(const struct session *s, const struct slot *sl, long long now)
{
	long long idle = 10LL * s->o.refresh_ms;

	if (s->o.keep_fresh && sl == &s->slot[EP_SECRETS])
		return 1;
	if (idle < 15 * 60 * 1000)
		idle = 15 * 60 * 1000;
	return sl->used_ms != 0 && now - sl->used_ms < idle;
}

long long
session_tick(struct session *s, long long now)
{
	int want[EP_N] = { 0, 0 }, ep, any = 0;
	long long wake = -1, due, ready;
	long long retry = s->o.refresh_ms / 4 > s->o.pause_ms + 1000 ?
	    s->o.refresh_ms / 4 : s->o.pause_ms + 1000;

	if (s->busy)
		return -1;	/* session_fd() wakes the loop */
	for (ep = 0; ep < EP_N; ep++) {
		struct slot *sl = &s->slot[ep];

		if (sl->want) {
			want[ep] = any = 1;
			continue;
		}
		if (sl->ans == NULL) {
			/* never fetched, Keeper out of reach: keep trying */
			if (ep != EP_SECRETS || sl->err == 0 ||
			    !ksm_cache__stale_ok(sl->err))
				continue;
			due = sl->attempt_ms + retry;
		} else if (s->o.refresh_ms == 0 || !in_use(s, sl, now)) {
			continue;
		} else {
			/* before it goes stale; after a failure, not at once */
			due = sl->err ? sl->attempt_ms + retry :
			    sl->fetched_ms + s->o.refresh_ms * 3LL / 4;
		}
		if (now >= due)
			want[ep] = any = 1;
		else
			wake = earlier(wake, due);
	}
	if (!any)
		return wake;
	if ((ready = guard_ready(s, now)) > now)
		return earlier(wake, ready);
	/* one call answers for both when both are due */
	for (ep = 0; ep < EP_N; ep++)
		if (!want[ep] && s->slot[ep].ans != NULL && in_use(s,
		    &s->slot[ep], now) && s->o.refresh_ms != 0 &&
		    now - s->slot[ep].fetched_ms >= s->o.refresh_ms / 2)
			want[ep] = 1;
	start_job(s, want, now);
	return -1;
}

static int
put_answer(struct session *s, struct slot *sl, const struct
    ksm_agent_request *rq, uint8_t freshness, long long now,
    struct ksmx_buf *out, size_t *missing)
{
	size_t at;
	int r;

	/* composed straight into the frame: one copy of the records, not two */
	if ((r = ksm_agent_answer_begin(out, freshness, (uint64_t)(now -
	    sl->fetched_ms), sl == &s->slot[EP_SECRETS] ?
	    KSM_AGENT_FORM_OPENED : KSM_AGENT_FORM_KEEPER, &at)) == 0)
		r = ksm_agent_answer_end(out, at, answer_compose(sl->ans,
		    (const char *const *)rq->uids, rq->n_uids, out, missing));
	if (r == 0)
		s->served++;
	return r;
}

static int
put_failure(struct session *s, const struct slot *sl, long long now,
    struct ksmx_buf *out)
{
	char hint[KSM_ERROR_MSG_MAX];
	long long age = now - sl->fetched_ms;

	s->errors++;
	if (sl->ans != NULL && age >= (long long)s->o.max_age_ms) {
		(void)snprintf(hint, sizeof(hint), "keeper-agent's answer is "
		    "%lld s old, older than its maximum age (%u s); retry "
		    "when Keeper is reachable", age / 1000,
		    s->o.max_age_ms / 1000);
		return ksm_agent_put_error(out, sl->err ? sl->err :
		    KSM_ENETWORK, sl->err ? sl->msg : "Keeper is unreachable",
		    hint);
	}
	return ksm_agent_put_error(out, sl->err ? sl->err : KSM_ERROR,
	    sl->err ? sl->msg : "keeper-agent has no answer", sl->hint);
}

int
session_serve(struct session *s, const struct ksm_agent_request *rq,
    long long since_ms, struct ksmx_buf *out, const char **how)
{
	long long now = agent_now_ms(), age;
	struct slot *sl;
	size_t missing = 0, mark = out->len;
	int ep, attempted, fresh, r;

	*how = "declined";
	if ((ep = ep_index(rq->endpoint)) < 0)
		return ksm_agent_put_decline(out, "keeper-agent does not "
		    "serve this endpoint");
	if (strcmp(rq->tag, s->tag) != 0)
		return ksm_agent_put_decline(out, "keeper-agent serves "
		    "another config");
	if (ep == EP_FOLDERS && rq->n_uids > 0)
		return ksm_agent_put_decline(out, "get_folders takes no UIDs");
	sl = &s->slot[ep];
	sl->used_ms = now;
	attempted = sl->attempt_ms >= since_ms;
	age = now - sl->fetched_ms;
	fresh = sl->ans != NULL && !sl->invalid &&
	    (s->o.refresh_ms == 0 || age < (long long)s->o.refresh_ms);
	if (fresh) {
		if ((r = put_answer(s, sl, rq, KSM_AGENT_FRESH, now, out,
		    &missing)) != 0)
			return r;
		/* a record just shared: worth one look, not one per request */
		if (missing == 0 || attempted || age < SESSION_MISS_MS) {
			*how = "fresh";
			return 0;
		}
		ksmx_wipe(out->d + mark, out->len - mark);
		out->len = mark;
		s->served--;
	} else if (!attempted && !(sl->ans != NULL && sl->err != 0 &&
	    ksm_cache__stale_ok(sl->err) && sl->attempt_ms > sl->fetched_ms &&
	    age < (long long)s->o.max_age_ms))
		;	/* wait for a fetch */
	else if (sl->ans != NULL && age < (long long)s->o.max_age_ms &&
	    (sl->err == 0 || ksm_cache__stale_ok(sl->err))) {
		s->stale++;
		*how = "stale";
		return put_answer(s, sl, rq, KSM_AGENT_STALE, now, out,
		    &missing);
	} else {
		*how = "error";
		return put_failure(s, sl, now, out);
	}
	sl->want = 1;
	s->waits++;
	return SESSION_WAIT;
}

char *
session_status(const struct session *s)
{
	long long now = agent_now_ms();
	const struct slot *sec = &s->slot[EP_SECRETS];
	char ans[EP_N][160];
	char *out, *err = NULL;
	cJSON *e = NULL;
	int ep;

	for (ep = 0; ep < EP_N; ep++) {
		const struct slot *sl = &s->slot[ep];

		if (sl->ans == NULL)
			(void)snprintf(ans[ep], sizeof(ans[ep]), "null");
		else
			(void)snprintf(ans[ep], sizeof(ans[ep]), "{\"age_ms\":"
			    "%lld,\"bytes\":%zu,\"records\":%zu,\"failing\":"
			    "%s}", now - sl->fetched_ms, answer_len(sl->ans),
			    answer_records(sl->ans), sl->err ? "true" :
			    "false");
	}
	/* the last failure, as the client would be told (JSON-escaped) */
	if (sec->err != 0 && ((e = cJSON_CreateString(sec->msg)) == NULL ||
	    (err = ksmx_json_print(e)) == NULL)) {
		ksmx_json_free(e);
		return NULL;
	}
	ksmx_json_free(e);
	if ((out = malloc(1024 + (err != NULL ? strlen(err) : 0))) != NULL)
		(void)snprintf(out, 1024 + (err != NULL ? strlen(err) : 0),
		    "{\"pid\":%ld,\"refresh_ms\":%u,\"max_age_ms\":%u,"
		    "\"get_secret\":%s,\"get_folders\":%s,\"error\":%s,"
		    "\"calls\":%llu,\"served\":%llu,\"stale\":%llu,"
		    "\"errors\":%llu,\"waits\":%llu,\"throttled\":%llu,"
		    "\"burst\":%u}", (long)getpid(), s->o.refresh_ms,
		    s->o.max_age_ms, ans[EP_SECRETS], ans[EP_FOLDERS],
		    err != NULL ? err : "null", s->calls, s->served, s->stale,
		    s->errors, s->waits, s->throttled, s->burst);
	free(err);
	return out;
}
