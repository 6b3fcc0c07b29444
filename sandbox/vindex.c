/*
 * A UID index over a JSON array of objects (the vault's records and
 * folders): open addressing, built once per vault load, so a lookup does
 * not walk 10,000 records.  The first object with a given UID wins, as in
 * a linear search (the vault check reports later duplicates).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ksm/error.h"
#include "json.h"
#include "sandbox.h"
#include "util/fnv.h"

struct sb_index {
	size_t		 mask;		/* slots - 1 (a power of two) */
	const char	**key;		/* borrowed from the tree */
	const cJSON	**item;
};

uint64_t
sb_hash(const char *s)
{
	return ksmx_fnv1a(KSMX_FNV1A_INIT, s, strlen(s));
}

int
sb_index_build(struct sb_index **out, const cJSON *arr, const char *field)
{
	struct sb_index *ix;
	const cJSON *it;
	size_t n = 0, slots = 16, i;

	*out = NULL;
	cJSON_ArrayForEach(it, arr)
		n++;
	while (slots < 2 * n)
		slots *= 2;
	if ((ix = calloc(1, sizeof *ix)) == NULL ||
	    (ix->key = calloc(slots, sizeof *ix->key)) == NULL ||
	    (ix->item = calloc(slots, sizeof *ix->item)) == NULL) {
		sb_index_free(ix);
		return KSM_ENOMEM;
	}
	ix->mask = slots - 1;
	cJSON_ArrayForEach(it, arr) {
		const char *k = ksmx_json_str(it, field);

		if (k == NULL)
			continue;
		for (i = sb_hash(k) & ix->mask; ix->key[i] != NULL;
		    i = (i + 1) & ix->mask)
			if (strcmp(ix->key[i], k) == 0)
				break;
		if (ix->key[i] == NULL) {	/* keep the first */
			ix->key[i] = k;
			ix->item[i] = it;
		}
	}
	*out = ix;
	return 0;
}

const cJSON *
sb_index_get(const struct sb_index *ix, const char *k)
{
	size_t i;

	if (ix == NULL || k == NULL)
		return NULL;
	for (i = sb_hash(k) & ix->mask; ix->key[i] != NULL;
	    i = (i + 1) & ix->mask)
		if (strcmp(ix->key[i], k) == 0)
			return ix->item[i];
	return NULL;
}

void
sb_index_free(struct sb_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->key);
	free(ix->item);
	free(ix);
}
