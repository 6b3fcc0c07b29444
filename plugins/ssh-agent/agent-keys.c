#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#ifdef HAVE_LIBSSH
#include <libssh/libssh.h>
#endif

#include "ksm-int.h"
#include "util/b64.h"
#include "util/wipe.h"
#include "agent-keygen.h"
#include "agent-keys.h"
#include "agent-proto.h"
#include "util/wire.h"

enum ktype { K_ED25519, K_RSA, K_ECDSA };

struct agent_key {
	enum ktype	 type;
	EVP_PKEY	*pkey;		/* ECDSA only: see below */
	/*
	 * OpenSSL 3.0 keeps RSA numbers and Ed25519 private keys in ordinary
	 * heap, so those keys are kept in the secure heap (RSA parameters,
	 * the Ed25519 seed) and an EVP_PKEY is built for each signature and
	 * freed (wiped) right after.  ECDSA's private scalar is already a
	 * secure BIGNUM inside pkey.
	 */
	OSSL_PARAM	*rsa_priv;
	uint8_t		*ed_seed;	/* 32 bytes, secure heap */
	const char	*ec_name;	/* "nistp256" ... */
	const EVP_MD	*ec_md;
	uint8_t		*blob;
	size_t		 blob_len;
	char		*comment;
	/* lazy keys: private key text and passphrase, secure heap */
	char		*text;
	size_t		 text_len;
	char		*pass;
};

static int	key_secure(struct agent_key *k);

static const char openssh_begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
static const char openssh_end[] = "-----END OPENSSH PRIVATE KEY-----";
static const char openssh_magic[] = "openssh-key-v1";	/* with its NUL */

int
agent_keys_secure_init(void)
{
	if (CRYPTO_secure_malloc_initialized())
		return 0;
	return CRYPTO_secure_malloc_init(1024 * 1024, 16) ? 0 : KSM_ERROR;
}

static const struct {
	const char	*group;		/* OpenSSL */
	const char	*ssh;		/* curve identifier */
} curves[] = {
	{ "prime256v1", "nistp256" },
	{ "P-256", "nistp256" },
	{ "secp384r1", "nistp384" },
	{ "P-384", "nistp384" },
	{ "secp521r1", "nistp521" },
	{ "P-521", "nistp521" },
};

static const EVP_MD *
curve_md(const char *ssh)
{
	if (strcmp(ssh, "nistp256") == 0)
		return EVP_sha256();
	if (strcmp(ssh, "nistp384") == 0)
		return EVP_sha384();
	return EVP_sha512();
}

static const char *
ssh_curve(const char *group)
{
	size_t i;

	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcmp(curves[i].group, group) == 0)
			return curves[i].ssh;
	return NULL;
}

static const char *
group_of(const uint8_t *ssh, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strlen(curves[i].ssh) == len &&
		    memcmp(curves[i].ssh, ssh, len) == 0)
			return curves[i].group;
	return NULL;
}

static int
put_bn(struct ksmx_buf *b, const BIGNUM *bn)
{
	uint8_t tmp[1024];
	int n = BN_num_bytes(bn);

	if (n < 0 || (size_t)n > sizeof(tmp))
		return KSM_ETOOBIG;
	BN_bn2bin(bn, tmp);
	return ksmx_put_mpint(b, tmp, (size_t)n);
}

/* Fill k->type, ec fields and k->blob from k->pkey. */
static int
make_blob(struct agent_key *k)
{
	struct ksmx_buf b = KSMX_BUF_INIT(AGENT_MAX_BLOB);
	BIGNUM *n = NULL, *e = NULL;
	uint8_t pub[256];
	char group[64];
	size_t len;
	int r = KSM_EINVAL;

	if (EVP_PKEY_is_a(k->pkey, "ED25519")) {
		k->type = K_ED25519;
		len = 32;
		if (EVP_PKEY_get_raw_public_key(k->pkey, pub, &len) != 1 ||
		    len != 32)
			goto out;
		if ((r = ksmx_put_cstring(&b, "ssh-ed25519")) != 0 ||
		    (r = ksmx_put_string(&b, pub, len)) != 0)
			goto out;
	} else if (EVP_PKEY_is_a(k->pkey, "RSA")) {
		k->type = K_RSA;
		if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E,
		    &e) != 1 || EVP_PKEY_get_bn_param(k->pkey,
		    OSSL_PKEY_PARAM_RSA_N, &n) != 1)
			goto out;
		if (BN_num_bits(n) < 2048) {
			r = ksm__err(KSM_EINVAL, "RSA key shorter than 2048 bits");
			goto out;
		}
		if ((r = ksmx_put_cstring(&b, "ssh-rsa")) != 0 ||
		    (r = put_bn(&b, e)) != 0 || (r = put_bn(&b, n)) != 0)
			goto out;
	} else if (EVP_PKEY_is_a(k->pkey, "EC")) {
		k->type = K_ECDSA;
		if (EVP_PKEY_get_utf8_string_param(k->pkey,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		    NULL) != 1 || (k->ec_name = ssh_curve(group)) == NULL) {
			r = ksm__err(KSM_EINVAL, "unsupported EC curve");
			goto out;
		}
		k->ec_md = curve_md(k->ec_name);
		EVP_PKEY_set_utf8_string_param(k->pkey,
		    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "uncompressed");
		if (EVP_PKEY_get_octet_string_param(k->pkey,
		    OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &len) != 1)
			goto out;
		{
			char alg[32];

			snprintf(alg, sizeof(alg), "ecdsa-sha2-%s", k->ec_name);
			if ((r = ksmx_put_cstring(&b, alg)) != 0 ||
			    (r = ksmx_put_cstring(&b, k->ec_name)) != 0 ||
			    (r = ksmx_put_string(&b, pub, len)) != 0)
				goto out;
		}
	} else {
		r = ksm__err(KSM_EINVAL, "unsupported key type");
		goto out;
	}
	k->blob = ksmx_buf_take(&b, &k->blob_len);
	r = k->blob ? 0 : KSM_ENOMEM;
out:
	if (r == KSM_EINVAL && ksm_error_last()->code == 0)
		ksm__err(KSM_EINVAL, "cannot read the public key");
	BN_free(n);
	BN_free(e);
	ksmx_buf_clear(&b);
	return r;
}

/* BIGNUM from an mpint body, in the secure heap. */
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
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp))
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
	if ((group = group_of(curve, curve_len)) == NULL ||
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

static int	openssh_load(const char *text, size_t len,
		    const char *passphrase, EVP_PKEY **out);
static int	pem_load(const char *text, size_t len,
		    const char *passphrase, EVP_PKEY **out);

/* ssh-keygen decrypts (agent-keygen.c); our PEM reader takes over. */
static int
keygen_load(const char *text, size_t len, const char *passphrase,
    EVP_PKEY **out)
{
	char *plain;
	size_t plain_len;
	int r;

	if ((r = agent_keygen_decrypt(text, len, passphrase, &plain,
	    &plain_len)) != 0)
		return r;
	/* Ed25519 comes back in OpenSSH format, unencrypted */
	if (strstr(plain, openssh_begin) != NULL)
		r = openssh_load(plain, plain_len - 1, NULL, out);
	else
		r = pem_load(plain, plain_len - 1, NULL, out);
	OPENSSL_secure_clear_free(plain, plain_len);
	return r;
}

#ifdef HAVE_LIBSSH
/*
 * A passphrase-protected openssh-key-v1 key: libssh runs the bcrypt KDF and
 * the cipher, and writes the key back unencrypted (OpenSSH format for
 * Ed25519, PKCS#8 for ECDSA) into memory we wipe; our own readers take it
 * from there.  libssh 0.10 cannot write back an RSA key read from the
 * OpenSSH format: then OpenSSH's ssh-keygen decrypts it (agent-keygen.c).
 */
static int
openssh_decrypt(const char *text, size_t len, const char *passphrase,
    EVP_PKEY **out)
{
	ssh_key key = NULL;
	char *copy = NULL, *plain = NULL;
	int r;

	if (passphrase == NULL)
		return ksm__err(KSM_ECRYPTO, "the OpenSSH private key is "
		    "passphrase-protected and the record has no password");
	if ((copy = OPENSSL_secure_malloc(len + 1)) == NULL)
		return KSM_ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (ssh_pki_import_privkey_base64(copy, passphrase, NULL, NULL,
	    &key) != SSH_OK) {
		r = ksm__err(KSM_ECRYPTO, "cannot decrypt the OpenSSH private "
		    "key (wrong passphrase in the record's password field?)");
		goto out;
	}
	if (ssh_pki_export_privkey_base64(key, NULL, NULL, NULL,
	    &plain) != SSH_OK || plain == NULL) {
		r = keygen_load(text, len, passphrase, out);
		goto out;
	}
	if (strstr(plain, openssh_begin) != NULL)
		r = openssh_load(plain, strlen(plain), NULL, out);
	else
		r = pem_load(plain, strlen(plain), NULL, out);
out:
	if (plain != NULL) {
		ksmx_wipe(plain, strlen(plain));
		ssh_string_free_char(plain);
	}
	ssh_key_free(key);
	OPENSSL_secure_clear_free(copy, len + 1);
	return r;
}
#else
/* Without libssh, OpenSSH's ssh-keygen decrypts every such key. */
static int
openssh_decrypt(const char *text, size_t len, const char *passphrase,
    EVP_PKEY **out)
{
	if (passphrase == NULL)
		return ksm__err(KSM_ECRYPTO, "the OpenSSH private key is "
		    "passphrase-protected and the record has no password");
	return keygen_load(text, len, passphrase, out);
}
#endif

static int
openssh_load(const char *text, size_t len, const char *passphrase,
    EVP_PKEY **out)
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
		r = openssh_decrypt(text, len, passphrase, out);
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

static int
pem_pass(char *buf, int size, int rwflag, void *u)
{
	const char *pw = u;
	size_t n;

	(void)rwflag;
	if (pw == NULL)
		return -1;
	n = strlen(pw);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, pw, n);
	return (int)n;
}

static int
pem_load(const char *text, size_t len, const char *passphrase,
    EVP_PKEY **out)
{
	BIO *bio;

	if (len > 64 * 1024)
		return ksm__err(KSM_ETOOBIG, "private key larger than 64 KiB");
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL)
		return KSM_ENOMEM;
	*out = PEM_read_bio_PrivateKey(bio, NULL, pem_pass,
	    (void *)passphrase);
	BIO_free(bio);
	if (*out == NULL)
		return ksm__err(KSM_ECRYPTO, "cannot read the PEM private "
		    "key (wrong passphrase or not a key)");
	return 0;
}

int
agent_key_load(const char *text, size_t len, const char *passphrase,
    const char *comment, struct agent_key **out)
{
	struct agent_key *k;
	int r;

	*out = NULL;
	ksm_error_clear();
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return KSM_ENOMEM;
	if (memmem(text, len, openssh_begin, sizeof(openssh_begin) - 1))
		r = openssh_load(text, len, passphrase, &k->pkey);
	else
		r = pem_load(text, len, passphrase, &k->pkey);
	if (r != 0)
		goto out;
	if ((r = make_blob(k)) != 0)
		goto out;
	if ((r = key_secure(k)) != 0)
		goto out;
	if ((k->comment = ksmx_strdup(comment ? comment : "")) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	*out = k;
	k = NULL;
out:
	agent_key_free(k);
	return r;
}

/* Move k->pkey's RSA numbers into secure-heap parameters, drop k->pkey. */
static int
rsa_secure(struct agent_key *k)
{
	static const char *const names[] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1
	};
	BIGNUM *bn[8] = { NULL };
	OSSL_PARAM_BLD *bld = NULL;
	size_t i;
	int r = KSM_ENOMEM;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	for (i = 0; i < 8; i++) {
		/* a secure BIGNUM passed in is filled in place */
		if ((bn[i] = BN_secure_new()) == NULL)
			goto out;
		if (EVP_PKEY_get_bn_param(k->pkey, names[i], &bn[i]) != 1) {
			r = ksm__err(KSM_ECRYPTO, "RSA key without CRT "
			    "parameters");
			goto out;
		}
		if (!OSSL_PARAM_BLD_push_BN(bld, names[i], bn[i]))
			goto out;
	}
	if ((k->rsa_priv = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
	r = 0;
out:
	for (i = 0; i < 8; i++)
		BN_clear_free(bn[i]);
	OSSL_PARAM_BLD_free(bld);
	return r;
}

/* Move k->pkey's Ed25519 seed into the secure heap, drop k->pkey. */
static int
ed_secure(struct agent_key *k)
{
	size_t len = 32;

	if ((k->ed_seed = OPENSSL_secure_malloc(32)) == NULL)
		return KSM_ENOMEM;
	if (EVP_PKEY_get_raw_private_key(k->pkey, k->ed_seed, &len) != 1 ||
	    len != 32)
		return KSM_ECRYPTO;
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
	return 0;
}

static int
key_secure(struct agent_key *k)
{
	if (k->type == K_RSA)
		return rsa_secure(k);
	if (k->type == K_ED25519)
		return ed_secure(k);
	return 0;
}

/* The EVP_PKEY to sign with: k->pkey, or one built for this signature. */
static EVP_PKEY *
sign_key(const struct agent_key *k)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk = NULL;

	if (k->ed_seed != NULL)
		return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
		    k->ed_seed, 32);
	if (k->rsa_priv == NULL) {
		EVP_PKEY_up_ref(k->pkey);
		return k->pkey;
	}
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, k->rsa_priv) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

void
agent_key_free(struct agent_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	OSSL_PARAM_free(k->rsa_priv);
	if (k->ed_seed != NULL)
		OPENSSL_secure_clear_free(k->ed_seed, 32);
	if (k->text != NULL)
		OPENSSL_secure_clear_free(k->text, k->text_len + 1);
	if (k->pass != NULL)
		OPENSSL_secure_clear_free(k->pass, strlen(k->pass) + 1);
	free(k->blob);
	free(k->comment);
	free(k);
}

const uint8_t *
agent_key_blob(const struct agent_key *k, size_t *len)
{
	*len = k->blob_len;
	return k->blob;
}

const char *
agent_key_comment(const struct agent_key *k)
{
	return k->comment;
}

/* DER ECDSA signature to SSH: string (mpint r, mpint s). */
static int
ecdsa_sig(const uint8_t *der, size_t len, struct ksmx_buf *out)
{
	struct ksmx_buf b = KSMX_BUF_INIT(1024);
	const unsigned char *p = der;
	const BIGNUM *rr, *ss;
	ECDSA_SIG *s;
	int r;

	if ((s = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL)
		return KSM_ECRYPTO;
	ECDSA_SIG_get0(s, &rr, &ss);
	if ((r = put_bn(&b, rr)) == 0 && (r = put_bn(&b, ss)) == 0)
		r = ksmx_put_string(out, b.d, b.len);
	ECDSA_SIG_free(s);
	ksmx_buf_clear(&b);
	return r;
}

static int
key_sign(const struct agent_key *k, const uint8_t *data, size_t len,
    uint32_t flags, struct ksmx_buf *sig)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	const EVP_MD *md = NULL;
	uint8_t raw[1024];
	size_t raw_len = sizeof(raw);
	char alg[32];
	int r = KSM_ECRYPTO;

	switch (k->type) {
	case K_ED25519:
		snprintf(alg, sizeof(alg), "ssh-ed25519");
		break;
	case K_RSA:	/* exactly what the flags ask; SHA-1 only if none */
		if (flags & SSH_AGENT_RSA_SHA2_512) {
			md = EVP_sha512();
			snprintf(alg, sizeof(alg), "rsa-sha2-512");
		} else if (flags & SSH_AGENT_RSA_SHA2_256) {
			md = EVP_sha256();
			snprintf(alg, sizeof(alg), "rsa-sha2-256");
		} else {
			md = EVP_sha1();
			snprintf(alg, sizeof(alg), "ssh-rsa");
		}
		break;
	case K_ECDSA:
		md = k->ec_md;
		snprintf(alg, sizeof(alg), "ecdsa-sha2-%s", k->ec_name);
		break;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL || (pk = sign_key(k)) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	if (EVP_DigestSignInit(ctx, NULL, md, NULL, pk) != 1 ||
	    EVP_DigestSign(ctx, NULL, &raw_len, data, len) != 1 ||
	    raw_len > sizeof(raw) ||
	    EVP_DigestSign(ctx, raw, &raw_len, data, len) != 1)
		goto out;
	if ((r = ksmx_put_cstring(sig, alg)) != 0)
		goto out;
	if (k->type == K_ECDSA)
		r = ecdsa_sig(raw, raw_len, sig);
	else
		r = ksmx_put_string(sig, raw, raw_len);
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);	/* RSA, Ed25519: the per-signature copy, wiped */
	ksmx_wipe(raw, sizeof(raw));
	return r;
}

/* Copy n bytes of s, NUL-terminated, into the secure heap. */
static char *
secure_copy(const char *s, size_t n)
{
	char *d = OPENSSL_secure_malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* The blob of an OpenSSH public key line "type base64 [comment]". */
static int
pub_blob(const char *line, uint8_t **out, size_t *out_len)
{
	struct ksmx_buf b = KSMX_BUF_INIT(AGENT_MAX_BLOB);
	struct ksmx_rd rd;
	const char *sp, *b64, *end;
	const uint8_t *type;
	size_t type_len;
	int r = KSM_EINVAL;

	while (*line == ' ' || *line == '\t')
		line++;
	if ((sp = strpbrk(line, " \t")) == NULL)
		return KSM_EINVAL;
	for (b64 = sp; *b64 == ' ' || *b64 == '\t'; b64++)
		;
	end = b64 + strcspn(b64, " \t\r\n");
	if (end == b64 || ksmx_b64_decode(&b, b64, (size_t)(end - b64)) != 0)
		goto out;
	rd.p = b.d;
	rd.len = b.len;
	if (ksmx_rd_string(&rd, &type, &type_len, 64) != 0 ||
	    type_len != (size_t)(sp - line) ||
	    memcmp(type, line, type_len) != 0)
		goto out;
	*out = ksmx_buf_take(&b, out_len);
	r = *out ? 0 : KSM_ENOMEM;
out:
	ksmx_buf_clear(&b);
	return r;
}

int
agent_key_load_lazy(const char *text, size_t len, const char *passphrase,
    const char *publine, const char *comment, struct agent_key **out)
{
	struct agent_key *k, *tmp = NULL;
	int r;

	*out = NULL;
	ksm_error_clear();
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return KSM_ENOMEM;
	if (publine == NULL ||
	    pub_blob(publine, &k->blob, &k->blob_len) != 0) {
		/* no usable public key: derive it, drop the parsed key */
		if ((r = agent_key_load(text, len, passphrase, comment,
		    &tmp)) != 0)
			goto out;
		k->blob = tmp->blob;
		k->blob_len = tmp->blob_len;
		tmp->blob = NULL;
	}
	r = KSM_ENOMEM;
	if ((k->text = secure_copy(text, len)) == NULL)
		goto out;
	k->text_len = len;
	if (passphrase != NULL && (k->pass = secure_copy(passphrase,
	    strlen(passphrase))) == NULL)
		goto out;
	if ((k->comment = ksmx_strdup(comment ? comment : "")) == NULL)
		goto out;
	*out = k;
	k = NULL;
	r = 0;
out:
	agent_key_free(tmp);
	agent_key_free(k);
	return r;
}

int
agent_key_sign(const struct agent_key *k, const uint8_t *data, size_t len,
    uint32_t flags, struct ksmx_buf *sig)
{
	struct agent_key *t = NULL;
	int r;

	if (k->text == NULL)
		return key_sign(k, data, len, flags, sig);
	/* lazy: parse now, check against the listed blob, wipe after */
	if ((r = agent_key_load(k->text, k->text_len, k->pass, "",
	    &t)) != 0)
		return r;	/* ksm_last_error says why */
	if (t->blob_len != k->blob_len ||
	    memcmp(t->blob, k->blob, k->blob_len) != 0)
		r = ksm__err(KSM_ECRYPTO, "the private key does not match "
		    "the record's public key");
	else
		r = key_sign(t, data, len, flags, sig);
	agent_key_free(t);
	return r;
}
