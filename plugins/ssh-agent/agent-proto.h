/*
 * The OpenSSH agent protocol (draft-miller-ssh-agent) as a pure function:
 * one framed request in, one framed reply out.  No I/O, no key material:
 * keys are reached through struct agent_keyops.
 *
 * The agent is read-only: ADD/REMOVE/LOCK and everything unknown are
 * answered SSH_AGENT_FAILURE; the connection is never dropped for that.
 *
 * session-bind@openssh.com is parsed and remembered per connection; the
 * key store's allowed() uses the bound host key to hide keys meant for
 * other hosts.  The host-key signature is not verified: the restriction
 * spares sshd's MaxAuthTries, it is not an access control (an unbound
 * connection sees every key).
 */
#ifndef AGENT_PROTO_H
#define AGENT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define AGENT_MAX_MSG		(256 * 1024)	/* like OpenSSH's AGENT_MAX_LEN */
#define AGENT_MAX_BLOB		(16 * 1024)	/* a public key blob */
#define AGENT_MAX_SESSION_ID	128

enum {
	SSH_AGENT_FAILURE = 5,
	SSH_AGENT_SUCCESS = 6,
	SSH2_AGENTC_REQUEST_IDENTITIES = 11,
	SSH2_AGENT_IDENTITIES_ANSWER = 12,
	SSH2_AGENTC_SIGN_REQUEST = 13,
	SSH2_AGENT_SIGN_RESPONSE = 14,
	SSH_AGENTC_EXTENSION = 27,
	SSH_AGENT_EXTENSION_FAILURE = 28
};

#define SSH_AGENT_RSA_SHA2_256	0x02
#define SSH_AGENT_RSA_SHA2_512	0x04

struct agent_conn;

/* What the handler needs from the key store. */
struct agent_keyops {
	/* Number of identities. */
	size_t	(*count)(void *ctx);
	/* Public key blob (SSH wire) and comment of identity i; 0 or < 0. */
	int	(*identity)(void *ctx, size_t i, const uint8_t **blob,
		    size_t *blob_len, const char **comment);
	/*
	 * Sign data with identity i honouring flags; append the signature
	 * (string algorithm, string blob) to sig.  0 or a negative code.
	 */
	int	(*sign)(void *ctx, size_t i, const uint8_t *data,
		    size_t data_len, uint32_t flags, struct ksmx_buf *sig);
	/*
	 * May identity i be offered and used on this connection (after a
	 * session-bind, the host restriction)?  1 or 0.  NULL: always.
	 */
	int	(*allowed)(void *ctx, size_t i, const struct agent_conn *conn);
};

/* Per-connection state: what session-bind@openssh.com told us. */
struct agent_conn {
	int	bound;		/* a session-bind was accepted */
	int	forwarding;	/* the last bind was for forwarding */
	uint8_t	session_id[AGENT_MAX_SESSION_ID];
	size_t	session_id_len;
	uint8_t	hostkey[AGENT_MAX_BLOB];
	size_t	hostkey_len;
};

/*
 * Frame check on the bytes received so far: the whole frame size (4 +
 * body) when a complete message is there, 0 when more bytes are needed,
 * KSM_ETOOBIG when the announced length exceeds AGENT_MAX_MSG, KSM_EPROTO
 * for a zero length.  A negative result means: close the connection.
 */
long	agent_frame(const uint8_t *p, size_t len);

/*
 * Handle one message body (type byte + payload, without the length) and
 * append the framed reply to out.  Returns 0 (a reply was written, maybe
 * SSH_AGENT_FAILURE) or a negative code when no reply could be built
 * (out of memory).
 */
int	agent_handle(const struct agent_keyops *ops, void *ctx,
	    struct agent_conn *conn, const uint8_t *msg, size_t len,
	    struct ksmx_buf *out);

#endif /* AGENT_PROTO_H */
