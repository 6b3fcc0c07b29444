#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ksm/error.h"
#include "util/wipe.h"
#include "agent-proto.h"
#include "agent-verify.h"
#include "util/wire.h"

#define LOCK_ROUNDS	20000	/* PBKDF2-HMAC-SHA256 iterations */
#define LOCK_DELAY_MS	100	/* per wrong passphrase after the first */
#define LOCK_DELAY_MAX	30000	/* ms */

long
agent_frame(const uint8_t *p, size_t len)
{
	uint32_t n;

	if (len < 4)
		return 0;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	if (n == 0)
		return KSM_EPROTO;
	if (n > AGENT_MAX_MSG)
		return KSM_ETOOBIG;
	if (len - 4 < n)
		return 0;
	return (long)n + 4;
}

/* Frame body (already complete in b from offset start) with its length. */
static int
finish(struct ksmx_buf *out, size_t start)
{
	size_t n = out->len - start - 4;

	out->d[start] = (uint8_t)(n >> 24);
	out->d[start + 1] = (uint8_t)(n >> 16);
	out->d[start + 2] = (uint8_t)(n >> 8);
	out->d[start + 3] = (uint8_t)n;
	return 0;
}

static int
reply_code(struct ksmx_buf *out, size_t start, uint8_t code)
{
	int r;

	/* drop whatever a failed handler left behind */
	if (out->len > start) {
		ksmx_wipe(out->d + start, out->len - start);
		out->len = start;
	}
	if ((r = ksmx_put_u32(out, 1)) != 0 ||
	    (r = ksmx_buf_putc(out, code)) != 0)
		return r;
	return 0;
}

/* Find the identity whose public blob equals blob; -1 when none does. */
static long
find_key(const struct agent_keyops *ops, void *ctx, const uint8_t *blob,
    size_t len)
{
	const uint8_t *b;
	const char *c;
	size_t i, n = ops->count(ctx), bl;

	for (i = 0; i < n; i++) {
		if (ops->identity(ctx, i, &b, &bl, &c) != 0)
			continue;
		if (bl == len && memcmp(b, blob, len) == 0)
			return (long)i;
	}
	return -1;
}

static int
allowed(const struct agent_keyops *ops, void *ctx, size_t i,
    const struct agent_conn *conn, const struct agent_sign_req *req)
{
	return ops->allowed == NULL ? 0 : ops->allowed(ctx, i, conn, req);
}

/* Copy an SSH string for a log line or prompt: cut, printable only. */
static void
copy_text(char *out, size_t out_len, const uint8_t *p, size_t n)
{
	size_t i;

	if (n > out_len - 1)
		n = out_len - 1;
	for (i = 0; i < n; i++)
		out[i] = p[i] < 0x20 || p[i] >= 0x7f ? '?' : (char)p[i];
	out[n] = '\0';
}

/*
 * OpenSSH's userauth signature data (RFC 4252 7, and PROTOCOL's
 * publickey-hostbound-v00@openssh.com): string session_id, byte 50,
 * string user, string "ssh-connection", string method, bool TRUE,
 * string algorithm, string key, [string server host key].  Whatever
 * starts with a session id and byte 50 counts as a login, so no variant
 * (a certificate for the key, another method) passes for other data; the
 * user and host key are filled in when the rest parses.
 */
static int
parse_userauth(struct agent_sign_req *req, struct ksmx_rd *rd)
{
	const uint8_t *sid, *user, *svc, *meth, *alg, *pk, *hk = NULL;
	size_t sid_len, user_len, svc_len, meth_len, alg_len, pk_len;
	size_t hk_len = 0;
	uint8_t type, follows;
	int hostbound;

	if (ksmx_rd_string(rd, &sid, &sid_len, AGENT_MAX_SESSION_ID) != 0 ||
	    sid_len == 0 || ksmx_rd_u8(rd, &type) != 0 || type != 50)
		return -1;
	req->kind = AGENT_DATA_USERAUTH;
	req->session_id = sid;
	req->session_id_len = sid_len;
	snprintf(req->user, sizeof(req->user), "?");
	if (ksmx_rd_string(rd, &user, &user_len, 1024) != 0 ||
	    ksmx_rd_string(rd, &svc, &svc_len, 64) != 0 ||
	    ksmx_rd_string(rd, &meth, &meth_len, 64) != 0 ||
	    ksmx_rd_u8(rd, &follows) != 0 || follows != 1 ||
	    ksmx_rd_string(rd, &alg, &alg_len, 64) != 0 ||
	    ksmx_rd_string(rd, &pk, &pk_len, AGENT_MAX_BLOB) != 0)
		return 0;
	if (svc_len != 14 || memcmp(svc, "ssh-connection", 14) != 0)
		return 0;
	if (meth_len == 9 && memcmp(meth, "publickey", 9) == 0)
		hostbound = 0;
	else if (meth_len == 35 &&
	    memcmp(meth, "publickey-hostbound-v00@openssh.com", 35) == 0)
		hostbound = 1;
	else
		return 0;
	if (hostbound && (ksmx_rd_string(rd, &hk, &hk_len,
	    AGENT_MAX_HOSTKEY) != 0 || hk_len == 0))
		return 0;
	if (ksmx_rd_end(rd) != 0)
		return 0;
	req->hostkey = hk;
	req->hostkey_len = hk_len;
	copy_text(req->user, sizeof(req->user), user, user_len);
	return 0;
}

/* PROTOCOL.sshsig signed data: "SSHSIG", string namespace, string
 * reserved, string hash algorithm, string H(message). */
static int
parse_sshsig(struct agent_sign_req *req, struct ksmx_rd *rd)
{
	const uint8_t *magic, *ns, *p;
	size_t ns_len, n;

	if (ksmx_rd_bytes(rd, &magic, 6) != 0 ||
	    memcmp(magic, "SSHSIG", 6) != 0 ||
	    ksmx_rd_string(rd, &ns, &ns_len, 256) != 0 || ns_len == 0 ||
	    ksmx_rd_string(rd, &p, &n, 1024) != 0 ||
	    ksmx_rd_string(rd, &p, &n, 64) != 0 ||
	    ksmx_rd_string(rd, &p, &n, 64) != 0 ||
	    ksmx_rd_end(rd) != 0)
		return -1;
	req->kind = AGENT_DATA_SSHSIG;
	copy_text(req->ns, sizeof(req->ns), ns, ns_len);
	return 0;
}

void
agent_sign_req_parse(struct agent_sign_req *req, const uint8_t *data,
    size_t len)
{
	struct ksmx_rd rd = { data, len };

	memset(req, 0, sizeof(*req));
	if (parse_userauth(req, &rd) == 0)
		return;
	memset(req, 0, sizeof(*req));
	rd.p = data;
	rd.len = len;
	if (parse_sshsig(req, &rd) == 0)
		return;
	memset(req, 0, sizeof(*req));
	req->kind = AGENT_DATA_OTHER;
}

static int
identities(const struct agent_keyops *ops, void *ctx,
    const struct agent_conn *conn, struct ksmx_rd *rd, struct ksmx_buf *out)
{
	const uint8_t *b;
	const char *c;
	size_t i, n, bl, at;
	uint32_t cnt = 0;
	int r;

	if ((r = ksmx_rd_end(rd)) != 0)
		return r;
	if ((r = ksmx_buf_putc(out, SSH2_AGENT_IDENTITIES_ANSWER)) != 0)
		return r;
	at = out->len;
	if ((r = ksmx_put_u32(out, 0)) != 0)
		return r;
	n = ops->count(ctx);
	for (i = 0; i < n; i++) {
		if (allowed(ops, ctx, i, conn, NULL) != 0 ||
		    ops->identity(ctx, i, &b, &bl, &c) != 0)
			continue;
		if ((r = ksmx_put_string(out, b, bl)) != 0 ||
		    (r = ksmx_put_cstring(out, c ? c : "")) != 0)
			return r;
		cnt++;
	}
	out->d[at] = (uint8_t)(cnt >> 24);
	out->d[at + 1] = (uint8_t)(cnt >> 16);
	out->d[at + 2] = (uint8_t)(cnt >> 8);
	out->d[at + 3] = (uint8_t)cnt;
	return 0;
}

static int
sign(const struct agent_keyops *ops, void *ctx,
    const struct agent_conn *conn, struct ksmx_rd *rd, struct ksmx_buf *out)
{
	struct ksmx_buf sig = KSMX_BUF_INIT(AGENT_MAX_BLOB);
	struct agent_sign_req req;
	const uint8_t *blob, *data;
	size_t blob_len, data_len;
	uint32_t flags;
	long k;
	int r;

	if ((r = ksmx_rd_string(rd, &blob, &blob_len, AGENT_MAX_BLOB)) != 0 ||
	    (r = ksmx_rd_string(rd, &data, &data_len, AGENT_MAX_MSG)) != 0 ||
	    (r = ksmx_rd_u32(rd, &flags)) != 0 ||
	    (r = ksmx_rd_end(rd)) != 0)
		goto out;
	if ((k = find_key(ops, ctx, blob, blob_len)) < 0) {
		r = KSM_ENOTFOUND;
		goto out;
	}
	agent_sign_req_parse(&req, data, data_len);
	if ((r = allowed(ops, ctx, (size_t)k, conn, &req)) != 0)
		goto out;
	r = ops->sign(ctx, (size_t)k, data, data_len, flags, &sig);
	if (ops->audit != NULL)
		ops->audit(ctx, (size_t)k, conn, &req, r);
	if (r != 0)
		goto out;
	if ((r = ksmx_buf_putc(out, SSH2_AGENT_SIGN_RESPONSE)) != 0 ||
	    (r = ksmx_put_string(out, sig.d, sig.len)) != 0)
		goto out;
out:
	ksmx_buf_clear(&sig);
	return r;
}

/*
 * session-bind@openssh.com: string hostkey, string session_id,
 * string signature, bool is_forwarding.  It counts only when the host
 * key's signature over the session id verifies.  As in OpenSSH's agent: a
 * connection bound for authentication takes no further binding, the same
 * session id and key again is a no-op, the same id with another key is
 * refused, and at most AGENT_MAX_HOPS are kept.  The caller marks the
 * connection when this fails.
 */
static int
session_bind(struct agent_conn *conn, struct ksmx_rd *rd,
    struct ksmx_buf *out)
{
	const uint8_t *hk, *sid, *sg;
	size_t hk_len, sid_len, sg_len, i;
	struct agent_hop *h;
	uint8_t fwd;
	int r;

	if ((r = ksmx_rd_string(rd, &hk, &hk_len, AGENT_MAX_HOSTKEY)) != 0 ||
	    (r = ksmx_rd_string(rd, &sid, &sid_len,
	    AGENT_MAX_SESSION_ID)) != 0 ||
	    (r = ksmx_rd_string(rd, &sg, &sg_len, AGENT_MAX_BLOB)) != 0 ||
	    (r = ksmx_rd_u8(rd, &fwd)) != 0 ||
	    (r = ksmx_rd_end(rd)) != 0)
		return r;
	if (hk_len == 0 || sid_len == 0 || sg_len == 0 || fwd > 1)
		return KSM_EPROTO;
	if ((r = agent_verify(hk, hk_len, sg, sg_len, sid, sid_len)) != 0)
		return r;
	for (i = 0; i < conn->n_hops; i++) {
		h = &conn->hops[i];
		if (!h->forwarded)
			return KSM_EPERM;	/* bound for auth already */
		if (h->session_id_len != sid_len ||
		    memcmp(h->session_id, sid, sid_len) != 0)
			continue;
		if (h->hostkey_len == hk_len &&
		    memcmp(h->hostkey, hk, hk_len) == 0)
			return ksmx_buf_putc(out, SSH_AGENT_SUCCESS);
		return KSM_EPERM;	/* the same session, another key */
	}
	if (conn->n_hops == AGENT_MAX_HOPS)
		return KSM_ETOOBIG;
	h = &conn->hops[conn->n_hops];
	memcpy(h->hostkey, hk, hk_len);
	h->hostkey_len = hk_len;
	memcpy(h->session_id, sid, sid_len);
	h->session_id_len = sid_len;
	h->forwarded = fwd;
	conn->n_hops++;
	return ksmx_buf_putc(out, SSH_AGENT_SUCCESS);
}

static int
is_session_bind(const uint8_t *name, size_t name_len)
{
	static const char bind[] = "session-bind@openssh.com";

	return name_len == sizeof(bind) - 1 &&
	    memcmp(name, bind, name_len) == 0;
}

static int
extension(struct agent_conn *conn, struct ksmx_rd *rd, struct ksmx_buf *out)
{
	const uint8_t *name;
	size_t name_len;
	int r;

	if ((r = ksmx_rd_string(rd, &name, &name_len, 256)) != 0)
		return r;
	if (!is_session_bind(name, name_len))
		return KSM_EINVAL;	/* unsupported extension: FAILURE */
	if ((r = session_bind(conn, rd, out)) != 0)
		conn->bind_failed = 1;
	return r;
}

static int
lock_hash(const struct agent_lock *l, const uint8_t *pass, size_t len,
    uint8_t out[32])
{
	return PKCS5_PBKDF2_HMAC((const char *)pass, (int)len, l->salt,
	    sizeof(l->salt), LOCK_ROUNDS, EVP_sha256(), 32, out) == 1 ?
	    0 : KSM_ENOMEM;
}

/* SSH_AGENTC_LOCK / UNLOCK: string passphrase. */
static int
lock_unlock(struct agent_lock *l, const struct agent_conn *conn,
    uint8_t type, struct ksmx_rd *rd, struct ksmx_buf *out)
{
	const uint8_t *pass;
	uint8_t h[32];
	char who[400];
	size_t len;
	long long now, delay;
	int r;

	if (l == NULL)
		return KSM_EINVAL;
	if ((r = ksmx_rd_string(rd, &pass, &len, AGENT_MAX_LOCK_PASS)) != 0 ||
	    (r = ksmx_rd_end(rd)) != 0)
		return r;
	agent_peer_str(&conn->peer, who, sizeof(who));
	if (type == SSH_AGENTC_LOCK) {
		if (l->locked)
			return KSM_EPERM;
		if (RAND_bytes(l->salt, sizeof(l->salt)) != 1 ||
		    (r = lock_hash(l, pass, len, l->hash)) != 0)
			return KSM_ENOMEM;
		l->locked = 1;
		l->fails = 0;
		agent_log("lock: agent locked by %s", who);
		return ksmx_buf_putc(out, SSH_AGENT_SUCCESS);
	}
	if (!l->locked)
		return KSM_EPERM;
	now = l->now_ms != NULL ? l->now_ms() : agent_now_ms();
	if (l->fails > 0 && now < l->next_try_ms) {
		agent_log("unlock refused unchecked (too soon after %u wrong "
		    "passphrases) for %s", l->fails, who);
		return KSM_EPERM;
	}
	if ((r = lock_hash(l, pass, len, h)) != 0)
		return r;
	if (CRYPTO_memcmp(h, l->hash, sizeof(h)) != 0) {
		ksmx_wipe_array(h);
		l->fails++;
		delay = (long long)LOCK_DELAY_MS * (l->fails - 1);
		l->next_try_ms = now + (delay > LOCK_DELAY_MAX ?
		    LOCK_DELAY_MAX : delay);
		agent_log("unlock refused: wrong passphrase (%u in a row) "
		    "from %s", l->fails, who);
		return KSM_EPERM;
	}
	ksmx_wipe_array(h);
	ksmx_wipe(l->hash, sizeof(l->hash));
	l->locked = 0;
	l->fails = 0;
	agent_log("unlock: agent unlocked by %s", who);
	return ksmx_buf_putc(out, SSH_AGENT_SUCCESS);
}

/*
 * Locked (OpenSSH's behaviour): the identity list is empty and every other
 * request but UNLOCK fails; a session-bind refused this way still marks
 * the connection.
 */
static int
locked_reply(struct agent_conn *conn, uint8_t type, struct ksmx_rd *rd,
    struct ksmx_buf *out)
{
	const uint8_t *name;
	size_t name_len;
	int r;

	if (type == SSH2_AGENTC_REQUEST_IDENTITIES) {
		if ((r = ksmx_buf_putc(out, SSH2_AGENT_IDENTITIES_ANSWER)) != 0)
			return r;
		return ksmx_put_u32(out, 0);
	}
	if (type == SSH_AGENTC_EXTENSION &&
	    ksmx_rd_string(rd, &name, &name_len, 256) == 0 &&
	    is_session_bind(name, name_len))
		conn->bind_failed = 1;
	return KSM_EPERM;
}

int
agent_handle(const struct agent_keyops *ops, void *ctx,
    struct agent_conn *conn, const uint8_t *msg, size_t len,
    struct ksmx_buf *out)
{
	struct ksmx_rd rd = { msg, len };
	size_t start = out->len;
	uint8_t type;
	int r;

	if ((r = ksmx_put_u32(out, 0)) != 0)	/* length, set below */
		return r;
	if (ksmx_rd_u8(&rd, &type) != 0)
		r = KSM_EPROTO;
	else if (type == SSH_AGENTC_LOCK || type == SSH_AGENTC_UNLOCK)
		r = lock_unlock(ops->lock, conn, type, &rd, out);
	else if (ops->lock != NULL && ops->lock->locked)
		r = locked_reply(conn, type, &rd, out);
	else if (type == SSH2_AGENTC_REQUEST_IDENTITIES)
		r = identities(ops, ctx, conn, &rd, out);
	else if (type == SSH2_AGENTC_SIGN_REQUEST)
		r = sign(ops, ctx, conn, &rd, out);
	else if (type == SSH_AGENTC_EXTENSION)
		r = extension(conn, &rd, out);
	else
		r = KSM_EINVAL;	/* add/remove/smartcard/unknown */
	if (r == KSM_ENOMEM)
		goto fail;
	if (r != 0 && (r = reply_code(out, start, SSH_AGENT_FAILURE)) != 0)
		goto fail;
	return finish(out, start);
fail:
	if (out->len > start) {
		ksmx_wipe(out->d + start, out->len - start);
		out->len = start;
	}
	return r;
}
