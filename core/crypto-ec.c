#include "config.h"

/* ECDSA P-256 / SHA-256, ECDH and ECIES on ksm_eckeys. */

#include "crypto-int.h"

#define ECDH_LEN	32

/* Wipe what was appended after len and drop it. */
static void
buf_rollback(struct ksmx_buf *b, size_t len)
{
	if (b->len > len) {
		ksmx_wipe(b->d + len, b->len - len);
		b->len = len;
	}
}

/* -------------------------------------------------------------- ECDSA */

int
ksm_crypto__ecdsa_sign(struct ksmx_buf *sig, const ksm_eckey *key,
    const void *msg, size_t msg_len)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pkey;
	size_t len = 0, len0;
	int r;

	KSM_CRYPTO_LOAD();
	if (sig == NULL || key == NULL || (msg == NULL && msg_len != 0))
		return KSM_EINVAL;
	if ((r = ksm_eckey__pkey(key, &pkey)) != 0)
		return r;	/* a lazy key that does not hold together */
	len0 = sig->len;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return KSM_ENOMEM;
	r = KSM_ECRYPTO;
	if (EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, pkey,
	    NULL) != 1 ||
	    EVP_DigestSign(md, NULL, &len, msg, msg_len) != 1)
		goto out;
	if ((r = ksmx_buf_reserve(sig, len)) != 0)
		goto out;
	r = KSM_ECRYPTO;
	if (EVP_DigestSign(md, sig->d + sig->len, &len, msg, msg_len) != 1)
		goto out;
	sig->len += len;
	r = 0;
 out:
	EVP_MD_CTX_free(md);
	if (r != 0) {
		buf_rollback(sig, len0);
		ERR_clear_error();
	}
	return r;
}

int
ksm_crypto__ecdsa_verify(const ksm_eckey *key, const void *msg,
    size_t msg_len, const void *sig, size_t sig_len)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pkey;
	int r;

	KSM_CRYPTO_LOAD();
	if (key == NULL || (msg == NULL && msg_len != 0) ||
	    (sig == NULL && sig_len != 0))
		return KSM_EINVAL;
	if (sig_len == 0)
		return KSM_ECRYPTO;
	if ((r = ksm_eckey__pkey(key, &pkey)) != 0)
		return r;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return KSM_ENOMEM;
	r = KSM_ECRYPTO;
	if (EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pkey,
	    NULL) == 1 &&
	    EVP_DigestVerify(md, sig, sig_len, msg, msg_len) == 1)
		r = 0;
	EVP_MD_CTX_free(md);
	if (r != 0)
		ERR_clear_error();
	return r;
}

/* -------------------------------------------------------------- ECIES */

/* K = SHA-256(x of own * peer); both keys are EVP_PKEYs. */
static int
ecdh_aes_key(uint8_t k[32], EVP_PKEY *own, EVP_PKEY *peer)
{
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t z[ECDH_LEN];
	size_t zlen = sizeof(z);
	int r = KSM_ENOMEM;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, own, NULL)) == NULL)
		goto out;
	r = KSM_ECRYPTO;
	/* set_peer checks the peer key is a valid point */
	if (EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
	    EVP_PKEY_derive(ctx, z, &zlen) != 1 || zlen != sizeof(z))
		goto out;
	r = ksm_crypto__sha256(k, z, zlen);
 out:
	ksmx_wipe_array(z);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* E || GCM(K, iv, pt) with the ephemeral key eph. */
static int
ecies_seal(struct ksmx_buf *out, const uint8_t point[65],
    const ksm_eckey *eph, const uint8_t iv[12], const void *pt,
    size_t pt_len)
{
	ksm_eckey *peer = NULL;
	EVP_PKEY *own, *other;
	uint8_t k[KSM_AES_KEY_LEN], e[KSM_EC_POINT_LEN];
	size_t len0 = out->len;
	int r;

	if ((r = ksm_eckey__from_public(&peer, point)) == 0 &&
	    (r = ksm_eckey__public_point(e, eph)) == 0 &&
	    (r = ksm_eckey__pkey(eph, &own)) == 0 &&
	    (r = ksm_eckey__pkey(peer, &other)) == 0 &&
	    (r = ecdh_aes_key(k, own, other)) == 0 &&
	    (r = ksmx_buf_put(out, e, sizeof(e))) == 0)
		r = ksm_crypto__gcm_encrypt_iv(out, k, iv, pt, pt_len);
	ksmx_wipe_array(k);
	ksm_eckey__free(peer);
	if (r != 0) {
		buf_rollback(out, len0);
		ERR_clear_error();
	}
	return r;
}

int
ksm_crypto__ecies_encrypt(struct ksmx_buf *out, const uint8_t point[65],
    const void *pt, size_t pt_len)
{
	ksm_eckey *eph = NULL;
	uint8_t iv[KSM_GCM_IV_LEN];
	int r;

	KSM_CRYPTO_LOAD();
	if (out == NULL || point == NULL || (pt == NULL && pt_len != 0))
		return KSM_EINVAL;
	if ((r = ksm_crypto__random(iv, sizeof(iv))) != 0 ||
	    (r = ksm_eckey__generate(&eph)) != 0)
		return r;
	r = ecies_seal(out, point, eph, iv, pt, pt_len);
	ksm_eckey__free(eph);
	return r;
}

int
ksm_crypto__ecies_encrypt_det(struct ksmx_buf *out,
    const uint8_t point[65], const uint8_t eph_scalar[32],
    const uint8_t iv[12], const void *pt, size_t pt_len)
{
	ksm_eckey *eph = NULL;
	int r;

	KSM_CRYPTO_LOAD();
	if (out == NULL || point == NULL || eph_scalar == NULL || iv == NULL ||
	    (pt == NULL && pt_len != 0))
		return KSM_EINVAL;
	if ((r = ksm_eckey__from_scalar(&eph, eph_scalar)) != 0)
		return r;
	r = ecies_seal(out, point, eph, iv, pt, pt_len);
	ksm_eckey__free(eph);
	return r;
}

int
ksm_crypto__ecies_decrypt(struct ksmx_buf *out, const ksm_eckey *key,
    const void *in, size_t in_len)
{
	ksm_eckey *eph = NULL;
	EVP_PKEY *pkey, *other;
	uint8_t k[KSM_AES_KEY_LEN];
	int r;

	KSM_CRYPTO_LOAD();
	if (out == NULL || key == NULL || (in == NULL && in_len != 0))
		return KSM_EINVAL;
	if (in_len < KSM_ECIES_OVERHEAD)
		return KSM_ECRYPTO;
	if ((r = ksm_eckey__pkey(key, &pkey)) != 0)
		return r;
	if ((r = ksm_eckey__from_public(&eph, in)) != 0 ||
	    (r = ksm_eckey__pkey(eph, &other)) != 0 ||
	    (r = ecdh_aes_key(k, pkey, other)) != 0)
		goto out;
	r = ksm_crypto__gcm_decrypt(out, k, (const uint8_t *)in +
	    KSM_EC_POINT_LEN, in_len - KSM_EC_POINT_LEN);
 out:
	ksmx_wipe_array(k);
	ksm_eckey__free(eph);
	if (r != 0)
		ERR_clear_error();
	return r;
}
