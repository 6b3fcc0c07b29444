/*
 * keeper-secret exec: run a command with keeper:// references in its
 * environment (and with --inline in its arguments) replaced by secrets.
 * Fails closed: if any reference does not resolve, the command is not run.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/wipe.h"
#include "cli.h"

extern char **environ;

#define EXIT_NOEXEC	126	/* found but could not be run, as sh(1) */
#define EXIT_NOTFOUND	127	/* not found, as sh(1) */
#define CLI_MAX_ENV_FILES	16	/* --env-file options */

void
cmd_exec_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s exec [--inline] [--env-file FILE]... [--config FILE] --\n"
	    "           COMMAND [ARG...]\n"
	    "\n"
	    "Run COMMAND with every environment variable whose value starts\n"
	    "with keeper:// replaced by the secret it names, e.g.\n"
	    "  DB_PASSWORD=keeper://UID/field/password %s exec -- ./app\n"
	    "If any reference cannot be resolved the command is not run.\n"
	    "Messages name the variable, never its value.\n"
	    "\n"
	    "  -i, --inline       also replace keeper:// references in the\n"
	    "                     arguments: a whole argument, or the rest of\n"
	    "                     one (--password=keeper://UID/field/password).\n"
	    "                     Arguments are visible to other users (ps);\n"
	    "                     prefer the environment\n"
	    "  -e, --env-file FILE\n"
	    "                     add the variables of a dotenv file\n"
	    "                     (NAME=VALUE lines; a VALUE may be a\n"
	    "                     keeper:// reference); they override the\n"
	    "                     environment; may be repeated\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n"
	    "\n"
	    "Exit status: COMMAND's, 126 if it cannot be run, 127 if it is\n"
	    "not found, or keeper-secret's own before it runs.\n",
	    PROGNAME, PROGNAME);
}

/* Lazily opened client: only when there is a reference to resolve. */
struct resolver {
	struct cli	*cli;
	const char	*config;
	ksm_client	*client;
};

#define NOT_TEXT	1	/* resolve(): the value holds NUL bytes */

/*
 * Resolve one reference to a NUL-free secret: 0, NOT_TEXT or a libksm
 * code.  What is wrong is reported by the caller, which knows what to
 * name.
 */
static int
resolve(struct resolver *rs, char **out, size_t *out_len, const char *ref,
    int *exit_status)
{
	char *v = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	*exit_status = 0;
	if (rs->client == NULL &&
	    (*exit_status = cli_client_open(&rs->client, rs->cli,
	    rs->config)) != 0)
		return KSM_ERROR;
	if ((r = ksm_notation_get(&v, &len, rs->client, ref)) != 0)
		return r;
	if (strlen(v) != len) {
		ksm_bytes_free((unsigned char *)v, len);
		return NOT_TEXT;	/* binary: cannot be a C string */
	}
	*out = v;
	*out_len = len;
	return 0;
}

/* Message for a reference that did not resolve; returns the exit status. */
static int
unresolved(const char *what, const char *name, int r, int exit_status)
{
	if (exit_status != 0)
		return exit_status;	/* config problem, already reported */
	fprintf(stderr, "%s: %s %s: its keeper:// reference does not "
	    "resolve: %s; the command was not run\n", PROGNAME, what, name,
	    r == NOT_TEXT ? "the value holds NUL bytes" : ksm_strerror(r));
	return r == NOT_TEXT ? CLI_EXIT_FAIL : CLI_EXIT_KSM_BASE - r;
}

/* Environment variables first: names are collected before setenv(). */
static int
replace_env(struct resolver *rs)
{
	char **names = NULL, *eq, *v = NULL;
	size_t i, n = 0, len = 0;
	int r = CLI_EXIT_OK, status, k;

	for (i = 0; environ[i] != NULL; i++)
		;
	if ((names = calloc(i + 1, sizeof(*names))) == NULL)
		return cli_fail("out of memory");
	for (i = 0; environ[i] != NULL; i++) {
		if ((eq = strchr(environ[i], '=')) == NULL ||
		    !cli_is_env_ref(eq + 1))
			continue;
		names[n] = strndup(environ[i], (size_t)(eq - environ[i]));
		if (names[n++] == NULL) {
			r = cli_fail("out of memory");
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		k = resolve(rs, &v, &len, getenv(names[i]), &status);
		if (k != 0) {
			r = unresolved("environment variable", names[i], k,
			    status);
			goto out;
		}
		k = setenv(names[i], v, 1);
		ksm_bytes_free((unsigned char *)v, len);
		if (k != 0) {
			r = cli_fail("cannot set %s: %s", names[i],
			    strerror(errno));
			goto out;
		}
	}
 out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static char *
find_ref(char *arg)
{
	for (; *arg != '\0'; arg++)
		if (cli_has_keeper_prefix(arg))
			return arg;
	return NULL;
}

/* --inline: argv[1..] in place; the new strings are never freed (exec). */
static int
replace_args(struct resolver *rs, int argc, char **argv)
{
	char *ref, *v, *s, label[32];
	size_t len, pre;
	int i, k, status;

	for (i = 1; i < argc; i++) {
		if ((ref = find_ref(argv[i])) == NULL)
			continue;
		k = resolve(rs, &v, &len, ref, &status);
		if (k != 0) {
			snprintf(label, sizeof(label), "%d", i);
			return unresolved("argument", label, k, status);
		}
		pre = (size_t)(ref - argv[i]);
		if ((s = malloc(pre + len + 1)) == NULL) {
			ksm_bytes_free((unsigned char *)v, len);
			return cli_fail("out of memory");
		}
		memcpy(s, argv[i], pre);
		memcpy(s + pre, v, len + 1);
		ksm_bytes_free((unsigned char *)v, len);
		argv[i] = s;
	}
	return CLI_EXIT_OK;
}

int
cmd_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "inline",	no_argument,		NULL, 'i' },
		{ "env-file",	required_argument,	NULL, 'e' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT("exec");
	struct resolver rs = { cli, NULL, NULL };
	const char *env_files[CLI_MAX_ENV_FILES];
	size_t i, n_env = 0;
	int c, r, inline_args = 0;

	while ((c = cli_getopt(&st, argc, argv, "+:ie:c:h", longopts)) != -1) {
		switch (c) {
		case 'i':
			inline_args = 1;
			break;
		case 'e':
			if (n_env == CLI_MAX_ENV_FILES)
				return cli_usage_error("exec", "more than %d "
				    "--env-file options", CLI_MAX_ENV_FILES);
			env_files[n_env++] = optarg;
			break;
		case 'c':
			rs.config = optarg;
			break;
		case 'h':
			cmd_exec_usage(stdout);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error("exec", "no command given: %s exec -- "
		    "COMMAND [ARG...]", PROGNAME);
	argc -= optind;
	argv += optind;
	if ((r = replace_env(&rs)) != 0)
		goto fail;
	/* after replace_env: a resolved value is never resolved again */
	for (i = 0; i < n_env; i++)
		if ((r = cli_env_file_apply(cli, rs.config, &rs.client,
		    env_files[i])) != 0)
			goto fail;
	if (inline_args && (r = replace_args(&rs, argc, argv)) != 0)
		goto fail;
	ksm_client_free(rs.client);
	rs.client = NULL;
	if (fflush(stdout) != 0)
		return cli_fail("cannot write to standard output");
	execvp(argv[0], argv);
	r = errno;
	cli_fail("cannot run '%s': %s", argv[0], strerror(r));
	return r == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
 fail:
	ksm_client_free(rs.client);
	return r;
}
