#include "config.h"

/*
 * Creating a record (ksm-protocol.md §5, create_secret) as the JS SDK
 * does: a new UID and record key; the key sealed for the application
 * owner (ECIES, std base64) and under the shared folder's key (GCM, std
 * base64); the data under the record key (GCM, url base64).  folderUid is
 * always the shared folder; a folder below it is subFolderUid.
 */

#include <string.h>

#include "ksm-int.h"
#include "write-int.h"
#include "json.h"

int
ksm_client_create_record(char uid[KSM_UID_BUF], ksm_client *c,
    const char *folder_uid, const char *json, unsigned int flags)
{
	unsigned char key[KSM_AES_KEY_LEN];
	const ksm_folder *f = NULL, *root = NULL;
	ksm_folders *set = NULL;
	const char *new_uid = uid;
	cJSON *o = NULL;
	int r;

	KSM_ASSERT_ARG(uid != NULL);
	uid[0] = '\0';
	KSM_ASSERT_ARG(c != NULL && folder_uid != NULL && json != NULL);
	if ((r = ksm_record_validate(json, flags)) != 0 ||
	    (r = ksm_write__need_owner(c)) != 0 ||
	    (r = ksm_write__folder(&set, &f, &root, c, folder_uid)) != 0)
		goto out;
	if ((r = ksm_write__new_uid(uid, 0)) != 0 ||
	    (r = ksm_crypto__random(key, sizeof(key))) != 0)
		goto out;
	if ((o = ksm_write__payload(c)) == NULL ||
	    cJSON_AddStringToObject(o, "recordUid", uid) == NULL ||
	    (r = ksm_write__add_for_owner(c, o, "recordKey", key,
	    sizeof(key))) != 0)
		goto nomem;
	if (cJSON_AddStringToObject(o, "folderUid", ksm_folder_uid(root)) ==
	    NULL ||
	    (r = ksm_write__add_sealed(o, "folderKey", ksm_folder__key(root),
	    key, sizeof(key), 0, KSMX_B64_STD)) != 0 ||
	    (r = ksm_write__add_sealed(o, "data", key, json, strlen(json), 0,
	    KSMX_B64_URL)) != 0 ||
	    (f != root && cJSON_AddStringToObject(o, "subFolderUid",
	    ksm_folder_uid(f)) == NULL))
		goto nomem;
	r = ksm_write__send(c, "create_secret", o, NULL, &new_uid, 1);
	o = NULL;
	goto out;
nomem:
	if (r == 0 || r == KSM_ENOMEM)
		r = ksm__err(KSM_ENOMEM, "cannot build the new record");
out:
	if (r != 0)
		uid[0] = '\0';
	ksmx_wipe_array(key);
	ksmx_json_free(o);
	ksm_folders_free(set);
	return r;
}
