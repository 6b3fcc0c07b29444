#include "config.h"

/*
 * Replays fuzz inputs without libFuzzer, printing TAP: every file named on
 * the command line, or in a directory named there; with no arguments the
 * corpus $top_srcdir/tests/fuzz/corpus/FUZZ_TARGET.  A crash fails make
 * check; each input is one test.
 */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_TARGET
#define FUZZ_TARGET	"notation"
#endif

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_run;

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	int ok = 0;

	if (f == NULL)
		goto out;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto out;
	if ((buf = malloc((size_t)len + 1)) == NULL)
		goto out;
	if (fread(buf, 1, (size_t)len, f) != (size_t)len)
		goto out;
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	ok = 1;
out:
	printf("%sok %d - %s\n", ok ? "" : "not ", ++n_run, path);
	fflush(stdout);
	free(buf);
	if (f != NULL)
		fclose(f);
	return ok;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run_path(const char *path)
{
	struct dirent *de;
	struct stat st;
	char **names = NULL, **tmp;
	size_t n = 0, i, cap = 0, sz;
	DIR *d;
	int ok = 1;

	if (stat(path, &st) != 0) {
		printf("not ok %d - cannot open %s\n", ++n_run, path);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	if ((d = opendir(path)) == NULL) {
		printf("not ok %d - cannot open %s\n", ++n_run, path);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((tmp = realloc(names, cap * sizeof(*names))) == NULL)
				break;
			names = tmp;
		}
		sz = strlen(path) + strlen(de->d_name) + 2;
		if ((names[n] = malloc(sz)) != NULL)
			snprintf(names[n++], sz, "%s/%s", path, de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp);	/* stable test numbers */
	for (i = 0; i < n; i++) {
		ok &= run_file(names[i]);
		free(names[i]);
	}
	free(names);
	return ok;
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char dflt[4096];
	int i, ok = 1;

	if (argc < 2) {
		snprintf(dflt, sizeof(dflt), "%s/tests/fuzz/corpus/%s",
		    top ? top : ".", FUZZ_TARGET);
		ok = run_path(dflt);
	}
	for (i = 1; i < argc; i++)
		ok &= run_path(argv[i]);
	printf("1..%d\n", n_run);
	return ok && n_run > 0 ? 0 : 1;
}
