#include "config.h"

/*
 * The one place a write tells the caches that answers went stale: a
 * running keeper-agent (agent-client.c; it fetches anew before its next
 * answer), and the disk cache of this config (cache*.c): its entries are named
 * by an HMAC of the request shape, so which of them hold a given record
 * cannot be told without opening them all, and every answer that lists
 * all records holds it anyway; all entries of the config go.  uids name
 * what changed, for caches that can be more precise.
 */

#include "ksm-int.h"
#include "client-int.h"

int
ksm_client__invalidate(struct ksm_client *c, const char *const *uids,
    size_t n_uids)
{
	ksm_error saved = *ksm_error_last();
	size_t removed;
	int r;

	if (c == NULL)
		return KSM_EINVAL;
	ksm_agent__invalidate(c, uids, n_uids);
	/* a refused or missing cache directory holds nothing of ours */
	r = ksm_cache_clear(c, &removed);
	/* the caller's outcome (and its message) stays the thread's error */
	if (saved.code == 0)
		ksm_error_clear();
	else {
		(void)ksm__err(saved.code, "%s", saved.message);
		if (saved.hint[0] != '\0')
			ksm__err_hint("%s", saved.hint);
	}
	return r;
}
