#include "config.h"

/*
 * Config files on disk: read like ssh reads a private key (open, fstat the
 * fd, refuse what others may use, bounded read), write atomically with
 * mode 0600 (file-write.c).  config.c decides which file; this file
 * only moves bytes.
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
#include "ksm-config.h"

#define INIT_HINT \
	"bind one with: keeper-secret init --token <one-time token>"

static int
read_fail(const char *path)
{
	if (errno == ENOENT || errno == ENOTDIR) {
		ksm__err(KSM_ECONFIG, "no Keeper configuration found at '%s'",
		    path);
		ksm__err_hint(INIT_HINT);
		return KSM_ECONFIG;
	}
	if (errno == EACCES)
		return ksm__err_errno(KSM_EPERM, "cannot open '%s'", path);
	return ksm__err_errno(KSM_EIO, "cannot open '%s'", path);
}

/* The file must be ours alone: regular, owned by euid, no group/other bits. */
static int
check_owner_mode(const struct stat *st, const char *path)
{
	if (!S_ISREG(st->st_mode))
		return ksm__err(KSM_ECONFIG, "'%s' is not a regular file",
		    path);
	if (st->st_uid != geteuid()) {
		ksm__err(KSM_EPERM, "'%s' is owned by uid %lu, not by uid %lu",
		    path, (unsigned long)st->st_uid,
		    (unsigned long)geteuid());
		ksm__err_hint("use a configuration file you own, "
		    "with mode 0600");
		return KSM_EPERM;
	}
	if ((st->st_mode & 077) != 0) {
		ksm__err(KSM_EPERM, "permissions %04o for '%s' are too open",
		    (unsigned)(st->st_mode & 07777), path);
		ksm__err_hint("run: chmod 600 '%s'", path);
		return KSM_EPERM;
	}
	return 0;
}

int
ksm_config__read_file(struct ksmx_buf *out, const char *path)
{
	struct ksmx_buf tmp = KSMX_BUF_INIT(KSM_MAX_CONFIG_FILE);
	unsigned char chunk[4096];
	struct stat st;
	ssize_t n;
	int fd = -1, r;

	KSM_ASSERT_ARG(out != NULL);
	KSM_ASSERT_ARG(path != NULL);
	ksmx_buf_clear(out);
	/* O_NONBLOCK: a FIFO planted at path must not hang us */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		r = read_fail(path);
		goto out;
	}
	if (fstat(fd, &st) == -1) {	/* fstat the open fd, never stat path */
		r = ksm__err_errno(KSM_EIO, "cannot stat '%s'", path);
		goto out;
	}
	if ((r = check_owner_mode(&st, path)) != 0)
		goto out;
	if (st.st_size > (off_t)KSM_MAX_CONFIG_FILE) {
		r = ksm__err(KSM_ETOOBIG, "'%s' is larger than %u bytes", path,
		    KSM_MAX_CONFIG_FILE);
		goto out;
	}
	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			r = ksm__err_errno(KSM_EIO, "cannot read '%s'", path);
			goto out;
		}
		if (n == 0)
			break;
		if ((r = ksmx_buf_put(&tmp, chunk, (size_t)n)) != 0) {
			r = ksm__err(r, "cannot load '%s': %s", path,
			    ksm_strerror(r));
			goto out;
		}
	}
	/* success: hand the bytes over */
	*out = tmp;
	tmp.d = NULL;			/* transferred */
	tmp.len = tmp.alloc = 0;
	r = 0;
 out:
	ksmx_wipe_array(chunk);
	ksmx_buf_clear(&tmp);
	if (fd != -1)
		close(fd);
	return r;
}

int
ksm_config__write_file(const char *path, const void *p, size_t n)
{
	return ksm_io__write_atomic(path, p, n, 0600, KSM_IO_MKDIRS);
}
