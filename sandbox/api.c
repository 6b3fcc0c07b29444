/*
 * POST /api/rest/sm/v1/<endpoint>: transmission key, payload, device
 * lookup, binding, signature, client version, throttling, and the
 * encrypted answer (§3.5 and §4 of the protocol notes).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ksm/error.h"
#include "json.h"
#include "util/b64.h"
#include "util/wipe.h"
#include "sandbox.h"

#define API_LOCATION	\
	"default exception manager - api validation exception"
#define MSG_NO_ACCESS	"Unable to validate application access"
#define MSG_BAD_SIG	"Signature is invalid"
#define MSG_THROTTLED	"Due to repeated requests this client has been " \
	"throttled. Please wait and try again."
#define INFO_VERSION	"keeper-sandbox accepts the client versions of " \
	"the official SDKs (mp, ms, mj, mn, mg, mr, mb) from 16.0.0 on"

/* ---- throttling: per clientId, N calls without a 10 s pause ---- */

struct sb_throttle {
	struct sb_throttle	*next;
	char			*client_id;
	unsigned		 count;
	double			 last;
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 when this call is over the limit. */
static int
throttle_hit(struct sb_server *srv, const char *client_id)
{
	struct sb_throttle *t;
	double now = mono_now();

	for (t = srv->throttle; t != NULL; t = t->next)
		if (strcmp(t->client_id, client_id) == 0)
			break;
	if (t == NULL) {
		if ((t = calloc(1, sizeof *t)) == NULL ||
		    (t->client_id = strdup(client_id)) == NULL) {
			free(t);
			return 0;
		}
		t->next = srv->throttle;
		srv->throttle = t;
	}
	if (now - t->last >= srv->throttle_pause)
		t->count = 0;
	t->last = now;
	if (t->count < srv->throttle_n + 1)
		t->count++;
	return t->count > srv->throttle_n;
}

void
sb_throttle_free(struct sb_throttle *t)
{
	struct sb_throttle *next;

	for (; t != NULL; t = next) {
		next = t->next;
		free(t->client_id);
		free(t);
	}
}

/* ---- responses ---- */

void
sb_response_init(struct sb_response *r)
{
	struct ksmx_buf b = KSMX_BUF_INIT(SB_MAX_VAULT * 2);

	memset(r, 0, sizeof *r);
	r->body = b;
	r->status = 500;
	r->content_type = "application/json";
	snprintf(r->client, sizeof r->client, "-");
}

void
sb_response_clear(struct sb_response *r)
{
	ksmx_buf_clear(&r->body);
}

static void
error_body(struct sb_response *r, const struct sb_server *srv,
    const struct sb_request *rq, int status, const char *code,
    const char *message, const char *info, const char *num_key, long num)
{
	char path[512];
	cJSON *o = cJSON_CreateObject();
	char *text;

	if (rq != NULL)
		snprintf(path, sizeof path,
		    "https://%s/api/rest/sm/v1/%s, POST, %s", srv->listen,
		    rq->endpoint, rq->user_agent != NULL ? rq->user_agent :
		    "-");
	else
		snprintf(path, sizeof path, "https://%s/files, GET",
		    srv->listen);
	ksmx_buf_clear(&r->body);
	r->status = status;
	r->content_type = "application/json";
	snprintf(r->error, sizeof r->error, "%s", code);
	if (o == NULL)
		return;
	cJSON_AddStringToObject(o, "path", path);
	cJSON_AddStringToObject(o, "additional_info", info);
	cJSON_AddStringToObject(o, "location", API_LOCATION);
	cJSON_AddStringToObject(o, "error", code);
	cJSON_AddStringToObject(o, "message", message);
	if (num_key != NULL)
		cJSON_AddNumberToObject(o, num_key, (double)num);
	if ((text = cJSON_PrintUnformatted(o)) != NULL) {
		if (ksmx_buf_puts(&r->body, text) != 0)
			ksmx_buf_clear(&r->body);
		free(text);
	}
	cJSON_Delete(o);
}

void
sb_response_error(struct sb_response *r, const struct sb_server *srv,
    const struct sb_request *rq, int status, const char *code,
    const char *message)
{
	error_body(r, srv, rq, status, code, message, "", NULL, 0);
}

static void
key_error(struct sb_response *r, const struct sb_server *srv,
    const struct sb_request *rq)
{
	error_body(r, srv, rq, 401, "key",
	    "Use the server public key with id " SB_KEY_ID, "", "key_id",
	    strtol(SB_KEY_ID, NULL, 10));
}

/* ---- request checks ---- */

static int
version_ok(const struct sb_server *srv, const char *v)
{
	static const char *prefixes[] = {
		"mp", "ms", "mj", "mn", "mg", "mr", "mb"
	};
	unsigned long major = 0;
	size_t i, ndig = 0;
	int known = 0;

	if (srv->fault == SB_FAULT_VERSION || v == NULL || strlen(v) < 3)
		return 0;
	for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (strncmp(v, prefixes[i], 2) == 0)
			known = 1;
	if (!known)
		return 0;
	for (v += 2; *v >= '0' && *v <= '9' && ndig < 6; v++, ndig++)
		major = major * 10 + (unsigned long)(*v - '0');
	if (ndig == 0 || ndig == 6 || (*v != '\0' && *v != '.'))
		return 0;
	return major >= 16;
}

/* "Signature <b64>" -> DER bytes */
static int
parse_signature(struct ksmx_buf *sig, const char *auth)
{
	if (auth == NULL || strncmp(auth, "Signature ", 10) != 0)
		return KSM_EINVAL;
	auth += 10;
	return ksmx_b64_decode(sig, auth, strlen(auth));
}

static int
verify(const uint8_t point[KSM_EC_POINT_LEN], const struct ksmx_buf *msg,
    const struct ksmx_buf *sig)
{
	ksm_eckey *key = NULL;
	int r;

	if ((r = ksm_eckey__from_public(&key, point)) != 0)
		return r;
	r = ksm_crypto__ecdsa_verify(key, msg->d, msg->len, sig->d, sig->len);
	ksm_eckey__free(key);
	return r;
}

/*
 * About how long the printed tree is (a little more), so a megabyte
 * answer is printed once rather than into a dozen growing buffers.
 */
static size_t
text_size(const cJSON *item)
{
	size_t n = 0;

	for (; item != NULL; item = item->next) {
		n += 32;	/* quotes, punctuation, a number */
		if (item->string != NULL)
			n += strlen(item->string);
		if (item->valuestring != NULL)
			n += strlen(item->valuestring);
		n += text_size(item->child);
	}
	return n;
}

/* The 200 answer: GCM(TK, JSON). */
static void
encrypt_answer(struct sb_response *resp, const struct sb_server *srv,
    const struct sb_request *rq, const uint8_t tk[32], const cJSON *root)
{
	char *text = ksmx_json_print_sized(root, text_size(root) + 1024);

	if (text == NULL || ksm_crypto__gcm_encrypt(&resp->body, tk, text,
	    strlen(text)) != 0) {
		ksmx_strfree(text);
		sb_response_error(resp, srv, rq, 500, "internal_error",
		    "Unable to build the response");
		return;
	}
	ksmx_strfree(text);
	if (srv->fault == SB_FAULT_TAMPER && resp->body.len > 0)
		resp->body.d[resp->body.len / 2] ^= 0x01;
	resp->status = 200;
	resp->content_type = "application/octet-stream";
	resp->error[0] = '\0';
}

/*
 * The payload's member names, sorted, each with its JSON type (s string,
 * n number, b bool, a array, o object, z null), for the request log of
 * a write: what a client sends can be compared without any value.
 */
static void
log_members(char *out, size_t n, const cJSON *payload)
{
	const char *names[32];
	const cJSON *m, *v;
	size_t k = 0, i, j, len = 0;
	char t;

	cJSON_ArrayForEach(m, payload)
		if (k < sizeof names / sizeof names[0] && m->string != NULL)
			names[k++] = m->string;
	for (i = 1; i < k; i++)		/* a handful: insertion sort */
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *x = names[j];

			names[j] = names[j - 1];
			names[j - 1] = x;
		}
	out[0] = '\0';
	for (i = 0; i < k; i++) {
		v = cJSON_GetObjectItem(payload, names[i]);
		t = cJSON_IsString(v) ? 's' : cJSON_IsNumber(v) ? 'n' :
		    cJSON_IsBool(v) ? 'b' : cJSON_IsArray(v) ? 'a' :
		    cJSON_IsObject(v) ? 'o' : 'z';
		len += (size_t)snprintf(out + len, len < n ? n - len : 0,
		    "%s%.40s:%c", i > 0 ? "," : "", names[i], t);
		if (len >= n)
			break;
	}
}

/* The endpoints; write NULL: the reads (get_secret, get_folders). */
static const struct endpoint {
	const char	*name;
	void		(*write)(struct sb_call *k);
} endpoints[] = {
	{ "get_secret",			NULL },
	{ "get_folders",		NULL },
	{ "update_secret",		sb_update_secret },
	{ "finalize_secret_update",	sb_finalize_update },
	{ "rollback_secret_update",	sb_rollback_update },
	{ "create_secret",		sb_create_secret },
	{ "delete_secret",		sb_delete_secret },
	{ "create_folder",		sb_create_folder },
	{ "update_folder",		sb_update_folder },
	{ "delete_folder",		sb_delete_folder },
	{ "add_file",			sb_add_file },
};

static const struct endpoint *
find_endpoint(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++)
		if (strcmp(endpoints[i].name, name) == 0)
			return &endpoints[i];
	return NULL;
}

void
sb_api_handle(struct sb_server *srv, const struct sb_request *rq,
    struct sb_response *resp)
{
	const struct endpoint *ep;
	struct ksmx_buf tk_blob = KSMX_BUF_INIT(1024);
	struct ksmx_buf tk = KSMX_BUF_INIT(64);
	struct ksmx_buf pt = KSMX_BUF_INIT(SB_MAX_BODY);
	struct ksmx_buf sig = KSMX_BUF_INIT(1024);
	struct ksmx_buf msg = KSMX_BUF_INIT(SB_MAX_BODY + 1024);
	struct sb_client client;
	struct sb_query q;
	uint8_t pub[KSM_EC_POINT_LEN];
	const char *client_id, *version, *pub_b64;
	const cJSON *app;
	cJSON *payload = NULL, *answer = NULL;
	char verr[256], *owner = NULL;
	int has_pub = 0, binding = 0, r;

	memset(&client, 0, sizeof client);
	if ((ep = find_endpoint(rq->endpoint)) == NULL) {
		char m[160];

		snprintf(m, sizeof m, "%.64s is not supported by "
		    "keeper-sandbox", rq->endpoint);
		sb_response_error(resp, srv, rq, 400, "bad_request", m);
		goto out;
	}
	if (srv->rotate_key) {
		srv->rotate_key = 0;
		key_error(resp, srv, rq);
		goto out;
	}
	if (rq->public_key_id == NULL ||
	    strcmp(rq->public_key_id, SB_KEY_ID) != 0) {
		key_error(resp, srv, rq);
		goto out;
	}
	/* transmission key: ECIES under our key; failing that, say "key" */
	if (rq->transmission_key == NULL ||
	    ksmx_b64_decode(&tk_blob, rq->transmission_key,
	    strlen(rq->transmission_key)) != 0 ||
	    ksm_crypto__ecies_decrypt(&tk, srv->st.server_key, tk_blob.d,
	    tk_blob.len) != 0 || tk.len != 32) {
		key_error(resp, srv, rq);
		goto out;
	}
	if (ksm_crypto__gcm_decrypt(&pt, tk.d, rq->body, rq->body_len) != 0) {
		sb_response_error(resp, srv, rq, 400, "bad_request",
		    "Unable to decrypt the request payload");
		goto out;
	}
	if ((payload = ksmx_json_parse(pt.d, pt.len)) == NULL ||
	    !cJSON_IsObject(payload)) {
		sb_response_error(resp, srv, rq, 400, "bad_request",
		    "The request payload is not a JSON object");
		goto out;
	}
	client_id = ksmx_json_str(payload, "clientId");
	if (client_id != NULL)
		snprintf(resp->client, sizeof resp->client, "%.8s", client_id);
	version = ksmx_json_str(payload, "clientVersion");
	if (!version_ok(srv, version)) {
		char m[160];

		snprintf(m, sizeof m, "Client version %.32s was not registered "
		    "in the backend", version != NULL ? version : "(none)");
		error_body(resp, srv, rq, 403, "invalid_client_version", m,
		    INFO_VERSION, NULL, 0);
		goto out;
	}
	if (client_id == NULL) {
		sb_response_error(resp, srv, rq, 403, "access_denied",
		    MSG_NO_ACCESS);
		goto out;
	}
	if (sb_registry_lookup(&srv->st, client_id, &client) != 0) {
		sb_response_error(resp, srv, rq, 403, "access_denied",
		    MSG_NO_ACCESS);
		goto out;
	}
	if (throttle_hit(srv, client_id)) {
		error_body(resp, srv, rq, srv->throttle_status, "throttled",
		    MSG_THROTTLED, "", "retry_after", (int)srv->throttle_pause);
		goto out;
	}
	pub_b64 = ksmx_json_str(payload, "publicKey");
	if (pub_b64 != NULL) {
		if (ksmx_b64_decode_exact(pub, sizeof pub, pub_b64) != 0) {
			sb_response_error(resp, srv, rq, 400, "bad_request",
			    "publicKey is not a P-256 point");
			goto out;
		}
		has_pub = 1;
	}
	if (!client.bound && !has_pub) {
		sb_response_error(resp, srv, rq, 403, "access_denied",
		    MSG_NO_ACCESS);
		goto out;
	}
	if (client.bound && has_pub && memcmp(pub, client.pub,
	    sizeof pub) != 0) {
		/* a used token presented again with another key */
		sb_response_error(resp, srv, rq, 403, "access_denied",
		    MSG_NO_ACCESS);
		goto out;
	}
	if ((r = ksmx_buf_put(&msg, tk_blob.d, tk_blob.len)) != 0 ||
	    (r = ksmx_buf_put(&msg, rq->body, rq->body_len)) != 0 ||
	    parse_signature(&sig, rq->authorization) != 0 ||
	    verify(client.bound ? client.pub : pub, &msg, &sig) != 0) {
		sb_response_error(resp, srv, rq, 403, "access_denied",
		    MSG_BAD_SIG);
		goto out;
	}
	if (!client.bound) {
		if ((r = sb_registry_bind(&srv->st, client_id, pub)) != 0) {
			sb_response_error(resp, srv, rq, 403,
			    "access_denied", MSG_NO_ACCESS);
			goto out;
		}
	}
	binding = has_pub;	/* also a repeated bind with the same key */

	if (sb_vault_refresh(&srv->vault, verr, sizeof verr) != 0)
		fprintf(srv->log, "keeper-sandbox: vault not reloaded: %s\n",
		    verr);
	if ((app = sb_vault_app(&srv->vault, client.app)) == NULL) {
		sb_response_error(resp, srv, rq, 403, "access_denied",
		    MSG_NO_ACCESS);
		snprintf(resp->error, sizeof resp->error, "no_such_app");
		goto out;
	}
	if (ep->write != NULL) {
		struct sb_call k = { srv, rq, app, payload, tk.d, resp };

		log_members(resp->members, sizeof resp->members, payload);
		if (binding)
			sb_response_error(resp, srv, rq, 400, "bad_request",
			    "Bind with get_secret before changing the vault");
		else
			ep->write(&k);
		goto out;
	}
	q.records = cJSON_GetObjectItem(payload, "requestedRecords");
	q.folders = cJSON_GetObjectItem(payload, "requestedFolders");
	r = strcmp(rq->endpoint, "get_secret") == 0 ?
	    sb_build_secrets(&answer, srv, app, client.app_key, &q) :
	    sb_build_folders(&answer, srv, app, client.app_key);
	if (r != 0) {
		sb_response_error(resp, srv, rq, 500, "internal_error",
		    "Unable to build the response");
		goto out;
	}
	if (binding) {
		owner = ksmx_b64_encode_str(srv->st.owner_point,
		    KSM_EC_POINT_LEN, KSMX_B64_STD);
		if (owner == NULL) {
			sb_response_error(resp, srv, rq, 500,
			    "internal_error", "Out of memory");
			goto out;
		}
		if (cJSON_GetObjectItem(answer, "encryptedAppKey") != NULL) {
			cJSON_ReplaceItemInObject(answer, "encryptedAppKey",
			    cJSON_CreateString(client.enc_app_key));
			cJSON_ReplaceItemInObject(answer, "appOwnerPublicKey",
			    cJSON_CreateString(owner));
		} else {
			cJSON_AddStringToObject(answer, "encryptedAppKey",
			    client.enc_app_key);
			cJSON_AddStringToObject(answer, "appOwnerPublicKey",
			    owner);
		}
	}
	encrypt_answer(resp, srv, rq, tk.d, answer);
	if (binding)
		snprintf(resp->error, sizeof resp->error, "(bound)");
out:
	sb_client_clear(&client);
	ksmx_buf_clear(&tk_blob);
	ksmx_buf_clear(&tk);
	ksmx_buf_clear(&pt);
	ksmx_buf_clear(&sig);
	ksmx_buf_clear(&msg);
	ksmx_json_free(payload);
	ksmx_json_free(answer);
	free(owner);
}
