#include "config.h"

/*
 * The parts of the writes that need no server: password generation,
 * record validation and record types, editing record JSON by selector,
 * the upload form, new UIDs, and the cache invalidation keeping the
 * caller's error.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "write-int.h"
#include "json.h"
#include "ksm-test.h"

static size_t
count_in(const char *s, const char *set)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += strchr(set, *s) != NULL;
	return n;
}

static void
test_password(void)
{
	ksm_password_policy p = KSM_PASSWORD_POLICY_INIT;
	char *pw = NULL, *pw2 = NULL;
	const char *lower = "abcdefghijklmnopqrstuvwxyz";
	const char *upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	const char *digits = "0123456789";
	const char *special = "\"!@#$%()+;<>=?[]{}^.,";

	T_OK(ksm_password_generate(&pw, &p) == 0 && strlen(pw) == 32,
	    "password: 32 characters by default");
	T_OK(pw != NULL && count_in(pw, lower) + count_in(pw, upper) +
	    count_in(pw, digits) + count_in(pw, special) == 32,
	    "password: only the four groups");
	T_OK(ksm_password_generate(&pw2, &p) == 0 && strcmp(pw, pw2) != 0,
	    "password: two draws differ");
	ksm_secret_free(pw);
	ksm_secret_free(pw2);

	p.length = 64;
	p.lowercase = p.uppercase = p.digits = p.special = 16;
	T_OK(ksm_password_generate(&pw, &p) == 0 && strlen(pw) == 64 &&
	    count_in(pw, lower) == 16 && count_in(pw, upper) == 16 &&
	    count_in(pw, digits) == 16 && count_in(pw, special) == 16,
	    "password (64, 16, 16, 16, 16): exactly 16 of each");
	ksm_secret_free(pw);

	p.length = 40;
	p.lowercase = 0;
	p.uppercase = 0;
	p.digits = 5;
	p.special = 0;
	T_OK(ksm_password_generate(&pw, &p) == 0 && strlen(pw) == 40 &&
	    count_in(pw, digits) == 40, "password: 0 excludes a group "
	    "(digits only)");
	ksm_secret_free(pw);

	p.digits = KSM_PASSWORD_ANY;
	p.special_set = "*";
	p.special = 3;
	T_OK(ksm_password_generate(&pw, &p) == 0 && strlen(pw) == 40 &&
	    count_in(pw, "*") >= 3 && count_in(pw, digits) + count_in(pw,
	    "*") == 40, "password: a special set of one, at least 3 of it");
	ksm_secret_free(pw);

	p.length = 4;
	p.special = 10;
	T_OK(ksm_password_generate(&pw, &p) == 0 && strlen(pw) == 10,
	    "password: minimums longer than the length make it longer");
	ksm_secret_free(pw);

	p.special_set = NULL;
	p.length = 8;
	p.lowercase = p.uppercase = p.digits = p.special = 0;
	T_FAILS(ksm_password_generate(&pw, &p), KSM_EINVAL,
	    "password: no group may be used");
	T_OK(pw == NULL, "password: no output on failure");
	p.lowercase = KSM_PASSWORD_ANY;
	p.length = 5000;
	T_FAILS(ksm_password_generate(&pw, &p), KSM_EINVAL,
	    "password: too long");
	p.length = 8;
	p.digits = -7;
	T_FAILS(ksm_password_generate(&pw, &p), KSM_EINVAL,
	    "password: a count below -1");
	p.digits = KSM_PASSWORD_ANY;
	p.special_set = "ab\x01";
	T_FAILS(ksm_password_generate(&pw, &p), KSM_EINVAL,
	    "password: a special set that is not printable ASCII");
}

static void
test_validate(void)
{
	static const struct {
		const char	*json;
		int		 code;
		const char	*what;
	} cases[] = {
		{ "{\"title\":\"T\",\"type\":\"login\",\"fields\":[{\"type\":"
		    "\"login\",\"value\":[\"a\"]}],\"custom\":[{\"type\":"
		    "\"text\",\"label\":\"L\",\"value\":[\"b\"]}],\"notes\":"
		    "\"n\"}", 0, "a login record" },
		{ "{\"title\":\"T\",\"type\":\"databaseCredentials\","
		    "\"fields\":[{\"type\":\"host\",\"value\":[{\"hostName\":"
		    "\"h\",\"port\":\"1\"}]},{\"type\":\"date\",\"value\":[1]},"
		    "{\"type\":\"checkbox\",\"value\":[true]}]}", 0,
		    "objects, numbers, booleans" },
		{ "[]", KSM_EINVAL, "not an object" },
		{ "{\"type\":\"login\",\"fields\":[]}", KSM_EINVAL,
		    "no title" },
		{ "{\"title\":\"T\",\"fields\":[]}", KSM_EINVAL, "no type" },
		{ "{\"title\":\"T\",\"type\":\"nosuch\",\"fields\":[]}",
		    KSM_EINVAL, "an unknown record type" },
		{ "{\"title\":\"T\",\"type\":\"login\",\"fields\":[{\"type\":"
		    "\"colour\",\"value\":[]}]}", KSM_EINVAL,
		    "an unknown field type" },
		{ "{\"title\":\"T\",\"type\":\"login\",\"fields\":[{\"type\":"
		    "\"login\",\"value\":\"a\"}]}", KSM_EINVAL,
		    "a value that is not an array" },
		{ "{\"title\":\"T\",\"type\":\"login\",\"fields\":[{\"type\":"
		    "\"login\",\"value\":[1]}]}", KSM_EINVAL,
		    "a number in a string field" },
		{ "{\"title\":\"T\",\"type\":\"login\",\"fields\":[{\"type\":"
		    "\"host\",\"value\":[\"h\"]}]}", KSM_EINVAL,
		    "a string in an object field" },
		{ "{\"title\":\"T\",\"type\":\"login\",\"fields\":[],"
		    "\"notes\":5}", KSM_EINVAL, "notes not a string" },
		{ "{\"title\":\"T\",\"type\":\"login\",\"fields\":[{\"type\":"
		    "\"login\",\"label\":3,\"value\":[]}]}", KSM_EINVAL,
		    "a label that is not a string" },
	};
	const char *ft, *label;
	char *big;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].code == 0)
			T_OK(ksm_record_validate(cases[i].json, 0) == 0,
			    "validate: %s", cases[i].what);
		else
			T_FAILS(ksm_record_validate(cases[i].json, 0),
			    cases[i].code, "validate: %s", cases[i].what);
	}
	T_OK(ksm_record_validate("{\"title\":\"T\",\"type\":\"myOwn\","
	    "\"fields\":[]}", KSM_RECORD_CUSTOM_TYPE) == 0,
	    "validate: a custom type when allowed");
	T_FAILS(ksm_record_validate("{\"title\":\"T\",\"type\":\"nosuch\","
	    "\"fields\":[]}", 0), KSM_EINVAL, "validate: unknown type again");
	T_OK(strstr(ksm_error_last()->message, "'nosuch'") != NULL,
	    "validate: the message names the type");
	if ((big = malloc(KSM_MAX_RECORD_JSON + 64)) != NULL) {
		memset(big, 'x', KSM_MAX_RECORD_JSON + 63);
		memcpy(big, "{\"title\":\"", 10);
		memcpy(big + KSM_MAX_RECORD_JSON + 40, "\",\"type\":\"login\","
		    "\"fields\":[]}", 23);
		big[KSM_MAX_RECORD_JSON + 63] = '\0';
		T_FAILS(ksm_record_validate(big, 0), KSM_ETOOBIG,
		    "validate: over KSM_MAX_RECORD_JSON");
		free(big);
	}

	T_OK(ksm_record_type_at(0) != NULL &&
	    strcmp(ksm_record_type_at(0), "login") == 0, "types: login first");
	T_OK(ksm_record_type_field("login", 2, &ft, &label) == 0 &&
	    strcmp(ft, "password") == 0 && label == NULL,
	    "types: login's third field is password");
	T_OK(ksm_record_type_field("bankCard", 1, &ft, &label) == 0 &&
	    strcmp(ft, "text") == 0 && label != NULL &&
	    strcmp(label, "Cardholder Name") == 0,
	    "types: a labelled field (bankCard, Cardholder Name)");
	T_OK(ksm_record_type_field("login", 6, &ft, &label) == KSM_ENOTFOUND &&
	    ft == NULL, "types: past the last field");
	T_OK(ksm_record_type_field("nosuch", 0, &ft, &label) == KSM_ENOTFOUND,
	    "types: an unknown type");
	for (i = 0; ksm_record_type_at(i) != NULL; i++) {
		size_t k;

		for (k = 0; ksm_record_type_field(ksm_record_type_at(i), k,
		    &ft, &label) == 0; k++)
			if (ksm_field_type_kind(ft) == KSM_FIELD_UNKNOWN)
				break;
		if (ksm_record_type_field(ksm_record_type_at(i), k, &ft,
		    &label) == 0)
			break;
	}
	T_OK(ksm_record_type_at(i) == NULL, "types: every field of every "
	    "standard type is a known field type");
	T_OK(ksm_field_type_kind("host") == KSM_FIELD_OBJECT &&
	    ksm_field_type_kind("birthDate") == KSM_FIELD_NUMBER &&
	    ksm_field_type_kind("checkbox") == KSM_FIELD_BOOL &&
	    ksm_field_type_kind("password") == KSM_FIELD_STRING &&
	    ksm_field_type_kind("colour") == KSM_FIELD_UNKNOWN,
	    "kinds of field types");
}

/* edit json by selector, expect code (and, on success, the result). */
static void
edit_case(const char *json, const char *sel, const char *value,
    unsigned int flags, int code, const char *want, const char *what)
{
	char *out = NULL;
	int r = ksm_record_edit(&out, json, sel, value, flags);

	if (code != 0) {
		T_FAILS(r, code, "edit: %s", what);
		T_OK(out == NULL, "edit: %s: no output", what);
	} else
		T_STREQ(out, want, "edit: %s", what);
	ksm_secret_free(out);
}

static void
test_edit(void)
{
	static const char rec[] = "{\"title\":\"T\",\"type\":\"login\","
	    "\"fields\":[{\"type\":\"login\",\"value\":[\"a\"]},{\"type\":"
	    "\"url\",\"value\":[\"u0\",\"u1\"]},{\"type\":\"host\",\"value\":"
	    "[{\"hostName\":\"h\",\"port\":\"1\"}]},{\"type\":\"date\","
	    "\"value\":[]}],\"custom\":[{\"type\":\"text\",\"label\":\"a/b\","
	    "\"value\":[\"x\"]},{\"type\":\"text\",\"label\":\"dup\","
	    "\"value\":[]},{\"type\":\"text\",\"label\":\"dup\",\"value\":"
	    "[]}]}";
	char want[1024];

#define REC_WITH(fields, custom) \
	"{\"title\":\"T\",\"type\":\"login\",\"fields\":[" fields "]," \
	"\"custom\":[" custom "]}"
#define F_LOGIN(v)	"{\"type\":\"login\",\"value\":[" v "]}"
#define F_URL(v)	"{\"type\":\"url\",\"value\":[" v "]}"
#define F_HOST(v)	"{\"type\":\"host\",\"value\":[" v "]}"
#define F_DATE(v)	"{\"type\":\"date\",\"value\":[" v "]}"
#define C_AB(v)		"{\"type\":\"text\",\"label\":\"a/b\",\"value\":[" v "]}"
#define C_DUP		"{\"type\":\"text\",\"label\":\"dup\",\"value\":[]}"
#define HOST0		"{\"hostName\":\"h\",\"port\":\"1\"}"
#define STD_CUSTOM	C_AB("\"x\"") "," C_DUP "," C_DUP

	edit_case(rec, "field/login", "b", 0, 0, REC_WITH(F_LOGIN("\"b\"") ","
	    F_URL("\"u0\",\"u1\"") "," F_HOST(HOST0) "," F_DATE(""),
	    STD_CUSTOM), "the one value");
	edit_case(rec, "field/url", "n", 0, 0, REC_WITH(F_LOGIN("\"a\"") ","
	    F_URL("\"n\"") "," F_HOST(HOST0) "," F_DATE(""), STD_CUSTOM),
	    "no index: the value list becomes one value");
	edit_case(rec, "field/url[1]", "n", 0, 0, REC_WITH(F_LOGIN("\"a\"")
	    "," F_URL("\"u0\",\"n\"") "," F_HOST(HOST0) "," F_DATE(""),
	    STD_CUSTOM), "[1]: one value");
	edit_case(rec, "field/url[2]", "n", 0, 0, REC_WITH(F_LOGIN("\"a\"")
	    "," F_URL("\"u0\",\"u1\",\"n\"") "," F_HOST(HOST0) "," F_DATE(""),
	    STD_CUSTOM), "[count]: adds a value");
	edit_case(rec, "field/url[3]", "n", 0, KSM_ENOTFOUND, NULL,
	    "past the end");
	edit_case(rec, "field/url", "[\"p\",\"q\"]", KSM_SET_JSON, 0,
	    REC_WITH(F_LOGIN("\"a\"") "," F_URL("\"p\",\"q\"") ","
	    F_HOST(HOST0) "," F_DATE(""), STD_CUSTOM),
	    "--json array: all values");
	edit_case(rec, "field/url", "[\"p\",3]", KSM_SET_JSON, KSM_EINVAL,
	    NULL, "--json array with a value of the wrong kind");
	edit_case(rec, "field/host[hostName]", "h2", 0, 0,
	    REC_WITH(F_LOGIN("\"a\"") "," F_URL("\"u0\",\"u1\"") ","
	    F_HOST("{\"hostName\":\"h2\",\"port\":\"1\"}") "," F_DATE(""),
	    STD_CUSTOM), "one property (legacy form host[hostName])");
	edit_case(rec, "field/host[0][port]", "2", 0, 0,
	    REC_WITH(F_LOGIN("\"a\"") "," F_URL("\"u0\",\"u1\"") ","
	    F_HOST("{\"hostName\":\"h\",\"port\":\"2\"}") "," F_DATE(""),
	    STD_CUSTOM), "one property ([0][port])");
	edit_case(rec, "field/host", "not json", 0, KSM_EINVAL, NULL,
	    "an object field wants JSON");
	edit_case(rec, "field/host", "{\"hostName\":\"z\"}", 0, 0,
	    REC_WITH(F_LOGIN("\"a\"") "," F_URL("\"u0\",\"u1\"") ","
	    F_HOST("{\"hostName\":\"z\"}") "," F_DATE(""), STD_CUSTOM),
	    "an object field takes a JSON object");
	edit_case(rec, "field/date", "1700000000000", 0, 0,
	    REC_WITH(F_LOGIN("\"a\"") "," F_URL("\"u0\",\"u1\"") ","
	    F_HOST(HOST0) "," F_DATE("1700000000000"), STD_CUSTOM),
	    "a date field takes a number");
	edit_case(rec, "field/date", "yesterday", 0, KSM_EINVAL, NULL,
	    "a date field refuses text");
	edit_case(rec, "field/login", "3", KSM_SET_JSON, KSM_EINVAL, NULL,
	    "--json: a number in a string field");
	edit_case(rec, "custom_field/a\\/b", "y", 0, 0,
	    REC_WITH(F_LOGIN("\"a\"") "," F_URL("\"u0\",\"u1\"") ","
	    F_HOST(HOST0) "," F_DATE(""), C_AB("\"y\"") "," C_DUP "," C_DUP),
	    "an escaped label");
	edit_case(rec, "custom_field/dup", "y", 0, KSM_EAMBIGUOUS, NULL,
	    "two fields with one label");
	edit_case(rec, "field/password", "y", 0, KSM_ENOTFOUND, NULL,
	    "a field the record lacks");
	edit_case(rec, "type", "y", 0, KSM_EINVAL, NULL, "the type");
	edit_case(rec, "file/x", "y", 0, KSM_EINVAL, NULL, "a file");
	edit_case(rec, "title", "", 0, KSM_EINVAL, NULL, "an empty title");
	(void)snprintf(want, sizeof(want), "%s", rec);
	memcpy(strstr(want, "\"T\""), "\"N\"", 3);
	edit_case(rec, "title", "N", 0, 0, want, "the title");
	edit_case("[]", "title", "N", 0, KSM_EINVAL, NULL,
	    "record data that is not an object");
	edit_case(rec, "field/login[", "y", 0, KSM_ENOTATION, NULL,
	    "a bad selector");
}

static void
test_multipart(void)
{
	struct ksmx_buf b = KSMX_BUF_INIT(1 << 20);
	static const char want[] =
	    "--BND\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n"
	    "K1\r\n"
	    "--BND\r\nContent-Disposition: form-data; name=\"policy\"\r\n\r\n"
	    "P2\r\n"
	    "--BND\r\nContent-Disposition: form-data; name=\"file\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n"
	    "a\0b\r\n--BND--\r\n";

	T_OK(ksm_upload__multipart(&b, "BND", "{\"key\":\"K1\",\"policy\":"
	    "\"P2\"}", "a\0b", 3) == 0 && b.len == sizeof(want) - 1,
	    "multipart: built (%zu bytes)", b.len);
	T_MEMEQ(b.d, want, sizeof(want) - 1, "multipart: parameters in order, "
	    "then the file");
	ksmx_buf_clear(&b);
	T_OK(ksm_upload__multipart(&b, "BND", "{\"key\":\"a\\r\\nb\"}", "x",
	    1) == KSM_EPROTO, "multipart: a parameter with a line break");
	ksmx_buf_clear(&b);
	T_OK(ksm_upload__multipart(&b, "BND", "{\"key\":3}", "x", 1) ==
	    KSM_EPROTO, "multipart: a parameter that is not a string");
	ksmx_buf_clear(&b);
	T_OK(ksm_upload__multipart(&b, "BND", "[1]", "x", 1) == KSM_EPROTO,
	    "multipart: parameters that are not an object");
	ksmx_buf_clear(&b);
}

static void
test_uid(void)
{
	char uid[KSM_UID_BUF];
	int i, bad = 0, len_ok = 1;

	for (i = 0; i < 2000; i++) {
		if (ksm_write__new_uid(uid, 0) != 0 || strlen(uid) != 22) {
			len_ok = 0;
			break;
		}
		bad += uid[0] == '-' || uid[0] == '_';
	}
	T_OK(len_ok, "uid: 22 characters");
	T_OK(bad == 0, "uid: a record or folder UID never starts with '-' "
	    "or '_' (2000 draws)");
	T_OK(ksm_write__new_uid(uid, 1) == 0 && strlen(uid) == 22,
	    "uid: a file UID");
}

static void
test_invalidate(void)
{
	ksm_client_options o = KSM_CLIENT_OPTIONS_INIT;
	ksm_client *c = NULL;
	const char *uid = "AAAAAAAAAAAAAAAAAAAAAA";
	static const char cfg[] = "{\"hostname\":\"fake.example\","
	    "\"clientId\":\"dGVzdA==\",\"privateKey\":\"%s\","
	    "\"appKey\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}";
	struct ksmx_buf der = KSMX_BUF_INIT(4096);
	ksm_eckey *k = NULL;
	char text[1024], *pk = NULL;

	if (ksm_eckey__generate(&k) != 0 || ksm_eckey__to_pkcs8(&der, k) != 0 ||
	    (pk = ksmx_b64_encode_str(der.d, der.len, KSMX_B64_STD)) == NULL) {
		T_OK(0, "invalidate: set-up");
		goto out;
	}
	(void)snprintf(text, sizeof(text), cfg, pk);
	o.config_string = text;
	if (ksm_client_new(&c, &o) != 0) {
		T_OK(0, "invalidate: client");
		goto out;
	}
	(void)ksm__err(KSM_EACCESS, "the caller's message");
	(void)ksm_client__invalidate(c, &uid, 1);
	T_OK(ksm_error_last()->code == KSM_EACCESS &&
	    strcmp(ksm_error_last()->message, "the caller's message") == 0,
	    "invalidate: the caller's error stays");
	ksm_error_clear();
	(void)ksm_client__invalidate(c, &uid, 1);
	T_OK(ksm_error_last()->code == 0,
	    "invalidate: after success, no error");
out:
	ksm_client_free(c);
	ksm_eckey__free(k);
	free(pk);
	ksmx_buf_clear(&der);
}

int
main(void)
{
	char dir[] = "/tmp/ksm-test-writes.XXXXXX";

	/* the cache directory of the invalidation test: our own */
	if (mkdtemp(dir) != NULL)
		setenv("KSM_CACHE_DIR", dir, 1);
	test_password();
	test_validate();
	test_edit();
	test_multipart();
	test_uid();
	test_invalidate();
	rmdir(dir);
	return ksm_test_done();
}
