#include "config.h"

/*
 * Setting what a notation selects in a record's JSON, without I/O (the
 * reverse of notation-eval.c; ksm_notation_set() in notation-set.c sends
 * the result):
 *   title, notes               the text
 *   field/X, custom_field/X    all values: [value] (or, with a JSON
 *                              array and no index, that array)
 *   .../X[n]                   value n (n == count appends one)
 *   .../X[n][p], .../X[p]      property p of value n (0)
 * A value must be of the field type's kind (ksm_field_type_kind): text
 * for strings, digits for dates, true/false, a JSON object for objects.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "json.h"
#include "notation-int.h"

/* value (text, or JSON with json) as one value of a field of kind. */
static cJSON *
make_value(const char *value, int json, ksm_field_kind kind,
    const char *type)
{
	cJSON *v = NULL;
	long long n;
	char *end;

	if (json || kind == KSM_FIELD_OBJECT)
		v = ksmx_json_parse(value, strlen(value));
	else if (kind == KSM_FIELD_NUMBER) {
		errno = 0;
		n = strtoll(value, &end, 10);
		if (errno == 0 && end != value && *end == '\0')
			v = cJSON_CreateNumber((double)n);
	} else if (kind == KSM_FIELD_BOOL) {
		if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)
			v = cJSON_CreateBool(value[0] == 't');
	} else
		v = cJSON_CreateString(value);
	if (v == NULL || (kind != KSM_FIELD_UNKNOWN &&
	    ((kind == KSM_FIELD_STRING && !cJSON_IsString(v)) ||
	    (kind == KSM_FIELD_NUMBER && !cJSON_IsNumber(v)) ||
	    (kind == KSM_FIELD_BOOL && !cJSON_IsBool(v)) ||
	    (kind == KSM_FIELD_OBJECT && !cJSON_IsObject(v))))) {
		ksmx_json_free(v);
		(void)ksm__err(KSM_EINVAL, "a value of a '%.64s' field must be "
		    "%s", type, kind == KSM_FIELD_NUMBER ? "a number (ms since "
		    "1970)" : kind == KSM_FIELD_BOOL ? "true or false" :
		    kind == KSM_FIELD_OBJECT ? "a JSON object" : "a string");
		return NULL;
	}
	return v;
}

/* data[key] = value (a string). */
static int
set_text(cJSON *data, const char *key, const char *value, int json)
{
	cJSON *v = json ? ksmx_json_parse(value, strlen(value)) :
	    cJSON_CreateString(value);

	if (v == NULL || !cJSON_IsString(v)) {
		ksmx_json_free(v);
		return ksm__err(KSM_EINVAL, "the %s must be a string", key);
	}
	if (strcmp(key, "title") == 0 && v->valuestring[0] == '\0') {
		ksmx_json_free(v);
		return ksm__err(KSM_EINVAL, "a record's title cannot be empty");
	}
	if (cJSON_GetObjectItemCaseSensitive(data, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(data, key, v);
	else
		cJSON_AddItemToObject(data, key, v);
	return 0;
}

/* values[i] = v (i == count appends); v taken. */
static int
put_at(cJSON *values, size_t i, cJSON *v, const ksm_notation *nt)
{
	size_t n = (size_t)cJSON_GetArraySize(values);

	if (i > n) {
		ksmx_json_free(v);
		(void)ksm__err(KSM_ENOTFOUND, "field index out of bounds: "
		    "'%.60s' has %zu value%s, so [%zu] cannot be set", nt->param,
		    n, n == 1 ? "" : "s", i);
		ksm__err_hint("indexes start at 0; [%zu] adds a value", n);
		return KSM_ENOTFOUND;
	}
	if (i == n)
		cJSON_AddItemToArray(values, v);
	else
		cJSON_ReplaceItemInArray(values, (int)i, v);
	return 0;
}

int
ksm_notation__edit(cJSON *data, const ksm_notation *nt, const char *value,
    int json)
{
	const cJSON *cf;
	cJSON *f, *values, *v, *obj;
	const char *type;
	ksm_field_kind kind;
	size_t i;
	int r;

	switch (nt->sel) {
	case KSM_SELECTOR_TITLE:
		return set_text(data, "title", value, json);
	case KSM_SELECTOR_NOTES:
		return set_text(data, "notes", value, json);
	case KSM_SELECTOR_TYPE:
		return ksm__err(KSM_EINVAL, "a record's type cannot be set");
	case KSM_SELECTOR_FILE:
		return ksm__err(KSM_EINVAL, "a file cannot be set: attach one "
		    "with an upload");
	default:
		break;
	}
	if ((r = ksm_notation__field(&cf, nt, data, nt->record,
	    KSM_NSTYLE_LIST)) != 0)
		return r;
	f = (cJSON *)cf;	/* data is ours to change */
	type = ksmx_json_str(f, "type");
	kind = ksm_field_type_kind(type);
	values = cJSON_GetObjectItemCaseSensitive(f, "value");
	if (!cJSON_IsArray(values)) {
		cJSON_DeleteItemFromObjectCaseSensitive(f, "value");
		if ((values = cJSON_AddArrayToObject(f, "value")) == NULL)
			return ksm__err(KSM_ENOMEM, "out of memory");
	}
	i = nt->has_idx ? nt->idx : 0;
	if (nt->index2 != NULL && nt->index2[0] != '\0') {
		/* one property of an object value */
		obj = cJSON_GetArrayItem(values, (int)i);
		if (!cJSON_IsObject(obj))
			return ksm__err(KSM_ENOTFOUND, "value %zu of '%.60s' is "
			    "not an object with properties", i, nt->param);
		if ((v = json ? ksmx_json_parse(value, strlen(value)) :
		    cJSON_CreateString(value)) == NULL)
			return ksm__err(KSM_EINVAL, "the value is not JSON");
		if (cJSON_GetObjectItemCaseSensitive(obj, nt->index2) != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(obj, nt->index2,
			    v);
		else
			cJSON_AddItemToObject(obj, nt->index2, v);
		return 0;
	}
	if (!nt->has_idx && json) {
		/* a JSON array replaces every value */
		if ((v = ksmx_json_parse(value, strlen(value))) == NULL)
			return ksm__err(KSM_EINVAL, "the value is not JSON");
		if (cJSON_IsArray(v)) {
			cJSON_ArrayForEach(obj, v) {
				char *t = ksmx_json_print(obj);
				cJSON *chk = t != NULL ? make_value(t, 1, kind,
				    type) : NULL;

				ksmx_strfree(t);
				if (chk == NULL) {
					ksmx_json_free(v);
					return ksm_error_last()->code;
				}
				ksmx_json_free(chk);
			}
			cJSON_ReplaceItemInObjectCaseSensitive(f, "value", v);
			return 0;
		}
		ksmx_json_free(v);
	}
	if ((v = make_value(value, json, kind, type)) == NULL)
		return ksm_error_last()->code;
	if (nt->has_idx)
		return put_at(values, i, v, nt);
	/* no index: the one value */
	while (cJSON_GetArraySize(values) > 0)
		ksmx_json_free(cJSON_DetachItemFromArray(values, 0));
	cJSON_AddItemToArray(values, v);
	return 0;
}
