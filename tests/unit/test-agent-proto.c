#include "config.h"

/*
 * The pure agent message handler: framing, every request kind, and the
 * malformed inputs a hostile client can send (truncated frames, oversized
 * lengths, unknown types, bad key blobs); session-bind with real Ed25519
 * host-key signatures (forged, replayed, re-bound, too many hops), what a
 * signature request signs, and lock/unlock.  Keys come from a small
 * table; signing is the key store's job and is tested in test-agent-keys,
 * the policy in test-agent-policy.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

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

/* A host: an Ed25519 key and its SSH blob. */
struct host {
	EVP_PKEY	*pk;
	struct ksmx_buf	 blob;
};

static struct host hostA, hostB;
static const struct agent_sign_req *last_req;
static enum agent_data_kind last_kind;
static int last_audit = 99;

/*
 * identity 1 ("second") is restricted to host B: only on a connection
 * whose last hop is B, and after no refused binding
 */
static int
t_allowed(void *ctx, size_t i, const struct agent_conn *conn,
    const struct agent_sign_req *req)
{
	const struct agent_hop *h;

	(void)ctx;
	last_req = req;
	if (req != NULL)
		last_kind = req->kind;
	if (i == 0 || conn->n_hops == 0)
		return 0;
	h = &conn->hops[conn->n_hops - 1];
	if (conn->bind_failed || h->hostkey_len != hostB.blob.len ||
	    memcmp(h->hostkey, hostB.blob.d, hostB.blob.len) != 0)
		return KSM_EPERM;
	return 0;
}

static void
t_audit(void *ctx, size_t i, const struct agent_conn *conn,
    const struct agent_sign_req *req, int result)
{
	(void)ctx;
	(void)i;
	(void)conn;
	(void)req;
	last_audit = result;
}

static const struct agent_keyops ops = { t_count, t_identity, t_sign,
    t_allowed, t_audit, NULL };

static void
host_new(struct host *h)
{
	uint8_t pub[32];
	size_t n = sizeof(pub);

	h->pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	h->blob = (struct ksmx_buf)KSMX_BUF_INIT(1024);
	if (h->pk == NULL || EVP_PKEY_get_raw_public_key(h->pk, pub, &n) != 1)
		abort();
	ksmx_put_cstring(&h->blob, "ssh-ed25519");
	ksmx_put_string(&h->blob, pub, n);
}

static void
host_free(struct host *h)
{
	EVP_PKEY_free(h->pk);
	ksmx_buf_clear(&h->blob);
}

/* string "ssh-ed25519", string signature of sid by h */
static void
host_sign(const struct host *h, const char *sid, struct ksmx_buf *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t sig[64];
	size_t n = sizeof(sig);

	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, NULL, NULL,
	    h->pk) != 1 || EVP_DigestSign(ctx, sig, &n,
	    (const uint8_t *)sid, strlen(sid)) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
	ksmx_put_cstring(out, "ssh-ed25519");
	ksmx_put_string(out, sig, n);
}

/*
 * A session-bind message for host key hk, session sid, signed by signer
 * (NULL: a signature of the right shape made of zeros).
 */
static void
bind_msg(struct ksmx_buf *m, const struct host *hk, const char *sid,
    const struct host *signer, int fwd)
{
	struct ksmx_buf sig = KSMX_BUF_INIT(1024);
	uint8_t zero[64] = { 0 };

	if (signer != NULL) {
		host_sign(signer, sid, &sig);
	} else {
		ksmx_put_cstring(&sig, "ssh-ed25519");
		ksmx_put_string(&sig, zero, sizeof(zero));
	}
	ksmx_buf_clear(m);
	ksmx_buf_putc(m, 27);
	ksmx_put_cstring(m, "session-bind@openssh.com");
	ksmx_put_string(m, hk->blob.d, hk->blob.len);
	ksmx_put_cstring(m, sid);
	ksmx_put_string(m, sig.d, sig.len);
	ksmx_buf_putc(m, (uint8_t)fwd);
	ksmx_buf_clear(&sig);
}

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

/* run() with other key-store operations; m is the message */
static int
run_ops(const struct agent_keyops *o, struct agent_conn *c,
    const struct ksmx_buf *m, struct ksmx_buf *out)
{
	ksmx_buf_clear(out);
	if (agent_handle(o, NULL, c, m->d, m->len, out) != 0 || out->len < 5)
		return -2;
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
	const uint8_t *s = NULL, *p;
	size_t sl = 0, pl;
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
	/* SSH-1, add/remove, lock/unlock without a lock, smartcard,
	 * constrained, unknown */
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
	T_OK(!c.bind_failed, "another extension does not mark the connection");
	build(&m, 27);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE,
	    "extension without a name: failure");

	bind_msg(&m, &hostA, "0123456789abcdef0123456789abcdef", &hostA, 0);
	m.len--;
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE && c.n_hops == 0,
	    "session-bind without the bool: failure");
	ksmx_buf_putc(&m, 2);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE && c.n_hops == 0,
	    "session-bind bool 2: failure");
	T_OK(c.bind_failed, "a malformed bind marks the connection");
	memset(&c, 0, sizeof(c));
	m.d[m.len - 1] = 0;
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_SUCCESS &&
	    c.n_hops == 1 && !c.hops[0].forwarded &&
	    c.hops[0].session_id_len == 32 &&
	    c.hops[0].hostkey_len == hostA.blob.len && !c.bind_failed,
	    "session-bind with the host key's signature: success, one hop");
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE && c.n_hops == 1,
	    "second bind of an auth connection: failure");
	ksmx_buf_clear(&m);
	ksmx_buf_clear(&out);
}

static void
test_bind_verified(void)
{
	struct ksmx_buf out = KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
	struct ksmx_buf m = KSMX_BUF_INIT(AGENT_MAX_MSG);
	struct agent_conn c = { 0 };
	char sid[16];
	size_t i;

	bind_msg(&m, &hostB, "session-1", NULL, 0);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE &&
	    c.n_hops == 0 && c.bind_failed,
	    "forged (zero) signature: refused, connection marked");
	memset(&c, 0, sizeof(c));
	bind_msg(&m, &hostB, "session-1", &hostA, 0);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE &&
	    c.n_hops == 0 && c.bind_failed,
	    "host B's key signed by host A: refused");
	memset(&c, 0, sizeof(c));
	bind_msg(&m, &hostB, "session-1", &hostB, 0);
	m.d[m.len - 40] ^= 1;	/* inside the signature */
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE && c.bind_failed,
	    "altered signature: refused");

	/* hops: forwarded, forwarded, then one for auth */
	memset(&c, 0, sizeof(c));
	bind_msg(&m, &hostA, "session-1", &hostA, 1);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_SUCCESS && c.n_hops == 1 &&
	    c.hops[0].forwarded, "forwarding bind: one forwarded hop");
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_SUCCESS && c.n_hops == 1,
	    "the same session and key again: success, no new hop");
	bind_msg(&m, &hostB, "session-1", &hostB, 1);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE && c.n_hops == 1 &&
	    c.bind_failed, "the same session with another key: refused");
	c.bind_failed = 0;
	bind_msg(&m, &hostB, "session-2", &hostB, 1);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_SUCCESS && c.n_hops == 2,
	    "a second forwarded hop");
	bind_msg(&m, &hostA, "session-3", &hostA, 0);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_SUCCESS &&
	    c.n_hops == 3 && !c.hops[2].forwarded && c.hops[0].forwarded &&
	    c.hops[1].forwarded, "then the login hop");
	bind_msg(&m, &hostB, "session-4", &hostB, 1);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE && c.n_hops == 3,
	    "nothing after the login hop");

	memset(&c, 0, sizeof(c));
	for (i = 0; i < AGENT_MAX_HOPS; i++) {
		snprintf(sid, sizeof(sid), "s%zu", i);
		bind_msg(&m, &hostA, sid, &hostA, 1);
		if (run(&c, m.d, m.len, &out) != SSH_AGENT_SUCCESS)
			break;
	}
	T_OK(i == AGENT_MAX_HOPS && c.n_hops == AGENT_MAX_HOPS,
	    "%d forwarded hops", AGENT_MAX_HOPS);
	bind_msg(&m, &hostA, "one too many", &hostA, 1);
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE &&
	    c.n_hops == AGENT_MAX_HOPS, "one more: refused");
	ksmx_buf_clear(&m);
	ksmx_buf_clear(&out);
}

/* bind (signed by the host itself), then list; 1 when n are listed */
static int
bound_list(struct agent_conn *c, const struct host *h, const char *sid,
    int fwd, uint32_t n)
{
	struct ksmx_buf out = KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
	struct ksmx_buf m = KSMX_BUF_INIT(AGENT_MAX_MSG);
	uint8_t list = 11;
	int ok;

	bind_msg(&m, h, sid, h, fwd);
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

	T_OK(bound_list(&c, &hostA, "s1", 0, 1),
	    "bound to another host: the restricted key is not listed");
	T_OK(last_req == NULL, "listing asks allowed() without a request");
	build(&m, 13);
	ksmx_put_string(&m, blob1, sizeof(blob1));
	ksmx_put_cstring(&m, "data");
	ksmx_put_u32(&m, 0);
	last_key = 99;
	last_audit = 99;
	T_OK(run(&c, m.d, m.len, &out) == SSH_AGENT_FAILURE && last_key == 99,
	    "bound to another host: signing with it refused");
	T_OK(last_audit == 99, "a refused request is not signed or audited");
	memset(&c, 0, sizeof(c));
	T_OK(bound_list(&c, &hostB, "s1", 0, 2),
	    "bound to its host: both keys listed");
	T_OK(run(&c, m.d, m.len, &out) == SSH2_AGENT_SIGN_RESPONSE &&
	    last_key == 1 && last_audit == 0,
	    "bound to its host: signs, audited");
	memset(&c, 0, sizeof(c));
	T_OK(bound_list(&c, &hostA, "s1", 1, 1) &&
	    bound_list(&c, &hostB, "s2", 0, 2),
	    "forwarding hop then its host: the store sees both hops");
	memset(&c, 0, sizeof(c));
	bind_msg(&m, &hostB, "s1", NULL, 0);
	run(&c, m.d, m.len, &out);
	T_OK(bound_list(&c, &hostB, "s2", 0, 1),
	    "after a forged bind, a good one does not clear the mark");
	ksmx_buf_clear(&m);
	ksmx_buf_clear(&out);
}

/* Sign blob1 over data; the kind allowed() was shown. */
static int
sign_kind(const struct ksmx_buf *data)
{
	struct ksmx_buf out = KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
	struct ksmx_buf m = KSMX_BUF_INIT(AGENT_MAX_MSG);
	struct agent_conn c = { 0 };

	last_kind = (enum agent_data_kind)-1;
	build(&m, 13);
	ksmx_put_string(&m, blob1, sizeof(blob1));
	ksmx_put_string(&m, data->d, data->len);
	ksmx_put_u32(&m, 0);
	run(&c, m.d, m.len, &out);
	ksmx_buf_clear(&m);
	ksmx_buf_clear(&out);
	return (int)last_kind;
}

/* userauth data; method 0: publickey, 1: hostbound, 2: other */
static void
userauth(struct ksmx_buf *d, const char *sid, const char *user, int method,
    const uint8_t *key, size_t key_len)
{
	static const char *const meth[] = { "publickey",
	    "publickey-hostbound-v00@openssh.com", "hostbased" };

	ksmx_buf_clear(d);
	ksmx_put_cstring(d, sid);
	ksmx_buf_putc(d, 50);
	ksmx_put_cstring(d, user);
	ksmx_put_cstring(d, "ssh-connection");
	ksmx_put_cstring(d, meth[method]);
	ksmx_buf_putc(d, 1);
	ksmx_put_cstring(d, "ssh-ed25519");
	ksmx_put_string(d, key, key_len);
	if (method == 1)
		ksmx_put_string(d, hostB.blob.d, hostB.blob.len);
}

static void
test_sign_req(void)
{
	struct ksmx_buf d = KSMX_BUF_INIT(AGENT_MAX_MSG);
	struct agent_sign_req req;

	userauth(&d, "sid-1", "root", 0, blob1, sizeof(blob1));
	T_OK(sign_kind(&d) == AGENT_DATA_USERAUTH,
	    "publickey userauth: USERAUTH");
	agent_sign_req_parse(&req, d.d, d.len);
	T_OK(req.session_id_len == 5 && memcmp(req.session_id, "sid-1", 5) ==
	    0 && req.hostkey == NULL && strcmp(req.user, "root") == 0,
	    "its session, user, no host key");
	userauth(&d, "sid-1", "a\nb", 1, blob1, sizeof(blob1));
	agent_sign_req_parse(&req, d.d, d.len);
	T_OK(req.kind == AGENT_DATA_USERAUTH && req.hostkey_len ==
	    hostB.blob.len && strcmp(req.user, "a?b") == 0,
	    "hostbound userauth: the host key; control characters in the "
	    "user name replaced");
	userauth(&d, "sid-1", "root", 0, blob0, sizeof(blob0));
	T_OK(sign_kind(&d) == AGENT_DATA_USERAUTH,
	    "a userauth naming another key (a certificate): still a login");
	userauth(&d, "sid-1", "root", 2, blob1, sizeof(blob1));
	agent_sign_req_parse(&req, d.d, d.len);
	T_OK(req.kind == AGENT_DATA_USERAUTH && strcmp(req.user, "?") == 0 &&
	    req.session_id_len == 5, "another method: a login, user unknown");
	userauth(&d, "sid-1", "root", 1, blob1, sizeof(blob1));
	ksmx_buf_putc(&d, 0);
	agent_sign_req_parse(&req, d.d, d.len);
	T_OK(req.kind == AGENT_DATA_USERAUTH && req.hostkey == NULL,
	    "trailing byte: a login, its host key not trusted");
	ksmx_buf_clear(&d);
	ksmx_put_cstring(&d, "sid");
	ksmx_buf_putc(&d, 51);
	T_OK(sign_kind(&d) == AGENT_DATA_OTHER, "not byte 50: OTHER");
	ksmx_buf_clear(&d);
	ksmx_buf_put(&d, "SSHSIG", 6);
	ksmx_put_cstring(&d, "git");
	ksmx_put_cstring(&d, "");
	ksmx_put_cstring(&d, "sha512");
	ksmx_put_string(&d, blob0, sizeof(blob0));
	T_OK(sign_kind(&d) == AGENT_DATA_SSHSIG, "SSHSIG: SSHSIG");
	agent_sign_req_parse(&req, d.d, d.len);
	T_OK(strcmp(req.ns, "git") == 0 && req.user[0] == '\0',
	    "its namespace");
	d.len--;
	T_OK(sign_kind(&d) == AGENT_DATA_OTHER, "truncated SSHSIG: OTHER");
	ksmx_buf_clear(&d);
	ksmx_buf_put(&d, "anything", 8);
	T_OK(sign_kind(&d) == AGENT_DATA_OTHER, "other bytes: OTHER");
	ksmx_buf_clear(&d);
}

#define PW	"correct horse battery staple"

static long long fake_ms;

static long long
fake_now(void)
{
	return fake_ms;
}

/* LOCK or UNLOCK with pass; the reply type */
static int
lock_msg(const struct agent_keyops *o, struct agent_conn *c, uint8_t type,
    const char *pass)
{
	struct ksmx_buf out = KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
	struct ksmx_buf m = KSMX_BUF_INIT(AGENT_MAX_MSG);
	int r = -1;

	build(&m, type);
	ksmx_put_cstring(&m, pass);
	if (agent_handle(o, NULL, c, m.d, m.len, &out) == 0 && out.len >= 5)
		r = out.d[4];
	ksmx_buf_clear(&m);
	ksmx_buf_clear(&out);
	return r;
}

static void
test_lock(void)
{
	struct agent_lock lk = { 0 };
	struct agent_keyops lops = ops;
	struct ksmx_buf out = KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
	struct ksmx_buf m = KSMX_BUF_INIT(AGENT_MAX_MSG);
	struct agent_conn c = { 0 };
	uint8_t list = 11;

	lk.now_ms = fake_now;
	lops.lock = &lk;
	T_OK(lock_msg(&lops, &c, SSH_AGENTC_UNLOCK, PW) == SSH_AGENT_FAILURE,
	    "unlock while unlocked: failure");
	T_OK(lock_msg(&lops, &c, SSH_AGENTC_LOCK, PW) == SSH_AGENT_SUCCESS &&
	    lk.locked, "lock: success");
	T_OK(memmem(&lk, sizeof(lk), PW, 2) == NULL,
	    "the passphrase itself is not kept");
	T_OK(lock_msg(&lops, &c, SSH_AGENTC_LOCK, PW) == SSH_AGENT_FAILURE,
	    "lock while locked: failure");
	ksmx_buf_clear(&out);
	T_OK(agent_handle(&lops, NULL, &c, &list, 1, &out) == 0 &&
	    out.len == 9 && out.d[4] == 12 && out.d[8] == 0,
	    "locked: the identity list is empty");
	build(&m, 13);
	ksmx_put_string(&m, blob0, sizeof(blob0));
	ksmx_put_cstring(&m, "data");
	ksmx_put_u32(&m, 0);
	last_key = 99;
	T_OK(run_ops(&lops, &c, &m, &out) == SSH_AGENT_FAILURE &&
	    last_key == 99, "locked: no signature");
	bind_msg(&m, &hostB, "s1", &hostB, 0);
	T_OK(run_ops(&lops, &c, &m, &out) == SSH_AGENT_FAILURE &&
	    c.n_hops == 0 && c.bind_failed,
	    "locked: a session-bind fails and marks the connection");

	fake_ms = 1000;
	T_OK(lock_msg(&lops, &c, SSH_AGENTC_UNLOCK, "wrong") ==
	    SSH_AGENT_FAILURE && lk.locked && lk.fails == 1,
	    "wrong passphrase: failure, still locked");
	T_OK(lock_msg(&lops, &c, SSH_AGENTC_UNLOCK, "wrong") ==
	    SSH_AGENT_FAILURE && lk.fails == 2 && lk.next_try_ms == 1100,
	    "right after one typo it is checked; a second wrong one: 100 ms");
	T_OK(lock_msg(&lops, &c, SSH_AGENTC_UNLOCK, PW) == SSH_AGENT_FAILURE &&
	    lk.locked && lk.fails == 2,
	    "the right one too soon after: refused unchecked");
	fake_ms += 100;
	T_OK(lock_msg(&lops, &c, SSH_AGENTC_UNLOCK, "wrong") ==
	    SSH_AGENT_FAILURE && lk.fails == 3 && lk.next_try_ms == 1300,
	    "a third wrong one: the wait grows (200 ms)");
	fake_ms += 199;
	T_OK(lock_msg(&lops, &c, SSH_AGENTC_UNLOCK, PW) == SSH_AGENT_FAILURE &&
	    lk.locked, "1 ms early: refused");
	fake_ms += 1;
	T_OK(lock_msg(&lops, &c, SSH_AGENTC_UNLOCK, PW) == SSH_AGENT_SUCCESS &&
	    !lk.locked && lk.fails == 0, "right passphrase: unlocked");
	ksmx_buf_clear(&out);
	T_OK(agent_handle(&lops, NULL, &c, &list, 1, &out) == 0 &&
	    out.d[4] == 12 && out.d[8] == 2, "unlocked: keys listed again");
	lk.fails = 1000;
	lk.locked = 1;
	fake_ms = 0;
	lk.next_try_ms = 0;
	lock_msg(&lops, &c, SSH_AGENTC_UNLOCK, "wrong");
	T_OK(lk.next_try_ms == 30000, "the wait is at most 30 s");
	lk = (struct agent_lock){ 0 };
	T_OK(lock_msg(&ops, &c, SSH_AGENTC_LOCK, PW) == SSH_AGENT_FAILURE,
	    "no lock from the key store: LOCK refused");
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
	host_new(&hostA);
	host_new(&hostB);
	test_frame();
	test_identities();
	test_sign();
	test_refused();
	test_extension();
	test_bind_verified();
	test_restricted();
	test_sign_req();
	test_lock();
	test_pipeline();
	host_free(&hostA);
	host_free(&hostB);
	return ksm_test_done();
}
