/*
 * Option parsing for one verb: getopt_long with a leading '+' (stop at the
 * first operand), our own messages, and a guard against a record UID that
 * starts with '-' being taken for a cluster of short options.
 */
#include "config.h"

#include <string.h>

#include "cli.h"

int
cli_looks_like_uid(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_");

	return n == 22 && s[n] == '\0';
}

static int
uid_as_option(const char *verb, const char *arg)
{
	return cli_usage_error(verb, "'%s' looks like a record UID, not an "
	    "option; put '--' before UIDs that start with '-': "
	    "%s %s -- %s", arg, PROGNAME, verb != NULL ? verb : "get", arg);
}

int
cli_getopt(struct cli_opt *st, int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
	const char *arg;
	int at, c;

	if (!st->started) {
		optind = 0;	/* GNU: full re-initialisation */
		opterr = 0;
		st->started = 1;
	}
	/*
	 * The element getopt reads next (inside a cluster still the same one,
	 * already checked).  Checked before getopt sees it, so a UID such as
	 * "-jc..." is never taken for -j -c.  An option's argument is consumed
	 * inside getopt_long and never lands here.
	 */
	at = optind < 1 ? 1 : optind;
	if (at < argc && argv[at][0] == '-' && cli_looks_like_uid(argv[at])) {
		uid_as_option(st->verb, argv[at]);
		return CLI_OPT_ERROR;
	}
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c != '?' && c != ':')
		return c;
	arg = at < argc ? argv[at] : "";
	if (c == ':' && optopt != 0 && strncmp(arg, "--", 2) != 0) {
		cli_usage_error(st->verb, "option '-%c' needs an argument",
		    optopt);
	} else if (c == ':') {
		cli_usage_error(st->verb, "option '%s' needs an argument",
		    arg);
	} else if (optopt != 0 && strncmp(arg, "--", 2) != 0) {
		cli_usage_error(st->verb, "unknown option '-%c'", optopt);
	} else {
		cli_usage_error(st->verb, "unknown option '%s'", arg);
	}
	return CLI_OPT_ERROR;
}

/*
 * Operands start at argv[first].  After an explicit "--" they are all
 * literal; otherwise one that starts with '-' but is no UID is an option
 * written after the operands.
 */
int
cli_check_operands(const char *verb, int argc, char **argv, int first)
{
	int i;

	if (first > 1 && strcmp(argv[first - 1], "--") == 0)
		return 0;
	for (i = first; i < argc; i++)
		if (argv[i][0] == '-' && !cli_looks_like_uid(argv[i]))
			return cli_usage_error(verb, "option '%s' after the "
			    "operands: options go first", argv[i]);
	return 0;
}
