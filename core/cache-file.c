#include "config.h"

/*
 * The cache on disk: a directory of ours (0700, owned by the effective
 * uid, not a symlink), entries "<tag>-<id>.kc" (0600) replaced atomically
 * by rename, and beside each a "<tag>-<id>.lock" that writers (and the
 * processes waiting for the one that fetches) flock.  Readers need no
 * lock: a rename is atomic, so they see the old file or the new one.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ksm-int.h"
#include "cache.h"

#define TEMP_MAX_AGE_MS	60000u	/* a leftover temp file older: removed */

static const char *
env(const char *name)
{
	const char *s = secure_getenv(name);

	return s != NULL && s[0] == '/' ? s : NULL;	/* absolute only */
}

static char *
join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = malloc(n);

	if (s != NULL)
		(void)snprintf(s, n, "%s/%s", a, b);
	return s;
}

/* Our directory, or KSM_EPERM with a message (KSM_ENOTFOUND: missing). */
static int
check_dir(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return KSM_ENOTFOUND;
		return ksm__err_errno(KSM_EIO, "cannot use the cache directory "
		    "'%s'", path);
	}
	if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
		(void)ksm__err(KSM_EPERM, "the cache directory '%s' is not a "
		    "directory (or is a symlink); not using the cache", path);
		ksm__err_hint("remove it, or set KSM_CACHE_DIR");
		return KSM_EPERM;
	}
	if (st.st_uid != geteuid()) {
		(void)ksm__err(KSM_EPERM, "the cache directory '%s' belongs to "
		    "uid %u, not to this user; not using the cache", path,
		    (unsigned int)st.st_uid);
		ksm__err_hint("remove it, or set KSM_CACHE_DIR");
		return KSM_EPERM;
	}
	if ((st.st_mode & 077) != 0) {
		(void)ksm__err(KSM_EPERM, "the cache directory '%s' is open to "
		    "group or other (mode %03o); not using the cache", path,
		    (unsigned int)(st.st_mode & 0777));
		ksm__err_hint("chmod 700 '%s'", path);
		return KSM_EPERM;
	}
	return 0;
}

static int
make_dir(const char *path)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return ksm__err_errno(KSM_EIO, "cannot create the cache "
		    "directory '%s'", path);
	return 0;
}

int
ksm_cache__dir(char **out, int create)
{
	const char *base;
	struct passwd *pw;
	char *path = NULL, *parent = NULL;
	int r;

	*out = NULL;
	if ((base = env("KSM_CACHE_DIR")) != NULL)
		path = strdup(base);
	else if ((base = env("XDG_RUNTIME_DIR")) != NULL)
		path = join(base, "keeper");	/* the session's, exists */
	else if ((base = env("XDG_CACHE_HOME")) != NULL) {
		if (create && (r = make_dir(base)) != 0)
			return r;
		path = join(base, "keeper");
	} else {
		if ((base = env("HOME")) == NULL &&
		    (pw = getpwuid(geteuid())) != NULL && pw->pw_dir != NULL &&
		    pw->pw_dir[0] == '/')
			base = pw->pw_dir;
		if (base == NULL)
			return ksm__err(KSM_ECONFIG, "no directory for the "
			    "cache: neither XDG_RUNTIME_DIR nor HOME is set");
		if ((parent = join(base, ".cache")) == NULL ||
		    (path = join(parent, "keeper")) == NULL) {
			free(parent);
			return ksm__err(KSM_ENOMEM, "out of memory");
		}
		if (create && (r = make_dir(parent)) != 0) {
			free(parent);
			free(path);
			return r;
		}
		free(parent);
	}
	if (path == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	r = check_dir(path);
	if (r == KSM_ENOTFOUND && create) {
		if ((r = make_dir(path)) == 0)
			r = check_dir(path);
	}
	if (r == KSM_ENOTFOUND)
		r = 0;		/* fine for status and clear: nothing there */
	if (r != 0) {
		free(path);
		return r;
	}
	*out = path;
	return 0;
}

static char *
entry_path(const char *dir, const char *name, const char *suffix)
{
	size_t n = strlen(dir) + strlen(name) + strlen(suffix) + 2;
	char *s = malloc(n);

	if (s != NULL)
		(void)snprintf(s, n, "%s/%s%s", dir, name, suffix);
	return s;
}

int
ksm_cache__read(struct ksmx_buf *out, const char *dir, const char *name)
{
	char *path = entry_path(dir, name, KSM_CACHE_SUFFIX);
	struct stat st;
	ssize_t got;
	int fd = -1, r;

	if (path == NULL)
		return KSM_ENOMEM;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		r = errno == ENOENT ? KSM_ENOTFOUND : KSM_EIO;
		if (errno == ELOOP)	/* a symlink: not ours */
			(void)unlink(path);
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = KSM_EIO;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0 || st.st_size > KSM_CACHE_MAX_ENTRY) {
		(void)unlink(path);
		r = KSM_EPERM;
		goto out;
	}
	if ((r = ksmx_buf_reserve(out, (size_t)st.st_size + 1)) != 0)
		goto out;
	for (;;) {
		if ((r = ksmx_buf_reserve(out, 4096)) != 0)
			goto out;	/* grew past the limit meanwhile */
		got = read(fd, out->d + out->len, out->alloc - out->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = KSM_EIO;
			goto out;
		}
		if (got == 0)
			break;
		out->len += (size_t)got;
	}
	r = 0;
out:
	if (fd >= 0)
		(void)close(fd);
	free(path);
	return r;
}

int
ksm_cache__write(const char *dir, const char *name, const void *p, size_t n)
{
	char *final = entry_path(dir, name, KSM_CACHE_SUFFIX);
	char *tmp = NULL;
	size_t tlen;
	int fd = -1, r = KSM_EIO;

	if (final == NULL)
		return KSM_ENOMEM;
	tlen = strlen(dir) + strlen(name) + 16;
	if ((tmp = malloc(tlen)) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	(void)snprintf(tmp, tlen, "%s/.%s.XXXXXX", dir, name);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		tmp[0] = '\0';
		goto out;
	}
	/*
	 * No fsync: the directory is usually a tmpfs, and a torn file after
	 * a crash fails authentication and is discarded.
	 */
	if (fchmod(fd, 0600) != 0 || ksm_io__write_all(fd, p, n) != 0 ||
	    close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, final) != 0)
		goto out;
	tmp[0] = '\0';
	r = 0;
out:
	if (fd >= 0)
		(void)close(fd);
	if (tmp != NULL && tmp[0] != '\0')
		(void)unlink(tmp);
	free(tmp);
	free(final);
	return r;
}

void
ksm_cache__remove(const char *dir, const char *name)
{
	char *p;

	if ((p = entry_path(dir, name, KSM_CACHE_SUFFIX)) != NULL)
		(void)unlink(p);
	free(p);
}

int
ksm_cache__lock(const char *dir, const char *name)
{
	char *path = entry_path(dir, name, KSM_CACHE_LOCK_SUFFIX);
	struct stat st;
	int fd;

	if (path == NULL)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()) {
		(void)close(fd);
		return -1;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			(void)close(fd);
			return -1;
		}
	}
	return fd;
}

void
ksm_cache__unlock(int fd)
{
	if (fd >= 0)
		(void)close(fd);	/* releases the flock */
}

static uint64_t
mtime_ms(const struct stat *st)
{
	return (uint64_t)st->st_mtim.tv_sec * 1000 +
	    (uint64_t)st->st_mtim.tv_nsec / 1000000;
}

/* Remove "<tag>-<id>.kc" and "<tag>-<id>.lock" in dfd. */
static void
remove_entry(int dfd, const char *file)
{
	char lock[KSM_CACHE_NAME_LEN + sizeof(KSM_CACHE_LOCK_SUFFIX)];

	(void)unlinkat(dfd, file, 0);
	memcpy(lock, file, KSM_CACHE_NAME_LEN);
	memcpy(lock + KSM_CACHE_NAME_LEN, KSM_CACHE_LOCK_SUFFIX,
	    sizeof(KSM_CACHE_LOCK_SUFFIX));
	(void)unlinkat(dfd, lock, 0);
}

int
ksm_cache__scan(const char *dir, const char *tag, int remove,
    struct ksm_cache_scan *out)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	uint64_t m;

	memset(out, 0, sizeof(*out));
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : KSM_EIO;
	while ((de = readdir(d)) != NULL) {
		if (!ksm_cache__is_entry_file(de->d_name, tag) ||
		    fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		m = mtime_ms(&st);
		if (out->n == 0 || m > out->newest_mtime_ms)
			out->newest_mtime_ms = m;
		if (out->n == 0 || m < out->oldest_mtime_ms)
			out->oldest_mtime_ms = m;
		out->n++;
		out->bytes += (uint64_t)st.st_size;
		if (remove)
			remove_entry(dirfd(d), de->d_name);
	}
	(void)closedir(d);
	return 0;
}

struct prune_item {
	char		name[KSM_CACHE_NAME_LEN + sizeof(KSM_CACHE_SUFFIX)];
	uint64_t	mtime;
	uint64_t	size;
};

static int
by_mtime(const void *a, const void *b)
{
	const struct prune_item *x = a, *y = b;

	return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

/* ".<tag>-<id>.XXXXXX": a temp file a crashed writer left behind. */
static int
is_temp_file(const char *s)
{
	return s[0] == '.' && strlen(s) == 1 + KSM_CACHE_NAME_LEN + 7 &&
	    s[1 + KSM_CACHE_TAG_HEX] == '-' &&
	    s[1 + KSM_CACHE_NAME_LEN] == '.';
}

void
ksm_cache__prune(const char *dir, uint64_t max_bytes, size_t max_files)
{
	struct prune_item *v = NULL, *nv;
	size_t n = 0, alloc = 0, i;
	uint64_t total = 0, now = ksm_cache__now_ms();
	struct dirent *de;
	struct stat st;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (is_temp_file(de->d_name)) {
			if (mtime_ms(&st) + TEMP_MAX_AGE_MS < now)
				(void)unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		if (!ksm_cache__is_entry_file(de->d_name, NULL))
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			if ((nv = realloc(v, alloc * sizeof(*v))) == NULL)
				goto out;	/* names and sizes: not secret */
			v = nv;
		}
		memcpy(v[n].name, de->d_name, sizeof(v[n].name));
		v[n].mtime = mtime_ms(&st);
		v[n].size = (uint64_t)st.st_size;
		total += v[n].size;
		n++;
	}
	if (n <= max_files && total <= max_bytes)
		goto out;
	qsort(v, n, sizeof(*v), by_mtime);
	for (i = 0; i < n && (n - i > max_files || total > max_bytes); i++) {
		remove_entry(dirfd(d), v[i].name);
		total -= v[i].size;
	}
out:
	free(v);
	(void)closedir(d);
}
