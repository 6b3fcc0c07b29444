#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ksm/error.h"
#include "json.h"
#include "util/wipe.h"
#include "secrets-answer.h"
#include "util/fnv.h"

#define MAX_UID		ANSWER_MAX_UID

/* Where one record sits: [off, off+len) of the text. */
struct rec_at {
	char		uid[MAX_UID + 1];
	size_t		off, len;
	size_t		folder;		/* SIZE_MAX: directly shared */
};

/* A folder object, and the span of its "records" value (len 0: none). */
struct folder_at {
	size_t		off, len;
	size_t		recs_off, recs_len;
};

struct answer {
	char		*text;		/* locked, non-dumpable mapping */
	size_t		 len, map_len;
	struct rec_at	*recs;		/* sorted by uid */
	size_t		 n_recs;
	struct folder_at *folders;
	size_t		 n_folders;
	size_t		 n_direct;	/* recs with folder SIZE_MAX */
};

static size_t
page_round(size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t p = pg > 0 ? (size_t)pg : 4096;

	return n / p * p + (n % p ? p : 0);
}

/* Anonymous memory, never dumped, locked when the limit allows. */
static char *
secure_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, len, MADV_DONTDUMP);
	(void)mlock(p, len);	/* best effort: RLIMIT_MEMLOCK may be small */
	return p;
}

void
answer_free(struct answer *a)
{
	if (a == NULL)
		return;
	if (a->text != NULL) {
		ksmx_wipe(a->text, a->map_len);
		(void)munlock(a->text, a->map_len);
		(void)munmap(a->text, a->map_len);
	}
	free(a->recs);
	free(a->folders);
	free(a);
}

/* The raw text of a string value span (quotes included), if plain. */
static int
span_uid(const struct ksmx_json_span *s, char out[MAX_UID + 1])
{
	if (s->p == NULL || s->len < 2 || s->len - 2 > MAX_UID ||
	    s->p[0] != '"' || s->p[s->len - 1] != '"' ||
	    memchr(s->p, '\\', s->len) != NULL)
		return -1;
	memcpy(out, s->p + 1, s->len - 2);
	out[s->len - 2] = '\0';
	return 0;
}

static int
add_rec(struct answer *a, size_t *cap, const char *text, const char *p,
    size_t len, size_t folder)
{
	static const char *const key[1] = { "recordUid" };
	struct ksmx_json_span s = { NULL, 0 };
	struct rec_at *tmp;

	if (ksmx_json_object_members(p, len, key, 1, &s) != 0)
		return KSM_EPROTO;
	if (a->n_recs == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((tmp = realloc(a->recs, *cap * sizeof(*tmp))) == NULL)
			return KSM_ENOMEM;
		a->recs = tmp;
	}
	tmp = &a->recs[a->n_recs];
	if (span_uid(&s, tmp->uid) != 0)
		tmp->uid[0] = '\0';	/* kept whole, never matched */
	tmp->off = (size_t)(p - text);
	tmp->len = len;
	tmp->folder = folder;
	a->n_recs++;
	return 0;
}

/* Each element of the array at span s, through add_rec. */
static int
add_array(struct answer *a, size_t *cap, const char *text,
    const struct ksmx_json_span *s, size_t folder)
{
	const char *cur, *end, *elem;
	size_t elen;
	int r;

	if (s->p == NULL || s->len == 0 || s->p[0] != '[')
		return 0;	/* null or absent: no records */
	cur = s->p;
	end = s->p + s->len;
	while ((r = ksmx_json_array_next(&cur, end, &elem, &elen)) > 0)
		if ((r = add_rec(a, cap, text, elem, elen, folder)) != 0)
			return r;
	return r < 0 ? KSM_EPROTO : 0;
}

static int
add_folders(struct answer *a, size_t *cap, const char *text,
    const struct ksmx_json_span *s)
{
	static const char *const key[1] = { "records" };
	struct ksmx_json_span rs;
	struct folder_at *tmp;
	const char *cur, *end, *elem;
	size_t elen, fcap = 0;
	int r;

	if (s->p == NULL || s->len == 0 || s->p[0] != '[')
		return 0;
	cur = s->p;
	end = s->p + s->len;
	while ((r = ksmx_json_array_next(&cur, end, &elem, &elen)) > 0) {
		if (ksmx_json_object_members(elem, elen, key, 1, &rs) != 0)
			return KSM_EPROTO;
		if (a->n_folders == fcap) {
			fcap = fcap ? fcap * 2 : 8;
			if ((tmp = realloc(a->folders, fcap *
			    sizeof(*tmp))) == NULL)
				return KSM_ENOMEM;
			a->folders = tmp;
		}
		tmp = &a->folders[a->n_folders];
		tmp->off = (size_t)(elem - text);
		tmp->len = elen;
		tmp->recs_off = rs.p != NULL ? (size_t)(rs.p - text) : 0;
		tmp->recs_len = rs.p != NULL ? rs.len : 0;
		if ((r = add_array(a, cap, text, &rs, a->n_folders)) != 0)
			return r;
		a->n_folders++;
	}
	return r < 0 ? KSM_EPROTO : 0;
}

static int
rec_cmp(const void *x, const void *y)
{
	const struct rec_at *a = x, *b = y;
	int c = strcmp(a->uid, b->uid);

	/* equal UIDs keep the server's order: direct first, then folders */
	if (c != 0)
		return c;
	return a->off < b->off ? -1 : a->off > b->off;
}

static int
build_index(struct answer *a)
{
	static const char *const keys[2] = { "records", "folders" };
	struct ksmx_json_span s[2];
	size_t cap = 0, i;
	int r;

	if (ksmx_json_object_members(a->text, a->len, keys, 2, s) != 0)
		return KSM_EPROTO;
	if ((r = add_array(a, &cap, a->text, &s[0], SIZE_MAX)) != 0 ||
	    (r = add_folders(a, &cap, a->text, &s[1])) != 0)
		return r;
	for (i = 0; i < a->n_recs; i++)
		a->n_direct += a->recs[i].folder == SIZE_MAX;
	if (a->n_recs > 1)
		qsort(a->recs, a->n_recs, sizeof(*a->recs), rec_cmp);
	return 0;
}

int
answer_new(struct answer **out, const void *text, size_t len, int index)
{
	struct answer *a;
	int r;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return KSM_ENOMEM;
	a->map_len = page_round(len > 0 ? len : 1);
	if ((a->text = secure_map(a->map_len)) == NULL) {
		free(a);
		return KSM_ENOMEM;
	}
	memcpy(a->text, text, len);
	a->len = len;
	if (index && (r = build_index(a)) != 0) {
		answer_free(a);
		return r;
	}
	*out = a;
	return 0;
}

size_t
answer_len(const struct answer *a)
{
	return a->len;
}

const char *
answer_text(const struct answer *a)
{
	return a->text;
}

size_t
answer_records(const struct answer *a)
{
	return a->n_recs;
}

uint64_t
answer_hash(const struct answer *a)
{
	return ksmx_fnv1a(KSMX_FNV1A_INIT, a->text, a->len);
}

/* The first index entry of uid, or SIZE_MAX. */
static size_t
find(const struct answer *a, const char *uid)
{
	size_t lo = 0, hi = a->n_recs, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(a->recs[mid].uid, uid);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->n_recs && strcmp(a->recs[lo].uid, uid) == 0 ? lo :
	    SIZE_MAX;
}

int
answer_has(const struct answer *a, const char *uid)
{
	return uid[0] != '\0' && find(a, uid) != SIZE_MAX;
}

/* Whether [p, p + n) holds the "fileUid":"<uid>" member. */
static const char *
file_member(const char *p, size_t n, const char *file_uid)
{
	char needle[MAX_UID + 16];
	int k = snprintf(needle, sizeof(needle), "\"fileUid\":\"%s\"",
	    file_uid);

	if (k <= 0 || (size_t)k >= sizeof(needle))
		return NULL;
	return memmem(p, n, needle, (size_t)k);
}

int
answer_file_record(const struct answer *a, const char *file_uid,
    char rec[MAX_UID + 1])
{
	const char *at;
	size_t i, off;

	/* the record already known: look in it alone */
	if (rec[0] != '\0' && (i = find(a, rec)) != SIZE_MAX &&
	    file_member(a->text + a->recs[i].off, a->recs[i].len,
	    file_uid) != NULL)
		return 0;
	if (file_uid[0] == '\0' || strchr(file_uid, '"') != NULL ||
	    strchr(file_uid, '\\') != NULL ||
	    (at = file_member(a->text, a->len, file_uid)) == NULL)
		return -1;
	off = (size_t)(at - a->text);
	for (i = 0; i < a->n_recs; i++)
		if (off >= a->recs[i].off && off - a->recs[i].off <
		    a->recs[i].len && a->recs[i].uid[0] != '\0') {
			memcpy(rec, a->recs[i].uid, strlen(a->recs[i].uid) + 1);
			return 0;
		}
	return -1;
}

/*
 * The index entries of every occurrence of each asked-for UID, in *picked
 * (sorted by place, then by offset: the server's order); *missing counts
 * the UIDs not held.  A UID asked twice is picked once.
 */
static int
pick_uids(const struct answer *a, const char *const *uids, size_t n_uids,
    size_t **picked, size_t *n_picked, size_t *missing)
{
	unsigned char *seen = NULL;
	size_t i, j, *v = NULL, n = 0, cap = 0, *tmp;

	*missing = 0;
	if (a->n_recs > 0 && (seen = calloc(a->n_recs, 1)) == NULL)
		return KSM_ENOMEM;
	for (i = 0; i < n_uids; i++) {
		if (uids[i][0] == '\0' || (j = find(a, uids[i])) == SIZE_MAX) {
			(*missing)++;
			continue;
		}
		for (; j < a->n_recs && strcmp(a->recs[j].uid, uids[i]) == 0;
		    j++) {
			if (seen[j])
				continue;
			seen[j] = 1;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				if ((tmp = realloc(v, cap * sizeof(*v))) ==
				    NULL) {
					free(v);
					free(seen);
					return KSM_ENOMEM;
				}
				v = tmp;
			}
			v[n++] = j;
		}
	}
	free(seen);
	*picked = v;
	*n_picked = n;
	return 0;
}

static const struct answer *sort_a;	/* qsort has no context argument */

static int
place_cmp(const void *x, const void *y)
{
	const struct rec_at *a = &sort_a->recs[*(const size_t *)x];
	const struct rec_at *b = &sort_a->recs[*(const size_t *)y];

	if (a->folder != b->folder)
		return a->folder < b->folder ? -1 : 1;
	return a->off < b->off ? -1 : a->off > b->off;
}

/* The picked records of one place, from *at on, comma-separated. */
static int
put_place(const struct answer *a, const size_t *picked, size_t n_picked,
    size_t *at, size_t folder, struct ksmx_buf *out)
{
	const struct rec_at *p;
	int first = 1, r;

	for (; *at < n_picked && (p = &a->recs[picked[*at]])->folder == folder;
	    (*at)++) {
		if ((!first && (r = ksmx_buf_putc(out, ',')) != 0) ||
		    (r = ksmx_buf_put(out, a->text + p->off, p->len)) != 0)
			return r;
		first = 0;
	}
	return 0;
}

int
answer_compose(const struct answer *a, const char *const *uids,
    size_t n_uids, struct ksmx_buf *out, size_t *missing)
{
	const struct folder_at *f;
	size_t *picked = NULL, n_picked = 0, at = 0, i;
	int r;

	*missing = 0;
	if (n_uids == 0)
		return ksmx_buf_put(out, a->text, a->len);
	if ((r = pick_uids(a, uids, n_uids, &picked, &n_picked,
	    missing)) != 0)
		return r;
	sort_a = a;
	if (n_picked > 1)
		qsort(picked, n_picked, sizeof(*picked), place_cmp);
	/* folders (0, 1, ...) sort before direct records (SIZE_MAX) */
	while (at < n_picked && a->recs[picked[at]].folder != SIZE_MAX)
		at++;
	if ((r = ksmx_buf_puts(out, "{\"records\":[")) != 0 ||
	    (r = put_place(a, picked, n_picked, &at, SIZE_MAX, out)) != 0 ||
	    (r = ksmx_buf_puts(out, "],\"folders\":[")) != 0)
		goto out;
	/*
	 * Every folder goes along, emptied of what was not asked for: a
	 * directly shared record may be keyed by a folder's key
	 * (innerFolderUid), and folders are few and small.
	 */
	at = 0;
	for (i = 0; i < a->n_folders; i++) {
		f = &a->folders[i];
		if (i > 0 && (r = ksmx_buf_putc(out, ',')) != 0)
			goto out;
		if (f->recs_len == 0) {
			if ((r = ksmx_buf_put(out, a->text + f->off,
			    f->len)) != 0)
				goto out;
			continue;
		}
		if ((r = ksmx_buf_put(out, a->text + f->off, f->recs_off -
		    f->off)) != 0 || (r = ksmx_buf_putc(out, '[')) != 0 ||
		    (r = put_place(a, picked, n_picked, &at, i, out)) != 0 ||
		    (r = ksmx_buf_putc(out, ']')) != 0 ||
		    (r = ksmx_buf_put(out, a->text + f->recs_off + f->recs_len,
		    f->off + f->len - f->recs_off - f->recs_len)) != 0)
			goto out;
	}
	r = ksmx_buf_puts(out, "]}");
out:
	free(picked);
	return r;
}
