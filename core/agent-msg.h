/*
 * The resident session's protocol (docs/agent-protocol.md): what libksm
 * asks keeper-agent over its secrets socket and what the agent answers.
 * Pure: building and parsing messages, no I/O.  Both ends use it, so the
 * two can never disagree on a bound.
 *
 * A message is a frame: u32 length, then that many bytes: u8 version
 * (KSM_AGENT_VERSION), u8 type, then the type's fields in SSH wire
 * encoding (util/wire.h).
 */
#ifndef KSM_AGENT_MSG_H
#define KSM_AGENT_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "ksm-int.h"
#include "util/buf.h"

/* 2: ANSWER carries a form, and get_secret answers are opened */
#define KSM_AGENT_VERSION	2
#define KSM_AGENT_MAX_REQUEST	(128u * 1024)	/* a request frame, bytes */
#define KSM_AGENT_MAX_REPLY	(KSM_MAX_HTTP_BODY + 4096u)
#define KSM_AGENT_MAX_UIDS	1000	/* UIDs in one request */
#define KSM_AGENT_MAX_NAME	64	/* a UID, config tag or endpoint */
#define KSM_AGENT_MAX_TEXT	(KSM_ERROR_MSG_MAX - 1)	/* message, hint */

enum ksm_agent_type {
	/* requests */
	KSM_AGENT_GET = 1,		/* tag, endpoint, uids; endpoint
					   "download": one file UID */
	KSM_AGENT_INVALIDATE = 2,	/* tag, uids (none: every answer) */
	KSM_AGENT_STATUS = 3,		/* nothing */
	/* replies */
	KSM_AGENT_ANSWER = 0x81,	/* freshness, age, form, body */
	KSM_AGENT_ERROR = 0x82,		/* code, message, hint */
	KSM_AGENT_DECLINE = 0x83,	/* reason: ask Keeper yourself */
	KSM_AGENT_DONE = 0x84,		/* nothing */
	KSM_AGENT_STATUS_REPLY = 0x85	/* JSON text */
};

/* An answer's freshness. */
enum { KSM_AGENT_FRESH = 1, KSM_AGENT_STALE = 2 };
/*
 * An answer's form: Keeper's decrypted transport body (get_folders), a
 * record set opened by the agent (get_secret; records-opened.c), or an
 * attachment's bytes, decrypted (download).
 */
enum { KSM_AGENT_FORM_KEEPER = 1, KSM_AGENT_FORM_OPENED = 2,
	KSM_AGENT_FORM_FILE = 3 };

/* A parsed request; the strings are NUL-terminated copies. */
struct ksm_agent_request {
	uint8_t		 type;
	char		 tag[KSM_AGENT_MAX_NAME + 1];
	char		 endpoint[KSM_AGENT_MAX_NAME + 1];
	size_t		 n_uids;
	char		**uids;		/* n_uids strings; owned */
};

/* A parsed reply; body and status borrow from the parsed bytes. */
struct ksm_agent_reply {
	uint8_t		 type;
	uint8_t		 freshness;	/* ANSWER */
	uint64_t	 age_ms;	/* ANSWER */
	uint8_t		 form;		/* ANSWER */
	const uint8_t	*body;		/* ANSWER: the answer; STATUS: JSON */
	size_t		 body_len;
	int		 code;		/* ERROR: a KSM_E* code */
	char		 message[KSM_AGENT_MAX_TEXT + 1];	/* ERROR, DECLINE */
	char		 hint[KSM_AGENT_MAX_TEXT + 1];		/* ERROR */
};

/*
 * The size of the frame at p (4 + length) when all of it is there, 0 when
 * more bytes are needed, KSM_ETOOBIG when it announces more than max,
 * KSM_EPROTO for a length below 2.
 */
long	ksm_agent_frame(const uint8_t *p, size_t len, size_t max);

/* Requests, appended to out as whole frames. */
int	ksm_agent_put_request(struct ksmx_buf *out, uint8_t type,
	    const char *tag, const char *endpoint, const char *const *uids,
	    size_t n_uids);
/* msg: a frame without its length.  0, KSM_EPROTO, KSM_ETOOBIG, KSM_ENOMEM. */
int	ksm_agent_parse_request(struct ksm_agent_request *rq,
	    const uint8_t *msg, size_t len);
void	ksm_agent_request_free(struct ksm_agent_request *rq);

/* Replies, appended to out as whole frames. */
int	ksm_agent_put_answer(struct ksmx_buf *out, uint8_t freshness,
	    uint64_t age_ms, uint8_t form, const void *body, size_t len);
/*
 * The same in two steps, for a body composed straight into out (no copy
 * of a multi-megabyte answer): begin, append the body, end with the
 * appending's result (0 or an error: then the frame is dropped).  *at is
 * the frame's start.  end: 0, the error, or KSM_ETOOBIG past the bound.
 */
int	ksm_agent_answer_begin(struct ksmx_buf *out, uint8_t freshness,
	    uint64_t age_ms, uint8_t form, size_t *at);
int	ksm_agent_answer_end(struct ksmx_buf *out, size_t at, int r);
int	ksm_agent_put_error(struct ksmx_buf *out, int code, const char *message,
	    const char *hint);
int	ksm_agent_put_decline(struct ksmx_buf *out, const char *reason);
int	ksm_agent_put_done(struct ksmx_buf *out);
int	ksm_agent_put_status(struct ksmx_buf *out, const char *json);
/* msg: a frame without its length.  0, KSM_EPROTO or KSM_ETOOBIG. */
int	ksm_agent_parse_reply(struct ksm_agent_reply *rp, const uint8_t *msg,
	    size_t len);

#endif /* KSM_AGENT_MSG_H */
