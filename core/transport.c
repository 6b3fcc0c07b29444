#include "config.h"

/*
 * The request loop (ksm-protocol.md §4, §7): a fresh transmission key per
 * attempt, ECIES-wrapped for the selected server key, the payload under
 * AES-GCM, an ECDSA signature over encryptedTK || encryptedBody; then the
 * answer: decrypt a 200, follow `key` rotations (capped), back off on
 * throttling (bounded in count and total wait), and map every other error
 * body to a ksm code with a message naming the host.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "client-int.h"
#include "http.h"
#include "json.h"
#include "util/b64.h"

#define TK_LEN			32
#define THROTTLE_BASE_MS	11000u	/* 11 s, doubled per retry */
#define EXCERPT_MAX		200	/* chars of a non-JSON error body */

/* What an error body said. */
struct err_body {
	cJSON		*json;		/* NULL: not JSON */
	const char	*code;		/* result_code or error */
	const char	*message;
	char		 excerpt[EXCERPT_MAX + 1];	/* printable text */
};

static void
err_body_parse(struct err_body *e, const struct ksmx_buf *resp)
{
	size_t len = resp->len < KSM_MAX_ERROR_BODY ? resp->len :
	    KSM_MAX_ERROR_BODY;
	size_t i, n = 0;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < len && n < EXCERPT_MAX; i++) {
		unsigned char ch = resp->d[i];

		if (ch == '\n' || ch == '\r' || ch == '\t')
			ch = ' ';
		if (ch >= 0x20 && ch < 0x7f && !(ch == ' ' && n == 0))
			e->excerpt[n++] = (char)ch;
	}
	while (n > 0 && e->excerpt[n - 1] == ' ')
		n--;
	e->excerpt[n] = '\0';
	if (len == 0 || (e->json = ksmx_json_parse(resp->d, len)) == NULL)
		return;
	if (!cJSON_IsObject(e->json)) {
		ksmx_json_free(e->json);
		e->json = NULL;
		return;
	}
	e->code = ksmx_json_str(e->json, "result_code");
	if (e->code == NULL)
		e->code = ksmx_json_str(e->json, "error");
	e->message = ksmx_json_str(e->json, "message");
}

/* retry_after in ms: a positive number or numeric string, else 0. */
static unsigned int
retry_after_ms(const cJSON *json)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(json, "retry_after");
	double d = 0;
	char *end;

	if (cJSON_IsNumber(v))
		d = v->valuedouble;
	else if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		d = strtod(v->valuestring, &end);
		if (*end != '\0')
			d = 0;
	}
	if (!(d > 0))
		return 0;
	if (d > (double)UINT_MAX / 1000.0)
		return UINT_MAX;
	return (unsigned int)(d * 1000.0);
}

/* key_id as a number or decimal string; -1 when absent or invalid. */
static int
key_id_of(const cJSON *json)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(json, "key_id");
	const char *p;
	long n = 0;

	if (cJSON_IsNumber(v)) {
		if (v->valuedouble < 0 || v->valuedouble > 100000 ||
		    v->valuedouble != (double)(int)v->valuedouble)
			return -1;
		return (int)v->valuedouble;
	}
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return -1;
	for (p = v->valuestring; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || n > 100000)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n > 100000 ? -1 : (int)n;
}

int
ksm_transport__perform(struct ksm_client *c, const char *url,
    const char *const *headers, const void *body, size_t body_len, int stall,
    long *status, struct ksmx_buf *resp)
{
	struct ksm_http_req req;

	memset(&req, 0, sizeof(req));
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = body_len;
	req.ca_file = c->ca_file;
	req.connect_timeout_ms = c->connect_timeout_ms;
	req.timeout_ms = c->timeout_ms;
	req.timeout_is_stall = stall;
	return c->hooks.perform(c->hooks.perform_ctx, &req, status, resp);
}

/* Encrypt, sign and send one attempt with transmission key tk. */
static int
attempt(struct ksm_client *c, const char *endpoint, const char *payload,
    const unsigned char tk[TK_LEN], long *status, struct ksmx_buf *resp)
{
	struct ksmx_buf body = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	struct ksmx_buf etk = KSMX_BUF_INIT(1024);
	struct ksmx_buf signed_ = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY + 1024);
	struct ksmx_buf sig = KSMX_BUF_INIT(1024);
	char *etk_b64 = NULL, *sig_b64 = NULL, *url = NULL;
	char h_len[64], h_kid[64], *h_tk = NULL, *h_sig = NULL;
	const char *headers[6];
	const unsigned char *server_point;
	ksm_eckey *key;
	size_t url_len;
	int r;

	/* parsed and checked on first use; both set their message */
	if ((r = ksm_client__key(c, &key)) != 0 ||
	    (r = ksm_client__server_point(c, &server_point)) != 0)
		goto out;
	if ((r = ksm_crypto__gcm_encrypt(&body, tk, payload,
	    strlen(payload))) != 0 ||
	    (r = ksm_crypto__ecies_encrypt(&etk, server_point, tk,
	    TK_LEN)) != 0) {
		r = ksm__err(r, "cannot encrypt the request to '%s'",
		    c->hostname);
		goto out;
	}
	if ((r = ksmx_buf_put(&signed_, etk.d, etk.len)) != 0 ||
	    (r = ksmx_buf_put(&signed_, body.d, body.len)) != 0) {
		r = ksm__err(r, "cannot build the request to '%s'",
		    c->hostname);
		goto out;
	}
	if ((r = ksm_crypto__ecdsa_sign(&sig, key, signed_.d,
	    signed_.len)) != 0) {
		if (r == KSM_ECRYPTO) {
			/* the key is checked fully on its first use */
			r = ksm__err(KSM_ECONFIG, "cannot sign the request to "
			    "'%s': the privateKey in the config is damaged",
			    c->hostname);
			ksm__err_hint("the config is corrupt; bind again with "
			    "a one-time token (keeper-secret init)");
		} else
			r = ksm__err(r, "cannot sign the request to '%s'",
			    c->hostname);
		goto out;
	}
	etk_b64 = ksmx_b64_encode_str(etk.d, etk.len, KSMX_B64_STD);
	sig_b64 = ksmx_b64_encode_str(sig.d, sig.len, KSMX_B64_STD);
	url_len = strlen(c->hostname) + strlen(endpoint) + 32;
	url = malloc(url_len);
	h_tk = etk_b64 != NULL ? malloc(strlen(etk_b64) + 32) : NULL;
	h_sig = sig_b64 != NULL ? malloc(strlen(sig_b64) + 32) : NULL;
	if (url == NULL || h_tk == NULL || h_sig == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	(void)snprintf(url, url_len, "https://%s/api/rest/sm/v1/%s",
	    c->hostname, endpoint);
	(void)snprintf(h_len, sizeof(h_len), "Content-Length: %zu", body.len);
	(void)snprintf(h_kid, sizeof(h_kid), "PublicKeyId: %d",
	    c->server_key_id);
	(void)snprintf(h_tk, strlen(etk_b64) + 32, "TransmissionKey: %s",
	    etk_b64);
	(void)snprintf(h_sig, strlen(sig_b64) + 32,
	    "Authorization: Signature %s", sig_b64);
	headers[0] = "Content-Type: application/octet-stream";
	headers[1] = h_len;
	headers[2] = h_kid;
	headers[3] = h_tk;
	headers[4] = h_sig;
	headers[5] = NULL;

	r = ksm_transport__perform(c, url, headers, body.d, body.len, 0,
	    status, resp);
out:
	ksmx_buf_clear(&body);
	ksmx_buf_clear(&etk);
	ksmx_buf_clear(&signed_);
	ksmx_buf_clear(&sig);
	free(etk_b64);
	free(sig_b64);
	free(h_tk);
	free(h_sig);
	free(url);
	return r;
}

/* `key`: switch to the server's key id; 0 to retry, or an error. */
static int
rotate_key(struct ksm_client *c, const struct err_body *e, int *rotations)
{
	unsigned char point[KSM_EC_POINT_LEN];
	char idbuf[16];
	int id = key_id_of(e->json);

	if (++*rotations > KSM_MAX_KEY_ROTATIONS) {
		(void)ksm__err(KSM_EKEY, "'%s' asked for a different server "
		    "public key more than %d times", c->hostname,
		    KSM_MAX_KEY_ROTATIONS);
		ksm__err_hint("check serverPublicKeyId/serverPublicKey in the "
		    "config");
		return KSM_EKEY;
	}
	if (id < 0) {
		(void)ksm__err(KSM_EKEY, "'%s' rejected server public key id "
		    "%d without naming another", c->hostname, c->server_key_id);
		ksm__err_hint("check serverPublicKeyId/serverPublicKey in the "
		    "config");
		return KSM_EKEY;
	}
	if (c->have_custom_server_key) {
		if (id == c->server_key_id)
			return 0;	/* same key again, new TK */
		(void)ksm__err(KSM_EKEY, "'%s' rejected the custom server "
		    "public key (id %d) and asks for key id %d", c->hostname,
		    c->server_key_id, id);
		ksm__err_hint("update serverPublicKey and serverPublicKeyId in "
		    "the config (the server's key changed)");
		return KSM_EKEY;
	}
	if (ksm_server_key__lookup(point, id) != 0) {
		(void)ksm__err(KSM_EKEY, "'%s' asks for server public key id "
		    "%d, which this client does not know", c->hostname, id);
		ksm__err_hint("upgrade libksm, or set serverPublicKey in the "
		    "config");
		return KSM_EKEY;
	}
	memcpy(c->server_point, point, sizeof(point));
	c->server_key_id = id;
	(void)snprintf(idbuf, sizeof(idbuf), "%d", id);
	if (ksm_config__set(c->cfg, KSM_CFG_SERVER_PUBLIC_KEY_ID, idbuf) == 0 &&
	    !c->binding && (ksm_config__path(c->cfg) != NULL ||
	    ksm_config__keyring(c->cfg) != NULL))
		(void)ksm_config__save(c->cfg);	/* best effort */
	return 0;
}

/* Throttled: 0 after waiting, or KSM_ETHROTTLED. */
static int
throttle_wait(struct ksm_client *c, long status, const struct err_body *e,
    int *throttles, unsigned long long *waited_ms)
{
	unsigned long long delay;
	unsigned int ra = e->json != NULL ? retry_after_ms(e->json) : 0;
	uint32_t rnd = 0;
	double f;

	if (!(c->flags & KSM_CLIENT_NO_THROTTLE_RETRY) &&
	    *throttles < KSM_MAX_THROTTLE_RETRIES) {
		(void)ksm_crypto__random(&rnd, sizeof(rnd));
		f = (double)rnd / 4294967296.0;		/* [0, 1) */
		if (ra > 0)	/* never earlier than the server asked */
			delay = ra + (unsigned long long)(ra * 0.25 * f);
		else {
			delay = (unsigned long long)THROTTLE_BASE_MS <<
			    *throttles;
			delay = (unsigned long long)(delay * (0.75 + 0.5 * f));
		}
		if (*waited_ms + delay <= c->max_throttle_wait_ms) {
			c->hooks.sleep(c->hooks.sleep_ctx, (unsigned int)delay);
			*waited_ms += delay;
			++*throttles;
			return 0;
		}
	}
	(void)ksm__err(KSM_ETHROTTLED, "Keeper throttled this client (HTTP %ld)",
	    status);
	ksm__err_hint("Keeper allows about 200 calls without a 10-second "
	    "pause; wait 10 seconds and retry");
	return KSM_ETHROTTLED;
}

/* Map a final error answer to a ksm code and message. */
static int
map_error(struct ksm_client *c, long status, const struct err_body *e)
{
	char msg[160], code[64];

	ksm__printable(msg, sizeof(msg), e->message);
	ksm__printable(code, sizeof(code), e->code);
	if (e->code != NULL && strcmp(e->code, "access_denied") == 0) {
		(void)ksm__err(KSM_EACCESS, "access denied by Keeper: %s",
		    msg[0] != '\0' ? msg : "(no reason given)");
		ksm__err_hint("if this device was removed from the application, "
		    "bind again with a new one-time token; check that Secrets "
		    "Manager is enabled for the account and role");
		return KSM_EACCESS;
	}
	if (e->code != NULL && strcmp(e->code, "invalid_client_version") == 0) {
		(void)ksm__err(KSM_EVERSION, "'%s' does not accept client "
		    "version '%s'%s%s", c->hostname, c->client_version,
		    msg[0] != '\0' ? ": " : "", msg);
		ksm__err_hint("set KSM_CLIENT_VERSION to a version Keeper "
		    "accepts (an official SDK's, such as ms17.5.0 or "
		    "mp17.3.0)");
		return KSM_EVERSION;
	}
	if (e->json != NULL && e->code != NULL)
		(void)ksm__err(KSM_ESERVER, "HTTP %ld from '%s': %s: %s", status,
		    c->hostname, code, msg[0] != '\0' ? msg : "(no message)");
	else if (e->json != NULL)
		(void)ksm__err(KSM_ESERVER, "HTTP %ld from '%s': %s", status,
		    c->hostname, e->excerpt);
	else
		(void)ksm__err(KSM_ESERVER, "HTTP %ld from '%s': %s", status,
		    c->hostname, e->excerpt[0] != '\0' ? e->excerpt :
		    "(empty body)");
	ksm__err_hint("retry later; if it persists, check the hostname and "
	    "Keeper's status");
	return KSM_ESERVER;
}

int
ksm_transport__call(struct ksm_client *c, const char *endpoint,
    const char *payload_json, struct ksmx_buf *plain)
{
	struct ksmx_buf resp = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	unsigned char tk[TK_LEN];
	unsigned long long waited_ms = 0;
	struct err_body e;
	int rotations = 0, throttles = 0, throttled;
	long status;
	int r;

	KSM_ASSERT_ARG(c != NULL && endpoint != NULL && payload_json != NULL);
	KSM_ASSERT_ARG(plain != NULL);
	memset(&e, 0, sizeof(e));
	for (;;) {
		ksmx_buf_clear(&resp);
		if ((r = c->hooks.tk_source(c->hooks.tk_ctx, tk,
		    sizeof(tk))) != 0) {
			r = ksm__err(r, "cannot generate a transmission key");
			goto out;
		}
		status = 0;
		if ((r = attempt(c, endpoint, payload_json, tk, &status,
		    &resp)) != 0)
			goto out;
		if (status == 200) {
			if (resp.len == 0) {
				r = 0;
				goto out;
			}
			/* in place: an answer can be megabytes */
			if ((r = ksm_crypto__gcm_decrypt_inplace(&resp,
			    tk)) == 0)
				r = ksmx_buf_move(plain, &resp);
			if (r == KSM_ETOOBIG || r == KSM_ENOMEM)
				r = ksm__err(r, "response from '%s' is too large",
				    c->hostname);
			else if (r != 0) {
				r = ksm__err(KSM_EPROTO, "response from '%s' "
				    "failed authentication (tampered or "
				    "corrupted)", c->hostname);
				ksm__err_hint("retry; if it persists, something "
				    "between this host and Keeper alters the "
				    "traffic");
			}
			goto out;
		}
		err_body_parse(&e, &resp);
		if (e.code != NULL && strcmp(e.code, "key") == 0) {
			if ((r = rotate_key(c, &e, &rotations)) != 0)
				goto out;
			ksmx_json_free(e.json);
			e.json = NULL;
			continue;
		}
		throttled = (status == 429 || status == 503) ||
		    (status == 403 && e.code != NULL &&
		    strcmp(e.code, "throttled") == 0);
		if (throttled) {
			if ((r = throttle_wait(c, status, &e, &throttles,
			    &waited_ms)) != 0)
				goto out;
			ksmx_json_free(e.json);
			e.json = NULL;
			continue;
		}
		r = map_error(c, status, &e);
		goto out;
	}
out:
	ksmx_wipe_array(tk);
	ksmx_json_free(e.json);
	ksmx_buf_clear(&resp);
	return r;
}
