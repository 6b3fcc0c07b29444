#include "config.h"

#include <sys/stat.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ksm/error.h"
#include "ksm-test.h"

static int n_run, n_failed;

static int report(int, const char *, int, const char *, va_list)
    __attribute__((format(printf, 4, 0)));

static int
report(int ok, const char *file, int line, const char *fmt, va_list ap)
{
	n_run++;
	printf("%sok %d - ", ok ? "" : "not ", n_run);
	vprintf(fmt, ap);
	printf("\n");
	if (!ok) {
		n_failed++;
		printf("#   at %s:%d\n", file, line);
	}
	fflush(stdout);
	return ok;
}

int
ksm_test_ok(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ok, file, line, fmt, ap);
	va_end(ap);
	return ok;
}

int
ksm_test_streq(const char *a, const char *b, const char *file, int line,
    const char *fmt, ...)
{
	int ok = (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
	va_list ap;

	va_start(ap, fmt);
	report(ok, file, line, fmt, ap);
	va_end(ap);
	if (!ok)
		printf("#   got '%s'\n#  want '%s'\n", a ? a : "(null)",
		    b ? b : "(null)");
	return ok;
}

int
ksm_test_memeq(const void *a, const void *b, size_t n, const char *file,
    int line, const char *fmt, ...)
{
	int ok = a != NULL && b != NULL && memcmp(a, b, n) == 0;
	va_list ap;

	va_start(ap, fmt);
	report(ok, file, line, fmt, ap);
	va_end(ap);
	return ok;
}

int
ksm_test_fails(int got, int want, const char *file, int line,
    const char *fmt, ...)
{
	const ksm_error *e = ksm_error_last();
	int ok = got == want && e->code == want && e->message[0] != '\0';
	va_list ap;

	va_start(ap, fmt);
	report(ok, file, line, fmt, ap);
	va_end(ap);
	if (!ok)
		printf("#   got %d (%s), last error %d '%s', want %d\n", got,
		    ksm_code_name(got), e->code, e->message, want);
	return ok;
}

void
ksm_test_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int
ksm_test_done(void)
{
	printf("1..%d\n", n_run);
	return n_failed == 0 && n_run > 0 ? 0 : 1;
}

const char *
ksm_test_path(const char *dir, const char *rel)
{
	static char ring[8][512];
	static int i;
	char *p = ring[i++ % 8];

	snprintf(p, sizeof(ring[0]), "%s/%s", dir, rel);
	return p;
}

int
ksm_test_contains(const char *hay, const char *needle)
{
	return hay != NULL && needle != NULL && strstr(hay, needle) != NULL;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
ksm_test_rmtree(const char *dir)
{
	/* deepest first, links not followed */
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *
ksm_test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto out;
	if ((b = malloc((size_t)n + 1)) == NULL)
		goto out;
	if (fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
		goto out;
	}
	b[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
 out:
	fclose(f);
	return b;
}

struct cJSON *
ksm_test_vectors(const char *name)
{
	const char *dir = getenv("KSM_TEST_VECTORS");
	char path[4096];
	cJSON *root;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/vectors", name);
	if ((text = ksm_test_slurp(path, NULL)) == NULL)
		return NULL;
	root = cJSON_Parse(text);
	free(text);
	return root;
}

size_t
ksm_test_unhex(uint8_t *out, size_t max, const char *hex)
{
	size_t i, n = strlen(hex);
	unsigned int v;

	if (n % 2 != 0 || n / 2 > max)
		return (size_t)-1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return (size_t)-1;
		out[i] = (uint8_t)v;
	}
	return n / 2;
}
