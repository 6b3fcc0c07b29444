#include "config.h"

/*
 * ksm_client_update_record() / ksm_client_update_field() without a
 * network: a scripted server (its own P-256 key, given to the client as
 * serverPublicKey) decrypts and verifies each request, keeps the payload,
 * and answers 200 (empty or encrypted) or an error body.  Records come
 * from a get_secret answer built here with known keys.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "client-int.h"
#include "http.h"
#include "json.h"
#include "util/b64.h"
#include "ksm-fake.h"
#include "ksm-test.h"

struct fake {
	ksm_eckey	*server;
	long		 status;	/* next answer */
	const char	*body;		/* error body, or NULL: 200 */
	int		 encrypted;	/* 200 with GCM(tk, "{}") */
	int		 requests;
	char		 endpoint[64];
	cJSON		*payload;	/* last request, decrypted */
};

static int
fake_perform(void *ctx, const struct ksm_http_req *req, long *status,
    struct ksmx_buf *body)
{
	struct fake *f = ctx;
	struct ksmx_buf etk = KSMX_BUF_INIT(4096);
	struct ksmx_buf tk = KSMX_BUF_INIT(64);
	struct ksmx_buf pt = KSMX_BUF_INIT(1 << 20);
	const char *h = NULL, *ep;
	size_t i;
	int r = 0;

	f->requests++;
	ep = strrchr(req->url, '/');
	(void)snprintf(f->endpoint, sizeof(f->endpoint), "%s",
	    ep != NULL ? ep + 1 : "");
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
		if (strncmp(req->headers[i], "TransmissionKey: ", 17) == 0)
			h = req->headers[i] + 17;
	ksmx_json_free(f->payload);
	f->payload = NULL;
	if (h != NULL && ksmx_b64_decode(&etk, h, strlen(h)) == 0 &&
	    ksm_crypto__ecies_decrypt(&tk, f->server, etk.d, etk.len) == 0 &&
	    tk.len == 32 &&
	    ksm_crypto__gcm_decrypt(&pt, tk.d, req->body, req->body_len) == 0)
		f->payload = ksmx_json_parse(pt.d, pt.len);
	*status = f->status;
	if (f->body != NULL)
		r = ksmx_buf_puts(body, f->body);
	else if (f->encrypted && tk.len == 32)
		r = ksm_crypto__gcm_encrypt(body, tk.d, "{}", 2);
	ksmx_buf_clear(&etk);
	ksmx_buf_clear(&tk);
	ksmx_buf_clear(&pt);
	return r;
}

static void
add_record(cJSON *arr, const char *uid, const unsigned char *app_key,
    const unsigned char *rk, const char *json, int editable)
{
	cJSON *e = cJSON_CreateObject();
	char *k = ksm_test_gcm_b64(app_key, rk, 32), *d = ksm_test_gcm_b64(rk, json, strlen(json));

	cJSON_AddStringToObject(e, "recordUid", uid);
	cJSON_AddStringToObject(e, "recordKey", k);
	cJSON_AddStringToObject(e, "data", d);
	cJSON_AddNumberToObject(e, "revision", 5);
	cJSON_AddBoolToObject(e, "isEditable", editable);
	cJSON_AddItemToArray(arr, e);
	free(k);
	free(d);
}

/* data of the last update_secret, decrypted with rk */
static cJSON *
sent_data(const struct fake *f, const unsigned char *rk)
{
	struct ksmx_buf ct = KSMX_BUF_INIT(1 << 20);
	struct ksmx_buf pt = KSMX_BUF_INIT(1 << 20);
	const char *d = ksmx_json_str(f->payload, "data");
	cJSON *out = NULL;

	if (d != NULL && ksmx_b64_decode(&ct, d, strlen(d)) == 0 &&
	    ksm_crypto__gcm_decrypt(&pt, rk, ct.d, ct.len) == 0)
		out = ksmx_json_parse(pt.d, pt.len);
	ksmx_buf_clear(&ct);
	ksmx_buf_clear(&pt);
	return out;
}

static const char *
first_value(const cJSON *data, const char *list, int i)
{
	const cJSON *f = cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(data, list), i);

	return cJSON_GetStringValue(cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(f, "value"), 0));
}

/*
 * An answer several times the loader's release step (records.c gives back
 * the text of the records it has loaded as it goes): every record must
 * still load, in order.
 */
static void
test_large_answer(const unsigned char *app_key, const char *json)
{
	struct ksmx_buf plain = KSMX_BUF_INIT(64 << 20);
	unsigned char rk[32];
	ksm_records *recs = NULL;
	cJSON *root = cJSON_CreateObject(), *arr;
	char uid[23], *text;
	int i, n = 2000;

	memset(rk, 0x5a, sizeof(rk));
	cJSON_AddStringToObject(root, "appData", "x");
	arr = cJSON_AddArrayToObject(root, "records");
	for (i = 0; i < n; i++) {
		(void)snprintf(uid, sizeof(uid), "LargeAnswer%011d", i);
		add_record(arr, uid, app_key, rk, json, 1);
	}
	cJSON_AddNullToObject(root, "warnings");
	text = cJSON_PrintUnformatted(root);
	T_OK(text != NULL && strlen(text) > 3u * 256 * 1024 &&
	    ksmx_buf_put(&plain, text, strlen(text)) == 0,
	    "large answer: %zu bytes", text != NULL ? strlen(text) : 0);
	T_OK(ksm_records__from_response(&recs, app_key, &plain) == 0 &&
	    plain.d == NULL && plain.len == 0,
	    "large answer loaded, its text released");
	T_OK(ksm_records_count(recs) == (size_t)n,
	    "large answer: every record (%zu)", ksm_records_count(recs));
	T_STREQ(ksm_record_uid(ksm_records_at(recs, (size_t)n - 1)),
	    "LargeAnswer00000001999", "large answer: the last one, in order");
	T_STREQ(ksm_record_title(ksm_records_at(recs, (size_t)n - 1)), "Git",
	    "large answer: the last one decrypted");
	ksm_records_free(recs);
	cJSON_free(text);
	cJSON_Delete(root);
	ksmx_buf_clear(&plain);
}

int
main(void)
{
	static const char login_json[] = "{\"title\":\"Git\",\"type\":\"login\","
	    "\"fields\":[{\"type\":\"login\",\"value\":[\"alice\"]},"
	    "{\"type\":\"password\",\"value\":[\"old-pw\"]}],"
	    "\"custom\":[{\"type\":\"secret\",\"label\":\"token\","
	    "\"value\":[]}],\"notes\":\"\"}";
	static const char legacy_json[] = "{\"title\":\"Old\",\"secret1\":\"u\","
	    "\"secret2\":\"p\"}";
	struct ksm_client_hooks hooks;
	ksm_client_options opts = KSM_CLIENT_OPTIONS_INIT;
	struct ksmx_buf der = KSMX_BUF_INIT(4096);
	struct ksmx_buf plain = KSMX_BUF_INIT(1 << 20);
	unsigned char app_key[32], rk1[32], rk2[32], rk3[32], point[65];
	char cfg[2048], *pk, *ak, *sp, *resp;
	const ksm_record *ed, *ro, *leg;
	ksm_records *recs = NULL;
	ksm_client *c = NULL;
	ksm_eckey *client_key = NULL;
	struct fake f;
	cJSON *root, *arr, *data;
	const cJSON *rev;

	memset(&f, 0, sizeof(f));
	memset(&hooks, 0, sizeof(hooks));
	setenv("KSM_CACHE_TTL", "0", 1);
	if (ksm_eckey__generate(&f.server) != 0 ||
	    ksm_eckey__generate(&client_key) != 0 ||
	    ksm_eckey__to_pkcs8(&der, client_key) != 0 ||
	    ksm_eckey__public_point(point, f.server) != 0 ||
	    ksm_crypto__random(app_key, 32) != 0 ||
	    ksm_crypto__random(rk1, 32) != 0 ||
	    ksm_crypto__random(rk2, 32) != 0 ||
	    ksm_crypto__random(rk3, 32) != 0) {
		T_OK(0, "set-up");
		return ksm_test_done();
	}
	pk = ksmx_b64_encode_str(der.d, der.len, KSMX_B64_STD);
	ak = ksmx_b64_encode_str(app_key, 32, KSMX_B64_STD);
	sp = ksmx_b64_encode_str(point, 65, KSMX_B64_URL);
	(void)snprintf(cfg, sizeof(cfg), "{\"hostname\":\"fake.example\","
	    "\"clientId\":\"dGVzdC1jbGllbnQ=\",\"privateKey\":\"%s\","
	    "\"appKey\":\"%s\",\"serverPublicKeyId\":\"1\","
	    "\"serverPublicKey\":\"%s\"}", pk, ak, sp);
	hooks.perform = fake_perform;
	hooks.perform_ctx = &f;
	opts.config_string = cfg;
	opts.flags = KSM_CLIENT_NO_CACHE;
	T_OK(ksm_client__new(&c, &opts, &hooks) == 0, "a bound client");

	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "records");
	add_record(arr, "EditableRecord00000001", app_key, rk1, login_json, 1);
	add_record(arr, "ReadOnlyRecord00000002", app_key, rk2, login_json, 0);
	add_record(arr, "LegacyRecord0000000003", app_key, rk3, legacy_json, 1);
	resp = cJSON_PrintUnformatted(root);
	T_OK(ksmx_buf_put(&plain, resp, strlen(resp)) == 0 &&
	    ksm_records__from_response(&recs, app_key, &plain) == 0 &&
	    plain.len == 0, "records from a get_secret answer");
	ed = ksm_records_find(recs, "EditableRecord00000001");
	ro = ksm_records_find(recs, "ReadOnlyRecord00000002");
	leg = ksm_records_find(recs, "LegacyRecord0000000003");
	T_OK(ed != NULL && ro != NULL && leg != NULL, "three records");
	T_OK(ksm_record_is_editable(ed), "isEditable true is editable");
	T_OK(!ksm_record_is_editable(ro), "isEditable false is read-only");
	T_OK(!ksm_record_is_editable(NULL), "NULL is not editable");

	/* update_field: the password, an empty 200 */
	f.status = 200;
	T_OK(ksm_client_update_field(c, ed, "password", "new-pw") == 0,
	    "update_field password: 0 on an empty 200");
	T_STREQ(f.endpoint, "update_secret", "sent to update_secret");
	T_STREQ(ksmx_json_str(f.payload, "recordUid"),
	    "EditableRecord00000001", "recordUid");
	rev = cJSON_GetObjectItemCaseSensitive(f.payload, "revision");
	T_OK(cJSON_IsNumber(rev) && rev->valueint == 5,
	    "revision is the one read");
	T_STREQ(ksmx_json_str(f.payload, "clientId"), "dGVzdC1jbGllbnQ=",
	    "clientId");
	data = sent_data(&f, rk1);
	T_OK(data != NULL, "data decrypts with the record key");
	T_STREQ(first_value(data, "fields", 1), "new-pw",
	    "the password field holds the new value");
	T_STREQ(first_value(data, "fields", 0), "alice",
	    "other fields are kept");
	T_STREQ(ksmx_json_str(data, "title"), "Git", "the title is kept");
	ksmx_json_free(data);
	T_OK(strstr(ksm_record_json(ed), "old-pw") != NULL,
	    "the record set itself is not changed");

	/* a custom field by label, with an empty value list; encrypted 200 */
	f.encrypted = 1;
	T_OK(ksm_client_update_field(c, ed, "token", "tk-1") == 0,
	    "update_field by custom label: 0 on an encrypted 200");
	data = sent_data(&f, rk1);
	T_STREQ(first_value(data, "custom", 0), "tk-1",
	    "the custom field got its first value");
	ksmx_json_free(data);
	f.encrypted = 0;

	/* refusals before anything is sent */
	f.requests = 0;
	T_FAILS(ksm_client_update_field(c, ro, "password", "x"), KSM_EACCESS,
	    "a read-only share: KSM_EACCESS");
	T_OK(strstr(ksm_error_last()->message, "read-only") != NULL,
	    "... the message says read-only");
	T_FAILS(ksm_client_update_record(c, leg, "{}"), KSM_ELEGACY,
	    "a legacy record: KSM_ELEGACY");
	T_FAILS(ksm_client_update_field(c, ed, "pinCode", "x"),
	    KSM_ENOTFOUND, "no such field: KSM_ENOTFOUND");
	T_FAILS(ksm_client_update_record(c, ed, "[1]"), KSM_EINVAL,
	    "data that is not an object: KSM_EINVAL");
	T_FAILS(ksm_client_update_record(c, ed, "{"), KSM_EINVAL,
	    "data that is not JSON: KSM_EINVAL");
	T_OK(f.requests == 0, "no request for a refusal (%d)", f.requests);

	/* the server refuses: a stale revision, a read-only share */
	f.status = 409;
	f.body = "{\"error\":\"record_out_of_date\",\"message\":\"Record X is "
	    "at revision 6\"}";
	T_FAILS(ksm_client_update_record(c, ed, "{\"title\":\"t\","
	    "\"type\":\"login\",\"fields\":[]}"), KSM_ESERVER,
	    "a stale revision: KSM_ESERVER");
	T_OK(strstr(ksm_error_last()->message, "record_out_of_date") != NULL,
	    "... the message names the server's code: %s",
	    ksm_error_last()->message);
	f.status = 403;
	f.body = "{\"error\":\"access_denied\",\"message\":\"The application "
	    "has read-only access to record X\"}";
	T_FAILS(ksm_client_update_record(c, ed, "{}"), KSM_EACCESS,
	    "the server's access_denied: KSM_EACCESS");
	T_OK(strstr(ksm_error_last()->message, "read-only access") != NULL,
	    "... with the server's message");
	T_OK(strstr(ksm_error_last()->message, "new-pw") == NULL &&
	    strstr(ksm_error_last()->message, "tk-1") == NULL,
	    "no value in the message");

	T_FAILS(ksm_client_update_record(NULL, ed, "{}"), KSM_EINVAL,
	    "NULL client: KSM_EINVAL");
	T_FAILS(ksm_client_update_field(c, ed, "password", NULL), KSM_EINVAL,
	    "NULL value: KSM_EINVAL");

	ksmx_json_free(f.payload);
	ksm_records_free(recs);
	ksm_client_free(c);
	ksm_eckey__free(f.server);
	ksm_eckey__free(client_key);
	cJSON_Delete(root);
	free(resp);
	ksmx_strfree(pk);
	ksmx_strfree(ak);
	free(sp);
	test_large_answer(app_key, login_json);
	ksmx_buf_clear(&der);
	ksmx_buf_clear(&plain);
	return ksm_test_done();
}
