#include "config.h"

/*
 * The record set: filling it (one record per UID, the first occurrence
 * winning, failures remembered by UID), legacy detection (§9.3), freeing,
 * and the borrowed getters of include/ksm/record.h.  Where the records
 * come from is elsewhere: records-decrypt.c (Keeper's answer) and
 * records-opened.c (keeper-agent's).
 */

#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "client-int.h"
#include "json.h"
#include "records-int.h"

/* a JSON array, or NULL (so a non-array is iterated as empty) */
const cJSON *
ksm_records__array_of(const cJSON *a)
{
	return cJSON_IsArray(a) ? a : NULL;
}

size_t
ksm_records__array_size(const cJSON *a)
{
	return cJSON_IsArray(a) ? (size_t)cJSON_GetArraySize(a) : 0;
}


static void
file_clear(ksm_file *f)
{
	ksmx_strfree(f->uid);
	ksmx_strfree(f->name);
	ksmx_strfree(f->title);
	ksmx_strfree(f->mime);
	ksmx_strfree(f->url);
	ksmx_wipe(f, sizeof(*f));
}

static void
record_clear(ksm_record *r)
{
	size_t i;

	ksmx_strfree(r->uid);
	ksmx_strfree(r->folder_uid);
	ksmx_strfree(r->json);
	ksmx_strfree(r->type);
	ksmx_strfree(r->title);
	ksmx_strfree(r->notes);
	for (i = 0; i < r->n_files; i++)
		file_clear(&r->files[i]);
	free(r->files);
	ksmx_wipe(r, sizeof(*r));
}

void
ksm_records_free(ksm_records *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		record_clear(&set->v[i]);
	free(set->v);
	for (i = 0; i < set->n_bad; i++)
		free(set->bad[i]);
	free(set->bad);
	free(set->seen_tab);
	free(set);
}


/* §9.3: no type/fields, or V2 keys present. */
static int
is_legacy(const cJSON *data)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(data, "type");
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(data, "fields");

	if (!cJSON_IsString(type) || type->valuestring[0] == '\0')
		return 1;
	if (fields == NULL || cJSON_IsNull(fields))
		return 1;
	return cJSON_HasObjectItem(data, "secret1") ||
	    cJSON_HasObjectItem(data, "secret2") ||
	    cJSON_HasObjectItem(data, "link");
}

static size_t
uid_hash(const char *s)
{
	size_t h = 2166136261u;		/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Remember uid (borrowed; lives as long as the set) for seen(). */
static void
mark_seen(ksm_records *set, const char *uid)
{
	size_t i;

	if (set->seen_tab == NULL)
		return;
	for (i = uid_hash(uid) & set->seen_mask; set->seen_tab[i] != NULL;
	    i = (i + 1) & set->seen_mask)
		if (strcmp(set->seen_tab[i], uid) == 0)
			return;
	set->seen_tab[i] = uid;
}

static int
seen(const ksm_records *set, const char *uid)
{
	size_t i;

	if (set->seen_tab != NULL) {	/* O(1): 10,000 records stay fast */
		for (i = uid_hash(uid) & set->seen_mask;
		    set->seen_tab[i] != NULL; i = (i + 1) & set->seen_mask)
			if (strcmp(set->seen_tab[i], uid) == 0)
				return 1;
		return 0;
	}
	for (i = 0; i < set->n; i++)
		if (strcmp(set->v[i].uid, uid) == 0)
			return 1;
	for (i = 0; i < set->n_bad; i++)
		if (strcmp(set->bad[i], uid) == 0)
			return 1;
	return 0;
}

static int
remember_bad(ksm_records *set, const char *uid)
{
	if (set->n_bad >= set->bad_alloc)
		return KSM_ERROR;	/* sized up front; cannot happen */
	if ((set->bad[set->n_bad] = strdup(uid)) == NULL)
		return KSM_ENOMEM;
	mark_seen(set, set->bad[set->n_bad]);
	set->n_bad++;
	return 0;
}


static char *
dup_or(const char *s, const char *dflt)
{
	s = s != NULL ? s : dflt;
	return s != NULL ? ksmx_strdup(s) : NULL;
}

int
ksm_records__alloc(ksm_records **out, size_t n)
{
	ksm_records *set;
	size_t k;

	*out = NULL;
	if ((set = calloc(1, sizeof(*set))) == NULL ||
	    (n > 0 && (set->v = calloc(n, sizeof(ksm_record))) == NULL) ||
	    (n > 0 && (set->bad = calloc(n, sizeof(char *))) == NULL)) {
		ksm_records_free(set);
		return KSM_ENOMEM;
	}
	set->alloc = set->bad_alloc = n;
	/* a UID set for the duplicate check (without it: linear, O(n^2)) */
	for (k = 16; k < 2 * n; k *= 2)
		;
	if ((set->seen_tab = calloc(k, sizeof(*set->seen_tab))) != NULL)
		set->seen_mask = k - 1;
	*out = set;
	return 0;
}

int
ksm_records__seen(const ksm_records *set, const char *uid)
{
	return seen(set, uid);
}

int
ksm_records__add_bad(ksm_records *set, const char *uid)
{
	return remember_bad(set, uid);
}

int
ksm_records__add(ksm_records *set, ksm_record **out, const char *uid,
    const char *folder_uid, const unsigned char key[KSM_AES_KEY_LEN],
    const cJSON *data, size_t text_len, int revision, int editable,
    size_t n_files)
{
	ksm_record *rec;
	const char *notes = ksmx_json_str(data, "notes");

	*out = NULL;
	if (set->n >= set->alloc)
		return KSM_ERROR;	/* sized up front */
	rec = &set->v[set->n];
	memset(rec, 0, sizeof(*rec));
	memcpy(rec->key, key, KSM_AES_KEY_LEN);
	rec->legacy = is_legacy(data);
	rec->revision = revision;
	rec->editable = editable;
	if ((rec->uid = ksmx_strdup(uid)) == NULL ||
	    (folder_uid != NULL &&
	    (rec->folder_uid = ksmx_strdup(folder_uid)) == NULL) ||
	    (rec->json = ksmx_json_print_sized(data, text_len)) == NULL ||
	    (rec->type = dup_or(rec->legacy ? "" :
	    ksmx_json_str(data, "type"), "")) == NULL ||
	    (rec->title = dup_or(ksmx_json_str(data, "title"), "")) == NULL ||
	    (notes != NULL && (rec->notes = ksmx_strdup(notes)) == NULL) ||
	    (n_files > 0 && (rec->files = calloc(n_files,
	    sizeof(ksm_file))) == NULL)) {
		record_clear(rec);
		return KSM_ENOMEM;
	}
	rec->files_alloc = n_files;
	mark_seen(set, rec->uid);
	set->n++;
	*out = rec;
	return 0;
}

int
ksm_records__add_file(ksm_record *rec, const char *uid, const char *name,
    const char *title, const char *mime, const char *url,
    unsigned long long size, const unsigned char key[KSM_AES_KEY_LEN])
{
	ksm_file *f;

	if (rec->n_files >= rec->files_alloc)
		return KSM_ERROR;	/* sized up front */
	f = &rec->files[rec->n_files];
	memset(f, 0, sizeof(*f));
	memcpy(f->key, key, KSM_AES_KEY_LEN);
	f->size = size;
	if ((f->uid = ksmx_strdup(uid)) == NULL ||
	    (f->name = dup_or(name, "")) == NULL ||
	    (f->title = dup_or(title, "")) == NULL ||
	    (f->mime = dup_or(mime, "application/octet-stream")) == NULL ||
	    (f->url = dup_or(url, "")) == NULL) {
		file_clear(f);
		return KSM_ENOMEM;
	}
	rec->n_files++;
	return 0;
}

void
ksm_records__done(ksm_records *set)
{
	free(set->seen_tab);
	set->seen_tab = NULL;
	set->seen_mask = 0;
}

int
ksm_records__is_bad(const ksm_records *set, const char *uid)
{
	size_t i;

	for (i = 0; set != NULL && uid != NULL && i < set->n_bad; i++)
		if (strcmp(set->bad[i], uid) == 0)
			return 1;
	return 0;
}

size_t
ksm_records_count(const ksm_records *set)
{
	return set != NULL ? set->n : 0;
}

const ksm_record *
ksm_records_at(const ksm_records *set, size_t i)
{
	return set != NULL && i < set->n ? &set->v[i] : NULL;
}

const ksm_record *
ksm_records_find(const ksm_records *set, const char *uid)
{
	size_t i;

	for (i = 0; set != NULL && uid != NULL && i < set->n; i++)
		if (strcmp(set->v[i].uid, uid) == 0)
			return &set->v[i];
	return NULL;
}

const char *
ksm_record_uid(const ksm_record *r)
{
	return r != NULL ? r->uid : NULL;
}

const char *
ksm_record_type(const ksm_record *r)
{
	return r != NULL ? r->type : NULL;
}

const char *
ksm_record_title(const ksm_record *r)
{
	return r != NULL ? r->title : NULL;
}

const char *
ksm_record_notes(const ksm_record *r)
{
	return r != NULL ? r->notes : NULL;
}

const char *
ksm_record_json(const ksm_record *r)
{
	return r != NULL ? r->json : NULL;
}

const char *
ksm_record_folder_uid(const ksm_record *r)
{
	return r != NULL ? r->folder_uid : NULL;
}

int
ksm_record_is_legacy(const ksm_record *r)
{
	return r != NULL && r->legacy;
}

int
ksm_record_revision(const ksm_record *r)
{
	return r != NULL ? r->revision : 0;
}

int
ksm_record_is_editable(const ksm_record *r)
{
	return r != NULL && r->editable;
}

size_t
ksm_record_file_count(const ksm_record *r)
{
	return r != NULL ? r->n_files : 0;
}

const ksm_file *
ksm_record_file_at(const ksm_record *r, size_t i)
{
	return r != NULL && i < r->n_files ? &r->files[i] : NULL;
}

const char *
ksm_file_uid(const ksm_file *f)
{
	return f != NULL ? f->uid : NULL;
}

const char *
ksm_file_name(const ksm_file *f)
{
	return f != NULL ? f->name : NULL;
}

const char *
ksm_file_title(const ksm_file *f)
{
	return f != NULL ? f->title : NULL;
}

const char *
ksm_file_mime_type(const ksm_file *f)
{
	return f != NULL ? f->mime : NULL;
}

unsigned long long
ksm_file_size(const ksm_file *f)
{
	return f != NULL ? f->size : 0;
}

cJSON *
ksm_record__parse(const ksm_record *r)
{
	if (r == NULL || r->json == NULL)
		return NULL;
	return ksmx_json_parse(r->json, strlen(r->json));
}

const unsigned char *
ksm_record__key(const ksm_record *r)
{
	return r != NULL ? r->key : NULL;
}

const unsigned char *
ksm_file__key(const ksm_file *f)
{
	return f != NULL ? f->key : NULL;
}

const char *
ksm_file__url(const ksm_file *f)
{
	return f != NULL ? f->url : NULL;
}
