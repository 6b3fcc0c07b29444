#include "config.h"

/*
 * The opened form of a record set (core/records-opened.c), what libksm
 * loads from keeper-agent: every part of a record read back (keys, data,
 * folder, revision, files, legacy detection, records that failed to
 * decrypt), a set written and read again unchanged, the first of two
 * occurrences winning as with Keeper's answer, and every malformed input
 * refused with a message that names keeper-agent (and the text wiped).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "ksm-test.h"
#include "client-int.h"
#include "util/b64.h"

#define MAX	(1u << 20)

static char key_k[64], key_f[64];	/* base64 of 32 'k' and 32 'f' */

static void
make_keys(void)
{
	unsigned char k[32];
	char *s;

	memset(k, 'k', sizeof(k));
	s = ksmx_b64_encode_str(k, sizeof(k), KSMX_B64_STD);
	snprintf(key_k, sizeof(key_k), "%s", s);
	free(s);
	memset(k, 'f', sizeof(k));
	s = ksmx_b64_encode_str(k, sizeof(k), KSMX_B64_STD);
	snprintf(key_f, sizeof(key_f), "%s", s);
	free(s);
}

/* Load text; the set or NULL, the code in *rc. */
static ksm_records *
load(const char *text, int *rc)
{
	struct ksmx_buf b = KSMX_BUF_INIT(MAX);
	ksm_records *set = NULL;

	if (ksmx_buf_puts(&b, text) != 0)
		abort();
	*rc = ksm_records__from_opened(&set, &b);
	if (b.len != 0 || b.d != NULL)
		T_OK(0, "the text is left behind after loading");
	return set;
}

static void
test_full(void)
{
	char text[2048];
	unsigned char k[32];
	ksm_records *set;
	const ksm_record *r;
	const ksm_file *f;
	int rc;

	snprintf(text, sizeof(text), "{\"records\":["
	    "{\"recordUid\":\"U1\",\"recordKey\":\"%s\",\"revision\":3,"
	    "\"isEditable\":true,\"data\":{\"title\":\"T\",\"type\":\"login\","
	    "\"fields\":[{\"type\":\"password\",\"value\":[\"p\"]}],"
	    "\"notes\":\"n\"},\"files\":[{\"fileUid\":\"F1\",\"fileKey\":"
	    "\"%s\",\"name\":\"a.txt\",\"title\":\"A\",\"type\":"
	    "\"text/plain\",\"size\":12,\"url\":\"https://x/y?z\"},"
	    "{\"fileUid\":\"F2\",\"fileKey\":\"%s\"}]},"
	    "{\"recordUid\":\"U2\",\"folderUid\":\"D1\",\"recordKey\":\"%s\","
	    "\"data\":{\"title\":\"old\",\"secret1\":\"s\"}},"
	    "{\"recordUid\":\"U3\",\"bad\":true}]}", key_k, key_f, key_f,
	    key_k);
	set = load(text, &rc);
	T_OK(rc == 0 && ksm_records_count(set) == 2,
	    "two records and one that failed: loaded");
	r = ksm_records_find(set, "U1");
	memset(k, 'k', sizeof(k));
	T_OK(r != NULL && strcmp(ksm_record_title(r), "T") == 0 &&
	    strcmp(ksm_record_type(r), "login") == 0 &&
	    strcmp(ksm_record_notes(r), "n") == 0 &&
	    ksm_record_revision(r) == 3 && ksm_record_is_editable(r) &&
	    ksm_record_folder_uid(r) == NULL && !ksm_record_is_legacy(r) &&
	    memcmp(ksm_record__key(r), k, 32) == 0,
	    "a direct record: title, type, notes, revision, editable, key");
	T_OK(r != NULL && ksm_test_contains(ksm_record_json(r),
	    "\"value\":[\"p\"]"), "  ... its data, as JSON");
	f = ksm_record_file_at(r, 0);
	memset(k, 'f', sizeof(k));
	T_OK(ksm_record_file_count(r) == 2 && f != NULL &&
	    strcmp(ksm_file_uid(f), "F1") == 0 &&
	    strcmp(ksm_file_name(f), "a.txt") == 0 &&
	    strcmp(ksm_file_title(f), "A") == 0 &&
	    strcmp(ksm_file_mime_type(f), "text/plain") == 0 &&
	    ksm_file_size(f) == 12 &&
	    strcmp(ksm_file__url(f), "https://x/y?z") == 0 &&
	    memcmp(ksm_file__key(f), k, 32) == 0,
	    "  ... its file: name, title, type, size, URL, key");
	f = ksm_record_file_at(r, 1);
	T_OK(f != NULL && strcmp(ksm_file_name(f), "") == 0 &&
	    strcmp(ksm_file_mime_type(f), "application/octet-stream") == 0 &&
	    ksm_file_size(f) == 0,
	    "  ... a file with no metadata: empty name, octet-stream, size 0");
	r = ksm_records_find(set, "U2");
	T_OK(r != NULL && ksm_record_folder_uid(r) != NULL &&
	    strcmp(ksm_record_folder_uid(r), "D1") == 0 &&
	    ksm_record_is_legacy(r) && ksm_record_revision(r) == 0 &&
	    !ksm_record_is_editable(r),
	    "a folder's record: its folder; V2 data: legacy");
	T_OK(ksm_records_find(set, "U3") == NULL &&
	    ksm_records__is_bad(set, "U3") && !ksm_records__is_bad(set, "U1"),
	    "a record that failed to decrypt: absent, remembered as bad");
	ksm_records_free(set);
}

/* Written, read, written: the same text, the same set. */
static void
test_round_trip(void)
{
	struct ksmx_buf t1 = KSMX_BUF_INIT(MAX), t2 = KSMX_BUF_INIT(MAX);
	char text[1024];
	ksm_records *a, *b = NULL;
	int rc;

	snprintf(text, sizeof(text), "{\"records\":["
	    "{\"recordUid\":\"A\",\"recordKey\":\"%s\",\"revision\":7,"
	    "\"data\":{\"title\":\"q\\\"uote\",\"type\":\"t\",\"fields\":[]},"
	    "\"files\":[{\"fileUid\":\"F\",\"fileKey\":\"%s\",\"name\":"
	    "\"\\u00e9\",\"size\":1e3}]},"
	    "{\"recordUid\":\"B\",\"bad\":true}]}", key_k, key_f);
	a = load(text, &rc);
	T_OK(rc == 0 && ksm_records__to_opened(a, &t1) == 0 &&
	    ksmx_buf_put(&t2, t1.d, t1.len) == 0 &&
	    ksm_records__from_opened(&b, &t2) == 0 &&
	    ksm_records__to_opened(b, &t2) == 0 && t1.len == t2.len &&
	    memcmp(t1.d, t2.d, t1.len) == 0,
	    "written and read back: the same text");
	T_OK(b != NULL && ksm_records_count(b) == 1 &&
	    ksm_records__is_bad(b, "B") &&
	    strcmp(ksm_record_title(ksm_records_at(b, 0)), "q\"uote") == 0 &&
	    ksm_file_size(ksm_record_file_at(ksm_records_at(b, 0), 0)) ==
	    1000 && strcmp(ksm_file_name(ksm_record_file_at(ksm_records_at(b,
	    0), 0)), "\xc3\xa9") == 0,
	    "  ... escapes, numbers, bad UIDs kept");
	ksm_records_free(a);
	ksm_records_free(b);
	ksmx_buf_clear(&t1);
	a = load("{\"records\":[]}", &rc);
	T_OK(rc == 0 && ksm_records_count(a) == 0 &&
	    ksm_records__to_opened(a, &t1) == 0 && t1.len == 14 &&
	    memcmp(t1.d, "{\"records\":[]}", 14) == 0,
	    "an empty set: {\"records\":[]}");
	ksm_records_free(a);
	ksmx_buf_clear(&t1);
	ksmx_buf_clear(&t2);
}

static void
test_first_wins(void)
{
	char text[1024];
	ksm_records *set;
	int rc;

	snprintf(text, sizeof(text), "{\"records\":["
	    "{\"recordUid\":\"U\",\"recordKey\":\"%s\",\"data\":{\"title\":"
	    "\"first\",\"type\":\"t\",\"fields\":[]}},"
	    "{\"recordUid\":\"U\",\"bad\":true},"
	    "{\"recordUid\":\"U\",\"recordKey\":\"%s\",\"data\":{\"title\":"
	    "\"second\"}}]}", key_k, key_k);
	set = load(text, &rc);
	T_OK(rc == 0 && ksm_records_count(set) == 1 &&
	    strcmp(ksm_record_title(ksm_records_at(set, 0)), "first") == 0 &&
	    !ksm_records__is_bad(set, "U"),
	    "a UID three times: the first occurrence only");
	ksm_records_free(set);
}

static void
test_malformed(void)
{
	static const char *const what[] = {
		"not an object", "records not an array", "no records",
		"truncated", "no UID", "a UID that is a number", "a short key",
		"a key that is not base64", "no key", "data not an object",
		"folderUid not a string", "files not an array",
		"a file without a UID", "a file with a bad key",
	};
	char text[14][512];
	size_t i;
	int rc, ok = 1;
	ksm_records *set;

	snprintf(text[0], 512, "[]");
	snprintf(text[1], 512, "{\"records\":{}}");
	snprintf(text[2], 512, "{\"folders\":[]}");
	snprintf(text[3], 512, "{\"records\":[{\"recordUid\":\"U\"");
	snprintf(text[4], 512, "{\"records\":[{\"recordKey\":\"%s\","
	    "\"data\":{}}]}", key_k);
	snprintf(text[5], 512, "{\"records\":[{\"recordUid\":5,"
	    "\"recordKey\":\"%s\",\"data\":{}}]}", key_k);
	snprintf(text[6], 512, "{\"records\":[{\"recordUid\":\"U\","
	    "\"recordKey\":\"c2hvcnQ=\",\"data\":{}}]}");
	snprintf(text[7], 512, "{\"records\":[{\"recordUid\":\"U\","
	    "\"recordKey\":\"!!!!\",\"data\":{}}]}");
	snprintf(text[8], 512, "{\"records\":[{\"recordUid\":\"U\","
	    "\"data\":{}}]}");
	snprintf(text[9], 512, "{\"records\":[{\"recordUid\":\"U\","
	    "\"recordKey\":\"%s\",\"data\":\"x\"}]}", key_k);
	snprintf(text[10], 512, "{\"records\":[{\"recordUid\":\"U\","
	    "\"folderUid\":1,\"recordKey\":\"%s\",\"data\":{}}]}", key_k);
	snprintf(text[11], 512, "{\"records\":[{\"recordUid\":\"U\","
	    "\"recordKey\":\"%s\",\"data\":{},\"files\":{}}]}", key_k);
	snprintf(text[12], 512, "{\"records\":[{\"recordUid\":\"U\","
	    "\"recordKey\":\"%s\",\"data\":{},\"files\":[{\"fileKey\":"
	    "\"%s\"}]}]}", key_k, key_f);
	snprintf(text[13], 512, "{\"records\":[{\"recordUid\":\"U\","
	    "\"recordKey\":\"%s\",\"data\":{},\"files\":[{\"fileUid\":\"F\","
	    "\"fileKey\":\"c2hvcnQ=\"}]}]}", key_k);
	for (i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		set = load(text[i], &rc);
		if (rc != KSM_EPROTO || set != NULL ||
		    !ksm_test_contains(ksm_error_last()->message,
		    "keeper-agent's answer")) {
			ksm_test_diag("%s: %d", what[i], rc);
			ok = 0;
		}
		ksm_records_free(set);
	}
	T_OK(ok, "14 malformed answers: KSM_EPROTO naming keeper-agent, "
	    "nothing loaded");
}

int
main(void)
{
	make_keys();
	test_full();
	test_round_trip();
	test_first_wins();
	test_malformed();
	return ksm_test_done();
}
