/*
 * The Secret Service through libsecret: schemas, store/lookup/erase, the
 * config integrity check, and one map from GError to keyring_code.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsecret/secret.h>

#include "keyring.h"
#include "crypto.h"
#include "util/wipe.h"

#define SECRETS_NAME	"org.freedesktop.secrets"
#define CONFIG_SCHEMA	"io.keeper.ksm.Config"

static const SecretSchema config_schema = {
	.name = CONFIG_SCHEMA,
	.flags = SECRET_SCHEMA_NONE,
	.attributes = {
		{ "application", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "sha256", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
};

static const SecretSchema value_schema = {
	.name = "io.keeper.ksm.Secret",
	.flags = SECRET_SCHEMA_NONE,
	.attributes = {
		{ "application", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "name", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
};

static const SecretSchema mirror_schema = {
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
static const SecretSchema git_schema = {
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

static int
fail(struct keyring_err *err, int code, const char *hint, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
fail(struct keyring_err *err, int code, const char *hint, const char *fmt,
    ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	snprintf(err->hint, sizeof(err->hint), "%s", hint != NULL ? hint : "");
	return code;
}

static const char *
profile_or_default(const char *profile)
{
	return profile != NULL && profile[0] != '\0' ?
	    profile : KEYRING_DEFAULT_PROFILE;
}

/* Turn a GError from libsecret or GDBus into our code; frees ge. */
static int
map_gerror(struct keyring_err *err, GError *ge, const char *what)
{
	char *remote = NULL;
	int r;

	if (g_dbus_error_is_remote_error(ge))
		remote = g_dbus_error_get_remote_error(ge);
	if ((ge->domain == SECRET_ERROR && ge->code == SECRET_ERROR_IS_LOCKED) ||
	    (remote != NULL && strcmp(remote,
	    "org.freedesktop.Secret.Error.IsLocked") == 0))
		r = fail(err, KEYRING_ELOCKED, "unlock the keyring (e.g. "
		    "in Seahorse, or gnome-keyring-daemon --unlock) and retry",
		    "%s: the collection is locked and was not unlocked "
		    "(prompt dismissed or impossible)", what);
	else if (g_error_matches(ge, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		r = fail(err, KEYRING_ELOCKED, "unlock the keyring and retry",
		    "%s: the unlock prompt was dismissed", what);
	else if (remote != NULL &&
	    (strcmp(remote, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
	    strcmp(remote, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0))
		r = fail(err, KEYRING_ENOPROVIDER, "install and start a Secret "
		    "Service provider (gnome-keyring, KeePassXC)",
		    "%s: no Secret Service provider on the session bus", what);
	else if (remote != NULL && strcmp(remote,
	    "org.freedesktop.Secret.Error.NoSuchObject") == 0)
		r = fail(err, KEYRING_ENOTFOUND, "the default collection may "
		    "not exist yet: create it (gnome-keyring-daemon --unlock, "
		    "Seahorse)", "%s: %s", what, ge->message);
	else
		r = fail(err, KEYRING_ERROR, NULL, "%s: %s", what, ge->message);
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
		return map_gerror(err, ge, "asking the bus for providers");
	g_variant_get(v, "(as)", &it);
	while (g_variant_iter_loop(it, "&s", &name))
		if (strcmp(name, SECRETS_NAME) == 0)
			found = 1;
	g_variant_iter_free(it);
	g_variant_unref(v);
	if (!found)
		return fail(err, KEYRING_ENOPROVIDER, "install and start a "
		    "Secret Service provider: apt-get install gnome-keyring, "
		    "then gnome-keyring-daemon --unlock --components=secrets",
		    "no Secret Service provider: nothing owns or can "
		    "activate %s on the session bus", SECRETS_NAME);
	return 0;
}

/* The session bus and a provider, or ENOBUS / ENOPROVIDER. */
static int
preflight(struct keyring_err *err)
{
	GDBusConnection *bus;
	GError *ge = NULL;
	char *owner = NULL;
	int r;

	bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &ge);
	if (bus == NULL) {
		r = fail(err, KEYRING_ENOBUS, "run inside a desktop session, "
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

static int
get_service(SecretService **out, struct keyring_err *err)
{
	GError *ge = NULL;
	int r;

	*out = NULL;
	if ((r = preflight(err)) != 0)
		return r;
	*out = secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION |
	    SECRET_SERVICE_LOAD_COLLECTIONS, NULL, &ge);
	if (*out == NULL)
		return map_gerror(err, ge, "connecting to the Secret Service");
	return 0;
}

/*
 * Search with unlocking; secrets loaded when load is set.  An item that is
 * still locked afterwards means the unlock was refused: ELOCKED.
 */
static int
search(GList **out, SecretService *svc, const SecretSchema *schema,
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
		return map_gerror(err, ge, "searching the keyring");
	if (!unlock)
		return 0;
	for (l = *out; l != NULL; l = l->next)
		if (secret_item_get_locked(l->data)) {
			g_list_free_full(*out, g_object_unref);
			*out = NULL;
			return fail(err, KEYRING_ELOCKED, "unlock the keyring "
			    "(Seahorse, or gnome-keyring-daemon --unlock) and "
			    "retry", "the collection holding the item is "
			    "locked and the unlock prompt was dismissed or "
			    "could not be shown");
		}
	return 0;
}

static GHashTable *
attrs_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
}

static void
attr(GHashTable *h, const char *k, const char *v)
{
	g_hash_table_insert(h, (gpointer)k, g_strdup(v));
}

/* Delete every item in the list, optionally keeping those whose attribute
 * key equals keep. */
static int
delete_items(GList *items, const char *key, const char *keep,
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
			return map_gerror(err, ge, "deleting an item");
		if (n_out != NULL)
			(*n_out)++;
	}
	return 0;
}

/* hex SHA-256 of schema name, NUL, profile, NUL, json */
static int
config_digest(char hex[65], const char *profile, const char *json)
{
	size_t lp = strlen(profile), lj = strlen(json), n, i;
	unsigned char md[32];
	char *m;
	int r;

	n = sizeof(CONFIG_SCHEMA) + lp + 1 + lj;
	if ((m = malloc(n)) == NULL)
		return KEYRING_ENOMEM;
	memcpy(m, CONFIG_SCHEMA, sizeof(CONFIG_SCHEMA));
	memcpy(m + sizeof(CONFIG_SCHEMA), profile, lp + 1);
	memcpy(m + sizeof(CONFIG_SCHEMA) + lp + 1, json, lj);
	r = ksm_crypto__sha256(md, m, n);
	ksmx_freezero(m, n);
	if (r != 0)
		return KEYRING_ERROR;
	for (i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	ksmx_wipe_array(md);
	return 0;
}

int
keyring_config_store(const char *profile, const char *json,
    struct keyring_err *err)
{
	SecretService *svc = NULL;
	GHashTable *a = NULL;
	GList *items = NULL;
	GError *ge = NULL;
	char hex[65], *label = NULL;
	int r;

	profile = profile_or_default(profile);
	if (json == NULL || strlen(json) > KEYRING_MAX_SECRET)
		return fail(err, KEYRING_EINVAL, NULL,
		    "the config is empty or larger than %u bytes",
		    KEYRING_MAX_SECRET);
	if ((r = config_digest(hex, profile, json)) != 0)
		return fail(err, r, NULL, "cannot hash the config");
	if ((r = get_service(&svc, err)) != 0)
		goto out;
	a = attrs_new();
	attr(a, "application", KEYRING_APPLICATION);
	attr(a, "profile", profile);
	attr(a, "sha256", hex);
	label = g_strdup_printf("Keeper Secrets Manager config (%s)", profile);
	if (!secret_password_storev_sync(&config_schema, a,
	    SECRET_COLLECTION_DEFAULT, label, json, NULL, &ge)) {
		r = map_gerror(err, ge, "storing the config");
		goto out;
	}
	/* older versions of this profile have another sha256: drop them */
	g_hash_table_remove(a, "sha256");
	if ((r = search(&items, svc, &config_schema, a, 0, 0, err)) != 0)
		goto out;
	r = delete_items(items, "sha256", hex, NULL, err);
out:
	if (items != NULL)
		g_list_free_full(items, g_object_unref);
	if (a != NULL)
		g_hash_table_unref(a);
	g_free(label);
	if (svc != NULL)
		g_object_unref(svc);
	return r;
}

int
keyring_config_load(char **out, const char *profile, struct keyring_err *err)
{
	SecretService *svc = NULL;
	SecretValue *sv = NULL;
	GHashTable *a = NULL, *ia = NULL;
	GList *items = NULL;
	const char *text, *want;
	char hex[65];
	gsize len;
	int r;

	*out = NULL;
	profile = profile_or_default(profile);
	if ((r = get_service(&svc, err)) != 0)
		goto out;
	a = attrs_new();
	attr(a, "application", KEYRING_APPLICATION);
	attr(a, "profile", profile);
	if ((r = search(&items, svc, &config_schema, a, 1, 1, err)) != 0)
		goto out;
	if (items == NULL) {
		r = fail(err, KEYRING_ENOTFOUND, "store one: keeper-keyring "
		    "config-store --profile PROFILE < ksm-config.json",
		    "no Keeper config for profile '%s' in the keyring",
		    profile);
		goto out;
	}
	if (items->next != NULL) {
		r = fail(err, KEYRING_ETAMPERED, "store the config again: "
		    "keeper-keyring config-store", "several Keeper configs "
		    "for profile '%s' in the keyring; refusing to guess",
		    profile);
		goto out;
	}
	sv = secret_item_get_secret(items->data);
	ia = secret_item_get_attributes(items->data);
	want = ia != NULL ? g_hash_table_lookup(ia, "sha256") : NULL;
	text = sv != NULL ? secret_value_get(sv, &len) : NULL;
	if (text == NULL || len == 0 || len > KEYRING_MAX_SECRET ||
	    memchr(text, '\0', len) != NULL) {
		r = fail(err, KEYRING_ETAMPERED, "store the config again: "
		    "keeper-keyring config-store", "the keyring entry for "
		    "profile '%s' is empty or not text", profile);
		goto out;
	}
	if ((*out = malloc(len + 1)) == NULL) {
		r = fail(err, KEYRING_ENOMEM, NULL, "out of memory");
		goto out;
	}
	memcpy(*out, text, len);
	(*out)[len] = '\0';
	if ((r = config_digest(hex, profile, *out)) != 0) {
		r = fail(err, r, NULL, "cannot hash the config");
		goto out;
	}
	if (want == NULL || strlen(want) != 64 ||
	    ksmx_memeq_ct(want, hex, 64) != 0) {
		r = fail(err, KEYRING_ETAMPERED, "if you did not change it, "
		    "someone else did: re-bind with a new one-time token",
		    "the keyring entry for profile '%s' fails its integrity "
		    "check (sha256 attribute %s); refusing it", profile,
		    want == NULL ? "missing" : "does not match");
		goto out;
	}
	r = 0;
out:
	if (r != 0 && *out != NULL) {
		ksmx_strfree(*out);
		*out = NULL;
	}
	if (sv != NULL)
		secret_value_unref(sv);
	if (ia != NULL)
		g_hash_table_unref(ia);
	if (items != NULL)
		g_list_free_full(items, g_object_unref);
	if (a != NULL)
		g_hash_table_unref(a);
	if (svc != NULL)
		g_object_unref(svc);
	return r;
}

/* Delete items of schema matching a; ENOTFOUND with what when none. */
static int
erase(const SecretSchema *schema, GHashTable *a, const char *what,
    unsigned int *n_out, struct keyring_err *err)
{
	SecretService *svc = NULL;
	GList *items = NULL;
	unsigned int n = 0;
	int r;

	if ((r = get_service(&svc, err)) != 0)
		goto out;
	if ((r = search(&items, svc, schema, a, 0, 1, err)) != 0)
		goto out;
	if ((r = delete_items(items, NULL, NULL, &n, err)) != 0)
		goto out;
	if (n == 0 && what != NULL)
		r = fail(err, KEYRING_ENOTFOUND, NULL, "%s", what);
out:
	if (n_out != NULL)
		*n_out = n;
	if (items != NULL)
		g_list_free_full(items, g_object_unref);
	if (svc != NULL)
		g_object_unref(svc);
	return r;
}

int
keyring_config_erase(const char *profile, struct keyring_err *err)
{
	GHashTable *a = attrs_new();
	char what[200];
	int r;

	profile = profile_or_default(profile);
	attr(a, "application", KEYRING_APPLICATION);
	attr(a, "profile", profile);
	snprintf(what, sizeof(what), "no Keeper config for profile '%s' in "
	    "the keyring", profile);
	r = erase(&config_schema, a, what, NULL, err);
	g_hash_table_unref(a);
	return r;
}

int
keyring_value_set(const char *name, const void *p, size_t n,
    struct keyring_err *err)
{
	GHashTable *a;
	GError *ge = NULL;
	SecretValue *sv;
	char *label;
	int r;

	if (name == NULL || name[0] == '\0' || n > KEYRING_MAX_SECRET)
		return fail(err, KEYRING_EINVAL, NULL, "empty name, or a value "
		    "larger than %u bytes", KEYRING_MAX_SECRET);
	if ((r = preflight(err)) != 0)
		return r;
	a = attrs_new();
	attr(a, "application", KEYRING_APPLICATION);
	attr(a, "name", name);
	label = g_strdup_printf("Keeper: %s", name);
	/* secret_value_new copies; libsecret wipes its copy on unref */
	sv = secret_value_new(p, (gssize)n, memchr(p, '\0', n) != NULL ?
	    "application/octet-stream" : "text/plain");
	if (!secret_password_storev_binary_sync(&value_schema, a,
	    SECRET_COLLECTION_DEFAULT, label, sv, NULL, &ge))
		r = map_gerror(err, ge, "storing the value");
	secret_value_unref(sv);
	g_free(label);
	g_hash_table_unref(a);
	return r;
}

int
keyring_value_get(unsigned char **out, size_t *out_len, const char *name,
    struct keyring_err *err)
{
	SecretService *svc = NULL;
	SecretValue *sv = NULL;
	GHashTable *a = attrs_new();
	GList *items = NULL;
	const char *p;
	gsize len;
	int r;

	*out = NULL;
	*out_len = 0;
	attr(a, "application", KEYRING_APPLICATION);
	attr(a, "name", name);
	if ((r = get_service(&svc, err)) != 0)
		goto out;
	if ((r = search(&items, svc, &value_schema, a, 1, 1, err)) != 0)
		goto out;
	if (items == NULL) {
		r = fail(err, KEYRING_ENOTFOUND, NULL,
		    "no value named '%s' in the keyring", name);
		goto out;
	}
	sv = secret_item_get_secret(items->data);
	p = sv != NULL ? secret_value_get(sv, &len) : NULL;
	if (p == NULL)
		len = 0;
	if ((*out = malloc(len + 1)) == NULL) {
		r = fail(err, KEYRING_ENOMEM, NULL, "out of memory");
		goto out;
	}
	if (len > 0)
		memcpy(*out, p, len);
	(*out)[len] = '\0';
	*out_len = len;
out:
	if (sv != NULL)
		secret_value_unref(sv);
	if (items != NULL)
		g_list_free_full(items, g_object_unref);
	g_hash_table_unref(a);
	if (svc != NULL)
		g_object_unref(svc);
	return r;
}

int
keyring_value_del(const char *name, struct keyring_err *err)
{
	GHashTable *a = attrs_new();
	char what[200];
	int r;

	attr(a, "application", KEYRING_APPLICATION);
	attr(a, "name", name);
	snprintf(what, sizeof(what), "no value named '%.100s' in the keyring",
	    name);
	r = erase(&value_schema, a, what, NULL, err);
	g_hash_table_unref(a);
	return r;
}

static void
list_kind(FILE *fp, GList *items, const char *kind, const char *key)
{
	GList *l;
	GHashTable *a;
	const char *v;
	char *label;

	for (l = items; l != NULL; l = l->next) {
		a = secret_item_get_attributes(l->data);
		v = a != NULL ? g_hash_table_lookup(a, key) : NULL;
		label = secret_item_get_label(l->data);
		fprintf(fp, "%s\t%s\t%s%s\n", kind, v != NULL ? v : "?",
		    label != NULL ? label : "",
		    secret_item_get_locked(l->data) ? "\t(locked)" : "");
		g_free(label);
		if (a != NULL)
			g_hash_table_unref(a);
	}
}

int
keyring_list(FILE *fp, struct keyring_err *err)
{
	static const struct {
		const SecretSchema *schema;
		const char *app_key, *kind, *key;
	} kinds[] = {
		{ &config_schema, "application", "config", "profile" },
		{ &value_schema, "application", "value", "name" },
		{ &mirror_schema, "application", "sync", "notation" },
		{ &git_schema, "keeper-app", "sync-git", "keeper-notation" },
	};
	SecretService *svc = NULL;
	GHashTable *a;
	GList *items;
	size_t i;
	int r;

	if ((r = get_service(&svc, err)) != 0)
		return r;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		a = attrs_new();
		attr(a, kinds[i].app_key, KEYRING_APPLICATION);
		r = search(&items, svc, kinds[i].schema, a, 0, 0, err);
		g_hash_table_unref(a);
		if (r != 0)
			break;
		list_kind(fp, items, kinds[i].kind, kinds[i].key);
		g_list_free_full(items, g_object_unref);
	}
	g_object_unref(svc);
	return r;
}

int
keyring_sync_remove(const char *notation, unsigned int *n_out,
    struct keyring_err *err)
{
	GHashTable *a;
	unsigned int n1 = 0, n2 = 0;
	int r;

	a = attrs_new();
	attr(a, "application", KEYRING_APPLICATION);
	if (notation != NULL)
		attr(a, "notation", notation);
	r = erase(&mirror_schema, a, NULL, &n1, err);
	g_hash_table_unref(a);
	if (r == 0) {
		a = attrs_new();
		attr(a, "keeper-app", KEYRING_APPLICATION);
		if (notation != NULL)
			attr(a, "keeper-notation", notation);
		r = erase(&git_schema, a, NULL, &n2, err);
		g_hash_table_unref(a);
	}
	if (n_out != NULL)
		*n_out = n1 + n2;
	return r;
}

int
keyring_sync_store(const char *notation, const struct keyring_git *git,
    const char *value, struct keyring_err *err)
{
	const SecretSchema *schema = &mirror_schema;
	GHashTable *a;
	GError *ge = NULL;
	char *label, port[16];
	int r;

	if (value == NULL || strlen(value) > KEYRING_MAX_SECRET)
		return fail(err, KEYRING_EINVAL, NULL, "value too large");
	/* a re-sync replaces whatever an earlier sync of notation made */
	if ((r = keyring_sync_remove(notation, NULL, err)) != 0)
		return r;
	a = attrs_new();
	if (git == NULL) {
		attr(a, "application", KEYRING_APPLICATION);
		attr(a, "notation", notation);
		label = g_strdup_printf("Keeper: %s", notation);
	} else {
		schema = &git_schema;
		attr(a, "keeper-app", KEYRING_APPLICATION);
		attr(a, "keeper-notation", notation);
		attr(a, "protocol", git->protocol);
		attr(a, "server", git->server);
		if (git->user != NULL && git->user[0] != '\0')
			attr(a, "user", git->user);
		if (git->path != NULL && git->path[0] != '\0')
			attr(a, "object", git->path);
		if (git->port != 0) {
			snprintf(port, sizeof(port), "%u", git->port);
			attr(a, "port", port);
		}
		/* the label git-credential-libsecret itself writes */
		label = g_strdup_printf("Git: %s://%s/", git->protocol,
		    git->server);
	}
	if (!secret_password_storev_sync(schema, a, SECRET_COLLECTION_SESSION,
	    label, value, NULL, &ge))
		r = map_gerror(err, ge, "storing into the session collection");
	g_free(label);
	g_hash_table_unref(a);
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
		return preflight(err);
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
	if ((r = get_service(&svc, err)) != 0)
		return r;
	doctor_collection(fp, svc, "default");
	doctor_collection(fp, svc, "session");
	g_object_unref(svc);
	return 0;
}

void
keyring_free(void *p, size_t n)
{
	ksmx_freezero(p, n);
}
