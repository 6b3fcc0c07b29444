#include "config.h"

/*
 * One-time-token binding (ksm-protocol.md §3): a fresh key pair and a
 * config in memory, the binding get_secret (which carries our public key
 * and returns the application key wrapped with the token), then the config
 * is written atomically and a second get_secret is sent as the SDKs do.
 * Nothing is written unless the binding succeeded, and an existing config
 * of another device is never overwritten.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ksm-int.h"
#include "client-int.h"
#include "json.h"
#include "util/b64.h"

#define CLIENT_ID_MSG	"KEEPER_SECRETS_MANAGER_CLIENT_ID"
#define MAX_PKCS8	4096	/* bytes */

/* The binding request asks for a record UID that cannot exist. */
static const char *const no_records[] = { "AAAAAAAAAAAAAAAAAAAAAA" };

static const char *
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* clientId = std base64(HMAC-SHA512(key = token bytes, msg)), §1.7. */
static int
client_id_of(char **out, const unsigned char key[32])
{
	unsigned char mac[64];
	size_t mac_len = sizeof(mac);
	int r;

	*out = NULL;
	if ((r = ksm_crypto__hmac(mac, &mac_len, "SHA512", key, 32,
	    CLIENT_ID_MSG, strlen(CLIENT_ID_MSG))) != 0)
		return ksm__err_context(r, "cannot derive the client id");
	if ((*out = ksmx_b64_encode_str(mac, mac_len, KSMX_B64_STD)) == NULL)
		r = ksm__err(KSM_ENOMEM, "out of memory");
	ksmx_wipe_array(mac);
	return r;
}

static int
target_path(char **out, const ksm_client_options *opts)
{
	const char *p = nonempty(opts != NULL ? opts->config_path : NULL);

	if (p == NULL)
		p = ksm_config__env("KSM_CONFIG_FILE");
	if (p == NULL)
		return ksm_config__default_path(out);
	if ((*out = strdup(p)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	return 0;
}

/*
 * An existing config at path: 1 (and *same set to it) when it belongs to
 * the same device, 0 when there is none, KSM_EEXIST when it belongs to
 * another, or the error of reading it.
 */
static int
check_existing(const char *path, const char *client_id,
    struct ksm_config **same)
{
	struct ksm_config *old = NULL;
	const char *id;
	int r;

	*same = NULL;
	/* a file, or "keyring:PROFILE" (which must be reachable now) */
	if ((r = ksm_config__load_existing(&old, path)) != 0)
		return r;
	if (old == NULL)
		return 0;
	id = ksm_config__get(old, KSM_CFG_CLIENT_ID);
	if (id == NULL || strcmp(id, client_id) != 0) {
		ksm_config__free(old);
		(void)ksm__err(KSM_EEXIST, "'%s' already holds the "
		    "configuration of another device", path);
		ksm__err_hint("remove it first if it is no longer needed, or "
		    "bind to another file (--config)");
		return KSM_EEXIST;
	}
	*same = old;
	return 1;
}

/* The new device's config, in memory (not written yet). */
static int
build_config(struct ksm_config **out, const char *path, const char *host,
    const char *client_id, const struct ksm_token *tok,
    const ksm_client_options *opts)
{
	struct ksmx_buf der = KSMX_BUF_INIT(MAX_PKCS8);
	struct ksm_config *cfg = NULL;
	ksm_eckey *key = NULL;
	char *pk = NULL, *ck = NULL;
	const char *kid, *skey, *ca;
	int r;

	*out = NULL;
	if ((r = ksm_config__new(&cfg, path)) != 0)
		goto out;
	if ((r = ksm_eckey__generate(&key)) != 0 ||
	    (r = ksm_eckey__to_pkcs8(&der, key)) != 0) {
		r = ksm__err_context(r, "cannot create the device key "
		    "pair");
		goto out;
	}
	pk = ksmx_b64_encode_str(der.d, der.len, KSMX_B64_STD);
	ck = ksmx_b64_encode_str(tok->key, sizeof(tok->key), KSMX_B64_STD);
	if (pk == NULL || ck == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	kid = nonempty(opts != NULL ? opts->server_public_key_id : NULL);
	if (kid == NULL)
		kid = nonempty(tok->server_key_id);
	skey = nonempty(opts != NULL ? opts->server_public_key : NULL);
	if (skey == NULL)
		skey = nonempty(tok->server_key);
	ca = nonempty(opts != NULL ? opts->ca_file : NULL);
	if ((r = ksm_config__set(cfg, KSM_CFG_HOSTNAME, host)) != 0 ||
	    (r = ksm_config__set(cfg, KSM_CFG_CLIENT_ID, client_id)) != 0 ||
	    (r = ksm_config__set(cfg, KSM_CFG_CLIENT_KEY, ck)) != 0 ||
	    (r = ksm_config__set(cfg, KSM_CFG_PRIVATE_KEY, pk)) != 0 ||
	    (r = ksm_config__set(cfg, KSM_CFG_SERVER_PUBLIC_KEY_ID,
	    kid != NULL ? kid : "10")) != 0 ||
	    (skey != NULL && (r = ksm_config__set(cfg,
	    KSM_CFG_SERVER_PUBLIC_KEY, skey)) != 0) ||
	    (ca != NULL && (r = ksm_config__set(cfg, KSM_CFG_CA_FILE,
	    ca)) != 0)) {
		r = ksm__err(r, "cannot build the configuration");
		goto out;
	}
	*out = cfg;
	cfg = NULL;	/* transferred */
out:
	ksm_config__free(cfg);
	ksm_eckey__free(key);
	ksmx_buf_clear(&der);
	ksmx_strfree(pk);
	ksmx_strfree(ck);
	return r;
}

int
ksm_client__init_token(ksm_client **out, const ksm_client_options *opts,
    const char *token, const struct ksm_client_hooks *hooks)
{
	struct ksm_token tok;
	struct ksm_config *cfg = NULL;
	ksm_records *recs = NULL;
	ksm_client *c = NULL;
	char *path = NULL, *client_id = NULL;
	const char *host;
	int r;

	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	KSM_ASSERT_ARG(token != NULL);
	memset(&tok, 0, sizeof(tok));
	if ((r = ksm_token__parse(&tok, token)) != 0)
		goto out;
	/* the same precedence as every later request: opts, env, config */
	host = nonempty(opts != NULL ? opts->hostname : NULL);
	if (host == NULL)
		host = ksm_config__env("KSM_HOSTNAME");
	if (host == NULL)
		host = nonempty(tok.hostname);
	if (host == NULL) {
		r = ksm__err(KSM_ETOKEN, "the token has no region prefix; pass "
		    "--host");
		ksm__err_hint("prefix the token with its region (US:, EU:, "
		    "...) or name the server with --host or KSM_HOSTNAME");
		goto out;
	}
	if ((r = client_id_of(&client_id, tok.key)) != 0 ||
	    (r = target_path(&path, opts)) != 0)
		goto out;
	r = check_existing(path, client_id, &cfg);
	if (r < 0)
		goto out;
	if (r == 1 && nonempty(ksm_config__get(cfg,
	    KSM_CFG_APP_KEY)) != NULL) {
		/* this token already bound this device */
		r = ksm_client__from_config(out, cfg, opts, hooks);
		cfg = NULL;	/* transferred */
		goto out;
	}
	/* an unfinished bind of the same token is redone from scratch */
	ksm_config__free(cfg);
	cfg = NULL;

	if ((r = build_config(&cfg, path, host, client_id, &tok, opts)) != 0)
		goto out;
	r = ksm_client__from_config(&c, cfg, opts, hooks);
	cfg = NULL;	/* transferred */
	if (r != 0)
		goto out;
	c->binding = 1;		/* nothing is written until bound */
	if ((r = ksm_client_get_records(&recs, c, no_records, 1)) != 0)
		goto out;
	ksm_records_free(recs);
	recs = NULL;
	c->binding = 0;
	if ((r = ksm_config__save(c->cfg)) != 0)
		goto out;
	/* the SDKs confirm with a second request; its failure is not ours */
	if (ksm_client_get_records(&recs, c, no_records, 1) != 0)
		ksm_error_clear();
	ksm_records_free(recs);
	recs = NULL;
	*out = c;
	c = NULL;	/* transferred */
	r = 0;
out:
	ksm_token__clear(&tok);
	ksm_config__free(cfg);
	ksm_client_free(c);
	ksm_records_free(recs);
	ksmx_strfree(client_id);
	free(path);
	return r;
}

int
ksm_client_init_token(ksm_client **out, const ksm_client_options *opts,
    const char *token)
{
	return ksm_client__init_token(out, opts, token, NULL);
}

int
ksm_client__absorb_binding(struct ksm_client *c, const void *plain,
    size_t plain_len)
{
	struct ksmx_buf ak = KSMX_BUF_INIT(256);
	struct ksmx_buf ct = KSMX_BUF_INIT(4096);
	cJSON *root = NULL;
	const char *eak, *owner;
	char *ak_b64 = NULL;
	int r;

	if (c->have_app_key)
		return 0;
	root = plain_len > 0 ? ksmx_json_parse(plain, plain_len) : NULL;
	eak = nonempty(ksmx_json_str(root, "encryptedAppKey"));
	if (eak == NULL) {
		r = ksm__err(KSM_EPROTO, "'%s' did not send the application "
		    "key while binding", c->hostname);
		goto out;
	}
	if (!c->have_client_key) {
		r = ksm__err(KSM_ECONFIG, "the config has no clientKey to "
		    "unwrap the application key");
		goto out;
	}
	if (ksmx_b64_decode(&ct, eak, strlen(eak)) != 0 ||
	    ksm_crypto__gcm_decrypt(&ak, c->client_key, ct.d, ct.len) != 0 ||
	    ak.len != sizeof(c->app_key)) {
		r = ksm__err(KSM_ECRYPTO, "cannot unwrap the application key "
		    "sent by '%s' with the one-time token", c->hostname);
		ksm__err_hint("generate a new one-time token in the Keeper "
		    "vault");
		goto out;
	}
	if ((ak_b64 = ksmx_b64_encode_str(ak.d, ak.len, KSMX_B64_STD)) ==
	    NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = ksm_config__set(c->cfg, KSM_CFG_APP_KEY, ak_b64)) != 0) {
		r = ksm__err(r, "cannot store the application key");
		goto out;
	}
	owner = nonempty(ksmx_json_str(root, "appOwnerPublicKey"));
	if (owner != NULL && (r = ksm_config__set(c->cfg,
	    KSM_CFG_APP_OWNER_PUBLIC_KEY, owner)) != 0) {
		r = ksm__err(r, "cannot store the application owner's key");
		goto out;
	}
	ksm_config__del(c->cfg, KSM_CFG_CLIENT_KEY);
	memcpy(c->app_key, ak.d, sizeof(c->app_key));
	c->have_app_key = 1;
	ksmx_wipe_array(c->client_key);
	c->have_client_key = 0;
	r = 0;
	if (!c->binding && (ksm_config__path(c->cfg) != NULL ||
	    ksm_config__keyring(c->cfg) != NULL))
		r = ksm_config__save(c->cfg);
out:
	ksmx_strfree(ak_b64);
	ksmx_buf_clear(&ak);
	ksmx_buf_clear(&ct);
	ksmx_json_free(root);
	return r;
}
