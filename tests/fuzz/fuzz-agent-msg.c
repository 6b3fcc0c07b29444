#include "config.h"

/*
 * libFuzzer target: the resident session's messages (core/agent-msg.c).
 * The input is one message as a frame carries it (version, type, fields)
 * and goes through both parsers, as the agent and the client would read
 * it.  Whatever parses must be built again, by the functions the other end
 * uses, to the very same bytes: a field the parser takes but the builder
 * cannot send, or sends otherwise, is a disagreement between the two ends.
 * The framing is checked on the input too.  Built with standalone.c it
 * replays tests/fuzz/corpus/agent-msg/ in make check.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent-msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* out must hold exactly one frame whose message is data */
static void
same(const struct ksmx_buf *out, const uint8_t *data, size_t size)
{
	if (out->len != size + 4 ||
	    ksm_agent_frame(out->d, out->len, KSM_AGENT_MAX_REPLY) !=
	    (long)out->len || memcmp(out->d + 4, data, size) != 0)
		abort();
}

static void
request(const uint8_t *data, size_t size)
{
	struct ksmx_buf out = KSMX_BUF_INIT(KSM_AGENT_MAX_REPLY + 4);
	struct ksm_agent_request rq;

	if (ksm_agent_parse_request(&rq, data, size) != 0) {
		if (rq.uids != NULL || rq.n_uids != 0)
			abort();	/* nothing half-parsed is kept */
		return;
	}
	if (ksm_agent_put_request(&out, rq.type, rq.tag, rq.endpoint,
	    (const char *const *)rq.uids, rq.n_uids) != 0)
		abort();
	same(&out, data, size);
	ksm_agent_request_free(&rq);
	ksmx_buf_clear(&out);
}

static void
reply(const uint8_t *data, size_t size)
{
	struct ksmx_buf out = KSMX_BUF_INIT(KSM_AGENT_MAX_REPLY + 4);
	struct ksm_agent_reply rp;
	char *json = NULL;
	int r = -1;

	if (ksm_agent_parse_reply(&rp, data, size) != 0)
		return;
	switch (rp.type) {
	case KSM_AGENT_ANSWER:
		r = ksm_agent_put_answer(&out, rp.freshness, rp.age_ms, rp.form,
		    rp.body, rp.body_len);
		break;
	case KSM_AGENT_ERROR:
		if (rp.code >= 0 || rp.code < KSM_CODE_LAST)
			abort();	/* only known errors */
		r = ksm_agent_put_error(&out, rp.code, rp.message, rp.hint);
		break;
	case KSM_AGENT_DECLINE:
		r = ksm_agent_put_decline(&out, rp.message);
		break;
	case KSM_AGENT_DONE:
		r = ksm_agent_put_done(&out);
		break;
	case KSM_AGENT_STATUS_REPLY:
		/* put_status takes a C string */
		if ((json = malloc(rp.body_len + 1)) == NULL)
			abort();
		memcpy(json, rp.body, rp.body_len);
		json[rp.body_len] = '\0';
		r = ksm_agent_put_status(&out, json);
		free(json);
		break;
	default:
		abort();	/* a type the parser should have refused */
	}
	if (r != 0)
		abort();
	same(&out, data, size);
	ksmx_buf_clear(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long n;

	/* the input as a stream: a frame is never longer than what is there */
	n = ksm_agent_frame(data, size, KSM_AGENT_MAX_REQUEST);
	if (n > 0 && ((size_t)n > size || n < 6))
		abort();
	request(data, size);
	reply(data, size);
	return 0;
}
