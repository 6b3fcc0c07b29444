/*
 * keeper-secret download: one file attachment, written with mode 0600 and
 * never over an existing file unless --force (then through a temporary
 * file and rename, so the target is never half-written).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ksm-int.h"	/* ksm_io__write_all */

void
cmd_download_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s download [--force] [--config FILE] -o FILE [--] "
	    "NOTATION\n"
	    "\n"
	    "Download a file attachment named by a notation,\n"
	    "keeper://UID/file/NAME (NAME: file name, title or file UID),\n"
	    "and write it to FILE with mode 0600.  An existing FILE is not\n"
	    "overwritten (exit 34) unless --force.\n"
	    "\n"
	    "  -o, --output FILE  where to write; '-' for standard output\n"
	    "  -f, --force        replace FILE if it exists\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n", PROGNAME);
}

/* Write to a temporary file next to path, then rename it over path. */
static int
write_replace(const char *path, const unsigned char *data, size_t len)
{
	char *tmp;
	size_t n = strlen(path);
	int fd, r = CLI_EXIT_OK, e;

	if ((tmp = malloc(n + sizeof(".XXXXXX"))) == NULL)
		return cli_fail("out of memory");
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".XXXXXX", sizeof(".XXXXXX"));
	if ((fd = mkstemp(tmp)) < 0) {	/* mode 0600 */
		r = cli_fail("cannot create a temporary file next to '%s': %s",
		    path, strerror(errno));
		goto out;
	}
	if (ksm_io__write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		r = cli_fail("cannot write '%s': %s", tmp, strerror(e));
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		r = cli_fail("cannot replace '%s': %s", path, strerror(e));
	}
 out:
	free(tmp);
	return r;
}

/* O_EXCL: refuses an existing file (and a symlink) with KSM_EEXIST. */
static int
write_new(const char *path, const unsigned char *data, size_t len)
{
	int fd, e;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		fprintf(stderr, "%s: '%s' exists; not overwritten\n"
		    "hint: use --force to replace it\n", PROGNAME, path);
		return CLI_EXIT_KSM_BASE - KSM_EEXIST;
	}
	if (fd < 0)
		return cli_fail("cannot create '%s': %s", path,
		    strerror(errno));
	if (ksm_io__write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		e = errno;
		close(fd);
		unlink(path);
		return cli_fail("cannot write '%s': %s", path, strerror(e));
	}
	if (close(fd) != 0) {
		e = errno;
		unlink(path);
		return cli_fail("cannot write '%s': %s", path, strerror(e));
	}
	return CLI_EXIT_OK;
}

/* The notation must select a file: checked before any network traffic. */
static int
check_file_notation(const char *text)
{
	ksm_notation *n = NULL;
	int r;

	if ((r = ksm_notation_parse(&n, text)) != 0)
		return cli_ksm_fail(r);
	r = ksm_notation_selector(n) == KSM_SELECTOR_FILE ? 0 :
	    cli_usage_error("download", "'%s' does not name a file: use "
	    "keeper://UID/file/NAME", text);
	ksm_notation_free(n);
	return r;
}

int
cmd_download(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output",	required_argument,	NULL, 'o' },
		{ "force",	no_argument,		NULL, 'f' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT("download");
	ksm_client *client = NULL;
	const char *config = NULL, *output = NULL, *notation;
	char *data = NULL;
	size_t len = 0;
	int c, r, force = 0;

	while ((c = cli_getopt(&st, argc, argv, "+:o:fc:h", longopts)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			cmd_download_usage(stdout);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error("download", "no notation given");
	if ((r = cli_check_operands("download", argc, argv, optind)) != 0)
		return r;
	if (argc - optind > 1)
		return cli_usage_error("download", "one notation only");
	if (output == NULL)
		return cli_usage_error("download", "no output file: give "
		    "-o FILE, or -o - for standard output");
	notation = argv[optind];
	if ((r = check_file_notation(notation)) != 0)
		return r;
	/* fail early, before downloading, when the target exists */
	if (!force && strcmp(output, "-") != 0 && access(output, F_OK) == 0)
		return write_new(output, NULL, 0);

	if ((r = cli_client_open(&client, cli, config)) != 0)
		goto out;
	if ((r = ksm_notation_get(&data, &len, client, notation)) != 0) {
		r = cli_ksm_fail(r);
		goto out;
	}
	if (strcmp(output, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len)
			r = cli_fail("cannot write to standard output");
		else
			r = CLI_EXIT_OK;
	} else if (force) {
		r = write_replace(output, (unsigned char *)data, len);
	} else {
		r = write_new(output, (unsigned char *)data, len);
	}
 out:
	if (data != NULL)
		ksm_bytes_free((unsigned char *)data, len);
	ksm_client_free(client);
	return r;
}
