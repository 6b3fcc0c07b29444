/*
 * keeper-secret set: change one value of a record, named by a notation.
 * The value comes from standard input or --generate, never from argv.
 */
#include "config.h"

#include <string.h>

#include "cli.h"

void
cmd_set_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s set [--json] [--generate[=LENGTH] ...] [--print]\n"
	    "              [--config FILE] [--] NOTATION\n"
	    "\n"
	    "Set what NOTATION selects and save the record: a field's value\n"
	    "(keeper://UID/field/password, UID/custom_field/API key),\n"
	    "one value ([n]; [n] just past the last adds one), a property\n"
	    "of an object value (field/host[hostName]), the title or the\n"
	    "notes.  The value is read from standard input (one final line\n"
	    "break is dropped; a terminal is asked with echo off), or made\n"
	    "with --generate; never from the command line.\n"
	    "\n"
	    "  -j, --json         the value is JSON (an object for host,\n"
	    "                     name, ...; an array replaces all values)\n",
	    PROGNAME);
	cli_password_usage(out);
	fprintf(out,
	    "  -p, --print        print the generated value on stdout\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n");
}

int
cmd_set(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "print",	no_argument,		NULL, 'p' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		CLI_PASSWORD_LONGOPTS,
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT("set");
	struct cli_password pw = CLI_PASSWORD_INIT;
	ksm_client *client = NULL;
	const char *config = NULL, *notation;
	char *value = NULL;
	int c, r, json = 0, print = 0;

	while ((c = cli_getopt(&st, argc, argv, "+:jpg::c:h", longopts)) !=
	    -1) {
		if (CLI_IS_PASSWORD_OPT(c)) {
			if ((r = cli_password_option(&pw, "set", c,
			    optarg)) != 0)
				return r;
			continue;
		}
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'p':
			print = 1;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			cmd_set_usage(stdout);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if ((r = cli_password_check(&pw, "set")) != 0)
		return r;
	if (optind + 1 != argc)
		return cli_usage_error("set", optind >= argc ?
		    "no notation given" : "one notation only; the value comes "
		    "from standard input, never from the command line");
	if ((r = cli_check_operands("set", argc, argv, optind)) != 0)
		return r;
	notation = argv[optind];
	if (!cli_is_notation(notation))
		return cli_usage_error("set", "'%s' is not a notation "
		    "(keeper://UID/field/password)", notation);
	if (print && !pw.generate)
		return cli_usage_error("set", "--print goes with --generate");
	if (json && pw.generate)
		return cli_usage_error("set", "--json and --generate exclude "
		    "each other");
	if ((r = cli_client_open(&client, cli, config)) != 0)
		goto out;
	if ((r = cli_new_value(&value, &pw)) != 0)
		goto out;
	if ((r = ksm_notation_set(NULL, client, notation, value,
	    json ? KSM_SET_JSON : 0, NULL)) != 0) {
		r = cli_ksm_fail(r);
		goto out;
	}
	if (print)
		printf("%s\n", value);
	r = CLI_EXIT_OK;
out:
	ksm_secret_free(value);
	ksm_client_free(client);
	return r;
}
