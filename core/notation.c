#include "config.h"

/*
 * Notation against a live client: fetch the record the token names (by UID
 * first, then by title among all records), resolve with notation-eval.c,
 * download a selected file.
 */

#include <stdlib.h>
#include <string.h>

#include "client-int.h"
#include "json.h"
#include "notation-int.h"
#include "util/b64.h"

/* A fetched set seen as resolver candidates (files filled on demand). */
struct cands {
	ksm_records		*set;
	struct ksm_nrec		*recs;
	size_t			 n;
	struct ksm_nfile	*files;		/* of the picked record */
	struct cJSON		*data;		/* of the picked record */
};

static void
cands_clear(struct cands *c)
{
	ksmx_json_free(c->data);
	ksm_records_free(c->set);
	free(c->recs);
	free(c->files);
	memset(c, 0, sizeof(*c));
}

static int
fetch(struct cands *c, ksm_client *client, const char *uid)
{
	const ksm_record *r;
	size_t i;
	int rc;

	cands_clear(c);
	rc = ksm_client_get_records(&c->set, client, uid ? &uid : NULL,
	    uid ? 1 : 0);
	if (rc != 0)
		return rc;
	c->n = ksm_records_count(c->set);
	if ((c->recs = calloc(c->n + 1, sizeof(*c->recs))) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory resolving notation");
	for (i = 0; i < c->n; i++) {
		r = ksm_records_at(c->set, i);
		c->recs[i].uid = ksm_record_uid(r);
		c->recs[i].title = ksm_record_title(r);
		c->recs[i].legacy = ksm_record_is_legacy(r);
	}
	return 0;
}

static int
fill_files(struct cands *c, size_t idx)
{
	const ksm_record *r = ksm_records_at(c->set, idx);
	const ksm_file *f;
	size_t i, n = ksm_record_file_count(r);

	if ((c->files = calloc(n + 1, sizeof(*c->files))) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory resolving notation");
	for (i = 0; i < n; i++) {
		f = ksm_record_file_at(r, i);
		c->files[i].uid = ksm_file_uid(f);
		c->files[i].name = ksm_file_name(f);
		c->files[i].title = ksm_file_title(f);
	}
	c->recs[idx].files = c->files;
	c->recs[idx].n_files = n;
	return 0;
}

/*
 * The record nt's token names: a UID-shaped token is fetched alone first;
 * when that finds nothing, every record is fetched and the token matched
 * as UID or title.  On success *picked indexes c->recs and c->set.
 */
static int
find(struct cands *c, size_t *picked, ksm_client *client,
    const ksm_notation *nt)
{
	int r = KSM_ENOTFOUND;

	if (ksm_notation__uid_shaped(nt->record)) {
		r = fetch(c, client, nt->record);
		if (r == 0)
			r = ksm_notation__pick(picked, c->recs, c->n,
			    nt->record, KSM_NPICK_UID);
		if (r == KSM_ENOTFOUND &&
		    ksm_records__is_bad(c->set, nt->record)) {
			ksm__err(KSM_ECRYPTO, "record '%.64s' could not be "
			    "decrypted", nt->record);
			ksm__err_hint("the record or its folder key may be "
			    "corrupt; re-share it with the application");
			return KSM_ECRYPTO;
		}
		if (r != 0 && r != KSM_ENOTFOUND && r != KSM_ENOTSHARED)
			return r;
	}
	if (r != 0) {
		if ((r = fetch(c, client, NULL)) != 0)
			return r;
		r = ksm_notation__pick(picked, c->recs, c->n, nt->record,
		    KSM_NPICK_UID | KSM_NPICK_TITLE);
	}
	return r;
}

/* Resolve nt against the record it names (find). */
static int
resolve(struct ksm_nvalue *v, struct cands *c, size_t *picked,
    ksm_client *client, const ksm_notation *nt, enum ksm_nstyle style)
{
	int r;

	if ((r = find(c, picked, client, nt)) != 0)
		return r;
	if ((r = fill_files(c, *picked)) != 0)
		return r;
	/* only the picked record's JSON is parsed into a tree */
	if ((c->data = ksm_record__parse(ksm_records_at(c->set, *picked))) ==
	    NULL)
		return ksm__err(KSM_ENOMEM, "out of memory resolving notation");
	c->recs[*picked].data = c->data;
	return ksm_notation__eval(v, nt, &c->recs[*picked], style);
}

int
ksm_notation__record(const ksm_record **rec, ksm_records **set,
    ksm_client *client, const ksm_notation *nt)
{
	struct cands c = { 0 };
	size_t picked = 0;
	int r;

	*rec = NULL;
	*set = NULL;
	if ((r = find(&c, &picked, client, nt)) == 0) {
		if (c.recs[picked].legacy) {
			r = ksm__err(KSM_ELEGACY, "record '%.64s' is a legacy "
			    "(V2, untyped) record", c.recs[picked].uid);
			ksm__err_hint("convert it to a typed record in the "
			    "Keeper vault (Commander: convert)");
		} else {
			*rec = ksm_records_at(c.set, picked);
			*set = c.set;
			c.set = NULL;	/* transferred */
		}
	}
	cands_clear(&c);
	return r;
}

/*
 * Parse notation (with parse_ex flags) and resolve it; when it selects a
 * file, download it into *bytes.  v owns what it holds.
 */
static int
lookup(struct ksm_nvalue *v, unsigned char **bytes, size_t *len,
    ksm_client *client, const char *notation, unsigned int flags,
    enum ksm_nstyle style)
{
	struct cands c = { 0 };
	ksm_notation *nt = NULL;
	size_t picked = 0;
	int r;

	if ((r = ksm_notation_parse_ex(&nt, notation, flags)) != 0 ||
	    (r = resolve(v, &c, &picked, client, nt, style)) != 0)
		goto out;
	if (v->is_file)
		r = ksm_client_download_file(bytes, len, client,
		    ksm_record_file_at(ksm_records_at(c.set, picked),
		    v->file));
out:
	cands_clear(&c);
	ksm_notation_free(nt);
	return r;
}

int
ksm_notation_results(char ***values, size_t *n, ksm_client *client,
    const char *notation)
{
	struct ksm_nvalue v = { 0 };
	unsigned char *bytes = NULL;
	size_t len = 0;
	int r;

	KSM_ASSERT_ARG(values != NULL && n != NULL);
	*values = NULL;
	*n = 0;
	KSM_ASSERT_ARG(client != NULL && notation != NULL);
	if ((r = lookup(&v, &bytes, &len, client, notation, 0,
	    KSM_NSTYLE_LIST)) != 0)
		goto out;
	if (v.is_file) {
		if ((v.values = calloc(2, sizeof(char *))) == NULL ||
		    (v.values[0] = ksmx_b64_encode_str(bytes, len,
		    KSMX_B64_URL)) == NULL) {
			r = ksm__err(KSM_ENOMEM, "out of memory encoding file");
			goto out;
		}
		v.n = 1;
	}
	*values = v.values;	/* transferred */
	*n = v.n;
	v.values = NULL;
	v.n = 0;
out:
	ksm_bytes_free(bytes, len);
	ksm_nvalue__clear(&v);
	return r;
}

int
ksm_notation_get(char **out, size_t *out_len, ksm_client *client,
    const char *notation)
{
	struct ksm_nvalue v = { 0 };
	unsigned char *bytes = NULL;
	size_t len = 0;
	int r;

	KSM_ASSERT_ARG(out != NULL && out_len != NULL);
	*out = NULL;
	*out_len = 0;
	KSM_ASSERT_ARG(client != NULL && notation != NULL);
	if ((r = lookup(&v, &bytes, &len, client, notation,
	    KSM_NOTATION_LEGACY, KSM_NSTYLE_SINGLE)) != 0)
		goto out;
	if (v.is_file) {
		/* our own NUL-terminated copy, so every value frees alike */
		if ((v.value = malloc(len + 1)) == NULL) {
			r = ksm__err(KSM_ENOMEM, "out of memory reading file");
			goto out;
		}
		if (len > 0)
			memcpy(v.value, bytes, len);
		v.value[len] = '\0';
		v.len = len;
	}
	*out = v.value;		/* transferred */
	*out_len = v.len;
	v.value = NULL;
	v.len = 0;
out:
	ksm_bytes_free(bytes, len);
	ksm_nvalue__clear(&v);
	return r;
}

int
ksm_notation_find_record(const ksm_record **out, ksm_records **holder,
    ksm_client *client, const char *notation)
{
	ksm_notation *nt = NULL;
	int r;

	KSM_ASSERT_ARG(out != NULL && holder != NULL);
	*out = NULL;
	*holder = NULL;
	KSM_ASSERT_ARG(client != NULL && notation != NULL);
	if ((r = ksm_notation_parse_ex(&nt, notation,
	    KSM_NOTATION_LEGACY)) == 0)
		r = ksm_notation__record(out, holder, client, nt);
	ksm_notation_free(nt);
	return r;
}
