/*
 * Helpers shared by core/crypto*.c, which alone include this header (and
 * OpenSSL); the rest of core/ uses crypto.h.
 */
#ifndef KSM_CRYPTO_INT_H
#define KSM_CRYPTO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ksm-int.h"
#include "crypto.h"
/* every OpenSSL header, then OpenSSL's names redirected to the table */
#include "crypto-syms.h"

#define EC_GROUP_NAME	"prime256v1"
#define EC_SCALAR_LEN	32

/*
 * The first line of every entry point of crypto.h: libcrypto loaded, or
 * return KSM_ECRYPTO (with the message set).
 */
#define KSM_CRYPTO_LOAD() do {						\
	if (ksm_crypto__load() != 0)					\
		return KSM_ECRYPTO;					\
} while (0)

/* Forget OpenSSL's errors and return code. */
static inline int
ossl_fail(int code)
{
	ERR_clear_error();
	return code;
}

/* crypto-eckey.c */
/* The EVP_PKEY of key (built now if key is lazy), owned by key. */
int	ksm_eckey__pkey(const ksm_eckey *key, EVP_PKEY **out);
/* A lazy key for scalar and embedded, or the public key of embedded. */
int	ksm_eckey__lazy(ksm_eckey **out, const uint8_t *scalar,
	    const uint8_t *embedded);
/* A built key for scalar; embedded (or NULL) must be its public point. */
int	ksm_eckey__from_scalar_pub(ksm_eckey **out, const uint8_t scalar[32],
	    const uint8_t *embedded);
/* The uncompressed public point of pkey. */
int	ksm_eckey__pkey_point(uint8_t out[65], EVP_PKEY *pkey);

#endif /* KSM_CRYPTO_INT_H */
