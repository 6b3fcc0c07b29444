#include "config.h"

/*
 * Every cryptographic primitive KSM needs, on OpenSSL 3 EVP.  This is the
 * only file that includes OpenSSL.  Functions return 0 or a negative
 * ksm_code and set no message; on failure an output buffer is left as it
 * was (whatever was appended is wiped) and the OpenSSL error queue is
 * emptied, so nothing leaks into another library's error checks.
 */

#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "ksm-int.h"
#include "crypto.h"

#define EC_GROUP_NAME	"prime256v1"
#define EC_SCALAR_LEN	32
#define ECDH_LEN	32
#define MAX_EVP_LEN	((size_t)INT_MAX - 64)	/* EVP lengths are int */
#define MAX_PKCS8_LEN	4096

struct ksm_eckey {
	EVP_PKEY	*pkey;
};

/* Forget OpenSSL's errors and return code. */
static int
ossl_fail(int code)
{
	ERR_clear_error();
	return code;
}

/* Wipe what was appended after len and drop it. */
static void
buf_rollback(struct ksmx_buf *b, size_t len)
{
	if (b->len > len) {
		ksmx_wipe(b->d + len, b->len - len);
		b->len = len;
	}
}

int
ksm_crypto__random(void *out, size_t n)
{
	uint8_t *p = out;
	int chunk;

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

/* ------------------------------------------------------ AES (GCM, CBC) */

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
 * The reverse: appends the plaintext of ct.  tag (16 bytes) given means
 * GCM; NULL means CBC with PKCS#7.  Unauthenticated or padding bytes
 * that land in the buffer past the result are wiped.
 */
static int
aes_open(struct ksmx_buf *out, const EVP_CIPHER *cipher,
    const uint8_t key[32], const uint8_t *iv, const void *aad,
    size_t aad_len, const uint8_t *ct, size_t ct_len, const uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t tagcopy[KSM_GCM_TAG_LEN];
	uint8_t *p;
	int n = 0, n2 = 0, r;

	if (ct_len > MAX_EVP_LEN || aad_len > MAX_EVP_LEN)
		return KSM_ETOOBIG;
	/* one Update over the whole input writes at most ct_len bytes */
	if ((r = ksmx_buf_reserve(out, ct_len)) != 0)
		return r;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	p = out->d + out->len;
	r = KSM_ECRYPTO;
	if (EVP_DecryptInit_ex2(ctx, cipher, key, iv, NULL) != 1)
		goto out;
	if (aad_len > 0 &&
	    EVP_DecryptUpdate(ctx, NULL, &n2, aad, (int)aad_len) != 1)
		goto out;
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
	out->len += (size_t)n + (size_t)n2;
	r = 0;
 out:
	EVP_CIPHER_CTX_free(ctx);
	if (out->d != NULL && out->alloc > out->len)
		ksmx_wipe(out->d + out->len, out->alloc - out->len);
	if (r != 0)
		ERR_clear_error();
	return r;
}

int
ksm_crypto__gcm_encrypt_iv(struct ksmx_buf *out, const uint8_t key[32],
    const uint8_t iv[12], const void *pt, size_t pt_len)
{
	return aes_seal(out, EVP_aes_256_gcm(), key, iv, KSM_GCM_IV_LEN,
	    NULL, 0, pt, pt_len, pt_len, KSM_GCM_TAG_LEN);
}

int
ksm_crypto__gcm_encrypt_aad(struct ksmx_buf *out, const uint8_t key[32],
    const void *aad, size_t aad_len, const void *pt, size_t pt_len)
{
	uint8_t iv[KSM_GCM_IV_LEN];
	int r;

	if ((r = ksm_crypto__random(iv, sizeof(iv))) != 0)
		return r;
	return aes_seal(out, EVP_aes_256_gcm(), key, iv, KSM_GCM_IV_LEN,
	    aad, aad_len, pt, pt_len, pt_len, KSM_GCM_TAG_LEN);
}

int
ksm_crypto__gcm_encrypt(struct ksmx_buf *out, const uint8_t key[32],
    const void *pt, size_t pt_len)
{
	return ksm_crypto__gcm_encrypt_aad(out, key, NULL, 0, pt, pt_len);
}

int
ksm_crypto__gcm_decrypt_aad(struct ksmx_buf *out, const uint8_t key[32],
    const void *aad, size_t aad_len, const void *in, size_t in_len)
{
	const uint8_t *iv = in;
	size_t ct_len;

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
	return ksm_crypto__gcm_decrypt_aad(out, key, NULL, 0, in, in_len);
}

int
ksm_crypto__cbc_encrypt_iv(struct ksmx_buf *out, const uint8_t key[32],
    const uint8_t iv[16], const void *pt, size_t pt_len)
{
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

	if ((r = ksm_crypto__random(iv, sizeof(iv))) != 0)
		return r;
	return ksm_crypto__cbc_encrypt_iv(out, key, iv, pt, pt_len);
}

int
ksm_crypto__cbc_decrypt(struct ksmx_buf *out, const uint8_t key[32],
    const void *in, size_t in_len)
{
	const uint8_t *iv = in;

	if (out == NULL || key == NULL || (in == NULL && in_len != 0))
		return KSM_EINVAL;
	if (in_len < 2 * KSM_CBC_IV_LEN || in_len % KSM_CBC_IV_LEN != 0)
		return KSM_ECRYPTO;
	return aes_open(out, EVP_aes_256_cbc(), key, iv, NULL, 0,
	    iv + KSM_CBC_IV_LEN, in_len - KSM_CBC_IV_LEN, NULL);
}

/* ---------------------------------------------------------------- keys */

static ksm_eckey *
eckey_wrap(EVP_PKEY *pkey)
{
	ksm_eckey *k;

	if ((k = OPENSSL_zalloc(sizeof(*k))) == NULL)
		return NULL;
	k->pkey = pkey;
	return k;
}

void
ksm_eckey__free(ksm_eckey *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);	/* OpenSSL clears the private key */
	OPENSSL_free(key);
}

/* Is pkey an EC key on P-256? */
static int
is_p256(const EVP_PKEY *pkey)
{
	char name[64];
	size_t len = 0;

	if (!EVP_PKEY_is_a(pkey, "EC"))
		return 0;
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    name, sizeof(name), &len) != 1)
		return 0;
	return strcmp(name, EC_GROUP_NAME) == 0 ||
	    strcmp(name, "P-256") == 0 || strcmp(name, "secp256r1") == 0;
}

int
ksm_eckey__public_point(uint8_t out[65], const ksm_eckey *key)
{
	BIGNUM *x = NULL, *y = NULL;
	int r = KSM_ECRYPTO;

	if (out == NULL || key == NULL || key->pkey == NULL)
		return KSM_EINVAL;
	/* X and Y, so the key's point-format setting does not matter */
	if (EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_X,
	    &x) != 1 ||
	    EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y,
	    &y) != 1)
		goto out;
	out[0] = 0x04;
	if (BN_bn2binpad(x, out + 1, 32) != 32 ||
	    BN_bn2binpad(y, out + 33, 32) != 32)
		goto out;
	r = 0;
 out:
	BN_free(x);
	BN_free(y);
	if (r != 0)
		ERR_clear_error();
	return r;
}

/*
 * Build an EVP_PKEY from params (group name always; pub and/or priv).
 * selection is EVP_PKEY_PUBLIC_KEY or EVP_PKEY_KEYPAIR.
 */
static int
pkey_fromdata(EVP_PKEY **out, OSSL_PARAM_BLD *bld, int selection)
{
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *params = NULL;
	int r = KSM_ENOMEM;

	*out = NULL;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    EC_GROUP_NAME, 0) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		goto out;
	r = KSM_ECRYPTO;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, selection, params) != 1) {
		*out = NULL;
		goto out;
	}
	r = 0;
 out:
	OSSL_PARAM_free(params);	/* the secure part is cleared */
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* Full public-key check: on the curve, not infinity, right order. */
static int
pkey_check_public(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *ctx;
	int ok;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL)
		return KSM_ENOMEM;
	ok = EVP_PKEY_public_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : KSM_ECRYPTO;
}

int
ksm_eckey__from_public(ksm_eckey **out, const uint8_t point[65])
{
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;
	int r;

	if (out == NULL)
		return KSM_EINVAL;
	*out = NULL;
	if (point == NULL)
		return KSM_EINVAL;
	if (point[0] != 0x04)
		return KSM_ECRYPTO;	/* uncompressed only */
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return KSM_ENOMEM;
	r = KSM_ENOMEM;
	if (OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    point, KSM_EC_POINT_LEN) != 1)
		goto out;
	if ((r = pkey_fromdata(&pkey, bld, EVP_PKEY_PUBLIC_KEY)) != 0 ||
	    (r = pkey_check_public(pkey)) != 0)
		goto out;
	if ((*out = eckey_wrap(pkey)) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	pkey = NULL;	/* transferred */
	r = 0;
 out:
	EVP_PKEY_free(pkey);
	OSSL_PARAM_BLD_free(bld);
	if (r != 0)
		ERR_clear_error();
	return r;
}

/* pub = priv * G, uncompressed; fails unless 0 < priv < n. */
static int
scalar_to_point(uint8_t pub[65], const BIGNUM *priv)
{
	EC_GROUP *group = NULL;
	EC_POINT *pt = NULL;
	BN_CTX *bnctx = NULL;
	int r = KSM_ENOMEM;

	if ((group = EC_GROUP_new_by_curve_name_ex(NULL, NULL,
	    NID_X9_62_prime256v1)) == NULL ||
	    (pt = EC_POINT_new(group)) == NULL ||
	    (bnctx = BN_CTX_secure_new()) == NULL)
		goto out;
	r = KSM_ECRYPTO;
	if (BN_is_zero(priv) || BN_is_negative(priv) ||
	    BN_cmp(priv, EC_GROUP_get0_order(group)) >= 0)
		goto out;
	if (EC_POINT_mul(group, pt, priv, NULL, NULL, bnctx) != 1 ||
	    EC_POINT_point2oct(group, pt, POINT_CONVERSION_UNCOMPRESSED, pub,
	    KSM_EC_POINT_LEN, bnctx) != KSM_EC_POINT_LEN)
		goto out;
	r = 0;
 out:
	BN_CTX_free(bnctx);
	EC_POINT_free(pt);
	EC_GROUP_free(group);
	return r;
}

/* The key pair for scalar, as an EVP_PKEY with the public key set. */
static int
pkey_from_scalar(EVP_PKEY **out, const uint8_t scalar[32])
{
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *priv = NULL;
	uint8_t pub[KSM_EC_POINT_LEN];
	int r = KSM_ENOMEM;

	*out = NULL;
	/* a secure BIGNUM lands in the cleared part of the params */
	if ((priv = BN_secure_new()) == NULL ||
	    BN_bin2bn(scalar, EC_SCALAR_LEN, priv) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	if ((r = scalar_to_point(pub, priv)) != 0)
		goto out;
	r = KSM_ENOMEM;
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY,
	    priv) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, sizeof(pub)) != 1)
		goto out;
	r = pkey_fromdata(out, bld, EVP_PKEY_KEYPAIR);
 out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(priv);
	return r;
}

/*
 * *out = the key for scalar.  embedded, when not NULL, is a public point
 * that came with the scalar: a point of another key is refused.
 */
static int
eckey_from_scalar(ksm_eckey **out, const uint8_t scalar[32],
    const uint8_t *embedded)
{
	EVP_PKEY *pkey = NULL;
	uint8_t want[KSM_EC_POINT_LEN];
	ksm_eckey tmp;
	int r;

	if ((r = pkey_from_scalar(&pkey, scalar)) != 0)
		goto out;
	if (embedded != NULL) {
		tmp.pkey = pkey;
		if ((r = ksm_eckey__public_point(want, &tmp)) != 0)
			goto out;
		if (CRYPTO_memcmp(embedded, want, sizeof(want)) != 0) {
			r = KSM_ECRYPTO;	/* public key of another key */
			goto out;
		}
	}
	if ((*out = eckey_wrap(pkey)) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	pkey = NULL;	/* transferred */
 out:
	EVP_PKEY_free(pkey);
	if (r != 0)
		ERR_clear_error();
	return r;
}

int
ksm_eckey__from_scalar(ksm_eckey **out, const uint8_t scalar[32])
{
	if (out == NULL)
		return KSM_EINVAL;
	*out = NULL;
	if (scalar == NULL)
		return KSM_EINVAL;
	return eckey_from_scalar(out, scalar, NULL);
}

int
ksm_eckey__generate(ksm_eckey **out)
{
	EVP_PKEY *pkey = NULL;

	if (out == NULL)
		return KSM_EINVAL;
	*out = NULL;
	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", EC_GROUP_NAME)) ==
	    NULL)
		return ossl_fail(KSM_ECRYPTO);
	if ((*out = eckey_wrap(pkey)) == NULL) {
		EVP_PKEY_free(pkey);
		return KSM_ENOMEM;
	}
	return 0;
}

/* One DER TLV of tag `tag` (class and constructed bit included) at
 * [*p, end): its contents in [*c, *c + *n); *p moves past it. */
static int
der_tlv(const unsigned char **p, const unsigned char *end, int tag,
    const unsigned char **c, long *n)
{
	const unsigned char *q = *p;
	int t, cls, ret;

	if (q >= end)
		return 0;
	ret = ASN1_get_object(&q, n, &t, &cls, (long)(end - q));
	if ((ret & 0x80) || ret == 0x21 || *n > end - q)
		return 0;	/* error, indefinite length, overrun */
	if ((t | cls | (ret & V_ASN1_CONSTRUCTED)) != tag || t > 30)
		return 0;
	*c = q;
	*p = q + *n;
	return 1;
}

/*
 * The fast path of ksm_eckey__from_pkcs8 for what every SDK writes: a
 * PKCS#8 PrivateKeyInfo (ecPublicKey, prime256v1) around an ECPrivateKey
 * (version 1, a 32-byte scalar, optional [0] parameters, optional [1]
 * public key).  OpenSSL 3's generic decoder (d2i_AutoPrivateKey) walks
 * every provider's key managers and costs a third of a cached `get`.
 * Anything else returns 0 and the caller takes the generic path.
 */
static int
pkcs8_p256_fast(uint8_t scalar[EC_SCALAR_LEN], uint8_t pub[KSM_EC_POINT_LEN],
    int *have_pub, const unsigned char *der, size_t len)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	const ASN1_OBJECT *alg, *param_oid;
	const X509_ALGOR *algor;
	const void *pval;
	const unsigned char *p = der, *pk, *end, *c, *seq;
	long n;
	int pklen, ptype, ok = 0;

	*have_pub = 0;
	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len)) == NULL ||
	    (size_t)(p - der) != len ||
	    PKCS8_pkey_get0(&alg, &pk, &pklen, &algor, p8) != 1 ||
	    OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey)
		goto out;
	X509_ALGOR_get0(&param_oid, &ptype, &pval, algor);
	if (ptype != V_ASN1_OBJECT ||
	    OBJ_obj2nid(pval) != NID_X9_62_prime256v1)
		goto out;
	/* ECPrivateKey ::= SEQUENCE { 1, OCTET STRING, [0]?, [1]? } */
	p = pk;
	end = pk + pklen;
	if (!der_tlv(&p, end, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &seq, &n) ||
	    p != end)
		goto out;
	p = seq;
	end = seq + n;
	if (!der_tlv(&p, end, V_ASN1_INTEGER, &c, &n) || n != 1 || c[0] != 1 ||
	    !der_tlv(&p, end, V_ASN1_OCTET_STRING, &c, &n) ||
	    n != EC_SCALAR_LEN)
		goto out;
	memcpy(scalar, c, EC_SCALAR_LEN);
	if (p < end && *p == (V_ASN1_CONTEXT_SPECIFIC | V_ASN1_CONSTRUCTED)) {
		const unsigned char *o, *oend;

		/* [0] { OID prime256v1 } */
		if (!der_tlv(&p, end, V_ASN1_CONTEXT_SPECIFIC |
		    V_ASN1_CONSTRUCTED, &c, &n))
			goto out;
		o = c;
		oend = c + n;
		if (!der_tlv(&o, oend, V_ASN1_OBJECT, &seq, &n) ||
		    o != oend || n != 8 ||
		    memcmp(seq, "\x2a\x86\x48\xce\x3d\x03\x01\x07", 8) != 0)
			goto out;
	}
	if (p < end) {
		/* [1] { BIT STRING 00 04 X Y } */
		if (!der_tlv(&p, end, V_ASN1_CONTEXT_SPECIFIC |
		    V_ASN1_CONSTRUCTED | 1, &c, &n) || p != end)
			goto out;
		end = c + n;
		if (!der_tlv(&c, end, V_ASN1_BIT_STRING, &seq, &n) ||
		    c != end || n != KSM_EC_POINT_LEN + 1 || seq[0] != 0 ||
		    seq[1] != 0x04)
			goto out;
		memcpy(pub, seq + 1, KSM_EC_POINT_LEN);
		*have_pub = 1;
	}
	ok = 1;
out:
	if (!ok)
		ksmx_wipe(scalar, EC_SCALAR_LEN);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return ok;
}

/* The fast path: 0, or non-zero to take the generic one. */
static int
from_pkcs8_fast(ksm_eckey **out, const void *der, size_t len)
{
	uint8_t scalar[EC_SCALAR_LEN];
	uint8_t embedded[KSM_EC_POINT_LEN];
	int have_pub = 0, r = KSM_ECRYPTO;

	if (pkcs8_p256_fast(scalar, embedded, &have_pub, der, len))
		r = eckey_from_scalar(out, scalar, have_pub ? embedded : NULL);
	ksmx_wipe_array(scalar);
	ERR_clear_error();
	return r;
}

/*
 * Parse the DER properly, then rebuild the key from its scalar: the
 * result always carries its public key (a DER without one would otherwise
 * be re-encoded without it), and a DER whose embedded public key does not
 * belong to the scalar is refused.
 */
int
ksm_eckey__from_pkcs8(ksm_eckey **out, const void *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *parsed = NULL;
	BIGNUM *priv = NULL;
	uint8_t scalar[EC_SCALAR_LEN];
	uint8_t got[KSM_EC_POINT_LEN];
	ksm_eckey tmp;
	int r = KSM_ECRYPTO;

	if (out == NULL)
		return KSM_EINVAL;
	*out = NULL;
	if (der == NULL)
		return KSM_EINVAL;
	if (len == 0 || len > MAX_PKCS8_LEN)
		return len == 0 ? KSM_ECRYPTO : KSM_ETOOBIG;
	if (from_pkcs8_fast(out, der, len) == 0)
		return 0;
	if ((parsed = d2i_AutoPrivateKey(NULL, &p, (long)len)) == NULL)
		goto out;
	if ((size_t)(p - (const unsigned char *)der) != len ||
	    !is_p256(parsed))
		goto out;			/* trailing bytes, wrong curve */
	if (EVP_PKEY_get_bn_param(parsed, OSSL_PKEY_PARAM_PRIV_KEY,
	    &priv) != 1 || BN_bn2binpad(priv, scalar, sizeof(scalar)) !=
	    (int)sizeof(scalar))
		goto out;
	tmp.pkey = parsed;
	r = eckey_from_scalar(out, scalar,
	    ksm_eckey__public_point(got, &tmp) == 0 ? got : NULL);
 out:
	ksmx_wipe_array(scalar);
	BN_clear_free(priv);
	EVP_PKEY_free(parsed);
	if (r != 0)
		ERR_clear_error();
	return r;
}

int
ksm_eckey__to_pkcs8(struct ksmx_buf *out, const ksm_eckey *key)
{
	OSSL_ENCODER_CTX *ectx = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int r = KSM_ENOMEM;

	if (out == NULL || key == NULL || key->pkey == NULL)
		return KSM_EINVAL;
	/* not i2d_PrivateKey(): for EC it writes the bare ECPrivateKey */
	if ((ectx = OSSL_ENCODER_CTX_new_for_pkey(key->pkey, EVP_PKEY_KEYPAIR,
	    "DER", "PrivateKeyInfo", NULL)) == NULL)
		goto out;
	r = KSM_ECRYPTO;
	if (OSSL_ENCODER_CTX_get_num_encoders(ectx) == 0 ||
	    OSSL_ENCODER_to_data(ectx, &der, &der_len) != 1)
		goto out;
	r = ksmx_buf_put(out, der, der_len);
 out:
	OPENSSL_clear_free(der, der_len);
	OSSL_ENCODER_CTX_free(ectx);
	if (r != 0)
		ERR_clear_error();
	return r;
}

/* -------------------------------------------------------------- ECDSA */

int
ksm_crypto__ecdsa_sign(struct ksmx_buf *sig, const ksm_eckey *key,
    const void *msg, size_t msg_len)
{
	EVP_MD_CTX *md = NULL;
	size_t len = 0, len0;
	int r;

	if (sig == NULL || key == NULL || key->pkey == NULL ||
	    (msg == NULL && msg_len != 0))
		return KSM_EINVAL;
	len0 = sig->len;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return KSM_ENOMEM;
	r = KSM_ECRYPTO;
	if (EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, key->pkey,
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
	int r = KSM_ECRYPTO;

	if (key == NULL || key->pkey == NULL ||
	    (msg == NULL && msg_len != 0) || (sig == NULL && sig_len != 0))
		return KSM_EINVAL;
	if (sig_len == 0)
		return KSM_ECRYPTO;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return KSM_ENOMEM;
	if (EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, key->pkey,
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
	uint8_t k[KSM_AES_KEY_LEN], e[KSM_EC_POINT_LEN];
	size_t len0 = out->len;
	int r;

	if ((r = ksm_eckey__from_public(&peer, point)) == 0 &&
	    (r = ksm_eckey__public_point(e, eph)) == 0 &&
	    (r = ecdh_aes_key(k, eph->pkey, peer->pkey)) == 0 &&
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
	uint8_t k[KSM_AES_KEY_LEN];
	int r;

	if (out == NULL || key == NULL || key->pkey == NULL ||
	    (in == NULL && in_len != 0))
		return KSM_EINVAL;
	if (in_len < KSM_ECIES_OVERHEAD)
		return KSM_ECRYPTO;
	if ((r = ksm_eckey__from_public(&eph, in)) != 0 ||
	    (r = ecdh_aes_key(k, key->pkey, eph->pkey)) != 0)
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

/* ------------------------------------------------------ hashes and MACs */

int
ksm_crypto__sha256(uint8_t out[32], const void *p, size_t n)
{
	unsigned int len = 0;

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
