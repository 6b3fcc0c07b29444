/*
 * What keyring.c (values, sync, list), keyring-config.c (the config) and
 * keyring-service.c (the Secret Service connection) share.  Not for
 * keeper-keyring or the module: see keyring.h.
 */
#ifndef KEYRING_INT_H
#define KEYRING_INT_H

#include <libsecret/secret.h>

#include "keyring.h"

/* Also part of the config's integrity digest (keyring-config.c). */
#define CONFIG_SCHEMA	"io.keeper.ksm.Config"

/* The items we store, and git's libsecret items (keyring-service.c). */
extern const SecretSchema keyring__config_schema;
extern const SecretSchema keyring__value_schema;
extern const SecretSchema keyring__mirror_schema;
extern const SecretSchema keyring__git_schema;

/* Fill err and return code. */
int	keyring__fail(struct keyring_err *err, int code, const char *hint,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* profile, or the default profile's name for NULL or "". */
const char *keyring__profile(const char *profile);
/* A GError from libsecret or GDBus as our code; frees ge. */
int	keyring__map_gerror(struct keyring_err *err, GError *ge,
	    const char *what);
/* A session bus and a provider on it, or ENOBUS / ENOPROVIDER. */
int	keyring__preflight(struct keyring_err *err);
/* The Secret Service, after checking for a bus and a provider. */
int	keyring__service(SecretService **out, struct keyring_err *err);
/* Search (loading secrets, unlocking) as keyring-service.c says. */
int	keyring__search(GList **out, SecretService *svc,
	    const SecretSchema *schema, GHashTable *attrs, int load,
	    int unlock, struct keyring_err *err);
/* Attribute tables: keys borrowed, values copied. */
GHashTable *keyring__attrs_new(void);
void	keyring__attr(GHashTable *h, const char *k, const char *v);
/* Delete items (but those whose attribute key equals keep). */
int	keyring__delete_items(GList *items, const char *key, const char *keep,
	    unsigned int *n_out, struct keyring_err *err);
/* Delete the items of schema matching a; ENOTFOUND with what when none. */
int	keyring__erase(const SecretSchema *schema, GHashTable *a,
	    const char *what, unsigned int *n_out, struct keyring_err *err);

#endif /* KEYRING_INT_H */
