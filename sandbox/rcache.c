/*
 * The built (encrypted and printed) Record objects of get_secret, kept
 * for the life of one vault tree.  Keeper stores a record's ciphertext and
 * returns the same bytes every time, so serving the object built the first
 * time is faithful, and it spares a 10,000-record answer 20,000 GCM
 * encryptions, 10,000 key derivations and as many JSON prints.  The
 * cache belongs to the tree: every reload or update of the vault frees it
 * with the tree (vault.c), so a changed record or revision is rebuilt.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ksm/error.h"
#include "util/wipe.h"
#include "sandbox.h"

/*
 * Bytes of text kept at most: every client of an app has its own app key,
 * so the directly shared records are cached once per client.  Past the
 * limit records are built each time again (never evicted: an answer being
 * built may point at any entry).
 */
#define MAX_BYTES	(256u * 1024 * 1024)

struct entry {
	struct entry	*next;
	char		*uid;		/* the record's */
	uint8_t		 wrap_key[32];	/* app or shared folder key */
	int		 editable;
	char		*inner;		/* innerFolderUid or NULL */
	char		*text;		/* the printed Record object */
	size_t		 len;
};

struct sb_rcache {
	struct entry	**slot;
	size_t		 mask;		/* slots - 1 (a power of two) */
	size_t		 n;
	size_t		 bytes;		/* of text */
};

static int
same_inner(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

const char *
sb_rcache_get(const struct sb_rcache *c, const char *uid,
    const uint8_t wrap_key[32], const char *inner, int editable,
    size_t *len)
{
	const struct entry *e;

	if (c == NULL || c->slot == NULL || uid == NULL)
		return NULL;
	for (e = c->slot[sb_hash(uid) & c->mask]; e != NULL; e = e->next) {
		if (strcmp(e->uid, uid) == 0 && e->editable == editable &&
		    same_inner(e->inner, inner) &&
		    CRYPTO_memcmp(e->wrap_key, wrap_key, 32) == 0) {
			if (len != NULL)
				*len = e->len;
			return e->text;
		}
	}
	return NULL;
}

static void
entry_free(struct entry *e)
{
	ksmx_wipe_array(e->wrap_key);
	free(e->uid);
	free(e->inner);
	free(e->text);
	free(e);
}

static int
grow(struct sb_rcache *c)
{
	struct entry **slot, *e, *next;
	size_t n = c->slot == NULL ? 1024 : (c->mask + 1) * 2, i, j;

	if ((slot = calloc(n, sizeof *slot)) == NULL)
		return KSM_ENOMEM;
	for (j = 0; c->slot != NULL && j <= c->mask; j++) {
		for (e = c->slot[j]; e != NULL; e = next) {
			next = e->next;
			i = sb_hash(e->uid) & (n - 1);
			e->next = slot[i];
			slot[i] = e;
		}
	}
	free(c->slot);
	c->slot = slot;
	c->mask = n - 1;
	return 0;
}

int
sb_rcache_put(struct sb_rcache **cp, const char *uid,
    const uint8_t wrap_key[32], const char *inner, int editable,
    char *text, size_t len)
{
	struct sb_rcache *c = *cp;
	struct entry *e;
	size_t i;

	if (c == NULL) {
		if ((c = calloc(1, sizeof *c)) == NULL)
			return KSM_ENOMEM;
		*cp = c;
	}
	if (uid == NULL)
		return KSM_EINVAL;
	if (len > MAX_BYTES - c->bytes)
		return KSM_ETOOBIG;
	if ((c->slot == NULL || c->n >= c->mask + 1) && grow(c) != 0)
		return KSM_ENOMEM;
	if ((e = calloc(1, sizeof *e)) == NULL)
		return KSM_ENOMEM;
	if ((e->uid = strdup(uid)) == NULL ||
	    (inner != NULL && (e->inner = strdup(inner)) == NULL)) {
		free(e->uid);
		free(e);
		return KSM_ENOMEM;
	}
	memcpy(e->wrap_key, wrap_key, sizeof e->wrap_key);
	e->editable = editable;
	e->text = text;
	e->len = len;
	i = sb_hash(uid) & c->mask;
	e->next = c->slot[i];
	c->slot[i] = e;
	c->n++;
	c->bytes += len;
	return 0;
}

void
sb_rcache_free(struct sb_rcache *c)
{
	struct entry *e, *next;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; c->slot != NULL && i <= c->mask; i++) {
		for (e = c->slot[i]; e != NULL; e = next) {
			next = e->next;
			entry_free(e);
		}
	}
	free(c->slot);
	free(c);
}
