#include "config.h"

/*
 * curl-load-bench: what a process pays, once, to load and initialise the
 * system libcurl the way libksm does on its first request (dlopen of
 * libcurl.so.4 with its dependency tree, then curl_global_init), with
 * libcrypto already loaded and initialised as in keeper-secret.  For
 * tests/bench/bench.sh: prints the microseconds; figures, not a test.
 */

#include <dlfcn.h>
#include <stdio.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "bench-clock.h"

int
main(void)
{
	CURLcode (*global_init)(long);
	double t0;
	void *h;

	if (OPENSSL_init_crypto(0, NULL) != 1)
		return 1;
	t0 = bench_now_us();
	if ((h = dlopen("libcurl.so.4", RTLD_LAZY | RTLD_LOCAL)) == NULL ||
	    (*(void **)&global_init = dlsym(h, "curl_global_init")) == NULL ||
	    global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "curl-load-bench: cannot load libcurl\n");
		return 1;
	}
	printf("%.1f\n", bench_now_us() - t0);
	return 0;
}
