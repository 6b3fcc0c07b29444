/*
 * Every cryptographic primitive KSM needs; core/crypto*.c are the only
 * files that include OpenSSL, and they reach it through a table filled
 * when the first of these functions is called (crypto-load.c: libksm is
 * not linked with libcrypto).  All functions return 0 or a negative
 * ksm_code and set no message (callers add context), except that a
 * failure to load libcrypto sets one.  Outputs are appended to ksmx_bufs.
 */
#ifndef KSM_CRYPTO_H
#define KSM_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

struct ksmx_buf;

#define KSM_AES_KEY_LEN		32
#define KSM_GCM_IV_LEN		12
#define KSM_GCM_TAG_LEN		16
#define KSM_CBC_IV_LEN		16
#define KSM_EC_POINT_LEN	65	/* uncompressed P-256: 04 || X || Y */
#define KSM_ECIES_OVERHEAD	(KSM_EC_POINT_LEN + KSM_GCM_IV_LEN + KSM_GCM_TAG_LEN)

/* A P-256 key pair or public key.  Opaque; wraps EVP_PKEY. */
typedef struct ksm_eckey ksm_eckey;
/*
 * Keys from ksm_eckey__from_pkcs8 (the SDK forms) and ksm_eckey__from_public
 * are lazy: the DER structure, 0 < scalar < n and the public point are
 * checked at load, the EVP_PKEY is built (under a per-key lock) on first
 * use.  A PKCS#8 whose embedded public key is not its scalar's loads, and
 * every use of it (sign, verify, public_point, to_pkcs8, ECIES) then fails
 * with KSM_ECRYPTO.
 */

/*
 * Load libcrypto (crypto-load.c) unless done: 0, or KSM_ECRYPTO with the
 * message set ("cannot load libcrypto.so.3: ...").  Every function below
 * does this first and returns KSM_ECRYPTO when it fails, so a caller that
 * turns KSM_ECRYPTO into a message of its own ("the key is damaged")
 * calls this first to tell the two apart.
 */
int	ksm_crypto__load(void);

/* CSPRNG. */
int	ksm_crypto__random(void *out, size_t n);

/* AES-256-GCM, layout IV(12) || ct || tag(16), no AAD. */
int	ksm_crypto__gcm_encrypt(struct ksmx_buf *out, const uint8_t key[32],
	    const void *pt, size_t pt_len);
/* Same with a caller-chosen IV (test vectors only). */
int	ksm_crypto__gcm_encrypt_iv(struct ksmx_buf *out, const uint8_t key[32],
	    const uint8_t iv[12], const void *pt, size_t pt_len);
/* KSM_ECRYPTO on a bad tag or short input. */
int	ksm_crypto__gcm_decrypt(struct ksmx_buf *out, const uint8_t key[32],
	    const void *in, size_t in_len);
/*
 * The same in b itself (IV || ct || tag in, the plaintext out, the rest
 * wiped; emptied on failure): for answers of megabytes, no second buffer.
 */
int	ksm_crypto__gcm_decrypt_inplace(struct ksmx_buf *b,
	    const uint8_t key[32]);

/*
 * AES-256-GCM with additional authenticated data (the cache binds each
 * file's identity): random IV, layout IV(12) || ct || tag(16).
 */
int	ksm_crypto__gcm_encrypt_aad(struct ksmx_buf *out, const uint8_t key[32],
	    const void *aad, size_t aad_len, const void *pt, size_t pt_len);
int	ksm_crypto__gcm_decrypt_aad(struct ksmx_buf *out, const uint8_t key[32],
	    const void *aad, size_t aad_len, const void *in, size_t in_len);

/* AES-256-CBC with PKCS#7, layout IV(16) || ct. */
int	ksm_crypto__cbc_encrypt(struct ksmx_buf *out, const uint8_t key[32],
	    const void *pt, size_t pt_len);
int	ksm_crypto__cbc_encrypt_iv(struct ksmx_buf *out, const uint8_t key[32],
	    const uint8_t iv[16], const void *pt, size_t pt_len);
int	ksm_crypto__cbc_decrypt(struct ksmx_buf *out, const uint8_t key[32],
	    const void *in, size_t in_len);

/* Keys. */
int	ksm_eckey__generate(ksm_eckey **out);
/* From PKCS#8 DER (both the 138- and 150-byte forms). */
int	ksm_eckey__from_pkcs8(ksm_eckey **out, const void *der, size_t len);
/* From a raw 32-byte private scalar (test vectors). */
int	ksm_eckey__from_scalar(ksm_eckey **out, const uint8_t scalar[32]);
/* Public-only key from a 65-byte uncompressed point (validated on curve). */
int	ksm_eckey__from_public(ksm_eckey **out, const uint8_t point[65]);
/* PKCS#8 PrivateKeyInfo DER with the public key embedded (SDK-compatible). */
int	ksm_eckey__to_pkcs8(struct ksmx_buf *out, const ksm_eckey *key);
int	ksm_eckey__public_point(uint8_t out[65], const ksm_eckey *key);
void	ksm_eckey__free(ksm_eckey *key);

/* ECDSA P-256 / SHA-256, DER signature. */
int	ksm_crypto__ecdsa_sign(struct ksmx_buf *sig, const ksm_eckey *key,
	    const void *msg, size_t msg_len);
/* 0 when valid, KSM_ECRYPTO when not. */
int	ksm_crypto__ecdsa_verify(const ksm_eckey *key, const void *msg,
	    size_t msg_len, const void *sig, size_t sig_len);

/*
 * ECIES as KSM uses it: ephemeral P-256, K = SHA-256(ECDH x), AES-GCM.
 * Output: E(65) || IV(12) || ct || tag(16).
 */
int	ksm_crypto__ecies_encrypt(struct ksmx_buf *out, const uint8_t point[65],
	    const void *pt, size_t pt_len);
/* Deterministic variant (test vectors): ephemeral scalar and IV given. */
int	ksm_crypto__ecies_encrypt_det(struct ksmx_buf *out,
	    const uint8_t point[65], const uint8_t eph_scalar[32],
	    const uint8_t iv[12], const void *pt, size_t pt_len);
int	ksm_crypto__ecies_decrypt(struct ksmx_buf *out, const ksm_eckey *key,
	    const void *in, size_t in_len);

/* Hashes and MACs; out must hold the digest size. */
int	ksm_crypto__sha256(uint8_t out[32], const void *p, size_t n);
/* alg: "SHA1", "SHA256" or "SHA512"; *out_len receives the MAC size. */
int	ksm_crypto__hmac(uint8_t *out, size_t *out_len, const char *alg,
	    const void *key, size_t key_len, const void *msg, size_t msg_len);

#endif /* KSM_CRYPTO_H */
