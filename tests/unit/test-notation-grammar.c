#include "config.h"

/*
 * The notation grammar, one row per production: tests/vectors/
 * notation-grammar.json (every selector, index form, escape, the base64url
 * form and the error cases of docs/notation.md).  Each row is parsed in
 * both readings and checked part by part, or for its error (code, message,
 * hint, nothing returned); ksm_notation_is_uid() is checked on every
 * row.  The same rows go through the official JS SDK's parseNotation in
 * tests/integration/notation-jssdk.sh, so both sides answer to one table.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "json.h"
#include "notation-int.h"
#include "ksm-test.h"

#define MAX_ROW_TEXT	1024	/* bytes, a row's text */

/* Every family of productions the table must keep covering. */
static const char *const families[] = {
	"notation:", "record:", "selector:", "param:", "index1:", "index2:",
	"escape:", "base64:",
};

/* The row's text: "text", or "hex" for bytes a JSON string cannot hold. */
static int
row_text(char *buf, size_t *len, const cJSON *row)
{
	const char *t = ksmx_json_str(row, "text");
	const char *hex = ksmx_json_str(row, "hex");
	size_t n;

	if (t != NULL) {
		if ((n = strlen(t)) >= MAX_ROW_TEXT)
			return -1;
		memcpy(buf, t, n + 1);
		*len = n;
		return 0;
	}
	if (hex == NULL || (n = ksm_test_unhex((uint8_t *)buf,
	    MAX_ROW_TEXT - 1, hex)) == (size_t)-1)
		return -1;
	buf[n] = '\0';
	*len = n;
	return 0;
}

/* want: {"error": "part of the message"} or the parts, absent = NULL. */
static void
check_one(const char *prod, const char *mode, const char *text, size_t len,
    const cJSON *want, unsigned int flags)
{
	static const struct {
		const char	*key;
		const char	*(*get)(const ksm_notation *);
	} parts[] = {
		{ "record",	ksm_notation_record },
		{ "selector",	ksm_notation_selector_name },
		{ "parameter",	ksm_notation_parameter },
		{ "index1",	ksm_notation_index1 },
		{ "index2",	ksm_notation_index2 },
	};
	const char *msg = ksmx_json_str(want, "error");
	ksm_notation *nt = (ksm_notation *)&nt;	/* must be reset */
	size_t i;
	int r;

	ksm_error_clear();
	r = ksm_notation__parse(&nt, text, len, flags);
	if (msg != NULL) {
		T_FAILS(r, KSM_ENOTATION, "%s: %s: fails", prod, mode);
		T_OK(nt == NULL, "%s: %s: returns nothing", prod, mode);
		if (!T_OK(strstr(ksm_error_last()->message, msg) != NULL,
		    "%s: %s: message has \"%s\"", prod, mode, msg))
			ksm_test_diag("message: %s", ksm_error_last()->message);
		T_OK(ksm_error_last()->hint[0] != '\0', "%s: %s: has a hint",
		    prod, mode);
		if (r == 0)
			ksm_notation_free(nt);
		return;
	}
	if (!T_OK(r == 0, "%s: %s: parses", prod, mode)) {
		ksm_test_diag("message: %s", ksm_error_last()->message);
		return;
	}
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		T_STREQ(parts[i].get(nt), ksmx_json_str(want, parts[i].key),
		    "%s: %s: %s", prod, mode, parts[i].key);
	ksm_notation_free(nt);
}

static void
test_rows(void)
{
	cJSON *root = ksm_test_vectors("notation-grammar.json");
	const cJSON *rows, *row, *legacy;
	char text[MAX_ROW_TEXT];
	const char *prod;
	size_t i, len = 0, n = 0;
	size_t seen[sizeof(families) / sizeof(families[0])];
	int want_uid;

	memset(seen, 0, sizeof(seen));
	if (!T_OK(root != NULL, "notation-grammar.json loads"))
		return;
	rows = cJSON_GetObjectItem(root, "rows");
	cJSON_ArrayForEach(row, rows) {
		prod = ksmx_json_str(row, "production");
		if (!T_OK(prod != NULL && row_text(text, &len, row) == 0 &&
		    cJSON_IsObject(cJSON_GetObjectItem(row, "strict")),
		    "row %zu is well formed", n))
			continue;
		n++;
		for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
			if (strncmp(prod, families[i], strlen(families[i])) == 0)
				seen[i]++;
		check_one(prod, "strict", text, len,
		    cJSON_GetObjectItem(row, "strict"), 0);
		legacy = cJSON_GetObjectItem(row, "legacy");
		check_one(prod, "legacy", text, len, legacy != NULL ? legacy :
		    cJSON_GetObjectItem(row, "strict"), KSM_NOTATION_LEGACY);
		want_uid = cJSON_IsTrue(cJSON_GetObjectItem(row, "is_uid"));
		T_OK(ksm_notation_is_uid(text) == want_uid,
		    "%s: is_uid is %d", prod, want_uid);
	}
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		T_OK(seen[i] >= 2, "the table covers '%s' (%zu rows)",
		    families[i], seen[i]);
	T_OK(n >= 90, "the table has %zu rows", n);
	cJSON_Delete(root);
}

/* What the table cannot hold: limits, arguments, the error left alone. */
static void
test_edges(void)
{
	ksm_notation *nt = NULL;
	char *big;
	int r;

	/* the limit counts the encoded text */
	big = malloc(KSM_MAX_NOTATION + 2);
	if (T_OK(big != NULL, "edges: allocate")) {
		memset(big, 'Q', KSM_MAX_NOTATION + 1);
		big[KSM_MAX_NOTATION + 1] = '\0';
		T_FAILS(ksm_notation_parse(&nt, big), KSM_ETOOBIG,
		    "edges: base64 longer than the limit");
		free(big);
	}
	T_OK(ksm_notation_is_uid(NULL) == 0 && ksm_notation_is_uid("") == 0,
	    "edges: is_uid of NULL, \"\"");
	/* a UID-shaped text is parsed: the caller's error survives */
	r = ksm_notation_parse(&nt, "a/typo");
	T_OK(r == KSM_ENOTATION, "edges: an error to keep");
	T_OK(ksm_notation_is_uid("-zTfZBsIUajowrj_sR32ZQ") == 1 &&
	    ksm_notation_is_uid("YWJjZGVmZ2hpai90aXRsZQ") == 0 &&
	    ksm_error_last()->code == KSM_ENOTATION &&
	    strstr(ksm_error_last()->message, "'typo'") != NULL,
	    "edges: is_uid leaves ksm_error_last() alone (%s)",
	    ksm_error_last()->message);
	/* the decoded text is wiped and freed on every path (ASan/valgrind) */
	T_FAILS(ksm_notation_parse(&nt, "eAAvdHlwZQ"), KSM_ENOTATION,
	    "edges: NUL in the decoding");
}

int
main(void)
{
	test_rows();
	test_edges();
	return ksm_test_done();
}
