#include "config.h"

/*
 * Every cryptographic primitive KSM needs, on OpenSSL 3 EVP, split by
 * concern: this file (random, SHA-256, HMAC), crypto-aes.c (AES-GCM and
 * AES-CBC), crypto-eckey.c (the ksm_eckey object), crypto-pkcs8.c (its
 * PKCS#8 DER form) and crypto-ec.c (ECDSA, ECDH, ECIES).  They are the
 * only files that include OpenSSL; crypto-int.h is what they share.
 * Functions return 0 or a negative ksm_code and set no message; on
 * failure an output buffer is left as it was (whatever was appended is
 * wiped) and the OpenSSL error queue is emptied, so nothing leaks into
 * another library's error checks.
 */

#include <string.h>

#include "crypto-int.h"

int
ksm_crypto__random(void *out, size_t n)
{
	uint8_t *p = out;
	int chunk;

	KSM_CRYPTO_LOAD();
	if (out == NULL && n != 0)
		return KSM_EINVAL;
	while (n > 0) {
		chunk = n > 1024 * 1024 ? 1024 * 1024 : (int)n;
		if (RAND_bytes(p, chunk) != 1)
			return ossl_fail(KSM_ECRYPTO);
		p += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

/* ------------------------------------------------------ hashes and MACs */

int
ksm_crypto__sha256(uint8_t out[32], const void *p, size_t n)
{
	unsigned int len = 0;

	KSM_CRYPTO_LOAD();
	if (out == NULL || (p == NULL && n != 0))
		return KSM_EINVAL;
	if (EVP_Digest(n != 0 ? p : "", n, out, &len, EVP_sha256(), NULL) !=
	    1 || len != 32)
		return ossl_fail(KSM_ECRYPTO);
	return 0;
}

int
ksm_crypto__hmac(uint8_t *out, size_t *out_len, const char *alg,
    const void *key, size_t key_len, const void *msg, size_t msg_len)
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	const char *digest;
	size_t size, len = 0;
	int r = KSM_ENOMEM;

	KSM_CRYPTO_LOAD();
	if (out == NULL || out_len == NULL || alg == NULL ||
	    (key == NULL && key_len != 0) || (msg == NULL && msg_len != 0))
		return KSM_EINVAL;
	if (strcmp(alg, "SHA1") == 0) {
		digest = "SHA1";
		size = 20;
	} else if (strcmp(alg, "SHA256") == 0) {
		digest = "SHA2-256";
		size = 32;
	} else if (strcmp(alg, "SHA512") == 0) {
		digest = "SHA2-512";
		size = 64;
	} else
		return KSM_EINVAL;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	r = KSM_ECRYPTO;
	/* a NULL key means "keep the previous one": pass "" for empty */
	if (EVP_MAC_init(ctx, key_len != 0 ? key : (const void *)"", key_len,
	    params) != 1 ||
	    (msg_len != 0 && EVP_MAC_update(ctx, msg, msg_len) != 1) ||
	    EVP_MAC_final(ctx, out, &len, size) != 1 || len != size)
		goto out;
	*out_len = len;
	r = 0;
 out:
	EVP_MAC_CTX_free(ctx);	/* clears the key schedule */
	EVP_MAC_free(mac);
	if (r != 0)
		ERR_clear_error();
	return r;
}
