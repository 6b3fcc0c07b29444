#include "config.h"

/*
 * Deleting records (ksm-protocol.md §5, delete_secret): one request for
 * every UID; Keeper answers per record.
 */

#include "ksm-int.h"
#include "write-int.h"

int
ksm_client_delete_records(ksm_client *c, const char *const *uids,
    size_t n_uids, size_t *n_deleted)
{
	size_t n_ok = 0;
	int r;

	if (n_deleted != NULL)
		*n_deleted = 0;
	KSM_ASSERT_ARG(c != NULL && uids != NULL && n_uids > 0);
	r = ksm_write__delete(c, "delete_secret", "record", KSM_ENOTSHARED,
	    uids, n_uids, -1, &n_ok);
	if (n_deleted != NULL)
		*n_deleted = n_ok;
	return r;
}
