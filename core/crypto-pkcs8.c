#include "config.h"

/*
 * ksm_eckey to and from PKCS#8 DER: a direct reader for the P-256 forms
 * the SDKs write, OpenSSL's decoder for anything else, its encoder out.
 */

#include <string.h>

#include "crypto-int.h"

#define MAX_PKCS8_LEN	4096

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
		*r = ksm_eckey__lazy(out, scalar, have_pub ? embedded : NULL);
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
	KSM_CRYPTO_LOAD();
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
	r = ksm_eckey__from_scalar_pub(out, scalar,
	    ksm_eckey__pkey_point(got, parsed) == 0 ? got : NULL);
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

	KSM_CRYPTO_LOAD();
	if (out == NULL || key == NULL)
		return KSM_EINVAL;
	if ((r = ksm_eckey__pkey(key, &pkey)) != 0)
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
