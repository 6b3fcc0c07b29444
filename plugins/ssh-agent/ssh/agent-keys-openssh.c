#include "config.h"

/*
 * The openssh-key-v1 private key format (OpenSSH's PROTOCOL.key): the
 * armour, base64, then a bounded read of the header and of the private
 * section (Ed25519, RSA, ECDSA), everything decoded into the secure heap.
 * Encrypted keys go to agent_keys__openssh_decrypt (agent-keys-parse.c).
 */

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "ksm-int.h"
#include "agent-keys-int.h"
#include "agent-proto.h"
#include "util/wire.h"

static const char openssh_begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
static const char openssh_end[] = "-----END OPENSSH PRIVATE KEY-----";
static const char openssh_magic[] = "openssh-key-v1";	/* with its NUL */

int
agent_keys__is_openssh(const char *text, size_t len)
{
	return memmem(text, len, openssh_begin,
	    sizeof(openssh_begin) - 1) != NULL;
}

static BIGNUM *
bn_secure(const uint8_t *p, size_t n)
{
	BIGNUM *bn = BN_secure_new();

	if (bn != NULL && BN_bin2bn(p, (int)n, bn) == NULL) {
		BN_clear_free(bn);
		return NULL;
	}
	return bn;
}

static int
rd_mpint(struct ksmx_rd *rd, BIGNUM **out)
{
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = ksmx_rd_string(rd, &p, &n, 2048)) != 0)
		return r;
	if (n > 0 && (p[0] & 0x80))
		return KSM_EPROTO;	/* negative */
	return (*out = bn_secure(p, n)) ? 0 : KSM_ENOMEM;
}

static int
fromdata(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	int r = KSM_ECRYPTO;

	if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_KEYPAIR, params) == 1)
		r = 0;
	OSSL_PARAM_free(params);	/* clears its secure block */
	EVP_PKEY_CTX_free(ctx);
	return r;
}

static int
openssh_rsa(struct ksmx_rd *rd, EVP_PKEY **out)
{
	BIGNUM *n = NULL, *e = NULL, *d = NULL, *iqmp = NULL, *p = NULL,
	    *q = NULL, *dmp1 = NULL, *dmq1 = NULL, *t = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	BN_CTX *bctx = NULL;
	int r;

	if ((r = rd_mpint(rd, &n)) != 0 || (r = rd_mpint(rd, &e)) != 0 ||
	    (r = rd_mpint(rd, &d)) != 0 || (r = rd_mpint(rd, &iqmp)) != 0 ||
	    (r = rd_mpint(rd, &p)) != 0 || (r = rd_mpint(rd, &q)) != 0)
		goto out;
	r = KSM_ENOMEM;
	if ((bctx = BN_CTX_secure_new()) == NULL ||
	    (dmp1 = BN_secure_new()) == NULL ||
	    (dmq1 = BN_secure_new()) == NULL || (t = BN_secure_new()) == NULL)
		goto out;
	r = KSM_ECRYPTO;
	if (BN_is_zero(p) || BN_is_zero(q) || !BN_sub(t, p, BN_value_one()) ||
	    !BN_mod(dmp1, d, t, bctx) || !BN_sub(t, q, BN_value_one()) ||
	    !BN_mod(dmq1, d, t, bctx))
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	    iqmp))
		goto out;
	r = fromdata("RSA", bld, out);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(bctx);
	BN_clear_free(n);
	BN_clear_free(e);
	BN_clear_free(d);
	BN_clear_free(iqmp);
	BN_clear_free(p);
	BN_clear_free(q);
	BN_clear_free(dmp1);
	BN_clear_free(dmq1);
	BN_clear_free(t);
	return r;
}

static int
openssh_ecdsa(struct ksmx_rd *rd, const uint8_t *type, size_t type_len,
    EVP_PKEY **out)
{
	const uint8_t *curve, *q;
	size_t curve_len, q_len;
	const char *group;
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *d = NULL;
	int r;

	if ((r = ksmx_rd_string(rd, &curve, &curve_len, 64)) != 0 ||
	    (r = ksmx_rd_string(rd, &q, &q_len, 256)) != 0 ||
	    (r = rd_mpint(rd, &d)) != 0)
		goto out;
	r = KSM_EINVAL;
	if ((group = agent_keys__curve_group(curve, curve_len)) == NULL ||
	    type_len != 11 + curve_len ||
	    memcmp(type + 11, curve, curve_len) != 0)
		goto out;
	r = KSM_ECRYPTO;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    q, q_len) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d))
		goto out;
	r = fromdata("EC", bld, out);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return r;
}

/* The private section: check ints, one key, comment, padding 1 2 3... */
static int
openssh_private(struct ksmx_rd *rd, EVP_PKEY **out)
{
	const uint8_t *type, *pub, *priv, *comment;
	size_t type_len, pub_len, priv_len, comment_len, i;
	uint32_t c1, c2;
	uint8_t pad;
	int r;

	if ((r = ksmx_rd_u32(rd, &c1)) != 0 ||
	    (r = ksmx_rd_u32(rd, &c2)) != 0)
		return r;
	if (c1 != c2)
		return KSM_ECRYPTO;	/* wrong passphrase or corrupt */
	if ((r = ksmx_rd_string(rd, &type, &type_len, 64)) != 0)
		return r;
	if (type_len == 11 && memcmp(type, "ssh-ed25519", 11) == 0) {
		if ((r = ksmx_rd_string(rd, &pub, &pub_len, 32)) != 0 ||
		    (r = ksmx_rd_string(rd, &priv, &priv_len, 64)) != 0)
			return r;
		if (pub_len != 32 || priv_len != 64 ||
		    CRYPTO_memcmp(priv + 32, pub, 32) != 0)
			return KSM_EPROTO;
		*out = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
		    priv, 32);
		r = *out ? 0 : KSM_ECRYPTO;
	} else if (type_len == 7 && memcmp(type, "ssh-rsa", 7) == 0) {
		r = openssh_rsa(rd, out);
	} else if (type_len > 11 && memcmp(type, "ecdsa-sha2-", 11) == 0) {
		r = openssh_ecdsa(rd, type, type_len, out);
	} else {
		return KSM_EINVAL;
	}
	if (r != 0)
		return r;
	if ((r = ksmx_rd_string(rd, &comment, &comment_len, 4096)) != 0)
		return r;
	for (i = 1; rd->len > 0; i++)
		if (ksmx_rd_u8(rd, &pad) != 0 || pad != (uint8_t)i)
			return KSM_EPROTO;
	return 0;
}

/* Decode the base64 between the armour lines into secure memory. */
static int
openssh_decode(const char *text, size_t len, uint8_t **out, size_t *out_len)
{
	const char *b, *e;
	EVP_ENCODE_CTX *ctx = NULL;
	uint8_t *d = NULL;
	size_t cap;
	int n, m, r = KSM_EINVAL;

	b = memmem(text, len, openssh_begin, sizeof(openssh_begin) - 1);
	if (b == NULL)
		return KSM_EINVAL;
	b += sizeof(openssh_begin) - 1;
	e = memmem(b, len - (size_t)(b - text), openssh_end,
	    sizeof(openssh_end) - 1);
	if (e == NULL || e - b > 64 * 1024)
		return KSM_EINVAL;
	cap = (size_t)(e - b) / 4 * 3 + 3;
	if ((d = OPENSSL_secure_malloc(cap)) == NULL ||
	    (ctx = EVP_ENCODE_CTX_new()) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, d, &n, (const unsigned char *)b,
	    (int)(e - b)) < 0 || EVP_DecodeFinal(ctx, d + n, &m) != 1)
		goto out;
	*out_len = (size_t)n + (size_t)m;
	*out = d;
	d = NULL;
	r = 0;
out:
	EVP_ENCODE_CTX_free(ctx);
	if (d != NULL)
		OPENSSL_secure_clear_free(d, cap);
	return r;
}

int
agent_keys__openssh_load(const char *text, size_t len,
    const char *passphrase, EVP_PKEY **out)
{
	struct ksmx_rd rd, priv;
	const uint8_t *magic, *cipher, *kdf, *kdfopt, *pub, *sect;
	size_t cipher_len, kdf_len, kdfopt_len, pub_len, sect_len, dlen = 0;
	uint8_t *d = NULL;
	uint32_t nkeys;
	int r;

	if ((r = openssh_decode(text, len, &d, &dlen)) != 0)
		return ksm__err(r, "cannot decode the OpenSSH private key");
	rd.p = d;
	rd.len = dlen;
	if ((r = ksmx_rd_bytes(&rd, &magic, sizeof(openssh_magic))) != 0 ||
	    memcmp(magic, openssh_magic, sizeof(openssh_magic)) != 0) {
		r = ksm__err(KSM_EINVAL, "not an openssh-key-v1 key");
		goto out;
	}
	if ((r = ksmx_rd_string(&rd, &cipher, &cipher_len, 64)) != 0 ||
	    (r = ksmx_rd_string(&rd, &kdf, &kdf_len, 64)) != 0 ||
	    (r = ksmx_rd_string(&rd, &kdfopt, &kdfopt_len, 1024)) != 0 ||
	    (r = ksmx_rd_u32(&rd, &nkeys)) != 0 ||
	    (r = ksmx_rd_string(&rd, &pub, &pub_len, AGENT_MAX_BLOB)) != 0 ||
	    (r = ksmx_rd_string(&rd, &sect, &sect_len, 64 * 1024)) != 0 ||
	    (r = ksmx_rd_end(&rd)) != 0) {
		r = ksm__err(KSM_EINVAL, "malformed OpenSSH private key");
		goto out;
	}
	if (cipher_len != 4 || memcmp(cipher, "none", 4) != 0) {
		r = agent_keys__openssh_decrypt(text, len, passphrase, out);
		goto out;
	}
	if (nkeys != 1) {
		r = ksm__err(KSM_EINVAL, "OpenSSH key file holds %u keys",
		    (unsigned)nkeys);
		goto out;
	}
	priv.p = sect;
	priv.len = sect_len;
	if ((r = openssh_private(&priv, out)) != 0)
		r = ksm__err(r, "malformed OpenSSH private key");
out:
	if (d != NULL)
		OPENSSL_secure_clear_free(d, dlen);
	return r;
}
