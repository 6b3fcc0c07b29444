#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ksm/error.h"
#include "sandbox.h"

#define TLS_DAYS	3650

static EVP_PKEY *
new_p256(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static int
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return -1;
	if (!X509_add_ext(cert, ext, -1)) {
		X509_EXTENSION_free(ext);
		return -1;
	}
	X509_EXTENSION_free(ext);
	return 0;
}

static X509 *
new_cert(EVP_PKEY *key, const char *cn, X509 *issuer)
{
	X509 *cert = X509_new();
	X509_NAME *name = NULL;
	ASN1_INTEGER *serial = NULL;
	BIGNUM *bn = NULL;

	if (cert == NULL)
		return NULL;
	if (!X509_set_version(cert, 2))
		goto fail;
	if ((bn = BN_new()) == NULL || !BN_rand(bn, 63, BN_RAND_TOP_ANY,
	    BN_RAND_BOTTOM_ANY))
		goto fail;
	if ((serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    !X509_set_serialNumber(cert, serial))
		goto fail;
	if (X509_gmtime_adj(X509_getm_notBefore(cert), -86400L) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(cert), TLS_DAYS, 0,
	    NULL) == NULL)
		goto fail;
	if (!X509_set_pubkey(cert, key))
		goto fail;
	if ((name = X509_NAME_new()) == NULL ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"keeper-sandbox", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_subject_name(cert, name))
		goto fail;
	if (!X509_set_issuer_name(cert, issuer != NULL ?
	    X509_get_subject_name(issuer) : name))
		goto fail;
	X509_NAME_free(name);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return cert;
fail:
	X509_NAME_free(name);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	X509_free(cert);
	return NULL;
}

static int
write_pem(const char *dir, const char *name, X509 *cert, EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char path[4096];
	char *data;
	long n;
	int r = KSM_ECRYPTO;

	if (bio == NULL)
		return KSM_ENOMEM;
	if (cert != NULL && !PEM_write_bio_X509(bio, cert))
		goto out;
	if (key != NULL && !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0,
	    NULL, NULL))
		goto out;
	n = BIO_get_mem_data(bio, &data);
	if (n <= 0)
		goto out;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	r = sb_file_write(path, data, (size_t)n, key != NULL ? 0600 : 0644);
out:
	BIO_free_all(bio);
	return r;
}

static int
exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat sb;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &sb) == 0;
}

int
sb_tls_ensure(const char *dir)
{
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *ca = NULL, *cert = NULL;
	int r = KSM_ECRYPTO;

	if (exists(dir, "ca.pem") && exists(dir, "ca-key.pem") &&
	    exists(dir, "tls-cert.pem") && exists(dir, "tls-key.pem"))
		return 0;

	/* the CA */
	if ((ca_key = new_p256()) == NULL ||
	    (ca = new_cert(ca_key, "keeper-sandbox test CA", NULL)) == NULL)
		goto out;
	if (add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE") ||
	    add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    add_ext(ca, ca, NID_subject_key_identifier, "hash"))
		goto out;
	if (!X509_sign(ca, ca_key, EVP_sha256()))
		goto out;

	/* the server certificate for 127.0.0.1 and localhost */
	if ((key = new_p256()) == NULL ||
	    (cert = new_cert(key, "localhost", ca)) == NULL)
		goto out;
	if (add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(cert, ca, NID_key_usage,
	    "critical,digitalSignature,keyEncipherment") ||
	    add_ext(cert, ca, NID_ext_key_usage, "serverAuth") ||
	    add_ext(cert, ca, NID_subject_alt_name,
	    "IP:127.0.0.1,DNS:localhost") ||
	    add_ext(cert, ca, NID_subject_key_identifier, "hash") ||
	    add_ext(cert, ca, NID_authority_key_identifier, "keyid:always"))
		goto out;
	if (!X509_sign(cert, ca_key, EVP_sha256()))
		goto out;

	if ((r = write_pem(dir, "ca-key.pem", NULL, ca_key)) != 0 ||
	    (r = write_pem(dir, "tls-key.pem", NULL, key)) != 0 ||
	    (r = write_pem(dir, "tls-cert.pem", cert, NULL)) != 0 ||
	    (r = write_pem(dir, "ca.pem", ca, NULL)) != 0)
		goto out;
	r = 0;
out:
	X509_free(ca);
	X509_free(cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	return r;
}
