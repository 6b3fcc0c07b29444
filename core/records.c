#include "config.h"

/*
 * Decrypting a get_secret response (ksm-protocol.md §8): the key hierarchy
 * appKey -> folderKey -> recordKey -> data / fileKey -> file meta, legacy
 * detection (§9.3), and the borrowed getters of include/ksm/record.h.
 * A record that fails to decrypt is skipped but remembered by UID.
 */

#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "client-int.h"
#include "json.h"
#include "util/b64.h"
#include "records-int.h"

struct ksm_file {
	char		*uid;
	char		*name;
	char		*title;
	char		*mime;
	char		*url;
	unsigned long long size;
	unsigned char	 key[KSM_AES_KEY_LEN];
};

struct ksm_record {
	char		*uid;
	char		*folder_uid;	/* NULL: shared directly */
	/*
	 * The decrypted record JSON is kept as compact text only and parsed
	 * again where a tree is needed (ksm_record__parse): 10,000 parsed
	 * trees would triple `keeper-secret list`'s peak memory.
	 */
	char		*json;
	char		*type;		/* "" if legacy */
	char		*title;		/* "" if none */
	char		*notes;		/* NULL if none */
	int		 revision;
	int		 legacy;
	int		 editable;	/* isEditable */
	unsigned char	 key[KSM_AES_KEY_LEN];
	ksm_file	*files;
	size_t		 n_files;
};

struct ksm_records {
	ksm_record	*v;
	size_t		 n, alloc;
	char		**bad;		/* UIDs that failed to decrypt */
	size_t		 n_bad, bad_alloc;
	const char	**seen_tab;	/* while loading: UIDs of v and bad */
	size_t		 seen_mask;	/* (open addressing, slots - 1) */
};

/* A decrypted shared folder key, for records[].innerFolderUid. */
struct folder_key {
	const char	*uid;		/* borrowed from the response tree */
	unsigned char	 key[KSM_AES_KEY_LEN];
	int		 ok;
};

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

/* Decrypt the base64 text b64 under key into out (appended). */
int
ksm_records__decrypt_b64(struct ksmx_buf *out, const unsigned char *key,
    const char *b64, int cbc)
{
	struct ksmx_buf ct = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	size_t n;
	int r;

	if (b64 == NULL || b64[0] == '\0')
		return KSM_EPROTO;
	n = strlen(b64);
	/* one allocation, not a doubling series (a hint: errors come below) */
	(void)ksmx_buf_reserve(&ct, n / 4 * 3 + 3);
	if ((r = ksmx_b64_decode(&ct, b64, n)) == 0)
		r = cbc ? ksm_crypto__cbc_decrypt(out, key, ct.d, ct.len) :
		    ksm_crypto__gcm_decrypt(out, key, ct.d, ct.len);
	ksmx_buf_clear(&ct);
	return r;
}

/* Unwrap a 32-byte key encrypted under kek. */
int
ksm_records__unwrap_key(unsigned char out[KSM_AES_KEY_LEN], const unsigned char *kek,
    const char *b64)
{
	struct ksmx_buf pt = KSMX_BUF_INIT(256);
	int r;

	if ((r = ksm_records__decrypt_b64(&pt, kek, b64, 0)) == 0 &&
	    pt.len != KSM_AES_KEY_LEN)
		r = KSM_ECRYPTO;
	if (r == 0)
		memcpy(out, pt.d, KSM_AES_KEY_LEN);
	ksmx_buf_clear(&pt);
	return r;
}

/*
 * Decrypt base64 b64 under key and parse the (space-padded) JSON object;
 * *text_len (when not NULL) is the length of its text.
 */
static int
decrypt_json(cJSON **out, size_t *text_len, const unsigned char *key,
    const char *b64)
{
	struct ksmx_buf pt = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	int r;

	*out = NULL;
	if ((r = ksm_records__decrypt_b64(&pt, key, b64, 0)) == 0) {
		*out = ksmx_json_parse(pt.d, pt.len);
		if (text_len != NULL)
			*text_len = pt.len;
		if (*out != NULL && !cJSON_IsObject(*out)) {
			ksmx_json_free(*out);
			*out = NULL;
		}
		if (*out == NULL)
			r = KSM_EPROTO;
	}
	ksmx_buf_clear(&pt);
	return r;
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

static char *
dup_or_empty(const char *s)
{
	return ksmx_strdup(s != NULL ? s : "");
}

/* One files[] entry; KSM_ECRYPTO/EPROTO to skip it, ENOMEM to stop. */
static int
file_load(ksm_file *f, const cJSON *jf, const unsigned char *record_key)
{
	cJSON *meta = NULL;
	const cJSON *size;
	const char *uid = ksmx_json_str(jf, "fileUid");
	int r;

	memset(f, 0, sizeof(*f));
	if (uid == NULL)
		return KSM_EPROTO;
	if ((r = ksm_records__unwrap_key(f->key, record_key,
	    ksmx_json_str(jf, "fileKey"))) != 0 ||
	    (r = decrypt_json(&meta, NULL, f->key,
	    ksmx_json_str(jf, "data"))) != 0)
		goto out;
	size = cJSON_GetObjectItemCaseSensitive(meta, "size");
	if (cJSON_IsNumber(size) && size->valuedouble > 0)
		f->size = (unsigned long long)size->valuedouble;
	f->uid = ksmx_strdup(uid);
	f->name = dup_or_empty(ksmx_json_str(meta, "name"));
	f->title = dup_or_empty(ksmx_json_str(meta, "title"));
	f->mime = ksmx_strdup(ksmx_json_str(meta, "type") != NULL ?
	    ksmx_json_str(meta, "type") : "application/octet-stream");
	f->url = dup_or_empty(ksmx_json_str(jf, "url"));
	if (f->uid == NULL || f->name == NULL || f->title == NULL ||
	    f->mime == NULL || f->url == NULL)
		r = KSM_ENOMEM;
out:
	ksmx_json_free(meta);
	if (r != 0)
		file_clear(f);
	return r;
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

/*
 * rec's owned strings, from its decrypted data (text_len: the length of
 * the text it was parsed from); 0 or KSM_ENOMEM.
 */
static int
record_strings(ksm_record *rec, const cJSON *data, size_t text_len,
    const char *uid, const char *folder_uid)
{
	const char *notes = ksmx_json_str(data, "notes");

	if ((rec->uid = ksmx_strdup(uid)) == NULL ||
	    (folder_uid != NULL &&
	    (rec->folder_uid = ksmx_strdup(folder_uid)) == NULL) ||
	    (rec->json = ksmx_json_print_sized(data, text_len)) == NULL ||
	    (rec->type = dup_or(rec->legacy ? "" :
	    ksmx_json_str(data, "type"), "")) == NULL ||
	    (rec->title = dup_or(ksmx_json_str(data, "title"), "")) == NULL ||
	    (notes != NULL && (rec->notes = ksmx_strdup(notes)) == NULL))
		return KSM_ENOMEM;
	return 0;
}

/*
 * One record.  keks[] are the candidate keys for its recordKey, tried in
 * order (GCM's tag tells which is right); with no recordKey the last
 * candidate (the app key, or the shared folder key) is the record key.  Returns 0 (also when the record was
 * skipped) or KSM_ENOMEM.
 */
static int
record_load(ksm_records *set, const cJSON *jr, const unsigned char *const *keks,
    size_t n_keks, const char *folder_uid)
{
	ksm_record *rec;
	const cJSON *files, *jf, *rev;
	cJSON *data = NULL;
	size_t text_len = 0;
	const char *uid = ksmx_json_str(jr, "recordUid");
	const char *rkey = ksmx_json_str(jr, "recordKey");
	size_t i, nf;
	int r = KSM_ECRYPTO;

	if (uid == NULL || seen(set, uid))
		return 0;
	if (set->n >= set->alloc)
		return KSM_ERROR;	/* sized up front */
	rec = &set->v[set->n];
	memset(rec, 0, sizeof(*rec));
	if (rkey == NULL || rkey[0] == '\0') {
		memcpy(rec->key, keks[n_keks - 1], KSM_AES_KEY_LEN);
		r = 0;
	} else {
		for (i = 0; i < n_keks && r != 0; i++)
			r = ksm_records__unwrap_key(rec->key, keks[i], rkey);
	}
	if (r == 0)
		r = decrypt_json(&data, &text_len, rec->key,
		    ksmx_json_str(jr, "data"));
	if (r != 0) {
		ksmx_wipe(rec, sizeof(*rec));
		return r == KSM_ENOMEM ? r : remember_bad(set, uid);
	}
	rec->legacy = is_legacy(data);
	r = record_strings(rec, data, text_len, uid, folder_uid);
	ksmx_json_free(data);
	if (r != 0) {
		record_clear(rec);
		return r;
	}
	rev = cJSON_GetObjectItemCaseSensitive(jr, "revision");
	rec->revision = cJSON_IsNumber(rev) ? rev->valueint : 0;
	rec->editable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jr,
	    "isEditable"));

	files = cJSON_GetObjectItemCaseSensitive(jr, "files");
	nf = ksm_records__array_size(files);
	if (nf > 0 && (rec->files = calloc(nf, sizeof(ksm_file))) == NULL) {
		record_clear(rec);
		return KSM_ENOMEM;
	}
	cJSON_ArrayForEach(jf, ksm_records__array_of(files)) {
		r = file_load(&rec->files[rec->n_files], jf, rec->key);
		if (r == KSM_ENOMEM) {
			record_clear(rec);
			return r;
		}
		if (r == 0)
			rec->n_files++;	/* an undecryptable file is skipped */
	}
	mark_seen(set, rec->uid);
	set->n++;
	return 0;
}

/*
 * The keys a direct record's recordKey may be under: its inner folder's
 * key (when it has one we could decrypt), then the app key.
 */
static size_t
direct_keks(const unsigned char *keks[2], const cJSON *jr,
    const struct folder_key *fk, size_t n_folders,
    const unsigned char *app_key)
{
	const char *inner = ksmx_json_str(jr, "innerFolderUid");
	size_t k, n = 0;

	for (k = 0; inner != NULL && k < n_folders; k++)
		if (fk[k].ok && fk[k].uid != NULL &&
		    strcmp(fk[k].uid, inner) == 0) {
			keks[n++] = fk[k].key;
			break;
		}
	keks[n++] = app_key;
	return n;
}

/* Elements of the JSON array at [p, p+len) (0 when not an array). */
static int
count_elements(size_t *n, const char *p, size_t len)
{
	const char *cur = p, *elem;
	size_t elen;
	int k;

	*n = 0;
	if (p == NULL || *p != '[')
		return 0;
	while ((k = ksmx_json_array_next(&cur, p + len, &elem, &elen)) == 1)
		(*n)++;
	return k;
}

#define CONSUME_STEP	(256u * 1024)	/* bytes of text released at a time */

/*
 * The answer is walked, not parsed whole: each directly shared record is
 * parsed, loaded and freed in turn (json-scan.c), so 10,000 records never
 * exist as one tree next to their text, and the text of loaded records
 * is wiped and its pages released as the set grows.  Folders (with their
 * records) are parsed whole: their keys are needed before any record.
 */
int
ksm_records__from_response(ksm_records **out, const unsigned char *app_key,
    struct ksmx_buf *plain)
{
	const unsigned char *keks[2];
	struct folder_key *fk = NULL;
	const cJSON *folders, *jf, *jr, *next;
	ksm_records *set = NULL;
	static const char *const member_names[2] = { "folders", "records" };
	struct ksmx_json_span span[2] = { { NULL, 0 }, { NULL, 0 } };
	cJSON *froot = NULL, *one = NULL;
	const char *text, *rtext = NULL, *cur, *elem;
	size_t n_total = 0, n_folders = 0, i, k, rlen = 0, elen;
	size_t consumed = 0;	/* text wiped and released so far */
	int r, is_array;

	KSM_ASSERT_ARG(out != NULL && app_key != NULL && plain != NULL);
	*out = NULL;
	text = (const char *)plain->d;
	/* one walk finds both members and checks the whole object */
	if (plain->len > 0 &&
	    (ksmx_json_object_members(text, plain->len, member_names, 2,
	    span) != 0 ||
	    (span[0].p != NULL &&
	    (froot = ksmx_json_parse(span[0].p, span[0].len)) == NULL) ||
	    count_elements(&n_total, span[1].p, span[1].len) != 0)) {
		r = ksm__err(KSM_EPROTO, "the server's answer is not a JSON "
		    "object");
		goto out;
	}
	rtext = span[1].p;
	rlen = span[1].len;
	folders = froot;
	n_folders = ksm_records__array_size(folders);
	cJSON_ArrayForEach(jf, ksm_records__array_of(folders))
		n_total += ksm_records__array_size(cJSON_GetObjectItemCaseSensitive(jf,
		    "records"));
	if ((set = calloc(1, sizeof(*set))) == NULL ||
	    (n_total > 0 && (set->v = calloc(n_total, sizeof(ksm_record))) ==
	    NULL) ||
	    (n_total > 0 && (set->bad = calloc(n_total, sizeof(char *))) ==
	    NULL) ||
	    (n_folders > 0 && (fk = calloc(n_folders, sizeof(*fk))) == NULL)) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	set->alloc = set->bad_alloc = n_total;
	/* a UID set for the duplicate check (without it: linear, O(n^2)) */
	for (k = 16; k < 2 * n_total; k *= 2)
		;
	if ((set->seen_tab = calloc(k, sizeof(*set->seen_tab))) != NULL)
		set->seen_mask = k - 1;

	/* shared folder keys, under the app key */
	i = 0;
	cJSON_ArrayForEach(jf, ksm_records__array_of(folders)) {
		fk[i].uid = ksmx_json_str(jf, "folderUid");
		fk[i].ok = ksm_records__unwrap_key(fk[i].key, app_key,
		    ksmx_json_str(jf, "folderKey")) == 0;
		i++;
	}

	/* directly shared records first (server order), then folders' */
	/* (the text behind the cursor is wiped as it goes: test '[' once) */
	is_array = rtext != NULL && *rtext == '[';
	cur = rtext;
	while (is_array && (r = ksmx_json_array_next(&cur, rtext + rlen, &elem,
	    &elen)) != 0) {
		if (r < 0) {	/* the count above walked it: cannot happen */
			r = ksm__err(KSM_EPROTO, "the server's answer is not "
			    "a JSON object");
			goto out;
		}
		if ((one = ksmx_json_parse(elem, elen)) == NULL) {
			r = ksm__err(KSM_EPROTO, "the server's answer has a "
			    "record that is not JSON");
			goto out;
		}
		r = record_load(set, one, keks, direct_keks(keks, one, fk,
		    n_folders, app_key), NULL);
		ksmx_json_free(one);
		one = NULL;
		if (r != 0)
			goto nomem;
		/* the loaded records' text goes as the records grow */
		if ((size_t)(elem + elen - text) - consumed >= CONSUME_STEP)
			ksmx_buf_consume(plain, &consumed,
			    (size_t)(elem + elen - text));
	}
	i = 0;
	cJSON_ArrayForEach(jf, ksm_records__array_of(folders)) {
		cJSON *frecs = cJSON_GetObjectItemCaseSensitive(jf, "records");

		for (jr = ksm_records__array_of(frecs) != NULL ?
		    frecs->child : NULL; jr != NULL; jr = next) {
			next = jr->next;
			if (!fk[i].ok) {
				const char *uid = ksmx_json_str(jr,
				    "recordUid");

				if (uid != NULL && !seen(set, uid) &&
				    (r = remember_bad(set, uid)) != 0)
					goto nomem;
				continue;
			}
			keks[0] = fk[i].key;
			if ((r = record_load(set, jr, keks, 1,
			    fk[i].uid)) != 0)
				goto nomem;
			ksmx_json_free(cJSON_DetachItemViaPointer(frecs,
			    (cJSON *)jr));
		}
		i++;
	}
	free(set->seen_tab);
	set->seen_tab = NULL;
	*out = set;
	set = NULL;
	r = 0;
	goto out;
nomem:
	r = ksm__err(r, "cannot decrypt the records: %s", ksm_strerror(r));
out:
	if (fk != NULL) {
		ksmx_wipe(fk, n_folders * sizeof(*fk));
		free(fk);
	}
	ksm_records_free(set);
	ksmx_json_free(froot);
	ksmx_buf_clear_consumed(plain, consumed);
	return r;
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
