/*
 * update_secret: a client replaces a record's data (GCM under the record
 * key) at the revision it read, and may detach files (links2Remove).
 * With a transactionType ("general" or "rotation") the change is staged:
 * the record keeps serving its old data until finalize_secret_update
 * commits it, or rollback_secret_update drops it (what Keeper does: an
 * update in a transaction that is never finalized is discarded).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm/error.h"
#include "json.h"
#include "util/wipe.h"
#include "sandbox.h"

#define PENDING		"pendingUpdate"

static double
revision_of(const cJSON *rec)
{
	const cJSON *cur = cJSON_GetObjectItem(rec, "revision");

	return cJSON_IsNumber(cur) ? cur->valuedouble : 1;
}

static void
set_number(cJSON *obj, const char *key, double v)
{
	if (cJSON_GetObjectItem(obj, key) != NULL)
		cJSON_ReplaceItemInObject(obj, key, cJSON_CreateNumber(v));
	else
		cJSON_AddNumberToObject(obj, key, v);
}

/* Every element of links2Remove names a file of rec: 0, or answered. */
static int
check_links(struct sb_call *k, const cJSON *rec, const cJSON *links)
{
	const cJSON *l, *f;
	char fuid[23];
	int found;

	if (links == NULL || cJSON_IsNull(links))
		return 0;
	if (!cJSON_IsArray(links)) {
		sb_reply_error(k, 400, "bad_request",
		    "links2Remove must be an array of file UIDs");
		return KSM_EINVAL;
	}
	cJSON_ArrayForEach(l, links) {
		found = 0;
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(rec, "files"))
			if (cJSON_IsString(l) && sb_vault_file_uid(fuid, rec,
			    f) == 0 && strcmp(fuid, l->valuestring) == 0)
				found = 1;
		if (!found) {
			sb_reply_error(k, 400, "bad_request", "File %.64s is "
			    "not attached to record %.64s",
			    cJSON_IsString(l) ? l->valuestring : "(not a UID)",
			    ksmx_json_str(rec, "uid"));
			return KSM_EINVAL;
		}
	}
	return 0;
}

/* The new data and revision of rec (in a copy of the vault); data taken. */
static void
apply(cJSON *rec, cJSON *data, const cJSON *links)
{
	cJSON *files = cJSON_GetObjectItem(rec, "files"), *f, *next;
	const cJSON *l;
	char fuid[23];

	cJSON_ReplaceItemInObject(rec, "data", data);
	set_number(rec, "revision", revision_of(rec) + 1);
	for (f = cJSON_IsArray(files) ? files->child : NULL; f != NULL;
	    f = next) {
		next = f->next;
		if (sb_vault_file_uid(fuid, rec, f) != 0)
			continue;
		cJSON_ArrayForEach(l, links)
			if (cJSON_IsString(l) && strcmp(l->valuestring,
			    fuid) == 0) {
				ksmx_json_free(cJSON_DetachItemViaPointer(files,
				    f));
				break;
			}
	}
	if (files != NULL && cJSON_GetArraySize(files) == 0)
		cJSON_DeleteItemFromObject(rec, "files");
}

void
sb_update_secret(struct sb_call *k)
{
	const char *uid = ksmx_json_str(k->payload, "recordUid");
	const char *data_b64 = ksmx_json_str(k->payload, "data");
	const cJSON *jrev = cJSON_GetObjectItem(k->payload, "revision");
	const cJSON *jtt = cJSON_GetObjectItem(k->payload, "transactionType");
	const cJSON *links = cJSON_GetObjectItem(k->payload, "links2Remove");
	const cJSON *rec;
	const char *tt = NULL;
	cJSON *data = NULL, *root = NULL, *mine, *p;
	uint8_t key[32];
	double have;
	int r;

	if (!sb_vault_uid_ok(uid) || data_b64 == NULL ||
	    !cJSON_IsNumber(jrev)) {
		sb_reply_error(k, 400, "bad_request",
		    "update_secret needs recordUid, data and revision");
		return;
	}
	if (jtt != NULL && !cJSON_IsNull(jtt)) {
		tt = cJSON_GetStringValue(jtt);
		if (tt == NULL || (strcmp(tt, "general") != 0 &&
		    strcmp(tt, "rotation") != 0)) {
			sb_reply_error(k, 400, "bad_request", "Unknown "
			    "transactionType; use general or rotation");
			return;
		}
	}
	if (sb_need_record(k, uid, &rec) != 0)
		return;
	if (cJSON_IsTrue(cJSON_GetObjectItem(rec, "legacy"))) {
		sb_reply_error(k, 400, "bad_request",
		    "keeper-sandbox does not update legacy records");
		return;
	}
	if (cJSON_GetObjectItem(rec, PENDING) != NULL) {
		sb_reply_error(k, 409, "transaction_in_progress", "Record "
		    "%.64s has an update transaction in progress; finalize or "
		    "roll it back first", uid);
		return;
	}
	have = revision_of(rec);
	if (jrev->valuedouble != have) {
		sb_reply_error(k, 409, "record_out_of_date", "Record %.64s is "
		    "at revision %.0f, the update was made at revision %.0f; "
		    "fetch it again", uid, have, jrev->valuedouble);
		return;
	}
	if (check_links(k, rec, links) != 0)
		return;
	if (sb_key_record(&k->srv->st, key, rec) != 0) {
		sb_reply_error(k, 500, "internal_error", "No record key");
		return;
	}
	data = sb_open_record(k, key, "data");
	ksmx_wipe_array(key);
	if (data == NULL)
		return;
	if ((root = sb_vault_copy(&k->srv->vault)) == NULL ||
	    (mine = sb_tree_find(root, "records", uid)) == NULL) {
		sb_reply_error(k, 500, "internal_error", "Out of memory");
		goto out;
	}
	if (tt == NULL) {
		apply(mine, data, links);
	} else {
		if ((p = cJSON_AddObjectToObject(mine, PENDING)) == NULL) {
			sb_reply_error(k, 500, "internal_error",
			    "Out of memory");
			goto out;
		}
		cJSON_AddItemToObject(p, "data", data);
		cJSON_AddStringToObject(p, "transactionType", tt);
		if (cJSON_IsArray(links))
			cJSON_AddItemToObject(p, "links2Remove",
			    cJSON_Duplicate(links, 1));
	}
	data = NULL;		/* in the tree */
	r = sb_commit_or_reply(k, root);
	root = NULL;		/* taken */
	if (r == 0) {
		sb_reply_empty(k);
		if (tt != NULL)
			snprintf(k->resp->error, sizeof k->resp->error,
			    "(staged)");
	}
out:
	ksmx_json_free(data);
	ksmx_json_free(root);
}

/* finalize_secret_update (commit) or rollback_secret_update. */
static void
complete(struct sb_call *k, int commit)
{
	const char *uid = ksmx_json_str(k->payload, "recordUid");
	const cJSON *rec;
	cJSON *root, *mine, *p;

	if (!sb_vault_uid_ok(uid)) {
		sb_reply_error(k, 400, "bad_request", "%s needs recordUid",
		    k->rq->endpoint);
		return;
	}
	if (sb_need_record(k, uid, &rec) != 0)
		return;
	if (cJSON_GetObjectItem(rec, PENDING) == NULL) {
		sb_reply_error(k, 400, "bad_request", "Record %.64s has no "
		    "update transaction to %s", uid, commit ? "finalize" :
		    "roll back");
		snprintf(k->resp->error, sizeof k->resp->error,
		    "no_transaction");
		return;
	}
	if ((root = sb_vault_copy(&k->srv->vault)) == NULL ||
	    (mine = sb_tree_find(root, "records", uid)) == NULL) {
		ksmx_json_free(root);
		sb_reply_error(k, 500, "internal_error", "Out of memory");
		return;
	}
	p = cJSON_DetachItemFromObject(mine, PENDING);
	if (commit)
		apply(mine, cJSON_DetachItemFromObject(p, "data"),
		    cJSON_GetObjectItem(p, "links2Remove"));
	ksmx_json_free(p);
	if (sb_commit_or_reply(k, root) == 0)
		sb_reply_empty(k);
}

void
sb_finalize_update(struct sb_call *k)
{
	complete(k, 1);
}

void
sb_rollback_update(struct sb_call *k)
{
	complete(k, 0);
}
