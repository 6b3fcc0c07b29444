#include "config.h"

/*
 * libFuzzer target: the opened form of a record set (core/records-opened.c),
 * what libksm loads from keeper-agent.  Besides not crashing: a set that
 * loads, written out and loaded again, writes out the same text (the form
 * is a fixed point after one trip), and holds as many records and failed
 * UIDs.  Built with standalone.c it replays the corpus in make check.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client-int.h"
#include "util/buf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksmx_buf in = KSMX_BUF_INIT(1 << 20);
	struct ksmx_buf t1 = KSMX_BUF_INIT(4 << 20);
	struct ksmx_buf t2 = KSMX_BUF_INIT(4 << 20);
	ksm_records *a = NULL, *b = NULL;

	if (size > (1 << 20) || ksmx_buf_put(&in, data, size) != 0)
		return 0;
	if (ksm_records__from_opened(&a, &in) != 0)
		goto out;
	if (ksm_records__to_opened(a, &t1) != 0 ||
	    ksmx_buf_put(&t2, t1.d, t1.len) != 0)
		goto out;	/* out of memory: nothing to say */
	if (ksm_records__from_opened(&b, &t2) != 0)
		abort();	/* what we write we must read */
	if (ksm_records_count(a) != ksm_records_count(b))
		abort();
	if (ksm_records__to_opened(b, &t2) != 0)
		goto out;
	if (t1.len != t2.len || memcmp(t1.d, t2.d, t1.len) != 0)
		abort();
out:
	ksm_records_free(a);
	ksm_records_free(b);
	ksmx_buf_clear(&in);
	ksmx_buf_clear(&t1);
	ksmx_buf_clear(&t2);
	return 0;
}
