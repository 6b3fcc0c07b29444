#include "config.h"

/* AES-256-GCM and AES-256-CBC: seal, open, open in place. */

#include <limits.h>
#include <string.h>

#include "crypto-int.h"

#define MAX_EVP_LEN	((size_t)INT_MAX - 64)	/* EVP lengths are int */

/*
 * One AES-256 pass for both modes, so the bounds, the wiping and the
 * OpenSSL call order live in one place.  Appends IV || ct [|| tag];
 * tag_len is 16 for GCM (aad allowed), 0 for CBC (ct_len includes the
 * PKCS#7 padding).  On failure nothing is appended and the space that
 * was written is wiped.
 */
static int
aes_seal(struct ksmx_buf *out, const EVP_CIPHER *cipher,
    const uint8_t key[32], const uint8_t *iv, size_t iv_len,
    const void *aad, size_t aad_len, const void *pt, size_t pt_len,
    size_t ct_len, size_t tag_len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	size_t len0;
	uint8_t *p;
	int n = 0, n2, r;

	if (out == NULL || key == NULL || iv == NULL ||
	    (aad == NULL && aad_len != 0) || (pt == NULL && pt_len != 0))
		return KSM_EINVAL;
	if (pt_len > MAX_EVP_LEN || aad_len > MAX_EVP_LEN)
		return KSM_ETOOBIG;
	len0 = out->len;
	if ((r = ksmx_buf_reserve(out, iv_len + ct_len + tag_len)) != 0)
		return r;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	p = out->d + out->len;
	memcpy(p, iv, iv_len);
	p += iv_len;
	r = KSM_ECRYPTO;
	if (EVP_EncryptInit_ex2(ctx, cipher, key, iv, NULL) != 1)
		goto out;
	if (aad_len > 0 &&
	    EVP_EncryptUpdate(ctx, NULL, &n2, aad, (int)aad_len) != 1)
		goto out;
	/* out == NULL would make it AAD: skip the call for empty input */
	if (pt_len > 0 && EVP_EncryptUpdate(ctx, p, &n, pt, (int)pt_len) != 1)
		goto out;
	if (EVP_EncryptFinal_ex(ctx, p + n, &n2) != 1 ||
	    (size_t)n + (size_t)n2 != ct_len)
		goto out;
	if (tag_len > 0 && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
	    (int)tag_len, p + ct_len) != 1)
		goto out;
	out->len += iv_len + ct_len + tag_len;
	r = 0;
 out:
	EVP_CIPHER_CTX_free(ctx);
	if (r != 0) {
		if (out->d != NULL)
			ksmx_wipe(out->d + len0, out->alloc - len0);
		ERR_clear_error();
	}
	return r;
}

/*
 * The reverse, into p (room for ct_len bytes; p == ct decrypts in place):
 * *n_out plaintext bytes.  tag (16 bytes) given means GCM; NULL means CBC
 * with PKCS#7.  On failure the unauthenticated bytes written are wiped.
 */
static int
aes_open_at(uint8_t *p, size_t *n_out, const EVP_CIPHER *cipher,
    const uint8_t key[32], const uint8_t *iv, const void *aad,
    size_t aad_len, const uint8_t *ct, size_t ct_len, const uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t tagcopy[KSM_GCM_TAG_LEN];
	int n = 0, n2 = 0, r;

	*n_out = 0;
	if (ct_len > MAX_EVP_LEN || aad_len > MAX_EVP_LEN)
		return KSM_ETOOBIG;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return KSM_ENOMEM;
	r = KSM_ECRYPTO;
	if (EVP_DecryptInit_ex2(ctx, cipher, key, iv, NULL) != 1)
		goto out;
	if (aad_len > 0 &&
	    EVP_DecryptUpdate(ctx, NULL, &n2, aad, (int)aad_len) != 1)
		goto out;
	/* one Update over the whole input writes at most ct_len bytes */
	if (ct_len > 0 && EVP_DecryptUpdate(ctx, p, &n, ct, (int)ct_len) != 1)
		goto out;
	if (tag != NULL) {
		memcpy(tagcopy, tag, sizeof(tagcopy));	/* ctrl wants non-const */
		if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
		    KSM_GCM_TAG_LEN, tagcopy) != 1)
			goto out;
	}
	/* bad tag or bad padding */
	if (EVP_DecryptFinal_ex(ctx, p + n, &n2) != 1)
		goto out;
	*n_out = (size_t)n + (size_t)n2;
	r = 0;
 out:
	EVP_CIPHER_CTX_free(ctx);
	if (r != 0) {
		ksmx_wipe(p, ct_len);
		ERR_clear_error();
	}
	return r;
}

/*
 * Appends the plaintext of ct to out.  Padding bytes that land in the
 * buffer past the result are wiped.
 */
static int
aes_open(struct ksmx_buf *out, const EVP_CIPHER *cipher,
    const uint8_t key[32], const uint8_t *iv, const void *aad,
    size_t aad_len, const uint8_t *ct, size_t ct_len, const uint8_t *tag)
{
	size_t n = 0;
	int r;

	if (ct_len > MAX_EVP_LEN || aad_len > MAX_EVP_LEN)
		return KSM_ETOOBIG;
	if ((r = ksmx_buf_reserve(out, ct_len)) != 0)
		return r;
	r = aes_open_at(out->d + out->len, &n, cipher, key, iv, aad, aad_len,
	    ct, ct_len, tag);
	out->len += n;
	if (out->d != NULL && out->alloc > out->len)
		ksmx_wipe(out->d + out->len, out->alloc - out->len);
	return r;
}

int
ksm_crypto__gcm_encrypt_iv(struct ksmx_buf *out, const uint8_t key[32],
    const uint8_t iv[12], const void *pt, size_t pt_len)
{
	KSM_CRYPTO_LOAD();
	return aes_seal(out, EVP_aes_256_gcm(), key, iv, KSM_GCM_IV_LEN,
	    NULL, 0, pt, pt_len, pt_len, KSM_GCM_TAG_LEN);
}

int
ksm_crypto__gcm_encrypt_aad(struct ksmx_buf *out, const uint8_t key[32],
    const void *aad, size_t aad_len, const void *pt, size_t pt_len)
{
	uint8_t iv[KSM_GCM_IV_LEN];
	int r;

	KSM_CRYPTO_LOAD();
	if ((r = ksm_crypto__random(iv, sizeof(iv))) != 0)
		return r;
	return aes_seal(out, EVP_aes_256_gcm(), key, iv, KSM_GCM_IV_LEN,
	    aad, aad_len, pt, pt_len, pt_len, KSM_GCM_TAG_LEN);
}

int
ksm_crypto__gcm_encrypt(struct ksmx_buf *out, const uint8_t key[32],
    const void *pt, size_t pt_len)
{
	KSM_CRYPTO_LOAD();
	return ksm_crypto__gcm_encrypt_aad(out, key, NULL, 0, pt, pt_len);
}

int
ksm_crypto__gcm_decrypt_aad(struct ksmx_buf *out, const uint8_t key[32],
    const void *aad, size_t aad_len, const void *in, size_t in_len)
{
	const uint8_t *iv = in;
	size_t ct_len;

	KSM_CRYPTO_LOAD();
	if (out == NULL || key == NULL || (aad == NULL && aad_len != 0) ||
	    (in == NULL && in_len != 0))
		return KSM_EINVAL;
	if (in_len < KSM_GCM_IV_LEN + KSM_GCM_TAG_LEN)
		return KSM_ECRYPTO;
	ct_len = in_len - KSM_GCM_IV_LEN - KSM_GCM_TAG_LEN;
	return aes_open(out, EVP_aes_256_gcm(), key, iv, aad, aad_len,
	    iv + KSM_GCM_IV_LEN, ct_len, iv + KSM_GCM_IV_LEN + ct_len);
}

int
ksm_crypto__gcm_decrypt(struct ksmx_buf *out, const uint8_t key[32],
    const void *in, size_t in_len)
{
	KSM_CRYPTO_LOAD();
	return ksm_crypto__gcm_decrypt_aad(out, key, NULL, 0, in, in_len);
}

int
ksm_crypto__gcm_decrypt_inplace(struct ksmx_buf *b, const uint8_t key[32])
{
	uint8_t iv[KSM_GCM_IV_LEN];
	size_t ct_len, n = 0;
	int r;

	KSM_CRYPTO_LOAD();
	if (b == NULL || key == NULL)
		return KSM_EINVAL;
	if (b->len < KSM_GCM_IV_LEN + KSM_GCM_TAG_LEN)
		return KSM_ECRYPTO;
	ct_len = b->len - KSM_GCM_IV_LEN - KSM_GCM_TAG_LEN;
	memcpy(iv, b->d, sizeof(iv));
	r = aes_open_at(b->d + KSM_GCM_IV_LEN, &n, EVP_aes_256_gcm(), key, iv, NULL,
	    0, b->d + KSM_GCM_IV_LEN, ct_len, b->d + KSM_GCM_IV_LEN + ct_len);
	if (r == 0)
		memmove(b->d, b->d + KSM_GCM_IV_LEN, n);
	b->len = n;
	ksmx_wipe(b->d + b->len, b->alloc - b->len);
	return r;
}

int
ksm_crypto__cbc_encrypt_iv(struct ksmx_buf *out, const uint8_t key[32],
    const uint8_t iv[16], const void *pt, size_t pt_len)
{
	KSM_CRYPTO_LOAD();
	return aes_seal(out, EVP_aes_256_cbc(), key, iv, KSM_CBC_IV_LEN,
	    NULL, 0, pt, pt_len,
	    (pt_len / KSM_CBC_IV_LEN + 1) * KSM_CBC_IV_LEN, 0);
}

int
ksm_crypto__cbc_encrypt(struct ksmx_buf *out, const uint8_t key[32],
    const void *pt, size_t pt_len)
{
	uint8_t iv[KSM_CBC_IV_LEN];
	int r;

	KSM_CRYPTO_LOAD();
	if ((r = ksm_crypto__random(iv, sizeof(iv))) != 0)
		return r;
	return ksm_crypto__cbc_encrypt_iv(out, key, iv, pt, pt_len);
}

int
ksm_crypto__cbc_decrypt(struct ksmx_buf *out, const uint8_t key[32],
    const void *in, size_t in_len)
{
	const uint8_t *iv = in;

	KSM_CRYPTO_LOAD();
	if (out == NULL || key == NULL || (in == NULL && in_len != 0))
		return KSM_EINVAL;
	if (in_len < 2 * KSM_CBC_IV_LEN || in_len % KSM_CBC_IV_LEN != 0)
		return KSM_ECRYPTO;
	return aes_open(out, EVP_aes_256_cbc(), key, iv, NULL, 0,
	    iv + KSM_CBC_IV_LEN, in_len - KSM_CBC_IV_LEN, NULL);
}
