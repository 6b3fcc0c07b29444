/*
 * File downloads: GET /files/<fileUid>?t=<token>.  The token (also the
 * upload form's, upload.c) is random and self-checking: url-b64(nonce(8)
 * || expiry(8, big-endian) || MAC(16)), MAC = HMAC-SHA256 under the
 * state's master secret and a purpose, so no table is kept.
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

#define TOKEN_LEN	32

static int
token_mac(const struct sb_server *srv, uint8_t mac[32], const char *purpose,
    const char *uid, const uint8_t head[16])
{
	char hex[33];
	int i;

	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", head[i]);
	return sb_state_derive(&srv->st, mac, purpose, uid, hex);
}

char *
sb_token_make(const struct sb_server *srv, const char *purpose,
    const char *uid, unsigned int ttl)
{
	uint8_t tok[TOKEN_LEN], mac[32];
	uint64_t exp = (uint64_t)time(NULL) + ttl;
	int i;

	if (ksm_crypto__random(tok, 8) != 0)
		return NULL;
	for (i = 0; i < 8; i++)
		tok[8 + i] = (uint8_t)(exp >> (56 - 8 * i));
	if (token_mac(srv, mac, purpose, uid, tok) != 0)
		return NULL;
	memcpy(tok + 16, mac, 16);
	return ksmx_b64_encode_str(tok, sizeof tok, KSMX_B64_URL);
}

int
sb_token_check(const struct sb_server *srv, const char *purpose,
    const char *uid, const char *token)
{
	uint8_t tok[TOKEN_LEN], mac[32];
	uint64_t exp = 0;
	int i;

	if (token == NULL || uid == NULL ||
	    ksmx_b64_decode_exact(tok, sizeof tok, token) != 0)
		return KSM_EACCESS;
	if (token_mac(srv, mac, purpose, uid, tok) != 0 ||
	    ksmx_memeq_ct(mac, tok + 16, 16) != 0)
		return KSM_EACCESS;
	for (i = 0; i < 8; i++)
		exp = (exp << 8) | tok[8 + i];
	if (exp < (uint64_t)time(NULL))
		return KSM_EACCESS;
	return 0;
}

char *
sb_files_url(const struct sb_server *srv, const char *file_uid)
{
	char *b64, *url = NULL;
	size_t len;

	if ((b64 = sb_token_make(srv, "file-url", file_uid,
	    SB_FILE_TOKEN_TTL)) == NULL)
		return NULL;
	len = strlen(srv->listen) + strlen(file_uid) + strlen(b64) + 32;
	if ((url = malloc(len)) != NULL)
		snprintf(url, len, "https://%s/files/%s?t=%s", srv->listen,
		    file_uid, b64);
	free(b64);
	return url;
}

int
sb_files_check(const struct sb_server *srv, const char *file_uid,
    const char *token)
{
	return sb_token_check(srv, "file-url", file_uid, token);
}

void
sb_files_serve(struct sb_server *srv, const char *file_uid,
    const char *token, struct sb_response *resp)
{
	struct ksmx_buf content = KSMX_BUF_INIT(SB_MAX_VAULT);
	const cJSON *rec, *file;
	const char *c;
	uint8_t fkey[32];

	snprintf(resp->client, sizeof resp->client, "-");
	if (sb_files_check(srv, file_uid, token) != 0) {
		sb_response_error(resp, srv, NULL, 403, "access_denied",
		    "The download link is invalid or expired");
		return;
	}
	if (sb_vault_find_file(&srv->vault, file_uid, &rec, &file) != 0) {
		sb_response_error(resp, srv, NULL, 404, "not_found",
		    "File not found");
		return;
	}
	c = ksmx_json_str(file, "content");
	if (c == NULL) {
		sb_response_error(resp, srv, NULL, 404, "not_found",
		    "The file has not been uploaded");
		return;
	}
	if (sb_key_file(&srv->st, fkey, rec, file, file_uid) != 0 ||
	    ksmx_b64_decode(&content, c, strlen(c)) != 0 ||
	    ksm_crypto__gcm_encrypt(&resp->body, fkey, content.d,
	    content.len) != 0) {
		ksmx_buf_clear(&resp->body);
		sb_response_error(resp, srv, NULL, 500, "internal_error",
		    "Unable to encrypt the file");
		goto out;
	}
	if (srv->fault == SB_FAULT_TAMPER && resp->body.len > 0)
		resp->body.d[resp->body.len / 2] ^= 0x01;
	resp->status = 200;
	resp->content_type = "application/octet-stream";
out:
	ksmx_wipe_array(fkey);
	ksmx_buf_clear(&content);
}
