/*
 * What every write endpoint shares: Keeper-shaped answers, who may edit
 * what, opening the client's ciphertexts, and committing a changed copy
 * of the vault (written atomically, then reloaded and validated like any
 * change to the file).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ksm/error.h"
#include "json.h"
#include "util/b64.h"
#include "util/wipe.h"
#include "sandbox.h"

/* ---- answers ---- */

void
sb_reply_error(struct sb_call *k, int status, const char *code,
    const char *fmt, ...)
{
	char m[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	sb_response_error(k->resp, k->srv, k->rq, status, code, m);
}

void
sb_reply_empty(struct sb_call *k)
{
	ksmx_buf_clear(&k->resp->body);
	k->resp->status = 200;
	k->resp->content_type = "application/octet-stream";
	k->resp->error[0] = '\0';
}

void
sb_reply_json(struct sb_call *k, const cJSON *root)
{
	char *text = ksmx_json_print(root);

	ksmx_buf_clear(&k->resp->body);
	if (text == NULL || ksm_crypto__gcm_encrypt(&k->resp->body, k->tk,
	    text, strlen(text)) != 0) {
		ksmx_strfree(text);
		sb_reply_error(k, 500, "internal_error",
		    "Unable to build the response");
		return;
	}
	ksmx_strfree(text);
	k->resp->status = 200;
	k->resp->content_type = "application/octet-stream";
	k->resp->error[0] = '\0';
}

/* ---- access ---- */

static int
listed(const cJSON *arr, const char *uid)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		const char *s = cJSON_GetStringValue(it);

		if (s != NULL && uid != NULL && strcmp(s, uid) == 0)
			return 1;
	}
	return 0;
}

int
sb_access_folder(const struct sb_vault *v, const cJSON *app,
    const char *uid)
{
	const cJSON *sf = sb_vault_root_folder(v, uid);
	const char *sf_uid = ksmx_json_str(sf, "uid");

	if (sf == NULL || !listed(cJSON_GetObjectItem(app, "folders"), sf_uid))
		return 0;
	return sb_vault_share_editable(app, sf_uid) ? 2 : 1;
}

int
sb_access_record(const struct sb_vault *v, const cJSON *app, const char *uid)
{
	const cJSON *g;
	int best = 0, e;

	if (listed(cJSON_GetObjectItem(app, "records"), uid))
		best = sb_vault_share_editable(app, uid) ? 2 : 1;
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(v->root, "folders")) {
		if (!listed(cJSON_GetObjectItem(g, "records"), uid))
			continue;
		e = sb_access_folder(v, app, ksmx_json_str(g, "uid"));
		if (e > best)
			best = e;
	}
	return best;
}

int
sb_need_record(struct sb_call *k, const char *uid, const cJSON **rec)
{
	*rec = sb_vault_record(&k->srv->vault, uid);
	switch (*rec != NULL ? sb_access_record(&k->srv->vault, k->app, uid) :
	    0) {
	case 0:
		sb_reply_error(k, 403, "access_denied", "Record %.64s is not "
		    "shared with the application", uid);
		return KSM_EACCESS;
	case 1:
		sb_reply_error(k, 403, "access_denied", "The application has "
		    "read-only access to record %.64s", uid);
		snprintf(k->resp->error, sizeof k->resp->error, "read_only");
		return KSM_EACCESS;
	default:
		return 0;
	}
}

/* ---- opening the client's ciphertexts ---- */

int
sb_open_b64(struct ksmx_buf *out, const uint8_t key[32], const char *b64,
    int cbc)
{
	struct ksmx_buf ct = KSMX_BUF_INIT(SB_MAX_BODY);
	int r;

	if (b64 == NULL)
		return KSM_EINVAL;
	if ((r = ksmx_b64_decode(&ct, b64, strlen(b64))) == 0)
		r = cbc ? ksm_crypto__cbc_decrypt(out, key, ct.d, ct.len) :
		    ksm_crypto__gcm_decrypt(out, key, ct.d, ct.len);
	ksmx_buf_clear(&ct);
	return r;
}

int
sb_open_json(cJSON **out, const uint8_t key[32], const char *b64, int cbc)
{
	struct ksmx_buf pt = KSMX_BUF_INIT(SB_MAX_BODY);
	int r;

	*out = NULL;
	if ((r = sb_open_b64(&pt, key, b64, cbc)) == 0) {
		*out = ksmx_json_parse(pt.d, pt.len);
		if (*out != NULL && !cJSON_IsObject(*out)) {
			ksmx_json_free(*out);
			*out = NULL;
		}
		if (*out == NULL)
			r = KSM_EINVAL;
	}
	ksmx_buf_clear(&pt);
	return r;
}

int
sb_open_key(uint8_t out[32], const uint8_t kek[32], const char *b64, int cbc)
{
	struct ksmx_buf pt = KSMX_BUF_INIT(256);
	int r;

	if ((r = sb_open_b64(&pt, kek, b64, cbc)) == 0 && pt.len != 32)
		r = KSM_EINVAL;
	if (r == 0)
		memcpy(out, pt.d, 32);
	ksmx_buf_clear(&pt);
	return r;
}

int
sb_open_owner_key(const struct sb_state *st, uint8_t out[32],
    const char *b64)
{
	struct ksmx_buf ct = KSMX_BUF_INIT(1024);
	struct ksmx_buf pt = KSMX_BUF_INIT(256);
	int r;

	if (b64 == NULL)
		return KSM_EINVAL;
	if ((r = ksmx_b64_decode(&ct, b64, strlen(b64))) == 0 &&
	    (r = ksm_crypto__ecies_decrypt(&pt, st->owner_key, ct.d,
	    ct.len)) == 0 && pt.len != 32)
		r = KSM_EINVAL;
	if (r == 0)
		memcpy(out, pt.d, 32);
	ksmx_buf_clear(&ct);
	ksmx_buf_clear(&pt);
	return r;
}

cJSON *
sb_open_record(struct sb_call *k, const uint8_t key[32], const char *member)
{
	cJSON *data = NULL;
	char *text = NULL;
	size_t n = 0;
	int r;

	if ((r = sb_open_json(&data, key, ksmx_json_str(k->payload, member),
	    0)) != 0) {
		sb_reply_error(k, 400, "bad_request", r == KSM_EINVAL ?
		    "%s is not a JSON object" : "Unable to decrypt %s", member);
		return NULL;
	}
	if ((text = ksmx_json_print(data)) != NULL)
		n = strlen(text);
	ksmx_strfree(text);
	if (n > SB_MAX_RECORD) {
		sb_reply_error(k, 400, "bad_request", "%s is too large (%zu "
		    "bytes; at most %u)", member, n, SB_MAX_RECORD);
		ksmx_json_free(data);
		return NULL;
	}
	return data;
}

int
sb_delete_begin(struct sb_call *k, const char *what, const cJSON **uids,
    cJSON **answer, cJSON **list, cJSON **root)
{
	char key[32], name[32];

	snprintf(key, sizeof key, "%sUids", what);
	snprintf(name, sizeof name, "%ss", what);
	*answer = *list = *root = NULL;
	*uids = cJSON_GetObjectItem(k->payload, key);
	if (!cJSON_IsArray(*uids) || cJSON_GetArraySize(*uids) == 0) {
		sb_reply_error(k, 400, "bad_request", "%s needs %s",
		    k->rq->endpoint, key);
		return KSM_EINVAL;
	}
	if ((*answer = cJSON_CreateObject()) == NULL ||
	    (*list = cJSON_AddArrayToObject(*answer, name)) == NULL ||
	    (*root = sb_vault_copy(&k->srv->vault)) == NULL) {
		sb_reply_error(k, 500, "internal_error", "Out of memory");
		ksmx_json_free(*answer);
		*answer = NULL;
		return KSM_ENOMEM;
	}
	return 0;
}

void
sb_reply_items(struct sb_call *k, cJSON *root, int changed,
    const cJSON *answer)
{
	if (changed) {
		if (sb_commit_or_reply(k, root) != 0)
			return;
	} else
		ksmx_json_free(root);
	sb_reply_json(k, answer);
}

/* ---- the vault tree ---- */

cJSON *
sb_tree_find(cJSON *root, const char *list, const char *uid)
{
	cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, list)) {
		const char *u = ksmx_json_str(it, "uid");

		if (u != NULL && uid != NULL && strcmp(u, uid) == 0)
			return it;
	}
	return NULL;
}

static void
unlist_in(cJSON *arr, const char *uid)
{
	cJSON *it, *next;

	for (it = cJSON_IsArray(arr) ? arr->child : NULL; it != NULL;
	    it = next) {
		next = it->next;
		if (cJSON_IsString(it) && strcmp(it->valuestring, uid) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
	}
}

void
sb_tree_unlist(cJSON *root, const char *uid)
{
	static const char *const app_lists[] = {
		"records", "folders", "readOnly"
	};
	cJSON *it;
	size_t i;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "folders"))
		unlist_in(cJSON_GetObjectItem(it, "records"), uid);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "applications"))
		for (i = 0; i < sizeof app_lists / sizeof app_lists[0]; i++)
			unlist_in(cJSON_GetObjectItem(it, app_lists[i]), uid);
}

cJSON *
sb_tree_list(cJSON *obj, const char *key)
{
	cJSON *a = cJSON_GetObjectItem(obj, key);

	if (cJSON_IsArray(a))
		return a;
	cJSON_DeleteItemFromObject(obj, key);
	return cJSON_AddArrayToObject(obj, key);
}

cJSON *
sb_vault_copy(const struct sb_vault *v)
{
	return cJSON_Duplicate(v->root, 1);
}

int
sb_vault_commit(struct sb_vault *v, cJSON *root)
{
	struct stat sb;
	char *text = NULL, err[256];
	int mode = 0600, r = KSM_ENOMEM;

	if ((text = ksmx_json_print(root)) == NULL)
		goto out;
	if (stat(v->path, &sb) == 0)
		mode = (int)(sb.st_mode & 07777);
	if ((r = sb_file_write(v->path, text, strlen(text), mode)) != 0)
		goto out;
	/* serve what the file now says, validated like any change to it */
	v->mtime = 0;
	v->mtime_ns = -1;
	r = sb_vault_refresh(v, err, sizeof err);
out:
	ksmx_strfree(text);
	ksmx_json_free(root);
	return r;
}

int
sb_commit_or_reply(struct sb_call *k, cJSON *root)
{
	int r;

	if (root == NULL)
		r = KSM_ENOMEM;
	else
		r = sb_vault_commit(&k->srv->vault, root);
	if (r != 0) {
		fprintf(k->srv->log, "keeper-sandbox: cannot save the vault: "
		    "%s\n", ksm_strerror(r));
		sb_reply_error(k, 500, "internal_error",
		    "Unable to save the vault");
	}
	return r;
}
