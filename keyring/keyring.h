/*
 * keyring/: the Secret Service (freedesktop.org) through libsecret.  The
 * only code that links libsecret and GLib; callers see no GLib type.
 *
 * Three kinds of items:
 *  - the KSM config: schema io.keeper.ksm.Config, attributes application
 *    ("keeper") and profile, plus sha256 (hex SHA-256 of the schema name,
 *    the profile and the JSON text): an entry whose text does not match
 *    is refused as tampered;
 *  - named values (`keeper-keyring get|set|del NAME`): schema
 *    io.keeper.ksm.Secret, attributes application and name;
 *  - mirrors made by `sync`, in the memory-only `session` collection:
 *    schema io.keeper.ksm.Mirror (application, notation), or for git the
 *    attributes user, protocol, server, port, object under the schema name
 *    org.gnome.keyring.NetworkPassword (what git's libsecret helper finds,
 *    old and new), plus keeper-app and keeper-notation so that
 *    `sync --remove` finds them.
 *
 * Every function returns 0 or a negative keyring_code and fills *err
 * (a one-line message and a hint, never a secret).
 */
#ifndef KEYRING_KEYRING_H
#define KEYRING_KEYRING_H

#include <stddef.h>
#include <stdio.h>

#define KEYRING_APPLICATION	"keeper"
#define KEYRING_DEFAULT_PROFILE	"default"
#define KEYRING_MAX_SECRET	(64u * 1024)	/* bytes, one stored value */

typedef enum {
	KEYRING_OK		=  0,
	KEYRING_ERROR		= -1,	/* anything else the service reported */
	KEYRING_ENOBUS		= -2,	/* no D-Bus session bus */
	KEYRING_ENOPROVIDER	= -3,	/* nobody provides org.freedesktop.secrets */
	KEYRING_ELOCKED		= -4,	/* collection locked, unlock dismissed */
	KEYRING_ENOTFOUND	= -5,	/* no such item */
	KEYRING_ETAMPERED	= -6,	/* integrity check failed */
	KEYRING_EINVAL		= -7,	/* bad argument or oversized value */
	KEYRING_ENOMEM		= -8
} keyring_code;

struct keyring_err {
	int	code;
	char	msg[256];
	char	hint[256];
};

/* Store the KSM config JSON text for profile (NULL: "default"). */
int	keyring_config_store(const char *profile, const char *json,
	    struct keyring_err *err);
/* Fetch it, verified; *out is freed with keyring_free(). */
int	keyring_config_load(char **out, const char *profile,
	    struct keyring_err *err);
int	keyring_config_erase(const char *profile, struct keyring_err *err);

/* Named values (binary allowed; *out has a NUL after *out_len bytes). */
int	keyring_value_set(const char *name, const void *p, size_t n,
	    struct keyring_err *err);
int	keyring_value_get(unsigned char **out, size_t *out_len,
	    const char *name, struct keyring_err *err);
int	keyring_value_del(const char *name, struct keyring_err *err);

/* One line per Keeper item (kind, profile/name/notation, label) to fp. */
int	keyring_list(FILE *fp, struct keyring_err *err);

/*
 * Mirror a value into the session collection.  git NULL: an
 * io.keeper.ksm.Mirror item for notation; otherwise a git credential
 * item (port 0: none, path NULL: none).  A re-sync replaces.
 */
struct keyring_git {
	const char	*protocol;
	const char	*server;
	unsigned int	 port;
	const char	*path;
	const char	*user;
};
int	keyring_sync_store(const char *notation, const struct keyring_git *git,
	    const char *value, struct keyring_err *err);
/* Remove mirrors of notation (NULL: every mirror); *n_out: how many. */
int	keyring_sync_remove(const char *notation, unsigned int *n_out,
	    struct keyring_err *err);

/* Report bus, provider, default collection and lock state; 0 when usable. */
int	keyring_doctor(FILE *fp, struct keyring_err *err);

/* Wipe and free a string or value returned here.  NULL ok. */
void	keyring_free(void *p, size_t n);

#endif /* KEYRING_KEYRING_H */
