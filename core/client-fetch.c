#include "config.h"

/*
 * What a client asks for: the get_secret payload, the binding answer,
 * records and folders (from keeper-agent, the cross-process cache or
 * Keeper, in that order), single records, file downloads.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "client-int.h"
#include "http.h"
#include "json.h"
#include "cache.h"
#include "util/b64.h"


char *
ksm_client__payload(struct ksm_client *c, const char *const *uids,
    size_t n_uids)
{
	unsigned char point[KSM_EC_POINT_LEN];
	ksm_eckey *key;
	cJSON *o = NULL, *arr;
	char *pub = NULL, *text = NULL;
	size_t i;

	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "clientVersion", c->client_version) ==
	    NULL ||
	    cJSON_AddStringToObject(o, "clientId", c->client_id) == NULL)
		goto out;
	if (!c->have_app_key) {
		if (ksm_client__key(c, &key) != 0 ||
		    ksm_eckey__public_point(point, key) != 0 ||
		    (pub = ksmx_b64_encode_str(point, sizeof(point),
		    KSMX_B64_STD)) == NULL ||
		    cJSON_AddStringToObject(o, "publicKey", pub) == NULL)
			goto out;
	}
	if (n_uids > 0) {
		if ((arr = cJSON_AddArrayToObject(o, "requestedRecords")) ==
		    NULL)
			goto out;
		for (i = 0; i < n_uids; i++)
			if (uids[i] == NULL || !cJSON_AddItemToArray(arr,
			    cJSON_CreateString(uids[i])))
				goto out;
	}
	text = ksmx_json_print(o);
out:
	ksmx_strfree(pub);
	ksmx_json_free(o);
	return text;
}

/*
 * get_secret / get_folders: send, map access_denied while unbound to
 * ETOKEN, absorb a binding answer; the decrypted body is left in plain.
 */
static int
net_fetch(struct ksm_client *c, const char *endpoint, const char *const *uids,
    size_t n_uids, struct ksmx_buf *plain)
{
	char *payload = NULL;
	ksm_eckey *key;
	int was_bound = c->have_app_key;
	int r;

	/* parsed now (the payload may carry its public key, the request is
	 * signed): a corrupt key is reported as such, not as ENOMEM */
	if ((r = ksm_client__key(c, &key)) != 0)
		return r;
	if ((payload = ksm_client__payload(c, uids, n_uids)) == NULL)
		return ksm__err(KSM_ENOMEM, "cannot build the request");
	r = ksm_transport__call(c, endpoint, payload, plain);
	ksmx_strfree(payload);
	if (r == 0) {
		ksm_cache_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.kind = KSM_CACHE_FETCHED;
		ev.endpoint = endpoint;
		ksm_cache__notify(c, &ev);
	}
	if (r == KSM_EACCESS && !was_bound) {
		r = ksm__err(KSM_ETOKEN, "one-time token rejected by '%s': "
		    "invalid, expired or already used", c->hostname);
		ksm__err_hint("generate a new one-time token in the Keeper "
		    "vault");
	}
	if (r == 0 && !was_bound)
		r = ksm_client__absorb_binding(c, plain->d, plain->len);
	return r;
}

/*
 * A bound client asks keeper-agent when one runs for this user
 * (agent-client.c), else goes through the cross-process cache (cache.c).
 */
int
ksm_client__fetch(struct ksm_client *c, const char *endpoint,
    const char *const *uids, size_t n_uids, struct ksmx_buf *plain,
    int *opened)
{
	int r;

	if (opened != NULL)
		*opened = 0;
	if (!c->have_app_key)
		return net_fetch(c, endpoint, uids, n_uids, plain);
	if ((r = ksm_agent__fetch(c, endpoint, uids, n_uids, plain,
	    opened)) != KSM_AGENT_UNUSED)
		return r;
	return ksm_cache__fetch(c, endpoint, uids, n_uids, plain, net_fetch);
}

int
ksm_client_get_records(ksm_records **out, ksm_client *c,
    const char *const *uids, size_t n_uids)
{
	struct ksmx_buf plain = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	int opened, r;

	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	KSM_ASSERT_ARG(c != NULL);
	KSM_ASSERT_ARG(n_uids == 0 || uids != NULL);
	if ((r = ksm_client__fetch(c, "get_secret", uids, n_uids, &plain,
	    &opened)) == 0)
		r = opened ? ksm_records__from_opened(out, &plain) :
		    ksm_records__from_response(out, c->app_key, &plain);
	ksmx_buf_clear(&plain);
	return r;
}

int
ksm_client_get_folders(ksm_folders **out, ksm_client *c)
{
	struct ksmx_buf plain = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	int r;

	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	KSM_ASSERT_ARG(c != NULL);
	if ((r = ksm_client__fetch(c, "get_folders", NULL, 0, &plain,
	    NULL)) == 0)
		r = ksm_folders__from_response(out, c->app_key, plain.d,
		    plain.len);
	ksmx_buf_clear(&plain);
	return r;
}

int
ksm_client_get_record(const ksm_record **out, ksm_records **holder,
    ksm_client *c, const char *uid)
{
	const ksm_record *rec;
	int r;

	KSM_ASSERT_ARG(out != NULL && holder != NULL);
	*out = NULL;
	*holder = NULL;
	KSM_ASSERT_ARG(c != NULL && uid != NULL);
	if ((r = ksm_client_get_records(holder, c, &uid, 1)) != 0)
		return r;
	if ((rec = ksm_records_find(*holder, uid)) == NULL) {
		if (ksm_records__is_bad(*holder, uid)) {
			r = ksm__err(KSM_ECRYPTO, "record '%.64s' could not be "
			    "decrypted", uid);
			ksm__err_hint("the record or its folder key may be "
			    "corrupt; re-share it with the application");
		} else {
			r = ksm__err(KSM_ENOTSHARED, "record '%.64s' is not "
			    "shared with this application (or does not "
			    "exist)", uid);
			ksm__err_hint("share the record (or its folder) with the "
			    "Secrets Manager application in the Keeper vault");
		}
		goto fail;
	}
	if (ksm_record_is_legacy(rec)) {
		r = ksm__err(KSM_ELEGACY, "record '%.64s' is a legacy (V2, "
		    "untyped) record", uid);
		ksm__err_hint("convert it to a typed record in the Keeper vault "
		    "(Commander: convert)");
		goto fail;
	}
	*out = rec;
	return 0;
fail:
	ksm_records_free(*holder);
	*holder = NULL;
	return r;
}

/* The bytes of pt, handed over (an empty file: a valid, freeable pointer). */
static int
take_bytes(struct ksmx_buf *pt, unsigned char **out, size_t *out_len)
{
	if (pt->len > 0)
		*out = ksmx_buf_take(pt, out_len);
	else if ((*out = calloc(1, 1)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	return 0;
}

static int download_direct(struct ksmx_buf *pt, ksm_client *c,
    const ksm_file *f);

int
ksm_client_download_file(unsigned char **out, size_t *out_len,
    ksm_client *c, const ksm_file *f)
{
	struct ksmx_buf pt = KSMX_BUF_INIT(KSM_MAX_FILE);
	const char *uid[1];
	int r;

	KSM_ASSERT_ARG(out != NULL && out_len != NULL);
	*out = NULL;
	*out_len = 0;
	KSM_ASSERT_ARG(c != NULL && f != NULL);
	/* keeper-agent downloads it once for every client, and holds it */
	uid[0] = ksm_file_uid(f);
	if (uid[0] == NULL || (r = ksm_agent__fetch(c, "download", uid, 1,
	    &pt, NULL)) == KSM_AGENT_UNUSED)
		r = download_direct(&pt, c, f);
	if (r == 0)
		r = take_bytes(&pt, out, out_len);
	ksmx_buf_clear(&pt);
	return r;
}

/* The file from its URL, decrypted into pt. */
static int
download_direct(struct ksmx_buf *pt, ksm_client *c, const ksm_file *f)
{
	struct ksmx_buf resp = KSMX_BUF_INIT(KSM_MAX_FILE + KSM_GCM_IV_LEN +
	    KSM_GCM_TAG_LEN);
	struct ksm_http_req req;
	const char *url;
	char host[256];
	long status = 0;
	size_t n;
	int r;

	url = ksm_file__url(f);
	if (url == NULL || url[0] == '\0')
		return ksm__err(KSM_EPROTO, "file '%.64s' has no download URL",
		    ksm_file_uid(f));
	/* host of the URL, for messages (never its signed query) */
	{
		const char *p = strstr(url, "://");

		p = p != NULL ? p + 3 : url;
		n = strcspn(p, "/?#");
		if (n >= sizeof(host))
			n = sizeof(host) - 1;
		memcpy(host, p, n);
		host[n] = '\0';
	}
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.ca_file = c->ca_file;
	req.connect_timeout_ms = c->connect_timeout_ms;
	req.timeout_ms = c->timeout_ms;
	req.timeout_is_stall = 1;	/* up to KSM_MAX_FILE: no total bound */
	if ((r = c->hooks.perform(c->hooks.perform_ctx, &req, &status,
	    &resp)) != 0) {
		if (r == KSM_ETOOBIG)
			r = ksm__err(r, "file '%.64s' is larger than %u bytes",
			    ksm_file_uid(f), KSM_MAX_FILE);
		goto out;
	}
	if (status != 200) {
		r = ksm__err(KSM_ESERVER, "HTTP %ld from '%s' downloading file "
		    "'%.64s'", status, host, ksm_file_uid(f));
		ksm__err_hint("the download link may have expired; fetch the "
		    "record again and retry");
		goto out;
	}
	if ((r = ksm_crypto__gcm_decrypt(pt, ksm_file__key(f), resp.d,
	    resp.len)) != 0)
		r = ksm__err(r == KSM_ETOOBIG ? r : KSM_ECRYPTO, "file '%.64s' "
		    "from '%s' could not be decrypted", ksm_file_uid(f), host);
out:
	ksmx_buf_clear(&resp);
	return r;
}

void
ksm_bytes_free(unsigned char *p, size_t len)
{
	ksmx_freezero(p, len);
}

void
ksm_secret_free(char *secret)
{
	ksmx_strfree(secret);
}
