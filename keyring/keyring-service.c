/*
 * The Secret Service through libsecret (keyring-int.h): the schemas, the
 * connection with its checks for a bus and a provider (and `doctor`, which
 * reports them), searching and deleting items, and one map from GError to
 * keyring_code.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsecret/secret.h>

#include "keyring-int.h"

#define SECRETS_NAME	"org.freedesktop.secrets"

const SecretSchema keyring__config_schema = {
	.name = CONFIG_SCHEMA,
	.flags = SECRET_SCHEMA_NONE,
	.attributes = {
		{ "application", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "sha256", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
};

const SecretSchema keyring__value_schema = {
	.name = "io.keeper.ksm.Secret",
	.flags = SECRET_SCHEMA_NONE,
	.attributes = {
		{ "application", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "name", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
};

const SecretSchema keyring__mirror_schema = {
	.name = "io.keeper.ksm.Mirror",
	.flags = SECRET_SCHEMA_NONE,
	.attributes = {
		{ "application", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "notation", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
};

/*
 * What git's contrib/credential/libsecret helper finds: git <= 2.44 (Debian
 * 12 ships 2.39) searches with libsecret's compat schema
 * org.gnome.keyring.NetworkPassword (name matched), newer git with
 * org.git.Password and SECRET_SCHEMA_DONT_MATCH_NAME.  Items stored under
 * the compat name satisfy both.  Plus our two markers.
 */
const SecretSchema keyring__git_schema = {
	.name = "org.gnome.keyring.NetworkPassword",
	.flags = SECRET_SCHEMA_DONT_MATCH_NAME,
	.attributes = {
		{ "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "object", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "port", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
		{ "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "keeper-app", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "keeper-notation", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
};

int
keyring__fail(struct keyring_err *err, int code, const char *hint,
    const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	snprintf(err->hint, sizeof(err->hint), "%s", hint != NULL ? hint : "");
	return code;
}

const char *
keyring__profile(const char *profile)
{
	return profile != NULL && profile[0] != '\0' ?
	    profile : KEYRING_DEFAULT_PROFILE;
}

/* Turn a GError from libsecret or GDBus into our code; frees ge. */
int
keyring__map_gerror(struct keyring_err *err, GError *ge, const char *what)
{
	char *remote = NULL;
	int r;

	if (g_dbus_error_is_remote_error(ge))
		remote = g_dbus_error_get_remote_error(ge);
	if ((ge->domain == SECRET_ERROR && ge->code == SECRET_ERROR_IS_LOCKED) ||
	    (remote != NULL && strcmp(remote,
	    "org.freedesktop.Secret.Error.IsLocked") == 0))
		r = keyring__fail(err, KEYRING_ELOCKED,
		    "unlock the keyring (e.g. "
		    "in Seahorse, or gnome-keyring-daemon --unlock) and retry",
		    "%s: the collection is locked and was not unlocked "
		    "(prompt dismissed or impossible)", what);
	else if (g_error_matches(ge, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		r = keyring__fail(err, KEYRING_ELOCKED,
		    "unlock the keyring and retry",
		    "%s: the unlock prompt was dismissed", what);
	else if (remote != NULL &&
	    (strcmp(remote, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
	    strcmp(remote, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0))
		r = keyring__fail(err, KEYRING_ENOPROVIDER,
		    "install and start a Secret "
		    "Service provider (gnome-keyring, KeePassXC)",
		    "%s: no Secret Service provider on the session bus", what);
	else if (remote != NULL && strcmp(remote,
	    "org.freedesktop.Secret.Error.NoSuchObject") == 0)
		r = keyring__fail(err, KEYRING_ENOTFOUND,
		    "the default collection may "
		    "not exist yet: create it (gnome-keyring-daemon --unlock, "
		    "Seahorse)", "%s: %s", what, ge->message);
	else
		r = keyring__fail(err, KEYRING_ERROR, NULL,
		    "%s: %s", what, ge->message);
	g_free(remote);
	g_error_free(ge);
	return r;
}

/* Is someone on the bus (or activatable) for org.freedesktop.secrets? */
static int
check_provider(GDBusConnection *bus, struct keyring_err *err, char **owner)
{
	GVariant *v;
	GVariantIter *it;
	const char *name;
	GError *ge = NULL;
	int found = 0;

	*owner = NULL;
	v = g_dbus_connection_call_sync(bus, "org.freedesktop.DBus",
	    "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetNameOwner",
	    g_variant_new("(s)", SECRETS_NAME), G_VARIANT_TYPE("(s)"),
	    G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &ge);
	if (v != NULL) {
		g_variant_get(v, "(s)", owner);
		g_variant_unref(v);
		return 0;
	}
	g_clear_error(&ge);
	v = g_dbus_connection_call_sync(bus, "org.freedesktop.DBus",
	    "/org/freedesktop/DBus", "org.freedesktop.DBus",
	    "ListActivatableNames", NULL, G_VARIANT_TYPE("(as)"),
	    G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &ge);
	if (v == NULL)
		return keyring__map_gerror(err, ge,
		    "asking the bus for providers");
	g_variant_get(v, "(as)", &it);
	while (g_variant_iter_loop(it, "&s", &name))
		if (strcmp(name, SECRETS_NAME) == 0)
			found = 1;
	g_variant_iter_free(it);
	g_variant_unref(v);
	if (!found)
		return keyring__fail(err, KEYRING_ENOPROVIDER,
		    "install and start a "
		    "Secret Service provider: apt-get install gnome-keyring, "
		    "then gnome-keyring-daemon --unlock --components=secrets",
		    "no Secret Service provider: nothing owns or can "
		    "activate %s on the session bus", SECRETS_NAME);
	return 0;
}

/* The session bus and a provider, or ENOBUS / ENOPROVIDER. */
int
keyring__preflight(struct keyring_err *err)
{
	GDBusConnection *bus;
	GError *ge = NULL;
	char *owner = NULL;
	int r;

	bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &ge);
	if (bus == NULL) {
		r = keyring__fail(err, KEYRING_ENOBUS,
		    "run inside a desktop session, "
		    "or start one: dbus-run-session -- CMD (and "
		    "gnome-keyring-daemon --unlock inside it)",
		    "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS %s): %s",
		    getenv("DBUS_SESSION_BUS_ADDRESS") != NULL ?
		    "is set but unusable" : "is not set", ge->message);
		g_error_free(ge);
		return r;
	}
	r = check_provider(bus, err, &owner);
	g_free(owner);
	g_object_unref(bus);
	return r;
}

int
keyring__service(SecretService **out, struct keyring_err *err)
{
	GError *ge = NULL;
	int r;

	*out = NULL;
	if ((r = keyring__preflight(err)) != 0)
		return r;
	*out = secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION |
	    SECRET_SERVICE_LOAD_COLLECTIONS, NULL, &ge);
	if (*out == NULL)
		return keyring__map_gerror(err, ge,
		    "connecting to the Secret Service");
	return 0;
}

/*
 * Search with unlocking; secrets loaded when load is set.  An item that is
 * still locked afterwards means the unlock was refused: ELOCKED.
 */
int
keyring__search(GList **out, SecretService *svc, const SecretSchema *schema,
    GHashTable *attrs, int load, int unlock, struct keyring_err *err)
{
	GError *ge = NULL;
	GList *l;
	SecretSearchFlags fl = SECRET_SEARCH_ALL;

	if (load)
		fl |= SECRET_SEARCH_LOAD_SECRETS;
	if (unlock)
		fl |= SECRET_SEARCH_UNLOCK;
	*out = secret_service_search_sync(svc, schema, attrs, fl, NULL, &ge);
	if (ge != NULL)
		return keyring__map_gerror(err, ge, "searching the keyring");
	if (!unlock)
		return 0;
	for (l = *out; l != NULL; l = l->next)
		if (secret_item_get_locked(l->data)) {
			g_list_free_full(*out, g_object_unref);
			*out = NULL;
			return keyring__fail(err, KEYRING_ELOCKED,
			    "unlock the keyring "
			    "(Seahorse, or gnome-keyring-daemon --unlock) and "
			    "retry", "the collection holding the item is "
			    "locked and the unlock prompt was dismissed or "
			    "could not be shown");
		}
	return 0;
}

GHashTable *
keyring__attrs_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
}

void
keyring__attr(GHashTable *h, const char *k, const char *v)
{
	g_hash_table_insert(h, (gpointer)k, g_strdup(v));
}

/* Delete every item in the list, optionally keeping those whose attribute
 * key equals keep. */
int
keyring__delete_items(GList *items, const char *key, const char *keep,
    unsigned int *n_out, struct keyring_err *err)
{
	GList *l;
	GError *ge = NULL;
	GHashTable *a;
	const char *v;
	int skip;

	for (l = items; l != NULL; l = l->next) {
		skip = 0;
		if (key != NULL) {
			a = secret_item_get_attributes(l->data);
			v = a != NULL ? g_hash_table_lookup(a, key) : NULL;
			skip = v != NULL && strcmp(v, keep) == 0;
			if (a != NULL)
				g_hash_table_unref(a);
		}
		if (skip)
			continue;
		if (!secret_item_delete_sync(l->data, NULL, &ge))
			return keyring__map_gerror(err, ge, "deleting an item");
		if (n_out != NULL)
			(*n_out)++;
	}
	return 0;
}

/* Delete items of schema matching a; ENOTFOUND with what when none. */
int
keyring__erase(const SecretSchema *schema, GHashTable *a, const char *what,
    unsigned int *n_out, struct keyring_err *err)
{
	SecretService *svc = NULL;
	GList *items = NULL;
	unsigned int n = 0;
	int r;

	if ((r = keyring__service(&svc, err)) != 0)
		goto out;
	if ((r = keyring__search(&items, svc, schema, a, 0, 1, err)) != 0)
		goto out;
	if ((r = keyring__delete_items(items, NULL, NULL, &n, err)) != 0)
		goto out;
	if (n == 0 && what != NULL)
		r = keyring__fail(err, KEYRING_ENOTFOUND, NULL, "%s", what);
out:
	if (n_out != NULL)
		*n_out = n;
	if (items != NULL)
		g_list_free_full(items, g_object_unref);
	if (svc != NULL)
		g_object_unref(svc);
	return r;
}

static void
doctor_collection(FILE *fp, SecretService *svc, const char *alias)
{
	SecretCollection *c;
	GError *ge = NULL;
	char *label;

	c = secret_collection_for_alias_sync(svc, alias,
	    SECRET_COLLECTION_NONE, NULL, &ge);
	if (c == NULL) {
		fprintf(fp, "%s collection: %s\n", alias,
		    ge != NULL ? ge->message : "none (alias not set)");
		g_clear_error(&ge);
		return;
	}
	label = secret_collection_get_label(c);
	fprintf(fp, "%s collection: %s (%s), %s\n", alias,
	    g_dbus_proxy_get_object_path(G_DBUS_PROXY(c)),
	    label != NULL ? label : "", secret_collection_get_locked(c) ?
	    "locked" : "unlocked");
	g_free(label);
	g_object_unref(c);
}

int
keyring_doctor(FILE *fp, struct keyring_err *err)
{
	GDBusConnection *bus;
	SecretService *svc;
	GError *ge = NULL;
	char *owner = NULL;
	int r;

	bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &ge);
	if (bus == NULL) {
		fprintf(fp, "session bus: missing\n");
		g_error_free(ge);
		return keyring__preflight(err);
	}
	fprintf(fp, "session bus: %s\n",
	    g_dbus_connection_get_unique_name(bus) != NULL ? "connected" :
	    "unusable");
	r = check_provider(bus, err, &owner);
	g_object_unref(bus);
	if (r != 0) {
		fprintf(fp, "provider: none\n");
		return r;
	}
	fprintf(fp, "provider: %s %s\n", SECRETS_NAME, owner != NULL ?
	    owner : "(activatable, not running)");
	g_free(owner);
	if ((r = keyring__service(&svc, err)) != 0)
		return r;
	doctor_collection(fp, svc, "default");
	doctor_collection(fp, svc, "session");
	g_object_unref(svc);
	return 0;
}
