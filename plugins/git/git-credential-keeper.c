/*
 * git-credential-keeper: a git credential helper backed by Keeper Secrets
 * Manager.  stdout carries the credential protocol only; every message
 * goes to stderr.  store and erase change nothing in the vault (erase
 * drops the cached answers); with --allow-store, store saves a new
 * password into the matched record when the application may edit it.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ksm/ksm.h"
#include "ksm-int.h"
#include "ksm-config.h"
#include "json.h"
#include "util/wipe.h"
#include "gitcred.h"
#include "../common/report.h"

#define PROG		"git-credential-keeper"
#define EXIT_PROTO	1	/* malformed request on stdin */
#define EXIT_USAGE	2
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_LISTED	8	/* UIDs named in an ambiguity message */

struct opts {
	const char	*record;	/* --record UID|title|keeper://... */
	const char	*user_notation;	/* --username */
	const char	*pass_notation;	/* --password */
	const char	*config;	/* --config, or "profile:NAME" */
	char		 profile[KSM_PROFILE_PATH_MAX];	/* --profile NAME */
	int		 allow_store;	/* --allow-store */
	const char	*op;
	const char	*url;		/* doctor URL */
};

/* What get would answer, and why (for doctor). */
struct answer {
	const ksm_record *rec;		/* while the records live */
	int		 found;
	char		*uid;		/* of the chosen record, or NULL */
	char		*title;
	char		*username;
	char		*password;
	char		 expiry[24];	/* password_expiry_utc, or "" */
	int		 editable;	/* the application may edit it */
	const char	*why;		/* static text */
	char		 uids[MAX_LISTED * 24 + 8];	/* ambiguity */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [options] get|store|erase\n"
	    "       " PROG " [options] doctor URL\n"
	    "options:\n"
	    "  --record UID|TITLE|keeper://NOTATION  use this record "
	    "(no URL matching)\n"
	    "  --username NOTATION   username from this keeper:// notation\n"
	    "  --password NOTATION   password from this keeper:// notation\n"
	    "  --config PATH         KSM config (default: $KSM_CONFIG, "
	    "$KSM_CONFIG_FILE,\n"
	    "                        $KSM_PROFILE, the active profile, "
	    "~/.config/keeper/ksm-config.json)\n"
	    "  --profile NAME        the KSM config of this keeper-secret "
	    "profile\n"
	    "  --allow-store         store saves a new password into the "
	    "matched record\n"
	    "                        (when the application may edit it)\n"
	    "  --help                this text\n"
	    "git config --global credential.helper keeper\n"
	    "Without --allow-store, store and erase never change the vault.  "
	    "See " PROG "(1).\n");
}

static int
parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "record",	required_argument, NULL, 'r' },
		{ "username",	required_argument, NULL, 'u' },
		{ "password",	required_argument, NULL, 'p' },
		{ "config",	required_argument, NULL, 'c' },
		{ "profile",	required_argument, NULL, 'P' },
		{ "allow-store", no_argument,	   NULL, 's' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'r': o->record = optarg; break;
		case 'u': o->user_notation = optarg; break;
		case 'p': o->pass_notation = optarg; break;
		case 'c':
		case 'P':
			if (plugin_config_option(PROG, ch == 'P', optarg,
			    &o->config, o->profile) != 0)
				return EXIT_USAGE;
			break;
		case 's': o->allow_store = 1; break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	o->op = argv[optind++];
	if (strcmp(o->op, "doctor") == 0) {
		if (optind + 1 != argc) {
			usage(stderr);
			return EXIT_USAGE;
		}
		o->url = argv[optind];
	}
	return 0;
}

/*
 * The next field of this type after prev (NULL: the first), in "fields"
 * then "custom", or NULL.
 */
static const cJSON *
next_field(const cJSON *rec, const char *type, const cJSON *prev)
{
	static const char *const lists[] = { "fields", "custom" };
	const cJSON *f;
	const char *t;
	size_t i;
	int after = prev == NULL;

	for (i = 0; i < NELEM(lists); i++) {
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(rec,
		    lists[i])) {
			if (!after) {
				after = f == prev;
				continue;
			}
			t = ksmx_json_str(f, "type");
			if (t != NULL && strcmp(t, type) == 0)
				return f;
		}
	}
	return NULL;
}

/* value[0] of a field, or NULL. */
static const cJSON *
first_value(const cJSON *f)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(f, "value"),
	    0);
}

/* First string value of the first field of this type (fields, custom). */
static const char *
field_value(const cJSON *rec, const char *type)
{
	const cJSON *f = NULL, *v;

	while ((f = next_field(rec, type, f)) != NULL) {
		v = first_value(f);
		if (cJSON_IsString(v))
			return v->valuestring;
	}
	return NULL;
}

/* The record's expirationDate (epoch ms) as unix seconds text, or "". */
static void
expiry_value(char *out, size_t size, const cJSON *rec)
{
	const cJSON *f = NULL, *v;

	out[0] = '\0';
	while ((f = next_field(rec, "expirationDate", f)) != NULL) {
		v = first_value(f);
		if (cJSON_IsNumber(v) && v->valuedouble >= 1000 &&
		    v->valuedouble < 1e16) {
			snprintf(out, size, "%lld",
			    (long long)(v->valuedouble / 1000));
			return;
		}
	}
}

/* Does any url field (fields or custom, every value) match the request? */
static int
record_matches(const cJSON *rec, const struct gitcred *req)
{
	const cJSON *f = NULL, *v;

	while ((f = next_field(rec, "url", f)) != NULL) {
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(f,
		    "value"))
			if (cJSON_IsString(v) &&
			    gitcred_url_match(req, v->valuestring))
				return 1;
	}
	return 0;
}

static cJSON *
parse_record(const ksm_record *r)
{
	const char *j = ksm_record_json(r);

	return j != NULL ? ksmx_json_parse(j, strlen(j)) : NULL;
}

/* Append " UID" to the ambiguity list, bounded. */
static void
add_uid(struct answer *a, const char *uid)
{
	size_t used = strlen(a->uids);

	snprintf(a->uids + used, sizeof(a->uids) - used, " %s", uid);
}

/* The record named by --record: a UID, else a unique title. */
static int
find_named(struct answer *a, const ksm_records *all, const char *name)
{
	const ksm_record *r, *hit = NULL;
	size_t i, n = 0;

	if ((hit = ksm_records_find(all, name)) != NULL) {
		a->rec = hit;
		return 0;
	}
	for (i = 0; i < ksm_records_count(all); i++) {
		r = ksm_records_at(all, i);
		if (strcmp(ksm_record_title(r), name) != 0)
			continue;
		hit = r;
		if (n++ < MAX_LISTED) {
			add_uid(a, ksm_record_uid(r));
		}
	}
	if (n > 1) {
		a->why = "several records have this title";
		return KSM_EAMBIGUOUS;
	}
	a->uids[0] = '\0';
	if (hit == NULL) {
		a->why = "no record with this UID or title is shared with "
		    "the application";
		return 0;
	}
	a->rec = hit;
	return 0;
}

/* Records whose url field matches, narrowed by the request's username. */
static int
find_by_url(struct answer *a, const ksm_records *all,
    const struct gitcred *req)
{
	const ksm_record *r;
	const char *login;
	cJSON *j;
	size_t i, n = 0, n_url = 0;

	for (i = 0; i < ksm_records_count(all); i++) {
		r = ksm_records_at(all, i);
		if ((j = parse_record(r)) == NULL)
			continue;
		if (record_matches(j, req)) {
			n_url++;
			login = field_value(j, "login");
			if (req->username == NULL || (login != NULL &&
			    strcmp(login, req->username) == 0)) {
				a->rec = r;
				if (n++ < MAX_LISTED) {
					add_uid(a, ksm_record_uid(r));
				}
			}
		}
		ksmx_json_free(j);
	}
	if (n > 1) {
		a->rec = NULL;
		a->why = "several records match and the username does not "
		    "tell them apart";
		return KSM_EAMBIGUOUS;
	}
	a->uids[0] = '\0';
	if (n == 0)
		a->why = n_url == 0 ? "no record has a url field matching "
		    "this protocol and host (and path)" :
		    "records match the URL but none has this login";
	else
		a->why = "the only record whose url field matches (and "
		    "whose login matches the username, if given)";
	return 0;
}

static int
notation_value(char **out, ksm_client *client, const char *notation)
{
	size_t len;
	int r;

	if ((r = ksm_notation_get(out, &len, client, notation)) != 0)
		return r;
	if (strlen(*out) != len) {	/* a NUL inside: not a text value */
		ksmx_freezero(*out, len);
		*out = NULL;
		return KSM_EINVAL;
	}
	return 0;
}


/*
 * store --allow-store: save req's password into the chosen record's
 * password field, when it differs and the application may edit the
 * record.  Messages on stderr; always 0 (git ignores store's status).
 */
static int
save_password(const struct answer *a, const struct opts *o,
    ksm_client *client, const struct gitcred *req)
{
	int r;

	if (a->rec == NULL || req->password == NULL ||
	    req->password[0] == '\0')
		return 0;		/* no record of ours: nothing to save */
	if (req->username != NULL && a->username != NULL &&
	    strcmp(req->username, a->username) != 0)
		return 0;		/* another account's password */
	if (a->password != NULL && strcmp(a->password, req->password) == 0)
		return 0;		/* unchanged: git stores after each use */
	if (o->pass_notation != NULL) {
		fprintf(stderr, PROG ": --allow-store: the password comes from "
		    "--password %s; record %s not changed\n", o->pass_notation,
		    a->uid);
		return 0;
	}
	if (!ksm_record_is_editable(a->rec)) {
		fprintf(stderr, PROG ": record %s is shared read-only with the "
		    "application; the new password was not saved\n", a->uid);
		return 0;
	}
	if ((r = ksm_client_update_field(client, a->rec, "password",
	    req->password)) != 0) {
		plugin_report(PROG, r, 0);
		return 0;
	}
	fprintf(stderr, PROG ": saved the new password in record %s\n",
	    a->uid);
	return 0;
}

/*
 * Decide what get answers.  a->found 0 and 0: no answer.  With store
 * (--allow-store), save the request's password into the record.
 */
static int
resolve(struct answer *a, const struct opts *o, const struct gitcred *req,
    int store)
{
	ksm_client_options co = KSM_CLIENT_OPTIONS_INIT;
	ksm_client *client = NULL;
	ksm_records *all = NULL;
	ksm_notation *nt = NULL;
	const char *name = o->record;
	cJSON *j = NULL;
	const char *v;
	int r;

	if (req->protocol == NULL || req->protocol[0] == '\0' ||
	    req->host == NULL || req->host[0] == '\0') {
		a->why = "the request has no protocol or no host";
		return 0;		/* never a wildcard */
	}
	co.config_path = o->config;
	/* a helper must not stall git: throttled means fall through now */
	co.flags |= KSM_CLIENT_NO_THROTTLE_RETRY;
	if ((r = ksm_client_new(&client, &co)) != 0)
		goto out;
	if (o->record == NULL && o->pass_notation != NULL) {
		a->why = "--password names the record";
		goto values;
	}
	if ((r = ksm_client_get_records(&all, client, NULL, 0)) != 0)
		goto out;
	if (name != NULL && strncmp(name, "keeper://", 9) == 0) {
		if ((r = ksm_notation_parse(&nt, name)) != 0)
			goto out;
		name = ksm_notation_record(nt);
	}
	if (name != NULL) {
		if ((r = find_named(a, all, name)) != 0)
			goto out;
		if (a->rec != NULL)
			a->why = "--record names it";
	} else if ((r = find_by_url(a, all, req)) != 0)
		goto out;
	if (a->rec == NULL)
		goto out;
	if ((j = parse_record(a->rec)) == NULL ||
	    (a->uid = ksmx_strdup(ksm_record_uid(a->rec))) == NULL ||
	    (a->title = ksmx_strdup(ksm_record_title(a->rec))) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
values:
	if (o->user_notation != NULL) {
		if ((r = notation_value(&a->username, client,
		    o->user_notation)) != 0)
			goto out;
	} else if (j != NULL && (v = field_value(j, "login")) != NULL &&
	    (a->username = ksmx_strdup(v)) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	if (o->pass_notation != NULL) {
		if ((r = notation_value(&a->password, client,
		    o->pass_notation)) != 0)
			goto out;
	} else if (j != NULL && (v = field_value(j, "password")) != NULL &&
	    (a->password = ksmx_strdup(v)) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	if (j != NULL)
		expiry_value(a->expiry, sizeof(a->expiry), j);
	a->editable = a->rec != NULL && ksm_record_is_editable(a->rec);
	a->found = 1;
	if (a->password == NULL || a->password[0] == '\0') {
		a->why = "the record has no password";
		a->found = 0;
	} else if (req->username != NULL && a->username != NULL &&
	    strcmp(req->username, a->username) != 0) {
		a->why = "the record's login differs from the username git "
		    "asked for";
		a->found = 0;
	}
	if (store)
		r = save_password(a, o, client, req);
out:
	a->rec = NULL;			/* dies with the records */
	ksmx_json_free(j);
	ksm_notation_free(nt);
	ksm_records_free(all);
	ksm_client_free(client);
	return r;
}

static void
answer_clear(struct answer *a)
{
	free(a->uid);
	free(a->title);
	ksmx_strfree(a->username);
	ksmx_strfree(a->password);
	memset(a, 0, sizeof(*a));
}

static int
op_get(const struct opts *o, struct gitcred *req)
{
	struct answer a;
	struct gitcred out = GITCRED_INIT;
	int r;

	memset(&a, 0, sizeof(a));
	r = resolve(&a, o, req, 0);
	if (r == KSM_EAMBIGUOUS)
		fprintf(stderr, PROG ": %s:%s\n", a.why, a.uids);
	else if (r != 0)
		plugin_report(PROG, r, 0);	/* git tries the next helper */
	else if (a.found) {
		out.username = a.username;
		out.password = a.password;
		if (a.expiry[0] != '\0')
			out.password_expiry_utc = a.expiry;
		if ((r = gitcred_write(&out, stdout)) != 0)
			fprintf(stderr, PROG ": record %s: %s\n", a.uid ?
			    a.uid : "(notation)", r == KSM_EPROTO ?
			    "a value holds CR or LF, not answered" :
			    "cannot write the answer");
	}
	answer_clear(&a);
	return 0;
}

/* store --allow-store: the record get would choose, with the new password. */
static int
op_store(const struct opts *o, struct gitcred *req)
{
	struct answer a;
	int r;

	memset(&a, 0, sizeof(a));
	r = resolve(&a, o, req, 1);
	if (r == KSM_EAMBIGUOUS)
		fprintf(stderr, PROG ": %s (nothing saved):%s\n", a.why,
		    a.uids);
	else if (r != 0)
		plugin_report(PROG, r, 0);
	answer_clear(&a);
	return 0;
}

/* erase: the credential was rejected; drop our cached answers. */
static int
op_erase(const struct opts *o)
{
	ksm_client_options co = KSM_CLIENT_OPTIONS_INIT;
	ksm_client *client = NULL;

	co.config_path = o->config;
	if (ksm_client_new(&client, &co) == 0 &&
	    ksm_cache_clear(client, NULL) != 0)
		ksm_error_clear();	/* no cache directory: nothing cached */
	ksm_client_free(client);
	return 0;
}

static int
op_doctor(const struct opts *o)
{
	struct gitcred req = GITCRED_INIT;
	struct answer a;
	int r;

	memset(&a, 0, sizeof(a));
	if (gitcred_from_url(&req, o->url) != 0) {
		fprintf(stderr, PROG ": doctor: not a URL: %s\n", o->url);
		return EXIT_USAGE;
	}
	printf("request: protocol=%s host=%s", req.protocol, req.host);
	if (req.username != NULL)
		printf(" username=%s", req.username);
	if (req.path != NULL)
		printf(" path=%s (git sends a path only with "
		    "credential.useHttpPath)", req.path);
	printf("\n");
	if (o->record != NULL)
		printf("mode: --record %s (no URL matching)\n", o->record);
	else if (o->pass_notation != NULL)
		printf("mode: --password notation\n");
	else
		printf("mode: automatic, by the records' url fields\n");
	r = resolve(&a, o, &req, 0);
	if (r == KSM_EAMBIGUOUS)
		printf("answer: none: %s:%s\n", a.why, a.uids);
	else if (r != 0) {
		printf("answer: none: Keeper error (git falls through)\n");
		plugin_report(PROG, r, 0);
	} else if (a.found) {
		printf("record: %s (%s)\n", a.uid ? a.uid : "-",
		    a.title ? a.title : "-");
		printf("why: %s\n", a.why ? a.why : "");
		printf("username: %s\n", o->user_notation ? o->user_notation :
		    a.username ? "login field" : "(none: git keeps its own)");
		printf("password: %s\n", o->pass_notation ? o->pass_notation :
		    "password field");
		if (a.expiry[0] != '\0')
			printf("password_expiry_utc: %s (expirationDate field)\n",
			    a.expiry);
		printf("answer: username and password (values not shown)\n");
	} else
		printf("answer: none: %s\n", a.why ? a.why : "no match");
	if (r == 0 && a.uid != NULL && o->pass_notation == NULL)
		printf("store: %s %s\n", a.editable ? "--allow-store would "
		    "save a new password into record" : "read-only share: "
		    "--allow-store cannot save into record", a.uid);
	answer_clear(&a);
	gitcred_clear(&req);
	return r == 0 || r == KSM_EAMBIGUOUS ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const char *const known[] = { "get", "store", "erase" };
	struct gitcred req = GITCRED_INIT;
	struct opts o;
	size_t i;
	int r;

	if ((r = parse_args(&o, argc, argv)) != 0)
		return r < 0 ? 0 : r;
	if (o.url != NULL)
		return op_doctor(&o);
	for (i = 0; i < NELEM(known); i++)
		if (strcmp(o.op, known[i]) == 0)
			break;
	if (i == NELEM(known))
		return 0;		/* gitcredentials(7): unknown action */
	if ((r = gitcred_read(&req, stdin)) != 0) {
		fprintf(stderr, PROG ": refused request: %s\n", r ==
		    KSM_ETOOBIG ? "a line over 65535 bytes" : r == KSM_EPROTO ?
		    "a line with CR, NUL or no '='" : ksm_strerror(r));
		gitcred_clear(&req);
		return EXIT_PROTO;
	}
	/*
	 * The vault is the source of truth: store changes it only with
	 * --allow-store, erase never (it drops our cached answers).
	 */
	if (i == 0)
		r = op_get(&o, &req);
	else if (i == 1 && o.allow_store)
		r = op_store(&o, &req);
	else if (i == 2)
		r = op_erase(&o);
	gitcred_clear(&req);
	return r;
}
