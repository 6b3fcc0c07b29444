/*
 * A whole input file (or standard input) into a wiped, bounded buffer:
 * templates for inject, dotenv files for exec --env-file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ksm-int.h"
#include "cli.h"

const char *
cli_input_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

int
cli_read_input(struct ksmx_buf *out, const char *path, const char *what)
{
	const char *name = cli_input_name(path);
	int fd, r = CLI_EXIT_OK;

	ksmx_buf_clear(out);
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return cli_fail("cannot open the %s '%s': %s", what, name,
		    strerror(errno));
	switch (ksm_io__read_fd(out, fd)) {
	case 0:
		break;
	case -1:
		r = cli_fail("cannot read the %s '%s': %s", what, name,
		    strerror(errno));
		break;
	default:
		r = cli_fail("the %s '%s' is larger than %zu bytes (or memory "
		    "ran out)", what, name, out->max);
		break;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (r != CLI_EXIT_OK)
		ksmx_buf_clear(out);
	return r;
}
