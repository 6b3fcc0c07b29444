/*
 * keeper-secret get NOTATION...: every value a notation selects, one per
 * line, or with --json one JSON array of strings per notation and line.
 * All or nothing: every notation is resolved before any value is printed.
 */
#include "config.h"

#include <stdlib.h>

#include "cli.h"

struct result {
	char	**values;
	size_t	  n;
};

static void
results_free(struct result *res, size_t n)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < n; i++)
		ksm_strings_free(res[i].values, res[i].n);
	free(res);
}

static void
print_result(const struct result *res, int json)
{
	size_t i;

	if (!json) {
		for (i = 0; i < res->n; i++) {
			fputs(res->values[i], stdout);
			fputc('\n', stdout);
		}
		return;
	}
	fputc('[', stdout);
	for (i = 0; i < res->n; i++) {
		if (i > 0)
			fputc(',', stdout);
		cli_json_write_string(stdout, res->values[i]);
	}
	fputs("]\n", stdout);
}

int
cli_get_notations(struct cli *cli, const char *config, char **notations,
    size_t n, int json)
{
	ksm_client *client = NULL;
	struct result *res;
	char *strict = NULL;
	size_t i, done = 0;
	int r;

	if ((res = calloc(n, sizeof(*res))) == NULL)
		return cli_fail("out of memory");
	if ((r = cli_client_open(&client, cli, config)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((r = cli_notation_strict(&strict, notations[i])) == 0)
			r = ksm_notation_results(&res[i].values, &res[i].n,
			    client, strict != NULL ? strict : notations[i]);
		free(strict);
		strict = NULL;
		if (r == 0)
			done++;
		if (r != 0) {
			r = cli_ksm_fail(r);
			goto out;
		}
		if (res[i].n == 0) {
			/* an empty line could not be told from no value */
			fprintf(stderr, "%s: notation '%s' selects no value\n",
			    PROGNAME, notations[i]);
			r = CLI_EXIT_KSM_BASE - KSM_ENOTFOUND;
			goto out;
		}
	}
	for (i = 0; i < n; i++)
		print_result(&res[i], json);
	r = CLI_EXIT_OK;
 out:
	results_free(res, done);
	ksm_client_free(client);
	return r;
}
