#include "config.h"

/*
 * The resident session's messages (core/agent-msg.c): every request and
 * reply built and parsed back, the bytes of one of each against
 * docs/agent-protocol.md, every bound on both sides, and what a hostile
 * or broken peer can send (truncated at every byte, trailing bytes, NUL
 * inside strings, unknown types and versions, codes that are no error).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "ksm-test.h"
#include "agent-msg.h"
#include "util/wire.h"

#define BIG	(KSM_AGENT_MAX_REQUEST * 2)

/* The one frame in b: its message (after the length), or NULL. */
static const uint8_t *
one_frame(const struct ksmx_buf *b, size_t *len)
{
	long n = ksm_agent_frame(b->d, b->len, KSM_AGENT_MAX_REPLY);

	if (n <= 0 || (size_t)n != b->len)
		return NULL;
	*len = b->len - 4;
	return b->d + 4;
}

/* A message (no length): version, type. */
static void
head(struct ksmx_buf *m, uint8_t version, uint8_t type)
{
	ksmx_buf_clear(m);
	ksmx_buf_putc(m, version);
	ksmx_buf_putc(m, type);
}

/* n bytes of c, NUL-terminated (static: one at a time). */
static const char *
rep(char c, size_t n)
{
	static char s[1024];

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
test_frame(void)
{
	uint8_t f[8] = { 0, 0, 0, 2, 1, 3, 9, 9 };

	T_OK(ksm_agent_frame(f, 0, 100) == 0, "empty: need more");
	T_OK(ksm_agent_frame(f, 3, 100) == 0, "three bytes: need more");
	T_OK(ksm_agent_frame(f, 5, 100) == 0, "part of the body: need more");
	T_OK(ksm_agent_frame(f, 6, 100) == 6, "whole frame: 4 + length");
	T_OK(ksm_agent_frame(f, 8, 100) == 6, "more bytes after it: one frame");
	f[3] = 1;
	T_OK(ksm_agent_frame(f, 8, 100) == KSM_EPROTO, "length 1: refused");
	f[3] = 0;
	T_OK(ksm_agent_frame(f, 8, 100) == KSM_EPROTO, "length 0: refused");
	f[3] = 100;
	T_OK(ksm_agent_frame(f, 8, 100) == 0, "length at the max: wait for it");
	f[3] = 101;
	T_OK(ksm_agent_frame(f, 8, 100) == KSM_ETOOBIG, "max + 1: too big");
	f[1] = (uint8_t)(KSM_AGENT_MAX_REQUEST >> 16);
	f[2] = (uint8_t)(KSM_AGENT_MAX_REQUEST >> 8);
	f[3] = (uint8_t)KSM_AGENT_MAX_REQUEST;	/* the request bound exactly */
	T_OK(ksm_agent_frame(f, 8, KSM_AGENT_MAX_REQUEST) == 0,
	    "a request at the bound: wait for it");
	f[3]++;
	T_OK(ksm_agent_frame(f, 8, KSM_AGENT_MAX_REQUEST) == KSM_ETOOBIG,
	    "a request of the bound + 1: too big");
	memset(f, 0xff, 4);
	T_OK(ksm_agent_frame(f, 8, KSM_AGENT_MAX_REPLY) == KSM_ETOOBIG,
	    "4 GiB announced: too big, even for a reply");
}

/* The bytes docs/agent-protocol.md gives, for one request and one reply. */
static void
test_bytes(void)
{
	static const uint8_t get[] = { 0, 0, 0, 24, 2, 1,
	    0, 0, 0, 1, 't', 0, 0, 0, 2, 'g', 's',
	    0, 0, 0, 1, 0, 0, 0, 3, 'U', 'I', 'D' };
	static const uint8_t ans[] = { 0, 0, 0, 18, 2, 0x81, 2,
	    0, 0, 0, 0, 0, 0, 0x01, 0x02, 2, 0, 0, 0, 2, '{', '}' };
	static const uint8_t err[] = { 0, 0, 0, 16, 2, 0x82, 0, 0, 0, 10,
	    0, 0, 0, 1, 'm', 0, 0, 0, 1, 'h' };
	const char *uid = "UID";
	struct ksmx_buf b = KSMX_BUF_INIT(BIG);

	T_OK(ksm_agent_put_request(&b, KSM_AGENT_GET, "t", "gs", &uid, 1) == 0 &&
	    b.len == sizeof(get) && memcmp(b.d, get, b.len) == 0,
	    "GET: the documented bytes");
	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_answer(&b, KSM_AGENT_STALE, 0x102,
	    KSM_AGENT_FORM_OPENED, "{}", 2) == 0 &&
	    b.len == sizeof(ans) && memcmp(b.d, ans, b.len) == 0,
	    "ANSWER: the documented bytes");
	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_error(&b, KSM_ETHROTTLED, "m", "h") == 0 &&
	    b.len == sizeof(err) && memcmp(b.d, err, b.len) == 0,
	    "ERROR: the code negated, then message and hint");
	ksmx_buf_clear(&b);
}

static void
test_requests(void)
{
	const char *uids[3] = { "AAAAAAAAAAAAAAAAAAAAAA", "b", NULL };
	struct ksm_agent_request rq;
	struct ksmx_buf b = KSMX_BUF_INIT(BIG);
	const uint8_t *m;
	size_t n;
	char name[KSM_AGENT_MAX_NAME + 1];

	memcpy(name, rep('u', KSM_AGENT_MAX_NAME), sizeof(name));
	uids[2] = name;		/* a UID at the bound */
	T_OK(ksm_agent_put_request(&b, KSM_AGENT_GET, "tag-1", "get_secret",
	    uids, 3) == 0 && (m = one_frame(&b, &n)) != NULL,
	    "GET: one frame");
	T_OK(ksm_agent_parse_request(&rq, m, n) == 0 &&
	    rq.type == KSM_AGENT_GET && strcmp(rq.tag, "tag-1") == 0 &&
	    strcmp(rq.endpoint, "get_secret") == 0 && rq.n_uids == 3 &&
	    strcmp(rq.uids[0], uids[0]) == 0 && strcmp(rq.uids[1], "b") == 0 &&
	    strcmp(rq.uids[2], name) == 0, "GET: tag, endpoint, three UIDs");
	ksm_agent_request_free(&rq);
	T_OK(rq.uids == NULL && rq.n_uids == 0, "request_free: emptied");
	ksm_agent_request_free(&rq);	/* twice: harmless */

	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_request(&b, KSM_AGENT_GET, "tag-1", "get_folders",
	    NULL, 0) == 0 && (m = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_request(&rq, m, n) == 0 && rq.n_uids == 0 &&
	    rq.uids == NULL && strcmp(rq.endpoint, "get_folders") == 0,
	    "GET without UIDs (everything)");
	ksm_agent_request_free(&rq);

	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_request(&b, KSM_AGENT_INVALIDATE, "tag-2",
	    "ignored", uids, 2) == 0 && (m = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_request(&rq, m, n) == 0 &&
	    rq.type == KSM_AGENT_INVALIDATE && strcmp(rq.tag, "tag-2") == 0 &&
	    rq.endpoint[0] == '\0' && rq.n_uids == 2 &&
	    strcmp(rq.uids[1], "b") == 0,
	    "INVALIDATE: tag and UIDs, no endpoint on the wire");
	ksm_agent_request_free(&rq);

	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_request(&b, KSM_AGENT_INVALIDATE, "", NULL, NULL,
	    0) == 0 && (m = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_request(&rq, m, n) == 0 && rq.n_uids == 0 &&
	    rq.tag[0] == '\0', "INVALIDATE everything, empty tag");
	ksm_agent_request_free(&rq);

	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_request(&b, KSM_AGENT_STATUS, "x", "y", uids,
	    3) == 0 && (m = one_frame(&b, &n)) != NULL && n == 2 &&
	    ksm_agent_parse_request(&rq, m, n) == 0 &&
	    rq.type == KSM_AGENT_STATUS && rq.tag[0] == '\0' &&
	    rq.n_uids == 0, "STATUS: version and type only");
	ksm_agent_request_free(&rq);

	/* two frames appended to one buffer */
	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_request(&b, KSM_AGENT_STATUS, NULL, NULL, NULL,
	    0) == 0 && ksm_agent_put_request(&b, KSM_AGENT_GET, "t", "e",
	    uids, 1) == 0 && ksm_agent_frame(b.d, b.len, 100) == 6 &&
	    ksm_agent_frame(b.d + 6, b.len - 6, 100) == (long)b.len - 6,
	    "two requests appended: two frames");
	ksmx_buf_clear(&b);
}

static void
test_replies(void)
{
	static const uint8_t body[] = { '{', 0, 0xff, '}', '\n' };
	struct ksm_agent_reply rp;
	struct ksmx_buf b = KSMX_BUF_INIT(BIG);
	const uint8_t *m;
	size_t n;
	int c, ok = 1;

	T_OK(ksm_agent_put_answer(&b, KSM_AGENT_FRESH, 0x0123456789abcdefULL,
	    KSM_AGENT_FORM_KEEPER, body, sizeof(body)) == 0 &&
	    (m = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_reply(&rp, m, n) == 0 &&
	    rp.type == KSM_AGENT_ANSWER && rp.freshness == KSM_AGENT_FRESH &&
	    rp.form == KSM_AGENT_FORM_KEEPER &&
	    rp.age_ms == 0x0123456789abcdefULL &&
	    rp.body_len == sizeof(body) && memcmp(rp.body, body,
	    sizeof(body)) == 0 && rp.body >= m && rp.body < m + n,
	    "ANSWER fresh: 64-bit age, binary body borrowed from the frame");
	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_answer(&b, KSM_AGENT_STALE, 0,
	    KSM_AGENT_FORM_OPENED, "", 0) == 0 &&
	    (m = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_reply(&rp, m, n) == 0 &&
	    rp.freshness == KSM_AGENT_STALE &&
	    rp.form == KSM_AGENT_FORM_OPENED && rp.body_len == 0,
	    "ANSWER stale, empty body");

	for (c = KSM_ERROR; c >= KSM_CODE_LAST; c--) {
		ksmx_buf_clear(&b);
		if (ksm_agent_put_error(&b, c, "what", "do this") != 0 ||
		    (m = one_frame(&b, &n)) == NULL ||
		    ksm_agent_parse_reply(&rp, m, n) != 0 ||
		    rp.type != KSM_AGENT_ERROR || rp.code != c ||
		    strcmp(rp.message, "what") != 0 ||
		    strcmp(rp.hint, "do this") != 0)
			ok = 0;
	}
	T_OK(ok, "ERROR: every KSM_E* code from -1 to KSM_CODE_LAST");
	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_error(&b, KSM_ENETWORK, NULL, NULL) == 0 &&
	    (m = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_reply(&rp, m, n) == 0 && rp.message[0] == '\0' &&
	    rp.hint[0] == '\0', "ERROR without message or hint");

	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_decline(&b, "another config") == 0 &&
	    (m = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_reply(&rp, m, n) == 0 &&
	    rp.type == KSM_AGENT_DECLINE &&
	    strcmp(rp.message, "another config") == 0, "DECLINE: its reason");
	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_done(&b) == 0 && (m = one_frame(&b, &n)) != NULL &&
	    n == 2 && ksm_agent_parse_reply(&rp, m, n) == 0 &&
	    rp.type == KSM_AGENT_DONE, "DONE: version and type only");
	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_status(&b, "{\"pid\":42}") == 0 &&
	    (m = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_reply(&rp, m, n) == 0 &&
	    rp.type == KSM_AGENT_STATUS_REPLY && rp.body_len == 10 &&
	    memcmp(rp.body, "{\"pid\":42}", 10) == 0, "STATUS_REPLY: JSON");
	ksmx_buf_clear(&b);
}

/*
 * Every proper prefix of the message in b is refused as KSM_EPROTO (and
 * its frame is "need more"); one byte more is refused too.
 */
static int
cut_everywhere(struct ksmx_buf *b, int request)
{
	struct ksm_agent_request rq;
	struct ksm_agent_reply rp;
	const uint8_t *m;
	size_t n, k;
	int ok = 1, r;

	if ((m = one_frame(b, &n)) == NULL)
		return 0;
	for (k = 0; k < b->len; k++)
		if (ksm_agent_frame(b->d, k, KSM_AGENT_MAX_REPLY) != 0)
			ok = 0;
	for (k = 0; k < n; k++) {
		r = request ? ksm_agent_parse_request(&rq, m, k) :
		    ksm_agent_parse_reply(&rp, m, k);
		if (r != KSM_EPROTO)
			ok = 0;
		if (request && (rq.uids != NULL || rq.n_uids != 0))
			ok = 0;	/* nothing half-parsed is left */
	}
	if (ksmx_buf_putc(b, 0) != 0)
		return 0;
	m = b->d + 4;	/* may have moved */
	r = request ? ksm_agent_parse_request(&rq, m, n + 1) :
	    ksm_agent_parse_reply(&rp, m, n + 1);
	if (r != KSM_EPROTO)
		ok = 0;
	if (request && rq.uids != NULL)
		ok = 0;
	return ok;
}

static void
test_truncated(void)
{
	const char *uids[2] = { "first-uid", "second-uid" };
	struct ksmx_buf b = KSMX_BUF_INIT(BIG);

	ksm_agent_put_request(&b, KSM_AGENT_GET, "tag", "get_secret", uids, 2);
	T_OK(cut_everywhere(&b, 1), "GET: cut at every byte, or one more");
	ksmx_buf_clear(&b);
	ksm_agent_put_request(&b, KSM_AGENT_INVALIDATE, "tag", NULL, uids, 2);
	T_OK(cut_everywhere(&b, 1), "INVALIDATE: cut at every byte, or one more");
	ksmx_buf_clear(&b);
	ksm_agent_put_request(&b, KSM_AGENT_STATUS, NULL, NULL, NULL, 0);
	T_OK(cut_everywhere(&b, 1), "STATUS: cut at every byte, or one more");
	ksmx_buf_clear(&b);
	ksm_agent_put_answer(&b, KSM_AGENT_FRESH, 7, KSM_AGENT_FORM_OPENED,
	    "{\"records\":[]}", 14);
	T_OK(cut_everywhere(&b, 0), "ANSWER: cut at every byte, or one more");
	ksmx_buf_clear(&b);
	ksm_agent_put_error(&b, KSM_EACCESS, "denied", "re-bind");
	T_OK(cut_everywhere(&b, 0), "ERROR: cut at every byte, or one more");
	ksmx_buf_clear(&b);
	ksm_agent_put_decline(&b, "no");
	T_OK(cut_everywhere(&b, 0), "DECLINE: cut at every byte, or one more");
	ksmx_buf_clear(&b);
	ksm_agent_put_done(&b);
	T_OK(cut_everywhere(&b, 0), "DONE: cut at every byte, or one more");
	ksmx_buf_clear(&b);
	ksm_agent_put_status(&b, "{}");
	T_OK(cut_everywhere(&b, 0),
	    "STATUS_REPLY: cut at every byte, or one more");
	ksmx_buf_clear(&b);
}

static void
test_uid_bounds(void)
{
	const char **uids;
	struct ksm_agent_request rq;
	struct ksmx_buf b = KSMX_BUF_INIT(BIG);
	struct ksmx_buf m = KSMX_BUF_INIT(BIG);
	const uint8_t *p;
	char long_uid[KSM_AGENT_MAX_NAME + 2];
	size_t i, n, before;

	if ((uids = calloc(KSM_AGENT_MAX_UIDS + 1, sizeof(*uids))) == NULL)
		abort();
	for (i = 0; i <= KSM_AGENT_MAX_UIDS; i++)
		uids[i] = "AAAAAAAAAAAAAAAAAAAAAA";	/* a real UID's size */
	uids[KSM_AGENT_MAX_UIDS - 1] = "last";
	T_OK(ksm_agent_put_request(&b, KSM_AGENT_GET, "t", "get_secret", uids,
	    KSM_AGENT_MAX_UIDS) == 0 && (p = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_request(&rq, p, n) == 0 &&
	    rq.n_uids == KSM_AGENT_MAX_UIDS &&
	    strcmp(rq.uids[KSM_AGENT_MAX_UIDS - 1], "last") == 0,
	    "KSM_AGENT_MAX_UIDS UIDs: sent and parsed");
	ksm_agent_request_free(&rq);
	before = b.len;
	T_OK(ksm_agent_put_request(&b, KSM_AGENT_GET, "t", "get_secret", uids,
	    KSM_AGENT_MAX_UIDS + 1) == KSM_ETOOBIG && b.len == before,
	    "one UID more: KSM_ETOOBIG, nothing appended");

	/* announced by a peer */
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_GET);
	ksmx_put_cstring(&m, "t");
	ksmx_put_cstring(&m, "get_secret");
	ksmx_put_u32(&m, KSM_AGENT_MAX_UIDS + 1);
	for (i = 0; i <= KSM_AGENT_MAX_UIDS; i++)
		ksmx_put_cstring(&m, "u");
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_ETOOBIG &&
	    rq.uids == NULL && rq.type == KSM_AGENT_GET,
	    "a peer's MAX_UIDS + 1: KSM_ETOOBIG, the type still known");
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_INVALIDATE);
	ksmx_put_cstring(&m, "t");
	ksmx_put_u32(&m, 3);
	ksmx_put_cstring(&m, "u");
	ksmx_put_cstring(&m, "v");
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_EPROTO &&
	    rq.uids == NULL, "more UIDs announced than the frame holds");
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_INVALIDATE);
	ksmx_put_cstring(&m, "t");
	ksmx_put_u32(&m, 0xffffffffu);
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_ETOOBIG,
	    "4 G UIDs announced: KSM_ETOOBIG");

	/* a UID one byte over the bound */
	memcpy(long_uid, rep('x', KSM_AGENT_MAX_NAME + 1), sizeof(long_uid));
	uids[1] = long_uid;
	before = b.len;
	T_OK(ksm_agent_put_request(&b, KSM_AGENT_GET, "t", "get_secret", uids,
	    2) == KSM_ETOOBIG && b.len == before &&
	    ksm_agent_frame(b.d, b.len, KSM_AGENT_MAX_REQUEST) ==
	    (long)b.len, "a UID of MAX_NAME + 1: refused, earlier frame intact");
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_GET);
	ksmx_put_cstring(&m, "t");
	ksmx_put_cstring(&m, "get_secret");
	ksmx_put_u32(&m, 2);
	ksmx_put_cstring(&m, "ok");
	ksmx_put_cstring(&m, long_uid);
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_ETOOBIG &&
	    rq.uids == NULL && rq.n_uids == 0,
	    "a peer's UID of MAX_NAME + 1: KSM_ETOOBIG, the first one freed");
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_GET);
	ksmx_put_cstring(&m, long_uid);
	ksmx_put_cstring(&m, "get_secret");
	ksmx_put_u32(&m, 0);
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_ETOOBIG,
	    "a tag of MAX_NAME + 1: KSM_ETOOBIG");
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_GET);
	ksmx_put_cstring(&m, "t");
	ksmx_put_cstring(&m, long_uid);
	ksmx_put_u32(&m, 0);
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_ETOOBIG,
	    "an endpoint of MAX_NAME + 1: KSM_ETOOBIG");
	/* what the sender does with a long tag: never a frame taken wrongly */
	ksmx_buf_clear(&b);
	if (ksm_agent_put_request(&b, KSM_AGENT_GET, long_uid, "e", NULL,
	    0) != 0)
		T_OK(b.len == 0, "a tag of MAX_NAME + 1: not sent");
	else
		T_OK((p = one_frame(&b, &n)) != NULL &&
		    ksm_agent_parse_request(&rq, p, n) == KSM_ETOOBIG,
		    "a tag of MAX_NAME + 1: sent, refused by the agent");

	head(&m, KSM_AGENT_VERSION, KSM_AGENT_INVALIDATE);
	ksmx_put_cstring(&m, "t");
	ksmx_put_u32(&m, 1);
	ksmx_put_cstring(&m, "");
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_EPROTO,
	    "an empty UID: refused");

	/* a buffer too small for the frame: nothing of it is left */
	{
		struct ksmx_buf small = KSMX_BUF_INIT(40);

		ksm_agent_put_done(&small);
		T_OK(ksm_agent_put_request(&small, KSM_AGENT_GET, "tag",
		    "get_secret", uids + 2, 2) != 0 && small.len == 6,
		    "a frame that does not fit: dropped, the one before kept");
		ksmx_buf_clear(&small);
	}
	free(uids);
	ksmx_buf_clear(&b);
	ksmx_buf_clear(&m);
}

static void
test_nul_inside(void)
{
	static const char nul_uid[] = { 'a', 0, 'b' };
	struct ksm_agent_request rq;
	struct ksm_agent_reply rp;
	struct ksmx_buf m = KSMX_BUF_INIT(BIG);

	head(&m, KSM_AGENT_VERSION, KSM_AGENT_GET);
	ksmx_put_string(&m, nul_uid, sizeof(nul_uid));
	ksmx_put_cstring(&m, "get_secret");
	ksmx_put_u32(&m, 0);
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_EPROTO,
	    "NUL inside the tag: refused");
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_GET);
	ksmx_put_cstring(&m, "t");
	ksmx_put_string(&m, "get\0secret", 10);
	ksmx_put_u32(&m, 0);
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_EPROTO,
	    "NUL inside the endpoint: refused");
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_GET);
	ksmx_put_cstring(&m, "t");
	ksmx_put_cstring(&m, "get_secret");
	ksmx_put_u32(&m, 2);
	ksmx_put_cstring(&m, "fine");
	ksmx_put_string(&m, nul_uid, sizeof(nul_uid));
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_EPROTO &&
	    rq.uids == NULL, "NUL inside a UID: refused");
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_INVALIDATE);
	ksmx_put_cstring(&m, "t");
	ksmx_put_u32(&m, 1);
	ksmx_put_string(&m, "u\0", 2);
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_EPROTO,
	    "a UID ending in NUL: refused");

	head(&m, KSM_AGENT_VERSION, KSM_AGENT_ERROR);
	ksmx_put_u32(&m, (uint32_t)-KSM_ESERVER);
	ksmx_put_string(&m, "bad\0message", 11);
	ksmx_put_cstring(&m, "");
	T_OK(ksm_agent_parse_reply(&rp, m.d, m.len) == KSM_EPROTO,
	    "NUL inside an error message: refused");
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_ERROR);
	ksmx_put_u32(&m, (uint32_t)-KSM_ESERVER);
	ksmx_put_cstring(&m, "message");
	ksmx_put_string(&m, "\0", 1);
	T_OK(ksm_agent_parse_reply(&rp, m.d, m.len) == KSM_EPROTO,
	    "NUL inside a hint: refused");
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_DECLINE);
	ksmx_put_string(&m, "why\0not", 7);
	T_OK(ksm_agent_parse_reply(&rp, m.d, m.len) == KSM_EPROTO,
	    "NUL inside a decline reason: refused");
	ksmx_buf_clear(&m);
}

static void
test_types_versions(void)
{
	static const uint8_t bad_rq[] = { 0, 4, 5, 0x80, 0x81, 0x82, 0x83, 0x84,
	    0x85, 0xff };
	static const uint8_t bad_rp[] = { 0, 1, 2, 3, 4, 0x80, 0x86, 0xff };
	struct ksm_agent_request rq;
	struct ksm_agent_reply rp;
	struct ksmx_buf m = KSMX_BUF_INIT(BIG);
	size_t i;
	int ok = 1;

	for (i = 0; i < sizeof(bad_rq); i++) {
		head(&m, KSM_AGENT_VERSION, bad_rq[i]);
		ksmx_put_cstring(&m, "t");
		ksmx_put_u32(&m, 0);
		if (ksm_agent_parse_request(&rq, m.d, m.len) != KSM_EPROTO ||
		    rq.type != bad_rq[i])
			ok = 0;
		if (ksm_agent_parse_request(&rq, m.d, 2) != KSM_EPROTO)
			ok = 0;
	}
	T_OK(ok, "unknown request types (and every reply type): refused, "
	    "the type kept");
	ok = 1;
	for (i = 0; i < sizeof(bad_rp); i++) {
		head(&m, KSM_AGENT_VERSION, bad_rp[i]);
		if (ksm_agent_parse_reply(&rp, m.d, m.len) != KSM_EPROTO)
			ok = 0;
		ksmx_put_u32(&m, 0);
		if (ksm_agent_parse_reply(&rp, m.d, m.len) != KSM_EPROTO)
			ok = 0;
	}
	T_OK(ok, "unknown reply types (and every request type): refused");

	head(&m, KSM_AGENT_VERSION + 1, KSM_AGENT_STATUS);
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_EVERSION &&
	    rq.type == KSM_AGENT_STATUS,
	    "request of version 2: KSM_EVERSION, the type kept");
	head(&m, 0, KSM_AGENT_GET);
	ksmx_put_cstring(&m, "t");
	ksmx_put_cstring(&m, "get_secret");
	ksmx_put_u32(&m, 0);
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_EVERSION,
	    "request of version 0: KSM_EVERSION");
	head(&m, 0xff, 0xee);
	ksmx_put_u32(&m, 1);
	T_OK(ksm_agent_parse_request(&rq, m.d, m.len) == KSM_EVERSION,
	    "version 255 with an unknown type: KSM_EVERSION first");
	head(&m, KSM_AGENT_VERSION + 1, KSM_AGENT_DONE);
	T_OK(ksm_agent_parse_reply(&rp, m.d, m.len) == KSM_EVERSION,
	    "reply of version 2: KSM_EVERSION");
	T_OK(ksm_agent_parse_reply(&rp, m.d, 1) == KSM_EPROTO,
	    "a version byte alone: KSM_EPROTO");
	ksmx_buf_clear(&m);
}

static void
test_error_codes(void)
{
	static const uint32_t bad[] = { 0, (uint32_t)-KSM_CODE_LAST + 1,
	    1000, 0x7fffffffu, 0x80000000u, 0xffffffffu };
	struct ksm_agent_reply rp;
	struct ksmx_buf b = KSMX_BUF_INIT(BIG);
	struct ksmx_buf m = KSMX_BUF_INIT(BIG);
	const uint8_t *p;
	size_t i, n;
	int ok = 1;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		head(&m, KSM_AGENT_VERSION, KSM_AGENT_ERROR);
		ksmx_put_u32(&m, bad[i]);
		ksmx_put_cstring(&m, "m");
		ksmx_put_cstring(&m, "h");
		if (ksm_agent_parse_reply(&rp, m.d, m.len) != KSM_EPROTO)
			ok = 0;
	}
	T_OK(ok, "ERROR codes 0, past KSM_CODE_LAST, 2^31, 2^32-1: refused");
	T_OK(ksm_agent_put_error(&b, KSM_OK, "m", "h") == 0 &&
	    (p = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_reply(&rp, p, n) == KSM_EPROTO,
	    "an ERROR of KSM_OK: the sender's frame refused");
	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_error(&b, KSM_CODE_LAST - 1, "m", "h") == 0 &&
	    (p = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_reply(&rp, p, n) == KSM_EPROTO,
	    "an ERROR past KSM_CODE_LAST: refused");
	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_error(&b, 5, "m", "h") == 0 &&
	    (p = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_reply(&rp, p, n) == KSM_EPROTO,
	    "a positive ERROR code: refused");
	ksmx_buf_clear(&b);
	ksmx_buf_clear(&m);
}

static void
test_freshness(void)
{
	static const uint8_t bad[] = { 0, 3, 0x81, 0xff };
	static const uint8_t bad_form[] = { 0, 4, 0x81, 0xff };
	struct ksm_agent_reply rp;
	struct ksmx_buf b = KSMX_BUF_INIT(BIG);
	const uint8_t *p;
	size_t i, n;
	int ok = 1;

	for (i = 0; i < sizeof(bad); i++) {
		ksmx_buf_clear(&b);
		if (ksm_agent_put_answer(&b, bad[i], 0, KSM_AGENT_FORM_OPENED,
		    "{}", 2) != 0 || (p = one_frame(&b, &n)) == NULL ||
		    ksm_agent_parse_reply(&rp, p, n) != KSM_EPROTO)
			ok = 0;
	}
	T_OK(ok, "ANSWER freshness 0, 3, 0x81, 255: refused");
	for (ok = 1, i = 0; i < sizeof(bad_form); i++) {
		ksmx_buf_clear(&b);
		if (ksm_agent_put_answer(&b, KSM_AGENT_FRESH, 0, bad_form[i],
		    "{}", 2) != 0 || (p = one_frame(&b, &n)) == NULL ||
		    ksm_agent_parse_reply(&rp, p, n) != KSM_EPROTO)
			ok = 0;
	}
	T_OK(ok, "ANSWER form 0, 4, 0x81, 255: refused");
	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_answer(&b, KSM_AGENT_FRESH, 0, KSM_AGENT_FORM_FILE,
	    "a\0b", 3) == 0 && (p = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_reply(&rp, p, n) == 0 &&
	    rp.form == KSM_AGENT_FORM_FILE && rp.body_len == 3 &&
	    memcmp(rp.body, "a\0b", 3) == 0,
	    "ANSWER form 3 (a file's bytes, NUL included) parses");
	ksmx_buf_clear(&b);
}

static void
test_text_bounds(void)
{
	char long_text[KSM_AGENT_MAX_TEXT + 50];
	struct ksm_agent_reply rp;
	struct ksmx_buf b = KSMX_BUF_INIT(BIG);
	struct ksmx_buf m = KSMX_BUF_INIT(BIG);
	const uint8_t *p;
	size_t n;

	memcpy(long_text, rep('m', sizeof(long_text) - 1), sizeof(long_text));
	long_text[KSM_AGENT_MAX_TEXT - 1] = 'E';	/* the last byte kept */
	T_OK(ksm_agent_put_error(&b, KSM_ESERVER, long_text,
	    rep('h', KSM_AGENT_MAX_TEXT + 1)) == 0 &&
	    (p = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_reply(&rp, p, n) == 0 &&
	    strlen(rp.message) == KSM_AGENT_MAX_TEXT &&
	    strncmp(rp.message, long_text, KSM_AGENT_MAX_TEXT) == 0 &&
	    strcmp(rp.hint, rep('h', KSM_AGENT_MAX_TEXT)) == 0,
	    "ERROR message and hint over MAX_TEXT: cut to it by the sender");
	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_error(&b, KSM_ESERVER, rep('x', KSM_AGENT_MAX_TEXT),
	    "") == 0 && (p = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_reply(&rp, p, n) == 0 &&
	    strcmp(rp.message, rep('x', KSM_AGENT_MAX_TEXT)) == 0,
	    "a message of exactly MAX_TEXT: whole");
	ksmx_buf_clear(&b);
	T_OK(ksm_agent_put_decline(&b, long_text) == 0 &&
	    (p = one_frame(&b, &n)) != NULL &&
	    ksm_agent_parse_reply(&rp, p, n) == 0 &&
	    strlen(rp.message) == KSM_AGENT_MAX_TEXT &&
	    rp.message[KSM_AGENT_MAX_TEXT - 1] == 'E',
	    "DECLINE reason over MAX_TEXT: cut to it");

	head(&m, KSM_AGENT_VERSION, KSM_AGENT_ERROR);
	ksmx_put_u32(&m, (uint32_t)-KSM_ESERVER);
	ksmx_put_cstring(&m, rep('m', KSM_AGENT_MAX_TEXT + 1));
	ksmx_put_cstring(&m, "");
	T_OK(ksm_agent_parse_reply(&rp, m.d, m.len) == KSM_ETOOBIG,
	    "a peer's message of MAX_TEXT + 1: KSM_ETOOBIG");
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_DECLINE);
	ksmx_put_cstring(&m, rep('m', KSM_AGENT_MAX_TEXT + 1));
	T_OK(ksm_agent_parse_reply(&rp, m.d, m.len) == KSM_ETOOBIG,
	    "a peer's reason of MAX_TEXT + 1: KSM_ETOOBIG");

	/* bodies: the bound is checked before any byte is looked for */
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_ANSWER);
	ksmx_buf_putc(&m, KSM_AGENT_FRESH);
	ksmx_put_u64(&m, 0);
	ksmx_buf_putc(&m, KSM_AGENT_FORM_OPENED);
	ksmx_put_u32(&m, KSM_AGENT_MAX_REPLY + 1);
	T_OK(ksm_agent_parse_reply(&rp, m.d, m.len) == KSM_ETOOBIG,
	    "an ANSWER body announced over the reply bound: KSM_ETOOBIG");
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_ANSWER);
	ksmx_buf_putc(&m, KSM_AGENT_FRESH);
	ksmx_put_u64(&m, 0);
	ksmx_buf_putc(&m, KSM_AGENT_FORM_OPENED);
	ksmx_put_u32(&m, 100);
	ksmx_buf_puts(&m, "short");
	T_OK(ksm_agent_parse_reply(&rp, m.d, m.len) == KSM_EPROTO,
	    "an ANSWER body longer than the frame: KSM_EPROTO");
	head(&m, KSM_AGENT_VERSION, KSM_AGENT_STATUS_REPLY);
	ksmx_put_u32(&m, KSM_AGENT_MAX_REQUEST + 1);
	T_OK(ksm_agent_parse_reply(&rp, m.d, m.len) == KSM_ETOOBIG,
	    "a STATUS_REPLY over 64 KiB: KSM_ETOOBIG");
	ksmx_buf_clear(&b);
	ksmx_buf_clear(&m);
}

/* An ANSWER composed in place: the bytes of the one-step form. */
static void
test_answer_in_place(void)
{
	struct ksmx_buf a = KSMX_BUF_INIT(BIG), b = KSMX_BUF_INIT(BIG);
	size_t at;

	ksmx_buf_puts(&b, "before");
	T_OK(ksm_agent_put_answer(&a, KSM_AGENT_FRESH, 42,
	    KSM_AGENT_FORM_OPENED, "{\"records\":[]}", 14) == 0 &&
	    ksm_agent_answer_begin(&b, KSM_AGENT_FRESH, 42,
	    KSM_AGENT_FORM_OPENED, &at) == 0 && at == 6 &&
	    ksm_agent_answer_end(&b, at, ksmx_buf_puts(&b,
	    "{\"records\":[]}")) == 0 && b.len == 6 + a.len &&
	    memcmp(b.d + 6, a.d, a.len) == 0,
	    "ANSWER begin, body appended, end: the bytes of put_answer");
	ksmx_buf_clear(&b);
	ksmx_buf_puts(&b, "before");
	T_OK(ksm_agent_answer_begin(&b, KSM_AGENT_STALE, 0,
	    KSM_AGENT_FORM_KEEPER, &at) == 0 &&
	    ksm_agent_answer_end(&b, at, KSM_ENOMEM) == KSM_ENOMEM &&
	    b.len == 6 && memcmp(b.d, "before", 6) == 0,
	    "  ... a body that failed: the frame is dropped, what was before kept");
	ksmx_buf_clear(&a);
	ksmx_buf_clear(&b);
}

int
main(void)
{
	test_frame();
	test_bytes();
	test_requests();
	test_replies();
	test_answer_in_place();
	test_truncated();
	test_uid_bounds();
	test_nul_inside();
	test_types_versions();
	test_error_codes();
	test_freshness();
	test_text_bounds();
	return ksm_test_done();
}
