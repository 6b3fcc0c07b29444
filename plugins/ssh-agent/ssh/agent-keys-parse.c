#include "config.h"

/*
 * Private key text to an OpenSSL key: which format it is, PEM (PKCS#1,
 * SEC1, PKCS#8; encrypted or not) through OpenSSL, and the passphrase of
 * an encrypted openssh-key-v1 key (libssh, else OpenSSH's ssh-keygen).
 * The unencrypted openssh-key-v1 reader is agent-keys-openssh.c.
 */

#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#ifdef HAVE_LIBSSH
#include <libssh/libssh.h>
#endif

#include "ksm-int.h"
#include "util/wipe.h"
#include "agent-keygen.h"
#include "agent-keys-int.h"

int
agent_keys__parse(const char *text, size_t len, const char *passphrase,
    EVP_PKEY **out)
{
	if (agent_keys__is_openssh(text, len))
		return agent_keys__openssh_load(text, len, passphrase, out);
	return agent_keys__pem_load(text, len, passphrase, out);
}

/* ssh-keygen decrypts (agent-keygen.c); our readers take over. */
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
	r = agent_keys__parse(plain, strlen(plain), NULL, out);
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
int
agent_keys__openssh_decrypt(const char *text, size_t len,
    const char *passphrase, EVP_PKEY **out)
{
	ssh_key key = NULL;
	char *copy = NULL, *plain = NULL;
	int r;

	if (passphrase == NULL)
		return ksm__err(KSM_ECRYPTO, "the OpenSSH private key is "
		    "passphrase-protected and the record has no password");
	if ((copy = agent_keys__secure_copy(text, len)) == NULL)
		return KSM_ENOMEM;
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
	r = agent_keys__parse(plain, strlen(plain), NULL, out);
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
int
agent_keys__openssh_decrypt(const char *text, size_t len,
    const char *passphrase, EVP_PKEY **out)
{
	if (passphrase == NULL)
		return ksm__err(KSM_ECRYPTO, "the OpenSSH private key is "
		    "passphrase-protected and the record has no password");
	return keygen_load(text, len, passphrase, out);
}
#endif

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

int
agent_keys__pem_load(const char *text, size_t len, const char *passphrase,
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
