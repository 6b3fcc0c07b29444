#include "config.h"

/*
 * The locked secure heap (OpenSSL's: mlock'ed, MADV_DONTDUMP, wiped on
 * free) and what keeper-agent keeps there: lazy keys' text and passphrase,
 * RSA parameters and Ed25519 seeds, which OpenSSL 3.0's own key objects
 * would hold in ordinary heap, ECDSA keys (OpenSSL puts their scalar
 * there itself).
 */

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "ksm-int.h"
#include "agent-keys.h"
#include "agent-keys-int.h"

#define SECURE_HEAP	(1024 * 1024)	/* bytes, locked */

int
agent_keys_secure_init(void)
{
	if (CRYPTO_secure_malloc_initialized())
		return 0;
	return CRYPTO_secure_malloc_init(SECURE_HEAP, 16) ? 0 : KSM_ERROR;
}

/*
 * Parsed keys are kept while the secure heap is at most half full: the
 * rest is for key texts and for parsing (a full secure heap fails the
 * allocation, it does not fall back to ordinary heap).
 */
int
agent_keys__secure_room(void)
{
	return !CRYPTO_secure_malloc_initialized() ||
	    CRYPTO_secure_used() <= SECURE_HEAP / 2;
}

char *
agent_keys__secure_copy(const char *s, size_t n)
{
	char *d = OPENSSL_secure_malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
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

int
agent_keys__secure(struct agent_key *k)
{
	if (k->type == AGENT_K_RSA)
		return rsa_secure(k);
	if (k->type == AGENT_K_ED25519)
		return ed_secure(k);
	return 0;
}

EVP_PKEY *
agent_keys__sign_key(const struct agent_key *k)
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

