#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "ksm-test.h"
#include "awsjson.h"

#define UID	"AbCdEfGhIjKlMnOpQrStUv"

/* Select from json; return the code and leave the result in *c. */
static int
sel(struct awscred *c, const char *json)
{
	return awsjson_select(c, json, UID);
}

static void
select_conventions(void)
{
	struct awscred c = AWSCRED_INIT;

	/* Keeper's Go tool layout: custom fields with these labels */
	T_OK(sel(&c, "{\"type\":\"login\",\"fields\":["
	    "{\"type\":\"login\",\"value\":[\"user\"]},"
	    "{\"type\":\"password\",\"value\":[\"pw\"]}],"
	    "\"custom\":[{\"type\":\"text\",\"label\":\"Access Key ID\","
	    "\"value\":[\"AKIA1\"]},{\"type\":\"secret\",\"label\":"
	    "\"Secret Access Key\",\"value\":[\"S1\"]}]}") == 0,
	    "select::custom labels");
	T_STREQ(c.access_key_id, "AKIA1", "select::custom labels beat login");
	T_STREQ(c.secret_access_key, "S1",
	    "select::custom labels beat password");
	T_OK(c.session_token == NULL && c.expiration == 0,
	    "select::no token, no expiration");

	T_OK(sel(&c, "{\"type\":\"login\",\"fields\":[],\"custom\":["
	    "{\"type\":\"text\",\"label\":\"ACCESS KEY ID\",\"value\":[\"K\"]},"
	    "{\"type\":\"text\",\"label\":\"secret access key\","
	    "\"value\":[\"S\"]}]}") == 0 &&
	    strcmp(c.access_key_id, "K") == 0 &&
	    strcmp(c.secret_access_key, "S") == 0,
	    "select::labels are case-insensitive");

	/* second convention: aws_* labels, even on standard fields */
	T_OK(sel(&c, "{\"type\":\"login\",\"fields\":["
	    "{\"type\":\"login\",\"value\":[\"user\"]},"
	    "{\"type\":\"text\",\"label\":\"aws_secret_access_key\","
	    "\"value\":[\"S2\"]}],\"custom\":[{\"type\":\"text\",\"label\":"
	    "\"aws_access_key_id\",\"value\":[\"K2\"]}]}") == 0,
	    "select::aws_* labels");
	T_STREQ(c.access_key_id, "K2", "select::aws_access_key_id beats login");
	T_STREQ(c.secret_access_key, "S2", "select::aws_secret_access_key");

	/* first label wins over the second */
	T_OK(sel(&c, "{\"type\":\"login\",\"fields\":[],\"custom\":["
	    "{\"label\":\"aws_access_key_id\",\"value\":[\"second\"]},"
	    "{\"label\":\"Access Key ID\",\"value\":[\"first\"]},"
	    "{\"label\":\"Secret Access Key\",\"value\":[\"s\"]}]}") == 0 &&
	    strcmp(c.access_key_id, "first") == 0,
	    "select::'Access Key ID' before aws_access_key_id");

	/* last resort: login/password; empty custom values are skipped */
	T_OK(sel(&c, "{\"type\":\"login\",\"fields\":["
	    "{\"type\":\"login\",\"value\":[\"AKIALOGIN\"]},"
	    "{\"type\":\"password\",\"value\":[\"pwsecret\"]}],\"custom\":["
	    "{\"label\":\"Access Key ID\",\"value\":[\"\"]},"
	    "{\"label\":\"Secret Access Key\",\"value\":[]}]}") == 0,
	    "select::login/password fallback");
	T_STREQ(c.access_key_id, "AKIALOGIN", "select::login as key id");
	T_STREQ(c.secret_access_key, "pwsecret", "select::password as secret");

	/* session token and expiration */
	T_OK(sel(&c, "{\"type\":\"login\",\"fields\":["
	    "{\"type\":\"login\",\"value\":[\"K\"]},"
	    "{\"type\":\"password\",\"value\":[\"S\"]}],\"custom\":["
	    "{\"label\":\"Session Token\",\"value\":[\"TOK\"]},"
	    "{\"label\":\"Expiration\",\"value\":[\"2033-05-18T03:33:20Z\"]}"
	    "]}") == 0, "select::token and expiration");
	T_STREQ(c.session_token, "TOK", "select::Session Token");
	T_OK(c.expiration == (time_t)2000000000, "select::Expiration text");
	T_OK(sel(&c, "{\"type\":\"login\",\"fields\":["
	    "{\"type\":\"login\",\"value\":[\"K\"]},"
	    "{\"type\":\"password\",\"value\":[\"S\"]}],\"custom\":["
	    "{\"label\":\"aws_session_token\",\"value\":[\"T2\"]},"
	    "{\"type\":\"date\",\"label\":\"expiration\","
	    "\"value\":[2000000000000]}]}") == 0 &&
	    strcmp(c.session_token, "T2") == 0 &&
	    c.expiration == (time_t)2000000000,
	    "select::aws_session_token, Expiration as a date");
	T_OK(sel(&c, "{\"type\":\"login\",\"fields\":["
	    "{\"type\":\"login\",\"value\":[\"K\"]},"
	    "{\"type\":\"password\",\"value\":[\"S\"]}],\"custom\":["
	    "{\"label\":\"Expiration\",\"value\":[\"tomorrow\"]}]}") == 0 &&
	    c.expiration == 0, "select::unparsable Expiration ignored");
	awscred_clear(&c);
}

static void
select_errors(void)
{
	struct awscred c = AWSCRED_INIT;

	T_FAILS(sel(&c, "{\"type\":\"login\",\"fields\":["
	    "{\"type\":\"password\",\"value\":[\"S\"]}]}"), KSM_ENOTFOUND,
	    "select::no key id");
	T_OK(strstr(ksm_error_last()->message, UID) != NULL &&
	    strstr(ksm_error_last()->hint, "Access Key ID") != NULL,
	    "select::message names the record, hint the label");
	T_FAILS(sel(&c, "{\"type\":\"login\",\"fields\":["
	    "{\"type\":\"login\",\"value\":[\"K\"]},"
	    "{\"type\":\"password\",\"value\":[\"\"]}]}"), KSM_ENOTFOUND,
	    "select::empty password is no secret");
	T_OK(strstr(ksm_error_last()->message, "secret access key") != NULL,
	    "select::message says which one");
	T_OK(c.access_key_id == NULL && c.secret_access_key == NULL,
	    "select::nothing left behind on failure");
	T_FAILS(sel(&c, "{\"title\":\"x\",\"secret1\":\"a\","
	    "\"secret2\":\"b\"}"), KSM_ELEGACY, "select::legacy record");
	T_FAILS(sel(&c, "{\"type\":"), KSM_EPROTO, "select::bad JSON");
	T_FAILS(sel(&c, "[1]"), KSM_EPROTO, "select::not an object");
	T_FAILS(sel(&c, NULL), KSM_EPROTO, "select::NULL");
	/* fields that are not strings do not count */
	T_FAILS(sel(&c, "{\"type\":\"login\",\"fields\":["
	    "{\"type\":\"login\",\"value\":[1]},"
	    "{\"type\":\"password\",\"value\":[\"S\"]}]}"), KSM_ENOTFOUND,
	    "select::numeric login ignored");
	awscred_clear(&c);
}

/* Parse text written by awsjson_write() back with cJSON. */
static cJSON *
written(const struct awscred *c)
{
	char *out = NULL;
	cJSON *j;

	if (awsjson_write(&out, c) != 0)
		return NULL;
	j = cJSON_Parse(out);
	T_OK(strchr(out, '\n') == NULL, "write::one line");
	ksmx_strfree(out);
	return j;
}

static void
write_roundtrip(void)
{
	char k[] = "AKIAEXAMPLE", s[] = "q\"u\\o/te \xc3\xa9\xe2\x82\xac\x01",
	    t[] = "tok\ten";
	static const char head[] =
	    "{\"Version\":1,\"AccessKeyId\":\"AKIAEXAMPLE\",";
	struct awscred c = { k, s, NULL, 0 };
	const cJSON *v;
	char *out = NULL;
	cJSON *j;

	j = written(&c);
	T_OK(j != NULL && cJSON_IsObject(j), "write::valid JSON");
	v = cJSON_GetObjectItemCaseSensitive(j, "Version");
	T_OK(cJSON_IsNumber(v) && v->valueint == 1 && v->valuedouble == 1.0,
	    "write::Version is the number 1");
	T_STREQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "AccessKeyId")), k, "write::AccessKeyId");
	T_STREQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "SecretAccessKey")), s,
	    "write::quotes, backslashes, UTF-8, controls survive");
	T_OK(cJSON_GetObjectItemCaseSensitive(j, "SessionToken") == NULL &&
	    cJSON_GetObjectItemCaseSensitive(j, "Expiration") == NULL &&
	    cJSON_GetArraySize(j) == 3, "write::nothing unknown is written");
	cJSON_Delete(j);

	c.session_token = t;
	c.expiration = (time_t)2000000000;
	T_OK(awsjson_write(&out, &c) == 0 && strncmp(out, head,
	    strlen(head)) == 0 &&
	    strstr(out, "\"SessionToken\":\"tok\\ten\"") != NULL &&
	    strstr(out, ",\"Expiration\":\"2033-05-18T03:33:20Z\"}") != NULL,
	    "write::exact text with token and expiration");
	ksmx_strfree(out);
	out = NULL;

	c.secret_access_key = NULL;
	T_FAILS(awsjson_write(&out, &c), KSM_EINVAL, "write::no secret");
	T_OK(out == NULL, "write::no output on failure");
	c.secret_access_key = s;
	c.access_key_id = (char *)"";
	T_FAILS(awsjson_write(&out, &c), KSM_EINVAL, "write::empty key id");
}

static void
times(void)
{
	char buf[32];
	time_t t;

	T_OK(awsjson_time_format(buf, 0) == 0 &&
	    strcmp(buf, "1970-01-01T00:00:00Z") == 0, "time::epoch");
	T_OK(awsjson_time_format(buf, (time_t)2000000000) == 0 &&
	    strcmp(buf, "2033-05-18T03:33:20Z") == 0, "time::format");
	T_OK(awsjson_time_parse(&t, "2033-05-18T03:33:20Z") == 0 &&
	    t == (time_t)2000000000, "time::parse");
	T_OK(awsjson_time_parse(&t, "2026-02-30T00:00:00Z") != 0,
	    "time::no February 30");
	T_OK(awsjson_time_parse(&t, "2026-11-23T08:48:38+01:00") != 0,
	    "time::UTC only");
	T_OK(awsjson_time_parse(&t, "2026-11-23 08:48:38Z") != 0,
	    "time::T separator");
	T_OK(awsjson_time_parse(&t, "2026-11-23T08:48:38Zx") != 0,
	    "time::trailing text");
}

static void
notation(void)
{
	char *rec = NULL;

	T_OK(awsjson_notation_record(&rec,
	    "keeper://AWS\\/Prod/custom_field/Access Key ID") == 0 &&
	    strcmp(rec, "AWS/Prod") == 0, "notation::record part");
	free(rec);
	T_OK(awsjson_notation_record(&rec, "keeper://" UID) == 0 &&
	    strcmp(rec, UID) == 0, "notation::record alone");
	free(rec);
	T_FAILS(awsjson_notation_record(&rec, "keeper:///field/x"),
	    KSM_ENOTATION, "notation::no record");
	T_FAILS(awsjson_notation_record(&rec, "keeper://a\\q/field/x"),
	    KSM_ENOTATION, "notation::bad escape");
	T_OK(awsjson_notation_record(&rec, "AWS Prod") == 0 &&
	    strcmp(rec, "AWS Prod") == 0, "notation::no prefix");
	free(rec);
}

static void
uids(void)
{
	T_OK(awsjson_is_uid(UID), "uid::22 chars");
	T_OK(awsjson_is_uid("abc-_0123456789ABCDEFG"), "uid::url-safe");
	T_OK(!awsjson_is_uid("AbCdEfGhIjKlMnOpQrStU"), "uid::21 chars");
	T_OK(!awsjson_is_uid("AbCdEfGhIjKlMnOpQrStU+"), "uid::std base64");
	T_OK(!awsjson_is_uid("AWS Prod"), "uid::title");
}

int
main(void)
{
	select_conventions();
	select_errors();
	write_roundtrip();
	times();
	notation();
	uids();
	return ksm_test_done();
}
