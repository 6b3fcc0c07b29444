#include "config.h"

/*
 * libFuzzer target: the git credential reader, the writer on what it
 * read, and the URL matcher with the request against itself as a URL.
 * Built with standalone.c it replays tests/fuzz/corpus/gitcred/ in make
 * check.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitcred.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gitcred c = GITCRED_INIT;
	char url[256];
	char *out = NULL;
	size_t out_len = 0;
	FILE *in, *o;

	if (size == 0 || (in = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	if (gitcred_read(&c, in) == 0) {
		if ((o = open_memstream(&out, &out_len)) != NULL) {
			gitcred_write(&c, o);
			fclose(o);
		}
		snprintf(url, sizeof(url), "%s://%s/%s",
		    c.protocol ? c.protocol : "", c.host ? c.host : "",
		    c.path ? c.path : "");
		(void)gitcred_url_match(&c, url);
		(void)gitcred_url_match(&c, c.username);
		gitcred_clear(&c);
		(void)gitcred_from_url(&c, url);
	}
	gitcred_clear(&c);
	fclose(in);
	free(out);
	return 0;
}
