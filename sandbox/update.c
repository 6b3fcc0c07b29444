/*
 * update_secret: a client replaces a record's data (GCM under the record
 * key) at the revision it read.  The vault file is rewritten atomically
 * with the new data and the revision bumped.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ksm/error.h"
#include "json.h"
#include "util/b64.h"
#include "util/wipe.h"
#include "sandbox.h"

static int
listed(const cJSON *arr, const char *uid)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		const char *s = cJSON_GetStringValue(it);

		if (s != NULL && strcmp(s, uid) == 0)
			return 1;
	}
	return 0;
}

/*
 * How app reaches record uid: 0 not shared, 1 read-only, 2 editable
 * (through at least one editable share).
 */
static int
access_of(const struct sb_vault *v, const cJSON *app, const char *uid)
{
	const cJSON *g, *sf;
	int best = 0, e;

	if (listed(cJSON_GetObjectItem(app, "records"), uid))
		best = sb_vault_share_editable(app, uid) ? 2 : 1;
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(v->root, "folders")) {
		if (!listed(cJSON_GetObjectItem(g, "records"), uid))
			continue;
		sf = sb_vault_root_folder(v, ksmx_json_str(g, "uid"));
		if (sf == NULL || !listed(cJSON_GetObjectItem(app, "folders"),
		    ksmx_json_str(sf, "uid")))
			continue;
		e = sb_vault_share_editable(app, ksmx_json_str(sf, "uid")) ?
		    2 : 1;
		if (e > best)
			best = e;
	}
	return best;
}

/* Decrypt data (either base64 alphabet) under rec_key into a JSON object. */
static int
open_data(cJSON **out, const uint8_t rec_key[32], const char *b64)
{
	struct ksmx_buf ct = KSMX_BUF_INIT(SB_MAX_BODY);
	struct ksmx_buf pt = KSMX_BUF_INIT(SB_MAX_BODY);
	int r;

	*out = NULL;
	if ((r = ksmx_b64_decode(&ct, b64, strlen(b64))) == 0 &&
	    (r = ksm_crypto__gcm_decrypt(&pt, rec_key, ct.d, ct.len)) == 0) {
		*out = ksmx_json_parse(pt.d, pt.len);
		if (*out != NULL && !cJSON_IsObject(*out)) {
			ksmx_json_free(*out);
			*out = NULL;
		}
		if (*out == NULL)
			r = KSM_EINVAL;
	}
	ksmx_buf_clear(&ct);
	ksmx_buf_clear(&pt);
	return r;
}

/*
 * A copy of the vault with record uid's data replaced (data is taken) and
 * its revision set, written atomically; on success it becomes the tree.
 */
static int
save(struct sb_vault *v, const char *uid, cJSON *data, double revision)
{
	struct stat sb;
	cJSON *root, *rec;
	char *text = NULL, err[256];
	int mode = 0600, r = KSM_ENOMEM;

	if ((root = cJSON_Duplicate(v->root, 1)) == NULL) {
		ksmx_json_free(data);
		return KSM_ENOMEM;
	}
	cJSON_ArrayForEach(rec, cJSON_GetObjectItem(root, "records")) {
		const char *u = ksmx_json_str(rec, "uid");

		if (u != NULL && strcmp(u, uid) == 0)
			break;
	}
	if (rec == NULL) {
		ksmx_json_free(data);
		r = KSM_ENOTFOUND;
		goto out;
	}
	cJSON_ReplaceItemInObject(rec, "data", data);
	if (cJSON_GetObjectItem(rec, "revision") != NULL)
		cJSON_ReplaceItemInObject(rec, "revision",
		    cJSON_CreateNumber(revision));
	else
		cJSON_AddNumberToObject(rec, "revision", revision);
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

void
sb_update_secret(struct sb_server *srv, const struct sb_request *rq,
    const cJSON *app, const cJSON *payload, struct sb_response *resp)
{
	const char *uid = ksmx_json_str(payload, "recordUid");
	const char *data_b64 = ksmx_json_str(payload, "data");
	const cJSON *jrev = cJSON_GetObjectItem(payload, "revision");
	const cJSON *rec, *cur;
	cJSON *data = NULL;
	uint8_t key[32];
	char m[200];
	double have;
	int r;

	if (!sb_vault_uid_ok(uid) || data_b64 == NULL ||
	    !cJSON_IsNumber(jrev)) {
		sb_response_error(resp, srv, rq, 400, "bad_request",
		    "update_secret needs recordUid, data and revision");
		return;
	}
	rec = sb_vault_record(&srv->vault, uid);
	switch (rec != NULL ? access_of(&srv->vault, app, uid) : 0) {
	case 0:
		snprintf(m, sizeof m, "Record %.64s is not shared with the "
		    "application", uid);
		sb_response_error(resp, srv, rq, 403, "access_denied", m);
		return;
	case 1:
		snprintf(m, sizeof m, "The application has read-only access "
		    "to record %.64s", uid);
		sb_response_error(resp, srv, rq, 403, "access_denied", m);
		snprintf(resp->error, sizeof resp->error, "read_only");
		return;
	default:
		break;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItem(rec, "legacy"))) {
		sb_response_error(resp, srv, rq, 400, "bad_request",
		    "keeper-sandbox does not update legacy records");
		return;
	}
	cur = cJSON_GetObjectItem(rec, "revision");
	have = cJSON_IsNumber(cur) ? cur->valuedouble : 1;
	if (jrev->valuedouble != have) {
		snprintf(m, sizeof m, "Record %.64s is at revision %.0f, the "
		    "update was made at revision %.0f; fetch it again", uid,
		    have, jrev->valuedouble);
		sb_response_error(resp, srv, rq, 409, "record_out_of_date", m);
		return;
	}
	if ((r = sb_state_derive(&srv->st, key, "record", uid, NULL)) != 0 ||
	    (r = open_data(&data, key, data_b64)) != 0) {
		ksmx_wipe_array(key);
		sb_response_error(resp, srv, rq, 400, "bad_request",
		    r == KSM_EINVAL ? "The record data is not a JSON object" :
		    "Unable to decrypt the record data");
		return;
	}
	ksmx_wipe_array(key);
	if ((r = save(&srv->vault, uid, data, have + 1)) != 0) {
		fprintf(srv->log, "keeper-sandbox: cannot save the vault: %s\n",
		    ksm_strerror(r));
		sb_response_error(resp, srv, rq, 500, "internal_error",
		    "Unable to save the vault");
		return;
	}
	ksmx_buf_clear(&resp->body);
	resp->status = 200;
	resp->content_type = "application/octet-stream";
	resp->error[0] = '\0';
}
