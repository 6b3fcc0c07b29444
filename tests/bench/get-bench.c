#include "config.h"

/*
 * get-bench: what one notation get costs inside a process, without the
 * process start a `keeper-secret get` pays (tests/bench/bench.sh; figures,
 * not a test).  Public API only, like any program linking libksm.
 *
 *   get-bench CONFIG NOTATION RUNS
 *
 * The environment decides cache and server (KSM_CACHE_TTL, KSM_CA_FILE).
 * Prints tab-separated lines, medians in microseconds:
 *   open-get	<client from the config file + one get + free>
 *   get	<one get on a client kept open>
 * Every value is checked against the first, so a figure never comes from
 * failing calls.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm/ksm.h"
#include "bench-clock.h"

/* One get on c; 0 when it returned what the first one did. */
static int
get_one(ksm_client *c, const char *notation, char **first)
{
	char *value = NULL;
	size_t len = 0;
	int ok;

	if (ksm_notation_get(&value, &len, c, notation) != 0)
		return -1;
	if (*first == NULL) {
		*first = value;
		return 0;
	}
	ok = strcmp(value, *first) == 0;
	ksm_secret_free(value);
	if (!ok)
		fprintf(stderr, "get-bench: the value changed between runs\n");
	return ok ? 0 : -1;
}

int
main(int argc, char **argv)
{
	ksm_client_options opts = KSM_CLIENT_OPTIONS_INIT;
	ksm_client *c = NULL;
	char *first = NULL;
	double *t = NULL, t0;
	int runs, i, rc = 1;

	if (argc != 4 || (runs = atoi(argv[3])) < 1 || runs > 1000000) {
		fprintf(stderr, "usage: get-bench CONFIG NOTATION RUNS\n");
		return 2;
	}
	opts.config_path = argv[1];
	if ((t = calloc((size_t)runs, sizeof(*t))) == NULL)
		goto out;
	/* warm-up: fills the cache when one is on */
	if (ksm_client_new(&c, &opts) != 0 || get_one(c, argv[2], &first))
		goto fail;
	ksm_client_free(c);
	c = NULL;
	for (i = 0; i < runs; i++) {
		t0 = bench_now_us();
		if (ksm_client_new(&c, &opts) != 0 ||
		    get_one(c, argv[2], &first) != 0)
			goto fail;
		ksm_client_free(c);
		c = NULL;
		t[i] = bench_now_us() - t0;
	}
	printf("open-get\t%.1f\n", bench_median(t, (size_t)runs));
	if (ksm_client_new(&c, &opts) != 0)
		goto fail;
	for (i = 0; i < runs; i++) {
		t0 = bench_now_us();
		if (get_one(c, argv[2], &first) != 0)
			goto fail;
		t[i] = bench_now_us() - t0;
	}
	printf("get\t%.1f\n", bench_median(t, (size_t)runs));
	rc = 0;
	goto out;
fail:
	if (ksm_error_last()->message[0] != '\0')
		fprintf(stderr, "get-bench: %s\n", ksm_error_last()->message);
out:
	ksm_client_free(c);
	ksm_secret_free(first);
	free(t);
	return rc;
}
