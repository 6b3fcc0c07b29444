#include "config.h"

/*
 * The cache policy (docs/cache.md).  For a bound client and one request
 * shape (endpoint + UIDs):
 *   1. a fresh entry (younger than the TTL) is the answer;
 *   2. otherwise take the entry's lock; whoever held it before us may have
 *      fetched meanwhile, so look again (coalescing: N processes, one
 *      call);
 *   3. fetch; on success store the answer sealed, and prune;
 *   4. on throttling or an unreachable/failing server, answer with the
 *      entry if it is within the maximum age (stale-if-error), without
 *      waiting out the throttle first;
 *   5. access denied removes every entry of the config.
 * Any problem with the cache itself (directory refused, disk full) only
 * means the answer comes from the network.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "client-int.h"
#include "ksm-config.h"
#include "cache.h"
#include "util/b64.h"

/* Everything one request needs. */
struct req {
	struct ksm_cache_keys keys;
	char		tag[KSM_CACHE_TAG_HEX + 1];
	char		name[KSM_CACHE_NAME_LEN + 1];
	char		*dir;
};

void
ksm_cache__settings(unsigned int *ttl_ms, unsigned int *max_age_ms)
{
	unsigned int v;

	*ttl_ms = KSM_CACHE_TTL_DEFAULT_MS;
	*max_age_ms = KSM_CACHE_MAX_AGE_DEFAULT_MS;
	if (ksm_cache__parse_secs(secure_getenv("KSM_CACHE_TTL"), &v) == 0)
		*ttl_ms = v;
	if (ksm_cache__parse_secs(secure_getenv("KSM_CACHE_MAX_AGE"), &v) == 0)
		*max_age_ms = v;
}

/* Keys and tag of c's config: 0 or an error (no message). */
static int
config_keys(struct ksm_client *c, struct ksm_cache_keys *k,
    char tag[KSM_CACHE_TAG_HEX + 1])
{
	struct ksmx_buf der = KSMX_BUF_INIT(4096);
	const char *pk = ksm_config__get(c->cfg, KSM_CFG_PRIVATE_KEY);
	int r;

	if (pk == NULL || pk[0] == '\0')
		return KSM_ECONFIG;
	if ((r = ksmx_b64_decode(&der, pk, strlen(pk))) == 0 &&
	    (r = ksm_cache__derive(k, der.d, der.len)) == 0)
		r = ksm_cache__tag(tag, k, c->hostname, c->client_id);
	ksmx_buf_clear(&der);
	return r;
}

int
ksm_cache__config_tag(struct ksm_client *c, char tag[KSM_CACHE_TAG_HEX + 1])
{
	struct ksm_cache_keys k;
	int r = config_keys(c, &k, tag);

	ksmx_wipe(&k, sizeof(k));
	return r;
}

void
ksm_cache__notify(struct ksm_client *c, const ksm_cache_event *ev)
{
	if (c->cache_notify != NULL)
		c->cache_notify(c->cache_notify_ctx, ev);
}

static void
notify(struct ksm_client *c, ksm_cache_event_kind kind, uint64_t age,
    const char *endpoint, int error)
{
	ksm_cache_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.age_ms = age;
	ev.endpoint = endpoint;
	ev.error = error;
	ksm_cache__notify(c, &ev);
}

/*
 * The entry, authenticated, into pt: 0 and *created, or non-zero when
 * there is none.  A file that fails authentication is removed.
 */
static int
load(struct ksm_client *c, const struct req *q, const char *endpoint,
    struct ksmx_buf *pt, uint64_t *created)
{
	struct ksmx_buf file = KSMX_BUF_INIT(KSM_CACHE_MAX_ENTRY + 8192);
	int r;

	ksmx_buf_clear(pt);
	if ((r = ksm_cache__read(&file, q->dir, q->name)) == 0 &&
	    (r = ksm_cache__unseal(pt, created, &q->keys, q->name, file.d,
	    file.len)) != 0) {
		ksm_cache__remove(q->dir, q->name);
		notify(c, KSM_CACHE_DISCARDED, 0, endpoint, 0);
	}
	ksmx_buf_clear(&file);
	if (r != 0)
		ksmx_buf_clear(pt);
	return r;
}

static void
store(const struct req *q, const struct ksmx_buf *plain)
{
	struct ksmx_buf file = KSMX_BUF_INIT(KSM_CACHE_MAX_ENTRY + 8192);

	if (plain->len <= KSM_CACHE_MAX_ENTRY &&
	    ksm_cache__seal(&file, &q->keys, q->name, ksm_cache__now_ms(),
	    plain->d, plain->len) == 0 &&
	    ksm_cache__write(q->dir, q->name, file.d, file.len) == 0)
		ksm_cache__prune(q->dir, KSM_CACHE_MAX_TOTAL,
		    KSM_CACHE_MAX_FILES);
	ksmx_buf_clear(&file);
}

/* The cached answer becomes the answer. */
static int
serve(struct ksmx_buf *plain, const struct ksmx_buf *pt)
{
	int r;

	ksmx_buf_clear(plain);
	if ((r = ksmx_buf_put(plain, pt->d, pt->len)) != 0)
		return ksm__err(r, "out of memory");
	return 0;
}

int
ksm_cache__stale_ok(int r)
{
	return r == KSM_ETHROTTLED || r == KSM_ENETWORK || r == KSM_ESERVER ||
	    r == KSM_EPROXY;
}

static uint64_t
age_of(uint64_t now, uint64_t created)
{
	return now > created ? now - created : 0;
}

/*
 * The age of the entry in pt, made at created.  A fresh one is served
 * (its outcome in *r) and reported as a hit.
 */
static enum ksm_cache_age
serve_fresh(int *r, struct ksm_client *c, const char *endpoint,
    struct ksmx_buf *plain, const struct ksmx_buf *pt, uint64_t created)
{
	uint64_t now = ksm_cache__now_ms();
	enum ksm_cache_age age;

	age = ksm_cache__classify(now, created, c->cache_ttl_ms,
	    c->cache_max_age_ms);
	if (age == KSM_CACHE_FRESH) {
		*r = serve(plain, pt);
		notify(c, KSM_CACHE_HIT, age_of(now, created), endpoint, 0);
	}
	return age;
}

/*
 * KSM_CLIENT_CACHE_ONLY: the cached answer, whatever its age, or
 * KSM_ENOTFOUND; Keeper is never asked (shell completion).
 */
static int
cached_only(struct ksm_client *c, const char *endpoint,
    const char *const *uids, size_t n_uids, struct ksmx_buf *plain)
{
	struct ksmx_buf pt = KSMX_BUF_INIT(KSM_CACHE_MAX_ENTRY + 8192);
	struct req q;
	uint64_t created = 0;
	int r;

	memset(&q, 0, sizeof(q));
	if (c->cache_ttl_ms == 0 || (c->flags & KSM_CLIENT_NO_CACHE) ||
	    config_keys(c, &q.keys, q.tag) != 0 ||
	    ksm_cache__entry_name(q.name, &q.keys, q.tag, endpoint, uids,
	    n_uids) != 0 || ksm_cache__dir(&q.dir, 0) != 0 || q.dir == NULL ||
	    load(c, &q, endpoint, &pt, &created) != 0) {
		ksm_error_clear();
		r = ksm__err(KSM_ENOTFOUND, "no cached answer to %s, and "
		    "Keeper is not asked (cache only)", endpoint);
		goto out;
	}
	if ((r = serve(plain, &pt)) == 0)
		notify(c, KSM_CACHE_HIT, age_of(ksm_cache__now_ms(), created),
		    endpoint, 0);
out:
	ksmx_buf_clear(&pt);
	ksmx_wipe(&q.keys, sizeof(q.keys));
	free(q.dir);
	return r;
}

int
ksm_cache__fetch(struct ksm_client *c, const char *endpoint,
    const char *const *uids, size_t n_uids, struct ksmx_buf *plain,
    ksm_cache_fetch_fn net)
{
	struct ksmx_buf pt = KSMX_BUF_INIT(KSM_CACHE_MAX_ENTRY + 8192);
	struct req q;
	enum ksm_cache_age age = KSM_CACHE_EXPIRED;
	uint64_t created = 0, now, t0, waited;
	unsigned int saved_flags = c->flags;
	unsigned int saved_wait = c->max_throttle_wait_ms;
	int have = 0, lock = -1, r;

	if (c->flags & KSM_CLIENT_CACHE_ONLY)
		return cached_only(c, endpoint, uids, n_uids, plain);
	if (c->cache_ttl_ms == 0 || (c->flags & KSM_CLIENT_NO_CACHE))
		return net(c, endpoint, uids, n_uids, plain);
	memset(&q, 0, sizeof(q));
	if (config_keys(c, &q.keys, q.tag) != 0 ||
	    ksm_cache__entry_name(q.name, &q.keys, q.tag, endpoint, uids,
	    n_uids) != 0 || ksm_cache__dir(&q.dir, 1) != 0 || q.dir == NULL) {
		ksm_error_clear();	/* no cache: just the network */
		r = net(c, endpoint, uids, n_uids, plain);
		goto out;
	}

	if (load(c, &q, endpoint, &pt, &created) == 0) {
		have = 1;
		age = serve_fresh(&r, c, endpoint, plain, &pt, created);
		if (age == KSM_CACHE_FRESH)
			goto out;
	}

	/* whoever held the lock may just have fetched: look again */
	t0 = ksm_cache__now_ms();
	if ((lock = ksm_cache__lock(q.dir, q.name)) >= 0 &&
	    (have = load(c, &q, endpoint, &pt, &created) == 0)) {
		age = serve_fresh(&r, c, endpoint, plain, &pt, created);
		if (age == KSM_CACHE_FRESH)
			goto out;
	}

	/* with a usable stale answer, do not sit out a throttle */
	if (have && age == KSM_CACHE_STALE)
		c->flags |= KSM_CLIENT_NO_THROTTLE_RETRY;
	/*
	 * The time spent waiting for the lock (another process fetching,
	 * perhaps sitting out a throttle itself) counts against our own
	 * throttle budget: a queue of helpers never waits N times the limit.
	 */
	now = ksm_cache__now_ms();
	waited = now > t0 ? now - t0 : 0;
	if (waited > 0 && t0 != 0)
		c->max_throttle_wait_ms = waited >= saved_wait ? 0 :
		    saved_wait - (unsigned int)waited;
	r = net(c, endpoint, uids, n_uids, plain);
	c->flags = saved_flags;
	c->max_throttle_wait_ms = saved_wait;
	if (r == 0) {
		store(&q, plain);
		goto out;
	}
	if (have && ksm_cache__stale_ok(r)) {
		now = ksm_cache__now_ms();
		if (ksm_cache__classify(now, created, c->cache_ttl_ms,
		    c->cache_max_age_ms) != KSM_CACHE_EXPIRED) {
			int net_err = r;

			ksm_error_clear();
			if ((r = serve(plain, &pt)) == 0)
				notify(c, KSM_CACHE_HIT_STALE,
				    age_of(now, created), endpoint, net_err);
			goto out;
		}
		ksm__err_hint("the cached answer is %llu s old, older than "
		    "KSM_CACHE_MAX_AGE (%u s); retry when Keeper is reachable",
		    (unsigned long long)(age_of(now, created) / 1000),
		    c->cache_max_age_ms / 1000);
	}
	if (r == KSM_EACCESS || r == KSM_ETOKEN) {
		struct ksm_cache_scan sc;

		/* the device was removed: forget its answers */
		(void)ksm_cache__scan(q.dir, q.tag, 1, &sc);
	}
out:
	c->flags = saved_flags;
	c->max_throttle_wait_ms = saved_wait;
	ksm_cache__unlock(lock);
	ksmx_buf_clear(&pt);
	ksmx_wipe(&q.keys, sizeof(q.keys));
	free(q.dir);
	return r;
}

/* ---- public ---- */

void
ksm_client_set_cache_notify(ksm_client *c, ksm_cache_notify_fn fn, void *ctx)
{
	if (c == NULL)
		return;
	c->cache_notify = fn;
	c->cache_notify_ctx = ctx;
}

void
ksm_client_set_cache(ksm_client *c, unsigned int ttl_ms,
    unsigned int max_age_ms)
{
	if (c == NULL)
		return;
	c->cache_ttl_ms = ttl_ms;
	c->cache_max_age_ms = max_age_ms;
}

int
ksm_cache_status_get(ksm_client *c, ksm_cache_status *out)
{
	struct ksm_cache_keys k;
	struct ksm_cache_scan sc;
	char tag[KSM_CACHE_TAG_HEX + 1];
	char *dir = NULL;
	uint64_t now = ksm_cache__now_ms();
	int r;

	KSM_ASSERT_ARG(c != NULL && out != NULL);
	memset(out, 0, sizeof(*out));
	out->ttl_ms = (c->flags & KSM_CLIENT_NO_CACHE) ? 0 : c->cache_ttl_ms;
	out->max_age_ms = c->cache_max_age_ms;
	if ((r = ksm_cache__dir(&dir, 0)) != 0) {
		if (r == KSM_ENOMEM)
			return r;
		return 0;	/* usable 0; the error says why */
	}
	(void)snprintf(out->dir, sizeof(out->dir), "%s", dir);
	out->usable = 1;
	if ((r = config_keys(c, &k, tag)) != 0) {
		free(dir);
		return ksm__err_context(r, "cannot derive the cache key "
		    "from the config");
	}
	ksmx_wipe(&k, sizeof(k));
	if (ksm_cache__scan(dir, tag, 0, &sc) == 0) {
		out->entries = sc.n;
		out->bytes = sc.bytes;
		if (sc.n > 0) {
			out->newest_age_ms = age_of(now, sc.newest_mtime_ms);
			out->oldest_age_ms = age_of(now, sc.oldest_mtime_ms);
		}
	}
	if (ksm_cache__scan(dir, NULL, 0, &sc) == 0) {
		out->all_entries = sc.n;
		out->all_bytes = sc.bytes;
	}
	free(dir);
	return 0;
}

int
ksm_cache_clear(ksm_client *c, size_t *removed)
{
	struct ksm_cache_keys k;
	struct ksm_cache_scan sc;
	char tag[KSM_CACHE_TAG_HEX + 1];
	char *dir = NULL;
	int r;

	if (removed != NULL)
		*removed = 0;
	if ((r = ksm_cache__dir(&dir, 0)) != 0)
		return r;
	if (c != NULL && (r = config_keys(c, &k, tag)) != 0) {
		free(dir);
		return ksm__err_context(r, "cannot derive the cache key "
		    "from the config");
	}
	ksmx_wipe(&k, sizeof(k));
	r = ksm_cache__scan(dir, c != NULL ? tag : NULL, 1, &sc);
	if (r != 0)
		r = ksm__err_errno(r, "cannot read the cache directory '%s'",
		    dir);
	else if (removed != NULL)
		*removed = sc.n;
	free(dir);
	return r;
}
