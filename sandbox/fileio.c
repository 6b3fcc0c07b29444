#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ksm/error.h"
#include "ksm-int.h"
#include "sandbox.h"

int
sb_file_read(struct ksmx_buf *out, const char *path, size_t max)
{
	int fd, r;

	out->max = max;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? KSM_ENOTFOUND : KSM_EIO;
	if ((r = ksm_io__read_fd(out, fd)) == -1)
		r = KSM_EIO;
	close(fd);
	if (r == 0)
		r = ksmx_buf_cstr(out);
	if (r != 0)
		ksmx_buf_clear(out);
	return r;
}

int
sb_file_write(const char *path, const void *p, size_t n, int mode)
{
	const uint8_t *s = p;
	char *tmp;
	size_t len = strlen(path) + 32, off = 0;
	ssize_t w;
	int fd, r = KSM_EIO;

	if ((tmp = malloc(len)) == NULL)
		return KSM_ENOMEM;
	snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    (mode_t)mode);
	if (fd < 0)
		goto out;
	if (fchmod(fd, (mode_t)mode) != 0)
		goto fail;
	while (off < n) {
		w = write(fd, s + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	r = 0;
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(tmp);
	return r;
}
