#include "config.h"

/*
 * What every write shares (write-int.h): the payload's common members,
 * values sealed for Keeper (ksm-protocol.md §5: std or url base64 as the
 * JS SDK sends each field), new UIDs, and reading per-item answers.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "write-int.h"
#include "json.h"

cJSON *
ksm_write__payload(struct ksm_client *c)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL ||
	    cJSON_AddStringToObject(o, "clientVersion", c->client_version) ==
	    NULL ||
	    cJSON_AddStringToObject(o, "clientId", c->client_id) == NULL) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int
ksm_write__send(struct ksm_client *c, const char *endpoint, cJSON *payload,
    struct ksmx_buf *plain, const char *const *uids, size_t n_uids)
{
	struct ksmx_buf ignored = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	char *text = NULL;
	int r;

	if (!c->have_app_key) {
		ksmx_json_free(payload);
		r = ksm__err(KSM_ECONFIG, "the client is not bound yet");
		ksm__err_hint("read once (keeper-secret list) to finish "
		    "binding, then write");
		return r;
	}
	text = payload != NULL ? ksmx_json_print(payload) : NULL;
	ksmx_json_free(payload);
	if (text == NULL)
		return ksm__err(KSM_ENOMEM, "cannot build the %s request",
		    endpoint);
	r = ksm_transport__call(c, endpoint, text, plain != NULL ? plain :
	    &ignored);
	ksmx_strfree(text);
	ksmx_buf_clear(&ignored);
	if (r == 0)
		(void)ksm_client__invalidate(c, uids, n_uids);
	else if (r == KSM_EACCESS)	/* for a write, most likely this */
		ksm__err_hint("the record or folder may be shared read-only: "
		    "share it with the application with \"Can Edit\" in the "
		    "Keeper vault");
	return r;
}

int
ksm_write__add_uids(cJSON *obj, const char *name, const char *const *uids,
    size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, name);
	size_t i;

	if (arr == NULL)
		return KSM_ENOMEM;
	for (i = 0; i < n; i++)
		if (uids[i] == NULL ||
		    !cJSON_AddItemToArray(arr, cJSON_CreateString(uids[i])))
			return KSM_ENOMEM;
	return 0;
}

int
ksm_write__add_sealed(cJSON *obj, const char *name, const uint8_t key[32],
    const void *pt, size_t n, int cbc, enum ksmx_b64_style style)
{
	struct ksmx_buf ct = KSMX_BUF_INIT(KSM_MAX_FILE + 1024);
	char *b64 = NULL;
	int r;

	r = cbc ? ksm_crypto__cbc_encrypt(&ct, key, pt, n) :
	    ksm_crypto__gcm_encrypt(&ct, key, pt, n);
	if (r == 0 && ((b64 = ksmx_b64_encode_str(ct.d, ct.len, style)) ==
	    NULL || cJSON_AddStringToObject(obj, name, b64) == NULL))
		r = KSM_ENOMEM;
	ksmx_buf_clear(&ct);
	free(b64);
	return r;
}

int
ksm_write__need_owner(struct ksm_client *c)
{
	const char *s = ksm_config__get(c->cfg, KSM_CFG_APP_OWNER_PUBLIC_KEY);
	unsigned char point[KSM_EC_POINT_LEN];

	if (s != NULL && ksmx_b64_decode_exact(point, sizeof(point), s) == 0)
		return 0;
	(void)ksm__err(KSM_ECONFIG, "the config has no usable "
	    "appOwnerPublicKey: records and files cannot be created");
	ksm__err_hint("the application was made by an old client (Web "
	    "Vault or Commander); bind again with a new one-time token");
	return KSM_ECONFIG;
}

int
ksm_write__add_for_owner(struct ksm_client *c, cJSON *obj, const char *name,
    const void *pt, size_t n)
{
	const char *s = ksm_config__get(c->cfg, KSM_CFG_APP_OWNER_PUBLIC_KEY);
	unsigned char point[KSM_EC_POINT_LEN];
	struct ksmx_buf ct = KSMX_BUF_INIT(1024);
	char *b64 = NULL;
	int r;

	if ((r = ksm_write__need_owner(c)) != 0)
		return r;
	(void)ksmx_b64_decode_exact(point, sizeof(point), s);
	if ((r = ksm_crypto__ecies_encrypt(&ct, point, pt, n)) != 0)
		r = ksm__err(r, "cannot encrypt for the application owner's "
		    "key");
	else if ((b64 = ksmx_b64_encode_str(ct.d, ct.len, KSMX_B64_STD)) ==
	    NULL || cJSON_AddStringToObject(obj, name, b64) == NULL)
		r = ksm__err(KSM_ENOMEM, "out of memory");
	ksmx_buf_clear(&ct);
	free(b64);
	return r;
}

int
ksm_write__new_uid(char out[KSM_UID_BUF], int file_uid)
{
	unsigned char b[16];
	char *s;
	int i, r;

	/* like the SDKs: up to 8 draws, then clear the top bit */
	for (i = 0; i < 8; i++) {
		if ((r = ksm_crypto__random(b, sizeof(b))) != 0)
			return ksm__err(r, "cannot make a UID");
		if (file_uid || (b[0] & 0xf8) != 0xf8)
			break;
	}
	if (!file_uid && (b[0] & 0xf8) == 0xf8)
		b[0] &= 0x7f;
	if ((s = ksmx_b64_encode_str(b, sizeof(b), KSMX_B64_URL)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	(void)snprintf(out, KSM_UID_BUF, "%s", s);
	free(s);
	return 0;
}

int
ksm_write__items(const struct ksmx_buf *plain, const char *list,
    const char *uid_key, const char *what, int not_found, size_t *n_ok)
{
	cJSON *root = plain->len > 0 ? ksmx_json_parse(plain->d, plain->len) :
	    NULL;
	const cJSON *it;
	const char *code, *uid;
	char m[160], u[64];
	int r = 0, e;

	*n_ok = 0;
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, list))) {
		ksmx_json_free(root);
		return ksm__err(KSM_EPROTO, "the answer to deleting %ss has no "
		    "\"%s\" list", what, list);
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, list)) {
		code = ksmx_json_str(it, "responseCode");
		if (code != NULL && strcmp(code, "ok") == 0) {
			(*n_ok)++;
			continue;
		}
		if (r != 0)
			continue;	/* the first refusal is the error */
		uid = ksmx_json_str(it, uid_key);
		ksm__printable(u, sizeof(u), uid);
		ksm__printable(m, sizeof(m), ksmx_json_str(it, "errorMessage"));
		if (code != NULL && strstr(code, "not_found") != NULL)
			e = not_found;
		else if (code != NULL && strcmp(code, "access_denied") == 0)
			e = KSM_EACCESS;
		else
			e = KSM_ESERVER;
		r = ksm__err(e, "Keeper did not delete %s '%s': %s%s%s", what,
		    u, code != NULL ? code : "(no code)", m[0] != '\0' ? ": " :
		    "", m);
		if (e == KSM_EACCESS)
			ksm__err_hint("share it with the application with "
			    "\"Can Edit\" in the Keeper vault");
		else if (e == not_found)
			ksm__err_hint("only what is shared with the "
			    "application can be deleted; check the UID");
	}
	ksmx_json_free(root);
	return r;
}

int
ksm_write__delete(struct ksm_client *c, const char *endpoint,
    const char *what, int not_found, const char *const *uids, size_t n,
    int force, size_t *n_ok)
{
	struct ksmx_buf plain = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	char key[32], list[32];
	cJSON *o;
	int r;

	*n_ok = 0;
	(void)snprintf(key, sizeof(key), "%sUids", what);
	(void)snprintf(list, sizeof(list), "%ss", what);
	if ((o = ksm_write__payload(c)) == NULL ||
	    ksm_write__add_uids(o, key, uids, n) != 0 ||
	    (force >= 0 && cJSON_AddBoolToObject(o, "forceDeletion",
	    force != 0) == NULL)) {
		ksmx_json_free(o);
		return ksm__err(KSM_ENOMEM, "out of memory");
	}
	key[strlen(key) - 1] = '\0';	/* the answer's "recordUid" */
	if ((r = ksm_write__send(c, endpoint, o, &plain, uids, n)) == 0)
		r = ksm_write__items(&plain, list, key, what, not_found, n_ok);
	ksmx_buf_clear(&plain);
	return r;
}
