/*
 * keeper-secret: read and write secrets in Keeper Secrets Manager.
 * main() parses the global options and hands the rest to one verb.  A new
 * verb is one line in the table below plus its cmd-<verb>.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_verb verbs[] = {
	{ "init",	cmd_init,	cmd_init_usage,
	  "bind this machine to an application with a one-time token" },
	{ "list",	cmd_list,	cmd_list_usage,
	  "list the records shared with the application" },
	{ "get",	cmd_get,	cmd_get_usage,
	  "print whole records by UID, or values by notation" },
	{ "totp",	cmd_totp,	cmd_totp_usage,
	  "print the current one-time code of a record" },
	{ "download",	cmd_download,	cmd_download_usage,
	  "save a file attachment" },
	{ "exec",	cmd_exec,	cmd_exec_usage,
	  "run a command with keeper:// references resolved" },
	{ "set",	cmd_set,	cmd_set_usage,
	  "change a value (from stdin or --generate)" },
	{ "create",	cmd_create,	cmd_create_usage,
	  "create a record in a shared folder" },
	{ "rm",		cmd_rm,		cmd_rm_usage,
	  "delete records" },
	{ "upload",	cmd_upload,	cmd_upload_usage,
	  "attach a file to a record" },
	{ "rotate",	cmd_rotate,	cmd_rotate_usage,
	  "change a secret in Keeper and elsewhere, or roll back" },
	{ "folders",	cmd_folders,	cmd_folders_usage,
	  "list the shared folders and the folders below them" },
	{ "mkdir",	cmd_mkdir,	cmd_mkdir_usage,
	  "create a folder" },
	{ "rmdir",	cmd_rmdir,	cmd_rmdir_usage,
	  "delete folders" },
	{ "rename-folder", cmd_rename_folder, cmd_rename_folder_usage,
	  "rename a folder" },
	{ "cache",	cmd_cache,	cmd_cache_usage,
	  "show or clear the cache of Keeper's answers" },
	{ "inject",	cmd_inject,	cmd_inject_usage,
	  "render a template with keeper:// references into a file" },
	{ "profile",	cmd_profile,	cmd_profile_usage,
	  "named configurations: init, list, use, export, import, rm" },
	/* for the shell completions (completions/): hidden, no usage */
	{ "__complete",	cmd_complete,	NULL,	NULL },
};

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out,
	    "usage: %s [--config FILE | --profile NAME] [--verbose] <command>\n"
	    "           [options] [args]\n"
	    "       %s --help | --version\n"
	    "\n"
	    "Read and write secrets in Keeper Secrets Manager.\n"
	    "\n"
	    "commands:\n", PROGNAME, PROGNAME);
	for (i = 0; i < NELEM(verbs); i++)
		if (verbs[i].summary != NULL)
			fprintf(out, "  %-13s %s\n", verbs[i].name,
			    verbs[i].summary);
	fprintf(out,
	    "\n"
	    "options:\n"
	    "  -c, --config FILE  configuration file (default: $KSM_CONFIG,\n"
	    "                     $KSM_CONFIG_FILE, then\n"
	    "                     $KSM_PROFILE, the active profile, then\n"
	    "                     ~/.config/keeper/ksm-config.json)\n"
	    "      --profile NAME the configuration of profile NAME (see\n"
	    "                     '%s profile --help')\n"
	    "  -v, --verbose      say on stderr when an answer came from\n"
	    "                     the cache, and how old it is\n"
	    "  -h, --help         show this help; '%s <command> --help'\n"
	    "                     for a command\n"
	    "  -V, --version      show the version\n"
	    "\n"
	    "Exit status: 0 success, 1 local failure, 2 usage error,\n"
	    "10 + n for libksm error -n (see keeper-secret(1)).\n",
	    PROGNAME, PROGNAME);
}

const struct cli_verb *
cli_verbs(size_t *n)
{
	*n = NELEM(verbs);
	return verbs;
}

void
cli_main_usage(FILE *out)
{
	usage(out);
}

static const struct cli_verb *
find_verb(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

/* "keeper-secret help [command]" */
static int
help(int argc, char **argv)
{
	const struct cli_verb *v;

	if (argc < 2) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if ((v = find_verb(argv[1])) == NULL || v->usage == NULL)
		return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
	v->usage(stdout);
	return CLI_EXIT_OK;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "profile",	required_argument,	NULL, 'P' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT(NULL);
	struct cli cli = { NULL, NULL, 0 };
	char profile_path[KSM_PROFILE_PATH_MAX];
	const struct cli_verb *v;
	int c, r;

	while ((c = cli_getopt(&st, argc, argv, "+:c:hVv", longopts)) != -1) {
		switch (c) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'P':
			if ((r = cli_profile_option(&cli, optarg,
			    profile_path)) != 0)
				return r;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case 'v':
			cli.verbose = 1;
			break;
		case 'V':
			printf("%s (%s) %s\n", PROGNAME, PACKAGE_NAME,
			    PACKAGE_VERSION);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli.profile != NULL && cli.config_path != profile_path)
		return cli_usage_error(NULL, "--config and --profile both say "
		    "which configuration to use: give one");
	if (optind >= argc) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (strcmp(argv[0], "help") == 0)
		return help(argc, argv);
	if ((v = find_verb(argv[0])) == NULL)
		return cli_usage_error(NULL, "unknown command '%s'", argv[0]);
	r = v->run(&cli, argc, argv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (r == CLI_EXIT_OK)
			r = cli_fail("cannot write to standard output");
	}
	return r;
}
