#include "config.h"

/*
 * Messages of the resident session's protocol (agent-msg.h).  Every field
 * read from the other end is bounded before it is used; a short, long or
 * trailing-garbage message is KSM_EPROTO, never a partial result.
 */

#include <stdlib.h>
#include <string.h>

#include "agent-msg.h"
#include "util/wire.h"

long
ksm_agent_frame(const uint8_t *p, size_t len, size_t max)
{
	uint32_t n;

	if (len < 4)
		return 0;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	if (n < 2)
		return KSM_EPROTO;
	if (n > max)
		return KSM_ETOOBIG;
	return len - 4 >= n ? (long)n + 4 : 0;
}

/* Start a frame: length placeholder, version, type; *at is where it began. */
static int
frame_begin(struct ksmx_buf *out, uint8_t type, size_t *at)
{
	int r;

	*at = out->len;
	if ((r = ksmx_put_u32(out, 0)) != 0 ||
	    (r = ksmx_buf_putc(out, KSM_AGENT_VERSION)) != 0)
		return r;
	return ksmx_buf_putc(out, type);
}

/* Patch the frame's length in, or drop the frame on an earlier error. */
static int
frame_end(struct ksmx_buf *out, size_t at, int r)
{
	size_t n;

	if (r != 0) {
		ksmx_wipe(out->d + at, out->len - at);
		out->len = at;
		return r;
	}
	n = out->len - at - 4;
	if (n > UINT32_MAX)
		return KSM_ETOOBIG;
	out->d[at] = (uint8_t)(n >> 24);
	out->d[at + 1] = (uint8_t)(n >> 16);
	out->d[at + 2] = (uint8_t)(n >> 8);
	out->d[at + 3] = (uint8_t)n;
	return 0;
}

int
ksm_agent_put_request(struct ksmx_buf *out, uint8_t type, const char *tag,
    const char *endpoint, const char *const *uids, size_t n_uids)
{
	size_t at, i;
	int r;

	/* nothing the other end would refuse: the parser's bounds */
	if (n_uids > KSM_AGENT_MAX_UIDS || (type != KSM_AGENT_STATUS &&
	    strlen(tag) > KSM_AGENT_MAX_NAME) || (type == KSM_AGENT_GET &&
	    strlen(endpoint) > KSM_AGENT_MAX_NAME))
		return KSM_ETOOBIG;
	if ((r = frame_begin(out, type, &at)) == 0 && type != KSM_AGENT_STATUS) {
		r = ksmx_put_cstring(out, tag);
		if (r == 0 && type == KSM_AGENT_GET)
			r = ksmx_put_cstring(out, endpoint);
		if (r == 0)
			r = ksmx_put_u32(out, (uint32_t)n_uids);
		for (i = 0; r == 0 && i < n_uids; i++)
			r = strlen(uids[i]) > KSM_AGENT_MAX_NAME ? KSM_ETOOBIG :
			    ksmx_put_cstring(out, uids[i]);
	}
	return frame_end(out, at, r);
}

/* A string field of at most max bytes, no NUL inside, into dst. */
static int
rd_text(struct ksmx_rd *rd, char *dst, size_t max)
{
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = ksmx_rd_string(rd, &p, &n, max)) != 0)
		return r;
	if (memchr(p, '\0', n) != NULL)
		return KSM_EPROTO;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

/* Version and type; *type is the message's. */
static int
rd_head(struct ksmx_rd *rd, uint8_t *type)
{
	uint8_t v;
	int r;

	if ((r = ksmx_rd_u8(rd, &v)) != 0 || (r = ksmx_rd_u8(rd, type)) != 0)
		return r;
	return v == KSM_AGENT_VERSION ? 0 : KSM_EVERSION;
}

void
ksm_agent_request_free(struct ksm_agent_request *rq)
{
	size_t i;

	if (rq->uids != NULL)
		for (i = 0; i < rq->n_uids; i++)
			free(rq->uids[i]);
	free(rq->uids);
	memset(rq, 0, sizeof(*rq));
}

static int
rd_uids(struct ksmx_rd *rd, struct ksm_agent_request *rq)
{
	char name[KSM_AGENT_MAX_NAME + 1];
	uint32_t n;
	int r;

	if ((r = ksmx_rd_u32(rd, &n)) != 0)
		return r;
	if (n > KSM_AGENT_MAX_UIDS)
		return KSM_ETOOBIG;
	/* each UID takes at least its 4-byte length: no huge calloc */
	if ((size_t)n > rd->len / 4)
		return KSM_EPROTO;
	if (n > 0 && (rq->uids = calloc(n, sizeof(*rq->uids))) == NULL)
		return KSM_ENOMEM;
	while (rq->n_uids < n) {
		if ((r = rd_text(rd, name, KSM_AGENT_MAX_NAME)) != 0)
			return r;
		if (name[0] == '\0')
			return KSM_EPROTO;
		if ((rq->uids[rq->n_uids] = strdup(name)) == NULL)
			return KSM_ENOMEM;
		rq->n_uids++;
	}
	return 0;
}

int
ksm_agent_parse_request(struct ksm_agent_request *rq, const uint8_t *msg,
    size_t len)
{
	struct ksmx_rd rd = { msg, len };
	int r;

	memset(rq, 0, sizeof(*rq));
	if ((r = rd_head(&rd, &rq->type)) != 0)
		goto out;
	switch (rq->type) {
	case KSM_AGENT_GET:
	case KSM_AGENT_INVALIDATE:
		if ((r = rd_text(&rd, rq->tag, KSM_AGENT_MAX_NAME)) == 0 &&
		    rq->type == KSM_AGENT_GET)
			r = rd_text(&rd, rq->endpoint, KSM_AGENT_MAX_NAME);
		if (r == 0)
			r = rd_uids(&rd, rq);
		break;
	case KSM_AGENT_STATUS:
		r = 0;
		break;
	default:
		r = KSM_EPROTO;
	}
	if (r == 0)
		r = ksmx_rd_end(&rd);
out:
	if (r != 0) {
		uint8_t type = rq->type;

		ksm_agent_request_free(rq);
		rq->type = type;	/* a reply may still name it */
	}
	return r;
}

/* The body's length field: after the header, freshness, age and form. */
#define ANSWER_BODY_AT	(4 + 2 + 1 + 8 + 1)

int
ksm_agent_answer_begin(struct ksmx_buf *out, uint8_t freshness,
    uint64_t age_ms, uint8_t form, size_t *at)
{
	int r;

	if ((r = frame_begin(out, KSM_AGENT_ANSWER, at)) == 0 &&
	    (r = ksmx_buf_putc(out, freshness)) == 0 &&
	    (r = ksmx_put_u64(out, age_ms)) == 0 &&
	    (r = ksmx_buf_putc(out, form)) == 0)
		r = ksmx_put_u32(out, 0);	/* the body's length, at end */
	return r != 0 ? frame_end(out, *at, r) : 0;
}

int
ksm_agent_answer_end(struct ksmx_buf *out, size_t at, int r)
{
	size_t n;
	uint8_t *p;

	if (r == 0) {
		n = out->len - at - ANSWER_BODY_AT - 4;
		if (n > KSM_AGENT_MAX_REPLY - 4096u)
			r = KSM_ETOOBIG;
		else {
			p = out->d + at + ANSWER_BODY_AT;
			p[0] = (uint8_t)(n >> 24);
			p[1] = (uint8_t)(n >> 16);
			p[2] = (uint8_t)(n >> 8);
			p[3] = (uint8_t)n;
		}
	}
	return frame_end(out, at, r);
}

int
ksm_agent_put_answer(struct ksmx_buf *out, uint8_t freshness,
    uint64_t age_ms, uint8_t form, const void *body, size_t len)
{
	size_t at;
	int r;

	if ((r = ksm_agent_answer_begin(out, freshness, age_ms, form,
	    &at)) != 0)
		return r;
	return ksm_agent_answer_end(out, at, ksmx_buf_put(out, body, len));
}

/* s cut to the protocol's bound (a message is one line). */
static int
put_text(struct ksmx_buf *out, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return ksmx_put_string(out, s, n > KSM_AGENT_MAX_TEXT ?
	    KSM_AGENT_MAX_TEXT : n);
}

int
ksm_agent_put_error(struct ksmx_buf *out, int code, const char *message,
    const char *hint)
{
	size_t at;
	int r;

	if ((r = frame_begin(out, KSM_AGENT_ERROR, &at)) == 0 &&
	    (r = ksmx_put_u32(out, (uint32_t)-code)) == 0 &&
	    (r = put_text(out, message)) == 0)
		r = put_text(out, hint);
	return frame_end(out, at, r);
}

int
ksm_agent_put_decline(struct ksmx_buf *out, const char *reason)
{
	size_t at;
	int r;

	if ((r = frame_begin(out, KSM_AGENT_DECLINE, &at)) == 0)
		r = put_text(out, reason);
	return frame_end(out, at, r);
}

int
ksm_agent_put_done(struct ksmx_buf *out)
{
	size_t at;
	int r = frame_begin(out, KSM_AGENT_DONE, &at);

	return frame_end(out, at, r);
}

int
ksm_agent_put_status(struct ksmx_buf *out, const char *json)
{
	size_t at;
	int r;

	if ((r = frame_begin(out, KSM_AGENT_STATUS_REPLY, &at)) == 0)
		r = ksmx_put_cstring(out, json);
	return frame_end(out, at, r);
}

int
ksm_agent_parse_reply(struct ksm_agent_reply *rp, const uint8_t *msg,
    size_t len)
{
	struct ksmx_rd rd = { msg, len };
	uint32_t code;
	int r;

	memset(rp, 0, sizeof(*rp));
	if ((r = rd_head(&rd, &rp->type)) != 0)
		return r;
	switch (rp->type) {
	case KSM_AGENT_ANSWER:
		if ((r = ksmx_rd_u8(&rd, &rp->freshness)) == 0 &&
		    (r = ksmx_rd_u64(&rd, &rp->age_ms)) == 0 &&
		    (r = ksmx_rd_u8(&rd, &rp->form)) == 0)
			r = ksmx_rd_string(&rd, &rp->body, &rp->body_len,
			    KSM_AGENT_MAX_REPLY);
		if (r == 0 && ((rp->freshness != KSM_AGENT_FRESH &&
		    rp->freshness != KSM_AGENT_STALE) ||
		    (rp->form != KSM_AGENT_FORM_KEEPER &&
		    rp->form != KSM_AGENT_FORM_OPENED &&
		    rp->form != KSM_AGENT_FORM_FILE)))
			r = KSM_EPROTO;
		break;
	case KSM_AGENT_ERROR:
		if ((r = ksmx_rd_u32(&rd, &code)) == 0 &&
		    (r = rd_text(&rd, rp->message, KSM_AGENT_MAX_TEXT)) == 0)
			r = rd_text(&rd, rp->hint, KSM_AGENT_MAX_TEXT);
		/* only codes this library knows; an error is never success */
		if (r == 0 && (code == 0 || code > (uint32_t)-KSM_CODE_LAST))
			r = KSM_EPROTO;
		if (r == 0)
			rp->code = -(int)code;
		break;
	case KSM_AGENT_DECLINE:
		r = rd_text(&rd, rp->message, KSM_AGENT_MAX_TEXT);
		break;
	case KSM_AGENT_DONE:
		break;
	case KSM_AGENT_STATUS_REPLY:
		/* JSON text: what ksm_agent_put_status can send, no NUL */
		r = ksmx_rd_string(&rd, &rp->body, &rp->body_len,
		    KSM_AGENT_MAX_REQUEST);
		if (r == 0 && memchr(rp->body, '\0', rp->body_len) != NULL)
			r = KSM_EPROTO;
		break;
	default:
		r = KSM_EPROTO;
	}
	if (r == 0)
		r = ksmx_rd_end(&rd);
	return r;
}
