#include "config.h"

/*
 * Completing an update transaction (ksm-protocol.md §5): after
 * update_secret with a transactionType, finalize_secret_update commits
 * the staged data and rollback_secret_update drops it.  Payload:
 * clientVersion, clientId, recordUid; the answer is ignored.
 */

#include "ksm-int.h"
#include "write-int.h"
#include "json.h"

int
ksm_client_complete_transaction(ksm_client *c, const char *uid, int rollback)
{
	const char *endpoint = rollback ? "rollback_secret_update" :
	    "finalize_secret_update";
	cJSON *o;
	int r;

	KSM_ASSERT_ARG(c != NULL && uid != NULL);
	if ((o = ksm_write__payload(c)) == NULL ||
	    cJSON_AddStringToObject(o, "recordUid", uid) == NULL) {
		ksmx_json_free(o);
		return ksm__err(KSM_ENOMEM, "out of memory");
	}
	r = ksm_write__send(c, endpoint, o, NULL, &uid, 1);
	if (r == KSM_ESERVER || r == KSM_EACCESS) {
		ksm_error e = *ksm_error_last();

		(void)ksm__err(r, "cannot %s the update of record '%.64s': %s",
		    rollback ? "roll back" : "commit", uid, e.message);
		ksm__err_hint("an update transaction is completed once; "
		    "fetch the record to see what Keeper holds");
	}
	return r;
}
