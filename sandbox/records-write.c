/*
 * create_secret and delete_secret.
 *
 * create_secret: the client made the record key and sent it twice, to the
 * application owner (ECIES, recordKey) and under the shared folder's key
 * (GCM, folderKey); Keeper cannot read either, but the sandbox holds both
 * keys and refuses a pair that disagrees, since Keeper would serve a record
 * nobody can decrypt.  The data must decrypt under that key.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm/error.h"
#include "json.h"
#include "util/b64.h"
#include "util/wipe.h"
#include "sandbox.h"

/* A new item's UID: 22 url-safe characters, not in use. */
static int
new_uid_ok(struct sb_call *k, const char *uid, const char *what)
{
	if (uid == NULL || strlen(uid) != 22 || !sb_vault_uid_ok(uid)) {
		sb_reply_error(k, 400, "bad_request", "%s must be 22 url-safe "
		    "base64 characters", what);
		return 0;
	}
	if (sb_vault_record(&k->srv->vault, uid) != NULL ||
	    sb_vault_folder(&k->srv->vault, uid) != NULL) {
		sb_reply_error(k, 409, "bad_request", "%s %.64s already "
		    "exists", what, uid);
		return 0;
	}
	return 1;
}

/*
 * The shared folder sf_uid and, optionally, a folder below it that app
 * may add to: 0 with *target the folder to list the new item in, or
 * answered.
 */
static int
writable_folder(struct sb_call *k, const char *sf_uid, const char *sub_uid,
    const cJSON **target)
{
	const struct sb_vault *v = &k->srv->vault;
	const cJSON *sf = sb_vault_folder(v, sf_uid);

	if (sf == NULL || sb_access_folder(v, k->app, sf_uid) == 0) {
		sb_reply_error(k, 403, "access_denied", "Folder %.64s is not "
		    "shared with the application", sf_uid != NULL ? sf_uid :
		    "(none)");
		return KSM_EACCESS;
	}
	if (ksmx_json_str(sf, "parent") != NULL) {
		sb_reply_error(k, 400, "bad_request", "Folder %.64s is not a "
		    "shared folder; give its shared folder and name this one "
		    "as the sub-folder", sf_uid);
		return KSM_EINVAL;
	}
	if (sb_access_folder(v, k->app, sf_uid) != 2) {
		sb_reply_error(k, 403, "access_denied", "The application has "
		    "read-only access to shared folder %.64s", sf_uid);
		snprintf(k->resp->error, sizeof k->resp->error, "read_only");
		return KSM_EACCESS;
	}
	*target = sf;
	if (sub_uid == NULL)
		return 0;
	*target = sb_vault_folder(v, sub_uid);
	if (*target == NULL || sb_vault_root_folder(v, sub_uid) != sf) {
		sb_reply_error(k, 400, "bad_request", "Folder %.64s is not in "
		    "shared folder %.64s", sub_uid, sf_uid);
		return KSM_EINVAL;
	}
	return 0;
}

/* a string member, or NULL when absent, null or "" */
static const char *
opt_str(const cJSON *o, const char *key)
{
	const char *s = ksmx_json_str(o, key);

	return s != NULL && s[0] != '\0' ? s : NULL;
}

void
sb_create_secret(struct sb_call *k)
{
	const char *uid = ksmx_json_str(k->payload, "recordUid");
	const char *sf_uid = ksmx_json_str(k->payload, "folderUid");
	const char *sub_uid = opt_str(k->payload, "subFolderUid");
	const cJSON *target;
	cJSON *data = NULL, *root = NULL, *rec, *list;
	uint8_t rkey[32], fkey[32], sf_key[32];
	char *rkey_b64 = NULL;
	int r;

	if (!new_uid_ok(k, uid, "recordUid") ||
	    writable_folder(k, sf_uid, sub_uid, &target) != 0)
		goto out;
	if ((r = sb_key_folder(&k->srv->st, sf_key,
	    sb_vault_folder(&k->srv->vault, sf_uid))) != 0 ||
	    sb_open_owner_key(&k->srv->st, rkey,
	    ksmx_json_str(k->payload, "recordKey")) != 0 ||
	    sb_open_key(fkey, sf_key, ksmx_json_str(k->payload, "folderKey"),
	    0) != 0) {
		sb_reply_error(k, 400, "bad_request", "Unable to decrypt the "
		    "record key (recordKey for the application owner, "
		    "folderKey under the shared folder key)");
		goto out;
	}
	if (ksmx_memeq_ct(rkey, fkey, 32) != 0) {
		sb_reply_error(k, 400, "bad_request", "recordKey and folderKey "
		    "hold different keys");
		goto out;
	}
	if ((data = sb_open_record(k, rkey, "data")) == NULL)
		goto out;
	if ((rkey_b64 = ksmx_b64_encode_str(rkey, 32, KSMX_B64_STD)) == NULL ||
	    (root = sb_vault_copy(&k->srv->vault)) == NULL ||
	    (rec = cJSON_CreateObject()) == NULL) {
		sb_reply_error(k, 500, "internal_error", "Out of memory");
		goto out;
	}
	cJSON_AddItemToArray(sb_tree_list(root, "records"), rec);
	cJSON_AddStringToObject(rec, "uid", uid);
	cJSON_AddStringToObject(rec, "recordKey", rkey_b64);
	cJSON_AddNumberToObject(rec, "revision", 1);
	cJSON_AddItemToObject(rec, "data", data);
	data = NULL;
	list = sb_tree_list(sb_tree_find(root, "folders",
	    ksmx_json_str(target, "uid")), "records");
	cJSON_AddItemToArray(list, cJSON_CreateString(uid));
	r = sb_commit_or_reply(k, root);
	root = NULL;
	if (r == 0)
		sb_reply_empty(k);
out:
	ksmx_wipe_array(rkey);
	ksmx_wipe_array(fkey);
	ksmx_wipe_array(sf_key);
	ksmx_strfree(rkey_b64);
	ksmx_json_free(data);
	ksmx_json_free(root);
}

/* One entry of a delete answer ({"recordUid"|"folderUid", code, message}). */
void
sb_delete_result(cJSON *list, const char *uid_key, const char *uid,
    const char *code, const char *message)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return;
	cJSON_AddStringToObject(o, uid_key, uid);
	cJSON_AddStringToObject(o, "responseCode", code);
	cJSON_AddStringToObject(o, "errorMessage", message);
	cJSON_AddItemToArray(list, o);
}

void
sb_delete_secret(struct sb_call *k)
{
	const cJSON *uids, *u;
	cJSON *answer, *list, *root, *rec;
	char m[160];
	int changed = 0;

	if (sb_delete_begin(k, "record", &uids, &answer, &list, &root) != 0)
		return;
	cJSON_ArrayForEach(u, uids) {
		const char *uid = cJSON_GetStringValue(u);

		if (uid == NULL || !sb_vault_uid_ok(uid)) {
			sb_delete_result(list, "recordUid", uid ? uid : "",
			    "invalid", "Not a record UID");
			continue;
		}
		switch (sb_vault_record(&k->srv->vault, uid) == NULL ? 0 :
		    sb_access_record(&k->srv->vault, k->app, uid)) {
		case 0:
			snprintf(m, sizeof m, "Record %.64s is not shared "
			    "with the application", uid);
			sb_delete_result(list, "recordUid", uid,
			    "record_uid_not_found", m);
			continue;
		case 1:
			snprintf(m, sizeof m, "The application has read-only "
			    "access to record %.64s", uid);
			sb_delete_result(list, "recordUid", uid,
			    "access_denied", m);
			continue;
		default:
			break;
		}
		if ((rec = sb_tree_find(root, "records", uid)) == NULL)
			continue;	/* listed twice: gone already */
		ksmx_json_free(cJSON_DetachItemViaPointer(
		    cJSON_GetObjectItem(root, "records"), rec));
		sb_tree_unlist(root, uid);
		sb_delete_result(list, "recordUid", uid, "ok", "");
		changed = 1;
	}
	sb_reply_items(k, root, changed, answer);
	ksmx_json_free(answer);
}
