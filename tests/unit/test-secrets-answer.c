#include "config.h"

/*
 * The answers keeper-agent keeps (plugins/ssh-agent/secrets-answer.c): a
 * get_secret body indexed by record UID, and the answer for a set of UIDs
 * cut from it.  Each composed answer is read back with cJSON (which
 * records, in which places, every folder there, the rest of each folder
 * untouched), and one is decrypted by libksm's own loader to the asked
 * records' titles.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "client-int.h"
#include "crypto.h"
#include "json.h"
#include "util/b64.h"
#include "ksm-test.h"
#include "secrets-answer.h"

#define OUT_MAX	(4u << 20)

/*
 * Direct records D1, S1, an escaped UID (E\u0031), D2 (with a nested
 * recordUid that is not a record's); folders F1 (F1a, S1, F1b), F2 (no
 * records), F3 (no "records" at all), F4 ("records": null), F5 (S1).
 */
static const char TEXT[] =
    "{\"appData\":\"app\",\"records\":["
    "{\"recordUid\":\"D1\",\"data\":\"d1\"},"
    "{\"recordUid\":\"S1\",\"data\":\"s1 direct\"},"
    "{\"data\":\"escaped\",\"recordUid\":\"E\\u0031\"},"
    "{\"recordUid\":\"D2\",\"data\":\"d2\",\"x\":{\"recordUid\":\"X9\"}}"
    "],\"folders\":["
    "{\"folderUid\":\"F1\",\"folderKey\":\"k1\",\"records\":["
    "{\"recordUid\":\"F1a\",\"data\":\"f1a\"},"
    "{\"recordUid\":\"S1\",\"data\":\"s1 in F1\"},"
    "{\"recordUid\":\"F1b\",\"data\":\"f1b\"}],\"isEditable\":true},"
    "{\"folderUid\":\"F2\",\"folderKey\":\"k2\",\"records\":[]},"
    "{\"folderUid\":\"F3\",\"folderKey\":\"k3\"},"
    "{\"folderUid\":\"F4\",\"folderKey\":\"k4\",\"records\":null},"
    "{\"folderUid\":\"F5\",\"records\":[ {\"recordUid\":\"S1\","
    "\"data\":\"s1 in F5\"} ],\"parent\":null}"
    "],\"expiresOn\":0}";

#define N_FOLDERS	5

/*
 * The recordUids of an array, comma-separated, into s: "-" when arr is
 * absent, "" when null or empty, "?" when not an array of objects.
 */
static void
uid_list(char *s, size_t max, const cJSON *arr)
{
	const cJSON *it, *u;
	size_t n = 0;

	s[0] = '\0';
	if (arr == NULL) {
		snprintf(s, max, "-");
		return;
	}
	if (cJSON_IsNull(arr))
		return;
	if (!cJSON_IsArray(arr)) {
		snprintf(s, max, "?");
		return;
	}
	cJSON_ArrayForEach(it, arr) {
		u = cJSON_GetObjectItemCaseSensitive(it, "recordUid");
		n += (size_t)snprintf(s + n, max - n, "%s%s", n ? "," : "",
		    cJSON_IsString(u) ? u->valuestring : "?");
		if (n >= max)
			return;
	}
}

/*
 * Compose a for uids and check the result against want: want[0] the
 * direct records, want[1 + i] folder i's ("-": no "records" member).
 * Every folder of the input must be there, in order, with its
 * folderUid.
 */
static int
compose_is(const struct answer *a, const char *const *uids, size_t n,
    const char *const *want, size_t n_folders, size_t want_missing)
{
	struct ksmx_buf out = KSMX_BUF_INIT(OUT_MAX);
	const cJSON *folders, *f;
	cJSON *root = NULL;
	char got[512], fuid[24];
	size_t missing = 99, i = 0;
	int ok = 0;

	if (answer_compose(a, uids, n, &out, &missing) != 0 ||
	    missing != want_missing ||
	    (root = ksmx_json_parse(out.d, out.len)) == NULL ||
	    !cJSON_IsObject(root))
		goto out;
	uid_list(got, sizeof(got), cJSON_GetObjectItemCaseSensitive(root,
	    "records"));
	if (strcmp(got, want[0]) != 0) {
		ksm_test_diag("direct: got '%s', want '%s'", got, want[0]);
		goto out;
	}
	folders = cJSON_GetObjectItemCaseSensitive(root, "folders");
	if (cJSON_GetArraySize(folders) != (int)n_folders)
		goto out;
	cJSON_ArrayForEach(f, folders) {
		snprintf(fuid, sizeof(fuid), "F%zu", i + 1);
		if (n_folders == N_FOLDERS && (ksmx_json_str(f, "folderUid") ==
		    NULL || strcmp(ksmx_json_str(f, "folderUid"), fuid) != 0))
			goto out;
		uid_list(got, sizeof(got),
		    cJSON_GetObjectItemCaseSensitive(f, "records"));
		if (strcmp(got, want[1 + i]) != 0) {
			ksm_test_diag("folder %zu: got '%s', want '%s'", i + 1,
			    got, want[1 + i]);
			goto out;
		}
		i++;
	}
	ok = 1;
out:
	if (!ok && out.len > 0 && ksmx_buf_cstr(&out) == 0)
		ksm_test_diag("composed: %s", (const char *)out.d);
	ksmx_json_free(root);
	ksmx_buf_clear(&out);
	return ok;
}

static void
test_index(void)
{
	struct answer *a = NULL;

	T_OK(answer_new(&a, TEXT, strlen(TEXT), 1) == 0 && a != NULL,
	    "a get_secret body: indexed");
	if (a == NULL)
		return;
	T_OK(answer_len(a) == strlen(TEXT), "answer_len: the text's");
	T_OK(answer_records(a) == 8,
	    "answer_records: every occurrence (4 direct, 3 + 1 in folders)");
	T_OK(answer_has(a, "D1") && answer_has(a, "S1") &&
	    answer_has(a, "D2") && answer_has(a, "F1a") &&
	    answer_has(a, "F1b"), "answer_has: direct and folder records");
	T_OK(!answer_has(a, "") && !answer_has(a, "nope") &&
	    !answer_has(a, "D") && !answer_has(a, "D1x") &&
	    !answer_has(a, "F1"), "answer_has: not an empty UID, a prefix, "
	    "a longer UID or a folder's UID");
	T_OK(!answer_has(a, "X9"), "answer_has: a recordUid nested in a "
	    "record is no record");
	T_OK(!answer_has(a, "E1") && !answer_has(a, "E\\u0031"),
	    "answer_has: a UID written with an escape never matches");
	answer_free(a);
	answer_free(NULL);
}

/* UIDs asked, and the answer: direct records, then F1 .. F5's */
static const struct {
	const char	*uids[5];
	size_t		 n, missing;
	const char	*want[1 + N_FOLDERS];
	const char	*name;
} cases[] = {
	{ { "D1" }, 1, 0, { "D1", "", "", "-", "", "" },
	    "one direct record: it, and every folder emptied" },
	{ { "S1" }, 1, 0, { "S1", "S1", "", "-", "", "S1" },
	    "a record present three times: in each of its places" },
	{ { "F1b", "F1a" }, 2, 0, { "", "F1a,F1b", "", "-", "", "" },
	    "two records of a folder: in the server's order" },
	{ { "S1", "D1", "S1" }, 3, 0, { "D1,S1", "S1", "", "-", "", "S1" },
	    "a UID asked twice: each occurrence once" },
	{ { "nope", "D2", "", "E1", "X9" }, 5, 4, { "D2", "", "", "-", "", "" },
	    "unknown, empty, escaped and nested UIDs: missing, 4 of 5" },
	{ { "F1b", "D2", "S1", "D1", "F1a" }, 5, 0,
	    { "D1,S1,D2", "F1a,S1,F1b", "", "-", "", "S1" },
	    "every matchable record: all of them, server order" },
};

static void
test_compose(void)
{
	static const char *const q1[] = { "D1" };
	static const char *const q2[] = { "S1" };
	static const char *const q6[] = { "F1b", "D2", "S1", "D1", "F1a" };
	static const char *const q7[] = { "gone", "gone" };
	static const char *const w7[] = { "", "", "", "-", "", "" };
	struct ksmx_buf out = KSMX_BUF_INIT(OUT_MAX);
	struct answer *a = NULL;
	const cJSON *f1, *f5;
	cJSON *root;
	size_t missing = 99, i;

	if (answer_new(&a, TEXT, strlen(TEXT), 1) != 0) {
		T_OK(0, "answer_new");
		return;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_OK(compose_is(a, cases[i].uids, cases[i].n, cases[i].want,
		    N_FOLDERS, cases[i].missing), "%s", cases[i].name);
	/* an unknown UID asked twice: the caller only tells 0 from more */
	T_OK(compose_is(a, q7, 2, w7, N_FOLDERS, 2) ||
	    compose_is(a, q7, 2, w7, N_FOLDERS, 1),
	    "only unknown UIDs: no record, every folder");

	/* what else each folder had is kept */
	T_OK(answer_compose(a, q1, 1, &out, &missing) == 0 &&
	    (root = ksmx_json_parse(out.d, out.len)) != NULL, "compose");
	f1 = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "folders"), 0);
	f5 = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "folders"), 4);
	T_OK(ksmx_json_str(f1, "folderKey") != NULL &&
	    strcmp(ksmx_json_str(f1, "folderKey"), "k1") == 0 &&
	    cJSON_IsTrue(cJSON_GetObjectItem(f1, "isEditable")) &&
	    cJSON_IsNull(cJSON_GetObjectItem(f5, "parent")),
	    "a folder's other members: kept");
	ksmx_json_free(root);
	ksmx_buf_clear(&out);

	/* the answer's records are the text's own bytes */
	T_OK(answer_compose(a, q2, 1, &out, &missing) == 0 &&
	    ksmx_buf_cstr(&out) == 0 && strstr((char *)out.d,
	    "{\"recordUid\":\"S1\",\"data\":\"s1 in F5\"}") != NULL,
	    "records copied byte for byte");
	ksmx_buf_clear(&out);

	/* n_uids 0: the whole text */
	T_OK(answer_compose(a, NULL, 0, &out, &missing) == 0 &&
	    missing == 0 && out.len == strlen(TEXT) &&
	    memcmp(out.d, TEXT, out.len) == 0, "no UIDs: the text byte for byte");
	/* appended after what out held */
	T_OK(answer_compose(a, q1, 1, &out, &missing) == 0 &&
	    out.len > strlen(TEXT) && memcmp(out.d, TEXT, strlen(TEXT)) == 0 &&
	    out.d[strlen(TEXT)] == '{', "composed answers are appended");
	ksmx_buf_clear(&out);

	/* an output too small: an error, never a cut answer taken as whole */
	{
		struct ksmx_buf small = KSMX_BUF_INIT(40);

		T_OK(answer_compose(a, q6, 5, &small, &missing) == KSM_ETOOBIG,
		    "an output bound too small: KSM_ETOOBIG");
		ksmx_buf_clear(&small);
	}
	answer_free(a);
}

static void
test_shapes(void)
{
	static const char *const none[] = { "", "" };
	static const char *const q[] = { "A" };
	static const char *const w_f[] = { "", "-", "" };
	static const char *const w_a[] = { "A" };
	struct answer *a = NULL;
	const char *t;

	t = "{\"records\":null,\"folders\":null}";
	T_OK(answer_new(&a, t, strlen(t), 1) == 0 && answer_records(a) == 0 &&
	    compose_is(a, q, 1, none, 0, 1),
	    "records and folders null: no record, an empty answer");
	answer_free(a);
	t = "{\"appData\":\"x\"}";
	T_OK(answer_new(&a, t, strlen(t), 1) == 0 && answer_records(a) == 0 &&
	    compose_is(a, q, 1, none, 0, 1),
	    "records and folders absent: the same");
	answer_free(a);
	t = " {} ";
	T_OK(answer_new(&a, t, strlen(t), 1) == 0 && answer_records(a) == 0,
	    "an empty object with white space: no record");
	answer_free(a);
	t = "{\"folders\":[{\"folderUid\":\"F\"},{\"folderUid\":\"G\","
	    "\"records\":[{\"recordUid\":\"B\"}]}],\"records\":null}";
	T_OK(answer_new(&a, t, strlen(t), 1) == 0 && answer_records(a) == 1 &&
	    compose_is(a, q, 1, w_f, 2, 1),
	    "a folder without records: sent as it is");
	answer_free(a);
	t = "{\"records\":[{\"recordUid\":\"A\"}]}";
	T_OK(answer_new(&a, t, strlen(t), 1) == 0 &&
	    compose_is(a, q, 1, w_a, 0, 0), "no folders: records only");
	answer_free(a);
	t = "{\"records\":[{\"recordUid\":\"A\\\"B\"},{\"recordUid\":7},"
	    "{\"recordUid\":\"" "0123456789012345678901234567890123456789"
	    "0123456789012345678901234\"},{}]}";
	T_OK(answer_new(&a, t, strlen(t), 1) == 0 && answer_records(a) == 4 &&
	    !answer_has(a, "A\"B") && !answer_has(a, "A\\\"B") &&
	    !answer_has(a, "7") && !answer_has(a,
	    "01234567890123456789012345678901234567890123456789012345678901234"),
	    "escaped, numeric, over-long and absent recordUids: kept, "
	    "never matched");
	answer_free(a);
}

/*
 * (json-scan.c is structural only: commas between array elements are not
 * checked, so "[{...},]" and "[{...} {...}]" are indexed; each record is
 * parsed by cJSON when libksm loads it.)
 */
static void
test_malformed(void)
{
	static const char *const bad[] = {
		"", " ", "not json", "{", "[]", "\"records\"", "null",
		"{} trailing", "{}{}",
		"{\"records\":[1]}",
		"{\"records\":[\"A\"]}",
		"{\"records\":[{\"recordUid\":\"A\"}",
		"{\"records\":[{\"recordUid\" \"A\"}]}",
		"{\"records\":[{\"recordUid\":\"A}]}",
		"{\"folders\":[1]}",
		"{\"folders\":[{\"records\":[true]}]}",
		"{\"folders\":[{\"records\":[{\"recordUid\":\"A\"}]}",
		"{\"records\":[],\"folders\":[],}",
		"{\"records\":[,{\"recordUid\":\"A\"}]}",
		"{\"a\":1 \"records\":[]}",
		"{\"records\":[{\"recordUid\":\"A\",}]}",
	};
	struct answer *a;
	size_t i;
	int ok = 1, r;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = (struct answer *)(uintptr_t)1;	/* must be reset */
		if ((r = answer_new(&a, bad[i], strlen(bad[i]), 1)) !=
		    KSM_EPROTO || a != NULL) {
			ksm_test_diag("accepted (%d): %s", r, bad[i]);
			ok = 0;
			if (r == 0)
				answer_free(a);
		}
	}
	T_OK(ok, "malformed bodies: KSM_EPROTO, no answer");
	T_OK(answer_new(&a, "not json", 8, 0) == 0 && answer_len(a) == 8 &&
	    answer_records(a) == 0 && !answer_has(a, "x"),
	    "without index: any text kept as it is");
	answer_free(a);
	T_OK(answer_new(&a, "", 0, 0) == 0 && answer_len(a) == 0,
	    "without index: an empty text");
	answer_free(a);
}

static void
test_hash(void)
{
	char other[sizeof(TEXT)];
	struct answer *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	char *p;

	memcpy(other, TEXT, sizeof(TEXT));
	p = strstr(other, "s1 in F1");
	p[0] = 'S';	/* same length, one byte changed */
	T_OK(answer_new(&a, TEXT, strlen(TEXT), 1) == 0 &&
	    answer_new(&b, TEXT, strlen(TEXT), 0) == 0 &&
	    answer_new(&c, other, strlen(other), 1) == 0 &&
	    answer_new(&d, TEXT, strlen(TEXT) - 1, 0) == 0, "four answers");
	if (a == NULL || b == NULL || c == NULL || d == NULL)
		goto out;
	T_OK(answer_hash(a) == answer_hash(b),
	    "hash: the same text, indexed or not, the same");
	T_OK(answer_hash(a) != answer_hash(c), "hash: one byte changed");
	T_OK(answer_hash(a) != answer_hash(d), "hash: one byte less");
out:
	answer_free(a);
	answer_free(b);
	answer_free(c);
	answer_free(d);
}

/* Many records, out of order: the index's sort and search. */
static void
test_many(void)
{
	struct ksmx_buf t = KSMX_BUF_INIT(OUT_MAX);
	struct ksmx_buf out = KSMX_BUF_INIT(OUT_MAX);
	const char *uids[64];
	char names[64][16], uid[16];
	const char *s;
	const cJSON *it, *f, *fr;
	struct answer *a = NULL;
	cJSON *root = NULL;
	size_t i, j, n = 0, missing = 99, got = 0, in_f = 0;
	int ok = 1;

	ksmx_buf_puts(&t, "{\"records\":[");
	for (i = 600; i > 0; i--) {
		snprintf(uid, sizeof(uid), "R%04zu", i);
		ksmx_buf_puts(&t, i < 600 ? ",{\"recordUid\":\"" :
		    "{\"recordUid\":\"");
		ksmx_buf_puts(&t, uid);
		ksmx_buf_puts(&t, "\"}");
	}
	ksmx_buf_puts(&t, "],\"folders\":[");
	/* folder i holds G(29-i)-0 .. G(29-i)-9 */
	for (i = 0; i < 30; i++) {
		ksmx_buf_puts(&t, i ? ",{\"records\":[" : "{\"records\":[");
		for (j = 0; j < 10; j++) {
			snprintf(uid, sizeof(uid), "G%02zu-%zu", 29 - i, j);
			ksmx_buf_puts(&t, j ? ",{\"recordUid\":\"" :
			    "{\"recordUid\":\"");
			ksmx_buf_puts(&t, uid);
			ksmx_buf_puts(&t, "\"}");
		}
		ksmx_buf_puts(&t, "]}");
	}
	ksmx_buf_puts(&t, "]}");
	if (answer_new(&a, t.d, t.len, 1) != 0) {
		T_OK(0, "900 records: indexed");
		goto out;
	}
	T_OK(answer_records(a) == 900, "900 records: indexed");
	for (i = 1; i <= 600 && ok; i++) {
		snprintf(uid, sizeof(uid), "R%04zu", i);
		ok = answer_has(a, uid);
	}
	for (i = 0; i < 30 && ok; i++)
		for (j = 0; j < 10 && ok; j++) {
			snprintf(uid, sizeof(uid), "G%02zu-%zu", i, j);
			ok = answer_has(a, uid);
		}
	T_OK(ok && !answer_has(a, "R0000") && !answer_has(a, "R0601") &&
	    !answer_has(a, "G30-0"), "900 records: each found, no other");

	for (i = 1; i <= 600; i += 13) {
		snprintf(names[n], sizeof(names[n]), "R%04zu", i);
		uids[n] = names[n];
		n++;
	}
	snprintf(names[n], sizeof(names[n]), "G07-9");	/* folder 22 */
	uids[n] = names[n];
	n++;
	snprintf(names[n], sizeof(names[n]), "R9999");
	uids[n] = names[n];
	n++;
	if (answer_compose(a, uids, n, &out, &missing) != 0 ||
	    (root = ksmx_json_parse(out.d, out.len)) == NULL) {
		T_OK(0, "900 records: composed");
		goto out;
	}
	/* direct records: descending in the text, so R0587 ... R0001 */
	s = NULL;
	ok = 1;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "records")) {
		const char *u = ksmx_json_str(it, "recordUid");

		if (u == NULL || (s != NULL && strcmp(s, u) <= 0) ||
		    (strtoul(u + 1, NULL, 10) - 1) % 13 != 0)
			ok = 0;
		s = u;
		got++;
	}
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(root, "folders")) {
		fr = cJSON_GetObjectItem(f, "records");
		if (cJSON_GetArraySize(fr) == 1) {
			in_f++;
			ok &= ksmx_json_str(cJSON_GetArrayItem(fr, 0),
			    "recordUid") != NULL && strcmp(ksmx_json_str(
			    cJSON_GetArrayItem(fr, 0), "recordUid"),
			    "G07-9") == 0 && f == cJSON_GetArrayItem(
			    cJSON_GetObjectItem(root, "folders"), 22);
		} else if (cJSON_GetArraySize(fr) != 0)
			ok = 0;
	}
	T_OK(ok && got == 47 && in_f == 1 && missing == 1 &&
	    cJSON_GetArraySize(cJSON_GetObjectItem(root, "folders")) == 30,
	    "900 records: 47 direct and 1 in a folder picked, 1 missing");
out:
	ksmx_json_free(root);
	answer_free(a);
	ksmx_buf_clear(&t);
	ksmx_buf_clear(&out);
}

/* ---- decrypted by libksm ---- */

/* b64(GCM(key, pt)), malloc'd */
static char *
enc_b64(const uint8_t key[32], const void *pt, size_t n)
{
	struct ksmx_buf ct = KSMX_BUF_INIT(4096);
	char *s = NULL;

	if (ksm_crypto__gcm_encrypt(&ct, key, pt, n) == 0)
		s = ksmx_b64_encode_str(ct.d, ct.len, KSMX_B64_STD);
	ksmx_buf_clear(&ct);
	return s;
}

/* A record object: a fresh record key under kek, its data under that. */
static int
put_record(struct ksmx_buf *out, const uint8_t kek[32], const char *uid,
    const char *title, const char *inner)
{
	uint8_t rk[32];
	char json[256], *k = NULL, *d = NULL;
	int r = -1;

	snprintf(json, sizeof(json), "{\"title\":\"%s\",\"type\":\"login\","
	    "\"fields\":[]}", title);
	if (ksm_crypto__random(rk, sizeof(rk)) != 0 ||
	    (k = enc_b64(kek, rk, sizeof(rk))) == NULL ||
	    (d = enc_b64(rk, json, strlen(json))) == NULL)
		goto out;
	r = ksmx_buf_puts(out, "{\"recordUid\":\"") |
	    ksmx_buf_puts(out, uid) |
	    ksmx_buf_puts(out, "\",\"recordKey\":\"") |
	    ksmx_buf_puts(out, k) |
	    ksmx_buf_puts(out, "\",\"data\":\"") |
	    ksmx_buf_puts(out, d) |
	    ksmx_buf_puts(out, "\",\"revision\":1,\"innerFolderUid\":");
	if (inner != NULL)
		r |= ksmx_buf_puts(out, "\"") | ksmx_buf_puts(out, inner) |
		    ksmx_buf_puts(out, "\"}");
	else
		r |= ksmx_buf_puts(out, "null}");
out:
	ksmx_wipe(rk, sizeof(rk));
	free(k);
	free(d);
	return r;
}

/* The records libksm loads from text, as "uid=title@folder;..." */
static int
load(char *s, size_t max, const uint8_t app_key[32], const void *text,
    size_t len)
{
	struct ksmx_buf plain = KSMX_BUF_INIT(OUT_MAX);
	ksm_records *set = NULL;
	const ksm_record *rec;
	size_t i, n = 0;
	int r;

	s[0] = '\0';
	if ((r = ksmx_buf_put(&plain, text, len)) == 0 &&
	    (r = ksm_records__from_response(&set, app_key, &plain)) == 0)
		for (i = 0; i < ksm_records_count(set) && n < max; i++) {
			rec = ksm_records_at(set, i);
			n += (size_t)snprintf(s + n, max - n, "%s=%s@%s;",
			    ksm_record_uid(rec), ksm_record_title(rec),
			    ksm_record_folder_uid(rec) ?
			    ksm_record_folder_uid(rec) : "-");
		}
	ksm_records_free(set);
	ksmx_buf_clear(&plain);
	return r;
}

static void
test_libksm_decrypts(void)
{
	static const char *const q[] = { "I1", "gone", "R2", "D1" };
	struct ksmx_buf t = KSMX_BUF_INIT(OUT_MAX);
	struct ksmx_buf out = KSMX_BUF_INIT(OUT_MAX);
	struct answer *a = NULL;
	uint8_t app_key[32], fk[32];
	char *wrapped = NULL, got[512];
	size_t missing = 99;
	int r;

	if (ksm_crypto__random(app_key, 32) != 0 ||
	    ksm_crypto__random(fk, 32) != 0 ||
	    (wrapped = enc_b64(app_key, fk, 32)) == NULL) {
		T_OK(0, "keys");
		return;
	}
	/* I1 is shared directly, keyed by F1's key (innerFolderUid) */
	r = ksmx_buf_puts(&t, "{\"appData\":\"x\",\"records\":[") |
	    put_record(&t, app_key, "D1", "Direct one", NULL) |
	    ksmx_buf_putc(&t, ',') |
	    put_record(&t, app_key, "D2", "Direct two", NULL) |
	    ksmx_buf_putc(&t, ',') |
	    put_record(&t, fk, "I1", "Inner one", "F1") |
	    ksmx_buf_puts(&t, "],\"folders\":[{\"folderUid\":\"F1\","
	    "\"folderKey\":\"") | ksmx_buf_puts(&t, wrapped) |
	    ksmx_buf_puts(&t, "\",\"data\":null,\"parent\":null,"
	    "\"records\":[") |
	    put_record(&t, fk, "R1", "Folder one", NULL) |
	    ksmx_buf_putc(&t, ',') |
	    put_record(&t, fk, "R2", "Folder two", NULL) |
	    ksmx_buf_puts(&t, "]}],\"expiresOn\":0}");
	if (r != 0 || answer_new(&a, t.d, t.len, 1) != 0) {
		T_OK(0, "an encrypted answer: indexed");
		goto out;
	}
	T_OK(load(got, sizeof(got), app_key, t.d, t.len) == 0 &&
	    strcmp(got, "D1=Direct one@-;D2=Direct two@-;I1=Inner one@-;"
	    "R1=Folder one@F1;R2=Folder two@F1;") == 0,
	    "the fixture: libksm loads its five records");
	T_OK(answer_compose(a, q, 4, &out, &missing) == 0 && missing == 1 &&
	    load(got, sizeof(got), app_key, out.d, out.len) == 0 &&
	    strcmp(got, "D1=Direct one@-;I1=Inner one@-;"
	    "R2=Folder two@F1;") == 0,
	    "composed for D1, I1, R2: libksm decrypts exactly those titles");
	if (strcmp(got, "D1=Direct one@-;I1=Inner one@-;"
	    "R2=Folder two@F1;") != 0)
		ksm_test_diag("loaded: %s", got);
	ksmx_buf_clear(&out);
	T_OK(answer_compose(a, q, 1, &out, &missing) == 0 &&
	    load(got, sizeof(got), app_key, out.d, out.len) == 0 &&
	    strcmp(got, "I1=Inner one@-;") == 0,
	    "only I1: its folder's key goes along, emptied");
	ksmx_buf_clear(&out);
	T_OK(answer_compose(a, NULL, 0, &out, &missing) == 0 &&
	    load(got, sizeof(got), app_key, out.d, out.len) == 0 &&
	    strstr(got, "R1=Folder one@F1;") != NULL,
	    "no UIDs: everything");
out:
	ksmx_wipe(app_key, sizeof(app_key));
	ksmx_wipe(fk, sizeof(fk));
	free(wrapped);
	answer_free(a);
	ksmx_buf_clear(&t);
	ksmx_buf_clear(&out);
}

int
main(void)
{
	test_index();
	test_compose();
	test_shapes();
	test_malformed();
	test_hash();
	test_many();
	test_libksm_decrypts();
	return ksm_test_done();
}
