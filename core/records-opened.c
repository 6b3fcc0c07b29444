#include "config.h"

/*
 * The opened form of a record set (docs/agent-protocol.md, "The opened
 * form"): what keeper-agent serves for get_secret.  Each record carries its
 * decrypted data and its keys in the clear, so a client loads it with no
 * cipher at all (initialising AES-GCM was half of a helper's work).
 *
 *	{"records":[
 *	  {"recordUid":U,"folderUid":F,"recordKey":K,"revision":N,
 *	   "isEditable":B,"data":{...},
 *	   "files":[{"fileUid":U,"fileKey":K,"name":S,"title":S,"type":S,
 *	             "size":N,"url":S}, ...]},
 *	  {"recordUid":U,"bad":true}, ...]}
 *
 * K is standard base64 of 32 bytes; "folderUid" is absent for a record
 * shared directly; a "bad" record is one that could not be decrypted.  The
 * records come in the set's order, so a set loaded from it is the set it
 * was made from.
 */

#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "client-int.h"
#include "json.h"
#include "util/b64.h"
#include "records-int.h"

static int
add_key(cJSON *o, const char *name, const unsigned char key[KSM_AES_KEY_LEN])
{
	char *b64 = ksmx_b64_encode_str(key, KSM_AES_KEY_LEN, KSMX_B64_STD);
	int ok = b64 != NULL && cJSON_AddStringToObject(o, name, b64) != NULL;

	ksmx_strfree(b64);
	return ok;
}

static cJSON *
file_opened(const ksm_file *f)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL ||
	    cJSON_AddStringToObject(o, "fileUid", f->uid) == NULL ||
	    !add_key(o, "fileKey", f->key) ||
	    cJSON_AddStringToObject(o, "name", f->name) == NULL ||
	    cJSON_AddStringToObject(o, "title", f->title) == NULL ||
	    cJSON_AddStringToObject(o, "type", f->mime) == NULL ||
	    cJSON_AddNumberToObject(o, "size", (double)f->size) == NULL ||
	    cJSON_AddStringToObject(o, "url", f->url) == NULL) {
		ksmx_json_free(o);
		return NULL;
	}
	return o;
}

static cJSON *
record_opened(const ksm_record *r)
{
	cJSON *o = cJSON_CreateObject(), *files, *f;
	size_t i;

	if (o == NULL ||
	    cJSON_AddStringToObject(o, "recordUid", r->uid) == NULL ||
	    (r->folder_uid != NULL &&
	    cJSON_AddStringToObject(o, "folderUid", r->folder_uid) == NULL) ||
	    !add_key(o, "recordKey", r->key) ||
	    cJSON_AddNumberToObject(o, "revision", r->revision) == NULL ||
	    cJSON_AddBoolToObject(o, "isEditable", r->editable) == NULL ||
	    /* the record's own compact text, not parsed again */
	    cJSON_AddRawToObject(o, "data", r->json) == NULL ||
	    (files = cJSON_AddArrayToObject(o, "files")) == NULL)
		goto fail;
	for (i = 0; i < r->n_files; i++)
		if ((f = file_opened(&r->files[i])) == NULL ||
		    !cJSON_AddItemToArray(files, f)) {
			ksmx_json_free(f);
			goto fail;
		}
	return o;
fail:
	ksmx_json_free(o);
	return NULL;
}

/* One element's text, then a comma unless last. */
static int
put_element(struct ksmx_buf *out, cJSON *o, int last)
{
	char *text = o != NULL ? ksmx_json_print(o) : NULL;
	int r;

	ksmx_json_free(o);
	if (text == NULL)
		return KSM_ENOMEM;
	r = ksmx_buf_puts(out, text);
	ksmx_strfree(text);
	if (r == 0 && !last)
		r = ksmx_buf_putc(out, ',');
	return r;
}

int
ksm_records__to_opened(const ksm_records *set, struct ksmx_buf *out)
{
	cJSON *o;
	size_t i, n = set->n + set->n_bad;
	int r;

	if ((r = ksmx_buf_puts(out, "{\"records\":[")) != 0)
		return r;
	for (i = 0; i < set->n; i++)
		if ((r = put_element(out, record_opened(&set->v[i]),
		    i + 1 == n)) != 0)
			return r;
	for (i = 0; i < set->n_bad; i++) {
		o = cJSON_CreateObject();
		if (o != NULL && (cJSON_AddStringToObject(o, "recordUid",
		    set->bad[i]) == NULL ||
		    cJSON_AddTrueToObject(o, "bad") == NULL)) {
			ksmx_json_free(o);
			o = NULL;
		}
		if ((r = put_element(out, o, set->n + i + 1 == n)) != 0)
			return r;
	}
	return ksmx_buf_puts(out, "]}");
}

/* A key member: 32 bytes of standard base64. */
static int
get_key(unsigned char key[KSM_AES_KEY_LEN], const cJSON *o, const char *name)
{
	const char *b64 = ksmx_json_str(o, name);

	return b64 != NULL && ksmx_b64_decode_exact(key, KSM_AES_KEY_LEN,
	    b64) == 0 ? 0 : KSM_EPROTO;
}

static int
file_from_opened(ksm_record *rec, const cJSON *jf)
{
	unsigned char key[KSM_AES_KEY_LEN];
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(jf, "size");
	const char *uid = ksmx_json_str(jf, "fileUid");
	int r;

	if (uid == NULL || (r = get_key(key, jf, "fileKey")) != 0)
		return KSM_EPROTO;
	r = ksm_records__add_file(rec, uid, ksmx_json_str(jf, "name"),
	    ksmx_json_str(jf, "title"), ksmx_json_str(jf, "type"),
	    ksmx_json_str(jf, "url"), cJSON_IsNumber(size) &&
	    size->valuedouble > 0 ? (unsigned long long)size->valuedouble : 0,
	    key);
	ksmx_wipe_array(key);
	return r;
}

/* One element of "records"; 0, KSM_EPROTO, KSM_ENOMEM. */
static int
record_from_opened(ksm_records *set, const cJSON *jr, size_t text_len)
{
	unsigned char key[KSM_AES_KEY_LEN];
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(jr, "data");
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(jr, "files");
	const cJSON *rev = cJSON_GetObjectItemCaseSensitive(jr, "revision");
	const cJSON *folder = cJSON_GetObjectItemCaseSensitive(jr,
	    "folderUid");
	const char *uid = ksmx_json_str(jr, "recordUid");
	const cJSON *jf;
	ksm_record *rec;
	int r;

	/* "" as Keeper's answer may have it (records-decrypt.c takes it) */
	if (uid == NULL)
		return KSM_EPROTO;
	if (ksm_records__seen(set, uid))
		return 0;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jr, "bad")))
		return ksm_records__add_bad(set, uid);
	if (!cJSON_IsObject(data) || (folder != NULL &&
	    !cJSON_IsString(folder)) || (files != NULL &&
	    !cJSON_IsArray(files)) || get_key(key, jr, "recordKey") != 0)
		return KSM_EPROTO;
	r = ksm_records__add(set, &rec, uid, folder != NULL ?
	    folder->valuestring : NULL, key, data, text_len,
	    cJSON_IsNumber(rev) ? rev->valueint : 0,
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jr, "isEditable")),
	    ksm_records__array_size(files));
	ksmx_wipe_array(key);
	cJSON_ArrayForEach(jf, ksm_records__array_of(files))
		if (r == 0)
			r = file_from_opened(rec, jf);
	return r;
}

int
ksm_records__from_opened(ksm_records **out, struct ksmx_buf *plain)
{
	static const char *const member[1] = { "records" };
	struct ksmx_json_span span = { NULL, 0 };
	const char *text = (const char *)plain->d, *cur, *end, *elem;
	ksm_records *set = NULL;
	cJSON *one;
	size_t n = 0, elen;
	int k, r = 0;

	*out = NULL;
	if (ksmx_json_object_members(text, plain->len, member, 1,
	    &span) != 0 || span.p == NULL || span.p[0] != '[') {
		r = KSM_EPROTO;
		goto out;
	}
	end = span.p + span.len;
	for (cur = span.p; (k = ksmx_json_array_next(&cur, end, &elem,
	    &elen)) == 1; )
		n++;
	if (k != 0) {
		r = KSM_EPROTO;
		goto out;
	}
	if ((r = ksm_records__alloc(&set, n)) != 0)
		goto out;
	for (cur = span.p; r == 0 && ksmx_json_array_next(&cur, end, &elem,
	    &elen) == 1; ) {
		if ((one = ksmx_json_parse(elem, elen)) == NULL)
			r = KSM_EPROTO;
		else
			r = record_from_opened(set, one, elen);
		ksmx_json_free(one);
	}
	if (r == 0) {
		ksm_records__done(set);
		*out = set;
		set = NULL;
	}
out:
	ksm_records_free(set);
	ksmx_buf_clear(plain);
	if (r == KSM_EPROTO)
		return ksm__err(r, "keeper-agent's answer is not a record set "
		    "this library can read");
	if (r != 0)
		return ksm__err(r, "cannot load keeper-agent's answer: %s",
		    ksm_strerror(r));
	return 0;
}
