/*
 * keeper-secret rm: delete records, named by UID or by a notation (the
 * record it names: keeper://TITLE/title).
 */
#include "config.h"

#include <stdlib.h>

#include "cli.h"

void
cmd_rm_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s rm [--config FILE] [--] UID|NOTATION...\n"
	    "\n"
	    "Delete records from the vault.  An operand is a record UID or\n"
	    "a notation; a notation deletes the record it names (by UID or\n"
	    "exact title), e.g. 'keeper://My database/title'.  Every record\n"
	    "is found before any is deleted.\n"
	    "\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n", PROGNAME);
}

int
cmd_rm(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT("rm");
	ksm_client *client = NULL;
	const char *config = NULL;
	char (*uids)[KSM_UID_BUF] = NULL;
	const char **ptrs = NULL;
	size_t n, i;
	int c, r;

	while ((c = cli_getopt(&st, argc, argv, "+:c:h", longopts)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			cmd_rm_usage(stdout);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error("rm", "no record given");
	if ((r = cli_check_operands("rm", argc, argv, optind)) != 0)
		return r;
	n = (size_t)(argc - optind);
	if ((uids = calloc(n, sizeof(*uids))) == NULL ||
	    (ptrs = calloc(n, sizeof(*ptrs))) == NULL) {
		r = cli_fail("out of memory");
		goto out;
	}
	if ((r = cli_client_open(&client, cli, config)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((r = cli_record_uid(uids[i], client,
		    argv[optind + (int)i])) != 0)
			goto out;
		ptrs[i] = uids[i];
	}
	if ((r = ksm_client_delete_records(client, ptrs, n, NULL)) != 0) {
		r = cli_ksm_fail(r);
		goto out;
	}
	r = CLI_EXIT_OK;
out:
	free(uids);
	free(ptrs);
	ksm_client_free(client);
	return r;
}
