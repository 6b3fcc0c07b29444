/*
 * Decrypt a passphrase-protected OpenSSH key with OpenSSH's own
 * ssh-keygen: the fallback for what libssh cannot hand back (libssh 0.10
 * and RSA), or every such key when keeper-agent is built without libssh.
 */
#ifndef AGENT_KEYGEN_H
#define AGENT_KEYGEN_H

#include <stddef.h>

/*
 * Run `ssh-keygen -p -m PKCS8 -N ''` on a copy of the key in a memfd
 * (never on disk), the passphrase on its stdin (never in argv).  On success
 * *out is the unencrypted key (PKCS#8 PEM; OpenSSH format for Ed25519,
 * which ssh-keygen writes no other way), NUL-terminated, in OpenSSL's
 * secure heap (free with
 * OPENSSL_secure_clear_free(*out, *out_len)); 0, KSM_ECRYPTO (wrong
 * passphrase, ssh-keygen missing or failing) or KSM_ENOMEM.
 */
int	agent_keygen_decrypt(const char *text, size_t len,
	    const char *passphrase, char **out, size_t *out_len);

#endif /* AGENT_KEYGEN_H */
