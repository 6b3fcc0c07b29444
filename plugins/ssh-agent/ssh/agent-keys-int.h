/*
 * keeper-agent's key module, inside: what its files share.  The API that
 * keeper-agent.c uses is agent-keys.h; this header is for agent-keys*.c
 * (and the unit test, which looks at a key's insides).
 *
 *   agent-keys.c		the API: load, lazy load, free, sign
 *   agent-keys-parse.c		key text: PEM / PKCS#8, passphrases
 *   agent-keys-openssh.c	the openssh-key-v1 reader (bounded)
 *   agent-keys-blob.c		public key blobs (SSH wire format)
 *   agent-keys-sign.c		signing, per algorithm
 *   agent-keys-secure.c	the locked secure heap: what lives there
 *   agent-keys-kept.c		the parsed key kept between signatures
 */
#ifndef AGENT_KEYS_INT_H
#define AGENT_KEYS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/params.h>

#include "util/buf.h"

enum agent_ktype { AGENT_K_ED25519, AGENT_K_RSA, AGENT_K_ECDSA };

/* Digests a key signs with: one for Ed25519 and ECDSA, three for RSA. */
#define AGENT_KEPT_MDS	3

/*
 * The parsed private key that signatures use, kept from the first
 * signature until the key is freed, or the next signature or
 * agent_keys_sweep() finds it idle for agent_keys_set_idle()'s lifetime;
 * then it is dropped (freed, OpenSSL clears its numbers).  With it, one
 * signing context per digest, initialised once (DigestSignInit: the key
 * exported to the provider, the algorithms fetched) and copied for each
 * signature.  Kept keys are on one list, most recently used first
 * (agent-keys-kept.c).
 */
struct agent_kept {
	EVP_PKEY	*pkey;		/* NULL: not parsed yet, or dropped */
	enum agent_ktype type;		/* the rest: valid while pkey is set */
	const char	*ec_name;
	const EVP_MD	*ec_md;
	EVP_MD_CTX	*tmpl[AGENT_KEPT_MDS];
	EVP_MD_CTX	*work;
	long long	 used_ms;	/* last signature, monotonic clock */
	struct agent_kept *prev, *next;
	int		 listed;
};

struct agent_key {
	enum agent_ktype type;		/* eager keys; lazy: see kept */
	EVP_PKEY	*pkey;		/* ECDSA only: see below */
	/*
	 * OpenSSL 3.0 keeps RSA numbers and Ed25519 private keys in ordinary
	 * heap, so eager keys keep those in the secure heap (RSA parameters,
	 * the Ed25519 seed), and the EVP_PKEY that signs is built from them
	 * (kept->pkey).  ECDSA's private scalar is already a secure BIGNUM
	 * inside pkey.
	 */
	OSSL_PARAM	*rsa_priv;
	uint8_t		*ed_seed;	/* 32 bytes, secure heap */
	const char	*ec_name;	/* "nistp256" ... */
	const EVP_MD	*ec_md;
	uint8_t		*blob;
	size_t		 blob_len;
	char		*comment;
	/* lazy keys: private key text and passphrase, secure heap */
	char		*text;
	size_t		 text_len;
	char		*pass;
	/* the parsed key signatures use; mutable behind a const key */
	struct agent_kept *kept;
};

/* agent-keys-parse.c */

/*
 * A private key from its text: openssh-key-v1 (encrypted or not) or PEM
 * (PKCS#1, SEC1, PKCS#8, encrypted or not).  passphrase may be NULL.
 * 0, KSM_EINVAL, KSM_ECRYPTO, KSM_ETOOBIG or KSM_ENOMEM, with a message.
 */
int	agent_keys__parse(const char *text, size_t len,
	    const char *passphrase, EVP_PKEY **out);
/* PEM through OpenSSL, with the passphrase callback. */
int	agent_keys__pem_load(const char *text, size_t len,
	    const char *passphrase, EVP_PKEY **out);
/* A passphrase-protected openssh-key-v1 key (libssh, then ssh-keygen). */
int	agent_keys__openssh_decrypt(const char *text, size_t len,
	    const char *passphrase, EVP_PKEY **out);

/* agent-keys-openssh.c */

/* Whether text holds the OpenSSH private key armour. */
int	agent_keys__is_openssh(const char *text, size_t len);
/* The openssh-key-v1 reader; encrypted keys go to _openssh_decrypt. */
int	agent_keys__openssh_load(const char *text, size_t len,
	    const char *passphrase, EVP_PKEY **out);

/* agent-keys-blob.c */

/* The OpenSSL group name of an SSH curve identifier, or NULL. */
const char *agent_keys__curve_group(const uint8_t *ssh, size_t len);
/* An mpint from a BIGNUM (at most 1024 bytes). */
int	agent_keys__put_bn(struct ksmx_buf *b, const BIGNUM *bn);
/* Fill k->type, the EC fields and k->blob from k->pkey. */
int	agent_keys__make_blob(struct agent_key *k);
/* The blob of an OpenSSH public key line "type base64 [comment]". */
int	agent_keys__pub_blob(const char *line, uint8_t **out,
	    size_t *out_len);

/* agent-keys-secure.c */

/* Move k->pkey's RSA numbers or Ed25519 seed to the secure heap. */
int	agent_keys__secure(struct agent_key *k);
/* An eager key's EVP_PKEY: a reference to k->pkey, or built for signing. */
EVP_PKEY *agent_keys__sign_key(const struct agent_key *k);
/* Copy n bytes of s, NUL-terminated, into the secure heap. */
char	*agent_keys__secure_copy(const char *s, size_t n);
/* Whether the secure heap has room to keep one more parsed key. */
int	agent_keys__secure_room(void);

/* agent-keys-kept.c */

/* Parse k's private key into k->kept (lazy: checked against the blob). */
int	agent_keys__kept_open(const struct agent_key *k);
/* After a signature at now_ms: keep k->kept (most recent), or drop it. */
void	agent_keys__kept_used(struct agent_kept *kp, long long now_ms,
	    int ok);
/* Drop the parsed key and its contexts; kp stays usable.  NULL: no-op. */
void	agent_keys__kept_drop(struct agent_kept *kp);
/* The monotonic clock in milliseconds. */
long long agent_keys__now_ms(void);

/* agent-keys-sign.c */

/* Sign with kp's parsed key (kp->pkey set). */
int	agent_keys__sign(struct agent_kept *kp, const uint8_t *data,
	    size_t len, uint32_t flags, struct ksmx_buf *sig);
/* Free kp's signing contexts. */
void	agent_keys__sign_clear(struct agent_kept *kp);

#endif /* AGENT_KEYS_INT_H */
