#include "config.h"

/*
 * Saving a record (ksm-protocol.md §5, update_secret): the record JSON
 * encrypted with the record key (GCM, url base64 as the JS SDK sends it)
 * and the revision it was read at.  A read-only share is refused here,
 * before anything is sent; Keeper refuses a stale revision.
 */

#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "client-int.h"
#include "json.h"
#include "util/b64.h"

/* The update_secret payload for rec with data text json. */
static int
build_payload(char **out, struct ksm_client *c, const ksm_record *rec,
    const char *json)
{
	struct ksmx_buf ct = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	cJSON *o = NULL;
	char *data = NULL;
	int r;

	*out = NULL;
	if ((r = ksm_crypto__gcm_encrypt(&ct, ksm_record__key(rec), json,
	    strlen(json))) != 0)
		goto out;
	r = KSM_ENOMEM;
	if ((data = ksmx_b64_encode_str(ct.d, ct.len, KSMX_B64_URL)) == NULL ||
	    (o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "clientVersion", c->client_version) ==
	    NULL ||
	    cJSON_AddStringToObject(o, "clientId", c->client_id) == NULL ||
	    cJSON_AddStringToObject(o, "recordUid", ksm_record_uid(rec)) ==
	    NULL ||
	    cJSON_AddStringToObject(o, "data", data) == NULL ||
	    cJSON_AddNumberToObject(o, "revision",
	    (double)ksm_record_revision(rec)) == NULL ||
	    (*out = ksmx_json_print(o)) == NULL)
		goto out;
	r = 0;
out:
	free(data);
	ksmx_json_free(o);
	ksmx_buf_clear(&ct);
	return r;
}

int
ksm_client_update_record(ksm_client *c, const ksm_record *rec,
    const char *json)
{
	struct ksmx_buf plain = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	cJSON *check = NULL;
	ksm_error saved;
	char *payload = NULL;
	size_t removed;
	int r;

	KSM_ASSERT_ARG(c != NULL && rec != NULL && json != NULL);
	if (ksm_record_is_legacy(rec)) {
		r = ksm__err(KSM_ELEGACY, "record '%.64s' is a legacy (V2, "
		    "untyped) record and cannot be updated",
		    ksm_record_uid(rec));
		ksm__err_hint("convert it to a typed record in the Keeper vault");
		return r;
	}
	if (!ksm_record_is_editable(rec)) {
		r = ksm__err(KSM_EACCESS, "record '%.64s' is shared read-only "
		    "with this application", ksm_record_uid(rec));
		ksm__err_hint("share the record (or its folder) with the "
		    "application with \"Can Edit\" in the Keeper vault");
		return r;
	}
	check = ksmx_json_parse(json, strlen(json));
	if (check == NULL || !cJSON_IsObject(check)) {
		ksmx_json_free(check);
		return ksm__err(KSM_EINVAL, "the new data of record '%.64s' is "
		    "not a JSON object", ksm_record_uid(rec));
	}
	ksmx_json_free(check);
	if (!c->have_app_key)
		return ksm__err(KSM_ECONFIG, "the client is not bound yet");
	if ((r = build_payload(&payload, c, rec, json)) != 0) {
		r = ksm__err(r, "cannot build the update of record '%.64s'",
		    ksm_record_uid(rec));
		goto out;
	}
	r = ksm_transport__call(c, "update_secret", payload, &plain);
	/*
	 * When Keeper answered, the cached answers hold old data (or, when
	 * it refused a stale revision, data older than Keeper's): drop them,
	 * keeping the update's own error.  Unreachable: keep them for
	 * stale-if-error.
	 */
	if (r != 0 && r != KSM_ESERVER && r != KSM_EACCESS)
		goto out;
	saved = *ksm_error_last();
	{
		const char *uid = ksm_record_uid(rec);

		ksm_agent__invalidate(c, &uid, 1);
	}
	if (!(c->flags & KSM_CLIENT_NO_CACHE) &&
	    ksm_cache_clear(c, &removed) != 0)
		ksm_error_clear();
	if (r != 0) {
		(void)ksm__err(r, "%s", saved.message);
		if (saved.hint[0] != '\0')
			ksm__err_hint("%s", saved.hint);
	}
out:
	ksmx_strfree(payload);
	ksmx_buf_clear(&plain);
	return r;
}

/* The field named field: by type in fields, then custom; else by label. */
static cJSON *
find_field(cJSON *data, const char *field)
{
	static const char *const lists[] = { "fields", "custom" };
	cJSON *f;
	size_t i;

	for (i = 0; i < 2; i++)
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(data,
		    lists[i])) {
			const char *t = ksmx_json_str(f, "type");

			if (t != NULL && strcmp(t, field) == 0)
				return f;
		}
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(data,
	    "custom")) {
		const char *l = ksmx_json_str(f, "label");

		if (l != NULL && strcmp(l, field) == 0)
			return f;
	}
	return NULL;
}

int
ksm_client_update_field(ksm_client *c, const ksm_record *rec,
    const char *field, const char *value)
{
	cJSON *data = NULL, *f, *values, *s;
	char *json = NULL;
	int r;

	KSM_ASSERT_ARG(c != NULL && rec != NULL && field != NULL);
	KSM_ASSERT_ARG(value != NULL);
	if ((data = ksm_record__parse(rec)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	if ((f = find_field(data, field)) == NULL) {
		r = ksm__err(KSM_ENOTFOUND, "record '%.64s' has no field "
		    "'%.64s'", ksm_record_uid(rec), field);
		goto out;
	}
	values = cJSON_GetObjectItemCaseSensitive(f, "value");
	if (!cJSON_IsArray(values)) {
		cJSON_DeleteItemFromObjectCaseSensitive(f, "value");
		if ((values = cJSON_AddArrayToObject(f, "value")) == NULL) {
			r = ksm__err(KSM_ENOMEM, "out of memory");
			goto out;
		}
	}
	if ((s = cJSON_CreateString(value)) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	if (cJSON_GetArraySize(values) > 0) {
		cJSON *old = cJSON_DetachItemFromArray(values, 0);

		ksmx_json_free(old);
		cJSON_InsertItemInArray(values, 0, s);
	} else
		cJSON_AddItemToArray(values, s);
	if ((json = ksmx_json_print(data)) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	r = ksm_client_update_record(c, rec, json);
out:
	ksmx_strfree(json);
	ksmx_json_free(data);
	return r;
}
