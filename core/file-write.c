#include "config.h"

/*
 * Reading files whole into a wiped, bounded buffer, and writing files
 * that hold secrets: all at once or not at all.  The bytes
 * go to a temporary file in the target's directory, created 0600 (never
 * more open than its owner while it is partial), are synced, take their
 * final mode, and the file is renamed over the target; the directory is
 * synced last.  A reader sees the old file or the new one, never a part.
 */

#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm-int.h"

int
ksm_io__write_all(int fd, const void *p, size_t n)
{
	const unsigned char *q = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, q, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

int
ksm_io__read_fd(struct ksmx_buf *out, int fd)
{
	unsigned char chunk[8192];
	ssize_t n;
	int r = 0;

	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			r = -1;
			break;
		}
		if (n == 0)
			break;
		if ((r = ksmx_buf_put(out, chunk, (size_t)n)) != 0)
			break;
	}
	ksmx_wipe_array(chunk);
	return r;
}

/* mkdir -p dir with mode 0700 for every directory we create. */
static int
make_dirs(const char *dir)
{
	char *p = NULL, *s, c;
	struct stat st;
	int r;

	if ((p = ksmx_strdup(dir)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (*s == '/' && s[1] == '/')	/* skip repeated slashes */
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			r = ksm__err_errno(KSM_EIO,
			    "cannot create directory '%s'", p);
			goto out;
		}
		*s = c;
		if (*s == '\0')
			break;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		r = ksm__err(KSM_EIO, "'%s' is not a directory", dir);
		goto out;
	}
	r = 0;
 out:
	free(p);
	return r;
}

/*
 * tmp into path without replacing an existing path: renameat2's
 * RENAME_NOREPLACE, or where the file system lacks it, link() (which
 * never replaces) and unlink().  0, or -1 with errno (EEXIST).
 */
static int
rename_noreplace(const char *tmp, const char *path)
{
#ifdef RENAME_NOREPLACE
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
#endif
	if (link(tmp, path) == -1)
		return -1;
	(void)unlink(tmp);
	return 0;
}

/* DIR/.NAME.XXXXXX beside path: a dot file, which "*.conf" globs skip. */
static char *
temp_name(const char *path, const char *dir, const char *slash)
{
	const char *base = slash != NULL ? slash + 1 : path;
	size_t n = strlen(dir) + strlen(base) + sizeof("/..XXXXXX");
	char *tmp;

	if ((tmp = malloc(n)) != NULL)
		snprintf(tmp, n, "%s/.%s.XXXXXX", dir, base);
	return tmp;
}

int
ksm_io__write_atomic(const char *path, const void *p, size_t n,
    unsigned int mode, unsigned int flags)
{
	char *dir = NULL, *tmp = NULL, *slash;
	size_t len;
	int fd = -1, dfd = -1, r;

	KSM_ASSERT_ARG(path != NULL && *path != '\0');
	KSM_ASSERT_ARG(p != NULL || n == 0);
	KSM_ASSERT_ARG((mode & ~0777u) == 0);
	KSM_ASSERT_ARG((flags & ~(KSM_IO_NOREPLACE | KSM_IO_MKDIRS)) == 0);
	len = strlen(path);
	if (path[len - 1] == '/')
		return ksm__err(KSM_EINVAL, "'%s' names a directory", path);
	if ((dir = ksmx_strdup(path)) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	if ((slash = strrchr(path, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == path)
		dir[1] = '\0';		/* "/file" */
	else
		dir[slash - path] = '\0';
	if ((flags & KSM_IO_MKDIRS) && (r = make_dirs(dir)) != 0)
		goto out;
	if ((tmp = temp_name(path, dir, slash)) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	/* mkostemp creates the file 0600 whatever the umask */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		r = ksm__err_errno(KSM_EIO, "cannot create a file in '%s'",
		    dir);
		tmp[0] = '\0';
		goto out;
	}
	/* the final mode only once every byte is there */
	if (ksm_io__write_all(fd, p, n) == -1 ||
	    fchmod(fd, (mode_t)mode) == -1 || fsync(fd) == -1) {
		r = ksm__err_errno(KSM_EIO, "cannot write '%s'", tmp);
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		r = ksm__err_errno(KSM_EIO, "cannot write '%s'", tmp);
		goto out;
	}
	fd = -1;
	if (flags & KSM_IO_NOREPLACE) {
		if (rename_noreplace(tmp, path) == -1) {
			if (errno == EEXIST) {
				r = ksm__err(KSM_EEXIST, "'%s' exists; not "
				    "overwritten", path);
			} else {
				r = ksm__err_errno(KSM_EIO, "cannot create "
				    "'%s'", path);
			}
			goto out;
		}
	} else if (rename(tmp, path) == -1) {
		r = ksm__err_errno(KSM_EIO, "cannot rename '%s' to '%s'", tmp,
		    path);
		goto out;
	}
	tmp[0] = '\0';			/* nothing left to remove */
	/* make the rename itself durable */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (fsync(dfd) == -1 && errno != EINVAL && errno != EROFS)) {
		r = ksm__err_errno(KSM_EIO, "cannot sync directory '%s'", dir);
		goto out;
	}
	r = 0;
 out:
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	if (tmp != NULL && tmp[0] != '\0')
		(void)unlink(tmp);
	free(tmp);
	free(dir);
	return r;
}
