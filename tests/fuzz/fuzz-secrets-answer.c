#include "config.h"

/*
 * libFuzzer target: the answers keeper-agent keeps
 * (plugins/ssh-agent/secrets-answer.c).  The input is a get_secret body:
 * kept without index it must come back byte for byte; indexed, it is
 * composed for a few UIDs taken from it (each recordUid it writes, up to
 * eight, one of them twice, plus one it does not hold).  When cJSON reads
 * the input as an object, the composed answer must be JSON too, index
 * again, and hold exactly the asked UIDs the input held.  The record that
 * lists each "fileUid" is one the answer holds.  Built with
 * standalone.c it replays tests/fuzz/corpus/secrets-answer/ in make check.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ksm/error.h"
#include "json.h"
#include "secrets-answer.h"

#define MAX_PICK	10
#define MAX_UID		64
#define OUT_MAX		(8u << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* UIDs from the input: the string after each key ("recordUid":") */
static size_t
pick(const char *p, size_t size, const char *key,
    char uids[MAX_PICK][MAX_UID + 1])
{
	const char *end = p + size, *q, *e;
	size_t n = 0, len;

	for (q = p; n < MAX_PICK - 2 && (size_t)(end - q) > strlen(key);
	    q++) {
		if (memcmp(q, key, strlen(key)) != 0)
			continue;
		q += strlen(key);
		for (e = q; e < end && *e != '"' && *e != '\0'; e++)
			;
		len = (size_t)(e - q);
		if (len > MAX_UID)
			len = MAX_UID;
		memcpy(uids[n], q, len);
		uids[n++][len] = '\0';
	}
	if (n > 0)	/* one asked twice */
		memcpy(uids[n++], uids[0], sizeof(uids[0]));
	memcpy(uids[n++], "never-a-record-uid", sizeof("never-a-record-uid"));
	return n;
}

static void
whole(const uint8_t *data, size_t size, int index)
{
	struct ksmx_buf out = KSMX_BUF_INIT(OUT_MAX);
	struct answer *a = NULL;
	size_t missing = 1;

	if (answer_new(&a, data, size, index) != 0)
		return;
	if (answer_len(a) != size ||
	    answer_compose(a, NULL, 0, &out, &missing) != 0 || missing != 0 ||
	    out.len != size || (size > 0 && memcmp(out.d, data, size) != 0))
		abort();
	answer_free(a);
	ksmx_buf_clear(&out);
}

/*
 * The record listing a file: for each "fileUid" of the input (and one it
 * lacks), looked for with no record known and with a wrong one known;
 * what is found is a record the answer holds, found again when known.
 */
static void
files(const struct answer *a, const char *p, size_t size)
{
	char uids[MAX_PICK][MAX_UID + 1], rec[ANSWER_MAX_UID + 1];
	size_t n, i;

	n = pick(p, size, "\"fileUid\":\"", uids);
	for (i = 0; i < n; i++) {
		rec[0] = '\0';
		if (answer_file_record(a, uids[i], rec) != 0)
			continue;
		if (!answer_has(a, rec) ||
		    answer_file_record(a, uids[i], rec) != 0)
			abort();
		memcpy(rec, "never-a-record-uid", sizeof("never-a-record-uid"));
		if (answer_file_record(a, uids[i], rec) != 0 ||
		    !answer_has(a, rec))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char uids[MAX_PICK][MAX_UID + 1];
	const char *up[MAX_PICK];
	struct ksmx_buf out = KSMX_BUF_INIT(OUT_MAX);
	struct answer *a = NULL, *b = NULL;
	cJSON *root = NULL, *again = NULL;
	size_t n, i, missing = 0, n_missing = 0;
	int r, valid;

	if (size > (1u << 20))
		return 0;
	whole(data, size, 0);
	if ((r = answer_new(&a, data, size, 1)) != 0) {
		if (r != KSM_EPROTO || a != NULL)
			abort();
		return 0;
	}
	whole(data, size, 1);
	root = ksmx_json_parse(data, size);
	valid = root != NULL && cJSON_IsObject(root);
	files(a, (const char *)data, size);
	n = pick((const char *)data, size, "\"recordUid\":\"", uids);
	for (i = 0; i < n; i++) {
		up[i] = uids[i];
		n_missing += !answer_has(a, up[i]);
	}
	if (answer_compose(a, up, n, &out, &missing) != 0)
		abort();
	if ((missing == 0) != (n_missing == 0) || missing > n)
		abort();
	if (!valid)
		goto out;
	/* the composed answer is JSON, indexes, and holds what was asked */
	if ((again = ksmx_json_parse(out.d, out.len)) == NULL ||
	    !cJSON_IsObject(again) ||
	    answer_new(&b, out.d, out.len, 1) != 0 ||
	    answer_records(b) > answer_records(a))
		abort();
	for (i = 0; i < n; i++)
		if (answer_has(b, up[i]) != answer_has(a, up[i]))
			abort();
out:
	ksmx_json_free(root);
	ksmx_json_free(again);
	answer_free(a);
	answer_free(b);
	ksmx_buf_clear(&out);
	return 0;
}
