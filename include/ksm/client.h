/* A connection to Keeper Secrets Manager: configuration, binding, fetching. */
#ifndef KSM_CLIENT_H
#define KSM_CLIENT_H

#include "ksm/common.h"
#include "ksm/record.h"

KSM_BEGIN_DECL

/**
 * A configured connection to Keeper Secrets Manager.  Opaque.
 *
 * A client keeps one HTTPS connection open between its requests (from its
 * first request until ksm_client_free()), so many calls cost one TCP and
 * TLS handshake.  A client may be used by one thread at a time (it is not
 * locked); different clients may be used on different threads at once.
 */
typedef struct ksm_client ksm_client;

#define KSM_CLIENT_OPTIONS_VERSION	1

/** Options for ksm_client_new() and ksm_client_init_token(). */
typedef struct {
	unsigned int	version;	/**< KSM_CLIENT_OPTIONS_VERSION */
	/**
	 * Config file.  NULL: $KSM_CONFIG (base64 or JSON, in memory),
	 * then $KSM_CONFIG_FILE, then the profile in force: $KSM_PROFILE,
	 * else the active one, else $XDG_CONFIG_HOME/keeper/ksm-config.json
	 * (~/.config/keeper/ksm-config.json).  Never the current directory.
	 * "keyring:PROFILE": the config kept in the desktop keyring (libksm
	 * loads its keyring module then; docs/CONFIG.md), as does
	 * $KSM_CONFIG_KEYRING=1 after $KSM_CONFIG.  "profile:NAME": the
	 * config of profile NAME (keeper-secret profile; docs/CONFIG.md).
	 */
	const char	*config_path;
	/** Whole config as base64 or JSON text; overrides config_path. */
	const char	*config_string;
	/** host[:port] overriding the config; NULL: $KSM_HOSTNAME or config. */
	const char	*hostname;
	/** CA bundle for TLS; NULL: $KSM_CA_FILE, config caFile, system. */
	const char	*ca_file;
	/** Server public key id / url-base64 key overriding the config. */
	const char	*server_public_key_id;
	const char	*server_public_key;
	unsigned int	connect_timeout_ms;	/**< 0: 10000 */
	unsigned int	timeout_ms;		/**< 0: 30000 */
	/** Longest total wait on throttling before failing; 0: 30000. */
	unsigned int	max_throttle_wait_ms;
	unsigned int	flags;			/**< KSM_CLIENT_* bits */
} ksm_client_options;

#define KSM_CLIENT_OPTIONS_INIT \
	{ KSM_CLIENT_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, \
	  0, 0, 0, 0 }

/** Do not retry on throttling at all (fail at once with KSM_ETHROTTLED). */
#define KSM_CLIENT_NO_THROTTLE_RETRY	0x1u
/** Neither read nor write the cross-process cache (ksm/cache.h). */
#define KSM_CLIENT_NO_CACHE		0x2u
/**
 * Never ask keeper-agent (the resident session, docs/agent-protocol.md);
 * as does $KSM_AGENT=0.  By default a bound client asks the agent at
 * $KSM_AGENT_SOCK, else $XDG_RUNTIME_DIR/keeper/agent.sock, when that
 * socket is ours, and goes to Keeper itself when there is none.
 */
#define KSM_CLIENT_NO_AGENT		0x4u
/**
 * Never contact Keeper: records and folders come from the cross-process
 * cache whatever the age of the entry, and without one the call fails
 * with KSM_ENOTFOUND (any other request with KSM_ENETWORK).  For look-ups
 * that must not reach the network, such as shell completion.
 */
#define KSM_CLIENT_CACHE_ONLY		0x8u

/**
 * Create a client from an existing configuration.  Sends nothing.
 *
 * @param[out] out	new client, NULL on failure; free with ksm_client_free()
 * @return 0, KSM_ECONFIG, KSM_EPERM, KSM_EIO or KSM_ENOMEM
 */
KSM_EXTERN(int) ksm_client_new(ksm_client **out,
    const ksm_client_options *opts) KSM_WARN_UNUSED;

/**
 * Bind a new device from a one-time token ("[REGION:]KEY" or
 * "PREFIX:KEY:KEYID:SERVERPUBKEY"), talk to the server, and write the
 * resulting config atomically with mode 0600 to opts->config_path (or the
 * default path).  An existing, different config there is not overwritten.
 *
 * @return 0, KSM_ETOKEN, KSM_EEXIST, KSM_ECONFIG, or a transport error
 */
KSM_EXTERN(int) ksm_client_init_token(ksm_client **out,
    const ksm_client_options *opts, const char *token) KSM_WARN_UNUSED;

/** Free a client and wipe its keys.  NULL is a no-op. */
KSM_EXTERN(void) ksm_client_free(ksm_client *client);

/** Path of the config file in use, or NULL for an in-memory config. */
KSM_EXTERN(const char *) ksm_client_config_path(const ksm_client *client);

/**
 * Fetch and decrypt records.  uids NULL/n_uids 0 fetches every record
 * shared with the application; otherwise only those UIDs (a UID that is
 * not shared is simply absent; use ksm_records_find()).
 *
 * @return 0, or KSM_EACCESS, KSM_ETHROTTLED, KSM_ETLS, KSM_ENETWORK,
 *	   KSM_EPROTO, KSM_ESERVER, KSM_EVERSION, KSM_EKEY ...
 */
KSM_EXTERN(int) ksm_client_get_records(ksm_records **out, ksm_client *client,
    const char *const *uids, size_t n_uids) KSM_WARN_UNUSED;

/**
 * Like ksm_client_get_records() for one UID, but a missing record is the
 * error KSM_ENOTSHARED, and a legacy record KSM_ELEGACY.  *out borrows
 * from *holder, which the caller frees with ksm_records_free().
 */
KSM_EXTERN(int) ksm_client_get_record(const ksm_record **out,
    ksm_records **holder, ksm_client *client, const char *uid)
    KSM_WARN_UNUSED;

/**
 * Download and decrypt a file attachment.
 * @param[out] out	bytes owned by the caller; free with ksm_bytes_free()
 */
KSM_EXTERN(int) ksm_client_download_file(unsigned char **out, size_t *out_len,
    ksm_client *client, const ksm_file *file) KSM_WARN_UNUSED;

/**
 * Fetch the folders shared with the application (get_folders): shared
 * folders and their sub-folders, with decrypted names.  A folder whose
 * key or name does not decrypt is skipped.
 *
 * @param[out] out	new set; free with ksm_folders_free()
 * @return 0, or the transport errors of ksm_client_get_records()
 */
KSM_EXTERN(int) ksm_client_get_folders(ksm_folders **out, ksm_client *client)
    KSM_WARN_UNUSED;

/**
 * Save new data for a record (update_secret): json is the whole record
 * JSON object (ksm_record_json() with changes), encrypted with the
 * record's key and sent with the record's revision.  rec itself is not
 * changed; fetch again to see the new data and revision.  The client's
 * cached answers are dropped.
 *
 * @return 0, KSM_EACCESS (the record is shared read-only, or Keeper
 *	   refused), KSM_ELEGACY, KSM_EINVAL (json not an object),
 *	   KSM_ESERVER (e.g. the record changed since rec was fetched),
 *	   or a transport error
 */
KSM_EXTERN(int) ksm_client_update_record(ksm_client *client,
    const ksm_record *rec, const char *json) KSM_WARN_UNUSED;

/**
 * Set the first value of a field of rec and save it with
 * ksm_client_update_record(): field is a field type ("password") looked
 * up in fields then custom, or a custom field's label.
 *
 * @return KSM_ENOTFOUND when rec has no such field, else as
 *	   ksm_client_update_record()
 */
KSM_EXTERN(int) ksm_client_update_field(ksm_client *client,
    const ksm_record *rec, const char *field, const char *value)
    KSM_WARN_UNUSED;

/** Wipe and free bytes returned by libksm.  NULL is a no-op. */
KSM_EXTERN(void) ksm_bytes_free(unsigned char *p, size_t len);

/** Wipe and free a string returned by libksm.  NULL is a no-op. */
KSM_EXTERN(void) ksm_secret_free(char *secret);

KSM_END_DECL

#endif /* KSM_CLIENT_H */
