/*
 * Private keys for keeper-agent: parse (PEM/PKCS#8 through OpenSSL,
 * unencrypted openssh-key-v1 with a bounded reader), derive the public
 * blob in SSH wire format, sign as the agent protocol asks.
 *
 * Key material lives in OpenSSL's secure heap when agent_keys_secure_init()
 * succeeded (mlock'ed, MADV_DONTDUMP), and is wiped on free: key texts and
 * passphrases, RSA parameters and Ed25519 seeds, ECDSA keys.  The OpenSSL
 * key object that signs is parsed (or built) at the first signature and
 * kept for the next ones until it has been idle for the idle lifetime
 * (agent_keys_set_idle, agent_keys_sweep), then freed (cleared).  OpenSSL
 * 3.0 holds the numbers of that object in ordinary heap for RSA and
 * Ed25519 keys (not locked; keeper-agent makes itself non-dumpable).
 *
 * Not thread-safe: one thread uses the keys.
 */
#ifndef AGENT_KEYS_H
#define AGENT_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct agent_key;

/* Set up OpenSSL's locked secure heap; 0 or KSM_ERROR (keys still work). */
int	agent_keys_secure_init(void);

#define AGENT_KEYS_IDLE_DEFAULT	60	/* seconds */

/*
 * How long a parsed private key is kept after its last signature, in
 * seconds; 0: parse it for every signature and free it right after.
 * Default AGENT_KEYS_IDLE_DEFAULT.  Drops keys idle for longer at once.
 */
void	agent_keys_set_idle(unsigned seconds);
/*
 * Free the parsed private keys that have been idle for the idle lifetime
 * as of now_ms (CLOCK_MONOTONIC, milliseconds); signing does this too.
 * Returns when the next one is due (CLOCK_MONOTONIC ms), or -1 when none
 * is kept: the caller's event loop should call this again then.
 */
long long agent_keys_sweep(long long now_ms);

/*
 * Load a private key from text (OpenSSH or PEM).  passphrase may be NULL.
 * comment is copied.  0, KSM_EINVAL (not a key we understand), KSM_ECRYPTO
 * (wrong passphrase, encrypted OpenSSH key) or KSM_ENOMEM; ksm_last_error
 * says which.
 */
int	agent_key_load(const char *text, size_t len, const char *passphrase,
	    const char *comment, struct agent_key **out);
/*
 * Lazy load: keep only the public blob (from publine, an OpenSSH public key
 * line "type base64 [comment]") and the comment for listing, and the
 * private key text and passphrase in the secure heap.  The private key is
 * parsed (passphrase KDF included) by the first agent_key_sign and kept
 * for the next signatures while they come within the idle lifetime; a key
 * that fails to decrypt or does not match the public blob fails that
 * signature (KSM_ECRYPTO) and is parsed again for the next.  When publine
 * is NULL or not usable, the private key is parsed once here to derive the
 * blob, and the parsed key is wiped right away.
 */
int	agent_key_load_lazy(const char *text, size_t len,
	    const char *passphrase, const char *publine, const char *comment,
	    struct agent_key **out);
void	agent_key_free(struct agent_key *k);

const uint8_t	*agent_key_blob(const struct agent_key *k, size_t *len);
const char	*agent_key_comment(const struct agent_key *k);

/*
 * Append string algorithm, string signature to sig; flags from
 * SIGN_REQUEST.  Parses the private key if it is not kept (see above).
 */
int	agent_key_sign(const struct agent_key *k, const uint8_t *data,
	    size_t len, uint32_t flags, struct ksmx_buf *sig);

#endif /* AGENT_KEYS_H */
