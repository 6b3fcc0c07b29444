/*
 * Private keys for keeper-agent: parse (PEM/PKCS#8 through OpenSSL,
 * unencrypted openssh-key-v1 with a bounded reader), derive the public
 * blob in SSH wire format, sign as the agent protocol asks.
 *
 * Key material lives in OpenSSL's secure heap when agent_keys_secure_init()
 * succeeded (mlock'ed, MADV_DONTDUMP), and is wiped on free.  RSA and
 * Ed25519 keys are kept there as parameters / seed; the OpenSSL key object
 * a signature needs is built for that signature and freed (wiped) after.
 */
#ifndef AGENT_KEYS_H
#define AGENT_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct agent_key;

/* Set up OpenSSL's locked secure heap; 0 or KSM_ERROR (keys still work). */
int	agent_keys_secure_init(void);

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
 * parsed (passphrase KDF included) by agent_key_sign and wiped after each
 * signature; a key that fails to decrypt or does not match the public
 * blob fails that signature (KSM_ECRYPTO).  When publine is NULL or not
 * usable, the private key is parsed once here to derive the blob, and
 * the parsed key is wiped right away.
 */
int	agent_key_load_lazy(const char *text, size_t len,
	    const char *passphrase, const char *publine, const char *comment,
	    struct agent_key **out);
void	agent_key_free(struct agent_key *k);

const uint8_t	*agent_key_blob(const struct agent_key *k, size_t *len);
const char	*agent_key_comment(const struct agent_key *k);

/* Append string algorithm, string signature to sig; flags from SIGN_REQUEST. */
int	agent_key_sign(const struct agent_key *k, const uint8_t *data,
	    size_t len, uint32_t flags, struct ksmx_buf *sig);

#endif /* AGENT_KEYS_H */
