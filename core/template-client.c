#include "config.h"

/*
 * The template resolver on a ksm_client: prepare fetches every record the
 * template names in one get_secret call, resolve evaluates each notation
 * against that set with the notation code, as ksm_notation_get() does
 * (single-value reading), and downloads attachments.  On a record set
 * already in hand (keeper-agent's), the same resolver with no client:
 * nothing is fetched, and attachments come from the caller's function
 * (ksm_template__records_files), or are refused.
 */

#include <stdlib.h>
#include <string.h>

#include "client-int.h"
#include "notation-int.h"
#include "template.h"

/* A record of the set by UID. */
struct uid_ent {
	const char	*uid;
	size_t		 idx;		/* in c.recs */
};

struct ksm_template_client {
	ksm_client		*client;	/* borrowed; NULL: a set in hand */
	struct ksm_ncands	 c;		/* the set of the last prepare */
	struct uid_ent		*by_uid;	/* c's records sorted by UID */
	ksm_template_file_fn	 file_get;	/* a set in hand's attachments */
	void			*file_ctx;
};

int
ksm_template__client_new(struct ksm_template_client **out,
    ksm_client *client)
{
	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	KSM_ASSERT_ARG(client != NULL);
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	(*out)->client = client;
	return 0;
}

static int index_by_uid(struct ksm_template_client *tc);

int
ksm_template__records_new(struct ksm_template_client **out,
    const ksm_records *set)
{
	int r;

	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	KSM_ASSERT_ARG(set != NULL);
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	if ((r = ksm_ncands__from_set(&(*out)->c, set)) != 0 ||
	    (r = index_by_uid(*out)) != 0) {
		ksm_template__client_free(*out);
		*out = NULL;
	}
	return r;
}

void
ksm_template__records_files(struct ksm_template_client *tc,
    ksm_template_file_fn get, void *ctx)
{
	tc->file_get = get;
	tc->file_ctx = ctx;
}

static void
tc_clear(struct ksm_template_client *tc)
{
	ksm_ncands__clear(&tc->c);
	free(tc->by_uid);
	tc->by_uid = NULL;
}

void
ksm_template__client_free(struct ksm_template_client *tc)
{
	if (tc == NULL)
		return;
	tc_clear(tc);
	free(tc);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
by_uid(const void *a, const void *b)
{
	return strcmp(((const struct uid_ent *)a)->uid,
	    ((const struct uid_ent *)b)->uid);
}

/*
 * The distinct UID-shaped record tokens of the notations (a token that
 * is not UID-shaped, or a notation that does not parse, sets *all).
 */
static int
collect_uids(const char ***out, size_t *n_out, int *all,
    const char *const *notations, size_t n)
{
	ksm_notation **nts = NULL;
	const char **uids = NULL;
	size_t i, k = 0, m = 0;
	int r = 0;

	*out = NULL;
	*n_out = 0;
	*all = 0;
	if ((nts = calloc(n + 1, sizeof(*nts))) == NULL ||
	    (uids = calloc(n + 1, sizeof(*uids))) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n && !*all; i++) {
		if (ksm_notation_parse_ex(&nts[i], notations[i],
		    KSM_NOTATION_LEGACY) != 0 ||
		    !ksm_notation__uid_shaped(nts[i]->record))
			*all = 1;
		else
			uids[k++] = nts[i]->record;
	}
	if (!*all && k > 0) {
		qsort(uids, k, sizeof(*uids), cmp_str);
		for (i = 0; i < k; i++)
			if (m == 0 || strcmp(uids[i], uids[m - 1]) != 0)
				uids[m++] = uids[i];
		/* copies: the parsed notations go away */
		for (i = 0; i < m; i++)
			if ((uids[i] = ksmx_strdup(uids[i])) == NULL) {
				m = i;
				r = ksm__err(KSM_ENOMEM, "out of memory");
				goto out;
			}
	}
	*out = uids;
	*n_out = m;
	uids = NULL;		/* transferred */
 out:
	for (i = 0; i < n && nts != NULL; i++)
		ksm_notation_free(nts[i]);
	free(nts);
	if (uids != NULL) {
		for (i = 0; i < m; i++)
			free((char *)uids[i]);
		free(uids);
	}
	return r;
}

static int
index_by_uid(struct ksm_template_client *tc)
{
	size_t i;

	free(tc->by_uid);
	if ((tc->by_uid = calloc(tc->c.n + 1, sizeof(*tc->by_uid))) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	for (i = 0; i < tc->c.n; i++) {
		tc->by_uid[i].uid = tc->c.recs[i].uid;
		tc->by_uid[i].idx = i;
	}
	qsort(tc->by_uid, tc->c.n, sizeof(*tc->by_uid), by_uid);
	return 0;
}

/* The record with this UID in the set, through the index. */
static int
find_uid(size_t *idx, const struct ksm_template_client *tc, const char *uid)
{
	struct uid_ent key = { uid, 0 }, *e;

	e = bsearch(&key, tc->by_uid, tc->c.n, sizeof(*tc->by_uid), by_uid);
	if (e == NULL)
		return 0;
	*idx = e->idx;
	return 1;
}

/*
 * One get_secret call: the records named by UID, or every record when a
 * notation names one by title.  A UID the answer lacks may be a title
 * that looks like a UID: then every record is fetched (a second call,
 * only on that path), as ksm_notation_get() does.
 */
static int
tc_prepare(void *ctx, const char *const *notations, size_t n)
{
	struct ksm_template_client *tc = ctx;
	const char **uids = NULL;
	size_t i, m = 0, idx;
	int r, all;

	if (tc->client == NULL)
		return 0;	/* the set in hand is all there is */
	tc_clear(tc);
	if ((r = collect_uids(&uids, &m, &all, notations, n)) != 0)
		goto out;
	if ((r = ksm_ncands__fetch(&tc->c, tc->client, all ? NULL : uids,
	    all ? 0 : m)) != 0 ||
	    (r = index_by_uid(tc)) != 0)
		goto out;
	for (i = 0; i < m && !all; i++)
		if (!find_uid(&idx, tc, uids[i]) &&
		    !ksm_records__is_bad(tc->c.set, uids[i]))
			all = 1;
	if (all && m > 0 &&
	    ((r = ksm_ncands__fetch(&tc->c, tc->client, NULL, 0)) != 0 ||
	    (r = index_by_uid(tc)) != 0))
		goto out;
 out:
	for (i = 0; i < m; i++)
		free((char *)uids[i]);
	free(uids);
	if (r != 0)
		tc_clear(tc);
	return r;
}

/* The record a token names: by UID through the index, else as the SDKs. */
static int
tc_pick(size_t *idx, const struct ksm_template_client *tc, const char *token)
{
	if (find_uid(idx, tc, token))
		return 0;
	return ksm_ncands__pick(idx, &tc->c, token,
	    KSM_NPICK_UID | KSM_NPICK_TITLE);
}

/* An attachment, NUL-terminated like every other value. */
static int
download(unsigned char **value, size_t *len,
    const struct ksm_template_client *tc, size_t idx, size_t file)
{
	const ksm_file *f = ksm_record_file_at(ksm_records_at(tc->c.set, idx),
	    file);
	unsigned char *bytes = NULL;
	size_t n = 0;
	int r;

	if (tc->client != NULL)
		r = ksm_client_download_file(&bytes, &n, tc->client, f);
	else if (tc->file_get != NULL)
		r = tc->file_get(tc->file_ctx, f, &bytes, &n);
	else {
		(void)ksm__err(KSM_EINVAL, "record '%.64s': attachments are "
		    "not rendered from a record set in hand",
		    tc->c.recs[idx].uid);
		ksm__err_hint("render attachments with keeper-secret inject");
		return KSM_EINVAL;
	}
	if (r != 0)
		return r;
	if ((*value = malloc(n + 1)) == NULL) {
		ksm_bytes_free(bytes, n);
		return ksm__err(KSM_ENOMEM, "out of memory reading file");
	}
	if (n > 0)
		memcpy(*value, bytes, n);
	(*value)[n] = '\0';
	*len = n;
	ksm_bytes_free(bytes, n);
	return 0;
}

static int
tc_resolve(void *ctx, const char *notation, unsigned char **value,
    size_t *len)
{
	struct ksm_template_client *tc = ctx;
	struct ksm_nvalue v = { 0 };
	ksm_notation *nt = NULL;
	size_t idx;
	int r;

	*value = NULL;
	*len = 0;
	if (tc->by_uid == NULL)
		return ksm__err(KSM_EINVAL, "the template resolver was not "
		    "prepared");
	if ((r = ksm_notation_parse_ex(&nt, notation,
	    KSM_NOTATION_LEGACY)) != 0 ||
	    (r = tc_pick(&idx, tc, nt->record)) != 0 ||
	    (r = ksm_ncands__prepare(&tc->c, idx)) != 0 ||
	    (r = ksm_notation__eval(&v, nt, &tc->c.recs[idx],
	    KSM_NSTYLE_SINGLE)) != 0)
		goto out;
	if (v.is_file) {
		r = download(value, len, tc, idx, v.file);
		goto out;
	}
	*value = (unsigned char *)v.value;	/* transferred */
	*len = v.len;
	v.value = NULL;
	v.len = 0;
 out:
	ksm_nvalue__clear(&v);
	ksm_notation_free(nt);
	return r;
}

void
ksm_template__client_resolver(struct ksm_template_resolver *rs,
    struct ksm_template_client *tc)
{
	rs->prepare = tc_prepare;
	rs->resolve = tc_resolve;
	rs->ctx = tc;
}
