#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "ksm/error.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/wipe.h"
#include "agent-verify.h"
#include "util/wire.h"

#define RSA_MIN_BITS	1024	/* OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE */
#define RSA_MAX_BYTES	2048	/* 16384 bits, OpenSSH's limit */

static const struct {
	const char	*ssh;		/* curve identifier in the blob */
	const char	*group;		/* OpenSSL group name */
} curves[] = {
	{ "nistp256", "P-256" },
	{ "nistp384", "P-384" },
	{ "nistp521", "P-521" },
};

/* A public key ready to verify with, and what its signatures look like. */
struct pubkey {
	EVP_PKEY	*pk;
	const EVP_MD	*md;		/* ECDSA: the curve's hash */
	char		 alg[32];	/* ECDSA, Ed25519: the only algorithm */
	int		 rsa;
	size_t		 rsa_bytes;	/* modulus length */
};

static int
str_is(const uint8_t *p, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(p, s, len) == 0;
}

/* A non-negative mpint, as a BIGNUM. */
static int
rd_mpint(struct ksmx_rd *rd, size_t max, BIGNUM **out)
{
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = ksmx_rd_string(rd, &p, &n, max)) != 0)
		return r;
	if (n > 0 && (p[0] & 0x80) != 0)
		return KSM_EPROTO;
	if ((*out = BN_bin2bn(p, (int)n, NULL)) == NULL)
		return KSM_ENOMEM;
	return 0;
}

static int
fromdata(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	int r = KSM_EPROTO;

	if (params == NULL || ctx == NULL)
		r = KSM_ENOMEM;
	else if (EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) == 1)
		r = 0;
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

static int
rsa_key(struct ksmx_rd *rd, struct pubkey *k)
{
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *e = NULL, *n = NULL;
	int r;

	if ((r = rd_mpint(rd, 16, &e)) != 0 ||
	    (r = rd_mpint(rd, RSA_MAX_BYTES + 1, &n)) != 0 ||
	    (r = ksmx_rd_end(rd)) != 0)
		goto out;
	if (BN_num_bits(n) < RSA_MIN_BITS || BN_is_odd(e) == 0) {
		r = KSM_EPROTO;
		goto out;
	}
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
		r = KSM_ENOMEM;
		goto out;
	}
	r = fromdata("RSA", bld, &k->pk);
	k->rsa = 1;
	k->rsa_bytes = (size_t)BN_num_bytes(n);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(e);
	BN_free(n);
	return r;
}

static int
ecdsa_key(struct ksmx_rd *rd, const uint8_t *type, size_t type_len,
    struct pubkey *k)
{
	OSSL_PARAM_BLD *bld = NULL;
	const uint8_t *curve, *q;
	size_t curve_len, q_len, i;
	int r;

	if ((r = ksmx_rd_string(rd, &curve, &curve_len, 32)) != 0 ||
	    (r = ksmx_rd_string(rd, &q, &q_len, 256)) != 0 ||
	    (r = ksmx_rd_end(rd)) != 0)
		return r;
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (str_is(curve, curve_len, curves[i].ssh))
			break;
	/* the type names the same curve as the blob's second field */
	if (i == sizeof(curves) / sizeof(curves[0]) ||
	    type_len != 11 + curve_len || memcmp(type + 11, curve, curve_len))
		return KSM_EPROTO;
	snprintf(k->alg, sizeof(k->alg), "ecdsa-sha2-%s", curves[i].ssh);
	k->md = i == 0 ? EVP_sha256() : i == 1 ? EVP_sha384() : EVP_sha512();
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    curves[i].group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    q, q_len))
		r = KSM_ENOMEM;
	else
		r = fromdata("EC", bld, &k->pk);	/* checks the point */
	OSSL_PARAM_BLD_free(bld);
	return r;
}

static int
pubkey_parse(const uint8_t *blob, size_t len, struct pubkey *k)
{
	struct ksmx_rd rd = { blob, len };
	const uint8_t *type, *a;
	size_t type_len, a_len;
	int r;

	memset(k, 0, sizeof(*k));
	if ((r = ksmx_rd_string(&rd, &type, &type_len, 64)) != 0)
		return r;
	if (str_is(type, type_len, "ssh-ed25519")) {
		if ((r = ksmx_rd_string(&rd, &a, &a_len, 32)) != 0 ||
		    (r = ksmx_rd_end(&rd)) != 0)
			return r;
		if (a_len != 32)
			return KSM_EPROTO;
		snprintf(k->alg, sizeof(k->alg), "ssh-ed25519");
		k->pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, a,
		    a_len);
		return k->pk != NULL ? 0 : KSM_EPROTO;
	}
	if (str_is(type, type_len, "ssh-rsa"))
		return rsa_key(&rd, k);
	if (type_len > 11 && memcmp(type, "ecdsa-sha2-", 11) == 0)
		return ecdsa_key(&rd, type, type_len, k);
	return KSM_EINVAL;	/* certificates, sk-*, DSA: not verified */
}

/* SSH (mpint r, mpint s) to the DER form OpenSSL verifies. */
static int
ecdsa_der(const uint8_t *p, size_t len, uint8_t **der, size_t *der_len)
{
	struct ksmx_rd rd = { p, len };
	ECDSA_SIG *s = NULL;
	BIGNUM *rr = NULL, *ss = NULL;
	unsigned char *d = NULL;
	int r, n;

	if ((r = rd_mpint(&rd, 67, &rr)) != 0 ||
	    (r = rd_mpint(&rd, 67, &ss)) != 0 ||
	    (r = ksmx_rd_end(&rd)) != 0)
		goto out;
	if ((s = ECDSA_SIG_new()) == NULL || !ECDSA_SIG_set0(s, rr, ss)) {
		r = KSM_ENOMEM;
		goto out;
	}
	rr = ss = NULL;		/* transferred */
	if ((n = i2d_ECDSA_SIG(s, &d)) <= 0) {
		r = KSM_ENOMEM;
		goto out;
	}
	*der = d;
	*der_len = (size_t)n;
	r = 0;
out:
	BN_free(rr);
	BN_free(ss);
	ECDSA_SIG_free(s);
	return r;
}

int
agent_verify(const uint8_t *key, size_t key_len, const uint8_t *sig,
    size_t sig_len, const uint8_t *data, size_t data_len)
{
	struct ksmx_rd rd = { sig, sig_len };
	struct pubkey k;
	EVP_MD_CTX *ctx = NULL;
	const EVP_MD *md = NULL;
	const uint8_t *alg, *s;
	uint8_t *der = NULL, padded[RSA_MAX_BYTES];
	size_t alg_len, s_len, der_len = 0;
	int r;

	if ((r = pubkey_parse(key, key_len, &k)) != 0)
		goto out;
	if ((r = ksmx_rd_string(&rd, &alg, &alg_len, 64)) != 0 ||
	    (r = ksmx_rd_string(&rd, &s, &s_len, RSA_MAX_BYTES)) != 0 ||
	    (r = ksmx_rd_end(&rd)) != 0)
		goto out;
	r = KSM_ECRYPTO;
	if (k.rsa) {
		if (str_is(alg, alg_len, "rsa-sha2-256"))
			md = EVP_sha256();
		else if (str_is(alg, alg_len, "rsa-sha2-512"))
			md = EVP_sha512();
		else
			goto out;	/* ssh-rsa (SHA-1) included */
		if (s_len == 0 || s_len > k.rsa_bytes)
			goto out;
		/* RFC 8332: a shorter signature is left-padded with zeros */
		memset(padded, 0, k.rsa_bytes - s_len);
		memcpy(padded + k.rsa_bytes - s_len, s, s_len);
		s = padded;
		s_len = k.rsa_bytes;
	} else {
		if (!str_is(alg, alg_len, k.alg))
			goto out;
		md = k.md;
		if (k.md != NULL) {
			if ((r = ecdsa_der(s, s_len, &der, &der_len)) != 0)
				goto out;
			r = KSM_ECRYPTO;
			s = der;
			s_len = der_len;
		} else if (s_len != 64) {
			goto out;
		}
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, k.pk) == 1 &&
	    EVP_DigestVerify(ctx, s, s_len, data, data_len) == 1)
		r = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k.pk);
	OPENSSL_free(der);
	return r;
}

void
agent_fingerprint(char out[AGENT_FP_MAX], const uint8_t *blob, size_t len)
{
	struct ksmx_buf b = KSMX_BUF_INIT(64);
	unsigned char md[32];
	unsigned int md_len = 0;
	size_t n;

	snprintf(out, AGENT_FP_MAX, "SHA256:?");
	if (EVP_Digest(blob, len, md, &md_len, EVP_sha256(), NULL) != 1 ||
	    ksmx_b64_encode(&b, md, md_len, KSMX_B64_STD) != 0)
		goto out;
	for (n = b.len; n > 0 && b.d[n - 1] == '='; n--)
		;
	snprintf(out, AGENT_FP_MAX, "SHA256:%.*s", (int)n, (const char *)b.d);
out:
	ksmx_buf_clear(&b);
}
