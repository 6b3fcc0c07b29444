#include "config.h"

/*
 * libcrypto is dlopen()ed on the first cryptographic operation
 * (core/crypto-load.c).  The loader against libraries that are not it, a
 * process in which it cannot be loaded (every crypto call fails with a
 * message naming the library, a caller's context keeps it, a client
 * still opens, and its first request reports the missing library rather
 * than a corrupt key), and the real one.
 */

#include <stdio.h>
#include <string.h>

#include "ksm/totp.h"
#include "ksm-int.h"
#include "client-int.h"
#include "crypto.h"
#define KSM_OSSL_NO_REDIRECT
#include "crypto-syms.h"
#include "ksm-test.h"

#define NO_SUCH_LIB	"libksm-test-no-such-library.so.0"

/* A perform hook that must not be reached. */
static int
no_perform(void *ctx, const struct ksm_http_req *req, long *status,
    struct ksmx_buf *body)
{
	int *called = ctx;

	(void)req;
	(void)status;
	(void)body;
	++*called;
	return ksm__err(KSM_ENETWORK, "the test's perform hook was called");
}

static void
test_table(void)
{
	struct ksm_ossl t;
	char err[200];

	memset(&t, 0, sizeof(t));
	T_OK(ksm_crypto__load_table(&t, NO_SUCH_LIB, err, sizeof(err)) == -1 &&
	    strstr(err, NO_SUCH_LIB) != NULL,
	    "table::a missing library fails with dlerror: %s", err);
	T_OK(t.RAND_bytes == NULL, "table::  ... and fills nothing");
	T_OK(ksm_crypto__load_table(&t, "libc.so.6", err, sizeof(err)) == -1 &&
	    strcmp(err, "libc.so.6 lacks ASN1_get_object, which libksm uses") ==
	    0, "table::a library without OpenSSL's functions: %s", err);
	T_OK(t.RAND_bytes == NULL, "table::  ... and fills nothing");
	T_OK(ksm_crypto__load_table(&t, KSM_CRYPTO_SONAME, err,
	    sizeof(err)) == 0, "table::" KSM_CRYPTO_SONAME " has them all");
	T_OK(t.ASN1_get_object != NULL && t.d2i_AutoPrivateKey != NULL &&
	    t.CRYPTO_secure_zalloc != NULL, "table::  ... first to last filled");
}

/* Every crypto call fails, with the message and the hint. */
static void
test_missing(void)
{
	const ksm_error *e = ksm_error_last();
	ksm_eckey *k = (ksm_eckey *)&k;
	char code[KSM_TOTP_CODE_MAX];
	uint8_t md[32];
	int i;

	for (i = 0; i < 2; i++) {
		ksm_error_clear();
		T_FAILS(ksm_crypto__sha256(md, "x", 1), KSM_ECRYPTO,
		    "missing::sha256 (call %d)", i + 1);
		T_OK(strncmp(e->message, "cannot load " NO_SUCH_LIB ": ",
		    strlen("cannot load " NO_SUCH_LIB ": ")) == 0,
		    "missing::  ... names the library: %s", e->message);
		T_OK(strstr(e->hint, "libssl3") != NULL,
		    "missing::  ... hint: %s", e->hint);
	}
	T_FAILS(ksm_crypto__random(md, sizeof(md)), KSM_ECRYPTO,
	    "missing::random");
	T_FAILS(ksm_eckey__from_pkcs8(&k, "\x30\x00", 2), KSM_ECRYPTO,
	    "missing::from_pkcs8");
	T_OK(k == NULL, "missing::  ... clears its out-parameter");
	T_FAILS(ksm_eckey__generate(&k), KSM_ECRYPTO, "missing::generate");
	ksm_eckey__free(NULL);
	T_OK(1, "missing::free(NULL) needs no library");
	/* a caller's context keeps the library's name and the hint */
	T_FAILS(ksm_totp_code(code, NULL, "otpauth://totp/x?secret="
	    "JBSWY3DPEHPK3PXP", 59), KSM_ECRYPTO, "missing::totp");
	T_OK(strncmp(e->message, "cannot compute the TOTP HMAC-SHA1: cannot "
	    "load " NO_SUCH_LIB ": ", strlen("cannot compute the TOTP "
	    "HMAC-SHA1: cannot load " NO_SUCH_LIB ": ")) == 0 &&
	    strstr(e->hint, "libssl3") != NULL,
	    "missing::  ... says what, then why, with the hint: %s", e->message);
}

/* A client opens without libcrypto; its first request says what is wrong. */
static void
test_client(void)
{
	static const char *cfgs[] = {
		/* built-in server key: the private key is the first use */
		"{\"hostname\":\"keeper.invalid\",\"clientId\":\"dGVzdA==\","
		"\"privateKey\":\"MAMCAQA=\",\"appKey\":"
		"\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}",
		/* a custom one, checked on the curve on first use */
		"{\"hostname\":\"keeper.invalid\",\"clientId\":\"dGVzdA==\","
		"\"privateKey\":\"MAMCAQA=\",\"appKey\":"
		"\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\","
		"\"serverPublicKeyId\":\"7\",\"serverPublicKey\":\"BAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAA=\"}",
	};
	ksm_client_options o = KSM_CLIENT_OPTIONS_INIT;
	struct ksm_client_hooks h;
	const ksm_error *e = ksm_error_last();
	const unsigned char *point;
	ksm_records *recs = NULL;
	ksm_client *c = NULL;
	ksm_eckey *key;
	size_t i;
	int called = 0, r;

	memset(&h, 0, sizeof(h));
	h.perform = no_perform;
	h.perform_ctx = &called;
	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		o.config_string = cfgs[i];
		ksm_error_clear();
		T_OK(ksm_client__new(&c, &o, &h) == 0,
		    "client::[%zu] opens without libcrypto %s", i,
		    e->message);
		if (c == NULL)
			continue;
		T_FAILS(ksm_client_get_records(&recs, c, NULL, 0),
		    KSM_ECRYPTO, "client::[%zu] a get fails", i);
		T_OK(strstr(e->message, "cannot load " NO_SUCH_LIB) != NULL,
		    "client::[%zu]  ... naming the library, not the key: %s",
		    i, e->message);
		T_OK(called == 0 && recs == NULL,
		    "client::[%zu]  ... before any request", i);
		T_FAILS(ksm_client__key(c, &key), KSM_ECRYPTO,
		    "client::[%zu] the key accessor", i);
		r = ksm_client__server_point(c, &point);
		T_OK(i == 0 ? r == 0 : r == KSM_ECRYPTO,
		    "client::[%zu] the server key: %s", i, i == 0 ?
		    "built in, nothing to check" : "custom, checked now");
		ksm_client_free(c);
		c = NULL;
	}
}

int
main(void)
{
	test_table();
	/* this process's first load: a library that is not there */
	ksm_crypto__soname = NO_SUCH_LIB;
	test_missing();
	test_client();
	return ksm_test_done();
}
