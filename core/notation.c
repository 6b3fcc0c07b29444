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

void
ksm_ncands__clear(struct ksm_ncands *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (c->data != NULL)
			ksmx_json_free(c->data[i]);
		if (c->files != NULL)
			free(c->files[i]);
	}
	free(c->data);
	free(c->files);
	if (!c->borrowed)
		ksm_records_free((ksm_records *)c->set);
	free(c->recs);
	memset(c, 0, sizeof(*c));
}

/* c's candidates from its set: UID, title and legacy of each record. */
static int
ncands_fill(struct ksm_ncands *c)
{
	const ksm_record *r;
	size_t i, n = ksm_records_count(c->set);

	if ((c->recs = calloc(n + 1, sizeof(*c->recs))) == NULL ||
	    (c->data = calloc(n + 1, sizeof(*c->data))) == NULL ||
	    (c->files = calloc(n + 1, sizeof(*c->files))) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory resolving notation");
	c->n = n;
	for (i = 0; i < n; i++) {
		r = ksm_records_at(c->set, i);
		c->recs[i].uid = ksm_record_uid(r);
		c->recs[i].title = ksm_record_title(r);
		c->recs[i].legacy = ksm_record_is_legacy(r);
	}
	return 0;
}

int
ksm_ncands__fetch(struct ksm_ncands *c, ksm_client *client,
    const char *const *uids, size_t n_uids)
{
	ksm_records *set = NULL;
	int rc;

	ksm_ncands__clear(c);
	if ((rc = ksm_client_get_records(&set, client, uids, n_uids)) != 0)
		return rc;
	c->set = set;
	return ncands_fill(c);
}

int
ksm_ncands__from_set(struct ksm_ncands *c, const ksm_records *set)
{
	ksm_ncands__clear(c);
	c->set = set;
	c->borrowed = 1;
	return ncands_fill(c);
}

int
ksm_ncands__prepare(struct ksm_ncands *c, size_t idx)
{
	const ksm_record *r = ksm_records_at(c->set, idx);
	struct ksm_nfile *files;
	const ksm_file *f;
	size_t i, n = ksm_record_file_count(r);

	if (c->data[idx] != NULL)
		return 0;
	if (c->files[idx] == NULL) {
		if ((files = calloc(n + 1, sizeof(*files))) == NULL)
			return ksm__err(KSM_ENOMEM, "out of memory resolving "
			    "notation");
		for (i = 0; i < n; i++) {
			f = ksm_record_file_at(r, i);
			files[i].uid = ksm_file_uid(f);
			files[i].name = ksm_file_name(f);
			files[i].title = ksm_file_title(f);
		}
		c->files[idx] = files;
		c->recs[idx].files = files;
		c->recs[idx].n_files = n;
	}
	/* only a record that is asked for is parsed into a tree */
	if ((c->data[idx] = ksm_record__parse(r)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory resolving notation");
	c->recs[idx].data = c->data[idx];
	return 0;
}

int
ksm_ncands__pick(size_t *idx, const struct ksm_ncands *c, const char *token,
    unsigned int how)
{
	int r = ksm_notation__pick(idx, c->recs, c->n, token, how);

	if (r == KSM_ENOTFOUND && ksm_records__is_bad(c->set, token)) {
		ksm__err(KSM_ECRYPTO, "record '%.64s' could not be decrypted",
		    token);
		ksm__err_hint("the record or its folder key may be corrupt; "
		    "re-share it with the application");
		return KSM_ECRYPTO;
	}
	return r;
}

/*
 * The record nt's token names: a UID-shaped token is fetched alone first;
 * when that finds nothing, every record is fetched and the token matched
 * as UID or title.  On success *picked indexes c->recs and c->set.
 */
static int
find(struct ksm_ncands *c, size_t *picked, ksm_client *client,
    const ksm_notation *nt)
{
	int r = KSM_ENOTFOUND;

	if (ksm_notation__uid_shaped(nt->record)) {
		const char *uid = nt->record;

		r = ksm_ncands__fetch(c, client, &uid, 1);
		if (r == 0)
			r = ksm_ncands__pick(picked, c, nt->record,
			    KSM_NPICK_UID);
		if (r != 0 && r != KSM_ENOTFOUND && r != KSM_ENOTSHARED)
			return r;
	}
	if (r != 0) {
		if ((r = ksm_ncands__fetch(c, client, NULL, 0)) != 0)
			return r;
		r = ksm_ncands__pick(picked, c, nt->record,
		    KSM_NPICK_UID | KSM_NPICK_TITLE);
	}
	return r;
}

/* Resolve nt against the record it names (find). */
static int
resolve(struct ksm_nvalue *v, struct ksm_ncands *c, size_t *picked,
    ksm_client *client, const ksm_notation *nt, enum ksm_nstyle style)
{
	int r;

	if ((r = find(c, picked, client, nt)) != 0)
		return r;
	if ((r = ksm_ncands__prepare(c, *picked)) != 0)
		return r;
	return ksm_notation__eval(v, nt, &c->recs[*picked], style);
}

int
ksm_notation__record(const ksm_record **rec, ksm_records **set,
    ksm_client *client, const ksm_notation *nt)
{
	struct ksm_ncands c = { 0 };
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
			*set = (ksm_records *)c.set;	/* fetched: ours */
			c.set = NULL;	/* transferred */
		}
	}
	ksm_ncands__clear(&c);
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
	struct ksm_ncands c = { 0 };
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
	ksm_ncands__clear(&c);
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
