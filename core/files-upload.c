#include "config.h"

/*
 * Attaching a file (ksm-protocol.md §5, §5.1), as the JS SDK does it:
 *   1. add_file: a new file UID and key; the metadata under the file key,
 *      the key for the application owner (ECIES) and under the owner
 *      record's key (linkKey); the owner record's data with the UID
 *      appended to its fileRef field; fileSize = the encrypted length.
 *   2. POST multipart/form-data to the url Keeper answers: its parameters
 *      as fields in order, then "file" = GCM(fileKey, content); success
 *      is exactly successStatusCode.
 * When step 2 fails the file is detached again (update_secret with
 * links2Remove), so the record is as it was.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "ksm-int.h"
#include "write-int.h"
#include "json.h"
#include "util/hex.h"

#define EXCERPT_MAX	120	/* chars of a file store's error body */

/* The file's metadata JSON text (malloc'd) or NULL on ENOMEM. */
static char *
file_meta(const ksm_file_upload *file)
{
	struct timeval tv;
	cJSON *m = cJSON_CreateObject();
	char *text = NULL;

	(void)gettimeofday(&tv, NULL);
	if (m != NULL &&
	    cJSON_AddStringToObject(m, "name", file->name) != NULL &&
	    cJSON_AddNumberToObject(m, "size", (double)file->len) != NULL &&
	    cJSON_AddStringToObject(m, "title", file->title != NULL ?
	    file->title : file->name) != NULL &&
	    cJSON_AddNumberToObject(m, "lastModified", (double)tv.tv_sec *
	    1000.0 + (double)(tv.tv_usec / 1000)) != NULL &&
	    cJSON_AddStringToObject(m, "type", file->mime_type != NULL ?
	    file->mime_type : "application/octet-stream") != NULL)
		text = ksmx_json_print(m);
	ksmx_json_free(m);
	return text;
}

/* The owner record's data with uid appended to its fileRef field. */
static char *
owner_data(const ksm_record *rec, const char *uid)
{
	cJSON *data = ksm_record__parse(rec), *fields, *f, *ref = NULL, *v;
	char *text = NULL;

	if (data == NULL)
		return NULL;
	fields = cJSON_GetObjectItemCaseSensitive(data, "fields");
	if (!cJSON_IsArray(fields)) {
		cJSON_DeleteItemFromObjectCaseSensitive(data, "fields");
		fields = cJSON_AddArrayToObject(data, "fields");
	}
	cJSON_ArrayForEach(f, fields) {
		const char *t = ksmx_json_str(f, "type");

		if (t != NULL && strcmp(t, "fileRef") == 0) {
			ref = f;
			break;
		}
	}
	if (ref == NULL && (ref = cJSON_CreateObject()) != NULL) {
		cJSON_AddItemToArray(fields, ref);
		cJSON_AddStringToObject(ref, "type", "fileRef");
	}
	v = cJSON_GetObjectItemCaseSensitive(ref, "value");
	if (ref != NULL && !cJSON_IsArray(v)) {
		cJSON_DeleteItemFromObjectCaseSensitive(ref, "value");
		v = cJSON_AddArrayToObject(ref, "value");
	}
	if (v != NULL && cJSON_AddItemToArray(v, cJSON_CreateString(uid)))
		text = ksmx_json_print(data);
	ksmx_json_free(data);
	return text;
}

/* The add_file payload; *sealed gets GCM(fileKey, content). */
static int
add_file_payload(cJSON **out, struct ksmx_buf *sealed, struct ksm_client *c,
    const ksm_record *rec, const ksm_file_upload *file, const char *uid)
{
	unsigned char key[KSM_AES_KEY_LEN];
	char *meta = NULL, *odata = NULL;
	cJSON *o = NULL;
	int r;

	*out = NULL;
	if ((r = ksm_crypto__random(key, sizeof(key))) != 0 ||
	    (r = ksm_crypto__gcm_encrypt(sealed, key, file->data,
	    file->len)) != 0) {
		r = ksm__err(r, "cannot encrypt the file");
		goto out;
	}
	r = KSM_ENOMEM;
	if ((meta = file_meta(file)) == NULL ||
	    (odata = owner_data(rec, uid)) == NULL ||
	    (o = ksm_write__payload(c)) == NULL ||
	    cJSON_AddStringToObject(o, "fileRecordUid", uid) == NULL)
		goto nomem;
	if ((r = ksm_write__add_for_owner(c, o, "fileRecordKey", key,
	    sizeof(key))) != 0)
		goto out;
	if (ksm_write__add_sealed(o, "fileRecordData", key, meta, strlen(meta),
	    0, KSMX_B64_URL) != 0 ||
	    cJSON_AddStringToObject(o, "ownerRecordUid", ksm_record_uid(rec)) ==
	    NULL ||
	    ksm_write__add_sealed(o, "ownerRecordData", ksm_record__key(rec),
	    odata, strlen(odata), 0, KSMX_B64_URL) != 0 ||
	    cJSON_AddNumberToObject(o, "ownerRecordRevision",
	    (double)ksm_record_revision(rec)) == NULL ||
	    ksm_write__add_sealed(o, "linkKey", ksm_record__key(rec), key,
	    sizeof(key), 0, KSMX_B64_STD) != 0 ||
	    cJSON_AddNumberToObject(o, "fileSize", (double)sealed->len) == NULL)
		goto nomem;
	*out = o;
	o = NULL;
	r = 0;
	goto out;
nomem:
	r = ksm__err(KSM_ENOMEM, "cannot build the file upload");
out:
	ksmx_wipe_array(key);
	ksmx_strfree(meta);
	ksmx_strfree(odata);
	ksmx_json_free(o);
	return r;
}

/* One form field: --boundary, its header, an empty line, its value. */
static int
put_part(struct ksmx_buf *b, const char *boundary, const char *name,
    const char *content_type, const void *p, size_t n)
{
	int r;

	if ((r = ksmx_buf_puts(b, "--")) != 0 ||
	    (r = ksmx_buf_puts(b, boundary)) != 0 ||
	    (r = ksmx_buf_puts(b, "\r\nContent-Disposition: form-data; "
	    "name=\"")) != 0 || (r = ksmx_buf_puts(b, name)) != 0 ||
	    (r = ksmx_buf_puts(b, "\"\r\n")) != 0)
		return r;
	if (content_type != NULL && ((r = ksmx_buf_puts(b, "Content-Type: ")) !=
	    0 || (r = ksmx_buf_puts(b, content_type)) != 0 ||
	    (r = ksmx_buf_puts(b, "\r\n")) != 0))
		return r;
	if ((r = ksmx_buf_puts(b, "\r\n")) != 0 ||
	    (r = ksmx_buf_put(b, p, n)) != 0)
		return r;
	return ksmx_buf_puts(b, "\r\n");
}

/*
 * The multipart/form-data body: every member of the parameters object as
 * a text field, in order, then the file.  A field value with a line
 * break (it would end the field) is refused.
 */
int
ksm_upload__multipart(struct ksmx_buf *body, const char *boundary,
    const char *params_json, const void *file, size_t file_len)
{
	cJSON *params = ksmx_json_parse(params_json, strlen(params_json));
	const cJSON *p;
	int r = KSM_EPROTO;

	if (!cJSON_IsObject(params))
		goto out;
	cJSON_ArrayForEach(p, params) {
		if (!cJSON_IsString(p) || strpbrk(p->string, "\r\n\"") != NULL ||
		    strpbrk(p->valuestring, "\r\n") != NULL)
			goto out;
		if ((r = put_part(body, boundary, p->string, NULL,
		    p->valuestring, strlen(p->valuestring))) != 0)
			goto out;
		r = KSM_EPROTO;
	}
	if ((r = put_part(body, boundary, "file", "application/octet-stream",
	    file, file_len)) == 0 &&
	    (r = ksmx_buf_puts(body, "--")) == 0 &&
	    (r = ksmx_buf_puts(body, boundary)) == 0)
		r = ksmx_buf_puts(body, "--\r\n");
out:
	ksmx_json_free(params);
	return r;
}

/* host[:port] of url, for messages (never its query). */
static void
url_host(char *out, size_t n, const char *url)
{
	const char *p = strstr(url, "://");
	size_t len;

	p = p != NULL ? p + 3 : url;
	len = strcspn(p, "/?#");
	if (len >= n)
		len = n - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

/* A printable excerpt of an error body. */
static void
excerpt(char *out, size_t n, const struct ksmx_buf *b)
{
	size_t i, k = 0;

	for (i = 0; i < b->len && k + 1 < n; i++)
		out[k++] = b->d[i] >= 0x20 && b->d[i] < 0x7f ? (char)b->d[i] :
		    ' ';
	out[k] = '\0';
}

/* The second leg: POST the form to the url of the add_file answer. */
static int
upload(struct ksm_client *c, const struct ksmx_buf *answer,
    const struct ksmx_buf *sealed, const char *name)
{
	struct ksmx_buf body = KSMX_BUF_INIT(KSM_MAX_FILE + 64 * 1024);
	struct ksmx_buf resp = KSMX_BUF_INIT(KSM_MAX_ERROR_BODY);
	unsigned char rnd[16];
	char boundary[48], hdr[96], host[256], text[EXCERPT_MAX + 1];
	const char *headers[2], *url, *params;
	const cJSON *want;
	cJSON *a = answer->len > 0 ? ksmx_json_parse(answer->d, answer->len) :
	    NULL;
	long status = 0;
	int r;

	url = ksmx_json_str(a, "url");
	params = ksmx_json_str(a, "parameters");
	want = cJSON_GetObjectItemCaseSensitive(a, "successStatusCode");
	if (url == NULL || strncmp(url, "https://", 8) != 0 || params == NULL) {
		r = ksm__err(KSM_EPROTO, "Keeper's answer to add_file has no "
		    "https upload url and parameters");
		goto out;
	}
	url_host(host, sizeof(host), url);
	memcpy(boundary, "----------ksm", 13);
	if ((r = ksm_crypto__random(rnd, sizeof(rnd))) != 0) {
		r = ksm__err(r, "cannot make a form boundary");
		goto out;
	}
	ksmx_hex(boundary + 13, rnd, sizeof(rnd));
	if ((r = ksm_upload__multipart(&body, boundary, params, sealed->d,
	    sealed->len)) != 0) {
		r = ksm__err(r, "cannot build the upload of '%s' to '%s'%s",
		    name, host, r == KSM_EPROTO ?
		    ": Keeper's form parameters are not plain text fields" :
		    "");
		goto out;
	}
	(void)snprintf(hdr, sizeof(hdr), "Content-Type: multipart/form-data; "
	    "boundary=%s", boundary);
	headers[0] = hdr;
	headers[1] = NULL;
	/* up to KSM_MAX_FILE: the timeout bounds a stall, not the whole */
	if ((r = ksm_transport__perform(c, url, headers, body.d, body.len, 1,
	    &status, &resp)) != 0 && r != KSM_ETOOBIG)
		goto out;
	if (cJSON_IsNumber(want) ? status != (long)want->valuedouble :
	    (status < 200 || status > 299)) {
		excerpt(text, sizeof(text), &resp);
		r = ksm__err(KSM_ESERVER, "HTTP %ld from '%s' uploading '%s'%s%s",
		    status, host, name, text[0] != '\0' ? ": " : "", text);
		goto out;
	}
	r = 0;
out:
	ksmx_json_free(a);
	ksmx_buf_clear(&body);
	ksmx_buf_clear(&resp);
	return r;
}

/*
 * The upload failed after add_file: detach file uid again when the owner
 * record lists it.  0 when the record is as it was.
 */
static int
detach(struct ksm_client *c, const char *owner, const char *uid)
{
	ksm_update_options o = KSM_UPDATE_OPTIONS_INIT;
	const ksm_record *rec = NULL;
	ksm_records *holder = NULL;
	const cJSON *f, *v;
	cJSON *data = NULL;
	int listed = 0, r;

	if ((r = ksm_client_get_record(&rec, &holder, c, owner)) != 0)
		goto out;
	if ((data = ksm_record__parse(rec)) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(data, "fields"))
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(f,
		    "value"))
			if (cJSON_IsString(v) && strcmp(v->valuestring,
			    uid) == 0)
				listed = 1;
	if (!listed) {
		r = 0;
		goto out;
	}
	o.remove_files = &uid;
	o.n_remove_files = 1;
	r = ksm_client_update_record_ex(c, rec, ksm_record_json(rec), &o);
out:
	ksmx_json_free(data);
	ksm_records_free(holder);
	return r;
}

int
ksm_client_upload_file(char uid[KSM_UID_BUF], ksm_client *c,
    const ksm_record *rec, const ksm_file_upload *file)
{
	struct ksmx_buf sealed = KSMX_BUF_INIT(KSM_MAX_FILE + 64);
	struct ksmx_buf answer = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	const char *owner, *new_uid = uid;
	ksm_error failed;
	cJSON *o = NULL;
	int r, d;

	KSM_ASSERT_ARG(uid != NULL);
	uid[0] = '\0';
	KSM_ASSERT_ARG(c != NULL && rec != NULL && file != NULL);
	KSM_ASSERT_ARG(file->name != NULL && file->name[0] != '\0');
	KSM_ASSERT_ARG(file->data != NULL || file->len == 0);
	owner = ksm_record_uid(rec);
	if (file->len > KSM_MAX_FILE)
		return ksm__err(KSM_ETOOBIG, "'%s' is %zu bytes, more than "
		    "%u", file->name, file->len, KSM_MAX_FILE);
	if (ksm_record_is_legacy(rec)) {
		r = ksm__err(KSM_ELEGACY, "record '%.64s' is a legacy (V2, "
		    "untyped) record: files cannot be attached", owner);
		return r;
	}
	if (!ksm_record_is_editable(rec)) {
		r = ksm__err(KSM_EACCESS, "record '%.64s' is shared read-only "
		    "with this application", owner);
		ksm__err_hint("share the record (or its folder) with the "
		    "application with \"Can Edit\" in the Keeper vault");
		return r;
	}
	if ((r = ksm_write__need_owner(c)) != 0 ||
	    (r = ksm_write__new_uid(uid, 1)) != 0 ||
	    (r = add_file_payload(&o, &sealed, c, rec, file, uid)) != 0)
		goto out;
	if ((r = ksm_write__send(c, "add_file", o, &answer, &owner, 1)) != 0) {
		o = NULL;
		goto out;
	}
	o = NULL;
	if ((r = upload(c, &answer, &sealed, file->name)) == 0)
		goto out;
	/* Keeper lists the file but has no content for it: take it back */
	failed = *ksm_error_last();
	d = detach(c, owner, new_uid);
	if (d == 0) {
		(void)ksm__err(r, "%s; the attachment was removed again, the "
		    "record is as it was", failed.message);
		ksm__err_hint("retry the upload later");
	} else {
		(void)ksm__err(r, "%s; record '%.64s' now lists file '%s' "
		    "without content (removing it failed: %s)", failed.message,
		    owner, new_uid, ksm_strerror(d));
		ksm__err_hint("remove the attachment in the Keeper vault, or "
		    "retry the upload later");
	}
	(void)ksm_client__invalidate(c, &owner, 1);
out:
	if (r != 0)
		uid[0] = '\0';
	ksmx_json_free(o);
	ksmx_buf_clear(&sealed);
	ksmx_buf_clear(&answer);
	return r;
}
