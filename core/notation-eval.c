#include "config.h"

/*
 * Notation resolver over already-decrypted record JSON: pick the record,
 * then evaluate the selector.  No I/O (files are only chosen here; the
 * caller downloads them), so the SDK vectors run against it directly.
 * Semantics: ksm-protocol.md §10.2-10.4, following the JS SDK.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "json.h"
#include "notation-int.h"

#define MAX_LISTED_UIDS	4	/* candidates named in an ambiguity message */

static const char *
rec_title(const struct ksm_nrec *r)
{
	if (r->title != NULL)
		return r->title;
	return r->data != NULL ? ksmx_json_str(r->data, "title") : NULL;
}

int
ksm_notation__pick(size_t *idx, const struct ksm_nrec *recs, size_t n,
    const char *token, unsigned int how)
{
	char list[200];
	size_t i, j, found = 0, first = 0, used = 0;
	int dup;

	*idx = 0;
	if (how & KSM_NPICK_UID) {
		for (i = 0; i < n; i++) {
			if (recs[i].uid != NULL &&
			    strcmp(recs[i].uid, token) == 0) {
				*idx = i;	/* shortcuts repeat the UID */
				return 0;
			}
		}
	}
	list[0] = '\0';
	if (how & KSM_NPICK_TITLE) {
		for (i = 0; i < n; i++) {
			const char *t = rec_title(&recs[i]);

			if (t == NULL || strcmp(t, token) != 0)
				continue;
			for (dup = 0, j = 0; j < i && !dup; j++) {
				const char *tj = rec_title(&recs[j]);

				dup = tj != NULL && strcmp(tj, token) == 0 &&
				    recs[j].uid != NULL && recs[i].uid != NULL &&
				    strcmp(recs[j].uid, recs[i].uid) == 0;
			}
			if (dup)
				continue;
			if (found == 0)
				first = i;
			if (found < MAX_LISTED_UIDS && used < sizeof(list)) {
				int w = snprintf(list + used,
				    sizeof(list) - used, "%s%s",
				    found ? ", " : "",
				    recs[i].uid ? recs[i].uid : "?");
				used += w > 0 ? (size_t)w : 0;
			}
			found++;
		}
	}
	if (found == 1) {
		*idx = first;
		return 0;
	}
	if (found > 1) {
		ksm__err(KSM_EAMBIGUOUS, "%zu records match '%.80s': %s%s",
		    found, token, list, found > MAX_LISTED_UIDS ? ", ..." : "");
		ksm__err_hint("use the record UID instead of the title");
		return KSM_EAMBIGUOUS;
	}
	ksm__err(KSM_ENOTFOUND, "no records match '%.80s'", token);
	ksm__err_hint("check the UID or the exact, case-sensitive title; a "
	    "record is only visible when it (or its shared folder) is shared "
	    "with this application in the Keeper vault");
	return KSM_ENOTFOUND;
}

void
ksm_nvalue__clear(struct ksm_nvalue *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++)
		ksmx_strfree(v->values[i]);
	free(v->values);
	if (v->value != NULL)
		ksmx_freezero(v->value, v->len + 1);
	memset(v, 0, sizeof(*v));
}

void
ksm_strings_free(char **values, size_t n)
{
	size_t i;

	if (values == NULL)
		return;
	for (i = 0; i < n; i++)
		ksmx_strfree(values[i]);
	free(values);
}

/* A value as text: strings as they are, everything else compact JSON. */
static char *
value_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return ksmx_strdup(v->valuestring);
	return ksmx_json_print(v);
}

static int
set_single(struct ksm_nvalue *out, const cJSON *v)
{
	if ((out->value = value_text(v)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory resolving notation");
	out->len = strlen(out->value);
	return 0;
}

static int
push(struct ksm_nvalue *out, const cJSON *v)
{
	if ((out->values[out->n] = value_text(v)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory resolving notation");
	out->n++;
	return 0;
}

static int
alloc_list(struct ksm_nvalue *out, size_t n)
{
	if ((out->values = calloc(n + 1, sizeof(char *))) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory resolving notation");
	return 0;
}

/* type, title, notes: list [value] unless absent; single "" if absent. */
static int
eval_plain(struct ksm_nvalue *out, const ksm_notation *nt,
    const struct ksm_nrec *rec, enum ksm_nstyle style)
{
	const char *key = nt->sel == KSM_SELECTOR_TYPE ? "type" :
	    nt->sel == KSM_SELECTOR_TITLE ? "title" : "notes";
	const cJSON *v = rec->data != NULL ?
	    cJSON_GetObjectItemCaseSensitive(rec->data, key) : NULL;
	int r;

	if (v != NULL && cJSON_IsNull(v))
		v = NULL;
	if (style == KSM_NSTYLE_SINGLE) {
		if (v != NULL)
			return set_single(out, v);
		if ((out->value = ksmx_strdup("")) == NULL)
			return ksm__err(KSM_ENOMEM, "out of memory resolving "
			    "notation");
		out->len = 0;
		return 0;
	}
	if ((r = alloc_list(out, 1)) != 0)
		return r;
	return v != NULL ? push(out, v) : 0;
}

static int
eval_file(struct ksm_nvalue *out, const ksm_notation *nt,
    const struct ksm_nrec *rec, enum ksm_nstyle style)
{
	const struct ksm_nfile *f;
	size_t i, found = 0, first = 0;

	if (rec->n_files == 0) {
		ksm__err(KSM_ENOTFOUND, "record '%s' has no file attachments",
		    rec->uid);
		ksm__err_hint("attach the file to the record in the Keeper "
		    "vault");
		return KSM_ENOTFOUND;
	}
	for (i = 0; i < rec->n_files; i++) {
		f = &rec->files[i];
		if ((f->name != NULL && strcmp(f->name, nt->param) == 0) ||
		    (f->title != NULL && strcmp(f->title, nt->param) == 0) ||
		    (f->uid != NULL && strcmp(f->uid, nt->param) == 0)) {
			if (found++ == 0)
				first = i;
		}
	}
	if (found == 0) {
		ksm__err(KSM_ENOTFOUND, "record '%s' has no file '%.80s'",
		    rec->uid, nt->param);
		ksm__err_hint("a file matches by exact name, title or file UID");
		return KSM_ENOTFOUND;
	}
	if (found > 1 && style == KSM_NSTYLE_LIST) {
		ksm__err(KSM_EAMBIGUOUS, "record '%s' has %zu files matching "
		    "'%.80s'", rec->uid, found, nt->param);
		ksm__err_hint("use the file UID");
		return KSM_EAMBIGUOUS;
	}
	out->is_file = 1;
	out->file = first;
	return 0;
}

static int
str_is(const cJSON *obj, const char *key, const char *want)
{
	const char *s = ksmx_json_str(obj, key);

	return s != NULL && strcmp(s, want) == 0;
}

int
ksm_notation__field(const cJSON **out, const ksm_notation *nt,
    const cJSON *data, const char *uid, enum ksm_nstyle style)
{
	const int custom = nt->sel == KSM_SELECTOR_CUSTOM_FIELD;
	const cJSON *sect = NULL, *f;
	size_t found = 0;

	*out = NULL;
	if (data != NULL)
		sect = cJSON_GetObjectItemCaseSensitive(data,
		    custom ? "custom" : "fields");
	if (cJSON_IsArray(sect)) {
		cJSON_ArrayForEach(f, sect) {
			if (!cJSON_IsObject(f))
				continue;
			if (!str_is(f, "type", nt->param) &&
			    !str_is(f, "label", nt->param))
				continue;
			if (found++ == 0)
				*out = f;
			if (style == KSM_NSTYLE_SINGLE)
				break;	/* legacy: first match */
		}
	}
	if (found == 0) {
		ksm__err(KSM_ENOTFOUND, "record '%s' has no %s '%.80s'",
		    uid, custom ? "custom field" : "field", nt->param);
		ksm__err_hint("%s; type and label match exactly "
		    "(case-sensitive)", custom ?
		    "custom_field/ searches the record's custom fields, "
		    "field/ its standard fields" :
		    "field/ searches the record's standard fields, "
		    "custom_field/ its custom fields");
		return KSM_ENOTFOUND;
	}
	if (found > 1) {
		*out = NULL;
		ksm__err(KSM_EAMBIGUOUS, "record '%s' has %zu %s matching "
		    "'%.80s'", uid, found, custom ? "custom fields" :
		    "fields", nt->param);
		ksm__err_hint("give the fields distinct labels in the Keeper "
		    "vault, or use the single-value form (first match)");
		return KSM_EAMBIGUOUS;
	}
	return 0;
}

static int
out_of_bounds(const ksm_notation *nt, const struct ksm_nrec *rec, int n)
{
	ksm__err(KSM_ENOTFOUND, "field index out of bounds: '%.60s[%.20s]' in "
	    "record '%s' has %d value%s", nt->param, nt->index1, rec->uid, n,
	    n == 1 ? "" : "s");
	ksm__err_hint("indexes start at 0; use [] for all values");
	return KSM_ENOTFOUND;
}

static int
no_property(const ksm_notation *nt, const struct ksm_nrec *rec)
{
	ksm__err(KSM_ENOTFOUND, "value of '%.60s' in record '%s' has no "
	    "property '%.60s'", nt->param, rec->uid, nt->index2);
	ksm__err_hint("property names are case-sensitive, e.g. "
	    "name[0][first], phone[0][number], host[0][hostName]");
	return KSM_ENOTFOUND;
}

/* A property of an object value, or NULL. */
static const cJSON *
property(const cJSON *v, const char *name)
{
	if (!cJSON_IsObject(v))
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(v, name);
}

static int
eval_field_list(struct ksm_nvalue *out, const ksm_notation *nt,
    const struct ksm_nrec *rec, const cJSON *values, int nvals)
{
	const int want_prop = nt->index2 != NULL && nt->index2[0] != '\0';
	const cJSON *v, *pv;
	int i, lo = 0, hi = nvals, r;

	if (nt->has_idx) {
		if (nt->idx >= (size_t)nvals)
			return out_of_bounds(nt, rec, nvals);
		lo = (int)nt->idx;
		hi = lo + 1;
	}
	if ((r = alloc_list(out, (size_t)(hi - lo))) != 0)
		return r;
	for (i = lo; i < hi; i++) {
		v = cJSON_GetArrayItem(values, i);
		if (!want_prop) {
			if ((r = push(out, v)) != 0)
				return r;
			continue;
		}
		/* values without the property are skipped, as in the SDKs */
		if ((pv = property(v, nt->index2)) != NULL &&
		    (r = push(out, pv)) != 0)
			return r;
	}
	return 0;
}

/* JS getValue: see docs/notation.md "single-value style". */
static int
eval_field_single(struct ksm_nvalue *out, const ksm_notation *nt,
    const struct ksm_nrec *rec, const cJSON *values, int nvals)
{
	const int want_prop = nt->index2 != NULL && nt->index2[0] != '\0';
	const cJSON *v;
	int i;

	if (nt->index1 == NULL) {
		if (nvals == 0) {
			ksm__err(KSM_ENOTFOUND, "field '%.80s' in record '%s' "
			    "has no value", nt->param, rec->uid);
			return KSM_ENOTFOUND;
		}
		return set_single(out, cJSON_GetArrayItem(values, 0));
	}
	if (!nt->has_idx) {		/* [] or a legacy [property] */
		if (!want_prop)
			return set_single(out, values);
		i = 0;
	} else {
		if (nt->idx >= (size_t)nvals)
			return out_of_bounds(nt, rec, nvals);
		i = (int)nt->idx;
	}
	v = cJSON_GetArrayItem(values, i);
	if (!want_prop) {
		if (v == NULL)
			return out_of_bounds(nt, rec, nvals);
		return set_single(out, v);
	}
	if ((v = property(v, nt->index2)) == NULL)
		return no_property(nt, rec);
	return set_single(out, v);
}

int
ksm_notation__eval(struct ksm_nvalue *out, const ksm_notation *nt,
    const struct ksm_nrec *rec, enum ksm_nstyle style)
{
	static const cJSON empty = { .type = cJSON_Array };
	const cJSON *field, *values;
	struct ksm_nrec rc = *rec;
	int nvals, r;

	memset(out, 0, sizeof(*out));
	if (rc.uid == NULL)
		rc.uid = "?";
	rec = &rc;
	if (rec->legacy) {
		ksm__err(KSM_ELEGACY, "record '%s' is a legacy (V2, untyped) "
		    "record", rec->uid);
		ksm__err_hint("convert it to a typed record in the Keeper vault "
		    "(Commander: convert)");
		return KSM_ELEGACY;
	}
	switch (nt->sel) {
	case KSM_SELECTOR_TYPE:
	case KSM_SELECTOR_TITLE:
	case KSM_SELECTOR_NOTES:
		r = eval_plain(out, nt, rec, style);
		break;
	case KSM_SELECTOR_FILE:
		r = eval_file(out, nt, rec, style);
		break;
	case KSM_SELECTOR_FIELD:
	case KSM_SELECTOR_CUSTOM_FIELD:
		if ((r = ksm_notation__field(&field, nt, rec->data, rec->uid,
		    style)) != 0)
			break;
		values = cJSON_GetObjectItemCaseSensitive(field, "value");
		if (!cJSON_IsArray(values))
			values = &empty;	/* no values */
		nvals = cJSON_GetArraySize(values);
		if (nvals < 0)
			nvals = 0;
		if (style == KSM_NSTYLE_LIST)
			r = eval_field_list(out, nt, rec, values, nvals);
		else
			r = eval_field_single(out, nt, rec, values, nvals);
		break;
	default:
		r = ksm__err(KSM_EINVAL, "invalid argument: 'nt->sel'");
		break;
	}
	if (r != 0)
		ksm_nvalue__clear(out);
	return r;
}
