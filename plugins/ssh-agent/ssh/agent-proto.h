/*
 * The OpenSSH agent protocol (draft-miller-ssh-agent) as a pure function:
 * one framed request in, one framed reply out.  No I/O, no key material:
 * keys are reached through struct agent_keyops.
 *
 * Keys come from Keeper, so ADD/REMOVE and everything unknown are
 * answered SSH_AGENT_FAILURE; the connection is never dropped for that.
 * LOCK/UNLOCK (ssh-add -x/-X) work when the key store hands over a
 * struct agent_lock.
 *
 * session-bind@openssh.com (OpenSSH PROTOCOL.agent) is verified (the host
 * key's signature over the session id, agent-verify.h) before it counts,
 * and each connection keeps its hops: the bindings of forwarded agent
 * connections, then at most one binding for user authentication.  The key
 * store's allowed() decides from the hops and, for a signature, from what
 * is being signed (struct agent_sign_req) -- agent-policy.h.
 */
#ifndef AGENT_PROTO_H
#define AGENT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "agent-log.h"

#define AGENT_MAX_MSG		(256 * 1024)	/* like OpenSSH's AGENT_MAX_LEN */
#define AGENT_MAX_BLOB		(16 * 1024)	/* a public key blob */
#define AGENT_MAX_SESSION_ID	128
#define AGENT_MAX_HOSTKEY	2560	/* bytes: RSA 16384 bits fits */
#define AGENT_MAX_HOPS		16	/* OpenSSH's AGENT_MAX_SESSION_IDS */
#define AGENT_MAX_LOCK_PASS	1024	/* bytes of an ssh-add -x passphrase */

enum {
	SSH_AGENT_FAILURE = 5,
	SSH_AGENT_SUCCESS = 6,
	SSH2_AGENTC_REQUEST_IDENTITIES = 11,
	SSH2_AGENT_IDENTITIES_ANSWER = 12,
	SSH2_AGENTC_SIGN_REQUEST = 13,
	SSH2_AGENT_SIGN_RESPONSE = 14,
	SSH_AGENTC_LOCK = 22,
	SSH_AGENTC_UNLOCK = 23,
	SSH_AGENTC_EXTENSION = 27,
	SSH_AGENT_EXTENSION_FAILURE = 28
};

#define SSH_AGENT_RSA_SHA2_256	0x02
#define SSH_AGENT_RSA_SHA2_512	0x04

/* One verified session-bind: a host this connection went through. */
struct agent_hop {
	uint8_t	hostkey[AGENT_MAX_HOSTKEY];
	size_t	hostkey_len;
	uint8_t	session_id[AGENT_MAX_SESSION_ID];
	size_t	session_id_len;
	int	forwarded;	/* bound for agent forwarding, not for auth */
};

/*
 * Per-connection state.  All hops but the last are forwarded ones (a
 * binding for authentication ends the chain).  Zero it for a new
 * connection; it owns no memory.
 */
struct agent_conn {
	struct agent_hop	hops[AGENT_MAX_HOPS];
	size_t			n_hops;
	int			bind_failed;	/* a session-bind was refused */
	struct agent_peer	peer;		/* who connected, for the log */
};

/* What a signature request signs, as far as the agent can tell. */
enum agent_data_kind {
	AGENT_DATA_OTHER,	/* unrecognised bytes */
	AGENT_DATA_USERAUTH,	/* an SSH publickey userauth request */
	AGENT_DATA_SSHSIG	/* PROTOCOL.sshsig: ssh-keygen -Y sign, git */
};

struct agent_sign_req {
	enum agent_data_kind	 kind;
	/* USERAUTH: the session it is for and (hostbound) the server key */
	const uint8_t		*session_id;
	size_t			 session_id_len;
	const uint8_t		*hostkey;	/* NULL: plain "publickey" */
	size_t			 hostkey_len;
	char			 user[64];	/* cut, control chars as '?' */
	char			 ns[64];	/* SSHSIG namespace: git */
};

/*
 * The agent-wide lock (ssh-add -x / -X).  Zero-initialise; only a salted
 * slow hash of the passphrase is kept.  After the second wrong passphrase
 * in a row, the next attempt is refused unchecked for 100 ms per wrong one
 * after the first (at most 30 s), so guessing through the socket is slow
 * while one typo costs nothing.
 */
struct agent_lock {
	int		 locked;
	uint8_t		 salt[16];
	uint8_t		 hash[32];
	unsigned	 fails;
	long long	 next_try_ms;
	long long	(*now_ms)(void);	/* NULL: CLOCK_MONOTONIC */
};

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
	 * May identity i be listed (req NULL) or sign req on this
	 * connection?  0 when it may; a negative code when not (KSM_EPERM:
	 * the policy; KSM_EACCESS: the user said no).  NULL: always.  May
	 * block (a confirmation prompt) for a signature.
	 */
	int	(*allowed)(void *ctx, size_t i, const struct agent_conn *conn,
		    const struct agent_sign_req *req);
	/* After sign() ran for an allowed request: its result.  May be NULL. */
	void	(*audit)(void *ctx, size_t i, const struct agent_conn *conn,
		    const struct agent_sign_req *req, int result);
	/* The agent's lock; NULL: LOCK/UNLOCK are refused. */
	struct agent_lock *lock;
};

/*
 * Classify data a client asks the agent to sign.  Anything that starts
 * like a userauth request (string session id, byte 50) is a login, even
 * when the rest does not parse (then user is "?" and hostkey NULL); a
 * complete SSHSIG message is AGENT_DATA_SSHSIG; the rest is
 * AGENT_DATA_OTHER.  req borrows data.
 */
void	agent_sign_req_parse(struct agent_sign_req *req, const uint8_t *data,
	    size_t len);

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
