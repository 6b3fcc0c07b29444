/*
 * The device registry, DIR/clients.json (0600), guarded by flock on
 * DIR/clients.lock and re-read on every request, so tokens minted by
 * `keeper-sandbox token` are seen by a running server.
 *
 * {"applications": {"NAME": {"appKey": "<std b64>"}},
 *  "clients": [{"clientId", "app", "encryptedAppKey", "publicKey": null|b64,
 *               "created": ms, "bound": ms|null}]}
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <unistd.h>

#include "ksm/error.h"
#include "json.h"
#include "util/b64.h"
#include "util/wipe.h"
#include "sandbox.h"

#define CLIENT_ID_TAG	"KEEPER_SECRETS_MANAGER_CLIENT_ID"

char *
sb_client_id(const uint8_t *token, size_t len)
{
	uint8_t mac[64];
	size_t mac_len = 0;
	char *id;

	if (ksm_crypto__hmac(mac, &mac_len, "SHA512", token, len,
	    CLIENT_ID_TAG, strlen(CLIENT_ID_TAG)) != 0 || mac_len != 64)
		return NULL;
	id = ksmx_b64_encode_str(mac, mac_len, KSMX_B64_STD);
	ksmx_wipe_array(mac);
	return id;
}

static double
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec * 1000.0 + (double)(tv.tv_usec / 1000);
}

/* Open and flock the lock file; returns the fd or a negative code. */
static int
reg_lock(const struct sb_state *st, int how)
{
	char *path = sb_state_path(st, "clients.lock");
	int fd;

	if (path == NULL)
		return KSM_ENOMEM;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0)
		return KSM_EIO;
	if (flock(fd, how) != 0) {
		close(fd);
		return KSM_EIO;
	}
	return fd;
}

static int
reg_read(const struct sb_state *st, cJSON **out)
{
	struct ksmx_buf b = KSMX_BUF_INIT(SB_MAX_REGISTRY);
	char *path = sb_state_path(st, "clients.json");
	cJSON *root = NULL;
	int r;

	if (path == NULL)
		return KSM_ENOMEM;
	r = sb_file_read(&b, path, SB_MAX_REGISTRY);
	free(path);
	if (r == KSM_ENOTFOUND) {
		root = cJSON_CreateObject();
		r = 0;
	} else if (r == 0) {
		root = ksmx_json_parse(b.d, b.len);
		if (root == NULL)
			r = KSM_ECONFIG;
	}
	ksmx_buf_clear(&b);
	if (r != 0)
		return r;
	if (root == NULL)
		return KSM_ENOMEM;
	if (!cJSON_IsObject(root)) {
		ksmx_json_free(root);
		return KSM_ECONFIG;
	}
	if (!cJSON_IsObject(cJSON_GetObjectItem(root, "applications")))
		cJSON_AddItemToObject(root, "applications",
		    cJSON_CreateObject());
	if (!cJSON_IsArray(cJSON_GetObjectItem(root, "clients")))
		cJSON_AddItemToObject(root, "clients", cJSON_CreateArray());
	*out = root;
	return 0;
}

static int
reg_write(const struct sb_state *st, const cJSON *root)
{
	char *path = sb_state_path(st, "clients.json");
	char *text = cJSON_Print(root);
	int r = KSM_ENOMEM;

	if (path != NULL && text != NULL)
		r = sb_file_write(path, text, strlen(text), 0600);
	free(path);
	ksmx_strfree(text);
	return r;
}

static cJSON *
find_client(const cJSON *root, const char *client_id)
{
	cJSON *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "clients")) {
		const char *id = ksmx_json_str(c, "clientId");

		if (id != NULL && strcmp(id, client_id) == 0)
			return c;
	}
	return NULL;
}

/*
 * Lock the registry (LOCK_SH or LOCK_EX), read it and find client_id in
 * it.  Whatever happens, *fd (a lock when >= 0) and *root are the
 * caller's to close and free.
 */
static int
reg_open_client(const struct sb_state *st, int how, const char *client_id,
    int *fd, cJSON **root, cJSON **c)
{
	int r;

	if ((*fd = reg_lock(st, how)) < 0)
		return *fd;
	if ((r = reg_read(st, root)) != 0)
		return r;
	if ((*c = find_client(*root, client_id)) == NULL)
		return KSM_ENOTFOUND;
	return 0;
}

/* The app key of name, created when create is set. */
static int
app_key(cJSON *root, const char *name, int create, uint8_t key[32])
{
	cJSON *apps = cJSON_GetObjectItem(root, "applications");
	cJSON *app = cJSON_GetObjectItemCaseSensitive(apps, name);
	char *b64;

	if (app != NULL)
		return ksmx_b64_decode_exact(key, 32, ksmx_json_str(app,
		    "appKey")) != 0 ? KSM_ECONFIG : 0;
	if (!create)
		return KSM_ENOTFOUND;
	if (ksm_crypto__random(key, 32) != 0)
		return KSM_ECRYPTO;
	if ((b64 = ksmx_b64_encode_str(key, 32, KSMX_B64_STD)) == NULL)
		return KSM_ENOMEM;
	app = cJSON_AddObjectToObject(apps, name);
	if (app == NULL || cJSON_AddStringToObject(app, "appKey",
	    b64) == NULL) {
		ksmx_strfree(b64);
		return KSM_ENOMEM;
	}
	ksmx_strfree(b64);
	return 0;
}

int
sb_registry_mint(const struct sb_state *st, const char *app,
    char **token_out)
{
	struct ksmx_buf enc = KSMX_BUF_INIT(256);
	uint8_t token[32], key[32];
	char *id = NULL, *enc_b64 = NULL, *tok = NULL;
	cJSON *root = NULL, *c;
	int fd, r;

	*token_out = NULL;
	if ((fd = reg_lock(st, LOCK_EX)) < 0)
		return fd;
	if ((r = reg_read(st, &root)) != 0 ||
	    (r = app_key(root, app, 1, key)) != 0)
		goto out;
	/* the token wraps the app key: GCM(token, appKey) */
	if ((r = ksm_crypto__random(token, sizeof token)) != 0 ||
	    (r = ksm_crypto__gcm_encrypt(&enc, token, key, sizeof key)) != 0)
		goto out;
	r = KSM_ENOMEM;
	if ((id = sb_client_id(token, sizeof token)) == NULL ||
	    (enc_b64 = ksmx_b64_encode_str(enc.d, enc.len,
	    KSMX_B64_STD)) == NULL ||
	    (tok = ksmx_b64_encode_str(token, sizeof token,
	    KSMX_B64_URL)) == NULL)
		goto out;
	if ((c = cJSON_CreateObject()) == NULL)
		goto out;
	cJSON_AddItemToArray(cJSON_GetObjectItem(root, "clients"), c);
	if (cJSON_AddStringToObject(c, "clientId", id) == NULL ||
	    cJSON_AddStringToObject(c, "app", app) == NULL ||
	    cJSON_AddStringToObject(c, "encryptedAppKey", enc_b64) == NULL ||
	    cJSON_AddNullToObject(c, "publicKey") == NULL ||
	    cJSON_AddNumberToObject(c, "created", now_ms()) == NULL ||
	    cJSON_AddNullToObject(c, "bound") == NULL)
		goto out;
	if ((r = reg_write(st, root)) != 0)
		goto out;
	*token_out = tok;
	tok = NULL;
out:
	close(fd);
	ksmx_wipe_array(token);
	ksmx_wipe_array(key);
	ksmx_buf_clear(&enc);
	free(id);
	ksmx_strfree(enc_b64);
	ksmx_strfree(tok);
	ksmx_json_free(root);
	return r;
}

int
sb_registry_lookup(const struct sb_state *st, const char *client_id,
    struct sb_client *out)
{
	cJSON *root = NULL, *c;
	const char *pub, *app, *enc;
	int fd = -1, r;

	memset(out, 0, sizeof *out);
	if ((r = reg_open_client(st, LOCK_SH, client_id, &fd, &root,
	    &c)) != 0)
		goto out;
	app = ksmx_json_str(c, "app");
	enc = ksmx_json_str(c, "encryptedAppKey");
	pub = ksmx_json_str(c, "publicKey");
	if (app == NULL || enc == NULL) {
		r = KSM_ECONFIG;
		goto out;
	}
	if ((r = app_key(root, app, 0, out->app_key)) != 0)
		goto out;
	if (pub != NULL) {
		if (ksmx_b64_decode_exact(out->pub, sizeof out->pub, pub)) {
			r = KSM_ECONFIG;
			goto out;
		}
		out->bound = 1;
	}
	r = KSM_ENOMEM;
	if ((out->app = strdup(app)) == NULL ||
	    (out->enc_app_key = strdup(enc)) == NULL)
		goto out;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	ksmx_json_free(root);
	if (r != 0)
		sb_client_clear(out);
	return r;
}

int
sb_registry_bind(const struct sb_state *st, const char *client_id,
    const uint8_t pub[KSM_EC_POINT_LEN])
{
	uint8_t old[KSM_EC_POINT_LEN];
	cJSON *root = NULL, *c;
	const char *cur;
	char *b64 = NULL;
	int fd = -1, r;

	if ((r = reg_open_client(st, LOCK_EX, client_id, &fd, &root,
	    &c)) != 0)
		goto out;
	if ((cur = ksmx_json_str(c, "publicKey")) != NULL) {
		/* already bound (maybe by a concurrent request) */
		if (ksmx_b64_decode_exact(old, sizeof old, cur) != 0 ||
		    memcmp(old, pub, sizeof old) != 0)
			r = KSM_EEXIST;
		goto out;
	}
	if ((b64 = ksmx_b64_encode_str(pub, KSM_EC_POINT_LEN,
	    KSMX_B64_STD)) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	cJSON_ReplaceItemInObject(c, "publicKey", cJSON_CreateString(b64));
	cJSON_ReplaceItemInObject(c, "bound", cJSON_CreateNumber(now_ms()));
	r = reg_write(st, root);
out:
	if (fd >= 0)
		close(fd);
	free(b64);
	ksmx_json_free(root);
	return r;
}

void
sb_client_clear(struct sb_client *c)
{
	free(c->app);
	free(c->enc_app_key);
	ksmx_wipe(c, sizeof *c);
}
