/*
 * keeper-secret upload: attach a file to a record.  Prints the new file
 * UID; `download -o F keeper://UID/file/NAME` gives the bytes back.
 */
#include "config.h"

#include <string.h>

#include "cli.h"
#include "ksm-int.h"	/* KSM_MAX_FILE */

void
cmd_upload_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s upload [--name NAME] [--title TITLE] [--mime TYPE]\n"
	    "              [--config FILE] [--] UID|NOTATION FILE\n"
	    "\n"
	    "Attach FILE ('-': standard input, then --name is required) to\n"
	    "the record and print the new file's UID.  The file is\n"
	    "encrypted with a new key before it leaves this machine.  If\n"
	    "the upload fails, the attachment is removed again.\n"
	    "\n"
	    "  -n, --name NAME    the file name in the vault (default: the\n"
	    "                     last part of FILE)\n"
	    "  -t, --title TITLE  the file title (default: the name)\n"
	    "  -m, --mime TYPE    its media type (default\n"
	    "                     application/octet-stream)\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n", PROGNAME);
}

int
cmd_upload(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name",	required_argument,	NULL, 'n' },
		{ "title",	required_argument,	NULL, 't' },
		{ "mime",	required_argument,	NULL, 'm' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT("upload");
	ksm_file_upload up = { KSM_FILE_UPLOAD_VERSION, NULL, NULL, NULL,
	    NULL, 0 };
	ksm_client *client = NULL;
	const ksm_record *rec = NULL;
	ksm_records *holder = NULL;
	const char *config = NULL, *path, *slash;
	char uid[KSM_UID_BUF], fuid[KSM_UID_BUF], *data = NULL;
	size_t len = 0;
	int c, r;

	while ((c = cli_getopt(&st, argc, argv, "+:n:t:m:c:h", longopts)) !=
	    -1) {
		switch (c) {
		case 'n': up.name = optarg; break;
		case 't': up.title = optarg; break;
		case 'm': up.mime_type = optarg; break;
		case 'c': config = optarg; break;
		case 'h':
			cmd_upload_usage(stdout);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("upload", "want a record and a file");
	if ((r = cli_check_operands("upload", argc, argv, optind)) != 0)
		return r;
	path = argv[optind + 1];
	if (up.name == NULL) {
		if (strcmp(path, "-") == 0)
			return cli_usage_error("upload", "--name is required "
			    "for standard input");
		slash = strrchr(path, '/');
		up.name = slash != NULL ? slash + 1 : path;
	}
	if (up.name[0] == '\0')
		return cli_usage_error("upload", "the file name is empty");
	if ((r = cli_read_file(&data, &len, path, KSM_MAX_FILE)) != 0)
		goto out;
	up.data = (const unsigned char *)data;
	up.len = len;
	if ((r = cli_client_open(&client, cli, config)) != 0 ||
	    (r = cli_record_uid(uid, client, argv[optind])) != 0)
		goto out;
	if ((r = ksm_client_get_record(&rec, &holder, client, uid)) != 0 ||
	    (r = ksm_client_upload_file(fuid, client, rec, &up)) != 0) {
		r = cli_ksm_fail(r);
		goto out;
	}
	printf("%s\n", fuid);
	r = CLI_EXIT_OK;
out:
	if (data != NULL)
		ksm_bytes_free((unsigned char *)data, len + 1);
	ksm_records_free(holder);
	ksm_client_free(client);
	return r;
}
