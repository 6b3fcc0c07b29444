/*
 * keeper-secret cache status|clear: the cross-process cache of Keeper's
 * answers (docs/cache.md); and the --verbose report of cached answers.
 */
#include "config.h"

#include <string.h>

#include "cli.h"

void
cmd_cache_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s cache status [--json] [--config FILE]\n"
	    "       %s cache clear [--all] [--config FILE]\n"
	    "\n"
	    "Keeper's answers are cached, encrypted under a key derived from\n"
	    "the configuration's private key, in $XDG_RUNTIME_DIR/keeper\n"
	    "(else $XDG_CACHE_HOME/keeper, else ~/.cache/keeper).  They are\n"
	    "fresh for KSM_CACHE_TTL seconds (default 5; 0 turns the cache\n"
	    "off) and answer for up to KSM_CACHE_MAX_AGE seconds (default\n"
	    "3600) while Keeper throttles or cannot be reached.\n"
	    "\n"
	    "  status             the directory, settings and entries\n"
	    "  clear              remove this configuration's entries\n"
	    "  -a, --all          (clear) every entry; needs no configuration\n"
	    "  -j, --json         (status) one JSON object\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n", PROGNAME, PROGNAME);
}

static void
secs(FILE *out, unsigned long long ms)
{
	fprintf(out, "%llu.%llu s", ms / 1000, (ms % 1000) / 100);
}

static int
status(ksm_client *client, int json)
{
	ksm_cache_status st;
	int r;

	if ((r = ksm_cache_status_get(client, &st)) != 0)
		return cli_ksm_fail(r);
	if (json) {
		fputs("{\"directory\": ", stdout);
		cli_json_write_string(stdout, st.dir);
		printf(", \"usable\": %s, \"ttlMs\": %u, \"maxAgeMs\": %u, "
		    "\"entries\": %zu, \"bytes\": %llu, \"newestAgeMs\": %llu, "
		    "\"oldestAgeMs\": %llu, \"allEntries\": %zu, "
		    "\"allBytes\": %llu}\n", st.usable ? "true" : "false",
		    st.ttl_ms, st.max_age_ms, st.entries, st.bytes,
		    st.newest_age_ms, st.oldest_age_ms, st.all_entries,
		    st.all_bytes);
	} else {
		printf("directory: %s\n", st.usable ? st.dir : "(refused)");
		if (st.ttl_ms == 0)
			printf("ttl: 0 (cache off)\n");
		else {
			fputs("ttl: ", stdout);
			secs(stdout, st.ttl_ms);
			putchar('\n');
		}
		fputs("max age: ", stdout);
		secs(stdout, st.max_age_ms);
		printf("\nentries: %zu (%llu bytes)", st.entries, st.bytes);
		if (st.entries > 0) {
			fputs(", newest ", stdout);
			secs(stdout, st.newest_age_ms);
			fputs(" old, oldest ", stdout);
			secs(stdout, st.oldest_age_ms);
			fputs(" old", stdout);
		}
		printf("\nall configurations: %zu entries (%llu bytes)\n",
		    st.all_entries, st.all_bytes);
	}
	if (!st.usable)	/* the library said why */
		return cli_ksm_fail(ksm_error_last()->code);
	return CLI_EXIT_OK;
}

int
cmd_cache(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all",	no_argument,		NULL, 'a' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT("cache");
	const char *config = NULL, *what = NULL;
	ksm_client *client = NULL;
	size_t removed = 0;
	int c, r, all = 0, json = 0;

	/* "cache status --json": the sub-command first, then its options */
	if (argc > 1 && argv[1][0] != '-') {
		what = argv[1];
		argc--;
		argv++;
	}
	while ((c = cli_getopt(&st, argc, argv, "+:ajc:h", longopts)) != -1) {
		switch (c) {
		case 'a':
			all = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			cmd_cache_usage(stdout);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (what == NULL && optind < argc)
		what = argv[optind++];
	if (what == NULL)
		return cli_usage_error("cache", "say 'status' or 'clear'");
	if (optind < argc)
		return cli_usage_error("cache", "unexpected argument '%s'",
		    argv[optind]);
	if (strcmp(what, "status") != 0 && strcmp(what, "clear") != 0)
		return cli_usage_error("cache", "unknown cache command '%s'",
		    what);
	if (all && strcmp(what, "clear") != 0)
		return cli_usage_error("cache", "--all goes with 'clear'");
	if (json && strcmp(what, "status") != 0)
		return cli_usage_error("cache", "--json goes with 'status'");

	if (!all && (r = cli_client_open(&client, cli, config)) != 0)
		return r;
	if (strcmp(what, "status") == 0)
		r = status(client, json);
	else if ((r = ksm_cache_clear(client, &removed)) != 0)
		r = cli_ksm_fail(r);
	else {
		printf("removed %zu cached answer%s\n", removed,
		    removed == 1 ? "" : "s");
		r = CLI_EXIT_OK;
	}
	ksm_client_free(client);
	return r;
}

/* --verbose: say on stderr where each answer came from. */
static void
report(void *ctx, const ksm_cache_event *ev)
{
	(void)ctx;
	switch (ev->kind) {
	case KSM_CACHE_HIT:
		fprintf(stderr, "%s: %s answer from cache, ", PROGNAME,
		    ev->endpoint);
		secs(stderr, ev->age_ms);
		fputs(" old\n", stderr);
		break;
	case KSM_CACHE_HIT_STALE:
		fprintf(stderr, "%s: Keeper failed (%s); %s answer from "
		    "cache, ", PROGNAME, ksm_code_name(ev->error),
		    ev->endpoint);
		secs(stderr, ev->age_ms);
		fputs(" old\n", stderr);
		break;
	case KSM_CACHE_DISCARDED:
		fprintf(stderr, "%s: a cached %s answer failed authentication "
		    "and was discarded\n", PROGNAME, ev->endpoint);
		break;
	case KSM_CACHE_AGENT:
	case KSM_CACHE_AGENT_STALE:
		fprintf(stderr, "%s: %s answer from keeper-agent, %s",
		    PROGNAME, ev->endpoint, ev->kind == KSM_CACHE_AGENT ? "" : "stale: Keeper failed, ");
		secs(stderr, ev->age_ms);
		fputs(" old\n", stderr);
		break;
	case KSM_CACHE_AGENT_UNUSED:
		fprintf(stderr, "%s: keeper-agent not used: %s\n", PROGNAME,
		    ev->detail != NULL ? ev->detail : "unknown");
		break;
	case KSM_CACHE_FETCHED:
		fprintf(stderr, "%s: %s answer from Keeper\n", PROGNAME,
		    ev->endpoint);
		break;
	}
}

void
cli_cache_verbose(ksm_client *client)
{
	ksm_client_set_cache_notify(client, report, NULL);
}
