#include "config.h"

/*
 * The KSM configuration: a flat map of the SDKs' JSON keys to strings,
 * held in a cJSON object, and the order in which its sources are tried.
 * Never the current directory: a helper run inside an untrusted checkout
 * must not pick up a config planted there.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm-int.h"
#include "ksm-config.h"
#include "json.h"
#include "util/b64.h"
#include "keyring-module.h"

#define MAX_CONFIG_TEXT		(2u * KSM_MAX_CONFIG_FILE)	/* bytes */
#define SOURCE_MAX		600	/* bytes of a source description */

struct ksm_config {
	cJSON	*obj;		/* object of string members, owned */
	char	*path;		/* where save() writes; NULL: memory only */
	char	*keyring;	/* or the keyring profile save() writes */
};

static const char *const known_keys[] = {
	KSM_CFG_HOSTNAME, KSM_CFG_CLIENT_ID, KSM_CFG_PRIVATE_KEY,
	KSM_CFG_CLIENT_KEY, KSM_CFG_APP_KEY, KSM_CFG_APP_OWNER_PUBLIC_KEY,
	KSM_CFG_SERVER_PUBLIC_KEY_ID, KSM_CFG_SERVER_PUBLIC_KEY,
	KSM_CFG_CA_FILE,
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\v' || c == '\f';
}

static int
is_known_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
		if (strcmp(key, known_keys[i]) == 0)
			return 1;
	return 0;
}

static int
corrupt(const char *source, const char *why)
{
	ksm__err(KSM_ECONFIG, "corrupt Keeper configuration in %s: %s",
	    source, why);
	ksm__err_hint("restore it, or bind again with: keeper-secret init "
	    "--token <one-time token>");
	return KSM_ECONFIG;
}

/* serverPublicKeyId written as a JSON number: a small whole number. */
static int
number_to_string(cJSON *obj, cJSON *item)
{
	char num[16];
	double v = item->valuedouble;
	cJSON *s;

	if (!(v >= 0 && v <= 999999999.0) || v != (double)(long)v)
		return KSM_ECONFIG;
	(void)snprintf(num, sizeof(num), "%ld", (long)v);
	if ((s = cJSON_CreateString(num)) == NULL)
		return KSM_ENOMEM;
	/* item is the only member of its name (duplicates went first) */
	if (!cJSON_ReplaceItemInObjectCaseSensitive(obj, item->string, s)) {
		cJSON_Delete(s);
		return KSM_ENOMEM;
	}
	return 0;
}

/*
 * Every member a string (a later duplicate wins, null means absent, a
 * number is taken for serverPublicKeyId), or KSM_ECONFIG.
 */
static int
normalise(cJSON *obj, const char *source)
{
	cJSON *item, *next, *later;
	char why[128];
	int r;

	for (item = obj->child; item != NULL; item = next) {
		next = item->next;
		for (later = next; later != NULL; later = later->next)
			if (strcmp(later->string, item->string) == 0)
				break;
		if (later != NULL || cJSON_IsNull(item)) {
			ksmx_json_free(cJSON_DetachItemViaPointer(obj, item));
			continue;
		}
		if (cJSON_IsString(item))
			continue;
		if (cJSON_IsNumber(item) &&
		    strcmp(item->string, KSM_CFG_SERVER_PUBLIC_KEY_ID) == 0) {
			if ((r = number_to_string(obj, item)) == 0)
				continue;
			if (r == KSM_ENOMEM)
				return ksm__err(r, "out of memory");
		}
		/* name only our own keys: others are file content */
		if (is_known_key(item->string))
			(void)snprintf(why, sizeof(why),
			    "the value of '%s' is not a string", item->string);
		else
			(void)snprintf(why, sizeof(why),
			    "a value is not a string");
		return corrupt(source, why);
	}
	return 0;
}

/* The bytes of a JSON object with string members, from base64 or JSON. */
static int
parse_text(cJSON **out, const char *text, size_t len, const char *source,
    int empty_ok)
{
	struct ksmx_buf b64 = KSMX_BUF_INIT(MAX_CONFIG_TEXT);
	struct ksmx_buf raw = KSMX_BUF_INIT(MAX_CONFIG_TEXT);
	const char *json;
	size_t i, json_len;
	cJSON *root = NULL;
	int r;

	*out = NULL;
	if (len > MAX_CONFIG_TEXT) {
		r = ksm__err(KSM_ETOOBIG, "Keeper configuration in %s is "
		    "larger than %u bytes", source, MAX_CONFIG_TEXT);
		goto out;
	}
	for (i = 0; i < len && is_space(text[i]); i++)
		;
	if (i == len) {
		if (!empty_ok) {
			r = corrupt(source, "it is empty");
			goto out;
		}
		if ((root = cJSON_CreateObject()) == NULL) {
			r = ksm__err(KSM_ENOMEM, "out of memory");
			goto out;
		}
		goto done;
	}
	if (text[i] == '{') {
		json = text;
		json_len = len;
	} else {
		/* base64 in either alphabet, whitespace (line wraps) dropped */
		for (; i < len; i++) {
			if (is_space(text[i]))
				continue;
			if ((r = ksmx_buf_putc(&b64, (uint8_t)text[i])) != 0) {
				r = ksm__err(r, "out of memory");
				goto out;
			}
		}
		if (ksmx_b64_decode(&raw, (const char *)b64.d, b64.len) != 0) {
			r = corrupt(source, "neither JSON nor base64");
			goto out;
		}
		for (i = 0; i < raw.len && is_space((char)raw.d[i]); i++)
			;
		if (i == raw.len || raw.d[i] != '{') {
			r = corrupt(source, "base64 of something other than "
			    "a JSON object");
			goto out;
		}
		json = (const char *)raw.d;
		json_len = raw.len;
	}
	if ((root = ksmx_json_parse(json, json_len)) == NULL) {
		r = corrupt(source, "not valid JSON");
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		r = corrupt(source, "not a JSON object");
		goto out;
	}
	if ((r = normalise(root, source)) != 0)
		goto out;
 done:
	*out = root;
	root = NULL;			/* transferred */
	r = 0;
 out:
	ksmx_json_free(root);
	ksmx_buf_clear(&b64);
	ksmx_buf_clear(&raw);
	return r;
}

static int
config_alloc(struct ksm_config **out, cJSON *obj, const char *path)
{
	struct ksm_config *cfg;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	if (path != NULL && (cfg->path = strdup(path)) == NULL) {
		free(cfg);
		return ksm__err(KSM_ENOMEM, "out of memory");
	}
	cfg->obj = obj;			/* taken */
	*out = cfg;
	return 0;
}

/* In-memory config from text; source names it in messages. */
static int
load_text(struct ksm_config **out, const char *text, const char *source)
{
	cJSON *obj = NULL;
	int r;

	if ((r = parse_text(&obj, text, strlen(text), source, 0)) != 0)
		return r;
	if ((r = config_alloc(out, obj, NULL)) != 0)
		ksmx_json_free(obj);
	return r;
}

static int
load_file(struct ksm_config **out, const char *path)
{
	struct ksmx_buf data = KSMX_BUF_INIT(KSM_MAX_CONFIG_FILE);
	char source[SOURCE_MAX];
	cJSON *obj = NULL;
	int r;

	if ((r = ksm_config__read_file(&data, path)) != 0)
		goto out;
	(void)snprintf(source, sizeof(source), "'%s'", path);
	/* a 0-byte file is an empty config, as in the Python SDK */
	if ((r = parse_text(&obj, data.d != NULL ? (const char *)data.d : "",
	    data.len, source, 1)) != 0)
		goto out;
	if ((r = config_alloc(out, obj, path)) != 0)
		goto out;
	obj = NULL;			/* transferred */
 out:
	ksmx_json_free(obj);
	ksmx_buf_clear(&data);
	return r;
}

#define KR_STRICT	0	/* any failure is an error */
#define KR_MISSING_OK	1	/* no entry for the profile: return 1 */
#define KR_FALLBACK	2	/* no entry, bus, provider or module: 1 */

/*
 * From the desktop keyring (config-keyring.c).  1 (nothing loaded) in the
 * cases how allows, for the caller to go on; a locked or tampered entry
 * is an error whatever how says: never a silent downgrade.
 */
static int
load_keyring(struct ksm_config **out, const char *profile, int how)
{
	char source[SOURCE_MAX], *text = NULL;
	int r, kr;

	r = ksm_config__keyring_load(&text, profile, &kr);
	if (r != 0 && ((how != KR_STRICT && kr == KSM_KR_ENOTFOUND) ||
	    (how == KR_FALLBACK && (kr == KSM_KR_ENOBUS ||
	    kr == KSM_KR_ENOPROVIDER || kr == KSM_KR_ENOMODULE)))) {
		ksm_error_clear();
		return 1;
	}
	if (r != 0)
		return r;
	(void)snprintf(source, sizeof(source), "the keyring entry for "
	    "profile '%s'", profile);
	if ((r = load_text(out, text, source)) == 0 &&
	    ((*out)->keyring = ksmx_strdup(profile)) == NULL) {
		ksm_config__free(*out);
		*out = NULL;
		r = ksm__err(KSM_ENOMEM, "out of memory");
	}
	ksmx_strfree(text);
	return r;
}

/* A file path, or "keyring:PROFILE". */
static int
load_location(struct ksm_config **out, const char *path)
{
	const char *profile = ksm_config__keyring_profile(path);

	return profile != NULL ? load_keyring(out, profile, KR_STRICT) :
	    load_file(out, path);
}

/*
 * A profile's file or keyring entry (config-profile.c).  A named profile
 * that does not exist is an error of its own; a missing "default" is the
 * usual "no Keeper configuration found" with the init hint.  from: what
 * chose the profile (KSM_PROFILE_FROM_*).
 */
static int
load_profile(struct ksm_config **out, const char *name, int from)
{
	char *path = NULL;
	int r, present;

	if ((r = ksm_profile__path(&path, name, &present)) != 0)
		return r;
	if (present || strcmp(name, KSM_PROFILE_DEFAULT) == 0) {
		r = load_location(out, path);
		goto out;
	}
	r = ksm__err(KSM_ECONFIG, "there is no Keeper profile '%s' (%sno "
	    "file '%s')", name, from == KSM_PROFILE_FROM_ENV ?
	    "named by KSM_PROFILE; " : from == KSM_PROFILE_FROM_ACTIVE ?
	    "the active profile; " : "", path);
	if (from == KSM_PROFILE_FROM_ACTIVE)
		ksm__err_hint("choose one that exists with: keeper-secret "
		    "profile use NAME (keeper-secret profile list shows them)");
	else
		ksm__err_hint("create it with: keeper-secret profile init %s "
		    "--token -; keeper-secret profile list shows the others",
		    name);
 out:
	free(path);
	return r;
}

/* A file path, "keyring:PROFILE" or "profile:NAME". */
static int
load_path(struct ksm_config **out, const char *path)
{
	const char *name = ksm_config__profile_name(path);

	return name != NULL ? load_profile(out, name, KSM_PROFILE_FROM_PATH) :
	    load_location(out, path);
}

/*
 * $KSM_CONFIG_KEYRING: 0/unset, 1 (the keyring, or fail) or fallback (the
 * keyring, else on to the files), profile $KSM_KEYRING_PROFILE.  1 when
 * the caller should go on.
 */
static int
load_env_keyring(struct ksm_config **out)
{
	const char *v = ksm_config__env("KSM_CONFIG_KEYRING"), *profile;

	if (v == NULL || strcmp(v, "0") == 0 || strcmp(v, "no") == 0)
		return 1;
	if ((profile = ksm_config__env("KSM_KEYRING_PROFILE")) == NULL)
		profile = "default";
	if (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0)
		return load_keyring(out, profile, KR_STRICT);
	if (strcmp(v, "fallback") == 0)
		return load_keyring(out, profile, KR_FALLBACK);
	(void)ksm__err(KSM_ECONFIG, "KSM_CONFIG_KEYRING is '%.40s'", v);
	ksm__err_hint("set it to 1 (the keyring only), fallback (the keyring, "
	    "else the config file) or 0");
	return KSM_ECONFIG;
}

int
ksm_config__new(struct ksm_config **out, const char *path)
{
	char *def = NULL;
	cJSON *obj = NULL;
	int r;

	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	/* the profile in force, or the one "profile:NAME" names */
	if (path == NULL || ksm_config__profile_name(path) != NULL) {
		if ((r = path == NULL ? ksm_config__default_path(&def) :
		    ksm_config__resolve(&def, path)) != 0)
			return r;
		path = def;
	}
	if ((obj = cJSON_CreateObject()) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	if (ksm_config__keyring_profile(path) != NULL) {
		if ((r = config_alloc(out, obj, NULL)) != 0)
			goto out;
		obj = NULL;		/* transferred */
		if (((*out)->keyring = ksmx_strdup(
		    ksm_config__keyring_profile(path))) == NULL) {
			ksm_config__free(*out);
			*out = NULL;
			r = ksm__err(KSM_ENOMEM, "out of memory");
		}
		goto out;
	}
	if ((r = config_alloc(out, obj, path)) != 0)
		goto out;
	obj = NULL;			/* transferred */
 out:
	cJSON_Delete(obj);
	free(def);
	return r;
}

int
ksm_config__parse(struct ksm_config **out, const char *text)
{
	KSM_ASSERT_ARG(out != NULL);
	KSM_ASSERT_ARG(text != NULL);
	*out = NULL;
	return load_text(out, text, "the configuration string");
}

int
ksm_config__load(struct ksm_config **out, const char *path,
    const char *string)
{
	const char *v;
	char name[KSM_PROFILE_NAME_MAX + 1];
	int r, from;

	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	if (string != NULL)
		return load_text(out, string, "the configuration string");
	if (path != NULL && *path != '\0')
		return load_path(out, path);
	if ((v = ksm_config__env("KSM_CONFIG")) != NULL)
		return load_text(out, v, "$KSM_CONFIG");
	if ((r = load_env_keyring(out)) != 1)
		return r;
	if ((v = ksm_config__env("KSM_CONFIG_FILE")) != NULL)
		return load_path(out, v);
	/* $KSM_PROFILE, the active profile, or the default file */
	if ((r = ksm_profile__current(name, &from)) != 0)
		return r;
	return load_profile(out, name, from);
}

const char *
ksm_config__get(const struct ksm_config *cfg, const char *key)
{
	if (cfg == NULL || key == NULL)
		return NULL;
	return ksmx_json_str(cfg->obj, key);
}

int
ksm_config__set(struct ksm_config *cfg, const char *key, const char *value)
{
	cJSON *item;

	KSM_ASSERT_ARG(cfg != NULL);
	KSM_ASSERT_ARG(key != NULL);
	KSM_ASSERT_ARG(value != NULL);
	/* copy first: value may point into the member it replaces */
	if ((item = cJSON_CreateString(value)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	ksm_config__del(cfg, key);
	if (!cJSON_AddItemToObject(cfg->obj, key, item)) {
		ksmx_json_free(item);
		return ksm__err(KSM_ENOMEM, "out of memory");
	}
	return 0;
}

void
ksm_config__del(struct ksm_config *cfg, const char *key)
{
	if (cfg == NULL || key == NULL)
		return;
	ksmx_json_free(cJSON_DetachItemFromObjectCaseSensitive(cfg->obj, key));
}

const char *
ksm_config__path(const struct ksm_config *cfg)
{
	return cfg != NULL ? cfg->path : NULL;
}

static int
put_json_string(struct ksmx_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7];
	const unsigned char *p;
	int r;

	if ((r = ksmx_buf_putc(b, '"')) != 0)
		return r;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':	r = ksmx_buf_put(b, "\\\"", 2); break;
		case '\\':	r = ksmx_buf_put(b, "\\\\", 2); break;
		case '\b':	r = ksmx_buf_put(b, "\\b", 2); break;
		case '\f':	r = ksmx_buf_put(b, "\\f", 2); break;
		case '\n':	r = ksmx_buf_put(b, "\\n", 2); break;
		case '\r':	r = ksmx_buf_put(b, "\\r", 2); break;
		case '\t':	r = ksmx_buf_put(b, "\\t", 2); break;
		default:
			if (*p >= 0x20) {
				r = ksmx_buf_putc(b, *p);
				break;
			}
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			r = ksmx_buf_put(b, esc, 6);
			break;
		}
		if (r != 0)
			return r;
	}
	return ksmx_buf_putc(b, '"');
}

static int
cmp_key(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a;
	const cJSON *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

/* Python's json.dumps(indent=4, sort_keys=True) of a flat string map. */
static int
serialise(struct ksmx_buf *b, const struct ksm_config *cfg)
{
	const cJSON **items = NULL;
	const cJSON *item;
	size_t n = 0, i;
	int r;

	for (item = cfg->obj->child; item != NULL; item = item->next)
		n++;
	if (n == 0)
		return ksmx_buf_puts(b, "{}");
	if ((items = calloc(n, sizeof(*items))) == NULL)
		return KSM_ENOMEM;
	for (i = 0, item = cfg->obj->child; item != NULL; item = item->next)
		items[i++] = item;
	qsort(items, n, sizeof(*items), cmp_key);
	if ((r = ksmx_buf_puts(b, "{\n")) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((r = ksmx_buf_puts(b, "    ")) != 0 ||
		    (r = put_json_string(b, items[i]->string)) != 0 ||
		    (r = ksmx_buf_puts(b, ": ")) != 0 ||
		    (r = put_json_string(b, cJSON_IsString(items[i]) ?
		    items[i]->valuestring : "")) != 0 ||
		    (r = ksmx_buf_puts(b, i + 1 < n ? ",\n" : "\n")) != 0)
			goto out;
	}
	r = ksmx_buf_putc(b, '}');
 out:
	free(items);
	return r;
}

char *
ksm_config__to_json(const struct ksm_config *cfg)
{
	struct ksmx_buf b = KSMX_BUF_INIT(KSM_MAX_CONFIG_FILE);

	if (cfg == NULL)
		return NULL;
	if (serialise(&b, cfg) != 0 || ksmx_buf_cstr(&b) != 0) {
		ksmx_buf_clear(&b);
		return NULL;
	}
	return (char *)ksmx_buf_take(&b, NULL);
}

static int
save_keyring(const struct ksm_config *cfg)
{
	struct ksmx_buf b = KSMX_BUF_INIT(KSM_MAX_CONFIG_FILE);
	int r;

	if ((r = serialise(&b, cfg)) != 0 || (r = ksmx_buf_cstr(&b)) != 0)
		r = ksm__err(r, "cannot serialise the configuration");
	else
		r = ksm_config__keyring_store(cfg->keyring,
		    (const char *)b.d);
	ksmx_buf_clear(&b);
	return r;
}

const char *
ksm_config__keyring(const struct ksm_config *cfg)
{
	return cfg != NULL ? cfg->keyring : NULL;
}

int
ksm_config__load_existing(struct ksm_config **out, const char *path)
{
	const char *profile;
	char *where = NULL;
	int r;

	KSM_ASSERT_ARG(out != NULL && path != NULL);
	*out = NULL;
	if (ksm_config__profile_name(path) != NULL) {
		if ((r = ksm_config__resolve(&where, path)) != 0)
			return r;
		r = ksm_config__load_existing(out, where);
		free(where);
		return r;
	}
	if ((profile = ksm_config__keyring_profile(path)) == NULL) {
		if (access(path, F_OK) != 0 && errno == ENOENT)
			return 0;
		return load_file(out, path);
	}
	/* the keyring must be usable (bus, provider, unlocked) to bind */
	r = load_keyring(out, profile, KR_MISSING_OK);
	return r == 1 ? 0 : r;
}

int
ksm_config__save(const struct ksm_config *cfg)
{
	struct ksmx_buf b = KSMX_BUF_INIT(KSM_MAX_CONFIG_FILE);
	int r;

	KSM_ASSERT_ARG(cfg != NULL);
	if (cfg->keyring != NULL)
		return save_keyring(cfg);
	if (cfg->path == NULL)
		return 0;		/* in memory: nothing to write */
	if ((r = serialise(&b, cfg)) != 0 ||
	    (r = ksmx_buf_putc(&b, '\n')) != 0) {
		if (r == KSM_ETOOBIG)
			r = ksm__err(r, "the configuration for '%s' is larger "
			    "than %u bytes", cfg->path, KSM_MAX_CONFIG_FILE);
		else
			r = ksm__err(r, "out of memory");
		goto out;
	}
	r = ksm_config__write_file(cfg->path, b.d, b.len);
 out:
	ksmx_buf_clear(&b);
	return r;
}

void
ksm_config__free(struct ksm_config *cfg)
{
	if (cfg == NULL)
		return;
	ksmx_json_free(cfg->obj);
	free(cfg->path);
	free(cfg->keyring);
	free(cfg);
}
