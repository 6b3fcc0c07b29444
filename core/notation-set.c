#include "config.h"

/*
 * ksm_notation_set(): find the record a notation names (as resolution
 * does: UID, then title), change what it selects (notation-edit.c) and
 * save it with ksm_client_update_record_ex().
 */

#include <stdio.h>
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
