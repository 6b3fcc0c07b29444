/*
 * A whole input file (or standard input) into a wiped, bounded buffer:
 * templates for inject, dotenv files for exec --env-file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/wipe.h"
#include "cli.h"

const char *
cli_input_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

int
cli_read_input(struct ksmx_buf *out, const char *path, const char *what)
{
	unsigned char chunk[8192];
	const char *name = cli_input_name(path);
	ssize_t n;
	int fd, r = CLI_EXIT_OK;

	ksmx_buf_clear(out);
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return cli_fail("cannot open the %s '%s': %s", what, name,
		    strerror(errno));
	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			r = cli_fail("cannot read the %s '%s': %s", what,
			    name, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (ksmx_buf_put(out, chunk, (size_t)n) != 0) {
			r = cli_fail("the %s '%s' is larger than %zu bytes "
			    "(or memory ran out)", what, name, out->max);
			break;
		}
	}
	ksmx_wipe_array(chunk);
	if (fd != STDIN_FILENO)
		close(fd);
	if (r != CLI_EXIT_OK)
		ksmx_buf_clear(out);
	return r;
}
