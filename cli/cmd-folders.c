/*
 * keeper-secret folders, mkdir, rmdir, rename-folder: the folders shared
 * with the application, and changing the ones below shared folders.
 */
#include "config.h"

#include <string.h>

#include "cli.h"

void
cmd_folders_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s folders [--json] [--config FILE]\n"
	    "\n"
	    "List the folders shared with the application: UID, parent UID\n"
	    "('-' for a shared folder) and name, one folder a line.\n"
	    "\n"
	    "  -j, --json         a JSON array of {uid, parentUid, name}\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n", PROGNAME);
}

void
cmd_mkdir_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s mkdir [--config FILE] [--] PARENT NAME\n"
	    "\n"
	    "Create a folder NAME in PARENT (a shared folder or a folder\n"
	    "below one; an application cannot create shared folders) and\n"
	    "print its UID.\n"
	    "\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n", PROGNAME);
}

void
cmd_rmdir_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s rmdir [--force] [--config FILE] [--] FOLDER...\n"
	    "\n"
	    "Delete folders below shared folders.  A folder that holds\n"
	    "records or folders is refused unless --force, which deletes\n"
	    "them too.\n"
	    "\n"
	    "  -f, --force        delete non-empty folders with their records\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n", PROGNAME);
}

void
cmd_rename_folder_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s rename-folder [--config FILE] [--] FOLDER NAME\n"
	    "\n"
	    "Rename a folder.\n"
	    "\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n", PROGNAME);
}

/*
 * The options all four share: -c FILE, -h, and -j or -f (*flag) when
 * flag_long names one.  0 (the operands start at optind), -1 after
 * --help, or an exit status.
 */
static int
parse(const char *verb, void (*usage)(FILE *), const char *flag_long,
    int argc, char **argv, const char **config, int *flag)
{
	struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ flag_long,	no_argument,		NULL, 'F' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT(verb);
	const char *shortopts = flag_long == NULL ? "+:c:h" :
	    strcmp(flag_long, "json") == 0 ? "+:c:hj" : "+:c:hf";
	int c;

	if (flag_long == NULL)
		longopts[2].name = NULL;
	*config = NULL;
	*flag = 0;
	while ((c = cli_getopt(&st, argc, argv, shortopts, longopts)) != -1) {
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'F':
		case 'j':
		case 'f':
			*flag = 1;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	return cli_check_operands(verb, argc, argv, optind);
}

int
cmd_folders(struct cli *cli, int argc, char **argv)
{
	const ksm_folder *f;
	ksm_folders *set = NULL;
	ksm_client *client = NULL;
	const char *config;
	size_t i, n;
	int json, r;

	if ((r = parse("folders", cmd_folders_usage, "json", argc, argv,
	    &config, &json)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if (optind != argc)
		return cli_usage_error("folders", "no operands wanted");
	if ((r = cli_client_open(&client, cli, config)) != 0)
		goto out;
	if ((r = ksm_client_get_folders(&set, client)) != 0) {
		r = cli_ksm_fail(r);
		goto out;
	}
	n = ksm_folders_count(set);
	if (json)
		fputs("[", stdout);
	else
		printf("%-22s  %-22s  %s\n", "UID", "PARENT", "NAME");
	for (i = 0; i < n; i++) {
		f = ksm_folders_at(set, i);
		if (!json) {
			printf("%-22s  %-22s  %s\n", ksm_folder_uid(f),
			    ksm_folder_parent_uid(f) != NULL ?
			    ksm_folder_parent_uid(f) : "-", ksm_folder_name(f));
			continue;
		}
		fputs(i == 0 ? "\n  {\"uid\": " : ",\n  {\"uid\": ", stdout);
		cli_json_write_string(stdout, ksm_folder_uid(f));
		fputs(", \"parentUid\": ", stdout);
		if (ksm_folder_parent_uid(f) != NULL)
			cli_json_write_string(stdout, ksm_folder_parent_uid(f));
		else
			fputs("null", stdout);
		fputs(", \"name\": ", stdout);
		cli_json_write_string(stdout, ksm_folder_name(f));
		fputs("}", stdout);
	}
	if (json)
		fputs(n == 0 ? "]\n" : "\n]\n", stdout);
	r = CLI_EXIT_OK;
out:
	ksm_folders_free(set);
	ksm_client_free(client);
	return r;
}

/* mkdir and rename-folder: a folder and a name. */
static int
folder_and_name(struct cli *cli, const char *verb, void (*usage)(FILE *),
    int argc, char **argv, int create)
{
	ksm_client *client = NULL;
	char uid[KSM_UID_BUF];
	const char *config;
	int unused, r;

	if ((r = parse(verb, usage, NULL, argc, argv, &config, &unused)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if (argc - optind != 2)
		return cli_usage_error(verb, "want a %s and a name", create ?
		    "parent folder" : "folder");
	if ((r = cli_client_open(&client, cli, config)) != 0)
		return r;
	r = create ? ksm_client_create_folder(uid, client, argv[optind],
	    argv[optind + 1]) : ksm_client_rename_folder(client, argv[optind],
	    argv[optind + 1]);
	if (r != 0)
		r = cli_ksm_fail(r);
	else if (create)
		printf("%s\n", uid);
	ksm_client_free(client);
	return r;
}

int
cmd_mkdir(struct cli *cli, int argc, char **argv)
{
	return folder_and_name(cli, "mkdir", cmd_mkdir_usage, argc, argv, 1);
}

int
cmd_rename_folder(struct cli *cli, int argc, char **argv)
{
	return folder_and_name(cli, "rename-folder", cmd_rename_folder_usage,
	    argc, argv, 0);
}

int
cmd_rmdir(struct cli *cli, int argc, char **argv)
{
	ksm_client *client = NULL;
	const char *config;
	int force, r;

	if ((r = parse("rmdir", cmd_rmdir_usage, "force", argc, argv, &config,
	    &force)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if (optind >= argc)
		return cli_usage_error("rmdir", "no folder given");
	if ((r = cli_client_open(&client, cli, config)) != 0)
		return r;
	if ((r = ksm_client_delete_folders(client,
	    (const char *const *)argv + optind, (size_t)(argc - optind),
	    force)) != 0)
		r = cli_ksm_fail(r);
	ksm_client_free(client);
	return r;
}
