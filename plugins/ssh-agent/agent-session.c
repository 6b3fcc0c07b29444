#include "config.h"

/*
 * The resident session (agent-session.h): what it holds, when it fetches
 * (session_tick: refreshes before answers go stale, retries, the throttle
 * guard), and how it serves a request from what it holds (fresh, stale
 * within the max age, or after the fetch it waits for).  The fetch
 * itself runs in agent-session-fetch.c.
 */

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
#include "agent-session-int.h"
#include "secrets-answer.h"

static int
ep_index(const char *endpoint)
{
	int i;

	for (i = 0; i < EP_N; i++)
		if (strcmp(endpoint, session_ep_name[i]) == 0)
			return i;
	return -1;
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
	if ((r = session_sync_fetch(s, want)) != 0 && !ksm_cache__stale_ok(r))
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
	session_join_job(s);
	for (ep = 0; ep < EP_N; ep++)
		answer_free(s->slot[ep].ans);
	session_files_clear(s);
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

	session_join_job(s);
	for (ep = 0; ep < EP_N; ep++) {
		want[ep] = ep == EP_SECRETS || s->slot[ep].ans != NULL;
		answer_free(s->slot[ep].ans);
		s->slot[ep].ans = NULL;
	}
	s->recs_hash = 0;	/* the SSH side reloads too */
	session_files_clear(s);
	return session_sync_fetch(s, want);
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
	int want[EP_N] = { 0, 0 }, ep, any = 0, files;
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
	files = session_files_wanted(s);
	if (!any && !files)
		return wake;
	if (any && (ready = guard_ready(s, now)) > now) {
		if (!files)
			return earlier(wake, ready);
		/* downloads now (no API calls); the calls after the pause */
		memset(want, 0, sizeof(want));
		any = 0;
	}
	/* one call answers for both when both are due */
	for (ep = 0; ep < EP_N && any; ep++)
		if (!want[ep] && s->slot[ep].ans != NULL && in_use(s,
		    &s->slot[ep], now) && s->o.refresh_ms != 0 &&
		    now - s->slot[ep].fetched_ms >= s->o.refresh_ms / 2)
			want[ep] = 1;
	session_start_job(s, want, now);
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
	if (strcmp(rq->tag, s->tag) != 0)
		return ksm_agent_put_decline(out, "keeper-agent serves "
		    "another config");
	if (strcmp(rq->endpoint, "download") == 0)
		return session_serve_file(s, rq, since_ms, out, how);
	if ((ep = ep_index(rq->endpoint)) < 0)
		return ksm_agent_put_decline(out, "keeper-agent does not "
		    "serve this endpoint");
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
		    "\"burst\":%u,\"files\":%zu}", (long)getpid(),
		    s->o.refresh_ms, s->o.max_age_ms, ans[EP_SECRETS],
		    ans[EP_FOLDERS], err != NULL ? err : "null", s->calls,
		    s->served, s->stale, s->errors, s->waits, s->throttled,
		    s->burst, session_files_held(s));
	free(err);
	return out;
}
