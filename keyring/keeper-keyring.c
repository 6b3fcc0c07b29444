/*
 * keeper-keyring: the KSM config and chosen Keeper secrets in the desktop
 * keyring (Secret Service).  lkru-compatible get|set|del, plus list,
 * doctor, config-store|config-show|config-del, exec-config and sync.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm/ksm.h"
#include "ksm-config.h"
#include "template.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/wipe.h"
#include "keyring.h"
#include "../plugins/common/report.h"

#define PROGNAME	"keeper-keyring"

/* Exit statuses; keeper-keyring.1 lists them. */
enum {
	EX_OK = 0,
	EX_FAIL = 1,
	EX_USAGE = 2,
	EX_NOTFOUND = 3,
	EX_NOBUS = 4,
	EX_NOPROVIDER = 5,
	EX_LOCKED = 6,
	EX_TAMPERED = 7,
	EX_KSM_BASE = 10	/* 10 + (-ksm_code), as keeper-secret */
};

static const char usage_text[] =
"usage: keeper-keyring get [-b] NAME\n"
"       keeper-keyring set [-b] NAME [-]     (value from stdin)\n"
"       keeper-keyring del NAME\n"
"       keeper-keyring list\n"
"       keeper-keyring doctor\n"
"       keeper-keyring config-store [--profile P] < ksm-config.json\n"
"       keeper-keyring config-show [--profile P]\n"
"       keeper-keyring config-del [--profile P]\n"
"       keeper-keyring exec-config [--profile P] -- COMMAND [ARG...]\n"
"       keeper-keyring sync [--profile P] [--as git] NOTATION...\n"
"       keeper-keyring sync --remove [NOTATION...]\n";

static int
usage(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "%s: %s\n", PROGNAME, msg);
	fputs(usage_text, stderr);
	return EX_USAGE;
}

static int
kr_fail(const struct keyring_err *e)
{
	fprintf(stderr, "%s: %s\n", PROGNAME, e->msg);
	if (e->hint[0] != '\0')
		fprintf(stderr, "hint: %s\n", e->hint);
	switch (e->code) {
	case KEYRING_ENOTFOUND:		return EX_NOTFOUND;
	case KEYRING_ENOBUS:		return EX_NOBUS;
	case KEYRING_ENOPROVIDER:	return EX_NOPROVIDER;
	case KEYRING_ELOCKED:		return EX_LOCKED;
	case KEYRING_ETAMPERED:		return EX_TAMPERED;
	default:			return EX_FAIL;
	}
}

static int
ksm_fail(int r)
{
	if (r >= 0 || r < KSM_CODE_LAST)
		r = KSM_ERROR;
	plugin_report(PROGNAME, r, 1);
	return EX_KSM_BASE - r;
}

/* All of stdin into b (bounded by b->max), NUL-terminated. */
static int
read_stdin(struct ksmx_buf *b)
{
	unsigned char chunk[4096];
	size_t n;
	int r = 0;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if ((r = ksmx_buf_put(b, chunk, n)) != 0)
			break;
	ksmx_wipe_array(chunk);
	if (r == 0 && ferror(stdin))
		r = KSM_EIO;
	if (r == 0)
		r = ksmx_buf_cstr(b);
	if (r != 0) {
		fprintf(stderr, "%s: cannot read the value from stdin (%s)\n",
		    PROGNAME, r == KSM_ETOOBIG ? "too large" : "read error");
		return EX_FAIL;
	}
	return 0;
}

/*
 * --profile P before the verb's arguments (default $KSM_PROFILE, else the
 * keyring's "default"); returns the next index.
 */
static int
take_profile(int argc, char **argv, int i, const char **profile)
{
	if (*profile == NULL)
		*profile = ksm_config__env("KSM_PROFILE");
	while (i < argc && strcmp(argv[i], "--profile") == 0 && i + 1 < argc) {
		*profile = argv[i + 1];
		i += 2;
	}
	return i;
}

static int
cmd_get(int argc, char **argv)
{
	struct keyring_err e;
	unsigned char *v = NULL;
	size_t n = 0;
	char *enc;
	int b64 = 0, i = 1, r;

	if (i < argc && strcmp(argv[i], "-b") == 0)
		b64 = 1, i++;
	if (argc - i != 1)
		return usage("get needs one NAME");
	if ((r = keyring_value_get(&v, &n, argv[i], &e)) != 0)
		return kr_fail(&e);
	if (b64) {
		enc = ksmx_b64_encode_str(v, n, KSMX_B64_STD);
		if (enc != NULL)
			printf("%s\n", enc);
		ksmx_strfree(enc);
		r = enc == NULL ? EX_FAIL : EX_OK;
	} else {
		fwrite(v, 1, n, stdout);
		if (n == 0 || v[n - 1] != '\n')
			putchar('\n');
	}
	keyring_free(v, n + 1);
	return fflush(stdout) == 0 ? r : EX_FAIL;
}

static int
cmd_set(int argc, char **argv)
{
	struct ksmx_buf in = KSMX_BUF_INIT(KEYRING_MAX_SECRET * 2);
	struct ksmx_buf raw = KSMX_BUF_INIT(KEYRING_MAX_SECRET);
	struct keyring_err e;
	const void *p;
	size_t n;
	int b64 = 0, i = 1, r;

	if (i < argc && strcmp(argv[i], "-b") == 0)
		b64 = 1, i++;
	if (argc - i == 2 && strcmp(argv[i + 1], "-") == 0)
		argc--;
	if (argc - i != 1)
		return usage("set needs one NAME; the value comes from stdin, "
		    "never from the command line");
	if ((r = read_stdin(&in)) != 0)
		goto out;
	/* one trailing newline is the terminal's, not the value's */
	if (in.len > 0 && in.d[in.len - 1] == '\n')
		in.d[--in.len] = '\0';
	p = in.d;
	n = in.len;
	if (b64) {
		if (ksmx_b64_decode(&raw, (const char *)in.d, in.len) != 0) {
			fprintf(stderr, "%s: stdin is not base64\n", PROGNAME);
			r = EX_FAIL;
			goto out;
		}
		p = raw.d;
		n = raw.len;
	}
	if (keyring_value_set(argv[i], p != NULL ? p : "", n, &e) != 0)
		r = kr_fail(&e);
out:
	ksmx_buf_clear(&in);
	ksmx_buf_clear(&raw);
	return r;
}

static int
cmd_del(int argc, char **argv)
{
	struct keyring_err e;

	if (argc != 2)
		return usage("del needs one NAME");
	return keyring_value_del(argv[1], &e) != 0 ? kr_fail(&e) : EX_OK;
}

static int
cmd_list(int argc, char **argv)
{
	struct keyring_err e;

	(void)argv;
	if (argc != 1)
		return usage("list takes no arguments");
	return keyring_list(stdout, &e) != 0 ? kr_fail(&e) : EX_OK;
}

static int
cmd_doctor(int argc, char **argv)
{
	struct keyring_err e;

	(void)argv;
	if (argc != 1)
		return usage("doctor takes no arguments");
	if (keyring_doctor(stdout, &e) != 0) {
		fflush(stdout);
		return kr_fail(&e);
	}
	printf("ok: the Secret Service is usable\n");
	return EX_OK;
}

/*
 * The marker that makes keeper-secret's profile P (and every program's
 * --profile P) find the keyring entry (core/config-profile.c).
 */
static void
mark_profile(const char *profile, int on)
{
	if (profile == NULL || strcmp(profile, KSM_PROFILE_DEFAULT) == 0)
		return;
	if (ksm_profile__set_keyring(profile, on) != 0) {
		fprintf(stderr, "%s: note: %s\n", PROGNAME,
		    ksm_error_last()->message);
		ksm_error_clear();
	}
}

static int
cmd_config_store(int argc, char **argv)
{
	struct ksmx_buf in = KSMX_BUF_INIT(KEYRING_MAX_SECRET);
	struct ksm_config *cfg = NULL;
	struct keyring_err e;
	const char *profile = NULL;
	char *json = NULL;
	int r;

	if (take_profile(argc, argv, 1, &profile) != argc)
		return usage("config-store [--profile P] reads the config "
		    "from stdin");
	if ((r = read_stdin(&in)) != 0)
		goto out;
	if ((r = ksm_config__parse(&cfg, (const char *)in.d)) != 0) {
		r = ksm_fail(r);
		goto out;
	}
	if (ksm_config__get(cfg, KSM_CFG_CLIENT_ID) == NULL ||
	    ksm_config__get(cfg, KSM_CFG_PRIVATE_KEY) == NULL) {
		fprintf(stderr, "%s: this config is not bound (no clientId or "
		    "privateKey)\nhint: bind it first: keeper-secret init\n",
		    PROGNAME);
		r = EX_FAIL;
		goto out;
	}
	if ((json = ksm_config__to_json(cfg)) == NULL) {
		r = ksm_fail(KSM_ENOMEM);
		goto out;
	}
	if (keyring_config_store(profile, json, &e) != 0)
		r = kr_fail(&e);
	else
		mark_profile(profile, 1);
out:
	ksmx_strfree(json);
	ksm_config__free(cfg);
	ksmx_buf_clear(&in);
	return r;
}

static int
cmd_config_show(int argc, char **argv)
{
	struct keyring_err e;
	const char *profile = NULL;
	char *json = NULL;

	if (take_profile(argc, argv, 1, &profile) != argc)
		return usage("config-show takes only --profile P");
	if (keyring_config_load(&json, profile, &e) != 0)
		return kr_fail(&e);
	printf("%s\n", json);
	keyring_free(json, strlen(json));
	return fflush(stdout) == 0 ? EX_OK : EX_FAIL;
}

static int
cmd_config_del(int argc, char **argv)
{
	struct keyring_err e;
	const char *profile = NULL;

	if (take_profile(argc, argv, 1, &profile) != argc)
		return usage("config-del takes only --profile P");
	if (keyring_config_erase(profile, &e) != 0)
		return kr_fail(&e);
	mark_profile(profile, 0);
	return EX_OK;
}

/*
 * Run COMMAND with KSM_CONFIG set to the config from the keyring: it
 * never touches the disk.  (Like any environment variable it is readable
 * by the same user through /proc/PID/environ while COMMAND runs.)
 */
static int
cmd_exec_config(int argc, char **argv)
{
	struct keyring_err e;
	const char *profile = NULL;
	char *json = NULL;
	int i;

	i = take_profile(argc, argv, 1, &profile);
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return usage("exec-config needs a COMMAND");
	if (keyring_config_load(&json, profile, &e) != 0)
		return kr_fail(&e);
	unsetenv("KSM_CONFIG_FILE");
	if (setenv("KSM_CONFIG", json, 1) != 0) {
		keyring_free(json, strlen(json));
		fprintf(stderr, "%s: setenv: %s\n", PROGNAME, strerror(errno));
		return EX_FAIL;
	}
	keyring_free(json, strlen(json));
	execvp(argv[i], argv + i);
	fprintf(stderr, "%s: cannot run %s: %s\n", PROGNAME, argv[i],
	    strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

/* scheme://[user@]host[:port][/path] into the git attributes (in place) */
static int
parse_url(struct keyring_git *g, char *url)
{
	char *p, *host, *colon;
	unsigned long port;

	if ((p = strstr(url, "://")) == NULL || p == url)
		return -1;
	*p = '\0';
	g->protocol = url;
	host = p + 3;
	if ((p = strchr(host, '/')) != NULL) {
		*p++ = '\0';
		g->path = *p != '\0' ? p : NULL;
	}
	if ((p = strrchr(host, '@')) != NULL) {
		*p = '\0';
		if (g->user == NULL || g->user[0] == '\0')
			g->user = host;
		host = p + 1;
	}
	if ((colon = strrchr(host, ':')) != NULL && strchr(host, ']') == NULL) {
		*colon++ = '\0';
		errno = 0;
		port = strtoul(colon, &p, 10);
		if (errno != 0 || *p != '\0' || port == 0 || port > 65535)
			return -1;
		g->port = (unsigned int)port;
	}
	if (*host == '\0')
		return -1;
	g->server = host;
	return 0;
}

/*
 * The url, password and login fields of the record named by rec (UID or
 * title), resolved with one fetch (the template resolver's prepare asks
 * for every record they name at once): out[i] for fields[i], NULL for a
 * login the record lacks.
 */
static const char *const git_fields[3] = { "url", "password", "login" };

static int
record_fields(char *out[3], ksm_client *client, const char *rec)
{
	struct ksm_template_client *tc = NULL;
	struct ksm_template_resolver rs;
	char *nt[3] = { NULL, NULL, NULL };
	size_t i, len;
	int r;

	if (strncmp(rec, "keeper://", 9) == 0)
		rec += 9;
	for (i = 0; i < 3; i++) {
		out[i] = NULL;
		if ((nt[i] = malloc(strlen(rec) + 16)) == NULL) {
			r = KSM_ENOMEM;
			goto out;
		}
		sprintf(nt[i], "%s/field/%s", rec, git_fields[i]);
	}
	if ((r = ksm_template__client_new(&tc, client)) != 0)
		goto out;
	ksm_template__client_resolver(&rs, tc);
	if ((r = rs.prepare(rs.ctx, (const char *const *)nt, 3)) != 0)
		goto out;
	for (i = 0; i < 3 && r == 0; i++) {
		r = rs.resolve(rs.ctx, nt[i], (unsigned char **)&out[i], &len);
		if (r == KSM_ENOTFOUND && i == 2)
			r = 0;	/* a login is optional */
	}
out:
	ksm_template__client_free(tc);
	for (i = 0; i < 3; i++)
		free(nt[i]);
	if (r != 0)
		for (i = 0; i < 3; i++) {
			ksm_secret_free(out[i]);
			out[i] = NULL;
		}
	return r;
}

static int
sync_git(ksm_client *client, const char *rec)
{
	struct keyring_git g = { NULL, NULL, 0, NULL, NULL };
	struct keyring_err e;
	char *v[3];
	int r, ex = EX_OK, i;

	if ((r = record_fields(v, client, rec)) != 0)
		return ksm_fail(r);
	g.user = v[2];
	if (parse_url(&g, v[0]) != 0) {
		fprintf(stderr, "%s: %s: the url field is not "
		    "scheme://host[:port][/path]\n", PROGNAME, rec);
		ex = EX_FAIL;
	} else if (keyring_sync_store(rec, &g, v[1], &e) != 0)
		ex = kr_fail(&e);
	for (i = 0; i < 3; i++)
		ksm_secret_free(v[i]);
	return ex;
}

static int
cmd_sync(int argc, char **argv)
{
	ksm_client_options opts = KSM_CLIENT_OPTIONS_INIT;
	ksm_client *client = NULL;
	struct keyring_err e;
	const char *profile = NULL;
	char *json = NULL, *v;
	size_t len;
	unsigned int n;
	int i = 1, as_git = 0, remove = 0, r, ex = EX_OK;

	for (;;) {
		i = take_profile(argc, argv, i, &profile);
		if (i + 1 < argc && strcmp(argv[i], "--as") == 0 &&
		    strcmp(argv[i + 1], "git") == 0)
			as_git = 1, i += 2;
		else if (i < argc && strcmp(argv[i], "--remove") == 0)
			remove = 1, i++;
		else if (i < argc && strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			break;
	}
	if (remove) {
		if (i == argc) {
			if (keyring_sync_remove(NULL, &n, &e) != 0)
				return kr_fail(&e);
			printf("removed %u item(s)\n", n);
			return EX_OK;
		}
		for (; i < argc; i++) {
			if (keyring_sync_remove(argv[i], &n, &e) != 0)
				return kr_fail(&e);
			printf("removed %u item(s) for %s\n", n, argv[i]);
		}
		return EX_OK;
	}
	if (i == argc)
		return usage("sync needs at least one NOTATION");
	if (keyring_config_load(&json, profile, &e) != 0)
		return kr_fail(&e);
	opts.config_string = json;
	r = ksm_client_new(&client, &opts);
	keyring_free(json, strlen(json));
	if (r != 0)
		return ksm_fail(r);
	for (; i < argc && ex == EX_OK; i++) {
		if (as_git) {
			ex = sync_git(client, argv[i]);
		} else if ((r = ksm_notation_get(&v, &len, client,
		    argv[i])) != 0) {
			ex = ksm_fail(r);
		} else {
			if (strlen(v) != len) {
				fprintf(stderr, "%s: %s: binary values cannot "
				    "be synced\n", PROGNAME, argv[i]);
				ex = EX_FAIL;
			} else if (keyring_sync_store(argv[i], NULL, v,
			    &e) != 0)
				ex = kr_fail(&e);
			ksm_bytes_free((unsigned char *)v, len);
		}
		if (ex == EX_OK)
			printf("synced %s\n", argv[i]);
	}
	ksm_client_free(client);
	return ex;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} verbs[] = {
	{ "get", cmd_get },
	{ "set", cmd_set },
	{ "del", cmd_del },
	{ "list", cmd_list },
	{ "doctor", cmd_doctor },
	{ "config-store", cmd_config_store },
	{ "config-show", cmd_config_show },
	{ "config-del", cmd_config_del },
	{ "exec-config", cmd_exec_config },
	{ "sync", cmd_sync },
};

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return usage(NULL);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, stdout);
		return EX_OK;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("%s %s\n", PROGNAME, PACKAGE_VERSION);
		return EX_OK;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].fn(argc - 1, argv + 1);
	return usage("unknown command");
}
