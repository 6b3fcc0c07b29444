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

/*
 * A key is either built (pkey set) or lazy: when it came from a PKCS#8
 * that the fast parser understood, the scalar (and the embedded public
 * point, if any) wait here; a public key (ksm_eckey__from_public) waits as
 * its checked point.  The EVP_PKEY is built on first use, so a client
 * that never signs (a get served from the cache) never pays for OpenSSL's
 * key management (a key-manager fetch, EC_POINT_mul, a public-key check).
 * The whole struct lives in OpenSSL's secure heap (when the application
 * set one up) and is wiped on free.  The lazy part is a cache: the
 * functions that take a const key build it (under lock) through
 * eckey_pkey().
 */
enum eckey_state {
	EK_BUILT = 0,	/* pkey is the key */
	EK_LAZY,	/* scalar (and pub) wait for eckey_pkey() */
	EK_BROKEN	/* building failed for good: every use fails */
};

struct ksm_eckey {
	EVP_PKEY	*pkey;
	CRYPTO_RWLOCK	*lock;		/* lazy keys only */
	enum eckey_state state;
	int		 have_scalar;	/* else public only */
	int		 have_pub;
	uint8_t		 scalar[EC_SCALAR_LEN];
	uint8_t		 pub[KSM_EC_POINT_LEN];	/* embedded; checked when built */
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
ksm_crypto__gcm_decrypt_inplace(struct ksmx_buf *b, const uint8_t key[32])
{
	uint8_t iv[KSM_GCM_IV_LEN];
	size_t ct_len, n = 0;
	int r;

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

	if ((k = OPENSSL_secure_zalloc(sizeof(*k))) == NULL)
		return NULL;
	k->pkey = pkey;
	k->state = EK_BUILT;
	return k;
}

void
ksm_eckey__free(ksm_eckey *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);	/* OpenSSL clears the private key */
	CRYPTO_THREAD_lock_free(key->lock);
	OPENSSL_secure_clear_free(key, sizeof(*key));
}

static int pkey_from_scalar_checked(EVP_PKEY **out,
    const uint8_t scalar[32], const uint8_t *embedded);
static int pkey_from_point(EVP_PKEY **out, const uint8_t point[65]);

/*
 * The EVP_PKEY of key, built now if key is lazy: KSM_ECRYPTO when the
 * scalar and the embedded public key do not belong together (then and
 * on every later call).  The pointer stays owned by key.
 */
static int
eckey_pkey(const ksm_eckey *ckey, EVP_PKEY **out)
{
	ksm_eckey *key = (ksm_eckey *)ckey;	/* never defined const */
	EVP_PKEY *pkey = NULL;
	int r = KSM_ERROR;

	*out = NULL;
	if (key == NULL)
		return KSM_EINVAL;
	if (key->lock == NULL) {
		*out = key->pkey;
		return key->pkey != NULL ? 0 : KSM_EINVAL;
	}
	if (CRYPTO_THREAD_write_lock(key->lock) != 1)
		return ossl_fail(KSM_ERROR);
	if (key->state == EK_LAZY) {
		r = key->have_scalar ? pkey_from_scalar_checked(&pkey,
		    key->scalar, key->have_pub ? key->pub : NULL) :
		    pkey_from_point(&pkey, key->pub);
		if (r == 0) {
			key->pkey = pkey;
			key->state = EK_BUILT;
		} else if (r == KSM_ECRYPTO)
			key->state = EK_BROKEN;	/* else: retry next time */
		if (key->state != EK_LAZY) {
			ksmx_wipe_array(key->scalar);
			ksmx_wipe_array(key->pub);
		}
		ERR_clear_error();
	}
	if (key->state == EK_BUILT) {
		*out = key->pkey;
		r = 0;
	} else if (key->state == EK_BROKEN)
		r = KSM_ECRYPTO;
	/* else EK_LAZY: r is the transient error of the build above */
	CRYPTO_THREAD_unlock(key->lock);
	return r;
}

/*
 * 1 when 0 < s < n (the order of P-256), s big-endian; in constant time,
 * without OpenSSL (no BIGNUM, no group).
 */
static int
scalar_in_range(const uint8_t s[EC_SCALAR_LEN])
{
	static const uint8_t n[EC_SCALAR_LEN] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
		0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51
	};
	unsigned int lt = 0, gt = 0, nz = 0, open, a, b;
	size_t i;

	/* the first byte that differs decides; (a - b) >> 8 is a borrow */
	for (i = 0; i < EC_SCALAR_LEN; i++) {
		a = s[i];
		b = n[i];
		open = (lt | gt) ^ 1;
		lt |= ((a - b) >> 8) & 1 & open;
		gt |= ((b - a) >> 8) & 1 & open;
		nz |= a;
	}
	return (int)(lt & ((0u - nz) >> 31));
}

/*
 * A lazy key for scalar (checked 0 < scalar < n) and embedded (or NULL),
 * or with scalar NULL the public key of embedded (checked by the caller).
 */
static int
eckey_lazy(ksm_eckey **out, const uint8_t *scalar, const uint8_t *embedded)
{
	ksm_eckey *k;

	if (scalar != NULL && !scalar_in_range(scalar))
		return KSM_ECRYPTO;
	if ((k = eckey_wrap(NULL)) == NULL)
		return KSM_ENOMEM;
	if ((k->lock = CRYPTO_THREAD_lock_new()) == NULL) {
		ksm_eckey__free(k);
		return ossl_fail(KSM_ENOMEM);
	}
	k->state = EK_LAZY;
	if (scalar != NULL) {
		memcpy(k->scalar, scalar, EC_SCALAR_LEN);
		k->have_scalar = 1;
	}
	if (embedded != NULL) {
		memcpy(k->pub, embedded, KSM_EC_POINT_LEN);
		k->have_pub = 1;
	}
	*out = k;
	return 0;
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

/* The uncompressed public point of pkey. */
static int
pkey_public_point(uint8_t out[65], EVP_PKEY *pkey)
{
	BIGNUM *x = NULL, *y = NULL;
	int r = KSM_ECRYPTO;

	/* X and Y, so the key's point-format setting does not matter */
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1)
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

int
ksm_eckey__public_point(uint8_t out[65], const ksm_eckey *key)
{
	EVP_PKEY *pkey;
	int r;

	if (out == NULL || key == NULL)
		return KSM_EINVAL;
	if ((r = eckey_pkey(key, &pkey)) != 0)
		return r;
	return pkey_public_point(out, pkey);
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

/* The public key of point (checked by the caller), as an EVP_PKEY. */
static int
pkey_from_point(EVP_PKEY **out, const uint8_t point[65])
{
	OSSL_PARAM_BLD *bld = NULL;
	int r = KSM_ENOMEM;

	*out = NULL;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return KSM_ENOMEM;
	if (OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    point, KSM_EC_POINT_LEN) == 1)
		r = pkey_fromdata(out, bld, EVP_PKEY_PUBLIC_KEY);
	OSSL_PARAM_BLD_free(bld);
	return r;
}

/*
 * Is point (65 bytes, uncompressed) a valid P-256 public key: both
 * coordinates below p, on the curve, not the point at infinity?  P-256
 * has cofactor 1, so that is EVP_PKEY_public_check()'s verdict, without
 * its n * P (and without an EVP key manager): 0 or KSM_ECRYPTO.
 */
static int
p256_point_check(const uint8_t point[65])
{
	EC_GROUP *group = NULL;
	EC_POINT *pt = NULL;
	int r = KSM_ENOMEM;

	if ((group = EC_GROUP_new_by_curve_name_ex(NULL, NULL,
	    NID_X9_62_prime256v1)) == NULL ||
	    (pt = EC_POINT_new(group)) == NULL)
		goto out;
	r = KSM_ECRYPTO;
	/* oct2point refuses coordinates >= p and points off the curve */
	if (point[0] != 0x04 || EC_POINT_oct2point(group, pt, point,
	    KSM_EC_POINT_LEN, NULL) != 1 ||
	    EC_POINT_is_at_infinity(group, pt) ||
	    EC_POINT_is_on_curve(group, pt, NULL) != 1)
		goto out;
	r = 0;
 out:
	EC_POINT_free(pt);
	EC_GROUP_free(group);
	return r;
}

/* Checked now, built (EVP_PKEY) on first use. */
int
ksm_eckey__from_public(ksm_eckey **out, const uint8_t point[65])
{
	int r;

	if (out == NULL)
		return KSM_EINVAL;
	*out = NULL;
	if (point == NULL)
		return KSM_EINVAL;
	if (point[0] != 0x04)
		return KSM_ECRYPTO;	/* uncompressed only */
	if ((r = p256_point_check(point)) == 0)
		r = eckey_lazy(out, NULL, point);
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
 * *out = the key pair for scalar.  embedded, when not NULL, is a public
 * point that came with the scalar: a point of another key is refused.
 */
static int
pkey_from_scalar_checked(EVP_PKEY **out, const uint8_t scalar[32],
    const uint8_t *embedded)
{
	EVP_PKEY *pkey = NULL;
	uint8_t want[KSM_EC_POINT_LEN];
	int r;

	*out = NULL;
	if ((r = pkey_from_scalar(&pkey, scalar)) != 0)
		goto out;
	if (embedded != NULL) {
		if ((r = pkey_public_point(want, pkey)) != 0)
			goto out;
		if (CRYPTO_memcmp(embedded, want, sizeof(want)) != 0) {
			r = KSM_ECRYPTO;	/* public key of another key */
			goto out;
		}
	}
	*out = pkey;
	pkey = NULL;
 out:
	EVP_PKEY_free(pkey);
	if (r != 0)
		ERR_clear_error();
	return r;
}

/* The same as a built ksm_eckey. */
static int
eckey_from_scalar(ksm_eckey **out, const uint8_t scalar[32],
    const uint8_t *embedded)
{
	EVP_PKEY *pkey = NULL;
	int r;

	if ((r = pkey_from_scalar_checked(&pkey, scalar, embedded)) != 0)
		goto out;
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
 * every provider's key managers and costs a third of a cached `get`; even
 * its PKCS#8 template decoder (d2i_PKCS8_PRIV_KEY_INFO) costs 1.7M
 * instructions the first time, so the TLVs are walked here.  Anything
 * else (a v2 OneAsymmetricKey, attributes, other curves) returns 0 and
 * the caller takes the generic path.
 */
static int
pkcs8_p256_fast(uint8_t scalar[EC_SCALAR_LEN], uint8_t pub[KSM_EC_POINT_LEN],
    int *have_pub, const unsigned char *der, size_t len)
{
	/* AlgorithmIdentifier { id-ecPublicKey, prime256v1 }, contents */
	static const unsigned char algid[] = {
		0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
	};
	const unsigned char *p = der, *end = der + len, *c, *seq;
	long n;
	int ok = 0;

	*have_pub = 0;
	/* PrivateKeyInfo ::= SEQUENCE { 0, AlgorithmIdentifier, OCTET
	 * STRING } (no attributes) */
	if (!der_tlv(&p, end, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &seq, &n) ||
	    p != end)
		goto out;
	p = seq;
	end = seq + n;
	if (!der_tlv(&p, end, V_ASN1_INTEGER, &c, &n) || n != 1 || c[0] != 0 ||
	    !der_tlv(&p, end, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &c, &n) ||
	    n != (long)sizeof(algid) || memcmp(c, algid, sizeof(algid)) != 0 ||
	    !der_tlv(&p, end, V_ASN1_OCTET_STRING, &c, &n) || p != end)
		goto out;
	/* ECPrivateKey ::= SEQUENCE { 1, OCTET STRING, [0]?, [1]? } */
	p = c;
	end = c + n;
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
	return ok;
}

/*
 * The fast path: 1 when it understood the DER (then *r is the verdict:
 * a lazy key, or KSM_ECRYPTO for a scalar out of range), 0 to take the
 * generic one.
 */
static int
from_pkcs8_fast(int *r, ksm_eckey **out, const void *der, size_t len)
{
	uint8_t scalar[EC_SCALAR_LEN];
	uint8_t embedded[KSM_EC_POINT_LEN];
	int have_pub = 0, known;

	known = pkcs8_p256_fast(scalar, embedded, &have_pub, der, len);
	if (known)
		*r = eckey_lazy(out, scalar, have_pub ? embedded : NULL);
	ksmx_wipe_array(scalar);
	ERR_clear_error();
	return known;
}

/*
 * Parse the DER properly, then rebuild the key from its scalar: the
 * result always carries its public key (a DER without one would otherwise
 * be re-encoded without it), and a DER whose embedded public key does not
 * belong to the scalar is refused.  The SDK forms take the fast path and
 * give a lazy key: the DER structure and the scalar's range are checked
 * here, the embedded public key on first use (which then fails).
 */
int
ksm_eckey__from_pkcs8(ksm_eckey **out, const void *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *parsed = NULL;
	BIGNUM *priv = NULL;
	uint8_t scalar[EC_SCALAR_LEN];
	uint8_t got[KSM_EC_POINT_LEN];
	int r = KSM_ECRYPTO;

	if (out == NULL)
		return KSM_EINVAL;
	*out = NULL;
	if (der == NULL)
		return KSM_EINVAL;
	if (len == 0 || len > MAX_PKCS8_LEN)
		return len == 0 ? KSM_ECRYPTO : KSM_ETOOBIG;
	if (from_pkcs8_fast(&r, out, der, len))
		return r;
	if ((parsed = d2i_AutoPrivateKey(NULL, &p, (long)len)) == NULL)
		goto out;
	if ((size_t)(p - (const unsigned char *)der) != len ||
	    !is_p256(parsed))
		goto out;			/* trailing bytes, wrong curve */
	if (EVP_PKEY_get_bn_param(parsed, OSSL_PKEY_PARAM_PRIV_KEY,
	    &priv) != 1 || BN_bn2binpad(priv, scalar, sizeof(scalar)) !=
	    (int)sizeof(scalar))
		goto out;
	r = eckey_from_scalar(out, scalar,
	    pkey_public_point(got, parsed) == 0 ? got : NULL);
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
	EVP_PKEY *pkey;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int r;

	if (out == NULL || key == NULL)
		return KSM_EINVAL;
	if ((r = eckey_pkey(key, &pkey)) != 0)
		return r;
	r = KSM_ENOMEM;
	/* not i2d_PrivateKey(): for EC it writes the bare ECPrivateKey */
	if ((ectx = OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR,
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
	EVP_PKEY *pkey;
	size_t len = 0, len0;
	int r;

	if (sig == NULL || key == NULL || (msg == NULL && msg_len != 0))
		return KSM_EINVAL;
	if ((r = eckey_pkey(key, &pkey)) != 0)
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

	if (key == NULL || (msg == NULL && msg_len != 0) ||
	    (sig == NULL && sig_len != 0))
		return KSM_EINVAL;
	if (sig_len == 0)
		return KSM_ECRYPTO;
	if ((r = eckey_pkey(key, &pkey)) != 0)
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
	    (r = eckey_pkey(eph, &own)) == 0 &&
	    (r = eckey_pkey(peer, &other)) == 0 &&
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
	EVP_PKEY *pkey, *other;
	uint8_t k[KSM_AES_KEY_LEN];
	int r;

	if (out == NULL || key == NULL || (in == NULL && in_len != 0))
		return KSM_EINVAL;
	if (in_len < KSM_ECIES_OVERHEAD)
		return KSM_ECRYPTO;
	if ((r = eckey_pkey(key, &pkey)) != 0)
		return r;
	if ((r = ksm_eckey__from_public(&eph, in)) != 0 ||
	    (r = eckey_pkey(eph, &other)) != 0 ||
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
