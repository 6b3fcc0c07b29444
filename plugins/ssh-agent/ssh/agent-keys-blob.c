#include "config.h"

/*
 * Public keys in SSH wire format: the blob of a parsed private key (what
 * REQUEST_IDENTITIES lists and SIGN_REQUEST names), the blob of an
 * OpenSSH public key line, and the curve names both sides use.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "ksm-int.h"
#include "util/b64.h"
#include "agent-keys-int.h"
#include "agent-proto.h"
#include "util/wire.h"

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

const char *
agent_keys__curve_group(const uint8_t *ssh, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strlen(curves[i].ssh) == len &&
		    memcmp(curves[i].ssh, ssh, len) == 0)
			return curves[i].group;
	return NULL;
}

int
agent_keys__put_bn(struct ksmx_buf *b, const BIGNUM *bn)
{
	uint8_t tmp[1024];
	int n = BN_num_bytes(bn);

	if (n < 0 || (size_t)n > sizeof(tmp))
		return KSM_ETOOBIG;
	BN_bn2bin(bn, tmp);
	return ksmx_put_mpint(b, tmp, (size_t)n);
}

/* Fill k->type, ec fields and k->blob from k->pkey. */
int
agent_keys__make_blob(struct agent_key *k)
{
	struct ksmx_buf b = KSMX_BUF_INIT(AGENT_MAX_BLOB);
	BIGNUM *n = NULL, *e = NULL;
	uint8_t pub[256];
	char group[64];
	size_t len;
	int r = KSM_EINVAL;

	if (EVP_PKEY_is_a(k->pkey, "ED25519")) {
		k->type = AGENT_K_ED25519;
		len = 32;
		if (EVP_PKEY_get_raw_public_key(k->pkey, pub, &len) != 1 ||
		    len != 32)
			goto out;
		if ((r = ksmx_put_cstring(&b, "ssh-ed25519")) != 0 ||
		    (r = ksmx_put_string(&b, pub, len)) != 0)
			goto out;
	} else if (EVP_PKEY_is_a(k->pkey, "RSA")) {
		k->type = AGENT_K_RSA;
		if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E,
		    &e) != 1 || EVP_PKEY_get_bn_param(k->pkey,
		    OSSL_PKEY_PARAM_RSA_N, &n) != 1)
			goto out;
		if (BN_num_bits(n) < 2048) {
			r = ksm__err(KSM_EINVAL,
			    "RSA key shorter than 2048 bits");
			goto out;
		}
		if ((r = ksmx_put_cstring(&b, "ssh-rsa")) != 0 ||
		    (r = agent_keys__put_bn(&b, e)) != 0 ||
		    (r = agent_keys__put_bn(&b, n)) != 0)
			goto out;
	} else if (EVP_PKEY_is_a(k->pkey, "EC")) {
		k->type = AGENT_K_ECDSA;
		if (EVP_PKEY_get_utf8_string_param(k->pkey,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		    NULL) != 1 || (k->ec_name = ssh_curve(group)) == NULL) {
			r = ksm__err(KSM_EINVAL, "unsupported EC curve");
			goto out;
		}
		k->ec_md = curve_md(k->ec_name);
		EVP_PKEY_set_utf8_string_param(k->pkey,
		    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
		    "uncompressed");
		if (EVP_PKEY_get_octet_string_param(k->pkey,
		    OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &len) != 1)
			goto out;
		{
			char alg[32];

			snprintf(alg, sizeof(alg), "ecdsa-sha2-%s",
			    k->ec_name);
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


/* The blob of an OpenSSH public key line "type base64 [comment]". */
int
agent_keys__pub_blob(const char *line, uint8_t **out, size_t *out_len)
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

