/* pam_keeper's own configuration file: trusted paths and the user map. */
#ifndef PAM_KEEPER_CONFIG_H
#define PAM_KEEPER_CONFIG_H

#include <sys/types.h>
#include <cjson/cJSON.h>

#define PK_CONFIG_MAX	(64u * 1024)	/* bytes */
#define PK_CACHE_TTL_MAX_S	(30u * 86400)	/* offline_cache ttl */

/* The one-line reason into why (when n > 0); returns -1. */
int	pk_why_set(char *why, size_t n, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * path is absolute, and it and every directory above it are owned by
 * owner (root in the module), are not symbolic links and are not
 * writable by group or other; path is a regular file.  0, or -1 with a
 * one-line reason in why (which names the offending path, never content).
 */
int	pk_path_trusted(const char *path, uid_t owner, char *why, size_t n);
/* The same rules for a directory, which must also be mode 0700 or stricter. */
int	pk_dir_trusted(const char *path, uid_t owner, char *why, size_t n);

/*
 * Read path (after pk_path_trusted) and parse it.  0 with *out (free with
 * pk_config_free), or -1 with why set.
 */
int	pk_config_load(cJSON **out, const char *path, uid_t owner, char *why,
	    size_t n);
/* Parse and check config text (the same rules as pk_config_load). */
int	pk_config_parse(cJSON **out, const char *text, size_t len, char *why,
	    size_t n);
void	pk_config_free(cJSON *cfg);

/*
 * The user's entry, or NULL when pam_keeper does not manage that user:
 * "users" by name first, then the first "login_folders" entry one of
 * whose "users" globs matches (such an entry has pk_config_folder()).
 */
const cJSON *pk_config_user(const cJSON *cfg, const char *user);
/* The folder (UID or name) a login_folders entry maps users to, or NULL. */
const char *pk_config_folder(const cJSON *entry);
/* The KSM config path for that user (its own, else the top-level one). */
const char *pk_config_ksm(const cJSON *cfg, const cJSON *entry);
/* Notation of the user's password, or NULL. */
const char *pk_config_password(const cJSON *entry);
/* Whether account management checks that the record still exists. */
int	pk_config_check_account(const cJSON *entry);
/* The user's "env" object (NAME: notation), or NULL. */
const cJSON *pk_config_env(const cJSON *entry);
/* The user's "keyring" object (NAME: notation), or NULL. */
const cJSON *pk_config_keyring(const cJSON *entry);
/* Seconds a session key lives: "keyring_timeout", default 3600. */
unsigned pk_config_keyring_ttl(const cJSON *entry);
/*
 * The opt-in offline cache: 1 with its directory and ttl (default one
 * day), or 0 when "offline_cache" is not configured.
 */
int	pk_config_cache(const cJSON *cfg, const char **dir, unsigned *ttl_s);
/* Whether NAME may name a key: [A-Za-z0-9_.-]+, at most 64 bytes. */
int	pk_key_name_ok(const char *name);
/* Whether NAME may be exported: [A-Za-z_][A-Za-z0-9_]*, not LD_*, PATH... */
int	pk_env_name_ok(const char *name);

#endif /* PAM_KEEPER_CONFIG_H */
