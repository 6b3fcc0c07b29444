#include "config.h"

/*
 * libFuzzer target: the agent's framing and message handler.  The input
 * is a byte stream as a client would send it; every complete frame is
 * handled against a fixed two-key table.  Built with standalone.c it
 * replays tests/fuzz/corpus/agent/ in make check.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent-proto.h"
#include "util/wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t blob0[] = { 0, 0, 0, 3, 'k', 'e', 'y', 0, 0, 0, 1, 'A' };

static size_t
f_count(void *ctx)
{
	(void)ctx;
	return 2;
}

static int
f_identity(void *ctx, size_t i, const uint8_t **blob, size_t *len,
    const char **comment)
{
	(void)ctx;
	if (i == 1)
		return -1;	/* an identity the store cannot show */
	*blob = blob0;
	*len = sizeof(blob0);
	*comment = "k";
	return 0;
}

static int
f_sign(void *ctx, size_t i, const uint8_t *data, size_t len, uint32_t flags,
    struct ksmx_buf *sig)
{
	int r;

	(void)ctx;
	(void)i;
	if (flags & 1)
		return -1;
	if ((r = ksmx_put_cstring(sig, "f")) != 0)
		return r;
	return ksmx_put_string(sig, data, len > 64 ? 64 : len);
}

/*
 * after a session-bind or a refused one, hide the odd identities (the
 * host restriction); refuse what does not look like a login or SSHSIG
 */
static int
f_allowed(void *ctx, size_t i, const struct agent_conn *conn,
    const struct agent_sign_req *req)
{
	(void)ctx;
	if ((conn->n_hops > 0 || conn->bind_failed) && i % 2 != 0)
		return -17;
	return req != NULL && req->kind == AGENT_DATA_OTHER && i > 0 ?
	    -17 : 0;
}

static void
f_audit(void *ctx, size_t i, const struct agent_conn *conn,
    const struct agent_sign_req *req, int result)
{
	(void)ctx;
	(void)i;
	(void)conn;
	(void)result;
	if (req->kind == AGENT_DATA_USERAUTH && req->session_id_len == 0)
		abort();	/* a parsed login always has its session */
}

/* the agent's lock, reset for every input */
static struct agent_lock lock;

static const struct agent_keyops ops = { f_count, f_identity, f_sign,
    f_allowed, f_audit, &lock };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksmx_buf out = KSMX_BUF_INIT(AGENT_MAX_MSG + 4);
	struct agent_conn conn;
	long n;

	memset(&conn, 0, sizeof(conn));
	memset(&lock, 0, sizeof(lock));
	while (size > 0) {
		n = agent_frame(data, size);
		if (n <= 0)
			break;
		if (agent_handle(&ops, NULL, &conn, data + 4,
		    (size_t)n - 4, &out) != 0)
			abort();
		if (agent_frame(out.d, out.len) <= 0)
			abort();	/* every reply is one good frame */
		ksmx_buf_clear(&out);
		data += n;
		size -= (size_t)n;
	}
	ksmx_buf_clear(&out);
	return 0;
}
