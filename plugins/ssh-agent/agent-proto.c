#include "config.h"

#include <string.h>

#include "ksm/error.h"
#include "util/wipe.h"
#include "agent-proto.h"
#include "util/wire.h"

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
    const struct agent_conn *conn)
{
	return ops->allowed == NULL || ops->allowed(ctx, i, conn);
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
		if (!allowed(ops, ctx, i, conn) ||
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
	if (!allowed(ops, ctx, (size_t)k, conn)) {
		r = KSM_EPERM;
		goto out;
	}
	if ((r = ops->sign(ctx, (size_t)k, data, data_len, flags, &sig)) != 0)
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
 * string signature, bool is_forwarding.  Parsed and remembered for the
 * connection: the last bound host key drives allowed().  The host-key
 * signature is not verified, so the binding only ever hides keys.
 */
static int
session_bind(struct agent_conn *conn, struct ksmx_rd *rd,
    struct ksmx_buf *out)
{
	const uint8_t *hk, *sid, *sg;
	size_t hk_len, sid_len, sg_len;
	uint8_t fwd;
	int r;

	if ((r = ksmx_rd_string(rd, &hk, &hk_len, AGENT_MAX_BLOB)) != 0 ||
	    (r = ksmx_rd_string(rd, &sid, &sid_len,
	    AGENT_MAX_SESSION_ID)) != 0 ||
	    (r = ksmx_rd_string(rd, &sg, &sg_len, AGENT_MAX_BLOB)) != 0 ||
	    (r = ksmx_rd_u8(rd, &fwd)) != 0 ||
	    (r = ksmx_rd_end(rd)) != 0)
		return r;
	if (hk_len == 0 || sid_len == 0 || sg_len == 0 || fwd > 1)
		return KSM_EPROTO;
	/* like OpenSSH: a connection bound for auth cannot be bound again */
	if (conn->bound && !conn->forwarding)
		return KSM_EPERM;
	memcpy(conn->hostkey, hk, hk_len);
	conn->hostkey_len = hk_len;
	memcpy(conn->session_id, sid, sid_len);
	conn->session_id_len = sid_len;
	conn->forwarding = fwd;
	conn->bound = 1;
	return ksmx_buf_putc(out, SSH_AGENT_SUCCESS);
}

static int
extension(struct agent_conn *conn, struct ksmx_rd *rd, struct ksmx_buf *out)
{
	static const char bind[] = "session-bind@openssh.com";
	const uint8_t *name;
	size_t name_len;
	int r;

	if ((r = ksmx_rd_string(rd, &name, &name_len, 256)) != 0)
		return r;
	if (name_len == sizeof(bind) - 1 && memcmp(name, bind, name_len) == 0)
		return session_bind(conn, rd, out);
	return KSM_EINVAL;	/* unsupported extension: plain FAILURE */
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
	else if (type == SSH2_AGENTC_REQUEST_IDENTITIES)
		r = identities(ops, ctx, conn, &rd, out);
	else if (type == SSH2_AGENTC_SIGN_REQUEST)
		r = sign(ops, ctx, conn, &rd, out);
	else if (type == SSH_AGENTC_EXTENSION)
		r = extension(conn, &rd, out);
	else
		r = KSM_EINVAL;	/* add/remove/lock/smartcard/unknown */
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
