/*
 * Values in the keyring (keyring.h): named values, the mirrors `sync`
 * keeps (git's libsecret items among them), and `list`.  The config is in
 * keyring-config.c, the Secret Service connection in keyring-service.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsecret/secret.h>

#include "keyring-int.h"
#include "util/wipe.h"

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
		return keyring__fail(err, KEYRING_EINVAL, NULL,
		    "empty name, or a value "
		    "larger than %u bytes", KEYRING_MAX_SECRET);
	if ((r = keyring__preflight(err)) != 0)
		return r;
	a = keyring__attrs_new();
	keyring__attr(a, "application", KEYRING_APPLICATION);
	keyring__attr(a, "name", name);
	label = g_strdup_printf("Keeper: %s", name);
	/* secret_value_new copies; libsecret wipes its copy on unref */
	sv = secret_value_new(p, (gssize)n, memchr(p, '\0', n) != NULL ?
	    "application/octet-stream" : "text/plain");
	if (!secret_password_storev_binary_sync(&keyring__value_schema, a,
	    SECRET_COLLECTION_DEFAULT, label, sv, NULL, &ge))
		r = keyring__map_gerror(err, ge, "storing the value");
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
	GHashTable *a = keyring__attrs_new();
	GList *items = NULL;
	const char *p;
	gsize len;
	int r;

	*out = NULL;
	*out_len = 0;
	keyring__attr(a, "application", KEYRING_APPLICATION);
	keyring__attr(a, "name", name);
	if ((r = keyring__service(&svc, err)) != 0)
		goto out;
	if ((r = keyring__search(&items, svc, &keyring__value_schema, a, 1, 1,
	    err)) != 0)
		goto out;
	if (items == NULL) {
		r = keyring__fail(err, KEYRING_ENOTFOUND, NULL,
		    "no value named '%s' in the keyring", name);
		goto out;
	}
	sv = secret_item_get_secret(items->data);
	p = sv != NULL ? secret_value_get(sv, &len) : NULL;
	if (p == NULL)
		len = 0;
	if ((*out = malloc(len + 1)) == NULL) {
		r = keyring__fail(err, KEYRING_ENOMEM, NULL, "out of memory");
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
	GHashTable *a = keyring__attrs_new();
	char what[200];
	int r;

	keyring__attr(a, "application", KEYRING_APPLICATION);
	keyring__attr(a, "name", name);
	snprintf(what, sizeof(what), "no value named '%.100s' in the keyring",
	    name);
	r = keyring__erase(&keyring__value_schema, a, what, NULL, err);
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
		{ &keyring__config_schema, "application", "config", "profile" },
		{ &keyring__value_schema, "application", "value", "name" },
		{ &keyring__mirror_schema, "application", "sync", "notation" },
		{ &keyring__git_schema,
		    "keeper-app", "sync-git", "keeper-notation" },
	};
	SecretService *svc = NULL;
	GHashTable *a;
	GList *items;
	size_t i;
	int r;

	if ((r = keyring__service(&svc, err)) != 0)
		return r;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		a = keyring__attrs_new();
		keyring__attr(a, kinds[i].app_key, KEYRING_APPLICATION);
		r = keyring__search(&items, svc, kinds[i].schema, a, 0, 0, err);
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

	a = keyring__attrs_new();
	keyring__attr(a, "application", KEYRING_APPLICATION);
	if (notation != NULL)
		keyring__attr(a, "notation", notation);
	r = keyring__erase(&keyring__mirror_schema, a, NULL, &n1, err);
	g_hash_table_unref(a);
	if (r == 0) {
		a = keyring__attrs_new();
		keyring__attr(a, "keeper-app", KEYRING_APPLICATION);
		if (notation != NULL)
			keyring__attr(a, "keeper-notation", notation);
		r = keyring__erase(&keyring__git_schema, a, NULL, &n2, err);
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
	const SecretSchema *schema = &keyring__mirror_schema;
	GHashTable *a;
	GError *ge = NULL;
	char *label, port[16];
	int r;

	if (value == NULL || strlen(value) > KEYRING_MAX_SECRET)
		return keyring__fail(err, KEYRING_EINVAL, NULL,
		    "value too large");
	/* a re-sync replaces whatever an earlier sync of notation made */
	if ((r = keyring_sync_remove(notation, NULL, err)) != 0)
		return r;
	a = keyring__attrs_new();
	if (git == NULL) {
		keyring__attr(a, "application", KEYRING_APPLICATION);
		keyring__attr(a, "notation", notation);
		label = g_strdup_printf("Keeper: %s", notation);
	} else {
		schema = &keyring__git_schema;
		keyring__attr(a, "keeper-app", KEYRING_APPLICATION);
		keyring__attr(a, "keeper-notation", notation);
		keyring__attr(a, "protocol", git->protocol);
		keyring__attr(a, "server", git->server);
		if (git->user != NULL && git->user[0] != '\0')
			keyring__attr(a, "user", git->user);
		if (git->path != NULL && git->path[0] != '\0')
			keyring__attr(a, "object", git->path);
		if (git->port != 0) {
			snprintf(port, sizeof(port), "%u", git->port);
			keyring__attr(a, "port", port);
		}
		/* the label git-credential-libsecret itself writes */
		label = g_strdup_printf("Git: %s://%s/", git->protocol,
		    git->server);
	}
	if (!secret_password_storev_sync(schema, a, SECRET_COLLECTION_SESSION,
	    label, value, NULL, &ge))
		r = keyring__map_gerror(err, ge,
		    "storing into the session collection");
	g_free(label);
	g_hash_table_unref(a);
	return r;
}

void
keyring_free(void *p, size_t n)
{
	ksmx_freezero(p, n);
}
