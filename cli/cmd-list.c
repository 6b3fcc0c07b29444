/* keeper-secret list: the records shared with the application. */
#include "config.h"

#include <string.h>

#include "cli.h"

void
cmd_list_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s list [--json] [--config FILE]\n"
	    "\n"
	    "List the records shared with the application: UID, type and\n"
	    "title, one record a line.  No secret values are printed.\n"
	    "\n"
	    "  -j, --json         a JSON array of {uid, type, title, folderUid}\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n", PROGNAME);
}

static const char *
type_of(const ksm_record *rec)
{
	return ksm_record_is_legacy(rec) ? "(legacy)" : ksm_record_type(rec);
}

static void
print_json(const ksm_records *recs)
{
	const ksm_record *rec;
	const char *folder;
	size_t i, n = ksm_records_count(recs);

	fputs("[", stdout);
	for (i = 0; i < n; i++) {
		rec = ksm_records_at(recs, i);
		fputs(i == 0 ? "\n  {\"uid\": " : ",\n  {\"uid\": ", stdout);
		cli_json_write_string(stdout, ksm_record_uid(rec));
		fputs(", \"type\": ", stdout);
		cli_json_write_string(stdout, ksm_record_type(rec));
		fputs(", \"title\": ", stdout);
		cli_json_write_string(stdout, ksm_record_title(rec));
		fputs(", \"folderUid\": ", stdout);
		folder = ksm_record_folder_uid(rec);
		if (folder != NULL)
			cli_json_write_string(stdout, folder);
		else
			fputs("null", stdout);
		printf(", \"legacy\": %s}",
		    ksm_record_is_legacy(rec) ? "true" : "false");
	}
	fputs(n == 0 ? "]\n" : "\n]\n", stdout);
}

static void
print_table(const ksm_records *recs)
{
	size_t i, n = ksm_records_count(recs), w = 4, len;

	for (i = 0; i < n; i++) {
		len = strlen(type_of(ksm_records_at(recs, i)));
		if (len > w)
			w = len;
	}
	printf("%-22s  %-*s  %s\n", "UID", (int)w, "TYPE", "TITLE");
	for (i = 0; i < n; i++) {
		const ksm_record *rec = ksm_records_at(recs, i);

		printf("%-22s  %-*s  %s\n", ksm_record_uid(rec), (int)w,
		    type_of(rec), ksm_record_title(rec));
	}
}

int
cmd_list(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT("list");
	ksm_client *client = NULL;
	ksm_records *recs = NULL;
	const char *config = NULL;
	int c, r, json = 0;

	while ((c = cli_getopt(&st, argc, argv, "+:jc:h", longopts)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			cmd_list_usage(stdout);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("list", "unexpected argument '%s'",
		    argv[optind]);
	if ((r = cli_client_open(&client, cli, config)) != 0)
		goto out;
	if ((r = ksm_client_get_records(&recs, client, NULL, 0)) != 0) {
		r = cli_ksm_fail(r);
		goto out;
	}
	if (json)
		print_json(recs);
	else
		print_table(recs);
	r = CLI_EXIT_OK;
 out:
	ksm_records_free(recs);
	ksm_client_free(client);
	return r;
}
