#include "config.h"

/*
 * libFuzzer target: a decrypted get_secret answer, walked by json-scan.c
 * and loaded by ksm_records__from_response() under a fixed app key (the
 * seeds in tests/fuzz/corpus/response carry records really encrypted
 * under it).  Besides not crashing, the walker must agree with cJSON:
 * whatever cJSON reads as an object the walker accepts, and finds the same
 * "records" array with the same number of elements, each parseable.  A
 * set that loads goes through the opened form keeper-agent serves
 * (records-opened.c) and back, and must come back the same.
 * Built with standalone.c it replays the corpus in make check.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client-int.h"
#include "json.h"
#include "util/buf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
agree_with_cjson(const char *text, size_t size)
{
	static const char *const names[1] = { "records" };
	struct ksmx_json_span span[1];
	const cJSON *recs;
	const char *cur, *elem;
	size_t elen;
	cJSON *root, *one;
	int n = 0, k;

	/* cJSON decodes escaped keys, the walker compares raw ones */
	if ((root = ksmx_json_parse(text, size)) == NULL ||
	    !cJSON_IsObject(root) || memchr(text, '\\', size) != NULL)
		goto out;
	if (ksmx_json_object_members(text, size, names, 1, span) != 0)
		abort();
	if ((recs = cJSON_GetObjectItemCaseSensitive(root, "records")) ==
	    NULL)
		goto out;
	if (span[0].p == NULL)
		abort();
	if (!cJSON_IsArray(recs))
		goto out;
	cur = span[0].p;
	while ((k = ksmx_json_array_next(&cur, span[0].p + span[0].len, &elem,
	    &elen)) == 1) {
		if ((one = ksmx_json_parse(elem, elen)) == NULL)
			abort();
		ksmx_json_free(one);
		n++;
	}
	if (k != 0 || n != cJSON_GetArraySize(recs))
		abort();
out:
	ksmx_json_free(root);
}

/* A set as the opened form writes it: the whole of what a set holds. */
static void
same_after_opening(const ksm_records *set)
{
	struct ksmx_buf t1 = KSMX_BUF_INIT(8 << 20);
	struct ksmx_buf t2 = KSMX_BUF_INIT(8 << 20);
	ksm_records *back = NULL;

	if (ksm_records__to_opened(set, &t1) != 0 ||
	    ksmx_buf_put(&t2, t1.d, t1.len) != 0)
		goto out;	/* out of memory */
	if (ksm_records__from_opened(&back, &t2) != 0 ||
	    ksm_records_count(back) != ksm_records_count(set))
		abort();
	if (ksm_records__to_opened(back, &t2) == 0 && (t1.len != t2.len ||
	    memcmp(t1.d, t2.d, t1.len) != 0))
		abort();
out:
	ksm_records_free(back);
	ksmx_buf_clear(&t1);
	ksmx_buf_clear(&t2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char app_key[32] = {
		0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
		0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
		0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
		0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	};
	struct ksmx_buf plain = KSMX_BUF_INIT(1 << 20);
	ksm_records *set = NULL;
	size_t i;

	if (size > (1 << 20))
		return 0;
	agree_with_cjson((const char *)data, size);
	if (ksmx_buf_put(&plain, data, size) != 0)
		return 0;
	if (ksm_records__from_response(&set, app_key, &plain) == 0) {
		/* every loaded record's text parses again */
		for (i = 0; i < ksm_records_count(set); i++) {
			cJSON *t = ksm_record__parse(ksm_records_at(set, i));

			if (t == NULL)
				abort();
			ksmx_json_free(t);
		}
		same_after_opening(set);
	}
	ksm_records_free(set);
	ksmx_buf_clear(&plain);
	return 0;
}
