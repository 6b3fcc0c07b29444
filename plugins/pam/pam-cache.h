/*
 * pam_keeper's opt-in offline cache: per user, a salted scrypt hash of the
 * last password Keeper confirmed, with an expiry, in a root-only
 * directory.  Used only when Keeper cannot be reached.
 */
#ifndef PAM_KEEPER_CACHE_H
#define PAM_KEEPER_CACHE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define PK_CACHE_LOG2N		15	/* scrypt N = 32768, r = 8, p = 1: 32 MiB */
#define PK_CACHE_LOG2N_MIN	10
#define PK_CACHE_LOG2N_MAX	20

enum pk_cache_verdict {
	PK_CACHE_NONE = -1,	/* no usable entry (missing, expired, unsafe) */
	PK_CACHE_MISMATCH = 0,
	PK_CACHE_MATCH = 1
};

/*
 * Every function first checks dir with pk_dir_trusted() (owner's alone,
 * mode 0700 or stricter).
 *
 * Replace user's entry with a fresh salt and the hash of pw (pw_len
 * bytes), expiring ttl_s seconds after now.  0, or -1 with why.
 */
int	pk_cache_store(const char *dir, uid_t owner, const char *user,
	    const char *pw, size_t pw_len, unsigned ttl_s, unsigned log2n,
	    time_t now, char *why, size_t n);

/*
 * Check typed against user's entry.  An entry whose expiry is past, or
 * further than ttl_s from now (the TTL was lowered), is PK_CACHE_NONE.
 */
enum pk_cache_verdict pk_cache_check(const char *dir, uid_t owner,
	    const char *user, const char *typed, unsigned ttl_s, time_t now,
	    char *why, size_t n);

/* Whether user has an entry that check would use (any password). */
int	pk_cache_fresh(const char *dir, uid_t owner, const char *user,
	    unsigned ttl_s, time_t now);

/* Remove user's entry; a missing one is not an error.  0 or -1. */
int	pk_cache_forget(const char *dir, uid_t owner, const char *user);

#endif /* PAM_KEEPER_CACHE_H */
