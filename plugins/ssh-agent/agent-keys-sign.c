#include "config.h"

/*
 * Signing with a parsed key, as SIGN_REQUEST asks: the algorithm name and
 * digest per key type (RSA: the flags choose SHA-512, SHA-256 or SHA-1),
 * and the signature blob (ECDSA: DER to mpint r, mpint s).
 */

#include <stdio.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "ksm-int.h"
#include "util/wipe.h"
#include "agent-keys-int.h"
#include "agent-proto.h"
#include "agent-wire.h"

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
	if ((r = agent_keys__put_bn(&b, rr)) == 0 &&
	    (r = agent_keys__put_bn(&b, ss)) == 0)
		r = agent_put_string(out, b.d, b.len);
	ECDSA_SIG_free(s);
	ksmx_buf_clear(&b);
	return r;
}

int
agent_keys__sign(const struct agent_key *k, const uint8_t *data, size_t len,
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
	case AGENT_K_ED25519:
		snprintf(alg, sizeof(alg), "ssh-ed25519");
		break;
	case AGENT_K_RSA:
		/* exactly what the flags ask; SHA-1 only if none */
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
	case AGENT_K_ECDSA:
		md = k->ec_md;
		snprintf(alg, sizeof(alg), "ecdsa-sha2-%s", k->ec_name);
		break;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    (pk = agent_keys__sign_key(k)) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	if (EVP_DigestSignInit(ctx, NULL, md, NULL, pk) != 1 ||
	    EVP_DigestSign(ctx, NULL, &raw_len, data, len) != 1 ||
	    raw_len > sizeof(raw) ||
	    EVP_DigestSign(ctx, raw, &raw_len, data, len) != 1)
		goto out;
	if ((r = agent_put_cstring(sig, alg)) != 0)
		goto out;
	if (k->type == AGENT_K_ECDSA)
		r = ecdsa_sig(raw, raw_len, sig);
	else
		r = agent_put_string(sig, raw, raw_len);
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);	/* RSA, Ed25519: this signature's copy, wiped */
	ksmx_wipe(raw, sizeof(raw));
	return r;
}

