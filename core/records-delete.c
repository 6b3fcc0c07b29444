#include "config.h"

/*
 * Deleting records (ksm-protocol.md §5, delete_secret): one request for
 * every UID; Keeper answers per record.
 */

#include "ksm-int.h"
#include "write-int.h"
#include "json.h"

int
ksm_client_delete_records(ksm_client *c, const char *const *uids,
    size_t n_uids, size_t *n_deleted)
{
	struct ksmx_buf plain = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	cJSON *o = NULL;
	size_t n_ok = 0;
	int r;

	if (n_deleted != NULL)
		*n_deleted = 0;
	KSM_ASSERT_ARG(c != NULL && uids != NULL && n_uids > 0);
	if ((o = ksm_write__payload(c)) == NULL ||
	    ksm_write__add_uids(o, "recordUids", uids, n_uids) != 0)
		goto nomem;
	r = ksm_write__send(c, "delete_secret", o, &plain, uids, n_uids);
	o = NULL;
	if (r == 0)
		r = ksm_write__items(&plain, "records", "recordUid", "record",
		    KSM_ENOTSHARED, &n_ok);
	if (n_deleted != NULL)
		*n_deleted = n_ok;
	goto out;
nomem:
	r = ksm__err(KSM_ENOMEM, "out of memory");
out:
	ksmx_json_free(o);
	ksmx_buf_clear(&plain);
	return r;
}
