/*
 * keeper-secret profile init|list|use|export|import|rm: named
 * configurations beside the default one (docs/CONFIG.md, "Profiles").
 * Where a profile lives and which one is in force is libksm's business
 * (core/config-profile.c); this file only offers it to the user.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm-int.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/wipe.h"
#include "cli.h"

#define MAX_PROFILES	1024	/* listed */
#define MAX_IMPORT	(2u * 64 * 1024)	/* bytes of base64 or JSON */

void
cmd_profile_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s profile init NAME [--keyring] [init options]\n"
	    "       %s profile list [--json]\n"
	    "       %s profile use NAME\n"
	    "       %s profile export [NAME]\n"
	    "       %s profile import [--keyring] [--force] NAME < CONFIG\n"
	    "       %s profile rm NAME\n"
	    "\n"
	    "Profiles are named configurations beside the default one\n"
	    "(profile 'default', ~/.config/keeper/ksm-config.json): NAME is\n"
	    "~/.config/keeper/profiles/NAME.json (mode 0600), or an entry of\n"
	    "the desktop keyring.  Every program takes --profile NAME, and\n"
	    "$KSM_PROFILE, else the profile chosen with 'use', else 'default'\n"
	    "is used when no configuration is named.\n"
	    "\n"
	    "  init NAME          bind profile NAME with a one-time token (the\n"
	    "                     options of '%s init')\n"
	    "  list               the profiles; '*' marks the one in force\n"
	    "  use NAME           make NAME the active profile\n"
	    "  export [NAME]      print the configuration as one line of\n"
	    "                     base64, the form the official SDKs take as\n"
	    "                     KSM_CONFIG (default: the profile in force)\n"
	    "  import NAME        read a configuration (base64 or JSON) from\n"
	    "                     standard input into profile NAME\n"
	    "  rm NAME            remove profile NAME\n"
	    "      --keyring      (init, import) keep the profile in the\n"
	    "                     desktop keyring instead of a file\n"
	    "  -f, --force        (import) replace an existing profile\n"
	    "  -j, --json         (list) a JSON array of {name, location,\n"
	    "                     active, current}\n"
	    "  -h, --help         show this help\n", PROGNAME, PROGNAME,
	    PROGNAME, PROGNAME, PROGNAME, PROGNAME, PROGNAME);
}

struct prof_opts {
	int	 keyring;
	int	 force;
	int	 json;
	int	 first;		/* index of the first operand */
};

/* Options of list/use/export/import/rm (init passes its own to init). */
static int
parse_opts(struct prof_opts *po, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "keyring",	no_argument,		NULL, 'k' },
		{ "force",	no_argument,		NULL, 'f' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT("profile");
	int c;

	memset(po, 0, sizeof(*po));
	while ((c = cli_getopt(&st, argc, argv, "+:fjh", longopts)) != -1) {
		switch (c) {
		case 'k':
			po->keyring = 1;
			break;
		case 'f':
			po->force = 1;
			break;
		case 'j':
			po->json = 1;
			break;
		case 'h':
			cmd_profile_usage(stdout);
			return -1;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	po->first = optind;
	return cli_check_operands("profile", argc, argv, optind);
}

/* The one NAME operand of a sub-command, checked; NULL after a message. */
static const char *
one_name(const char *sub, int argc, char **argv, int first, int optional)
{
	if (argc - first == 0 && optional)
		return "";
	if (argc - first != 1) {
		cli_usage_error("profile", "profile %s takes one profile NAME",
		    sub);
		return NULL;
	}
	return cli_profile_name_ok("profile", argv[first]) == 0 ?
	    argv[first] : NULL;
}

/* A profile that must exist: 0, or an exit status after a message. */
static int
existing(char **where, const char *name)
{
	int r, present;

	*where = NULL;
	if ((r = ksm_profile__path(where, name, &present)) != 0)
		return cli_ksm_fail(r);
	if (present)
		return 0;
	free(*where);
	*where = NULL;
	fprintf(stderr, "%s: there is no profile '%s'\n"
	    "hint: %s profile list shows them; %s profile init %s creates "
	    "it\n", PROGNAME, name, PROGNAME, PROGNAME, name);
	return CLI_EXIT_FAIL;
}

/* "keeper-secret profile init NAME [options]": init into profile:NAME. */
static int
profile_init(struct cli *cli, int argc, char **argv)
{
	struct cli sub = *cli;
	char path[KSM_PROFILE_PATH_MAX];

	if (argc < 2 || argv[1][0] == '-')
		return cli_usage_error("profile", "profile init takes a "
		    "profile NAME first, then the options of '%s init'",
		    PROGNAME);
	if (one_name("init", 2, argv, 1, 0) == NULL)
		return CLI_EXIT_USAGE;
	if (cli->profile != NULL || cli->config_path != NULL)
		return cli_usage_error("profile", "profile init NAME already "
		    "says where the configuration goes: drop --config and "
		    "--profile");
	(void)ksm_config__profile_arg(path, argv[1]);
	sub.config_path = path;
	sub.profile = argv[1];
	argv[1] = argv[0];		/* argv[0] of init: the verb */
	return cmd_init(&sub, argc - 1, argv + 1);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
cli_names_free(char **names, size_t n)
{
	while (names != NULL && n > 0)
		free(names[--n]);
	free(names);
}

/*
 * Names of profiles/NAME.json and NAME.keyring, sorted, each once: 0, or
 * a libksm code with its message (nothing printed: completion uses it).
 */
int
cli_profile_names(char ***out, size_t *n)
{
	char *dir = NULL, *sub = NULL, *name, *dot, **names = NULL;
	struct dirent *de;
	DIR *d = NULL;
	size_t len, i;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = ksm_config__dir(&dir)) != 0)
		return r;
	len = strlen(dir) + sizeof("/profiles");
	if ((sub = malloc(len)) == NULL ||
	    (names = calloc(MAX_PROFILES, sizeof(*names))) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	(void)snprintf(sub, len, "%s/profiles", dir);
	if ((d = opendir(sub)) == NULL) {
		r = errno == ENOENT ? 0 : ksm__err_errno(KSM_EIO,
		    "cannot read '%s'", sub);
		goto out;
	}
	while ((de = readdir(d)) != NULL && *n < MAX_PROFILES) {
		if ((name = strdup(de->d_name)) == NULL) {
			r = ksm__err(KSM_ENOMEM, "out of memory");
			goto out;
		}
		if ((dot = strrchr(name, '.')) != NULL &&
		    (strcmp(dot, ".json") == 0 || strcmp(dot, ".keyring") == 0))
			*dot = '\0';
		if (dot == NULL || *dot != '\0' || !ksm_profile__name_ok(name) ||
		    strcmp(name, KSM_PROFILE_DEFAULT) == 0)
			free(name);
		else
			names[(*n)++] = name;
	}
	qsort(names, *n, sizeof(*names), cmp_str);
	for (i = 1, len = *n, *n = len > 0; i < len; i++) {
		if (strcmp(names[i], names[*n - 1]) == 0)
			free(names[i]);		/* NAME.json and NAME.keyring */
		else
			names[(*n)++] = names[i];
	}
	r = 0;
 out:
	if (d != NULL)
		closedir(d);
	if (r != 0) {
		cli_names_free(names, *n);
		names = NULL;
		*n = 0;
	}
	*out = names;
	free(sub);
	free(dir);
	return r;
}

/* One line (or JSON object) of the list; *first: none printed yet. */
static void
list_one(const char *name, const char *active, const char *current,
    int json, int *first)
{
	char *where = NULL;
	int present = 0, r;

	r = ksm_profile__path(&where, name, &present);
	if (strcmp(name, KSM_PROFILE_DEFAULT) == 0 && !present) {
		free(where);
		return;			/* no default file: not a profile */
	}
	if (json) {
		fputs(*first ? "\n  {\"name\": " : ",\n  {\"name\": ", stdout);
		cli_json_write_string(stdout, name);
		fputs(", \"location\": ", stdout);
		cli_json_write_string(stdout, r == 0 ? where : "");
		printf(", \"active\": %s, \"current\": %s}",
		    strcmp(name, active) == 0 ? "true" : "false",
		    strcmp(name, current) == 0 ? "true" : "false");
	} else {
		printf("%c %-16s %s\n", strcmp(name, current) == 0 ? '*' :
		    ' ', name, r == 0 ? where : "(refused)");
	}
	if (r != 0)
		ksm_error_clear();
	*first = 0;
	free(where);
}

/* Say so when the environment overrides every profile. */
static void
note_overrides(void)
{
	static const char *const vars[] = { "KSM_CONFIG", "KSM_CONFIG_KEYRING",
	    "KSM_CONFIG_FILE" };
	size_t i;

	for (i = 0; i < NELEM(vars); i++)
		if (ksm_config__env(vars[i]) != NULL) {
			fprintf(stderr, "%s: note: %s is set: programs use it, "
			    "not a profile\n", PROGNAME, vars[i]);
			return;
		}
}

static int
profile_list(const struct prof_opts *po, int argc)
{
	char active[KSM_PROFILE_NAME_MAX + 1], current[KSM_PROFILE_NAME_MAX + 1];
	char **names = NULL;
	size_t n = 0, i;
	int r, first = 1;

	if (argc > po->first)
		return cli_usage_error("profile", "profile list takes no "
		    "arguments");
	if ((r = ksm_profile__active(active)) != 0 ||
	    (r = ksm_profile__current(current, NULL)) != 0)
		return cli_ksm_fail(r);
	if ((r = cli_profile_names(&names, &n)) != 0)
		return cli_ksm_fail(r);
	if (po->json)
		fputs("[", stdout);
	list_one(KSM_PROFILE_DEFAULT, active, current, po->json, &first);
	for (i = 0; i < n; i++)
		list_one(names[i], active, current, po->json, &first);
	cli_names_free(names, n);
	if (po->json)
		fputs(first ? "]\n" : "\n]\n", stdout);
	note_overrides();
	return CLI_EXIT_OK;
}

static int
profile_use(const char *name)
{
	char *where = NULL;
	const char *env;
	int r;

	if (strcmp(name, KSM_PROFILE_DEFAULT) != 0 &&
	    (r = existing(&where, name)) != 0)
		return r;
	free(where);
	if ((r = ksm_profile__set_active(name)) != 0)
		return cli_ksm_fail(r);
	printf("active profile: %s\n", name);
	if ((env = ksm_config__env("KSM_PROFILE")) != NULL &&
	    strcmp(env, name) != 0)
		fprintf(stderr, "%s: note: KSM_PROFILE=%s overrides it while "
		    "it is set\n", PROGNAME, env);
	note_overrides();
	return CLI_EXIT_OK;
}

/* The config of a profile as one line of std base64 (§2.2), on stdout. */
static int
profile_export(const char *name)
{
	char current[KSM_PROFILE_NAME_MAX + 1];
	char path[KSM_PROFILE_PATH_MAX];
	struct ksm_config *cfg = NULL;
	char *json = NULL, *b64 = NULL;
	int r;

	if (name[0] == '\0') {
		if ((r = ksm_profile__current(current, NULL)) != 0)
			return cli_ksm_fail(r);
		name = current;
	}
	(void)ksm_config__profile_arg(path, name);
	if ((r = ksm_config__load(&cfg, path, NULL)) != 0)
		return cli_ksm_fail(r);
	if (ksm_config__get(cfg, KSM_CFG_CLIENT_ID) == NULL ||
	    ksm_config__get(cfg, KSM_CFG_PRIVATE_KEY) == NULL) {
		r = cli_fail("profile '%s' is not bound (no clientId or "
		    "privateKey): nothing to export", name);
		goto out;
	}
	if ((json = ksm_config__to_json(cfg)) == NULL ||
	    (b64 = ksmx_b64_encode_str(json, strlen(json), KSMX_B64_STD)) ==
	    NULL) {
		r = cli_fail("out of memory");
		goto out;
	}
	printf("%s\n", b64);
	r = CLI_EXIT_OK;
 out:
	ksmx_strfree(json);
	ksmx_strfree(b64);
	ksm_config__free(cfg);
	return r;
}

/* All of standard input, bounded, NUL-terminated. */
static int
read_input(struct ksmx_buf *in)
{
	unsigned char chunk[4096];
	ssize_t n;
	int r = 0;

	if (isatty(STDIN_FILENO))
		fprintf(stderr, "paste the configuration (base64 or JSON), "
		    "then Ctrl-D:\n");
	for (;;) {
		if ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((r = ksmx_buf_put(in, chunk, (size_t)n)) != 0)
			break;
	}
	ksmx_wipe_array(chunk);
	if (r == 0 && n == -1)
		return cli_fail("cannot read standard input: %s",
		    strerror(errno));
	if (r == 0)
		r = ksmx_buf_cstr(in);
	if (r != 0)
		return cli_fail("the configuration on standard input is "
		    "larger than %u bytes", MAX_IMPORT);
	return 0;
}

/* Write json as profile name: its file (0600) or its keyring entry. */
static int
store(const char *name, const char *json, int keyring)
{
	char *where = NULL;
	int r, marked = 0, present = 0;

	if (keyring) {
		if ((r = ksm_profile__path(&where, name, &present)) != 0)
			return r;
		marked = present;
		free(where);
		if ((r = ksm_profile__set_keyring(name, 1)) != 0)
			return r;
		if ((r = ksm_config__keyring_store(name, json)) != 0 &&
		    !marked)
			(void)ksm_profile__set_keyring(name, 0);
		return r;
	}
	if ((r = ksm_profile__path(&where, name, NULL)) != 0)
		return r;
	if (ksm_config__keyring_profile(where) != NULL) {
		r = ksm__err(KSM_EEXIST, "profile '%s' is kept in the keyring",
		    name);
		ksm__err_hint("add --keyring to replace it there");
	} else
		r = ksm_config__write_file(where, json, strlen(json));
	free(where);
	return r;
}

static int
profile_import(const struct prof_opts *po, const char *name)
{
	struct ksmx_buf in = KSMX_BUF_INIT(MAX_IMPORT);
	struct ksm_config *cfg = NULL;
	char *where = NULL, *json = NULL, *line = NULL;
	size_t len;
	int r, present = 0;

	if (po->keyring && strcmp(name, KSM_PROFILE_DEFAULT) == 0)
		return cli_usage_error("profile", "profile 'default' is the "
		    "default file; import into another name with --keyring");
	if ((r = ksm_profile__path(&where, name, &present)) != 0)
		return cli_ksm_fail(r);
	if (present && !po->force) {
		fprintf(stderr, "%s: profile '%s' already exists (%s)\n"
		    "hint: add --force to replace it, or import under another "
		    "name\n", PROGNAME, name, where);
		r = CLI_EXIT_KSM_BASE - KSM_EEXIST;
		goto out;
	}
	if ((r = read_input(&in)) != 0)
		goto out;
	if ((r = ksm_config__parse(&cfg, (const char *)in.d)) != 0) {
		r = cli_ksm_fail(r);
		goto out;
	}
	if (ksm_config__get(cfg, KSM_CFG_CLIENT_ID) == NULL ||
	    ksm_config__get(cfg, KSM_CFG_PRIVATE_KEY) == NULL) {
		r = cli_fail("this configuration is not bound (no clientId or "
		    "privateKey): nothing imported");
		goto out;
	}
	if ((json = ksm_config__to_json(cfg)) == NULL ||
	    (line = malloc((len = strlen(json)) + 2)) == NULL) {
		r = cli_fail("out of memory");
		goto out;
	}
	memcpy(line, json, len);
	memcpy(line + len, "\n", 2);
	if ((r = store(name, po->keyring ? json : line, po->keyring)) != 0) {
		r = cli_ksm_fail(r);
		goto out;
	}
	printf("imported profile '%s'%s\n", name, po->keyring ?
	    " into the keyring" : "");
	r = CLI_EXIT_OK;
 out:
	if (line != NULL)
		ksmx_freezero(line, len + 2);
	ksmx_strfree(json);
	ksm_config__free(cfg);
	ksmx_buf_clear(&in);
	free(where);
	return r;
}

static int
profile_rm(const char *name)
{
	char active[KSM_PROFILE_NAME_MAX + 1];
	char *where = NULL;
	int r;

	if (strcmp(name, KSM_PROFILE_DEFAULT) == 0)
		return cli_usage_error("profile", "profile 'default' is the "
		    "default configuration file: remove it by hand if that is "
		    "what you mean");
	if ((r = existing(&where, name)) != 0)
		return r;
	if (ksm_config__keyring_profile(where) != NULL) {
		r = ksm_profile__set_keyring(name, 0);
		if (r == 0)
			fprintf(stderr, "hint: the keyring entry itself stays; "
			    "remove it with: keeper-keyring config-del "
			    "--profile %s\n", name);
	} else if (unlink(where) == -1)
		r = ksm__err_errno(KSM_EIO, "cannot remove '%s'", where);
	free(where);
	if (r != 0)
		return cli_ksm_fail(r);
	printf("removed profile '%s'\n", name);
	if ((r = ksm_profile__active(active)) == 0 &&
	    strcmp(active, name) == 0) {
		if ((r = ksm_profile__set_active(KSM_PROFILE_DEFAULT)) != 0)
			return cli_ksm_fail(r);
		printf("active profile: %s\n", KSM_PROFILE_DEFAULT);
	}
	if (r != 0)
		ksm_error_clear();	/* a broken active file: not ours */
	return CLI_EXIT_OK;
}

int
cmd_profile(struct cli *cli, int argc, char **argv)
{
	struct prof_opts po;
	const char *sub, *name;
	int r;

	if (argc < 2) {
		cmd_profile_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		cmd_profile_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "init") == 0)
		return profile_init(cli, argc - 1, argv + 1);
	if ((r = parse_opts(&po, argc - 1, argv + 1)) != 0)
		return r == -1 ? CLI_EXIT_OK : r;
	if ((po.keyring || po.force) && strcmp(sub, "import") != 0)
		return cli_usage_error("profile", "--keyring and --force are "
		    "options of profile import (and --keyring of init)");
	if (po.json && strcmp(sub, "list") != 0)
		return cli_usage_error("profile", "--json is an option of "
		    "profile list");
	if (strcmp(sub, "list") == 0)
		return profile_list(&po, argc - 1);
	if (strcmp(sub, "use") != 0 && strcmp(sub, "export") != 0 &&
	    strcmp(sub, "import") != 0 && strcmp(sub, "rm") != 0)
		return cli_usage_error("profile", "unknown profile command "
		    "'%s' (init, list, use, export, import or rm)", sub);
	if ((name = one_name(sub, argc - 1, argv + 1, po.first,
	    strcmp(sub, "export") == 0)) == NULL)
		return CLI_EXIT_USAGE;
	if (strcmp(sub, "use") == 0)
		return profile_use(name);
	if (strcmp(sub, "export") == 0)
		return profile_export(name);
	if (strcmp(sub, "import") == 0)
		return profile_import(&po, name);
	return profile_rm(name);
}
