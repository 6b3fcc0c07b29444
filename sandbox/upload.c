/*
 * File attachments in two legs, as Keeper does them:
 *
 *  1. add_file: the client sends the file record (key for the application
 *     owner, metadata under the file key), the owner record's new data
 *     with the file UID in its fileRef field, and the link key (the file
 *     key under the owner's record key).  The owner record is saved at
 *     once; the attachment is listed, but has no content yet.  The answer
 *     is where to upload: {"url", "parameters" (a JSON string of form
 *     fields), "successStatusCode"}.
 *  2. POST url, multipart/form-data: every parameter as a field, then the
 *     part "file" = AES-GCM(fileKey, content), exactly fileSize bytes.
 *     204 on success (what a cloud store answers), and the content is
 *     stored.  A client whose upload fails detaches the file again
 *     (update_secret with links2Remove).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ksm/error.h"
#include "json.h"
#include "util/b64.h"
#include "util/wipe.h"
#include "sandbox.h"

#define UPLOAD_STATUS	204
#define MAX_FILE_NAME	1024		/* bytes */
#define MAX_UPLOAD	(SB_MAX_BODY - 64u * 1024)	/* bytes, encrypted */

/* The file metadata (name, size, title, type, lastModified) or answered. */
static cJSON *
open_meta(struct sb_call *k, const uint8_t fkey[32])
{
	cJSON *meta = NULL;
	const char *name;
	const cJSON *size;

	if (sb_open_json(&meta, fkey, ksmx_json_str(k->payload,
	    "fileRecordData"), 0) != 0) {
		sb_reply_error(k, 400, "bad_request", "Unable to decrypt the "
		    "file record data");
		return NULL;
	}
	name = ksmx_json_str(meta, "name");
	size = cJSON_GetObjectItem(meta, "size");
	if (name == NULL || name[0] == '\0' || strlen(name) > MAX_FILE_NAME ||
	    !cJSON_IsNumber(size) || size->valuedouble < 0 ||
	    size->valuedouble > MAX_UPLOAD) {
		sb_reply_error(k, 400, "bad_request", "The file record data "
		    "needs a name and a size");
		ksmx_json_free(meta);
		return NULL;
	}
	return meta;
}

/* The attachment entry of the vault for meta (borrowed), key and sizes. */
static cJSON *
file_entry(const char *uid, const cJSON *meta, const char *key_b64,
    double upload_size)
{
	static const char *const copied[] = { "name", "title", "type" };
	const cJSON *lm = cJSON_GetObjectItem(meta, "lastModified");
	cJSON *f = cJSON_CreateObject();
	size_t i;

	if (f == NULL)
		return NULL;
	cJSON_AddStringToObject(f, "uid", uid);
	for (i = 0; i < sizeof copied / sizeof copied[0]; i++)
		if (ksmx_json_str(meta, copied[i]) != NULL)
			cJSON_AddStringToObject(f, copied[i],
			    ksmx_json_str(meta, copied[i]));
	cJSON_AddNumberToObject(f, "size",
	    cJSON_GetObjectItem(meta, "size")->valuedouble);
	if (cJSON_IsNumber(lm))
		cJSON_AddNumberToObject(f, "lastModified", lm->valuedouble);
	cJSON_AddStringToObject(f, "fileKey", key_b64);
	cJSON_AddBoolToObject(f, "pending", 1);
	cJSON_AddNumberToObject(f, "uploadSize", upload_size);
	return f;
}

/* {"url", "parameters", "successStatusCode"} for file uid. */
static cJSON *
upload_answer(const struct sb_server *srv, const char *uid)
{
	cJSON *a = NULL, *params = NULL;
	char *token = NULL, *ptext = NULL, url[128];

	if ((token = sb_token_make(srv, "upload", uid, SB_UPLOAD_TTL)) ==
	    NULL || (params = cJSON_CreateObject()) == NULL ||
	    (a = cJSON_CreateObject()) == NULL)
		goto out;
	cJSON_AddStringToObject(params, "key", uid);
	cJSON_AddStringToObject(params, "signature", token);
	if ((ptext = cJSON_PrintUnformatted(params)) == NULL) {
		cJSON_Delete(a);
		a = NULL;
		goto out;
	}
	snprintf(url, sizeof url, "https://%s" SB_UPLOAD_PATH, srv->listen);
	cJSON_AddStringToObject(a, "url", url);
	cJSON_AddStringToObject(a, "parameters", ptext);
	cJSON_AddNumberToObject(a, "successStatusCode", UPLOAD_STATUS);
out:
	free(token);
	free(ptext);
	cJSON_Delete(params);
	return a;
}

void
sb_add_file(struct sb_call *k)
{
	const struct sb_vault *v = &k->srv->vault;
	const char *uid = ksmx_json_str(k->payload, "fileRecordUid");
	const char *owner = ksmx_json_str(k->payload, "ownerRecordUid");
	const cJSON *jrev = cJSON_GetObjectItem(k->payload,
	    "ownerRecordRevision");
	const cJSON *jsize = cJSON_GetObjectItem(k->payload, "fileSize");
	const cJSON *rec, *frec, *ffile;
	cJSON *meta = NULL, *data = NULL, *root = NULL, *mine, *answer = NULL;
	uint8_t okey[32], fkey[32], lkey[32];
	char *key_b64 = NULL;
	double have;
	int r;

	if (uid == NULL || strlen(uid) != 22 || !sb_vault_uid_ok(uid) ||
	    !sb_vault_uid_ok(owner) || !cJSON_IsNumber(jrev) ||
	    !cJSON_IsNumber(jsize)) {
		sb_reply_error(k, 400, "bad_request", "add_file needs "
		    "fileRecordUid, ownerRecordUid, ownerRecordRevision and "
		    "fileSize");
		return;
	}
	if (sb_vault_find_file(v, uid, &frec, &ffile) == 0 ||
	    sb_vault_record(v, uid) != NULL) {
		sb_reply_error(k, 409, "bad_request", "fileRecordUid %.64s "
		    "already exists", uid);
		return;
	}
	if (jsize->valuedouble < 28 || jsize->valuedouble > MAX_UPLOAD) {
		sb_reply_error(k, 400, "bad_request", "fileSize %.0f is out of "
		    "range (at most %u bytes encrypted)", jsize->valuedouble,
		    MAX_UPLOAD);
		return;
	}
	if (sb_need_record(k, owner, &rec) != 0)
		return;
	if (cJSON_IsTrue(cJSON_GetObjectItem(rec, "legacy")) ||
	    cJSON_GetObjectItem(rec, "pendingUpdate") != NULL) {
		sb_reply_error(k, 400, "bad_request", "Record %.64s is a legacy "
		    "record or has an update transaction in progress", owner);
		return;
	}
	have = cJSON_IsNumber(cJSON_GetObjectItem(rec, "revision")) ?
	    cJSON_GetObjectItem(rec, "revision")->valuedouble : 1;
	if (jrev->valuedouble != have) {
		sb_reply_error(k, 409, "record_out_of_date", "Record %.64s is "
		    "at revision %.0f, the file was added at revision %.0f; "
		    "fetch it again", owner, have, jrev->valuedouble);
		return;
	}
	if (sb_key_record(&k->srv->st, okey, rec) != 0 ||
	    sb_open_owner_key(&k->srv->st, fkey, ksmx_json_str(k->payload,
	    "fileRecordKey")) != 0 ||
	    sb_open_key(lkey, okey, ksmx_json_str(k->payload, "linkKey"),
	    0) != 0 || ksmx_memeq_ct(fkey, lkey, 32) != 0) {
		sb_reply_error(k, 400, "bad_request", "Unable to decrypt the "
		    "file key (fileRecordKey for the application owner, "
		    "linkKey under the owner record's key), or they differ");
		goto out;
	}
	if ((meta = open_meta(k, fkey)) == NULL)
		goto out;
	if ((data = sb_open_record(k, okey, "ownerRecordData")) == NULL)
		goto out;
	if ((key_b64 = ksmx_b64_encode_str(fkey, 32, KSMX_B64_STD)) == NULL ||
	    (answer = upload_answer(k->srv, uid)) == NULL ||
	    (root = sb_vault_copy(v)) == NULL ||
	    (mine = sb_tree_find(root, "records", owner)) == NULL) {
		sb_reply_error(k, 500, "internal_error", "Out of memory");
		goto out;
	}
	cJSON_ReplaceItemInObject(mine, "data", data);
	data = NULL;
	if (cJSON_GetObjectItem(mine, "revision") != NULL)
		cJSON_ReplaceItemInObject(mine, "revision",
		    cJSON_CreateNumber(have + 1));
	else
		cJSON_AddNumberToObject(mine, "revision", have + 1);
	cJSON_AddItemToArray(sb_tree_list(mine, "files"), file_entry(uid, meta,
	    key_b64, jsize->valuedouble));
	r = sb_commit_or_reply(k, root);
	root = NULL;
	if (r == 0) {
		sb_reply_json(k, answer);
		snprintf(k->resp->error, sizeof k->resp->error, "(pending)");
	}
out:
	ksmx_wipe_array(okey);
	ksmx_wipe_array(fkey);
	ksmx_wipe_array(lkey);
	ksmx_strfree(key_b64);
	ksmx_json_free(meta);
	ksmx_json_free(data);
	ksmx_json_free(root);
	cJSON_Delete(answer);
}

/* ---- the second leg: multipart/form-data ---- */

struct part {
	char		 name[32];
	const uint8_t	*data;
	size_t		 len;
};

/* boundary=... of a multipart/form-data Content-Type, into out. */
static int
boundary_of(char *out, size_t out_len, const char *ct)
{
	const char *b;
	size_t n;

	if (ct == NULL || strncasecmp(ct, "multipart/form-data", 19) != 0 ||
	    (b = strstr(ct, "boundary=")) == NULL)
		return KSM_EINVAL;
	b += 9;
	if (*b == '"') {
		b++;
		n = strcspn(b, "\"");
	} else
		n = strcspn(b, "; \t");
	if (n == 0 || n + 3 > out_len)
		return KSM_EINVAL;
	out[0] = '-';
	out[1] = '-';
	memcpy(out + 2, b, n);
	out[n + 2] = '\0';
	return 0;
}

/* The name="..." of a part's headers [h, h+n). */
static int
part_name(char *out, size_t out_len, const uint8_t *h, size_t n)
{
	static const char key[] = "; name=\"";
	const uint8_t *p = memmem(h, n, key, sizeof key - 1), *q;

	if (p == NULL)
		return KSM_EINVAL;
	p += sizeof key - 1;
	if ((q = memchr(p, '"', n - (size_t)(p - h))) == NULL ||
	    (size_t)(q - p) >= out_len)
		return KSM_EINVAL;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	return 0;
}

/*
 * Split body into at most max parts (RFC 7578): the first delimiter may
 * follow a preamble (the JS SDK starts with CRLF), each part is headers,
 * an empty line and content up to CRLF and the next delimiter.
 */
static int
parse_parts(struct part *parts, size_t max, size_t *n, const char *delim,
    const uint8_t *body, size_t len)
{
	const uint8_t *end = body + len, *p, *q, *h;
	char crlf_delim[96];
	size_t dl = strlen(delim);

	*n = 0;
	snprintf(crlf_delim, sizeof crlf_delim, "\r\n%s", delim);
	if ((q = memmem(body, len, delim, dl)) == NULL)
		return KSM_EINVAL;
	for (;;) {
		p = q + dl;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return 0;	/* the close delimiter */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n' || *n == max)
			return KSM_EINVAL;
		h = p + 2;
		if ((p = memmem(h, (size_t)(end - h), "\r\n\r\n", 4)) == NULL)
			return KSM_EINVAL;
		if (part_name(parts[*n].name, sizeof parts[*n].name, h,
		    (size_t)(p - h)) != 0)
			return KSM_EINVAL;
		p += 4;
		if ((q = memmem(p, (size_t)(end - p), crlf_delim,
		    dl + 2)) == NULL)
			return KSM_EINVAL;
		parts[*n].data = p;
		parts[*n].len = (size_t)(q - p);
		(*n)++;
		q += 2;
	}
}

static const struct part *
find_part(const struct part *parts, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(parts[i].name, name) == 0)
			return &parts[i];
	return NULL;
}

/* A part's content as a NUL-terminated string in out (n bytes). */
static int
part_str(char *out, size_t n, const struct part *p)
{
	if (p == NULL || p->len >= n || memchr(p->data, '\0', p->len) != NULL)
		return KSM_EINVAL;
	memcpy(out, p->data, p->len);
	out[p->len] = '\0';
	return 0;
}

static void
upload_error(struct sb_server *srv, struct sb_response *resp, int status,
    const char *code, const char *message)
{
	sb_response_error(resp, srv, NULL, status, code, message);
}

/* Store content (the decrypted upload) for file uid of record ruid. */
static int
store_content(struct sb_server *srv, const char *ruid, const char *uid,
    const struct ksmx_buf *content)
{
	cJSON *root, *rec, *f;
	char *b64, fuid[23];
	int r = KSM_ENOMEM;

	if ((b64 = ksmx_b64_encode_str(content->d, content->len,
	    KSMX_B64_STD)) == NULL)
		return KSM_ENOMEM;
	if ((root = sb_vault_copy(&srv->vault)) == NULL ||
	    (rec = sb_tree_find(root, "records", ruid)) == NULL)
		goto out;
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(rec, "files")) {
		if (sb_vault_file_uid(fuid, rec, f) != 0 ||
		    strcmp(fuid, uid) != 0)
			continue;
		cJSON_DeleteItemFromObject(f, "pending");
		cJSON_DeleteItemFromObject(f, "uploadSize");
		cJSON_DeleteItemFromObject(f, "size");
		cJSON_AddStringToObject(f, "content", b64);
		break;
	}
	r = sb_vault_commit(&srv->vault, root);
	root = NULL;
out:
	ksmx_json_free(root);
	ksmx_strfree(b64);
	return r;
}

void
sb_upload_serve(struct sb_server *srv, const char *content_type,
    const uint8_t *body, size_t len, struct sb_response *resp)
{
	struct ksmx_buf content = KSMX_BUF_INIT(SB_MAX_BODY);
	struct part parts[8];
	const struct part *file;
	const cJSON *rec, *f, *want;
	char delim[80], uid[64], token[128], verr[256];
	uint8_t fkey[32];
	size_t n;

	snprintf(resp->client, sizeof resp->client, "-");
	if (sb_vault_refresh(&srv->vault, verr, sizeof verr) != 0)
		fprintf(srv->log, "keeper-sandbox: vault not reloaded: %s\n",
		    verr);
	if (boundary_of(delim, sizeof delim, content_type) != 0 ||
	    parse_parts(parts, sizeof parts / sizeof parts[0], &n, delim, body,
	    len) != 0 ||
	    part_str(uid, sizeof uid, find_part(parts, n, "key")) != 0 ||
	    part_str(token, sizeof token, find_part(parts, n,
	    "signature")) != 0 ||
	    (file = find_part(parts, n, "file")) == NULL) {
		upload_error(srv, resp, 400, "bad_request", "The upload is not "
		    "a multipart/form-data POST with the fields key, signature "
		    "and file");
		return;
	}
	if (sb_token_check(srv, "upload", uid, token) != 0) {
		upload_error(srv, resp, 403, "access_denied", "The upload "
		    "signature is invalid or expired");
		return;
	}
	if (sb_vault_find_file(&srv->vault, uid, &rec, &f) != 0 ||
	    !cJSON_IsTrue(cJSON_GetObjectItem(f, "pending"))) {
		upload_error(srv, resp, 409, "bad_request", "No upload is "
		    "expected for this file (uploaded already, or detached)");
		return;
	}
	if (srv->fault == SB_FAULT_UPLOAD) {
		upload_error(srv, resp, 503, "service_unavailable", "The file "
		    "store is unavailable (--fault upload)");
		return;
	}
	want = cJSON_GetObjectItem(f, "uploadSize");
	if (!cJSON_IsNumber(want) || (double)file->len != want->valuedouble) {
		upload_error(srv, resp, 400, "bad_request", "The file part is "
		    "not the fileSize announced in add_file");
		return;
	}
	if (sb_key_file(&srv->st, fkey, rec, f, uid) != 0 ||
	    ksm_crypto__gcm_decrypt(&content, fkey, file->data,
	    file->len) != 0 ||
	    (double)content.len != cJSON_GetNumberValue(
	    cJSON_GetObjectItem(f, "size"))) {
		upload_error(srv, resp, 400, "bad_request", "The file part does "
		    "not decrypt with the file key to the announced size");
		goto out;
	}
	if (store_content(srv, ksmx_json_str(rec, "uid"), uid, &content) != 0) {
		upload_error(srv, resp, 500, "internal_error",
		    "Unable to save the vault");
		goto out;
	}
	ksmx_buf_clear(&resp->body);
	resp->status = UPLOAD_STATUS;
	resp->content_type = "text/plain";
	resp->error[0] = '\0';
out:
	ksmx_wipe_array(fkey);
	ksmx_buf_clear(&content);
}
