/*
 * create_folder, update_folder and delete_folder: folders below a shared
 * folder (an application cannot make or remove a shared folder itself).
 * A folder's key is AES-CBC under its shared folder's key and its data
 * AES-CBC under its own key, as get_folders serves them.
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

#define MAX_FOLDER_NAME	1024	/* bytes */

/* {"name": "..."} decrypted with key: the name (malloc'd) or answered. */
static char *
open_name(struct sb_call *k, const uint8_t key[32])
{
	cJSON *data = NULL;
	const char *name;
	char *out = NULL;

	if (sb_open_json(&data, key, ksmx_json_str(k->payload, "data"),
	    1) != 0) {
		sb_reply_error(k, 400, "bad_request", "Unable to decrypt the "
		    "folder data");
		return NULL;
	}
	name = ksmx_json_str(data, "name");
	if (name == NULL || name[0] == '\0' || strlen(name) > MAX_FOLDER_NAME)
		sb_reply_error(k, 400, "bad_request", "The folder data needs "
		    "a name of 1 to %d bytes", MAX_FOLDER_NAME);
	else if ((out = strdup(name)) == NULL)
		sb_reply_error(k, 500, "internal_error", "Out of memory");
	ksmx_json_free(data);
	return out;
}

/*
 * The folder uid as something app may change: 0 (and *sf its shared
 * folder), or answered.
 */
static int
editable_folder(struct sb_call *k, const char *uid, const cJSON **sf)
{
	const struct sb_vault *v = &k->srv->vault;

	switch (uid == NULL || sb_vault_folder(v, uid) == NULL ? 0 :
	    sb_access_folder(v, k->app, uid)) {
	case 0:
		sb_reply_error(k, 403, "access_denied", "Folder %.64s is not "
		    "shared with the application", uid != NULL ? uid :
		    "(none)");
		return KSM_EACCESS;
	case 1:
		sb_reply_error(k, 403, "access_denied", "The application has "
		    "read-only access to folder %.64s", uid);
		snprintf(k->resp->error, sizeof k->resp->error, "read_only");
		return KSM_EACCESS;
	default:
		*sf = sb_vault_root_folder(v, uid);
		return 0;
	}
}

void
sb_create_folder(struct sb_call *k)
{
	const struct sb_vault *v = &k->srv->vault;
	const char *uid = ksmx_json_str(k->payload, "folderUid");
	const char *sf_uid = ksmx_json_str(k->payload, "sharedFolderUid");
	const char *parent = ksmx_json_str(k->payload, "parentUid");
	const cJSON *sf = NULL;
	cJSON *root = NULL, *f;
	uint8_t sf_key[32], key[32];
	char *name = NULL, *key_b64 = NULL;

	if (uid == NULL || strlen(uid) != 22 || !sb_vault_uid_ok(uid)) {
		sb_reply_error(k, 400, "bad_request", "folderUid must be 22 "
		    "url-safe base64 characters");
		return;
	}
	if (sb_vault_folder(v, uid) != NULL || sb_vault_record(v, uid) != NULL) {
		sb_reply_error(k, 409, "bad_request", "folderUid %.64s already "
		    "exists", uid);
		return;
	}
	if (editable_folder(k, sf_uid, &sf) != 0)
		return;
	if (sf != sb_vault_folder(v, sf_uid)) {
		sb_reply_error(k, 400, "bad_request", "sharedFolderUid %.64s "
		    "is not a shared folder", sf_uid);
		return;
	}
	if (parent == NULL || parent[0] == '\0')
		parent = sf_uid;
	else if (sb_vault_root_folder(v, parent) != sf) {
		sb_reply_error(k, 400, "bad_request", "Folder %.64s is not in "
		    "shared folder %.64s", parent, sf_uid);
		return;
	}
	if (sb_key_folder(&k->srv->st, sf_key, sf) != 0 ||
	    sb_open_key(key, sf_key, ksmx_json_str(k->payload,
	    "sharedFolderKey"), 1) != 0) {
		sb_reply_error(k, 400, "bad_request", "Unable to decrypt the "
		    "folder key (sharedFolderKey: AES-CBC under the shared "
		    "folder key)");
		goto out;
	}
	if ((name = open_name(k, key)) == NULL)
		goto out;
	if ((key_b64 = ksmx_b64_encode_str(key, 32, KSMX_B64_STD)) == NULL ||
	    (root = sb_vault_copy(v)) == NULL ||
	    (f = cJSON_CreateObject()) == NULL) {
		sb_reply_error(k, 500, "internal_error", "Out of memory");
		goto out;
	}
	cJSON_AddItemToArray(sb_tree_list(root, "folders"), f);
	cJSON_AddStringToObject(f, "uid", uid);
	cJSON_AddStringToObject(f, "name", name);
	cJSON_AddStringToObject(f, "parent", parent);
	cJSON_AddStringToObject(f, "folderKey", key_b64);
	cJSON_AddArrayToObject(f, "records");
	if (sb_commit_or_reply(k, root) == 0)
		sb_reply_empty(k);
	root = NULL;
out:
	ksmx_wipe_array(sf_key);
	ksmx_wipe_array(key);
	ksmx_strfree(key_b64);
	free(name);
	ksmx_json_free(root);
}

void
sb_update_folder(struct sb_call *k)
{
	const char *uid = ksmx_json_str(k->payload, "folderUid");
	const cJSON *sf;
	cJSON *root = NULL, *f;
	uint8_t key[32];
	char *name = NULL;

	if (editable_folder(k, uid, &sf) != 0)
		return;
	if (sb_key_folder(&k->srv->st, key, sb_vault_folder(&k->srv->vault,
	    uid)) != 0) {
		sb_reply_error(k, 500, "internal_error", "No folder key");
		goto out;
	}
	if ((name = open_name(k, key)) == NULL)
		goto out;
	if ((root = sb_vault_copy(&k->srv->vault)) == NULL ||
	    (f = sb_tree_find(root, "folders", uid)) == NULL) {
		sb_reply_error(k, 500, "internal_error", "Out of memory");
		goto out;
	}
	cJSON_ReplaceItemInObject(f, "name", cJSON_CreateString(name));
	if (sb_commit_or_reply(k, root) == 0)
		sb_reply_empty(k);
	root = NULL;
out:
	ksmx_wipe_array(key);
	free(name);
	ksmx_json_free(root);
}

/* Non-zero when folder uid holds records or has folders below it. */
static int
folder_used(const cJSON *root, const char *uid)
{
	const cJSON *f = NULL, *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "folders")) {
		const char *p = ksmx_json_str(it, "parent");

		if (p != NULL && strcmp(p, uid) == 0)
			return 1;
		if (strcmp(ksmx_json_str(it, "uid"), uid) == 0)
			f = it;
	}
	return cJSON_GetArraySize(cJSON_GetObjectItem(f, "records")) > 0;
}

/*
 * Remove folder uid, the folders below it and the records in them (in
 * Keeper a forced folder deletion deletes its records).
 */
static void
remove_tree(cJSON *root, const char *uid)
{
	cJSON *folders = cJSON_GetObjectItem(root, "folders");
	cJSON *f, *next, *rec;
	const cJSON *r;
	char *mine;

	if ((mine = strdup(uid)) == NULL)
		return;
	for (f = folders != NULL ? folders->child : NULL; f != NULL;
	    f = next) {
		const char *p = ksmx_json_str(f, "parent");

		next = f->next;
		if (p != NULL && strcmp(p, mine) == 0) {
			remove_tree(root, ksmx_json_str(f, "uid"));
			next = folders->child;	/* the list changed */
		}
	}
	if ((f = sb_tree_find(root, "folders", mine)) != NULL) {
		/* out of the tree first: unlisting must not touch its list */
		cJSON_DetachItemViaPointer(folders, f);
		cJSON_ArrayForEach(r, cJSON_GetObjectItem(f, "records")) {
			if (!cJSON_IsString(r))
				continue;
			if ((rec = sb_tree_find(root, "records",
			    r->valuestring)) != NULL)
				ksmx_json_free(cJSON_DetachItemViaPointer(
				    cJSON_GetObjectItem(root, "records"), rec));
			sb_tree_unlist(root, r->valuestring);
		}
		ksmx_json_free(f);
	}
	sb_tree_unlist(root, mine);
	free(mine);
}

void
sb_delete_folder(struct sb_call *k)
{
	const struct sb_vault *v = &k->srv->vault;
	int force = cJSON_IsTrue(cJSON_GetObjectItem(k->payload,
	    "forceDeletion"));
	const cJSON *uids, *u;
	cJSON *answer, *list, *root;
	char m[200];
	int changed = 0;

	if (sb_delete_begin(k, "folder", &uids, &answer, &list, &root) != 0)
		return;
	cJSON_ArrayForEach(u, uids) {
		const char *uid = cJSON_GetStringValue(u);
		const cJSON *f = uid != NULL ? sb_vault_folder(v, uid) : NULL;
		int access = f != NULL ? sb_access_folder(v, k->app, uid) : 0;

		if (access == 0) {
			snprintf(m, sizeof m, "Folder %.64s is not shared with "
			    "the application", uid != NULL ? uid : "");
			sb_delete_result(list, "folderUid", uid ? uid : "",
			    "folder_uid_not_found", m);
		} else if (access == 1) {
			snprintf(m, sizeof m, "The application has read-only "
			    "access to folder %.64s", uid);
			sb_delete_result(list, "folderUid", uid,
			    "access_denied", m);
		} else if (ksmx_json_str(f, "parent") == NULL) {
			snprintf(m, sizeof m, "Folder %.64s is a shared "
			    "folder; only the vault can delete it", uid);
			sb_delete_result(list, "folderUid", uid,
			    "access_denied", m);
		} else if (sb_tree_find(root, "folders", uid) == NULL) {
			continue;	/* went with a folder above it */
		} else if (!force && folder_used(root, uid)) {
			snprintf(m, sizeof m, "Folder %.64s is not empty; "
			    "delete it with forceDeletion", uid);
			sb_delete_result(list, "folderUid", uid,
			    "folder_not_empty", m);
		} else {
			remove_tree(root, uid);
			sb_delete_result(list, "folderUid", uid, "ok", "");
			changed = 1;
		}
	}
	sb_reply_items(k, root, changed, answer);
	ksmx_json_free(answer);
}
