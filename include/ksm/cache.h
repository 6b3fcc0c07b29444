/*
 * The cross-process cache of Keeper's answers (docs/cache.md): bursts of
 * short-lived helpers make one call per TTL, and answers survive short
 * outages and throttling (stale-if-error, bounded by a maximum age).
 *
 * Environment: KSM_CACHE_TTL (seconds, fractions allowed, default 5, 0
 * disables the cache), KSM_CACHE_MAX_AGE (seconds, default 3600),
 * KSM_CACHE_DIR (default $XDG_RUNTIME_DIR/keeper, then
 * $XDG_CACHE_HOME/keeper, then ~/.cache/keeper).
 */
#ifndef KSM_CACHE_PUBLIC_H
#define KSM_CACHE_PUBLIC_H

#include "ksm/common.h"
#include "ksm/client.h"

KSM_BEGIN_DECL

/** Where an answer came from; passed to the notify callback. */
typedef enum {
	KSM_CACHE_HIT = 1,	/**< fresh entry (within the TTL) */
	KSM_CACHE_HIT_STALE,	/**< Keeper throttled/unreachable: older entry */
	KSM_CACHE_DISCARDED,	/**< an entry failed authentication: removed */
	KSM_CACHE_AGENT,	/**< answered by keeper-agent (fresh) */
	KSM_CACHE_AGENT_STALE,	/**< keeper-agent: Keeper failed, older answer */
	KSM_CACHE_AGENT_UNUSED,	/**< keeper-agent not asked or declined: detail */
	KSM_CACHE_FETCHED	/**< answered by Keeper over the network */
} ksm_cache_event_kind;

typedef struct {
	ksm_cache_event_kind	kind;
	unsigned long long	age_ms;		/**< of the entry */
	const char		*endpoint;	/**< "get_secret", ... */
	int			error;		/**< HIT_STALE: the network error */
	/** AGENT_UNUSED: why keeper-agent was not used (one line) */
	const char		*detail;
} ksm_cache_event;

typedef void	(*ksm_cache_notify_fn)(void *ctx, const ksm_cache_event *ev);

/**
 * Call fn (on the calling thread) whenever an answer is served from the
 * cache, by keeper-agent or by Keeper, or an entry is discarded.  For `--verbose` style reporting; fn
 * NULL turns it off.
 */
KSM_EXTERN(void) ksm_client_set_cache_notify(ksm_client *client,
    ksm_cache_notify_fn fn, void *ctx);

/**
 * Override the environment for this client: ttl_ms 0 disables the cache;
 * max_age_ms bounds stale-if-error.
 */
KSM_EXTERN(void) ksm_client_set_cache(ksm_client *client, unsigned int ttl_ms,
    unsigned int max_age_ms);

typedef struct {
	char		dir[1024];	/**< the cache directory */
	int		usable;		/**< 0: refused (see ksm_error_last()) */
	unsigned int	ttl_ms;
	unsigned int	max_age_ms;
	size_t		entries;	/**< of this client's config */
	unsigned long long bytes;
	unsigned long long newest_age_ms;	/**< entries > 0 only */
	unsigned long long oldest_age_ms;
	size_t		all_entries;	/**< every config's */
	unsigned long long all_bytes;
} ksm_cache_status;

/**
 * Describe the cache (no network).  A refused directory is not an error:
 * usable is 0 and ksm_error_last() says why.
 * @return 0, KSM_EINVAL or KSM_ENOMEM
 */
KSM_EXTERN(int) ksm_cache_status_get(ksm_client *client,
    ksm_cache_status *out) KSM_WARN_UNUSED;

/**
 * Remove the cached answers of client's config; client NULL removes every
 * entry in the cache directory.
 * @param[out] removed	entries removed (may be NULL)
 * @return 0, KSM_EPERM (directory refused), KSM_EIO
 */
KSM_EXTERN(int) ksm_cache_clear(ksm_client *client, size_t *removed)
    KSM_WARN_UNUSED;

KSM_END_DECL

#endif /* KSM_CACHE_PUBLIC_H */
