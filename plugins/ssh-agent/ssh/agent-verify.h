/*
 * SSH public keys as the agent meets them in session-bind@openssh.com: a
 * host key blob (RFC 4253 6.6) and its signature over the session id.
 * Ed25519 (RFC 8709), ECDSA P-256/384/521 (RFC 5656) and RSA with
 * rsa-sha2-256/512 (RFC 8332); ssh-rsa (SHA-1) signatures are refused.
 */
#ifndef AGENT_VERIFY_H
#define AGENT_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_FP_MAX	64	/* "SHA256:" + 43 base64 characters + NUL */

/*
 * Check that sig (string algorithm, string signature) is key's (an SSH
 * public key blob) signature over data.  0 when it is; KSM_ECRYPTO when it
 * is not (wrong key, altered data, an algorithm that does not belong to
 * the key, SHA-1 RSA); KSM_EPROTO for a malformed blob or signature;
 * KSM_EINVAL for a key type the agent does not verify (certificates,
 * security keys); KSM_ENOMEM.  Sets no ksm_error message.
 */
int	agent_verify(const uint8_t *key, size_t key_len, const uint8_t *sig,
	    size_t sig_len, const uint8_t *data, size_t data_len);

/* "SHA256:<unpadded base64>" of an SSH key blob, like ssh-keygen -l. */
void	agent_fingerprint(char out[AGENT_FP_MAX], const uint8_t *blob,
	    size_t len);

#endif /* AGENT_VERIFY_H */
