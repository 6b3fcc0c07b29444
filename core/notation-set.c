#include "config.h"

/*
 * ksm_notation_set(): find the record a notation names (as resolution
 * does: UID, then title), change what it selects (notation-edit.c) and
 * save it with ksm_client_update_record_ex().
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "client-int.h"
#include "json.h"
#include "notation-int.h"

int
ksm_notation_set(char uid[KSM_UID_BUF], ksm_client *c, const char *notation,
    const char *value, unsigned int flags, const ksm_update_options *opts)
{
	const ksm_record *rec = NULL;
	ksm_records *set = NULL;
	ksm_notation *nt = NULL;
	cJSON *data = NULL;
	char *json = NULL;
	int r;

	if (uid != NULL)
		uid[0] = '\0';
	KSM_ASSERT_ARG(c != NULL && notation != NULL && value != NULL);
	/* field/host[hostName] reads as field/host[][hostName], as in get */
	if ((r = ksm_notation_parse_ex(&nt, notation,
	    KSM_NOTATION_LEGACY)) != 0 ||
	    (r = ksm_notation__record(&rec, &set, c, nt)) != 0)
		goto out;
	if ((data = ksm_record__parse(rec)) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = ksm_notation__edit(data, nt, value,
	    (flags & KSM_SET_JSON) != 0)) != 0)
		goto out;
	if ((json = ksmx_json_print(data)) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = ksm_client_update_record_ex(c, rec, json, opts)) == 0 &&
	    uid != NULL)
		(void)snprintf(uid, KSM_UID_BUF, "%s", ksm_record_uid(rec));
out:
	ksmx_strfree(json);
	ksmx_json_free(data);
	ksm_records_free(set);
	ksm_notation_free(nt);
	return r;
}

/* The record part of a notation for ksm_record_edit(): named in messages. */
#define EDIT_RECORD	"(new record)/"

int
ksm_record_edit(char **out, const char *json, const char *selector,
    const char *value, unsigned int flags)
{
	ksm_notation *nt = NULL;
	cJSON *data = NULL;
	char *text = NULL;
	size_t n;
	int r;

	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	KSM_ASSERT_ARG(json != NULL && selector != NULL && value != NULL);
	n = sizeof(EDIT_RECORD) + strlen(selector);
	if ((text = malloc(n)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	(void)snprintf(text, n, "%s%s", EDIT_RECORD, selector);
	if ((r = ksm_notation_parse_ex(&nt, text, KSM_NOTATION_LEGACY)) != 0)
		goto out;
	data = ksmx_json_parse(json, strlen(json));
	if (data == NULL || !cJSON_IsObject(data)) {
		r = ksm__err(KSM_EINVAL, "the record data is not a JSON object");
		goto out;
	}
	if ((r = ksm_notation__edit(data, nt, value,
	    (flags & KSM_SET_JSON) != 0)) != 0)
		goto out;
	if ((*out = ksmx_json_print(data)) == NULL)
		r = ksm__err(KSM_ENOMEM, "out of memory");
out:
	free(text);
	ksmx_json_free(data);
	ksm_notation_free(nt);
	return r;
}
