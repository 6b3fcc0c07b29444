#include "config.h"

/* The ksm_eckey object: P-256 keys, lazy or built on OpenSSL's EVP_PKEY. */

#include <string.h>

#include "crypto-int.h"

/*
 * A key is either built (pkey set) or lazy: when it came from a PKCS#8
 * that the fast parser (crypto-pkcs8.c) understood, the scalar (and the
 * embedded public point, if any) wait here; a public key
 * (ksm_eckey__from_public) waits as its checked point.  The EVP_PKEY is built on first use, so a client
 * that never signs (a get served from the cache) never pays for OpenSSL's
 * key management (a key-manager fetch, EC_POINT_mul, a public-key check).
 * The whole struct lives in OpenSSL's secure heap (when the application
 * set one up) and is wiped on free.  The lazy part is a cache: the
 * functions that take a const key build it (under lock) through
 * ksm_eckey__pkey().
 */
enum eckey_state {
	EK_BUILT = 0,	/* pkey is the key */
	EK_LAZY,	/* scalar (and pub) wait for ksm_eckey__pkey() */
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
int
ksm_eckey__pkey(const ksm_eckey *ckey, EVP_PKEY **out)
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
int
ksm_eckey__lazy(ksm_eckey **out, const uint8_t *scalar,
    const uint8_t *embedded)
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

/* The uncompressed public point of pkey. */
int
ksm_eckey__pkey_point(uint8_t out[65], EVP_PKEY *pkey)
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

	KSM_CRYPTO_LOAD();
	if (out == NULL || key == NULL)
		return KSM_EINVAL;
	if ((r = ksm_eckey__pkey(key, &pkey)) != 0)
		return r;
	return ksm_eckey__pkey_point(out, pkey);
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
	KSM_CRYPTO_LOAD();
	if (point == NULL)
		return KSM_EINVAL;
	if (point[0] != 0x04)
		return KSM_ECRYPTO;	/* uncompressed only */
	if ((r = p256_point_check(point)) == 0)
		r = ksm_eckey__lazy(out, NULL, point);
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
		if ((r = ksm_eckey__pkey_point(want, pkey)) != 0)
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
int
ksm_eckey__from_scalar_pub(ksm_eckey **out, const uint8_t scalar[32],
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
	KSM_CRYPTO_LOAD();
	if (scalar == NULL)
		return KSM_EINVAL;
	return ksm_eckey__from_scalar_pub(out, scalar, NULL);
}

int
ksm_eckey__generate(ksm_eckey **out)
{
	EVP_PKEY *pkey = NULL;

	if (out == NULL)
		return KSM_EINVAL;
	*out = NULL;
	KSM_CRYPTO_LOAD();
	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", EC_GROUP_NAME)) ==
	    NULL)
		return ossl_fail(KSM_ECRYPTO);
	if ((*out = eckey_wrap(pkey)) == NULL) {
		EVP_PKEY_free(pkey);
		return KSM_ENOMEM;
	}
	return 0;
}
