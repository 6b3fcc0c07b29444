/* The client object shared by client.c, bind.c, transport.c and records.c. */
#ifndef KSM_CLIENT_INT_H
#define KSM_CLIENT_INT_H

#include "ksm-int.h"
#include "ksm-config.h"
#include "crypto.h"

struct ksm_http_req;
struct ksm_http_session;

/*
 * Seams for the recorded-exchange replay and the error-mapping tests.  The
 * defaults are ksm_http__perform_in (on the client's own session, so one
 * connection serves all its requests; ksm_http__perform when perform_ctx
 * is NULL), ksm_crypto__random and nanosleep.
 */
typedef int	(*ksm_perform_fn)(void *ctx, const struct ksm_http_req *req,
		    long *status, struct ksmx_buf *body);
typedef int	(*ksm_tk_source_fn)(void *ctx, void *out, size_t n);
typedef void	(*ksm_sleep_fn)(void *ctx, unsigned int ms);

struct ksm_client_hooks {
	ksm_perform_fn	 perform;	/* NULL: default */
	void		*perform_ctx;
	ksm_tk_source_fn tk_source;	/* NULL: default */
	void		*tk_ctx;
	ksm_sleep_fn	 sleep;		/* NULL: default */
	void		*sleep_ctx;
};

struct ksm_client {
	struct ksm_config *cfg;		/* owned */
	ksm_eckey	*key;		/* NULL until ksm_client__key(), owned */
	struct ksmx_buf	 key_der;	/* the privateKey's DER until then */
	unsigned char	 app_key[32];
	int		 have_app_key;
	unsigned char	 client_key[32];	/* only while unbound */
	int		 have_client_key;
	char		*hostname;	/* host[:port], owned */
	char		*ca_file;	/* NULL: system store */
	char		*client_id;	/* std base64 */
	char		*client_version;
	int		 server_key_id;
	unsigned char	 server_point[65];	/* selected server key */
	int		 server_point_checked;	/* on the curve */
	int		 have_custom_server_key;
	unsigned int	 connect_timeout_ms;
	unsigned int	 timeout_ms;
	unsigned int	 max_throttle_wait_ms;
	unsigned int	 flags;
	int		 binding;	/* do not persist config changes yet */
	struct ksm_client_hooks hooks;	/* always filled in (defaults) */
	/* the cross-process cache (cache.c); ttl 0: off */
	unsigned int	 cache_ttl_ms;
	unsigned int	 cache_max_age_ms;
	void		(*cache_notify)(void *ctx, const ksm_cache_event *ev);
	void		*cache_notify_ctx;
	/* the default perform hook's connection; NULL until its first use */
	struct ksm_http_session *http;
};

/*
 * The client's private key, parsed from the config on first use (a client
 * the agent or the cache answers never loads libcrypto): 0, or KSM_ECONFIG
 * (the key is corrupt) or KSM_ECRYPTO (libcrypto is missing), with the
 * message set.  The key stays owned by c.
 */
int	ksm_client__key(struct ksm_client *c, ksm_eckey **out);
/*
 * The server public key requests are encrypted to (a custom one is
 * checked on the curve on first use): 0, or KSM_ECONFIG / KSM_ECRYPTO
 * with the message set.
 */
int	ksm_client__server_point(struct ksm_client *c,
	    const unsigned char **out);

/* Fill NULL hooks with the defaults. */
void	ksm_client__default_hooks(struct ksm_client_hooks *h);

/*
 * ksm_client_new() / ksm_client_init_token() with test hooks (NULL: the
 * defaults).  The public functions call these.
 */
int	ksm_client__new(ksm_client **out, const ksm_client_options *opts,
	    const struct ksm_client_hooks *hooks);
int	ksm_client__init_token(ksm_client **out, const ksm_client_options *opts,
	    const char *token, const struct ksm_client_hooks *hooks);
/* Build a client from a loaded config (takes ownership of cfg). */
int	ksm_client__from_config(ksm_client **out, struct ksm_config *cfg,
	    const ksm_client_options *opts, const struct ksm_client_hooks *hooks);
/*
 * If the decrypted get_secret response carries encryptedAppKey (binding),
 * unwrap it with the client key, store appKey/appOwnerPublicKey in the
 * config, delete clientKey and save (unless c->binding).  0 when there was
 * nothing to do.
 */
int	ksm_client__absorb_binding(struct ksm_client *c, const void *plain,
	    size_t plain_len);

/*
 * One API call: build the transmission key, encrypt and sign payload_json,
 * POST to https://host/api/rest/sm/v1/<endpoint>, handle `key` rotation
 * and throttling, map errors to ksm codes with messages, and on success
 * leave the decrypted body (possibly empty) in *plain.
 */
int	ksm_transport__call(struct ksm_client *c, const char *endpoint,
	    const char *payload_json, struct ksmx_buf *plain);

/*
 * The decrypted body of a get_secret / get_folders answer for uids, from
 * keeper-agent, the cross-process cache or Keeper, as the flags allow.
 * *opened (NULL: the caller takes Keeper's form only, and the agent is
 * not asked for get_secret) is set when the body is a get_secret answer
 * in the opened form (records-opened.c), else cleared.
 */
int	ksm_client__fetch(struct ksm_client *c, const char *endpoint,
	    const char *const *uids, size_t n_uids, struct ksmx_buf *plain,
	    int *opened);

/*
 * One HTTPS request through c's perform hook with c's CA file and
 * timeouts (body NULL: GET; stall: the timeout bounds a stall, not the
 * whole transfer).  Errors as ksm_http__perform().
 */
int	ksm_transport__perform(struct ksm_client *c, const char *url,
	    const char *const *headers, const void *body, size_t body_len,
	    int stall, long *status, struct ksmx_buf *resp);

/* Build the get_secret payload (with publicKey while unbound). */
char	*ksm_client__payload(struct ksm_client *c,
	    const char *const *uids, size_t n_uids);

/*
 * Decrypt a get_secret response into a record set (records-decrypt.c).  plain is
 * wiped and emptied as soon as it is parsed, whatever the result.
 */
struct ksmx_buf;
int	ksm_records__from_response(ksm_records **out, const unsigned char *app_key,
	    struct ksmx_buf *plain);

/*
 * The opened form of a record set (records-opened.c): what keeper-agent
 * serves, records with their data and keys in the clear.  to_opened
 * appends it to out; from_opened loads it (plain is wiped and emptied).
 */
int	ksm_records__to_opened(const ksm_records *set, struct ksmx_buf *out);
int	ksm_records__from_opened(ksm_records **out, struct ksmx_buf *plain);

/* Decrypt a get_folders response into a folder set (records-folders.c). */
int	ksm_folders__from_response(ksm_folders **out, const unsigned char *app_key,
	    const void *plain, size_t plain_len);

/*
 * Internal: the record JSON parsed anew (the set keeps text only); the
 * caller frees it with ksmx_json_free().  NULL: out of memory.
 */
struct cJSON;
struct cJSON *ksm_record__parse(const ksm_record *r);
const unsigned char *ksm_file__key(const ksm_file *f);	/* 32 bytes */
const unsigned char *ksm_record__key(const ksm_record *r);	/* 32 bytes */
const char *ksm_file__url(const ksm_file *f);
/* A folder's own key (32 bytes), and the shared folder above it (NULL
 * when a parent is missing from the set). */
const unsigned char *ksm_folder__key(const ksm_folder *f);
const ksm_folder *ksm_folders__root(const ksm_folders *set,
	    const ksm_folder *f);
/*
 * Every write calls this after Keeper accepted it (and after a refusal
 * that shows the cached data is stale): drop the cached answers the
 * change to uids (records or folders) made stale.  The thread's last
 * error is left as it was.  Returns 0 or the cache's error.
 */
int	ksm_client__invalidate(struct ksm_client *c, const char *const *uids,
	    size_t n_uids);

/* Non-zero when uid was in the response but could not be decrypted. */
int	ksm_records__is_bad(const ksm_records *set, const char *uid);

/*
 * The resident session (agent-client.c, docs/agent-protocol.md).
 * ksm_agent__fetch: 0 with the answer in plain (get_secret's in the opened
 * form; the caller must take it: opened not NULL; endpoint "download",
 * one file UID: the attachment's bytes), a KSM_E* code the agent
 * met at Keeper, or KSM_AGENT_UNUSED: no (trustworthy) agent answered and
 * the caller goes to Keeper itself.  ksm_agent__invalidate: tell a running
 * agent that this config's answers (uids, or all) are stale; best effort.
 */
#define KSM_AGENT_UNUSED	1
int	ksm_agent__fetch(struct ksm_client *c, const char *endpoint,
	    const char *const *uids, size_t n_uids, struct ksmx_buf *plain,
	    int *opened);
void	ksm_agent__invalidate(struct ksm_client *c, const char *const *uids,
	    size_t n_uids);
/* The socket path: $KSM_AGENT_SOCK, else $XDG_RUNTIME_DIR/keeper/agent.sock. */
#define KSM_AGENT_IDENTITY_HEX	16
/* The config's identity in requests (hex of a hash of host and client id). */
void	ksm_agent__identity(const struct ksm_client *c,
	    char out[KSM_AGENT_IDENTITY_HEX + 1]);
int	ksm_agent__socket_path(char *out, size_t n);
/*
 * Ask the agent at path (NULL: the socket path above) for its status,
 * with the same trust checks as a get: *json is malloc'd JSON text.  0,
 * KSM_ENOTFOUND (no trustworthy agent answered; the message says why),
 * KSM_EPROTO (it answered something else), KSM_EINVAL, KSM_ENOMEM.
 */
int	ksm_agent__status(const char *path, char **json);

#endif /* KSM_CLIENT_INT_H */
