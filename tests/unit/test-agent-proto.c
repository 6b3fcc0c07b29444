#include "config.h"

/*
 * The pure agent message handler: framing, every request kind, and the
 * malformed inputs a hostile client can send (truncated frames, oversized
 * lengths, unknown types, bad key blobs).  Keys come from a small table;
 * signing is the key store's job and is tested in test-agent-keys.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "ksm-test.h"
#include "agent-proto.h"
#include "util/wire.h"

static const uint8_t blob0[] = { 0, 0, 0, 3, 'k', 'e', 'y', 0, 0, 0, 1, 'A' };
static const uint8_t blob1[] = { 0, 0, 0, 3, 'k', 'e', 'y', 0, 0, 0, 1, 'B' };
static uint32_t last_flags;
static size_t last_key = 99;

static size_t
t_count(void *ctx)
{
	(void)ctx;
	return 2;
}

static int
t_identity(void *ctx, size_t i, const uint8_t **blob, size_t *len,
    const char **comment)
{
	(void)ctx;
	*blob = i ? blob1 : blob0;
	*len = i ? sizeof(blob1) : sizeof(blob0);
	*comment = i ? "second" : "first";
	return 0;
}

/* "signature" = string "t-sig", string data */
static int
t_sign(void *ctx, size_t i, const uint8_t *data, size_t len, uint32_t flags,
    struct ksmx_buf *sig)
{
	int r;

	(void)ctx;
	last_key = i;
	last_flags = flags;
	if (flags & 0x80)
		return KSM_ECRYPTO;
	if ((r = ksmx_put_cstring(sig, "t-sig")) != 0)
		return r;
	return ksmx_put_string(sig, data, len);
}

/* identity 1 ("second") is restricted to the host whose key is blob1 */
static int
t_allowed(void *ctx, size_t i, const struct agent_conn *conn)
{
	(void)ctx;
	if (i == 0 || !conn->bound)
		return 1;
	return conn->hostkey_len == sizeof(blob1) &&
	    memcmp(conn->hostkey, blob1, sizeof(blob1)) == 0;
}

static const struct agent_keyops ops = { t_count, t_identity, t_sign,
    t_allowed };

/* Handle msg and return the reply's type byte, or -1 on a bad frame. */
static int
run(struct agent_conn *c, const void *msg, size_t len, struct ksmx_buf *out)
{
	long n;

	ksmx_buf_clear(out);
	if (agent_handle(&ops, NULL, c, msg, len, out) != 0)
		return -2;
	n = agent_frame(out->d, out->len);
	if (n <= 0 || (size_t)n != out->len)
		return -1;
	return out->d[4];
}

static void
build(struct ksmx_buf *b, uint8_t type)
{
	ksmx_buf_clear(b);
	ksmx_buf_putc(b, type);
}

static void
test_frame(void)
{
	uint8_t f[8] = { 0, 0, 0, 2, 11, 0, 0, 0 };

	T_OK(agent_frame(f, 0) == 0, "empty: need more");
	T_OK(agent_frame(f, 3) == 0, "three bytes: need more");
	T_OK(agent_frame(f, 5) == 0, "truncated body: need more");
	T_OK(agent_frame(f, 6) == 6, "complete frame");
	T_OK(agent_frame(f, 8) == 6, "frame followed by more bytes");
	memset(f, 0, 4);
	T_OK(agent_frame(f, 8) == KSM_EPROTO, "zero length");
	f[1] = 0x04;	/* 256 KiB exactly is allowed */
	T_OK(agent_frame(f, 8) == 0, "256 KiB announced: wait for it");
	f[3] = 1;
	T_OK(agent_frame(f, 8) == KSM_ETOOBIG, "256 KiB + 1");
	memset(f, 0xff, 4);
	T_OK(agent_frame(f, 8) == KSM_ETOOBIG, "4 GiB length");
}

static void
test_identities(void)
{
	static const uint8_t want[] = {
		0, 0, 0, 56, 12, 0, 0, 0, 2,
		0, 0, 0, 12, 0, 0, 0, 3, 'k', 'e', 'y', 0, 0, 0, 1, 'A',
		0, 0, 0, 5, 'f', 'i', 'r', 's', 't',
		0, 0, 0, 12, 0, 0, 0, 3, 'k', 'e', 'y', 0, 0, 0, 1, 'B',
		0, 0, 0, 6, 's', 'e', 'c', 'o', 'n', 'd' };
	struct ksmx_buf out = KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
	struct agent_conn c = { 0 };
	uint8_t m[2] = { 11, 0 };

	T_OK(run(&c, m, 1, &out) == 12, "identities answer");
	T_OK(out.len == sizeof(want) && memcmp(out.d, want, out.len) == 0,
	    "identities bytes");
	T_OK(run(&c, m, 2, &out) == SSH_AGENT_FAILURE,
	    "trailing byte: failure");
	T_OK(out.len == 5, "failure is 5 bytes");
	ksmx_buf_clear(&out);
}

static void
test_sign(void)
{
	struct ksmx_buf out = KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
	struct ksmx_buf m = KSMX_BUF_INIT(AGENT_MAX_MSG * 2);
	struct agent_conn c = { 0 };
	struct ksmx_rd rd;
	const uint8_t *s, *p;
	size_t sl, pl;
	uint8_t type;

	build(&m, 13);
	ksmx_put_string(&m, blob1, sizeof(blob1));
	ksmx_put_cstring(&m, "to be signed");
	ksmx_put_u32(&m, SSH_AGENT_RSA_SHA2_512);
	T_OK(run(&c, m.d, m.len, &out) == 14, "sign response");
	T_OK(last_key == 1 && last_flags == SSH_AGENT_RSA_SHA2_512,
	    "second key, flags passed through");
	rd.p = out.d + 4;
	rd.len = out.len - 4;
	T_OK(ksmx_rd_u8(&rd, &type) == 0 &&
	    ksmx_rd_string(&rd, &s, &sl, 1000) == 0 &&
	    ksmx_rd_end(&rd) == 0, "sign response: one string");
	rd.p = s;
	rd.len = sl;
	T_OK(ksmx_rd_string(&rd, &p, &pl, 100) == 0 && pl == 5 &&
	    memcmp(p, "t-sig", 5) == 0 &&
	    ksmx_rd_string(&rd, &p, &pl, 100) == 0 && pl == 12 &&
	    memcmp(p, "to be signed", 12) == 0, "signature carries data");

	/* the key store refusing */
	build(&m, 13);
	ksmx_put_string(&m, blob0, sizeof(blob0));
	ksmx_put_cstring(&m, "x");
	ksmx_put_u32(&m, 0x80);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE && out.len == 5,
	    "sign error: failure");

	/* unknown key blob */
	build(&m, 13);
	ksmx_put_cstring(&m, "not a key we hold");
	ksmx_put_cstring(&m, "x");
	ksmx_put_u32(&m, 0);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE,
	    "unknown key: failure");

	/* a blob that is a prefix of a real one */
	build(&m, 13);
	ksmx_put_string(&m, blob0, sizeof(blob0) - 1);
	ksmx_put_cstring(&m, "x");
	ksmx_put_u32(&m, 0);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE,
	    "truncated key blob: failure");

	/* blob length pointing past the end */
	build(&m, 13);
	ksmx_put_u32(&m, 1000);
	ksmx_buf_put(&m, blob0, sizeof(blob0));
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE,
	    "blob length past end: failure");

	/* blob larger than any key */
	build(&m, 13);
	ksmx_put_u32(&m, AGENT_MAX_BLOB + 1);
	ksmx_buf_reserve(&m, AGENT_MAX_BLOB + 1);
	memset(m.d + m.len, 'a', AGENT_MAX_BLOB + 1);
	m.len += AGENT_MAX_BLOB + 1;
	ksmx_put_cstring(&m, "x");
	ksmx_put_u32(&m, 0);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE,
	    "oversized blob: failure");

	/* missing flags, and a trailing byte */
	build(&m, 13);
	ksmx_put_string(&m, blob0, sizeof(blob0));
	ksmx_put_cstring(&m, "x");
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE,
	    "missing flags: failure");
	ksmx_put_u32(&m, 0);
	ksmx_buf_putc(&m, 0);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE,
	    "trailing byte: failure");
	ksmx_buf_clear(&m);
	ksmx_buf_clear(&out);
}

static void
test_refused(void)
{
	/* SSH-1, add/remove/lock/unlock, smartcard, constrained, unknown */
	static const uint8_t types[] = { 0, 1, 2, 9, 17, 18, 19, 20, 21, 22, 23,
	    24, 25, 26, 29, 200, 255 };
	struct ksmx_buf out = KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
	struct agent_conn c = { 0 };
	uint8_t m[16];
	size_t i;
	int ok = 1;

	memset(m, 0, sizeof(m));
	for (i = 0; i < sizeof(types); i++) {
		m[0] = types[i];
		if (run(&c, m, sizeof(m), &out) != SSH_AGENT_FAILURE ||
		    out.len != 5)
			ok = 0;
		if (run(&c, m, 1, &out) != SSH_AGENT_FAILURE)
			ok = 0;
	}
	T_OK(ok, "every other type: failure");
	T_OK(run(&c, m, 0, &out) == SSH_AGENT_FAILURE, "empty body: failure");
	ksmx_buf_clear(&out);
}

static void
test_extension(void)
{
	struct ksmx_buf out = KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
	struct ksmx_buf m = KSMX_BUF_INIT(AGENT_MAX_MSG);
	struct agent_conn c = { 0 };

	build(&m, 27);
	ksmx_put_cstring(&m, "query");
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE,
	    "query: failure (unsupported)");
	build(&m, 27);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE,
	    "extension without a name: failure");

	build(&m, 27);
	ksmx_put_cstring(&m, "session-bind@openssh.com");
	ksmx_put_string(&m, blob0, sizeof(blob0));
	ksmx_put_cstring(&m, "0123456789abcdef0123456789abcdef");
	ksmx_put_cstring(&m, "signature");
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE && !c.bound,
	    "session-bind without the bool: failure");
	ksmx_buf_putc(&m, 2);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE && !c.bound,
	    "session-bind bool 2: failure");
	m.d[m.len - 1] = 0;
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_SUCCESS && c.bound &&
	    !c.forwarding && c.session_id_len == 32 &&
	    c.hostkey_len == sizeof(blob0), "session-bind: success, parsed");
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE,
	    "second bind of an auth connection: failure");
	ksmx_buf_clear(&m);
	ksmx_buf_clear(&out);
}

/* bind, then list; 1 when the reply lists exactly n identities */
static int
bound_list(struct agent_conn *c, const uint8_t *hk, size_t hk_len, int fwd,
    uint32_t n)
{
	struct ksmx_buf out = KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
	struct ksmx_buf m = KSMX_BUF_INIT(AGENT_MAX_MSG);
	uint8_t list = 11;
	int ok;

	build(&m, 27);
	ksmx_put_cstring(&m, "session-bind@openssh.com");
	ksmx_put_string(&m, hk, hk_len);
	ksmx_put_cstring(&m, "0123456789abcdef0123456789abcdef");
	ksmx_put_cstring(&m, "signature");
	ksmx_buf_putc(&m, (uint8_t)fwd);
	ok = run(c, m.d, m.len, &out) == SSH_AGENT_SUCCESS &&
	    run(c, &list, 1, &out) == 12 && out.len >= 9 &&
	    out.d[5] == 0 && out.d[6] == 0 && out.d[7] == 0 && out.d[8] == n;
	ksmx_buf_clear(&m);
	ksmx_buf_clear(&out);
	return ok;
}

static void
test_restricted(void)
{
	struct ksmx_buf out = KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
	struct ksmx_buf m = KSMX_BUF_INIT(AGENT_MAX_MSG);
	struct agent_conn c = { 0 };

	T_OK(bound_list(&c, blob0, sizeof(blob0), 0, 1),
	    "bound to another host: the restricted key is not listed");
	build(&m, 13);
	ksmx_put_string(&m, blob1, sizeof(blob1));
	ksmx_put_cstring(&m, "data");
	ksmx_put_u32(&m, 0);
	last_key = 99;
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE && last_key == 99,
	    "bound to another host: signing with it refused");
	memset(&c, 0, sizeof(c));
	T_OK(bound_list(&c, blob1, sizeof(blob1), 0, 2),
	    "bound to its host: both keys listed");
	T_OK(run(&c, m.d, m.len, &out) == SSH2_AGENT_SIGN_RESPONSE &&
	    last_key == 1, "bound to its host: signs");
	memset(&c, 0, sizeof(c));
	T_OK(bound_list(&c, blob0, sizeof(blob0), 1, 1) &&
	    bound_list(&c, blob1, sizeof(blob1), 0, 2),
	    "forwarding hop then its host: the last bind counts");
	ksmx_buf_clear(&m);
	ksmx_buf_clear(&out);
}

static void
test_pipeline(void)
{
	struct ksmx_buf out = KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
	struct agent_conn c = { 0 };
	uint8_t a = 11, b = 22;
	long n;

	T_OK(agent_handle(&ops, NULL, &c, &b, 1, &out) == 0 &&
	    agent_handle(&ops, NULL, &c, &a, 1, &out) == 0,
	    "two replies appended");
	n = agent_frame(out.d, out.len);
	T_OK(n == 5 && out.d[4] == SSH_AGENT_FAILURE &&
	    agent_frame(out.d + n, out.len - (size_t)n) ==
	    (long)out.len - n && out.d[n + 4] == 12, "replies in order");
	ksmx_buf_clear(&out);
}

int
main(void)
{
	test_frame();
	test_identities();
	test_sign();
	test_refused();
	test_extension();
	test_restricted();
	test_pipeline();
	return ksm_test_done();
}
