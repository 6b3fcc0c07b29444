#include "config.h"

/*
 * Attachments through the resident session (docs/agent-protocol.md,
 * "download"): a client that got a record from the agent asks for one of
 * its files by file UID; the agent downloads it once on its worker thread
 * (waiting requests for the same file share the download), keeps it in
 * locked, non-dumpable memory, and answers it in the clear, so the client
 * loads neither libcurl nor a cipher for it either.
 *
 * An attachment is served only while a record of the session's current
 * get_secret answer lists it (a record unshared, a file removed: no
 * longer served), and kept by file UID, since Keeper gives new content a
 * new file UID.  At most SESSION_FILES are held, SESSION_FILES_BYTES in
 * all; the least recently served go first.  Whatever the agent cannot do
 * (no records held, a file it does not know, one too large for its
 * answers, a failed download) it declines, and the client downloads the
 * file itself as it would without an agent.  Downloads go to the file's
 * signed URL, not to the Keeper API: the throttle guard does not count
 * them.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "client-int.h"
#include "agent-msg.h"
#include "agent-log.h"
#include "agent-session-int.h"
#include "secrets-answer.h"

/* The largest attachment that fits an answer frame. */
#define FILE_MAX	(KSM_AGENT_MAX_REPLY - 4096u)

static struct held_file *
held_find(struct session *s, const char *uid)
{
	size_t i;

	for (i = 0; i < SESSION_FILES; i++)
		if (s->files[i].uid[0] != '\0' &&
		    strcmp(s->files[i].uid, uid) == 0)
			return &s->files[i];
	return NULL;
}

static void
held_drop(struct held_file *h)
{
	answer_free(h->bytes);
	memset(h, 0, sizeof(*h));
}

static size_t
held_bytes(const struct session *s)
{
	size_t i, n = 0;

	for (i = 0; i < SESSION_FILES; i++)
		if (s->files[i].bytes != NULL)
			n += answer_len(s->files[i].bytes);
	return n;
}

/* The least recently served entry no request waits on, or NULL. */
static struct held_file *
held_lru(struct session *s, int with_bytes)
{
	struct held_file *h, *best = NULL;
	size_t i;

	for (i = 0; i < SESSION_FILES; i++) {
		h = &s->files[i];
		if (h->uid[0] == '\0' || h->want || h->in_job ||
		    (with_bytes && h->bytes == NULL))
			continue;
		if (best == NULL || h->used_ms < best->used_ms)
			best = h;
	}
	return best;
}

/* A slot for a new attachment, making room (bytes and count) first. */
static struct held_file *
held_take(struct session *s)
{
	struct held_file *h;
	size_t i;

	while (held_bytes(s) >= SESSION_FILES_BYTES &&
	    (h = held_lru(s, 1)) != NULL)
		held_drop(h);
	for (i = 0; i < SESSION_FILES; i++)
		if (s->files[i].uid[0] == '\0')
			return &s->files[i];
	if ((h = held_lru(s, 0)) != NULL)
		held_drop(h);
	return h;
}

static int decline(const char **how, struct ksmx_buf *out, const char *fmt,
    ...) KSM_PRINTF(3, 4);

/* Not served here: the client downloads the file itself. */
static int
decline(const char **how, struct ksmx_buf *out, const char *fmt, ...)
{
	char reason[KSM_AGENT_MAX_TEXT + 1];
	va_list ap;

	*how = "declined";
	va_start(ap, fmt);
	(void)vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return ksm_agent_put_decline(out, reason);
}

int
session_serve_file(struct session *s, const struct ksm_agent_request *rq,
    long long since_ms, struct ksmx_buf *out, const char **how)
{
	const struct slot *sl = &s->slot[EP_SECRETS];
	long long now = agent_now_ms();
	struct held_file *h;
	char rec[ANSWER_MAX_UID + 1] = "";
	const char *uid;
	int r;

	if (rq->n_uids != 1 || strlen(rq->uids[0]) > ANSWER_MAX_UID)
		return decline(how, out, "download takes one file UID");
	uid = rq->uids[0];
	if (sl->ans == NULL || sl->invalid)
		return decline(how, out, "keeper-agent holds no current "
		    "records to download '%s' from", uid);
	if ((h = held_find(s, uid)) != NULL)
		memcpy(rec, h->rec, sizeof(rec));
	if (answer_file_record(sl->ans, uid, rec) != 0) {
		if (h != NULL && !h->want && !h->in_job)
			held_drop(h);	/* no record lists it any more */
		return decline(how, out, "no record keeper-agent holds lists "
		    "the file '%s'", uid);
	}
	if (h != NULL && h->bytes != NULL) {
		h->used_ms = now;
		memcpy(h->rec, rec, sizeof(rec));
		if ((r = ksm_agent_put_answer(out, KSM_AGENT_FRESH,
		    (uint64_t)(now - h->got_ms), KSM_AGENT_FORM_FILE,
		    answer_text(h->bytes), answer_len(h->bytes))) != 0)
			return r == KSM_ETOOBIG ? decline(how, out, "the file "
			    "'%s' is too large for keeper-agent's answers",
			    uid) : r;
		s->served++;
		*how = "fresh";
		return 0;
	}
	if (h != NULL && !h->want && !h->in_job && h->err != 0 &&
	    h->attempt_ms >= since_ms)
		return decline(how, out, "keeper-agent could not download "
		    "'%s': %s", uid, h->msg);
	if (h == NULL) {
		if ((h = held_take(s)) == NULL)
			return decline(how, out, "keeper-agent is downloading "
			    "as many files as it holds; '%s' not asked", uid);
		memcpy(h->uid, uid, strlen(uid) + 1);
	}
	memcpy(h->rec, rec, sizeof(rec));
	h->used_ms = now;
	if (!h->in_job)
		h->want = 1;
	s->waits++;
	return SESSION_WAIT;
}

int
session_files_wanted(const struct session *s)
{
	size_t i;

	for (i = 0; i < SESSION_FILES; i++)
		if (s->files[i].want && !s->files[i].in_job)
			return 1;
	return 0;
}

void
session_files_begin(struct session *s, struct job *j)
{
	const struct answer *ans = s->slot[EP_SECRETS].ans;
	const char *rec[1];
	struct job_file *jf;
	struct held_file *h;
	size_t i, missing;
	int r;

	for (i = 0; i < SESSION_FILES; i++) {
		h = &s->files[i];
		if (!h->want || h->in_job)
			continue;
		h->want = 0;
		h->in_job = 1;
		jf = &j->dl[j->n_dl++];
		memcpy(jf->uid, h->uid, sizeof(jf->uid));
		jf->rec = (struct ksmx_buf)KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
		rec[0] = h->rec;
		/* the record, as an answer of its own: the worker opens it */
		if (ans == NULL)
			r = KSM_ENOTFOUND;
		else if ((r = answer_compose(ans, rec, 1, &jf->rec,
		    &missing)) == 0 && missing != 0)
			r = KSM_ENOTFOUND;
		if (r != 0) {
			jf->r = r;
			(void)snprintf(jf->msg, sizeof(jf->msg), "the record "
			    "'%s' is no longer held", h->rec);
		}
	}
}

/* The file uid of a set's records, or NULL. */
static const ksm_file *
file_in(const ksm_records *set, const char *uid)
{
	const ksm_record *rec;
	const ksm_file *f;
	size_t i, k;

	for (i = 0; i < ksm_records_count(set); i++) {
		rec = ksm_records_at(set, i);
		for (k = 0; k < ksm_record_file_count(rec); k++) {
			f = ksm_record_file_at(rec, k);
			if (ksm_file_uid(f) != NULL &&
			    strcmp(ksm_file_uid(f), uid) == 0)
				return f;
		}
	}
	return NULL;
}

static int
download_one(struct session *s, struct job_file *jf)
{
	ksm_records *set = NULL;
	const ksm_file *f;
	unsigned char *b = NULL;
	size_t n = 0;
	int r;

	if ((r = ksm_records__from_opened(&set, &jf->rec)) != 0)
		goto out;
	if ((f = file_in(set, jf->uid)) == NULL) {
		r = ksm__err(KSM_ENOTFOUND, "the record lists no file '%s'",
		    jf->uid);
		goto out;
	}
	if (ksm_file_size(f) > FILE_MAX) {
		r = ksm__err(KSM_ETOOBIG, "it is larger than keeper-agent's "
		    "answers (%u bytes)", FILE_MAX);
		goto out;
	}
	if ((r = ksm_client_download_file(&b, &n, s->client, f)) == 0 &&
	    (n > FILE_MAX || (r = answer_new(&jf->bytes, n > 0 ? b :
	    (unsigned char *)"", n, 0)) != 0))
		r = ksm__err(n > FILE_MAX ? KSM_ETOOBIG : r, "cannot hold "
		    "%zu bytes", n);
	ksm_bytes_free(b, n);
out:
	ksm_records_free(set);
	return r;
}

void
session_files_run(struct session *s, struct job *j)
{
	struct job_file *jf;
	size_t i;

	for (i = 0; i < j->n_dl; i++) {
		jf = &j->dl[i];
		if (jf->r == 0 && (jf->r = download_one(s, jf)) != 0)
			(void)snprintf(jf->msg, sizeof(jf->msg), "%s",
			    ksm_error_last()->message);
		ksmx_buf_clear(&jf->rec);
	}
}

void
session_files_finish(struct session *s, struct job *j)
{
	long long now = agent_now_ms();
	struct job_file *jf;
	struct held_file *h;
	size_t i;

	for (i = 0; i < j->n_dl; i++) {
		jf = &j->dl[i];
		ksmx_buf_clear(&jf->rec);
		if ((h = held_find(s, jf->uid)) == NULL) {
			answer_free(jf->bytes);	/* dropped meanwhile */
			continue;
		}
		h->in_job = 0;
		h->attempt_ms = now;
		h->err = jf->r;
		(void)snprintf(h->msg, sizeof(h->msg), "%s", jf->msg);
		if (jf->r == 0) {
			answer_free(h->bytes);
			h->bytes = jf->bytes;
			h->got_ms = now;
			agent_debug("downloaded file %s (%zu bytes)", h->uid,
			    answer_len(h->bytes));
		} else
			agent_log("file %s not downloaded: %s", h->uid,
			    h->msg);
		jf->bytes = NULL;
	}
	j->n_dl = 0;
}

void
session_files_clear(struct session *s)
{
	size_t i;

	for (i = 0; i < SESSION_FILES; i++)
		if (s->files[i].uid[0] != '\0' && !s->files[i].in_job)
			held_drop(&s->files[i]);
}

size_t
session_files_held(const struct session *s)
{
	size_t i, n = 0;

	for (i = 0; i < SESSION_FILES; i++)
		n += s->files[i].bytes != NULL;
	return n;
}
