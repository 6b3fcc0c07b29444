#include "config.h"

/*
 * keeper-agent's host-key signature check (session-bind): keys made by
 * OpenSSL here, signatures in SSH form, for Ed25519, ECDSA P-256/384/521
 * and RSA (rsa-sha2-256/512, a short signature left-padded, SHA-1
 * refused); wrong key, altered data, a foreign algorithm name, malformed
 * blobs; and the SHA256 fingerprint ssh-keygen -l prints.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "ksm-int.h"
#include "ksm-test.h"
#include "util/b64.h"
#include "agent-verify.h"
#include "util/wire.h"

enum ktype { K_ED, K_P256, K_P384, K_P521, K_RSA };

struct key {
	enum ktype	 type;
	EVP_PKEY	*pk;
	struct ksmx_buf	 blob;
};

static const char *const curve[] = { NULL, "nistp256", "nistp384",
    "nistp521" };

static void
put_bn(struct ksmx_buf *b, const BIGNUM *bn)
{
	uint8_t tmp[1024];
	int n = BN_bn2bin(bn, tmp);

	ksmx_put_mpint(b, tmp, (size_t)n);
}

static void
key_new(struct key *k, enum ktype type)
{
	static const char *const group[] = { NULL, "P-256", "P-384", "P-521" };
	uint8_t pub[256];
	size_t n = sizeof(pub);
	BIGNUM *e = NULL, *m = NULL;
	char name[32];

	k->type = type;
	k->blob = (struct ksmx_buf)KSMX_BUF_INIT(4096);
	if (type == K_ED) {
		k->pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		EVP_PKEY_get_raw_public_key(k->pk, pub, &n);
		ksmx_put_cstring(&k->blob, "ssh-ed25519");
		ksmx_put_string(&k->blob, pub, n);
	} else if (type == K_RSA) {
		k->pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		EVP_PKEY_get_bn_param(k->pk, OSSL_PKEY_PARAM_RSA_E, &e);
		EVP_PKEY_get_bn_param(k->pk, OSSL_PKEY_PARAM_RSA_N, &m);
		ksmx_put_cstring(&k->blob, "ssh-rsa");
		put_bn(&k->blob, e);
		put_bn(&k->blob, m);
		BN_free(e);
		BN_free(m);
	} else {
		k->pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group[type]);
		EVP_PKEY_get_octet_string_param(k->pk,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub, sizeof(pub), &n);
		snprintf(name, sizeof(name), "ecdsa-sha2-%s", curve[type]);
		ksmx_put_cstring(&k->blob, name);
		ksmx_put_cstring(&k->blob, curve[type]);
		ksmx_put_string(&k->blob, pub, n);
	}
	if (k->pk == NULL)
		abort();
}

static void
key_free(struct key *k)
{
	EVP_PKEY_free(k->pk);
	ksmx_buf_clear(&k->blob);
}

/*
 * The SSH signature of data by k: alg NULL for the key's own (RSA:
 * rsa-sha2-512); strip_zero drops leading zero bytes of the signature.
 */
static void
key_sign(const struct key *k, const char *alg, const void *data, size_t len,
    struct ksmx_buf *out, int strip_zero)
{
	const EVP_MD *md = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t raw[1024];
	size_t n = sizeof(raw), off = 0;
	char name[32];
	struct ksmx_buf inner = KSMX_BUF_INIT(1024);

	switch (k->type) {
	case K_ED:
		snprintf(name, sizeof(name), "ssh-ed25519");
		break;
	case K_RSA:
		snprintf(name, sizeof(name), "%s", alg ? alg : "rsa-sha2-512");
		md = strcmp(name, "rsa-sha2-256") == 0 ? EVP_sha256() :
		    strcmp(name, "ssh-rsa") == 0 ? EVP_sha1() : EVP_sha512();
		break;
	default:
		snprintf(name, sizeof(name), "ecdsa-sha2-%s", curve[k->type]);
		md = k->type == K_P256 ? EVP_sha256() : k->type == K_P384 ?
		    EVP_sha384() : EVP_sha512();
		break;
	}
	if (alg != NULL)
		snprintf(name, sizeof(name), "%s", alg);
	if (ctx == NULL ||
	    EVP_DigestSignInit(ctx, NULL, md, NULL, k->pk) != 1 ||
	    EVP_DigestSign(ctx, raw, &n, data, len) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
	ksmx_buf_clear(out);
	ksmx_put_cstring(out, name);
	if (k->type == K_ED || k->type == K_RSA) {
		while (strip_zero && off < n && raw[off] == 0)
			off++;
		ksmx_put_string(out, raw + off, n - off);
	} else {
		const unsigned char *p = raw;
		ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)n);

		put_bn(&inner, ECDSA_SIG_get0_r(s));
		put_bn(&inner, ECDSA_SIG_get0_s(s));
		ECDSA_SIG_free(s);
		ksmx_put_string(out, inner.d, inner.len);
	}
	ksmx_buf_clear(&inner);
}

static int
verify(const struct key *k, const struct ksmx_buf *sig, const char *data)
{
	return agent_verify(k->blob.d, k->blob.len, sig->d, sig->len,
	    (const uint8_t *)data, strlen(data));
}

static void
test_types(void)
{
	static const char *const names[] = { "Ed25519", "ECDSA P-256",
	    "ECDSA P-384", "ECDSA P-521", "RSA" };
	struct ksmx_buf sig = KSMX_BUF_INIT(4096);
	struct key k, other;
	enum ktype t;

	for (t = K_ED; t <= K_RSA; t++) {
		key_new(&k, t);
		key_new(&other, t);
		key_sign(&k, NULL, "session id", 10, &sig, 0);
		T_OK(verify(&k, &sig, "session id") == 0, "%s: verifies",
		    names[t]);
		T_OK(verify(&k, &sig, "session iD") == KSM_ECRYPTO,
		    "%s: other data: ECRYPTO", names[t]);
		T_OK(verify(&other, &sig, "session id") == KSM_ECRYPTO,
		    "%s: another key: ECRYPTO", names[t]);
		ksmx_buf_putc(&sig, 0);
		T_OK(verify(&k, &sig, "session id") == KSM_EPROTO,
		    "%s: trailing byte: EPROTO", names[t]);
		T_OK(agent_verify(k.blob.d, k.blob.len - 1, sig.d, sig.len - 1,
		    (const uint8_t *)"session id", 10) != 0,
		    "%s: truncated key blob: refused", names[t]);
		key_free(&k);
		key_free(&other);
	}
	ksmx_buf_clear(&sig);
}

static void
test_algorithms(void)
{
	struct ksmx_buf sig = KSMX_BUF_INIT(4096);
	struct key rsa, p256, ed;
	char data[32];
	int i, found = 0;

	key_new(&rsa, K_RSA);
	key_new(&p256, K_P256);
	key_new(&ed, K_ED);
	key_sign(&rsa, "rsa-sha2-256", "sid", 3, &sig, 0);
	T_OK(verify(&rsa, &sig, "sid") == 0, "RSA: rsa-sha2-256 verifies");
	key_sign(&rsa, "ssh-rsa", "sid", 3, &sig, 0);
	T_OK(verify(&rsa, &sig, "sid") == KSM_ECRYPTO,
	    "RSA: ssh-rsa (SHA-1) refused");
	/* an RSA signature whose first byte is 0, sent without it */
	for (i = 0; i < 5000 && !found; i++) {
		snprintf(data, sizeof(data), "sid %d", i);
		key_sign(&rsa, NULL, data, strlen(data), &sig, 0);
		found = sig.d[4 + 12 + 4] == 0;	/* first byte of S */
	}
	key_sign(&rsa, NULL, data, strlen(data), &sig, 1);
	T_OK(found && verify(&rsa, &sig, data) == 0,
	    "RSA: a shorter signature is left-padded (RFC 8332)");
	key_sign(&p256, "ecdsa-sha2-nistp384", "sid", 3, &sig, 0);
	T_OK(verify(&p256, &sig, "sid") == KSM_ECRYPTO,
	    "P-256 key, signature named nistp384: ECRYPTO");
	key_sign(&ed, "ssh-rsa", "sid", 3, &sig, 0);
	T_OK(verify(&ed, &sig, "sid") == KSM_ECRYPTO,
	    "Ed25519 key, signature named ssh-rsa: ECRYPTO");
	key_sign(&ed, NULL, "sid", 3, &sig, 0);
	T_OK(agent_verify(p256.blob.d, p256.blob.len, sig.d, sig.len,
	    (const uint8_t *)"sid", 3) == KSM_ECRYPTO,
	    "an Ed25519 signature for an ECDSA key: ECRYPTO");
	key_free(&rsa);
	key_free(&p256);
	key_free(&ed);
	ksmx_buf_clear(&sig);
}

static void
test_blobs(void)
{
	struct ksmx_buf b = KSMX_BUF_INIT(1024), sig = KSMX_BUF_INIT(1024);
	struct key p256;
	uint8_t pt[65];

	key_new(&p256, K_P256);
	key_sign(&p256, NULL, "sid", 3, &sig, 0);
	ksmx_put_cstring(&b, "ssh-ed25519-cert-v01@openssh.com");
	ksmx_put_cstring(&b, "x");
	T_OK(agent_verify(b.d, b.len, sig.d, sig.len, (const uint8_t *)"sid",
	    3) == KSM_EINVAL, "certificate host key: EINVAL (not verified)");
	ksmx_buf_clear(&b);
	ksmx_put_cstring(&b, "ecdsa-sha2-nistp256");
	ksmx_put_cstring(&b, "nistp384");
	memcpy(pt, p256.blob.d + p256.blob.len - 65, 65);
	ksmx_put_string(&b, pt, 65);
	T_OK(agent_verify(b.d, b.len, sig.d, sig.len, (const uint8_t *)"sid",
	    3) == KSM_EPROTO, "ECDSA type and curve disagree: EPROTO");
	ksmx_buf_clear(&b);
	ksmx_put_cstring(&b, "ecdsa-sha2-nistp256");
	ksmx_put_cstring(&b, "nistp256");
	pt[64] ^= 1;	/* no longer on the curve */
	ksmx_put_string(&b, pt, 65);
	T_OK(agent_verify(b.d, b.len, sig.d, sig.len, (const uint8_t *)"sid",
	    3) != 0, "a point off the curve: refused");
	ksmx_buf_clear(&b);
	ksmx_put_cstring(&b, "ssh-ed25519");
	ksmx_put_string(&b, pt, 31);
	T_OK(agent_verify(b.d, b.len, sig.d, sig.len, (const uint8_t *)"sid",
	    3) == KSM_EPROTO, "Ed25519 key of 31 bytes: EPROTO");
	key_free(&p256);
	ksmx_buf_clear(&b);
	ksmx_buf_clear(&sig);
}

static void
test_fingerprint(void)
{
	static const char key[] =
	    "AAAAC3NzaC1lZDI1NTE5AAAAIJ56uQRZ98s41SD95k4J6PYmgDtT3exAirI9+Zs3pVeJ";
	struct ksmx_buf b = KSMX_BUF_INIT(1024);
	char fp[AGENT_FP_MAX];

	ksmx_b64_decode(&b, key, strlen(key));
	agent_fingerprint(fp, b.d, b.len);
	/* ssh-keygen -lf of that key */
	T_STREQ(fp, "SHA256:yJPjFSw6NcqMink8X6NuxefamWz2lNZLNhddsSrCqXQ",
	    "fingerprint as ssh-keygen -l prints it");
	ksmx_buf_clear(&b);
}

int
main(void)
{
	test_types();
	test_algorithms();
	test_blobs();
	test_fingerprint();
	return ksm_test_done();
}
