#include "config.h"

/*
 * Signing with a parsed key, as SIGN_REQUEST asks: the algorithm name and
 * digest per key type (RSA: the flags choose SHA-512, SHA-256 or SHA-1),
 * and the signature blob (ECDSA: DER to mpint r, mpint s).  Each key keeps
 * one initialised context per digest, so a signature does not export the
 * key to the provider or fetch the algorithms again: it copies that
 * context and signs.
 */

#include <stdio.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "ksm-int.h"
#include "util/wipe.h"
#include "agent-keys-int.h"
#include "agent-proto.h"
#include "util/wire.h"

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
		r = ksmx_put_string(out, b.d, b.len);
	ECDSA_SIG_free(s);
	ksmx_buf_clear(&b);
	return r;
}

/*
 * The algorithm name and digest for a signature, and the slot of kp->tmpl
 * that holds its context: RSA signs exactly what the flags ask (SHA-1
 * only if none), the others have one algorithm.
 */
static size_t
sigalg(const struct agent_kept *kp, uint32_t flags, const EVP_MD **md,
    char *alg, size_t alg_size)
{
	switch (kp->type) {
	case AGENT_K_RSA:
		if (flags & SSH_AGENT_RSA_SHA2_512) {
			*md = EVP_sha512();
			snprintf(alg, alg_size, "rsa-sha2-512");
			return 2;
		}
		if (flags & SSH_AGENT_RSA_SHA2_256) {
			*md = EVP_sha256();
			snprintf(alg, alg_size, "rsa-sha2-256");
			return 1;
		}
		*md = EVP_sha1();
		snprintf(alg, alg_size, "ssh-rsa");
		return 0;
	case AGENT_K_ECDSA:
		*md = kp->ec_md;
		snprintf(alg, alg_size, "ecdsa-sha2-%s", kp->ec_name);
		return 0;
	case AGENT_K_ED25519:
		break;
	}
	*md = NULL;
	snprintf(alg, alg_size, "ssh-ed25519");
	return 0;
}

/*
 * The context for one signature: a copy of the slot's template, which is
 * initialised once per key and digest.  FINALISE: the signature is the
 * copy's last use, so OpenSSL need not keep its state for more.
 */
static EVP_MD_CTX *
sign_ctx(struct agent_kept *kp, size_t slot, const EVP_MD *md)
{
	EVP_MD_CTX *t = kp->tmpl[slot];

	if (t == NULL) {
		if ((t = EVP_MD_CTX_new()) == NULL)
			return NULL;
		EVP_MD_CTX_set_flags(t, EVP_MD_CTX_FLAG_FINALISE);
		if (EVP_DigestSignInit(t, NULL, md, NULL, kp->pkey) != 1) {
			EVP_MD_CTX_free(t);
			return NULL;
		}
		kp->tmpl[slot] = t;
	}
	if (kp->work == NULL && (kp->work = EVP_MD_CTX_new()) == NULL)
		return NULL;
	return EVP_MD_CTX_copy_ex(kp->work, t) == 1 ? kp->work : NULL;
}

int
agent_keys__sign(struct agent_kept *kp, const uint8_t *data, size_t len,
    uint32_t flags, struct ksmx_buf *sig)
{
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
	uint8_t raw[1024];
	size_t raw_len = sizeof(raw), slot;
	char alg[32];
	int r = KSM_ECRYPTO;

	slot = sigalg(kp, flags, &md, alg, sizeof(alg));
	if ((ctx = sign_ctx(kp, slot, md)) == NULL ||
	    EVP_DigestSign(ctx, raw, &raw_len, data, len) != 1)
		goto out;
	if ((r = ksmx_put_cstring(sig, alg)) != 0)
		goto out;
	if (kp->type == AGENT_K_ECDSA)
		r = ecdsa_sig(raw, raw_len, sig);
	else
		r = ksmx_put_string(sig, raw, raw_len);
out:
	ksmx_wipe(raw, sizeof(raw));
	return r;
}

void
agent_keys__sign_clear(struct agent_kept *kp)
{
	size_t i;

	for (i = 0; i < AGENT_KEPT_MDS; i++) {
		EVP_MD_CTX_free(kp->tmpl[i]);
		kp->tmpl[i] = NULL;
	}
	EVP_MD_CTX_free(kp->work);
	kp->work = NULL;
}
