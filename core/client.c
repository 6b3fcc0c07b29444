#include "config.h"

/*
 * A client from a config: keys, hostname, CA, server key, timeouts, the
 * default hooks; freeing.  What it asks Keeper is in client-fetch.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ksm-int.h"
#include "client-int.h"
#include "http.h"
#include "json.h"
#include "cache.h"
#include "util/b64.h"

#define DEFAULT_CONNECT_TIMEOUT_MS	10000u
#define DEFAULT_TIMEOUT_MS		30000u
#define DEFAULT_THROTTLE_WAIT_MS	30000u
#define DEFAULT_SERVER_KEY_ID		10
#define MAX_PKCS8			4096	/* bytes */

/* ---- default hooks ---- */

/*
 * ctx: the client, whose session (made here on the first request, so a
 * client that sends nothing never loads libcurl) keeps the connection for
 * the next request; NULL: a connection for this request only.
 */
static int
default_perform(void *ctx, const struct ksm_http_req *req, long *status,
    struct ksmx_buf *body)
{
	struct ksm_client *c = ctx;
	int r;

	if (c != NULL && (c->flags & KSM_CLIENT_CACHE_ONLY))
		return ksm__err(KSM_ENETWORK, "Keeper is not asked: this "
		    "client answers from the cache only");
	if (c == NULL)
		return ksm_http__perform(req, status, body);
	if (c->http == NULL && (r = ksm_http__session_new(&c->http)) != 0)
		return r;
	return ksm_http__perform_in(c->http, req, status, body);
}

static int
default_tk_source(void *ctx, void *out, size_t n)
{
	(void)ctx;
	return ksm_crypto__random(out, n);
}

static void
default_sleep(void *ctx, unsigned int ms)
{
	struct timespec ts, rem;

	(void)ctx;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) != 0 && errno == EINTR)
		ts = rem;
}

void
ksm_client__default_hooks(struct ksm_client_hooks *h)
{
	if (h->perform == NULL) {
		h->perform = default_perform;
		h->perform_ctx = NULL;
	}
	if (h->tk_source == NULL) {
		h->tk_source = default_tk_source;
		h->tk_ctx = NULL;
	}
	if (h->sleep == NULL) {
		h->sleep = default_sleep;
		h->sleep_ctx = NULL;
	}
}

/* ---- construction ---- */

static const char *
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* Environment (ignored in set-id programs such as a PAM host). */
static const char *
env(const char *name)
{
	return nonempty(secure_getenv(name));
}

/* The first non-empty of: the option, $name, the config's key. */
static const char *
setting(const char *opt, const char *name, const struct ksm_config *cfg,
    const char *key)
{
	const char *s;

	if ((s = nonempty(opt)) == NULL && (s = env(name)) == NULL)
		s = nonempty(ksm_config__get(cfg, key));
	return s;
}

/*
 * A hostname slot may hold a region code (US, EU, ...), host[:port], or a
 * URL (only its host[:port] is kept).  Returns a malloc'd string or NULL.
 */
static char *
host_normalise(const char *in)
{
	const char *region = ksm_region__hostname(in);
	const char *p;
	size_t n;
	char *out;

	if (region != NULL)
		return strdup(region);
	p = strstr(in, "://");
	p = p != NULL ? p + 3 : in;
	n = strcspn(p, "/?#");
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

/* Decimal number (no sign, no garbage) into *out; -1 when invalid. */
static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long n = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (unsigned long)(*s - '0');
		if (n > max)
			return -1;
	}
	*out = n;
	return 0;
}

static int
bad_private_key(void)
{
	(void)ksm__err(KSM_ECONFIG, "privateKey in the config is not a base64 "
	    "PKCS#8 P-256 key");
	ksm__err_hint("the config is corrupt; bind again with a one-time "
	    "token (keeper-secret init)");
	return KSM_ECONFIG;
}

/*
 * The private key is parsed on its first use, not here: a client that
 * the agent or the cache answers never signs, and parsing it is what
 * would load libcrypto.  Its DER waits in c->key_der; only what needs no
 * cryptography (base64, a DER SEQUENCE, the size) is checked now.
 */
static int
load_keys(struct ksm_client *c)
{
	struct ksmx_buf *der = &c->key_der;
	struct ksmx_buf ck = KSMX_BUF_INIT(256);
	const char *pk = nonempty(ksm_config__get(c->cfg, KSM_CFG_PRIVATE_KEY));
	const char *ak = nonempty(ksm_config__get(c->cfg, KSM_CFG_APP_KEY));
	const char *cks = nonempty(ksm_config__get(c->cfg, KSM_CFG_CLIENT_KEY));
	int r;

	if (pk == NULL) {
		r = ksm__err(KSM_ECONFIG, "the config has no privateKey");
		ksm__err_hint("bind again with a one-time token "
		    "(keeper-secret init)");
		goto out;
	}
	*der = (struct ksmx_buf)KSMX_BUF_INIT(MAX_PKCS8);
	if (ksmx_b64_decode(der, pk, strlen(pk)) != 0 || der->len == 0 ||
	    der->d[0] != 0x30) {	/* a DER SEQUENCE */
		r = bad_private_key();
		goto out;
	}
	if (ak != NULL) {
		if (ksmx_b64_decode_exact(c->app_key, sizeof(c->app_key),
		    ak) != 0) {
			r = ksm__err(KSM_ECONFIG, "appKey in the config is not "
			    "32 bytes of base64");
			ksm__err_hint("the config is corrupt; bind again with a "
			    "one-time token (keeper-secret init)");
			goto out;
		}
		c->have_app_key = 1;
	} else if (cks != NULL) {
		if (ksmx_b64_decode(&ck, cks, strlen(cks)) != 0 ||
		    ck.len != sizeof(c->client_key)) {
			r = ksm__err(KSM_ECONFIG, "clientKey in the config is "
			    "not 32 bytes of base64");
			ksm__err_hint("bind again with a new one-time token "
			    "(keeper-secret init)");
			goto out;
		}
		memcpy(c->client_key, ck.d, sizeof(c->client_key));
		c->have_client_key = 1;
	} else {
		r = ksm__err(KSM_ECONFIG, "the config has neither appKey nor "
		    "clientKey");
		ksm__err_hint("bind again with a one-time token "
		    "(keeper-secret init)");
		goto out;
	}
	r = 0;
out:
	ksmx_buf_clear(&ck);
	return r;
}

int
ksm_client__key(struct ksm_client *c, ksm_eckey **out)
{
	int r;

	*out = NULL;
	if (c->key == NULL) {
		/* not "corrupt" when it is libcrypto that is missing */
		if ((r = ksm_crypto__load()) != 0)
			return r;
		if (ksm_eckey__from_pkcs8(&c->key, c->key_der.d,
		    c->key_der.len) != 0)
			return bad_private_key();
		ksmx_buf_clear(&c->key_der);
	}
	*out = c->key;
	return 0;
}

static int
bad_server_key(void)
{
	(void)ksm__err(KSM_ECONFIG, "serverPublicKey is not a base64 P-256 "
	    "point");
	ksm__err_hint("fix serverPublicKey in the config");
	return KSM_ECONFIG;
}

int
ksm_client__server_point(struct ksm_client *c, const unsigned char **out)
{
	ksm_eckey *pub = NULL;
	int r;

	*out = NULL;
	if (!c->server_point_checked) {
		if ((r = ksm_crypto__load()) != 0)
			return r;
		if (ksm_eckey__from_public(&pub, c->server_point) != 0)
			return bad_server_key();
		ksm_eckey__free(pub);
		c->server_point_checked = 1;
	}
	*out = c->server_point;
	return 0;
}

static int
load_server_key(struct ksm_client *c, const ksm_client_options *opts)
{
	const char *ids = nonempty(opts != NULL ? opts->server_public_key_id :
	    NULL);
	const char *key = nonempty(opts != NULL ? opts->server_public_key :
	    NULL);
	unsigned long id = DEFAULT_SERVER_KEY_ID;

	if (ids == NULL)
		ids = nonempty(ksm_config__get(c->cfg,
		    KSM_CFG_SERVER_PUBLIC_KEY_ID));
	if (key == NULL)
		key = nonempty(ksm_config__get(c->cfg,
		    KSM_CFG_SERVER_PUBLIC_KEY));
	if (ids != NULL && parse_uint(ids, 100000, &id) != 0) {
		(void)ksm__err(KSM_ECONFIG, "serverPublicKeyId '%.20s' is not a "
		    "number", ids);
		ksm__err_hint("fix serverPublicKeyId in the config (Keeper's "
		    "default is 10)");
		return KSM_ECONFIG;
	}
	c->server_key_id = (int)id;
	if (key != NULL) {
		/* on the curve: checked on first use (ksm_client__server_point) */
		if (ksmx_b64_decode_exact(c->server_point,
		    sizeof(c->server_point), key) != 0 ||
		    c->server_point[0] != 0x04)
			return bad_server_key();
		c->have_custom_server_key = 1;
		return 0;
	}
	c->server_point_checked = 1;	/* the built-in table's */
	/* like Python: an id not in the table falls back to the default */
	if (ksm_server_key__lookup(c->server_point, c->server_key_id) != 0) {
		c->server_key_id = DEFAULT_SERVER_KEY_ID;
		if (ksm_server_key__lookup(c->server_point,
		    c->server_key_id) != 0)
			return ksm__err(KSM_ERROR, "the built-in server key "
			    "table lacks key id %d", DEFAULT_SERVER_KEY_ID);
	}
	return 0;
}

int
ksm_client__from_config(ksm_client **out, struct ksm_config *cfg,
    const ksm_client_options *opts, const struct ksm_client_hooks *hooks)
{
	struct ksm_client *c = NULL;
	const char *s;
	unsigned long ul;
	int r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		ksm_config__free(cfg);
		return ksm__err(KSM_ENOMEM, "out of memory");
	}
	c->cfg = cfg;	/* transferred */
	if (hooks != NULL)
		c->hooks = *hooks;
	ksm_client__default_hooks(&c->hooks);
	if (c->hooks.perform == default_perform && c->hooks.perform_ctx == NULL)
		c->hooks.perform_ctx = c;	/* its own session */

	if ((r = load_keys(c)) != 0)
		goto out;
	if ((s = nonempty(ksm_config__get(cfg, KSM_CFG_CLIENT_ID))) == NULL) {
		r = ksm__err(KSM_ECONFIG, "the config has no clientId");
		ksm__err_hint("bind again with a one-time token "
		    "(keeper-secret init)");
		goto out;
	}
	if ((c->client_id = strdup(s)) == NULL)
		goto nomem;

	s = setting(opts != NULL ? opts->hostname : NULL, "KSM_HOSTNAME", cfg,
	    KSM_CFG_HOSTNAME);
	if (s == NULL) {
		r = ksm__err(KSM_ECONFIG, "the config has no hostname");
		ksm__err_hint("set hostname in the config, KSM_HOSTNAME or "
		    "--host");
		goto out;
	}
	if ((c->hostname = host_normalise(s)) == NULL)
		goto nomem;
	if (c->hostname[0] == '\0') {
		r = ksm__err(KSM_ECONFIG, "the hostname '%.100s' is empty", s);
		goto out;
	}

	s = setting(opts != NULL ? opts->ca_file : NULL, "KSM_CA_FILE", cfg,
	    KSM_CFG_CA_FILE);
	if (s != NULL && (c->ca_file = strdup(s)) == NULL)
		goto nomem;

	if ((r = load_server_key(c, opts)) != 0)
		goto out;

	s = (env("KSM_CLIENT_VERSION"));
	if ((c->client_version = strdup(s != NULL ? s :
	    KSM_CLIENT_VERSION_DEFAULT)) == NULL)
		goto nomem;

	c->connect_timeout_ms = opts != NULL && opts->connect_timeout_ms != 0 ?
	    opts->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
	c->timeout_ms = opts != NULL && opts->timeout_ms != 0 ?
	    opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	c->max_throttle_wait_ms = DEFAULT_THROTTLE_WAIT_MS;
	if (opts != NULL && opts->max_throttle_wait_ms != 0)
		c->max_throttle_wait_ms = opts->max_throttle_wait_ms;
	else if (parse_uint(env("KSM_MAX_THROTTLE_WAIT_MS"), 86400000UL,
	    &ul) == 0)
		c->max_throttle_wait_ms = (unsigned int)ul;	/* 0: fail at once */
	c->flags = opts != NULL ? opts->flags : 0;
	ksm_cache__settings(&c->cache_ttl_ms, &c->cache_max_age_ms);
	/* recorded exchanges (test hooks) never meet the cache unless asked */
	if (hooks != NULL && hooks->perform != NULL) {
		c->cache_ttl_ms = 0;
		c->flags |= KSM_CLIENT_NO_AGENT;
	}
	*out = c;
	return 0;
nomem:
	r = ksm__err(KSM_ENOMEM, "out of memory");
out:
	ksm_client_free(c);
	return r;
}

int
ksm_client__new(ksm_client **out, const ksm_client_options *opts,
    const struct ksm_client_hooks *hooks)
{
	struct ksm_config *cfg = NULL;
	int r;

	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	if ((r = ksm_config__load(&cfg, opts != NULL ? opts->config_path : NULL,
	    opts != NULL ? opts->config_string : NULL)) != 0)
		return r;
	return ksm_client__from_config(out, cfg, opts, hooks);
}

int
ksm_client_new(ksm_client **out, const ksm_client_options *opts)
{
	return ksm_client__new(out, opts, NULL);
}

void
ksm_client_free(ksm_client *c)
{
	if (c == NULL)
		return;
	ksm_config__free(c->cfg);
	ksm_eckey__free(c->key);
	ksmx_buf_clear(&c->key_der);
	ksmx_strfree(c->hostname);
	ksmx_strfree(c->ca_file);
	ksmx_strfree(c->client_id);
	ksmx_strfree(c->client_version);
	ksm_http__session_free(c->http);
	ksmx_freezero(c, sizeof(*c));	/* app_key, client_key */
}

const char *
ksm_client_config_path(const ksm_client *c)
{
	return c != NULL ? ksm_config__path(c->cfg) : NULL;
}
