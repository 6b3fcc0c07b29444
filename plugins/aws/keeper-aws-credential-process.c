/*
 * keeper-aws-credential-process: the AWS CLI / SDK `credential_process`
 * helper.  stdout carries exactly one JSON object on success and nothing
 * otherwise; every message goes to stderr.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ksm/ksm.h"
#include "ksm-int.h"
#include "ksm-config.h"
#include "awsjson.h"
#include "../common/report.h"

#define PROG		"keeper-aws-credential-process"
#define EXIT_USAGE	2
#define EXIT_KSM_BASE	10	/* exit status = 10 + -ksm_code */
/* Keeper's Go tool keeps its config here (relative to $HOME). */
#define LEGACY_CONFIG_1	"/.config/keeper/aws-credential-process.json"
#define LEGACY_CONFIG_2	"/aws-credential-process.json"

struct opts {
	const char	*uid;		/* --uid (Keeper's Go tool) */
	const char	*record;	/* --record UID|title|keeper://... */
	const char	*key_notation;
	const char	*secret_notation;
	const char	*token_notation;
	const char	*config;	/* --config, or "profile:NAME" */
	char		 profile[KSM_PROFILE_PATH_MAX];	/* --profile NAME */
	long		 expiration;	/* seconds ahead, 0: none */
	long		 throttle_wait;	/* seconds, -1: library default */
};

/* Records fetched so far; at most two get_secret calls per run. */
struct lookup {
	ksm_client	*client;
	ksm_records	*some;		/* the UIDs asked for */
	ksm_records	*all;		/* everything shared */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " --record UID|TITLE|keeper://NOTATION [options]\n"
	    "       " PROG " --uid UID [options]\n"
	    "       " PROG " --access-key-id NOTATION "
	    "--secret-access-key NOTATION\n"
	    "           [--session-token NOTATION] [options]\n"
	    "options:\n"
	    "  --expiration SECONDS      emit an Expiration this far ahead "
	    "(at least 900)\n"
	    "  --config FILE             KSM config file "
	    "(default: the shared KSM config)\n"
	    "  --profile NAME            the KSM config of this "
	    "keeper-secret profile\n"
	    "  --max-throttle-wait SECONDS  longest wait when Keeper "
	    "throttles (0: fail at once)\n"
	    "  --help, --version\n"
	    "In ~/.aws/config:  credential_process = " PROG
	    " --record \"AWS Prod\"\n");
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" PROG " --help'.\n");
	return EXIT_USAGE;
}

/* Strict decimal in [min, max]. */
static int
parse_seconds(long *out, const char *s, long min, long max)
{
	char *end;
	long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

enum {
	OPT_UID = 256, OPT_RECORD, OPT_KEY, OPT_SECRET, OPT_TOKEN,
	OPT_EXPIRATION, OPT_CONFIG, OPT_THROTTLE, OPT_MFA, OPT_HELP,
	OPT_VERSION, OPT_PROFILE
};

static const struct option longopts[] = {
	{ "uid",		required_argument, NULL, OPT_UID },
	{ "record",		required_argument, NULL, OPT_RECORD },
	{ "access-key-id",	required_argument, NULL, OPT_KEY },
	{ "secret-access-key",	required_argument, NULL, OPT_SECRET },
	{ "session-token",	required_argument, NULL, OPT_TOKEN },
	{ "expiration",		required_argument, NULL, OPT_EXPIRATION },
	{ "config",		required_argument, NULL, OPT_CONFIG },
	{ "profile",		required_argument, NULL, OPT_PROFILE },
	{ "max-throttle-wait",	required_argument, NULL, OPT_THROTTLE },
	{ "mfa-totp",		no_argument,	   NULL, OPT_MFA },
	{ "help",		no_argument,	   NULL, OPT_HELP },
	{ "version",		no_argument,	   NULL, OPT_VERSION },
	{ NULL,			0,		   NULL, 0 }
};

/* 0 to go on, -1 after --help/--version, else an exit status. */
static int
parse_args(struct opts *o, int argc, char **argv)
{
	int c, modes;

	memset(o, 0, sizeof(*o));
	o->throttle_wait = -1;
	opterr = 0;
	/* _only: Keeper's Go tool (Go's flag package) takes -uid as well */
	while ((c = getopt_long_only(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_UID:		o->uid = optarg; break;
		case OPT_RECORD:	o->record = optarg; break;
		case OPT_KEY:		o->key_notation = optarg; break;
		case OPT_SECRET:	o->secret_notation = optarg; break;
		case OPT_TOKEN:		o->token_notation = optarg; break;
		case OPT_CONFIG:
		case OPT_PROFILE:
			if (plugin_config_option(PROG, c == OPT_PROFILE,
			    optarg, &o->config, o->profile) != 0)
				return EXIT_USAGE;
			break;
		case OPT_EXPIRATION:
			if (parse_seconds(&o->expiration, optarg,
			    AWS_MIN_EXPIRATION, AWS_MAX_EXPIRATION) != 0)
				return usage_error("--expiration needs whole "
				    "seconds from 900 (15 minutes) to 31622400, "
				    "not '%s'", optarg);
			break;
		case OPT_THROTTLE:
			if (parse_seconds(&o->throttle_wait, optarg, 0,
			    3600) != 0)
				return usage_error("--max-throttle-wait needs "
				    "0 to 3600 seconds, not '%s'", optarg);
			break;
		case OPT_MFA:
			return usage_error("%s is not implemented yet (see the "
			    "man page)", "--mfa-totp");
		case OPT_HELP:
			usage(stdout);
			return -1;
		case OPT_VERSION:
			printf(PROG " (%s) %s\n", PACKAGE_NAME,
			    PACKAGE_VERSION);
			return -1;
		case ':':
			return usage_error("option '%s' needs a value",
			    argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	modes = (o->uid != NULL) + (o->record != NULL) +
	    (o->key_notation != NULL || o->secret_notation != NULL ||
	    o->token_notation != NULL);
	if (modes != 1)
		return usage_error("%s", "give one of --record, --uid, or "
		    "--access-key-id with --secret-access-key");
	if (o->key_notation != NULL && o->secret_notation == NULL)
		return usage_error("%s", "--access-key-id needs "
		    "--secret-access-key");
	if (o->secret_notation != NULL && o->key_notation == NULL)
		return usage_error("%s", "--secret-access-key needs "
		    "--access-key-id");
	if (o->uid != NULL && !awsjson_is_uid(o->uid))
		return usage_error("--uid needs a 22-character record UID, "
		    "not '%s'", o->uid);
	return 0;
}

static int
file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * The config to use: --config or --profile; else libksm's own order
 * ($KSM_CONFIG, $KSM_CONFIG_FILE, $KSM_PROFILE, the active profile, the
 * shared ksm-config.json); only when none of those is set or exists, the
 * files Keeper's Go tool reads.  NULL: libksm decides.
 */
static char *
pick_config(const struct opts *o)
{
	const char *home = getenv("HOME");
	static const char *const legacy[] = { LEGACY_CONFIG_1,
	    LEGACY_CONFIG_2 };
	char path[PATH_MAX], name[KSM_PROFILE_NAME_MAX + 1], *def = NULL;
	size_t i;
	int n, shared;

	if (o->config != NULL)
		return strdup(o->config);
	if (getenv("KSM_CONFIG") != NULL || getenv("KSM_CONFIG_FILE") != NULL ||
	    getenv("KSM_CONFIG_KEYRING") != NULL || getenv("KSM_PROFILE") !=
	    NULL)
		return NULL;
	/* a profile made active, or the shared file: libksm's */
	if (ksm_profile__current(name, NULL) != 0 ||
	    strcmp(name, KSM_PROFILE_DEFAULT) != 0 ||
	    ksm_config__default_path(&def) != 0) {
		ksm_error_clear();
		return NULL;
	}
	shared = file_exists(def);
	free(def);
	if (shared || home == NULL || home[0] == '\0')
		return NULL;
	for (i = 0; i < 2; i++) {
		n = snprintf(path, sizeof(path), "%s%s", home, legacy[i]);
		if (n > 0 && (size_t)n < sizeof(path) && file_exists(path))
			return strdup(path);
	}
	return NULL;
}

static int
not_shared(const char *uid)
{
	ksm__err(KSM_ENOTSHARED, "record '%s' is not shared with this "
	    "application", uid);
	ksm__err_hint("share the record (or its folder) with the Secrets "
	    "Manager application in the Keeper vault");
	return KSM_ENOTSHARED;
}

/*
 * A record by UID or exact title (ksm-protocol.md §10.2): a UID-shaped
 * token is fetched alone first; if absent, every shared record is fetched
 * and titles compared.  *out borrows from lk.
 */
static int
lookup_record(const ksm_record **out, struct lookup *lk, const char *token)
{
	const ksm_record *r, *found = NULL;
	const char *const uids[1] = { token };
	size_t i, n, matches = 0;
	int rc;

	*out = NULL;
	if (awsjson_is_uid(token)) {
		if (lk->some == NULL && lk->all == NULL &&
		    (rc = ksm_client_get_records(&lk->some, lk->client, uids,
		    1)) != 0)
			return rc;
		if ((found = ksm_records_find(lk->some, token)) == NULL &&
		    lk->all != NULL)
			found = ksm_records_find(lk->all, token);
	}
	if (found == NULL) {
		if (lk->all == NULL && (rc = ksm_client_get_records(&lk->all,
		    lk->client, NULL, 0)) != 0)
			return rc;
		n = ksm_records_count(lk->all);
		for (i = 0; i < n; i++) {
			r = ksm_records_at(lk->all, i);
			if (strcmp(ksm_record_uid(r), token) == 0 ||
			    strcmp(ksm_record_title(r), token) == 0) {
				if (matches++ == 0)
					found = r;
			}
		}
		if (matches > 1) {
			ksm__err(KSM_EAMBIGUOUS, "%zu records are titled "
			    "'%s'", matches, token);
			ksm__err_hint("use the record UID instead of the "
			    "title");
			return KSM_EAMBIGUOUS;
		}
	}
	if (found == NULL) {
		if (awsjson_is_uid(token))
			return not_shared(token);
		ksm__err(KSM_ENOTFOUND, "no record titled '%s' is shared with "
		    "this application", token);
		ksm__err_hint("check the title (it is case-sensitive), or "
		    "share the record with the application");
		return KSM_ENOTFOUND;
	}
	if (ksm_record_is_legacy(found)) {
		ksm__err(KSM_ELEGACY, "record '%s' is a legacy (V2) record",
		    ksm_record_uid(found));
		ksm__err_hint("convert it to a typed record in the Keeper "
		    "vault");
		return KSM_ELEGACY;
	}
	*out = found;
	return 0;
}

/* --record / --uid: the field conventions of awsjson_select(). */
static int
creds_from_record(struct awscred *c, struct lookup *lk, const struct opts *o)
{
	const ksm_record *rec = NULL;
	ksm_records *holder = NULL;
	char *token = NULL;
	int r;

	if (o->uid != NULL) {
		/* exactly what Keeper's tool asks for: one UID */
		if ((r = ksm_client_get_record(&rec, &holder, lk->client,
		    o->uid)) != 0)
			goto out;
	} else {
		if (strncasecmp(o->record, "keeper://", 9) == 0) {
			if ((r = awsjson_notation_record(&token,
			    o->record)) != 0)
				goto out;
		} else if ((token = strdup(o->record)) == NULL) {
			r = ksm__err(KSM_ENOMEM, "out of memory");
			goto out;
		}
		if ((r = lookup_record(&rec, lk, token)) != 0)
			goto out;
	}
	r = awsjson_select(c, ksm_record_json(rec), ksm_record_uid(rec));
out:
	free(token);
	ksm_records_free(holder);
	return r;
}

/*
 * One explicit notation to a text value (ksmx_strfree), by libksm's
 * single-value resolver.  Each call is one or two get_secret requests.
 */
static int
value_from_notation(char **out, struct lookup *lk, const char *notation)
{
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = ksm_notation_get(out, &len, lk->client, notation)) != 0)
		return r;
	if (len == 0 || strlen(*out) != len) {
		ksm_bytes_free((unsigned char *)*out, len);
		*out = NULL;
		return ksm__err(KSM_ENOTFOUND, "'%s' is %s", notation,
		    len == 0 ? "empty" : "not text");
	}
	return 0;
}

static int
creds_from_notations(struct awscred *c, struct lookup *lk,
    const struct opts *o)
{
	int r;

	awscred_clear(c);
	if ((r = value_from_notation(&c->access_key_id, lk,
	    o->key_notation)) != 0 ||
	    (r = value_from_notation(&c->secret_access_key, lk,
	    o->secret_notation)) != 0 ||
	    (o->token_notation != NULL &&
	    (r = value_from_notation(&c->session_token, lk,
	    o->token_notation)) != 0))
		awscred_clear(c);
	return r;
}

static int
emit(const char *json)
{
	size_t n = strlen(json);

	if (fwrite(json, 1, n, stdout) != n || fputc('\n', stdout) == EOF ||
	    fflush(stdout) != 0)
		return ksm__err_errno(KSM_EIO, "cannot write to standard "
		    "output");
	return 0;
}

static int
run(const struct opts *o)
{
	ksm_client_options copts = KSM_CLIENT_OPTIONS_INIT;
	struct lookup lk = { NULL, NULL, NULL };
	struct awscred c = AWSCRED_INIT;
	char *config = NULL, *json = NULL;
	time_t now = time(NULL), until;
	int r;

	config = pick_config(o);
	copts.config_path = config;
	if (o->throttle_wait == 0)
		copts.flags |= KSM_CLIENT_NO_THROTTLE_RETRY;
	else if (o->throttle_wait > 0)
		copts.max_throttle_wait_ms =
		    (unsigned int)o->throttle_wait * 1000u;
	if ((r = ksm_client_new(&lk.client, &copts)) != 0)
		goto out;
	if (o->key_notation != NULL)
		r = creds_from_notations(&c, &lk, o);
	else
		r = creds_from_record(&c, &lk, o);
	if (r != 0)
		goto out;
	if (c.expiration != 0 && c.expiration <= now) {
		r = ksm__err(KSM_ENOTFOUND, "the credentials' Expiration in "
		    "the record has passed");
		ksm__err_hint("store fresh keys in the record, or remove its "
		    "Expiration field");
		goto out;
	}
	if (o->expiration > 0) {
		until = now + (time_t)o->expiration;
		if (c.expiration == 0 || until < c.expiration)
			c.expiration = until;
	}
	if ((r = awsjson_write(&json, &c)) != 0)
		goto out;
	r = emit(json);
out:
	ksmx_strfree(json);
	awscred_clear(&c);
	ksm_records_free(lk.some);
	ksm_records_free(lk.all);
	ksm_client_free(lk.client);
	free(config);
	return r;
}

int
main(int argc, char **argv)
{
	struct opts o;
	int r;

	if ((r = parse_args(&o, argc, argv)) != 0)
		return r < 0 ? 0 : r;
	if ((r = run(&o)) != 0) {
		plugin_report(PROG, r, 1);
		return r <= KSM_ERROR && r >= -100 ?
		    EXIT_KSM_BASE - r : EXIT_KSM_BASE + 1;
	}
	return 0;
}
