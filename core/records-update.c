#include "config.h"

/*
 * Saving a record (ksm-protocol.md §5, update_secret): the record JSON
 * encrypted with the record key (GCM, url base64 as the JS SDK sends it)
 * and the revision it was read at, optionally in a transaction
 * (transactionType, completed in transaction.c) and detaching files
 * (links2Remove).  A read-only share is refused here, before anything is
 * sent; Keeper refuses a stale revision.
 */

#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "write-int.h"
#include "json.h"

static const char *const transaction_names[] = { NULL, "general",
    "rotation" };

/*
 * json without the UIDs of opts->remove_files in its fileRef field (an
 * emptied fileRef field is dropped, as the JS SDK does): malloc'd text.
 */
static char *
without_files(const char *json, const ksm_update_options *opts)
{
	cJSON *data = ksmx_json_parse(json, strlen(json));
	cJSON *fields = cJSON_GetObjectItemCaseSensitive(data, "fields");
	cJSON *f, *next, *v, *vnext, *values;
	char *out;
	size_t i;

	for (f = cJSON_IsArray(fields) ? fields->child : NULL; f != NULL;
	    f = next) {
		const char *t = ksmx_json_str(f, "type");

		next = f->next;
		if (t == NULL || strcmp(t, "fileRef") != 0)
			continue;
		values = cJSON_GetObjectItemCaseSensitive(f, "value");
		for (v = cJSON_IsArray(values) ? values->child : NULL;
		    v != NULL; v = vnext) {
			vnext = v->next;
			for (i = 0; i < opts->n_remove_files; i++)
				if (cJSON_IsString(v) && strcmp(v->valuestring,
				    opts->remove_files[i]) == 0) {
					ksmx_json_free(
					    cJSON_DetachItemViaPointer(values,
					    v));
					break;
				}
		}
		if (cJSON_GetArraySize(values) == 0)
			ksmx_json_free(cJSON_DetachItemViaPointer(fields, f));
	}
	out = data != NULL ? ksmx_json_print(data) : NULL;
	ksmx_json_free(data);
	return out;
}

/* The update_secret payload for rec with data text json. */
static int
build_payload(cJSON **out, struct ksm_client *c, const ksm_record *rec,
    const char *json, const ksm_update_options *opts)
{
	cJSON *o = NULL;
	int r;

	*out = NULL;
	if ((o = ksm_write__payload(c)) == NULL ||
	    cJSON_AddStringToObject(o, "recordUid", ksm_record_uid(rec)) ==
	    NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	/* GCM under the record key, url base64 as the JS SDK sends it */
	if ((r = ksm_write__add_sealed(o, "data", ksm_record__key(rec), json,
	    strlen(json), 0, KSMX_B64_URL)) != 0)
		goto out;
	r = KSM_ENOMEM;
	if (cJSON_AddNumberToObject(o, "revision",
	    (double)ksm_record_revision(rec)) == NULL)
		goto out;
	if (opts->transaction != KSM_TRANSACTION_NONE &&
	    cJSON_AddStringToObject(o, "transactionType",
	    transaction_names[opts->transaction]) == NULL)
		goto out;
	if (opts->n_remove_files > 0 && ksm_write__add_uids(o, "links2Remove",
	    opts->remove_files, opts->n_remove_files) != 0)
		goto out;
	*out = o;
	o = NULL;
	r = 0;
out:
	ksmx_json_free(o);
	return r;
}

int
ksm_client_update_record_ex(ksm_client *c, const ksm_record *rec,
    const char *json, const ksm_update_options *opts)
{
	static const ksm_update_options none = KSM_UPDATE_OPTIONS_INIT;
	cJSON *check = NULL, *payload = NULL;
	char *trimmed = NULL;
	const char *uid;
	size_t i;
	int r;

	KSM_ASSERT_ARG(c != NULL && rec != NULL && json != NULL);
	if (opts == NULL)
		opts = &none;
	KSM_ASSERT_ARG(opts->transaction >= KSM_TRANSACTION_NONE &&
	    opts->transaction <= KSM_TRANSACTION_ROTATION);
	KSM_ASSERT_ARG(opts->n_remove_files == 0 || opts->remove_files != NULL);
	for (i = 0; i < opts->n_remove_files; i++)
		KSM_ASSERT_ARG(opts->remove_files[i] != NULL);
	uid = ksm_record_uid(rec);
	if (ksm_record_is_legacy(rec)) {
		r = ksm__err(KSM_ELEGACY, "record '%.64s' is a legacy (V2, "
		    "untyped) record and cannot be updated", uid);
		ksm__err_hint("convert it to a typed record in the Keeper vault");
		return r;
	}
	if (!ksm_record_is_editable(rec)) {
		r = ksm__err(KSM_EACCESS, "record '%.64s' is shared read-only "
		    "with this application", uid);
		ksm__err_hint("share the record (or its folder) with the "
		    "application with \"Can Edit\" in the Keeper vault");
		return r;
	}
	check = ksmx_json_parse(json, strlen(json));
	if (check == NULL || !cJSON_IsObject(check)) {
		ksmx_json_free(check);
		return ksm__err(KSM_EINVAL, "the new data of record '%.64s' is "
		    "not a JSON object", uid);
	}
	ksmx_json_free(check);
	if (opts->n_remove_files > 0) {
		if ((trimmed = without_files(json, opts)) == NULL)
			return ksm__err(KSM_ENOMEM, "out of memory");
		json = trimmed;
	}
	if (strlen(json) > KSM_MAX_RECORD_JSON) {
		r = ksm__err(KSM_ETOOBIG, "the new data of record '%.64s' is "
		    "%zu bytes, more than %u", uid, strlen(json),
		    KSM_MAX_RECORD_JSON);
		goto out;
	}
	if ((r = build_payload(&payload, c, rec, json, opts)) != 0) {
		r = ksm__err(r, "cannot build the update of record '%.64s'",
		    uid);
		goto out;
	}
	r = ksm_write__send(c, "update_secret", payload, NULL, &uid, 1);
	/*
	 * Refused by Keeper (e.g. a stale revision): the cached answers
	 * hold data older than Keeper's, so they go too, keeping the
	 * error.  Unreachable: they stay, for stale-if-error.
	 */
	if (r == KSM_ESERVER || r == KSM_EACCESS)
		(void)ksm_client__invalidate(c, &uid, 1);
out:
	ksmx_strfree(trimmed);
	return r;
}

int
ksm_client_update_record(ksm_client *c, const ksm_record *rec,
    const char *json)
{
	return ksm_client_update_record_ex(c, rec, json, NULL);
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
