/*
 * The OpenSSL functions core/crypto*.c call, reached through a table that
 * crypto-load.c fills from libcrypto, dlopen()ed on the first
 * cryptographic operation: libksm is not linked with libcrypto, so a
 * program that never encrypts (keeper-secret --version, a get the agent
 * answers) does not pay for loading and relocating it.
 *
 * Included by crypto-int.h after every OpenSSL header the crypto files
 * use: the member types come from the real prototypes, and each name is
 * then redirected to its table entry (an OpenSSL macro such as
 * OPENSSL_secure_zalloc expands to the real symbol, which is listed).
 * A function that is new to the crypto files must be added to both lists
 * below, else the programs that do not link libcrypto (keeper-secret and
 * the other clients) fail to link.
 */
#ifndef KSM_CRYPTO_SYMS_H
#define KSM_CRYPTO_SYMS_H

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#define KSM_OSSL_SYMS(X) \
	X(ASN1_get_object) \
	X(BN_CTX_free) \
	X(BN_CTX_secure_new) \
	X(BN_bin2bn) \
	X(BN_bn2binpad) \
	X(BN_clear_free) \
	X(BN_cmp) \
	X(BN_free) \
	X(BN_is_negative) \
	X(BN_is_zero) \
	X(BN_secure_new) \
	X(CRYPTO_THREAD_lock_free) \
	X(CRYPTO_THREAD_lock_new) \
	X(CRYPTO_THREAD_unlock) \
	X(CRYPTO_THREAD_write_lock) \
	X(CRYPTO_clear_free) \
	X(CRYPTO_memcmp) \
	X(CRYPTO_secure_clear_free) \
	X(CRYPTO_secure_zalloc) \
	X(EC_GROUP_free) \
	X(EC_GROUP_get0_order) \
	X(EC_GROUP_new_by_curve_name_ex) \
	X(EC_POINT_free) \
	X(EC_POINT_is_at_infinity) \
	X(EC_POINT_is_on_curve) \
	X(EC_POINT_mul) \
	X(EC_POINT_new) \
	X(EC_POINT_oct2point) \
	X(EC_POINT_point2oct) \
	X(ERR_clear_error) \
	X(EVP_CIPHER_CTX_ctrl) \
	X(EVP_CIPHER_CTX_free) \
	X(EVP_CIPHER_CTX_new) \
	X(EVP_DecryptFinal_ex) \
	X(EVP_DecryptInit_ex2) \
	X(EVP_DecryptUpdate) \
	X(EVP_Digest) \
	X(EVP_DigestSign) \
	X(EVP_DigestSignInit_ex) \
	X(EVP_DigestVerify) \
	X(EVP_DigestVerifyInit_ex) \
	X(EVP_EncryptFinal_ex) \
	X(EVP_EncryptInit_ex2) \
	X(EVP_EncryptUpdate) \
	X(EVP_MAC_CTX_free) \
	X(EVP_MAC_CTX_new) \
	X(EVP_MAC_fetch) \
	X(EVP_MAC_final) \
	X(EVP_MAC_free) \
	X(EVP_MAC_init) \
	X(EVP_MAC_update) \
	X(EVP_MD_CTX_free) \
	X(EVP_MD_CTX_new) \
	X(EVP_PKEY_CTX_free) \
	X(EVP_PKEY_CTX_new_from_name) \
	X(EVP_PKEY_CTX_new_from_pkey) \
	X(EVP_PKEY_Q_keygen) \
	X(EVP_PKEY_derive) \
	X(EVP_PKEY_derive_init) \
	X(EVP_PKEY_derive_set_peer) \
	X(EVP_PKEY_free) \
	X(EVP_PKEY_fromdata) \
	X(EVP_PKEY_fromdata_init) \
	X(EVP_PKEY_get_bn_param) \
	X(EVP_PKEY_get_utf8_string_param) \
	X(EVP_PKEY_is_a) \
	X(EVP_aes_256_cbc) \
	X(EVP_aes_256_gcm) \
	X(EVP_sha256) \
	X(OSSL_ENCODER_CTX_free) \
	X(OSSL_ENCODER_CTX_get_num_encoders) \
	X(OSSL_ENCODER_CTX_new_for_pkey) \
	X(OSSL_ENCODER_to_data) \
	X(OSSL_PARAM_BLD_free) \
	X(OSSL_PARAM_BLD_new) \
	X(OSSL_PARAM_BLD_push_BN) \
	X(OSSL_PARAM_BLD_push_octet_string) \
	X(OSSL_PARAM_BLD_push_utf8_string) \
	X(OSSL_PARAM_BLD_to_param) \
	X(OSSL_PARAM_construct_end) \
	X(OSSL_PARAM_construct_utf8_string) \
	X(OSSL_PARAM_free) \
	X(RAND_bytes) \
	X(d2i_AutoPrivateKey)

struct ksm_ossl {
#define KSM_OSSL_MEMBER(name)	__typeof__(&name) name;
	KSM_OSSL_SYMS(KSM_OSSL_MEMBER)
#undef KSM_OSSL_MEMBER
};

/* Filled once by ksm_crypto__load() (crypto-load.c). */
extern struct ksm_ossl ksm__ossl;

/*
 * Fill *t from the library soname: 0, or -1 with why in err.  The handle
 * is never closed (OpenSSL registers atexit handlers).  The seam the unit
 * test of a failed load uses.
 */
int	ksm_crypto__load_table(struct ksm_ossl *t, const char *soname,
	    char *err, size_t err_len);
/*
 * The library the first ksm_crypto__load() opens: KSM_CRYPTO_SONAME
 * (configure).  A unit test names another one before any crypto call; it
 * is never read from the environment (pam_keeper.so runs inside login).
 */
extern const char *ksm_crypto__soname;

#ifndef KSM_OSSL_NO_REDIRECT
#define ASN1_get_object	(ksm__ossl.ASN1_get_object)
#define BN_CTX_free	(ksm__ossl.BN_CTX_free)
#define BN_CTX_secure_new	(ksm__ossl.BN_CTX_secure_new)
#define BN_bin2bn	(ksm__ossl.BN_bin2bn)
#define BN_bn2binpad	(ksm__ossl.BN_bn2binpad)
#define BN_clear_free	(ksm__ossl.BN_clear_free)
#define BN_cmp	(ksm__ossl.BN_cmp)
#define BN_free	(ksm__ossl.BN_free)
#define BN_is_negative	(ksm__ossl.BN_is_negative)
#define BN_is_zero	(ksm__ossl.BN_is_zero)
#define BN_secure_new	(ksm__ossl.BN_secure_new)
#define CRYPTO_THREAD_lock_free	(ksm__ossl.CRYPTO_THREAD_lock_free)
#define CRYPTO_THREAD_lock_new	(ksm__ossl.CRYPTO_THREAD_lock_new)
#define CRYPTO_THREAD_unlock	(ksm__ossl.CRYPTO_THREAD_unlock)
#define CRYPTO_THREAD_write_lock	(ksm__ossl.CRYPTO_THREAD_write_lock)
#define CRYPTO_clear_free	(ksm__ossl.CRYPTO_clear_free)
#define CRYPTO_memcmp	(ksm__ossl.CRYPTO_memcmp)
#define CRYPTO_secure_clear_free	(ksm__ossl.CRYPTO_secure_clear_free)
#define CRYPTO_secure_zalloc	(ksm__ossl.CRYPTO_secure_zalloc)
#define EC_GROUP_free	(ksm__ossl.EC_GROUP_free)
#define EC_GROUP_get0_order	(ksm__ossl.EC_GROUP_get0_order)
#define EC_GROUP_new_by_curve_name_ex	(ksm__ossl.EC_GROUP_new_by_curve_name_ex)
#define EC_POINT_free	(ksm__ossl.EC_POINT_free)
#define EC_POINT_is_at_infinity	(ksm__ossl.EC_POINT_is_at_infinity)
#define EC_POINT_is_on_curve	(ksm__ossl.EC_POINT_is_on_curve)
#define EC_POINT_mul	(ksm__ossl.EC_POINT_mul)
#define EC_POINT_new	(ksm__ossl.EC_POINT_new)
#define EC_POINT_oct2point	(ksm__ossl.EC_POINT_oct2point)
#define EC_POINT_point2oct	(ksm__ossl.EC_POINT_point2oct)
#define ERR_clear_error	(ksm__ossl.ERR_clear_error)
#define EVP_CIPHER_CTX_ctrl	(ksm__ossl.EVP_CIPHER_CTX_ctrl)
#define EVP_CIPHER_CTX_free	(ksm__ossl.EVP_CIPHER_CTX_free)
#define EVP_CIPHER_CTX_new	(ksm__ossl.EVP_CIPHER_CTX_new)
#define EVP_DecryptFinal_ex	(ksm__ossl.EVP_DecryptFinal_ex)
#define EVP_DecryptInit_ex2	(ksm__ossl.EVP_DecryptInit_ex2)
#define EVP_DecryptUpdate	(ksm__ossl.EVP_DecryptUpdate)
#define EVP_Digest	(ksm__ossl.EVP_Digest)
#define EVP_DigestSign	(ksm__ossl.EVP_DigestSign)
#define EVP_DigestSignInit_ex	(ksm__ossl.EVP_DigestSignInit_ex)
#define EVP_DigestVerify	(ksm__ossl.EVP_DigestVerify)
#define EVP_DigestVerifyInit_ex	(ksm__ossl.EVP_DigestVerifyInit_ex)
#define EVP_EncryptFinal_ex	(ksm__ossl.EVP_EncryptFinal_ex)
#define EVP_EncryptInit_ex2	(ksm__ossl.EVP_EncryptInit_ex2)
#define EVP_EncryptUpdate	(ksm__ossl.EVP_EncryptUpdate)
#define EVP_MAC_CTX_free	(ksm__ossl.EVP_MAC_CTX_free)
#define EVP_MAC_CTX_new	(ksm__ossl.EVP_MAC_CTX_new)
#define EVP_MAC_fetch	(ksm__ossl.EVP_MAC_fetch)
#define EVP_MAC_final	(ksm__ossl.EVP_MAC_final)
#define EVP_MAC_free	(ksm__ossl.EVP_MAC_free)
#define EVP_MAC_init	(ksm__ossl.EVP_MAC_init)
#define EVP_MAC_update	(ksm__ossl.EVP_MAC_update)
#define EVP_MD_CTX_free	(ksm__ossl.EVP_MD_CTX_free)
#define EVP_MD_CTX_new	(ksm__ossl.EVP_MD_CTX_new)
#define EVP_PKEY_CTX_free	(ksm__ossl.EVP_PKEY_CTX_free)
#define EVP_PKEY_CTX_new_from_name	(ksm__ossl.EVP_PKEY_CTX_new_from_name)
#define EVP_PKEY_CTX_new_from_pkey	(ksm__ossl.EVP_PKEY_CTX_new_from_pkey)
#define EVP_PKEY_Q_keygen	(ksm__ossl.EVP_PKEY_Q_keygen)
#define EVP_PKEY_derive	(ksm__ossl.EVP_PKEY_derive)
#define EVP_PKEY_derive_init	(ksm__ossl.EVP_PKEY_derive_init)
#define EVP_PKEY_derive_set_peer	(ksm__ossl.EVP_PKEY_derive_set_peer)
#define EVP_PKEY_free	(ksm__ossl.EVP_PKEY_free)
#define EVP_PKEY_fromdata	(ksm__ossl.EVP_PKEY_fromdata)
#define EVP_PKEY_fromdata_init	(ksm__ossl.EVP_PKEY_fromdata_init)
#define EVP_PKEY_get_bn_param	(ksm__ossl.EVP_PKEY_get_bn_param)
#define EVP_PKEY_get_utf8_string_param	(ksm__ossl.EVP_PKEY_get_utf8_string_param)
#define EVP_PKEY_is_a	(ksm__ossl.EVP_PKEY_is_a)
#define EVP_aes_256_cbc	(ksm__ossl.EVP_aes_256_cbc)
#define EVP_aes_256_gcm	(ksm__ossl.EVP_aes_256_gcm)
#define EVP_sha256	(ksm__ossl.EVP_sha256)
#define OSSL_ENCODER_CTX_free	(ksm__ossl.OSSL_ENCODER_CTX_free)
#define OSSL_ENCODER_CTX_get_num_encoders	(ksm__ossl.OSSL_ENCODER_CTX_get_num_encoders)
#define OSSL_ENCODER_CTX_new_for_pkey	(ksm__ossl.OSSL_ENCODER_CTX_new_for_pkey)
#define OSSL_ENCODER_to_data	(ksm__ossl.OSSL_ENCODER_to_data)
#define OSSL_PARAM_BLD_free	(ksm__ossl.OSSL_PARAM_BLD_free)
#define OSSL_PARAM_BLD_new	(ksm__ossl.OSSL_PARAM_BLD_new)
#define OSSL_PARAM_BLD_push_BN	(ksm__ossl.OSSL_PARAM_BLD_push_BN)
#define OSSL_PARAM_BLD_push_octet_string	(ksm__ossl.OSSL_PARAM_BLD_push_octet_string)
#define OSSL_PARAM_BLD_push_utf8_string	(ksm__ossl.OSSL_PARAM_BLD_push_utf8_string)
#define OSSL_PARAM_BLD_to_param	(ksm__ossl.OSSL_PARAM_BLD_to_param)
#define OSSL_PARAM_construct_end	(ksm__ossl.OSSL_PARAM_construct_end)
#define OSSL_PARAM_construct_utf8_string	(ksm__ossl.OSSL_PARAM_construct_utf8_string)
#define OSSL_PARAM_free	(ksm__ossl.OSSL_PARAM_free)
#define RAND_bytes	(ksm__ossl.RAND_bytes)
#define d2i_AutoPrivateKey	(ksm__ossl.d2i_AutoPrivateKey)
#endif /* KSM_OSSL_NO_REDIRECT */

#endif /* KSM_CRYPTO_SYMS_H */
