#include "config.h"

/*
 * The client core without a network:
 * 1. replay of the recorded exchange crypto-vectors.json -> e2e_fake_data
 *    (binding from the one-time token, the key chain, the records, then
 *    the recorded 403 "Signature is invalid"), with the recorded responses
 *    and transmission keys fed through the client's hooks;
 * 2. a scripted server with its own P-256 key (given to the client as
 *    serverPublicKey) that decrypts and verifies every request and answers
 *    error bodies: throttling, key rotation, version, non-JSON, tampering;
 * 3. record decryption details: duplicates, legacy, undecryptable, files.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "client-int.h"
#include "http.h"
#include "json.h"
#include "util/b64.h"
#include "ksm-fake.h"
#include "ksm-test.h"

#define FAKE_HOST	"fake.keepersecurity.com"

static char tmpdir[64];

/* ---- small helpers ---- */

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

#define contains	ksm_test_contains

static char *
b64(const void *p, size_t n)
{
	return ksmx_b64_encode_str(p, n, KSMX_B64_STD);
}

static void
clear_env(void)
{
	unsetenv("KSM_HOSTNAME");
	unsetenv("KSM_CA_FILE");
	unsetenv("KSM_CLIENT_VERSION");
	unsetenv("KSM_MAX_THROTTLE_WAIT_MS");
	unsetenv("KSM_CONFIG");
	unsetenv("KSM_CONFIG_FILE");
}

/* ---- 1. replay of e2e_fake_data ---- */

struct replay {
	const cJSON	*responses;
	int		 next;		/* index of the next exchange */
	int		 requests;	/* perform calls seen */
	int		 bad_request;	/* a request not shaped as §4.1 */
};

static int
replay_tk(void *ctx, void *out, size_t n)
{
	struct replay *rp = ctx;
	const cJSON *resp = cJSON_GetArrayItem(rp->responses, rp->next);

	if (resp == NULL || n != 32)
		return KSM_ERROR;
	return ksmx_b64_decode_exact(out, n, jstr(resp, "transmissionKey")) ==
	    0 ? 0 : KSM_ERROR;
}

static int
replay_perform(void *ctx, const struct ksm_http_req *req, long *status,
    struct ksmx_buf *body)
{
	struct replay *rp = ctx;
	const cJSON *resp = cJSON_GetArrayItem(rp->responses, rp->next);
	const cJSON *code;
	const char *tk = ksm_test_header(req, "TransmissionKey");
	const char *data;

	rp->requests++;
	if (resp == NULL)
		return ksm__err(KSM_ENETWORK, "replay: no more responses");
	rp->next++;
	if (strcmp(req->url, "https://" FAKE_HOST "/api/rest/sm/v1/get_secret")
	    != 0 || !contains(ksm_test_header(req, "Content-Type"),
	    "application/octet-stream") || ksm_test_header(req, "PublicKeyId") == NULL ||
	    strcmp(ksm_test_header(req, "PublicKeyId"), "10") != 0 || tk == NULL ||
	    strlen(tk) != 168 ||
	    strncmp(ksm_test_header(req, "Authorization") ? ksm_test_header(req,
	    "Authorization") : "", "Signature ", 10) != 0 ||
	    req->body == NULL || req->body_len < 28)
		rp->bad_request++;
	code = cJSON_GetObjectItemCaseSensitive(resp, "statusCode");
	*status = cJSON_IsNumber(code) ? (long)code->valuedouble : 0;
	data = jstr(resp, "data");
	return ksmx_b64_decode(body, data, strlen(data));
}

static void
test_replay_bind(const cJSON *e2e)
{
	const cJSON *chain = cJSON_GetObjectItemCaseSensitive(e2e, "key_chain");
	struct replay rp = { NULL, 0, 0, 0 };
	struct ksm_client_hooks hooks;
	ksm_client_options opts = KSM_CLIENT_OPTIONS_INIT;
	struct ksm_config *cfg = NULL;
	ksm_client *c = NULL, *c2 = NULL;
	ksm_records *recs = NULL;
	unsigned char app_key[32];
	char path[128];
	struct stat st;
	int r;

	rp.responses = cJSON_GetObjectItemCaseSensitive(e2e, "responses");
	memset(&hooks, 0, sizeof(hooks));
	hooks.perform = replay_perform;
	hooks.perform_ctx = &rp;
	hooks.tk_source = replay_tk;
	hooks.tk_ctx = &rp;
	(void)snprintf(path, sizeof(path), "%s/bind.json", tmpdir);
	opts.config_path = path;
	opts.hostname = FAKE_HOST;

	r = ksm_client__init_token(&c, &opts, jstr(e2e, "one_time_token"),
	    &hooks);
	T_OK(r == 0, "replay::bind succeeds (%d: %s)", r,
	    ksm_error_last()->message);
	T_OK(rp.requests == 2, "replay::bind sends the binding and the "
	    "confirming get_secret (%d)", rp.requests);
	T_OK(rp.bad_request == 0, "replay::requests have URL and headers "
	    "of §4.1");
	if (c == NULL)
		return;
	T_OK(ksmx_b64_decode_exact(app_key, 32, jstr(chain, "appKey_base64"))
	    == 0 && c->have_app_key && memcmp(c->app_key, app_key, 32) == 0,
	    "replay::appKey unwrapped with the token bytes");
	T_OK(!c->have_client_key, "replay::client key dropped once bound");
	T_STREQ(ksm_client_config_path(c), path, "replay::config path");

	/* the written file */
	T_OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "replay::config written with mode 0600");
	r = ksm_config__load(&cfg, path, NULL);
	T_OK(r == 0, "replay::config reloads");
	T_STREQ(ksm_config__get(cfg, "appKey"), jstr(chain, "appKey_base64"),
	    "replay::config appKey");
	T_STREQ(ksm_config__get(cfg, "clientId"), jstr(e2e, "client_id_base64"),
	    "replay::config clientId");
	T_OK(ksm_config__get(cfg, "clientKey") == NULL,
	    "replay::config has no clientKey");
	T_STREQ(ksm_config__get(cfg, "appOwnerPublicKey"),
	    jstr(cJSON_GetObjectItemCaseSensitive(e2e,
	    "decrypted_response_0_json"), "appOwnerPublicKey"),
	    "replay::config appOwnerPublicKey");
	T_STREQ(ksm_config__get(cfg, "hostname"), FAKE_HOST,
	    "replay::config hostname");
	T_STREQ(ksm_config__get(cfg, "serverPublicKeyId"), "10",
	    "replay::config serverPublicKeyId");
	T_OK(ksm_config__get(cfg, "privateKey") != NULL,
	    "replay::config privateKey");
	ksm_config__free(cfg);

	/* the third recorded exchange: 403 access_denied */
	r = ksm_client_get_records(&recs, c, NULL, 0);
	T_FAILS(r, KSM_EACCESS, "replay::recorded 403 is KSM_EACCESS");
	T_OK(contains(ksm_error_last()->message, "Signature is invalid"),
	    "replay::message carries the server's text: %s",
	    ksm_error_last()->message);
	T_OK(ksm_error_last()->hint[0] != '\0', "replay::EACCESS has a hint");
	T_OK(recs == NULL, "replay::no records on failure");
	ksm_client_free(c);

	/* the same token again: already bound, no request */
	rp.requests = 0;
	rp.next = 0;
	r = ksm_client__init_token(&c2, &opts, jstr(e2e, "one_time_token"),
	    &hooks);
	T_OK(r == 0 && c2 != NULL && rp.requests == 0,
	    "replay::same token again is a no-op success");
	ksm_client_free(c2);
	c2 = NULL;

	/* another token must not overwrite this device's config */
	r = ksm_client__init_token(&c2, &opts,
	    "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE", &hooks);
	T_FAILS(r, KSM_EEXIST, "replay::different token, existing config");
	T_OK(rp.requests == 0, "replay::EEXIST sends nothing");
	r = ksm_config__load(&cfg, path, NULL);
	T_OK(r == 0 && ksm_config__get(cfg, "appKey") != NULL &&
	    strcmp(ksm_config__get(cfg, "appKey"),
	    jstr(chain, "appKey_base64")) == 0,
	    "replay::existing config untouched");
	ksm_config__free(cfg);
}

/* The same exchange through an unbound config: get_records binds. */
static void
test_replay_records(const cJSON *e2e)
{
	const cJSON *chain = cJSON_GetObjectItemCaseSensitive(e2e, "key_chain");
	const cJSON *folder = cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(chain, "folders"), 0);
	const cJSON *krecs = cJSON_GetObjectItemCaseSensitive(folder,
	    "records");
	const cJSON *expect = cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(e2e, "expect"), 0);
	struct replay rp = { NULL, 0, 0, 0 };
	struct ksmx_buf der = KSMX_BUF_INIT(4096);
	struct ksm_client_hooks hooks;
	ksm_client_options opts = KSM_CLIENT_OPTIONS_INIT;
	const ksm_record *rec;
	const cJSON *kr;
	ksm_client *c = NULL;
	ksm_records *recs = NULL;
	ksm_eckey *key = NULL;
	cJSON *data = NULL;
	char cfgtext[2048], *pk = NULL, *want = NULL;
	unsigned char rk[32];
	int r, pass;

	rp.responses = cJSON_GetObjectItemCaseSensitive(e2e, "responses");
	memset(&hooks, 0, sizeof(hooks));
	hooks.perform = replay_perform;
	hooks.perform_ctx = &rp;
	hooks.tk_source = replay_tk;
	hooks.tk_ctx = &rp;
	if (ksm_eckey__generate(&key) != 0 || ksm_eckey__to_pkcs8(&der,
	    key) != 0 || (pk = b64(der.d, der.len)) == NULL) {
		T_OK(0, "replay::cannot make a key");
		goto out;
	}
	/* an unbound config as the JS SDK writes it right after init */
	(void)snprintf(cfgtext, sizeof(cfgtext), "{\"hostname\":\"%s\","
	    "\"clientId\":\"%s\",\"clientKey\":\"%s=\",\"privateKey\":\"%s\"}",
	    FAKE_HOST, jstr(e2e, "client_id_base64"),
	    jstr(e2e, "one_time_token"), pk);
	opts.config_string = cfgtext;
	r = ksm_client__new(&c, &opts, &hooks);
	T_OK(r == 0, "replay::unbound client (%s)", ksm_error_last()->message);
	if (c == NULL)
		goto out;
	T_OK(!c->have_app_key && c->have_client_key, "replay::starts unbound");

	r = ksm_client_get_records(&recs, c, NULL, 0);
	T_OK(r == 0, "replay::get_records binds on the first call (%s)",
	    ksm_error_last()->message);
	T_OK(c->have_app_key, "replay::now bound");
	T_OK(ksm_records_count(recs) == 2, "replay::two records (%zu)",
	    ksm_records_count(recs));
	/* the key chain and the plaintexts */
	pass = 0;
	cJSON_ArrayForEach(kr, krecs) {
		rec = ksm_records_find(recs, jstr(kr, "recordUid"));
		if (rec == NULL)
			continue;
		data = cJSON_Parse(jstr(kr, "data_plaintext"));
		want = data != NULL ? cJSON_PrintUnformatted(data) : NULL;
		if (ksmx_b64_decode_exact(rk, 32, jstr(kr, "recordKey_base64"))
		    == 0 && memcmp(ksm_record__key(rec), rk, 32) == 0 &&
		    want != NULL && strcmp(ksm_record_json(rec), want) == 0 &&
		    strcmp(ksm_record_folder_uid(rec),
		    jstr(folder, "folderUid")) == 0)
			pass++;
		free(want);
		cJSON_Delete(data);
		want = NULL;
		data = NULL;
	}
	T_OK(pass == 2, "replay::record keys, folder and plaintexts match the "
	    "key chain (%d/2)", pass);
	rec = ksm_records_find(recs, "Ue8h6JyWUs7Iu6eY_mha-w");
	T_OK(contains(ksm_record_json(rec), "\"EwFpmg);7KsO9+ln8g7\""),
	    "replay::password of Ue8h6JyWUs7Iu6eY_mha-w");
	rec = ksm_records_at(recs, 1);
	{
		cJSON *parsed = ksm_record__parse(rec);
		const cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItem(
		    parsed, "fields"), 2);
		const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(f,
		    "value"), 0);

		T_STREQ(cJSON_IsString(v) ? v->valuestring : NULL,
		    jstr(expect, "records[1].data.fields[2].value[0]"),
		    "replay::records[1] password");
		cJSON_Delete(parsed);
	}
	T_STREQ(ksm_record_type(rec), "login", "replay::record type");
	T_STREQ(ksm_record_title(ksm_records_find(recs,
	    "Ue8h6JyWUs7Iu6eY_mha-w")), "RECoRD 1", "replay::record title");
	T_OK(!ksm_record_is_legacy(rec), "replay::typed record not legacy");
	T_OK(ksm_record_revision(ksm_records_find(recs,
	    "Ue8h6JyWUs7Iu6eY_mha-w")) == 1411018, "replay::revision");
	ksm_records_free(recs);
	recs = NULL;

	r = ksm_client_get_records(&recs, c, NULL, 0);
	T_OK(r == 0 && ksm_records_count(recs) == 2,
	    "replay::second response decrypts with the stored appKey");
	ksm_records_free(recs);
	recs = NULL;
	r = ksm_client_get_records(&recs, c, NULL, 0);
	T_FAILS(r, KSM_EACCESS, "replay::then the recorded 403");
out:
	ksm_records_free(recs);
	ksm_client_free(c);
	ksm_eckey__free(key);
	ksmx_buf_clear(&der);
	ksmx_strfree(pk);
}

/* ---- 2. a scripted server with its own key ---- */

enum { RAW, OK_JSON, TAMPER, EMPTY_200, FILE_BODY };

struct step {
	int		 kind;
	long		 status;
	const char	*body;
};

struct fake {
	ksm_eckey	*server;	/* its key pair */
	ksm_eckey	*client;	/* the client's, to verify */
	const struct step *steps;
	size_t		 n_steps, next;
	int		 requests;
	int		 bad;		/* undecryptable or unsigned requests */
	char		 last_kid[16];
	char		 last_url[160];
	char		 last_payload[2048];
	const char	*ok_json;	/* answer for OK_JSON */
	const unsigned char *file_key;
	const char	*file_text;
	unsigned int	 slept[16];
	int		 n_sleeps;
};

static void
fake_sleep(void *ctx, unsigned int ms)
{
	struct fake *f = ctx;

	if (f->n_sleeps < 16)
		f->slept[f->n_sleeps] = ms;
	f->n_sleeps++;
}

static int
fake_perform(void *ctx, const struct ksm_http_req *req, long *status,
    struct ksmx_buf *body)
{
	struct fake *f = ctx;
	struct ksmx_buf etk = KSMX_BUF_INIT(4096);
	struct ksmx_buf sig = KSMX_BUF_INIT(4096);
	struct ksmx_buf tk = KSMX_BUF_INIT(64);
	struct ksmx_buf pt = KSMX_BUF_INIT(1 << 20);
	struct ksmx_buf signed_ = KSMX_BUF_INIT(1 << 20);
	const struct step *s;
	const char *h;
	int r = 0;

	f->requests++;
	if (f->next >= f->n_steps) {
		r = ksm__err(KSM_ENETWORK, "fake: script exhausted");
		goto out;
	}
	s = &f->steps[f->next++];
	if (s->kind == FILE_BODY) {
		*status = s->status;
		if (req->body != NULL)
			f->bad++;
		r = ksm_crypto__gcm_encrypt(body, f->file_key, f->file_text,
		    strlen(f->file_text));
		goto out;
	}
	(void)snprintf(f->last_url, sizeof(f->last_url), "%s", req->url);
	h = ksm_test_header(req, "PublicKeyId");
	(void)snprintf(f->last_kid, sizeof(f->last_kid), "%s", h ? h : "");
	h = ksm_test_header(req, "TransmissionKey");
	if (h == NULL || ksmx_b64_decode(&etk, h, strlen(h)) != 0 ||
	    ksm_crypto__ecies_decrypt(&tk, f->server, etk.d, etk.len) != 0 ||
	    tk.len != 32 ||
	    ksm_crypto__gcm_decrypt(&pt, tk.d, req->body, req->body_len) != 0) {
		f->bad++;
		goto answer;
	}
	(void)snprintf(f->last_payload, sizeof(f->last_payload), "%.*s",
	    (int)pt.len, (const char *)pt.d);
	h = ksm_test_header(req, "Authorization");
	if (h == NULL || strncmp(h, "Signature ", 10) != 0 ||
	    ksmx_b64_decode(&sig, h + 10, strlen(h + 10)) != 0 ||
	    ksmx_buf_put(&signed_, etk.d, etk.len) != 0 ||
	    ksmx_buf_put(&signed_, req->body, req->body_len) != 0 ||
	    ksm_crypto__ecdsa_verify(f->client, signed_.d, signed_.len, sig.d,
	    sig.len) != 0)
		f->bad++;
answer:
	*status = s->status;
	switch (s->kind) {
	case RAW:
		r = ksmx_buf_puts(body, s->body);
		break;
	case OK_JSON:
	case TAMPER:
		if (tk.len != 32) {
			r = ksm__err(KSM_ERROR, "fake: no transmission key");
			break;
		}
		r = ksm_crypto__gcm_encrypt(body, tk.d, f->ok_json,
		    strlen(f->ok_json));
		if (r == 0 && s->kind == TAMPER)
			body->d[body->len / 2] ^= 0x40;
		break;
	default:
		break;
	}
out:
	ksmx_buf_clear(&etk);
	ksmx_buf_clear(&sig);
	ksmx_buf_clear(&tk);
	ksmx_buf_clear(&pt);
	ksmx_buf_clear(&signed_);
	return r;
}

struct bench {
	struct fake	 f;
	unsigned char	 app_key[32];
	char		 cfgtext[2048];
	struct ksm_client_hooks hooks;
};

/* A bound client talking to the fake server (key id "1"). */
static int
bench_init(struct bench *b)
{
	struct ksmx_buf der = KSMX_BUF_INIT(4096);
	unsigned char point[65];
	char *pk = NULL, *ak = NULL, *sp = NULL;
	int r = -1;

	memset(b, 0, sizeof(*b));
	if (ksm_eckey__generate(&b->f.server) != 0 ||
	    ksm_eckey__generate(&b->f.client) != 0 ||
	    ksm_eckey__to_pkcs8(&der, b->f.client) != 0 ||
	    ksm_eckey__public_point(point, b->f.server) != 0 ||
	    ksm_crypto__random(b->app_key, 32) != 0)
		goto out;
	pk = b64(der.d, der.len);
	ak = b64(b->app_key, 32);
	sp = ksmx_b64_encode_str(point, 65, KSMX_B64_URL);
	if (pk == NULL || ak == NULL || sp == NULL)
		goto out;
	(void)snprintf(b->cfgtext, sizeof(b->cfgtext), "{\"hostname\":\"%s\","
	    "\"clientId\":\"dGVzdC1jbGllbnQ=\",\"privateKey\":\"%s\","
	    "\"appKey\":\"%s\",\"serverPublicKeyId\":\"1\","
	    "\"serverPublicKey\":\"%s\"}", FAKE_HOST, pk, ak, sp);
	b->hooks.perform = fake_perform;
	b->hooks.perform_ctx = &b->f;
	b->hooks.sleep = fake_sleep;
	b->hooks.sleep_ctx = &b->f;
	b->f.ok_json = "{\"records\":[],\"folders\":[]}";
	r = 0;
out:
	ksmx_buf_clear(&der);
	ksmx_strfree(pk);
	ksmx_strfree(ak);
	free(sp);
	return r;
}

static void
bench_free(struct bench *b)
{
	ksm_eckey__free(b->f.server);
	ksm_eckey__free(b->f.client);
}

/* bench_client: a client on the bench's config; the fake server starts on
 * STEPS. */
static int
bench_client(ksm_client **c, struct bench *b, const struct step *steps,
    size_t n_steps)
{
	ksm_client_options opts = KSM_CLIENT_OPTIONS_INIT;

	b->f.steps = steps;
	b->f.n_steps = n_steps;
	b->f.next = 0;
	opts.config_string = b->cfgtext;
	return ksm_client__new(c, &opts, &b->hooks);
}

/* random_keys: fills each 32-byte key of the NULL-terminated list */
static void
random_keys(unsigned char *key, ...)
{
	va_list ap;

	va_start(ap, key);
	for (; key != NULL; key = va_arg(ap, unsigned char *))
		(void)ksm_crypto__random(key, 32);
	va_end(ap);
}

/* Run get_records against a script; returns its code. */
static int
run_script(struct bench *b, const struct step *steps, size_t n,
    unsigned int max_wait, unsigned int flags, ksm_client **keep)
{
	ksm_client_options opts = KSM_CLIENT_OPTIONS_INIT;
	ksm_records *recs = NULL;
	ksm_client *c = NULL;
	int r;

	b->f.steps = steps;
	b->f.n_steps = n;
	b->f.next = 0;
	b->f.requests = 0;
	b->f.bad = 0;
	b->f.n_sleeps = 0;
	opts.config_string = b->cfgtext;
	opts.max_throttle_wait_ms = max_wait;
	opts.flags = flags;
	if ((r = ksm_client__new(&c, &opts, &b->hooks)) != 0)
		return r;
	r = ksm_client_get_records(&recs, c, NULL, 0);
	ksm_records_free(recs);
	if (keep != NULL)
		*keep = c;
	else
		ksm_client_free(c);
	return r;
}

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_errors(void)
{
	static const struct step throttled_ra[] = {
		{ RAW, 403, "{\"error\":\"throttled\",\"retry_after\":2}" },
		{ OK_JSON, 200, NULL },
	};
	static const struct step throttled_str[] = {
		{ RAW, 403, "{\"result_code\":\"throttled\",\"retry_after\":\"3\"}" },
		{ OK_JSON, 200, NULL },
	};
	static const struct step bare429[] = {
		{ RAW, 429, "" },
		{ OK_JSON, 200, NULL },
	};
	static const struct step always503[] = {
		{ RAW, 503, "Service Unavailable" },
		{ RAW, 503, "Service Unavailable" },
	};
	static const struct step ra_forever[] = {
		{ RAW, 403, "{\"error\":\"throttled\",\"retry_after\":1}" },
		{ RAW, 403, "{\"error\":\"throttled\",\"retry_after\":1}" },
		{ RAW, 403, "{\"error\":\"throttled\",\"retry_after\":1}" },
		{ RAW, 403, "{\"error\":\"throttled\",\"retry_after\":1}" },
		{ RAW, 403, "{\"error\":\"throttled\",\"retry_after\":1}" },
		{ RAW, 403, "{\"error\":\"throttled\",\"retry_after\":1}" },
		{ RAW, 403, "{\"error\":\"throttled\",\"retry_after\":1}" },
	};
	static const struct step key_same[] = {
		{ RAW, 401, "{\"error\":\"key\",\"key_id\":1}" },
		{ RAW, 401, "{\"error\":\"key\",\"key_id\":\"1\"}" },
		{ RAW, 401, "{\"error\":\"key\",\"key_id\":1}" },
		{ RAW, 401, "{\"error\":\"key\",\"key_id\":1}" },
		{ RAW, 401, "{\"error\":\"key\",\"key_id\":1}" },
		{ RAW, 401, "{\"error\":\"key\",\"key_id\":1}" },
	};
	static const struct step key_once[] = {
		{ RAW, 403, "{\"error\":\"key\",\"key_id\":\"1\"}" },
		{ OK_JSON, 200, NULL },
	};
	static const struct step key_other[] = {
		{ RAW, 400, "{\"error\":\"key\",\"key_id\":99}" },
	};
	static const struct step version[] = {
		{ RAW, 403, "{\"error\":\"invalid_client_version\","
		    "\"message\":\"Client version was not registered\"}" },
	};
	static const struct step gateway[] = {
		{ RAW, 502, "<html>\r\nBad Gateway\n</html>" },
	};
	static const struct step err500[] = {
		{ RAW, 500, "{\"error\":\"throttled\",\"message\":\"throttled\"}" },
	};
	static const struct step badreq[] = {
		{ RAW, 400, "{\"result_code\":\"bad_request\","
		    "\"message\":\"Missing clientId\"}" },
	};
	static const struct step tamper[] = {
		{ TAMPER, 200, NULL },
	};
	static const struct step empty[] = {
		{ EMPTY_200, 200, NULL },
	};
	static const struct step denied[] = {
		{ RAW, 403, "{\"error\":\"access_denied\","
		    "\"message\":\"Unable to validate application access\"}" },
	};
	struct bench b;
	int r;

	if (bench_init(&b) != 0) {
		T_OK(0, "errors::bench");
		return;
	}

	r = run_script(&b, throttled_ra, N(throttled_ra), 0, 0, NULL);
	T_OK(r == 0, "errors::throttled then ok (%s)",
	    ksm_error_last()->message);
	T_OK(b.f.n_sleeps == 1 && b.f.slept[0] >= 2000 &&
	    b.f.slept[0] <= 2500, "errors::retry_after 2 honoured (%u ms)",
	    b.f.slept[0]);
	T_OK(b.f.requests == 2 && b.f.bad == 0,
	    "errors::each attempt decrypts and verifies at the server");

	r = run_script(&b, throttled_str, N(throttled_str), 0, 0, NULL);
	T_OK(r == 0 && b.f.n_sleeps == 1 && b.f.slept[0] >= 3000 &&
	    b.f.slept[0] <= 3750, "errors::result_code + string retry_after");

	r = run_script(&b, bare429, N(bare429), 0, 0, NULL);
	T_OK(r == 0 && b.f.n_sleeps == 1 && b.f.slept[0] >= 8250 &&
	    b.f.slept[0] <= 13750, "errors::bare 429 backs off 11 s +-25%% "
	    "(%u ms)", b.f.slept[0]);

	r = run_script(&b, always503, N(always503), 0,
	    KSM_CLIENT_NO_THROTTLE_RETRY, NULL);
	T_FAILS(r, KSM_ETHROTTLED, "errors::503 with no-retry flag");
	T_STREQ(ksm_error_last()->message,
	    "Keeper throttled this client (HTTP 503)", "errors::503 message");
	T_OK(contains(ksm_error_last()->hint, "10 seconds"),
	    "errors::throttle hint");
	T_OK(b.f.requests == 1 && b.f.n_sleeps == 0,
	    "errors::no-retry flag fails at once");

	r = run_script(&b, throttled_ra, N(throttled_ra), 1000, 0, NULL);
	T_FAILS(r, KSM_ETHROTTLED, "errors::retry_after beyond the budget");
	T_OK(b.f.n_sleeps == 0, "errors::never sleeps past the budget");

	r = run_script(&b, ra_forever, N(ra_forever), 3600000, 0, NULL);
	T_FAILS(r, KSM_ETHROTTLED, "errors::throttle retries are capped");
	T_OK(b.f.n_sleeps == KSM_MAX_THROTTLE_RETRIES &&
	    b.f.requests == KSM_MAX_THROTTLE_RETRIES + 1,
	    "errors::%d retries then fail (%d sleeps, %d requests)",
	    KSM_MAX_THROTTLE_RETRIES, b.f.n_sleeps, b.f.requests);
	T_STREQ(ksm_error_last()->message,
	    "Keeper throttled this client (HTTP 403)", "errors::403 message");

	setenv("KSM_MAX_THROTTLE_WAIT_MS", "0", 1);
	r = run_script(&b, bare429, N(bare429), 0, 0, NULL);
	T_FAILS(r, KSM_ETHROTTLED, "errors::KSM_MAX_THROTTLE_WAIT_MS=0");
	T_OK(b.f.n_sleeps == 0, "errors::env budget 0 fails at once");
	unsetenv("KSM_MAX_THROTTLE_WAIT_MS");

	r = run_script(&b, key_once, N(key_once), 0, 0, NULL);
	T_OK(r == 0 && b.f.requests == 2 && b.f.bad == 0,
	    "errors::key naming the configured id retries with a new TK");
	r = run_script(&b, key_same, N(key_same), 0, 0, NULL);
	T_FAILS(r, KSM_EKEY, "errors::key rotation is capped");
	T_OK(b.f.requests == KSM_MAX_KEY_ROTATIONS + 1,
	    "errors::%d rotations then fail (%d requests)",
	    KSM_MAX_KEY_ROTATIONS, b.f.requests);
	r = run_script(&b, key_other, N(key_other), 0, 0, NULL);
	T_FAILS(r, KSM_EKEY, "errors::custom key, server wants another");
	T_OK(contains(ksm_error_last()->message, "id 1") &&
	    contains(ksm_error_last()->message, "99"),
	    "errors::EKEY names both ids: %s", ksm_error_last()->message);

	setenv("KSM_CLIENT_VERSION", "mp17.3.0", 1);
	r = run_script(&b, version, N(version), 0, 0, NULL);
	T_FAILS(r, KSM_EVERSION, "errors::invalid_client_version");
	T_OK(contains(b.f.last_payload, "\"clientVersion\":\"mp17.3.0\""),
	    "errors::KSM_CLIENT_VERSION is sent: %s", b.f.last_payload);
	T_OK(contains(ksm_error_last()->hint, "KSM_CLIENT_VERSION"),
	    "errors::EVERSION hint names KSM_CLIENT_VERSION");
	unsetenv("KSM_CLIENT_VERSION");
	(void)run_script(&b, empty, N(empty), 0, 0, NULL);
	T_OK(contains(b.f.last_payload, "\"clientVersion\":\"" 
	    KSM_CLIENT_VERSION_DEFAULT "\"") &&
	    !contains(b.f.last_payload, "publicKey") &&
	    !contains(b.f.last_payload, "requestedRecords") &&
	    strchr(b.f.last_payload, ' ') == NULL,
	    "errors::bound payload is compact, default version, no "
	    "publicKey: %s", b.f.last_payload);

	r = run_script(&b, gateway, N(gateway), 0, 0, NULL);
	T_FAILS(r, KSM_ESERVER, "errors::non-JSON 502");
	T_STREQ(ksm_error_last()->message, "HTTP 502 from '" FAKE_HOST
	    "': <html>  Bad Gateway </html>", "errors::502 message");

	r = run_script(&b, err500, N(err500), 0, 0, NULL);
	T_FAILS(r, KSM_ESERVER, "errors::500 throttled is not throttling");
	T_OK(b.f.n_sleeps == 0, "errors::500 not retried");

	r = run_script(&b, badreq, N(badreq), 0, 0, NULL);
	T_FAILS(r, KSM_ESERVER, "errors::other codes");
	T_STREQ(ksm_error_last()->message, "HTTP 400 from '" FAKE_HOST
	    "': bad_request: Missing clientId", "errors::400 message");

	r = run_script(&b, denied, N(denied), 0, 0, NULL);
	T_FAILS(r, KSM_EACCESS, "errors::access_denied");
	T_STREQ(ksm_error_last()->message, "access denied by Keeper: Unable "
	    "to validate application access", "errors::EACCESS message");

	r = run_script(&b, tamper, N(tamper), 0, 0, NULL);
	T_FAILS(r, KSM_EPROTO, "errors::tampered 200 body");
	T_OK(contains(ksm_error_last()->message, "failed authentication"),
	    "errors::EPROTO message");

	r = run_script(&b, empty, N(empty), 0, 0, NULL);
	T_OK(r == 0, "errors::empty 200 body is success");
	bench_free(&b);
}

/* Key rotation without a custom key: the id switches and is sent. */
static void
test_rotation_table(void)
{
	static const struct step steps[] = {
		{ RAW, 403, "{\"error\":\"key\",\"key_id\":\"7\"}" },
		{ RAW, 403, "{\"error\":\"access_denied\",\"message\":\"x\"}" },
	};
	static const struct step unknown[] = {
		{ RAW, 403, "{\"error\":\"key\",\"key_id\":\"4242\"}" },
	};
	ksm_records *recs = NULL;
	ksm_client *c = NULL;
	struct bench b;
	char *p;
	int r;

	if (bench_init(&b) != 0) {
		T_OK(0, "rotation::bench");
		return;
	}
	/* drop the custom key: Keeper's table */
	p = strstr(b.cfgtext, ",\"serverPublicKey\":");
	(void)snprintf(p, sizeof(b.cfgtext) - (size_t)(p - b.cfgtext), "}");
	r = bench_client(&c, &b, steps, N(steps));
	T_OK(r == 0 && c->server_key_id == 1, "rotation::table key id 1");
	if (c == NULL)
		goto out;
	r = ksm_client_get_records(&recs, c, NULL, 0);
	T_FAILS(r, KSM_EACCESS, "rotation::ends with the scripted 403");
	T_OK(b.f.requests == 2 && strcmp(b.f.last_kid, "7") == 0 &&
	    c->server_key_id == 7, "rotation::second attempt uses key id 7");
	T_STREQ(ksm_config__get(c->cfg, "serverPublicKeyId"), "7",
	    "rotation::new id kept in the config");
	ksm_client_free(c);
	c = NULL;

	r = bench_client(&c, &b, unknown, N(unknown));
	if (r == 0)
		r = ksm_client_get_records(&recs, c, NULL, 0);
	T_FAILS(r, KSM_EKEY, "rotation::unknown key id");
out:
	ksm_client_free(c);
	bench_free(&b);
}

/* ---- 3. records: keys, duplicates, legacy, failures, files ---- */

static void
record_entry(cJSON *arr, const char *uid, const unsigned char *kek,
    const unsigned char *rk, const char *json, cJSON **entry_out)
{
	cJSON *e = cJSON_CreateObject();
	char *k = ksm_test_gcm_b64(kek, rk, 32), *d = ksm_test_gcm_b64(rk, json, strlen(json));

	cJSON_AddStringToObject(e, "recordUid", uid);
	cJSON_AddStringToObject(e, "recordKey", k);
	cJSON_AddStringToObject(e, "data", d);
	cJSON_AddNumberToObject(e, "revision", 3);
	cJSON_AddItemToArray(arr, e);
	if (entry_out != NULL)
		*entry_out = e;
	free(k);
	free(d);
}

static void
test_records(void)
{
	static const struct step ok[] = {
		{ OK_JSON, 200, NULL }, { OK_JSON, 200, NULL },
		{ OK_JSON, 200, NULL }, { OK_JSON, 200, NULL },
		{ OK_JSON, 200, NULL }, { FILE_BODY, 200, NULL },
		{ FILE_BODY, 404, NULL },
	};
	static const char good_json[] = "{\"title\":\"Good\",\"type\":\"login\","
	    "\"notes\":\"n1\",\"fields\":[{\"type\":\"password\",\"value\":"
	    "[\"s3cret\"]}]}   ";
	static const char meta[] = "{\"name\":\"a.txt\",\"title\":\"A\","
	    "\"type\":\"text/plain\",\"size\":11}";
	unsigned char rk1[32], rk2[32], rk3[32], rk4[32], fk[32], junk[32];
	unsigned char sfk[32];
	const ksm_record *rec = NULL;
	ksm_records *holder = NULL, *recs = NULL;
	const ksm_file *file;
	unsigned char *bytes = NULL;
	size_t n_bytes = 0;
	cJSON *root, *records, *folders, *folder, *frecs, *e, *files, *fe;
	char *s;
	ksm_client *c = NULL;
	struct bench b;
	int r;

	if (bench_init(&b) != 0) {
		T_OK(0, "records::bench");
		return;
	}
	random_keys(rk1, rk2, rk3, rk4, fk, junk, sfk, NULL);
	root = cJSON_CreateObject();
	records = cJSON_AddArrayToObject(root, "records");
	folders = cJSON_AddArrayToObject(root, "folders");
	record_entry(records, "good", b.app_key, rk1, good_json, &e);
	files = cJSON_AddArrayToObject(e, "files");
	fe = cJSON_CreateObject();
	cJSON_AddStringToObject(fe, "fileUid", "file1");
	s = ksm_test_gcm_b64(rk1, fk, 32);
	cJSON_AddStringToObject(fe, "fileKey", s);
	free(s);
	s = ksm_test_gcm_b64(fk, meta, strlen(meta));
	cJSON_AddStringToObject(fe, "data", s);
	free(s);
	cJSON_AddStringToObject(fe, "url", "https://files.example/f?sig=x");
	cJSON_AddItemToArray(files, fe);
	record_entry(records, "legacy", b.app_key, rk2,
	    "{\"title\":\"Old\",\"secret1\":\"u\",\"secret2\":\"p\"}", NULL);
	record_entry(records, "broken", junk, rk3, "{\"title\":\"x\"}", NULL);
	record_entry(records, "good", b.app_key, rk4,
	    "{\"title\":\"Dup\",\"type\":\"login\",\"fields\":[]}", NULL);
	/* innerFolderUid: recordKey under the shared folder's key */
	record_entry(records, "inner", sfk, rk4,
	    "{\"title\":\"Inner\",\"type\":\"login\",\"fields\":[]}", &e);
	cJSON_AddStringToObject(e, "innerFolderUid", "sf1");
	folder = cJSON_CreateObject();
	cJSON_AddStringToObject(folder, "folderUid", "sf1");
	s = ksm_test_gcm_b64(b.app_key, sfk, 32);
	cJSON_AddStringToObject(folder, "folderKey", s);
	free(s);
	frecs = cJSON_AddArrayToObject(folder, "records");
	record_entry(frecs, "infolder", sfk, rk2,
	    "{\"title\":\"F\",\"type\":\"login\",\"fields\":[]}", NULL);
	cJSON_AddItemToArray(folders, folder);
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	b.f.ok_json = s;
	b.f.file_key = fk;
	b.f.file_text = "hello world";
	r = bench_client(&c, &b, ok, N(ok));
	T_OK(r == 0, "records::client");
	if (c == NULL)
		goto out;

	r = ksm_client_get_records(&recs, c, NULL, 0);
	T_OK(r == 0 && ksm_records_count(recs) == 4,
	    "records::dedupe and skip the undecryptable (%zu)",
	    ksm_records_count(recs));
	T_STREQ(ksm_record_title(ksm_records_at(recs, 0)), "Good",
	    "records::first of a duplicate UID wins");
	T_STREQ(ksm_record_uid(ksm_records_at(recs, 2)), "inner",
	    "records::innerFolderUid record under the folder key");
	T_STREQ(ksm_record_folder_uid(ksm_records_find(recs, "infolder")),
	    "sf1", "records::folder record carries its folder");
	T_OK(ksm_record_folder_uid(ksm_records_find(recs, "good")) == NULL,
	    "records::direct record has no folder");
	T_STREQ(ksm_record_type(ksm_records_find(recs, "legacy")), "",
	    "records::legacy type is empty");
	ksm_records_free(recs);
	recs = NULL;

	r = ksm_client_get_record(&rec, &holder, c, "good");
	T_OK(r == 0 && rec != NULL, "records::get_record good");
	T_STREQ(ksm_record_notes(rec), "n1", "records::notes");
	T_STREQ(ksm_record_json(rec), "{\"title\":\"Good\",\"type\":\"login\","
	    "\"notes\":\"n1\",\"fields\":[{\"type\":\"password\",\"value\":"
	    "[\"s3cret\"]}]}", "records::compact JSON without padding");
	T_OK(ksm_record_file_count(rec) == 1, "records::one file");
	file = ksm_record_file_at(rec, 0);
	T_STREQ(ksm_file_name(file), "a.txt", "records::file name");
	T_STREQ(ksm_file_title(file), "A", "records::file title");
	T_STREQ(ksm_file_mime_type(file), "text/plain", "records::file type");
	T_OK(ksm_file_size(file) == 11, "records::file size");

	r = ksm_client_get_record(&rec, &recs, c, "legacy");
	T_FAILS(r, KSM_ELEGACY, "records::legacy record");
	T_OK(contains(ksm_error_last()->hint, "convert"),
	    "records::legacy hint");
	r = ksm_client_get_record(&rec, &recs, c, "broken");
	T_FAILS(r, KSM_ECRYPTO, "records::undecryptable record");
	T_STREQ(ksm_error_last()->message,
	    "record 'broken' could not be decrypted", "records::ECRYPTO text");
	r = ksm_client_get_record(&rec, &recs, c, "missing");
	T_FAILS(r, KSM_ENOTSHARED, "records::missing record");
	T_STREQ(ksm_error_last()->message, "record 'missing' is not shared "
	    "with this application (or does not exist)",
	    "records::ENOTSHARED text");
	T_OK(recs == NULL, "records::holder NULL on failure");

	r = ksm_client_download_file(&bytes, &n_bytes, c, file);
	T_OK(r == 0 && n_bytes == 11 && memcmp(bytes, "hello world", 11) == 0,
	    "records::download decrypts with the file key");
	T_OK(b.f.bad == 0, "records::download is a plain GET");
	ksm_bytes_free(bytes, n_bytes);
	bytes = NULL;
	r = ksm_client_download_file(&bytes, &n_bytes, c, file);
	T_FAILS(r, KSM_ESERVER, "records::download non-200");
	T_OK(!contains(ksm_error_last()->message, "sig=x"),
	    "records::message omits the signed query");
out:
	ksm_records_free(holder);
	ksm_client_free(c);
	free(s);
	bench_free(&b);
}

/* get_folders: GCM root keys, CBC keys under the root, CBC names. */
static char *
cbc_b64(const unsigned char *key, const void *pt, size_t n)
{
	struct ksmx_buf b = KSMX_BUF_INIT(1 << 20);
	char *s = NULL;

	if (ksm_crypto__cbc_encrypt(&b, key, pt, n) == 0)
		s = ksmx_b64_encode_str(b.d, b.len, KSMX_B64_URL);
	ksmx_buf_clear(&b);
	return s;
}

static void
folder_entry(cJSON *arr, const char *uid, const char *parent, char *key_b64,
    const unsigned char *own_key, const char *name)
{
	cJSON *e = cJSON_CreateObject();
	char text[128], *d;

	(void)snprintf(text, sizeof(text), "{\"name\":\"%s\"}", name);
	d = cbc_b64(own_key, text, strlen(text));
	cJSON_AddStringToObject(e, "folderUid", uid);
	cJSON_AddStringToObject(e, "folderKey", key_b64);
	cJSON_AddStringToObject(e, "data", d);
	if (parent != NULL)
		cJSON_AddStringToObject(e, "parent", parent);
	else
		cJSON_AddNullToObject(e, "parent");
	cJSON_AddItemToArray(arr, e);
	free(key_b64);
	free(d);
}

static void
test_folders(void)
{
	static const struct step ok[] = { { OK_JSON, 200, NULL } };
	unsigned char rootk[32], subk[32], deepk[32], junk[32];
	ksm_folders *fs = NULL;
	ksm_client *c = NULL;
	cJSON *root, *arr;
	char *s = NULL;
	struct bench b;
	int r;

	if (bench_init(&b) != 0) {
		T_OK(0, "folders::bench");
		return;
	}
	random_keys(rootk, subk, deepk, junk, NULL);
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "folders");
	folder_entry(arr, "deep", "sub", cbc_b64(rootk, deepk, 32), deepk,
	    "Deep");
	folder_entry(arr, "root", NULL, ksm_test_gcm_b64(b.app_key, rootk, 32), rootk,
	    "Root");
	folder_entry(arr, "sub", "root", cbc_b64(rootk, subk, 32), subk,
	    "Sub");
	folder_entry(arr, "bad", NULL, ksm_test_gcm_b64(junk, rootk, 32), rootk, "X");
	folder_entry(arr, "loop", "loop", cbc_b64(rootk, subk, 32), subk,
	    "L");
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	b.f.ok_json = s;
	r = bench_client(&c, &b, ok, N(ok));
	if (r == 0)
		r = ksm_client_get_folders(&fs, c);
	T_OK(r == 0, "folders::get_folders (%s)", ksm_error_last()->message);
	T_OK(ksm_folders_count(fs) == 3, "folders::undecryptable and cyclic "
	    "folders skipped (%zu)", ksm_folders_count(fs));
	T_STREQ(ksm_folder_name(ksm_folders_find(fs, "root")), "Root",
	    "folders::root name (GCM key under the app key)");
	T_OK(ksm_folder_parent_uid(ksm_folders_find(fs, "root")) == NULL,
	    "folders::root has no parent");
	T_STREQ(ksm_folder_name(ksm_folders_find(fs, "sub")), "Sub",
	    "folders::sub-folder (CBC key under the root key)");
	T_STREQ(ksm_folder_name(ksm_folders_at(fs, 0)), "Deep",
	    "folders::two levels down still uses the root key");
	T_STREQ(ksm_folder_parent_uid(ksm_folders_at(fs, 0)), "sub",
	    "folders::parent uid");
	T_STREQ(b.f.last_url, "https://" FAKE_HOST "/api/rest/sm/v1/get_folders",
	    "folders::endpoint");
	T_OK(strstr(b.f.last_payload, "clientId") != NULL && b.f.bad == 0,
	    "folders::request decrypts and verifies at the server");
	ksm_folders_free(fs);
	ksm_client_free(c);
	free(s);
	bench_free(&b);
}

/* Binding failures write nothing. */
static void
test_bind_failures(void)
{
	static const struct step denied[] = {
		{ RAW, 403, "{\"error\":\"access_denied\","
		    "\"message\":\"Unable to validate application access\"}" },
	};
	ksm_client_options opts = KSM_CLIENT_OPTIONS_INIT;
	ksm_client *c = NULL;
	struct bench b;
	char path[128];
	int r;

	if (bench_init(&b) != 0) {
		T_OK(0, "bind::bench");
		return;
	}
	(void)snprintf(path, sizeof(path), "%s/denied.json", tmpdir);
	opts.config_path = path;
	opts.hostname = FAKE_HOST;
	b.f.steps = denied;
	b.f.n_steps = N(denied);
	r = ksm_client__init_token(&c, &opts,
	    "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI", &b.hooks);
	T_FAILS(r, KSM_ETOKEN, "bind::access_denied while binding");
	T_STREQ(ksm_error_last()->message, "one-time token rejected by '"
	    FAKE_HOST "': invalid, expired or already used",
	    "bind::ETOKEN message");
	T_OK(contains(ksm_error_last()->hint, "new one-time token"),
	    "bind::ETOKEN hint");
	T_OK(access(path, F_OK) != 0, "bind::nothing written on failure");

	opts.hostname = NULL;
	b.f.next = 0;
	b.f.requests = 0;
	r = ksm_client__init_token(&c, &opts,
	    "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI", &b.hooks);
	T_FAILS(r, KSM_ETOKEN, "bind::no region prefix and no host");
	T_OK(contains(ksm_error_last()->message, "--host") &&
	    b.f.requests == 0, "bind::asks for --host, sends nothing");
	bench_free(&b);
}

int
main(void)
{
	cJSON *v;
	const cJSON *e2e;

	clear_env();
	(void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/ksm-replay-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	v = ksm_test_vectors("crypto-vectors.json");
	e2e = cJSON_GetObjectItemCaseSensitive(v, "e2e_fake_data");
	T_OK(e2e != NULL, "vectors::e2e_fake_data present");
	if (e2e != NULL) {
		test_replay_bind(e2e);
		test_replay_records(e2e);
	}
	test_errors();
	test_rotation_table();
	test_records();
	test_folders();
	test_bind_failures();
	cJSON_Delete(v);
	{
		char cmd[160];

		(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			ksm_test_diag("cannot remove %s", tmpdir);
	}
	return ksm_test_done();
}
