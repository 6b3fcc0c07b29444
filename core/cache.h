/*
 * The cross-process cache of get_secret / get_folders answers
 * (docs/cache.md).  Three files:
 *   cache-crypto.c  keys (HKDF from the config's private key), entry names,
 *                   sealing an entry (AES-256-GCM, identity as AAD), the
 *                   freshness rule and the environment's numbers: pure;
 *   cache-file.c    the directory (0700, ours), entries (0600, atomic
 *                   replace), per-entry locks, scanning and pruning;
 *   cache.c         the policy used by client.c: fresh hit, coalesced
 *                   fetch, stale-if-error; status and clear.
 */
#ifndef KSM_CACHE_H
#define KSM_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "ksm/cache.h"

struct ksmx_buf;
struct ksm_client;

#define KSM_CACHE_TTL_DEFAULT_MS	5000u		/* fresh for 5 s */
#define KSM_CACHE_MAX_AGE_DEFAULT_MS	3600000u	/* stale-if-error: 1 h */
#define KSM_CACHE_MAX_ENTRY	(8u * 1024 * 1024)	/* bytes, one file */
#define KSM_CACHE_MAX_TOTAL	(64u * 1024 * 1024)	/* bytes, directory */
#define KSM_CACHE_MAX_FILES	256			/* entries, directory */

#define KSM_CACHE_TAG_HEX	12	/* per config: hex chars */
#define KSM_CACHE_ID_HEX	32	/* per request shape: hex chars */
/* "<tag>-<id>" */
#define KSM_CACHE_NAME_LEN	(KSM_CACHE_TAG_HEX + 1 + KSM_CACHE_ID_HEX)
#define KSM_CACHE_SUFFIX	".kc"
#define KSM_CACHE_LOCK_SUFFIX	".lock"

/* Entry file: "KSMC" 1 0 0 0 | created ms (u64 BE) | IV | ct | tag. */
#define KSM_CACHE_MAGIC		"KSMC\001\000\000\000"
#define KSM_CACHE_HDR_LEN	16

struct ksm_cache_keys {
	unsigned char	enc[32];	/* seals entries */
	unsigned char	name[32];	/* names entries (HMAC) */
};

/* ---- cache-crypto.c (pure) ---- */

/* RFC 5869 HKDF-SHA256; out_len <= 255 * 32. */
int	ksm_cache__hkdf(uint8_t *out, size_t out_len, const void *salt,
	    size_t salt_len, const void *ikm, size_t ikm_len, const void *info,
	    size_t info_len);
/* Both keys from the config's private key (the PKCS#8 bytes). */
int	ksm_cache__derive(struct ksm_cache_keys *k, const void *ikm,
	    size_t ikm_len);
/* The config's tag: HMAC(name key, host, client id), hex. */
int	ksm_cache__tag(char out[KSM_CACHE_TAG_HEX + 1],
	    const struct ksm_cache_keys *k, const char *host,
	    const char *client_id);
/* "<tag>-<id>" for one request shape (endpoint and UIDs, in order). */
int	ksm_cache__entry_name(char out[KSM_CACHE_NAME_LEN + 1],
	    const struct ksm_cache_keys *k, const char *tag,
	    const char *endpoint, const char *const *uids, size_t n_uids);
/* Non-zero when s is "<tag>-<id>" + suffix (tag NULL: any tag). */
int	ksm_cache__is_entry_file(const char *s, const char *tag);
/* An entry file's bytes for plaintext pt, created at created_ms. */
int	ksm_cache__seal(struct ksmx_buf *out, const struct ksm_cache_keys *k,
	    const char *name, uint64_t created_ms, const void *pt,
	    size_t pt_len);
/* Open an entry file's bytes: 0, or KSM_ECRYPTO when not authentic. */
int	ksm_cache__unseal(struct ksmx_buf *pt, uint64_t *created_ms,
	    const struct ksm_cache_keys *k, const char *name, const void *in,
	    size_t in_len);

enum ksm_cache_age {
	KSM_CACHE_FRESH,	/* within the TTL */
	KSM_CACHE_STALE,	/* past the TTL, within the max age */
	KSM_CACHE_EXPIRED	/* older than both, or from the future */
};
enum ksm_cache_age ksm_cache__classify(uint64_t now_ms, uint64_t created_ms,
	    unsigned int ttl_ms, unsigned int max_age_ms);
/*
 * Seconds as "N" or "N.fff" (at most 3 decimals, at most 30 days) into
 * milliseconds: 0, or -1 when s is not such a number.
 */
int	ksm_cache__parse_secs(const char *s, unsigned int *ms);
/* Wall clock in ms since the epoch. */
uint64_t ksm_cache__now_ms(void);

/* ---- cache-file.c ---- */

/*
 * The cache directory: $KSM_CACHE_DIR, else $XDG_RUNTIME_DIR/keeper, else
 * $XDG_CACHE_HOME/keeper, else ~/.cache/keeper.  With create, make it
 * (0700) when missing.  Refuses (KSM_EPERM, message and hint) a symlink, a
 * directory not owned by the effective uid or open to group/other.
 * *out is malloc'd.
 */
int	ksm_cache__dir(char **out, int create);
/*
 * Read an entry (at most KSM_CACHE_MAX_ENTRY bytes): 0, KSM_ENOTFOUND when
 * missing, KSM_EPERM when not ours / too open (it is removed), KSM_EIO.
 */
int	ksm_cache__read(struct ksmx_buf *out, const char *dir,
	    const char *name);
/* Replace an entry atomically (temp file 0600 + rename). */
int	ksm_cache__write(const char *dir, const char *name, const void *p,
	    size_t n);
/* Remove an entry and its lock; missing is fine. */
void	ksm_cache__remove(const char *dir, const char *name);
/* Exclusive lock on the entry's lock file (blocking): fd or -1. */
int	ksm_cache__lock(const char *dir, const char *name);
void	ksm_cache__unlock(int fd);

struct ksm_cache_scan {
	size_t		n;		/* entries */
	uint64_t	bytes;
	uint64_t	newest_mtime_ms;
	uint64_t	oldest_mtime_ms;
};
/*
 * Count the entries of tag (NULL: every entry) and, with remove, delete
 * them (and their locks).
 */
int	ksm_cache__scan(const char *dir, const char *tag, int remove,
	    struct ksm_cache_scan *out);
/* Delete the oldest entries until the directory is within the bounds. */
void	ksm_cache__prune(const char *dir, uint64_t max_bytes,
	    size_t max_files);

/* ---- cache.c ---- */

/* The tag of c's config (its identity, also towards keeper-agent). */
int	ksm_cache__config_tag(struct ksm_client *c,
	    char tag[KSM_CACHE_TAG_HEX + 1]);
/*
 * May an older answer stand in when a fetch failed with r (throttled,
 * unreachable, failing server)?  Stale-if-error, here and in keeper-agent.
 */
int	ksm_cache__stale_ok(int r);
/* Hand ev to c's notify callback, if any (--verbose reports). */
void	ksm_cache__notify(struct ksm_client *c, const ksm_cache_event *ev);

/* Settings from the environment (KSM_CACHE_TTL, KSM_CACHE_MAX_AGE). */
void	ksm_cache__settings(unsigned int *ttl_ms, unsigned int *max_age_ms);
/*
 * What client.c calls for a bound client: answer from the cache, or fetch
 * with net() (coalesced with other processes) and store; stale-if-error.
 */
typedef int	(*ksm_cache_fetch_fn)(struct ksm_client *c, const char *endpoint,
		    const char *const *uids, size_t n_uids,
		    struct ksmx_buf *plain);
int	ksm_cache__fetch(struct ksm_client *c, const char *endpoint,
	    const char *const *uids, size_t n_uids, struct ksmx_buf *plain,
	    ksm_cache_fetch_fn net);

#endif /* KSM_CACHE_H */
