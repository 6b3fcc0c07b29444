/*
 * pam_keeper's offline cache (opt-in, "offline_cache" in pam.json).
 *
 * One file per user in a root-only directory, named by a hash of the
 * user name, holding one line:
 *
 *	pkc1 EXPIRES LOG2N SALT-HEX HASH-HEX
 *
 * HASH is scrypt(password, SALT, N = 2^LOG2N, r = 8, p = 1), 32 bytes,
 * the same slow salted hash sssd-style cached credentials use, so a
 * stolen file costs a brute force per guess.  The password itself is
 * never written.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "crypto.h"
#include "util/wipe.h"
#include "pam-cache.h"
#include "pam-config.h"
#include "util/hex.h"

#define SALT_LEN	16
#define HASH_LEN	32
#define LINE_MAX_LEN	256
#define FILE_PREFIX	"user-"

static int
unhex(uint8_t *out, size_t n, const char *s)
{
	size_t i;
	int hi, lo;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' :
		    hi >= 'a' && hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' :
		    lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* dir/user-HASH: the user name never becomes a path component. */
static int
entry_path(char *out, size_t n, const char *dir, const char *user)
{
	uint8_t d[32];
	char h[33];
	int len;

	if (ksm_crypto__sha256(d, user, strlen(user)) != 0)
		return -1;
	ksmx_hex(h, d, 16);
	len = snprintf(out, n, "%s/" FILE_PREFIX "%s", dir, h);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

static int
slow_hash(uint8_t out[HASH_LEN], const char *pw, size_t pw_len,
    const uint8_t salt[SALT_LEN], unsigned log2n)
{
	uint64_t nn = (uint64_t)1 << log2n;

	/* 128 * r * N bytes, plus slack */
	if (EVP_PBE_scrypt(pw, pw_len, salt, SALT_LEN, nn, 8, 1,
	    (uint64_t)128 * 8 * nn + (1u << 20), out, HASH_LEN) != 1)
		return -1;
	return 0;
}

int
pk_cache_store(const char *dir, uid_t owner, const char *user,
    const char *pw, size_t pw_len, unsigned ttl_s, unsigned log2n,
    time_t now, char *why, size_t n)
{
	char path[4096], tmp[4200], line[LINE_MAX_LEN];
	char salt_hex[2 * SALT_LEN + 1], hash_hex[2 * HASH_LEN + 1];
	uint8_t salt[SALT_LEN], hash[HASH_LEN];
	size_t len;
	int fd = -1, rc = -1;

	if (pk_dir_trusted(dir, owner, why, n) != 0)
		return -1;
	if (log2n < PK_CACHE_LOG2N_MIN || log2n > PK_CACHE_LOG2N_MAX ||
	    ttl_s == 0 || ttl_s > PK_CACHE_TTL_MAX_S)
		return pk_why_set(why, n, "invalid cache parameters");
	if (entry_path(path, sizeof(path), dir, user) != 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return pk_why_set(why, n, "cache path too long");
	if (ksm_crypto__random(salt, sizeof(salt)) != 0 ||
	    slow_hash(hash, pw, pw_len, salt, log2n) != 0) {
		pk_why_set(why, n, "cannot hash for the cache");
		goto out;
	}
	ksmx_hex(salt_hex, salt, sizeof(salt));
	ksmx_hex(hash_hex, hash, sizeof(hash));
	len = (size_t)snprintf(line, sizeof(line), "pkc1 %lld %u %s %s\n",
	    (long long)now + ttl_s, log2n, salt_hex, hash_hex);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		pk_why_set(why, n, "cannot create '%s': %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (fchown(fd, owner, (gid_t)-1) != 0 ||
	    write(fd, line, len) != (ssize_t)len || fsync(fd) != 0) {
		pk_why_set(why, n, "cannot write '%s': %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		pk_why_set(why, n, "cannot write '%s': %s", tmp,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		pk_why_set(why, n, "cannot rename to '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	rc = 0;
 out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		(void)unlink(tmp);
	ksmx_wipe_array(hash);
	ksmx_wipe_array(hash_hex);
	ksmx_wipe_array(line);
	return rc;
}

/* Read and parse user's entry: 0, or -1 with why (missing: ENOENT). */
static int
entry_read(const char *path, uid_t owner, long long *expires,
    unsigned *log2n, uint8_t salt[SALT_LEN], uint8_t hash[HASH_LEN],
    char *why, size_t n)
{
	char line[LINE_MAX_LEN + 1], salt_hex[LINE_MAX_LEN],
	    hash_hex[LINE_MAX_LEN], tail;
	struct stat st;
	ssize_t r;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return pk_why_set(why, n, "no cached entry");
		return pk_why_set(why, n, "cannot open '%s': %s", path,
		    strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != owner || (st.st_mode & 077) != 0) {
		pk_why_set(why, n, "'%s' is not a regular file of its owner's "
		    "alone", path);
		goto out;
	}
	r = read(fd, line, LINE_MAX_LEN);
	if (r <= 0) {
		pk_why_set(why, n, "cannot read '%s'", path);
		goto out;
	}
	line[r] = '\0';
	if (sscanf(line, "pkc1 %lld %u %255s %255s%c", expires, log2n,
	    salt_hex, hash_hex, &tail) != 5 || tail != '\n' ||
	    *log2n < PK_CACHE_LOG2N_MIN || *log2n > PK_CACHE_LOG2N_MAX ||
	    unhex(salt, SALT_LEN, salt_hex) != 0 ||
	    unhex(hash, HASH_LEN, hash_hex) != 0) {
		pk_why_set(why, n, "'%s' is not a cache entry", path);
		goto out;
	}
	rc = 0;
 out:
	close(fd);
	ksmx_wipe_array(line);
	ksmx_wipe_array(hash_hex);
	return rc;
}

enum pk_cache_verdict
pk_cache_check(const char *dir, uid_t owner, const char *user,
    const char *typed, unsigned ttl_s, time_t now, char *why, size_t n)
{
	char path[4096];
	uint8_t salt[SALT_LEN], want[HASH_LEN], got[HASH_LEN];
	long long expires = 0;
	unsigned log2n = 0;
	enum pk_cache_verdict v = PK_CACHE_NONE;

	if (pk_dir_trusted(dir, owner, why, n) != 0)
		return PK_CACHE_NONE;
	if (entry_path(path, sizeof(path), dir, user) != 0) {
		pk_why_set(why, n, "cache path too long");
		return PK_CACHE_NONE;
	}
	if (entry_read(path, owner, &expires, &log2n, salt, want, why,
	    n) != 0)
		goto out;
	if (expires <= (long long)now) {
		pk_why_set(why, n, "the cached entry has expired");
		goto out;
	}
	if (expires > (long long)now + ttl_s) {
		pk_why_set(why, n, "the cached entry outlives the configured "
		    "ttl; ignored");
		goto out;
	}
	if (slow_hash(got, typed, strlen(typed), salt, log2n) != 0) {
		pk_why_set(why, n, "cannot hash for the cache");
		goto out;
	}
	v = ksmx_memeq_ct(got, want, HASH_LEN) == 0 ? PK_CACHE_MATCH :
	    PK_CACHE_MISMATCH;
 out:
	ksmx_wipe_array(got);
	ksmx_wipe_array(want);
	return v;
}

int
pk_cache_fresh(const char *dir, uid_t owner, const char *user,
    unsigned ttl_s, time_t now)
{
	char path[4096];
	uint8_t salt[SALT_LEN], hash[HASH_LEN];
	long long expires = 0;
	unsigned log2n = 0;
	int fresh;

	if (pk_dir_trusted(dir, owner, NULL, 0) != 0 ||
	    entry_path(path, sizeof(path), dir, user) != 0 ||
	    entry_read(path, owner, &expires, &log2n, salt, hash, NULL,
	    0) != 0)
		return 0;
	ksmx_wipe_array(hash);
	fresh = expires > (long long)now && expires <= (long long)now + ttl_s;
	return fresh;
}

int
pk_cache_forget(const char *dir, uid_t owner, const char *user)
{
	char path[4096];

	if (pk_dir_trusted(dir, owner, NULL, 0) != 0 ||
	    entry_path(path, sizeof(path), dir, user) != 0)
		return -1;
	if (unlink(path) != 0 && errno != ENOENT)
		return -1;
	return 0;
}
