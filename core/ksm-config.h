/*
 * KSM configuration: the official SDKs' JSON keys, string values.  Sources
 * in order: explicit string, explicit path, $KSM_CONFIG (base64 or JSON),
 * $KSM_CONFIG_KEYRING, $KSM_CONFIG_FILE, then the profile in force
 * ($KSM_PROFILE, the active profile, else the default file
 * $XDG_CONFIG_HOME/keeper/ksm-config.json).  Never cwd.
 */
#ifndef KSM_KSM_CONFIG_H
#define KSM_KSM_CONFIG_H

#include <stddef.h>

/* The SDKs' key names (ksm-protocol.md §2.1). */
#define KSM_CFG_HOSTNAME		"hostname"
#define KSM_CFG_CLIENT_ID		"clientId"
#define KSM_CFG_PRIVATE_KEY		"privateKey"
#define KSM_CFG_CLIENT_KEY		"clientKey"
#define KSM_CFG_APP_KEY			"appKey"
#define KSM_CFG_APP_OWNER_PUBLIC_KEY	"appOwnerPublicKey"
#define KSM_CFG_SERVER_PUBLIC_KEY_ID	"serverPublicKeyId"
#define KSM_CFG_SERVER_PUBLIC_KEY	"serverPublicKey"
#define KSM_CFG_CA_FILE			"caFile"	/* ours; SDKs ignore it */

struct ksm_config;

/* An empty in-memory config that will be saved to path (NULL: default). */
int	ksm_config__new(struct ksm_config **out, const char *path);
/*
 * Load by the source order above.  path/string may be NULL.  A file that
 * group or other may read or write is refused (KSM_EPERM, hint: chmod).
 * Missing config: KSM_ECONFIG with a hint naming `keeper-secret init`.
 */
int	ksm_config__load(struct ksm_config **out, const char *path,
	    const char *string);
/* Parse base64 or JSON text (no file). */
int	ksm_config__parse(struct ksm_config **out, const char *text);
/* Write atomically, mode 0600, creating the directory 0700.  In-memory
 * configs (from a string or $KSM_CONFIG) are not written: returns 0. */
int	ksm_config__save(const struct ksm_config *cfg);
/* Value of key, or NULL.  Valid until the key is set/deleted or freed. */
const char *ksm_config__get(const struct ksm_config *cfg, const char *key);
int	ksm_config__set(struct ksm_config *cfg, const char *key,
	    const char *value);
void	ksm_config__del(struct ksm_config *cfg, const char *key);
/* File path, or NULL when in-memory only. */
const char *ksm_config__path(const struct ksm_config *cfg);
/* Serialised JSON (4-space indent, sorted keys, like Python); ksmx_strfree. */
char	*ksm_config__to_json(const struct ksm_config *cfg);
void	ksm_config__free(struct ksm_config *cfg);
/*
 * Where the config goes when none is named: the location of the profile
 * in force (see below), a file or "keyring:NAME"; free().
 */
int	ksm_config__default_path(char **out);
/* $XDG_CONFIG_HOME/keeper (else ~/.config/keeper); free(). */
int	ksm_config__dir(char **out);
/* Value of an environment variable; NULL when empty, or in a setuid/setgid
 * process (secure_getenv). */
const char *ksm_config__env(const char *name);

/*
 * Profiles (config-profile.c, docs/CONFIG.md): named configs beside the
 * default one.  Profile "default" is $DIR/ksm-config.json; NAME is
 * $DIR/profiles/NAME.json (0600), or the keyring entry of profile NAME
 * when $DIR/profiles/NAME.keyring exists.  A config path "profile:NAME"
 * names one; otherwise the profile in force is $KSM_PROFILE, else the
 * active one ($DIR/active-profile, `keeper-secret profile use`), else
 * "default".
 */
#define KSM_PROFILE_NAME_MAX	64
#define KSM_PROFILE_DEFAULT	"default"
/* What chose a profile (for messages). */
#define KSM_PROFILE_FROM_PATH	0	/* "profile:NAME", or nothing */
#define KSM_PROFILE_FROM_ENV	1	/* $KSM_PROFILE */
#define KSM_PROFILE_FROM_ACTIVE	2	/* the active profile (or none) */
/* Non-zero for 1 to 64 of [A-Za-z0-9_-], not starting with '-'. */
int	ksm_profile__name_ok(const char *name);
/* NAME of a "profile:NAME" path, or NULL. */
const char *ksm_config__profile_name(const char *path);
/* "profile:NAME", the config path of a --profile NAME option, into out;
 * KSM_EINVAL (message and hint) when name is not a profile name. */
#define KSM_PROFILE_PATH_MAX	(sizeof("profile:") + KSM_PROFILE_NAME_MAX)
int	ksm_config__profile_arg(char out[KSM_PROFILE_PATH_MAX],
	    const char *name);
/*
 * Location of profile name: a file path or "keyring:NAME" (free()).
 * *present (may be NULL): 1 when the file or the keyring marker exists.
 * KSM_EINVAL for a bad name, KSM_ECONFIG when NAME is both.
 */
int	ksm_profile__path(char **out, const char *name, int *present);
/* The active profile ("default" when none was chosen). */
int	ksm_profile__active(char name[KSM_PROFILE_NAME_MAX + 1]);
/* The profile in force; *from (may be NULL): KSM_PROFILE_FROM_*. */
int	ksm_profile__current(char name[KSM_PROFILE_NAME_MAX + 1], int *from);
/* Make name the active profile ("default": forget the choice). */
int	ksm_profile__set_active(const char *name);
/* Create (on) or remove the marker saying name lives in the keyring;
 * KSM_EEXIST when name exists as a file. */
int	ksm_profile__set_keyring(const char *name, int on);
/* path with "profile:NAME" replaced by the profile's location (free()). */
int	ksm_config__resolve(char **out, const char *path);

/* A parsed one-time token (ksm-protocol.md §2.5). */
struct ksm_token {
	char	hostname[256];		/* "" when the token has no prefix */
	unsigned char key[32];		/* clientKey bytes */
	char	server_key_id[16];	/* "" unless the 4-part form */
	char	server_key[128];	/* url base64 point, "" unless 4-part */
};
/* KSM_ETOKEN with a message (never the token) when malformed. */
int	ksm_token__parse(struct ksm_token *out, const char *token);
void	ksm_token__clear(struct ksm_token *tok);
/* Region code (case-insensitive) -> hostname, or NULL. */
const char *ksm_region__hostname(const char *code);
/* Keeper's server key table (ids 1..18): 0 and *point, or KSM_EKEY. */
int	ksm_server_key__lookup(unsigned char point[65], int key_id);

/*
 * Config files (config-file.c); added for config.c and for tools that
 * need the same checks.  Read path into out (cleared first; may stay
 * empty for a 0-byte file) the way ssh reads a private key: refuse a file
 * group or other may use, or not owned by the effective uid (KSM_EPERM,
 * chmod hint).  A missing file: KSM_ECONFIG "no Keeper configuration
 * found at ..." with a `keeper-secret init` hint.
 */
struct ksmx_buf;
int	ksm_config__read_file(struct ksmx_buf *out, const char *path);
/*
 * Write n bytes to path atomically with mode 0600 (ksm_io__write_atomic:
 * a temporary file in the same directory, fsync, rename, fsync of the
 * directory).  Missing directories are created 0700.
 */
int	ksm_config__write_file(const char *path, const void *p, size_t n);

/*
 * Configs kept in the desktop keyring (config-keyring.c, through the
 * dlopen()ed keyring module; see docs/CONFIG.md).  A config path
 * "keyring:PROFILE" ("keyring:" alone: profile "default") names one.
 */
/* PROFILE of a "keyring:PROFILE" path, or NULL for a file path. */
const char *ksm_config__keyring_profile(const char *path);
/* JSON text of profile (ksmx_strfree).  *kr_code (may be NULL): the
 * module's KSM_KR_* code (core/keyring-module.h), for fallback choices. */
int	ksm_config__keyring_load(char **out, const char *profile,
	    int *kr_code);
int	ksm_config__keyring_store(const char *profile, const char *json);
/* Keyring profile of a loaded config, or NULL. */
const char *ksm_config__keyring(const struct ksm_config *cfg);
/*
 * Load the config at path (a file or "keyring:PROFILE") for a bind: 0
 * with *out NULL when there is none there, else as ksm_config__load.
 */
int	ksm_config__load_existing(struct ksm_config **out, const char *path);

#endif /* KSM_KSM_CONFIG_H */
