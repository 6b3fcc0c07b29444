/*
 * The KSM config in the keyring (keyring.h): stored under the profile
 * with a SHA-256 integrity attribute, loaded and checked, erased.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsecret/secret.h>

#include "keyring-int.h"
#include "crypto.h"
#include "util/wipe.h"

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

	profile = keyring__profile(profile);
	if (json == NULL || strlen(json) > KEYRING_MAX_SECRET)
		return keyring__fail(err, KEYRING_EINVAL, NULL,
		    "the config is empty or larger than %u bytes",
		    KEYRING_MAX_SECRET);
	if ((r = config_digest(hex, profile, json)) != 0)
		return keyring__fail(err, r, NULL, "cannot hash the config");
	if ((r = keyring__service(&svc, err)) != 0)
		goto out;
	a = keyring__attrs_new();
	keyring__attr(a, "application", KEYRING_APPLICATION);
	keyring__attr(a, "profile", profile);
	keyring__attr(a, "sha256", hex);
	label = g_strdup_printf("Keeper Secrets Manager config (%s)", profile);
	if (!secret_password_storev_sync(&keyring__config_schema, a,
	    SECRET_COLLECTION_DEFAULT, label, json, NULL, &ge)) {
		r = keyring__map_gerror(err, ge, "storing the config");
		goto out;
	}
	/* older versions of this profile have another sha256: drop them */
	g_hash_table_remove(a, "sha256");
	if ((r = keyring__search(&items, svc, &keyring__config_schema, a, 0, 0,
	    err)) != 0)
		goto out;
	r = keyring__delete_items(items, "sha256", hex, NULL, err);
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
	profile = keyring__profile(profile);
	if ((r = keyring__service(&svc, err)) != 0)
		goto out;
	a = keyring__attrs_new();
	keyring__attr(a, "application", KEYRING_APPLICATION);
	keyring__attr(a, "profile", profile);
	if ((r = keyring__search(&items, svc, &keyring__config_schema, a, 1, 1,
	    err)) != 0)
		goto out;
	if (items == NULL) {
		r = keyring__fail(err, KEYRING_ENOTFOUND,
		    "store one: keeper-keyring "
		    "config-store --profile PROFILE < ksm-config.json",
		    "no Keeper config for profile '%s' in the keyring",
		    profile);
		goto out;
	}
	if (items->next != NULL) {
		r = keyring__fail(err, KEYRING_ETAMPERED,
		    "store the config again: "
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
		r = keyring__fail(err, KEYRING_ETAMPERED,
		    "store the config again: "
		    "keeper-keyring config-store", "the keyring entry for "
		    "profile '%s' is empty or not text", profile);
		goto out;
	}
	if ((*out = malloc(len + 1)) == NULL) {
		r = keyring__fail(err, KEYRING_ENOMEM, NULL, "out of memory");
		goto out;
	}
	memcpy(*out, text, len);
	(*out)[len] = '\0';
	if ((r = config_digest(hex, profile, *out)) != 0) {
		r = keyring__fail(err, r, NULL, "cannot hash the config");
		goto out;
	}
	if (want == NULL || strlen(want) != 64 ||
	    ksmx_memeq_ct(want, hex, 64) != 0) {
		r = keyring__fail(err, KEYRING_ETAMPERED,
		    "if you did not change it, "
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

int
keyring_config_erase(const char *profile, struct keyring_err *err)
{
	GHashTable *a = keyring__attrs_new();
	char what[200];
	int r;

	profile = keyring__profile(profile);
	keyring__attr(a, "application", KEYRING_APPLICATION);
	keyring__attr(a, "profile", profile);
	snprintf(what, sizeof(what), "no Keeper config for profile '%s' in "
	    "the keyring", profile);
	r = keyring__erase(&keyring__config_schema, a, what, NULL, err);
	g_hash_table_unref(a);
	return r;
}
