#include "config.h"

/*
 * libcrypto, loaded on the first cryptographic operation rather than at
 * program start, the way http-curl.c loads libcurl on the first request:
 * loading and relocating libcrypto is nearly all of what a `keeper-secret
 * --version` costs, and a run that decrypts nothing (the agent answered,
 * --help, a PAM module that ignores the user) needs none of it.
 *
 * Every entry point of crypto.h calls ksm_crypto__load() first; the table
 * (crypto-syms.h) is filled once, under pthread_once.  The library is
 * never unloaded: OpenSSL registers atexit handlers and keeps global
 * state.  A program that links libcrypto itself (keeper-agent, the
 * sandbox) gets the same copy back from dlopen.
 */

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define KSM_OSSL_NO_REDIRECT	/* the table's members are named here */
#include "crypto-int.h"

#ifndef KSM_CRYPTO_SONAME
#define KSM_CRYPTO_SONAME	"libcrypto.so.3"
#endif

struct ksm_ossl ksm__ossl;

static pthread_once_t	load_once = PTHREAD_ONCE_INIT;
static int		load_ok;
static char		load_err[200];	/* why loading failed */

const char *ksm_crypto__soname = KSM_CRYPTO_SONAME;

int
ksm_crypto__load_table(struct ksm_ossl *t, const char *soname, char *err,
    size_t err_len)
{
	struct ksm_ossl tmp;
	const char *e;
	void *h;

	/* RTLD_NOW: a missing function shows now, not in the middle of a call */
	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) ==
	    NULL) {
		e = dlerror();
		(void)snprintf(err, err_len, "%s", e != NULL ? e :
		    "dlopen failed");
		return -1;
	}
	memset(&tmp, 0, sizeof(tmp));
	/* dlsym into a function pointer (POSIX's recommended form) */
#define KSM_OSSL_SYM(name)						\
	if ((*(void **)(&tmp.name) = dlsym(h, #name)) == NULL) {	\
		(void)snprintf(err, err_len, "%s lacks %s, which libksm " \
		    "uses", soname, #name);				\
		return -1;						\
	}
	KSM_OSSL_SYMS(KSM_OSSL_SYM)
#undef KSM_OSSL_SYM
	*t = tmp;
	return 0;
}

static void
load(void)
{
	load_ok = ksm_crypto__load_table(&ksm__ossl, ksm_crypto__soname,
	    load_err, sizeof(load_err)) == 0;
}

int
ksm_crypto__load(void)
{
	(void)pthread_once(&load_once, load);
	if (load_ok)
		return 0;
	(void)ksm__err(KSM_ECRYPTO, "cannot load %s: %s", ksm_crypto__soname,
	    load_err);
	ksm__err_hint("install OpenSSL 3's libcrypto (Debian: apt-get install "
	    "libssl3)");
	return KSM_ECRYPTO;
}
