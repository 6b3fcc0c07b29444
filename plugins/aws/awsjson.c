#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ksm-int.h"
#include "json.h"
#include "awsjson.h"

#define KEEPER_PREFIX	"keeper://"

void
awscred_clear(struct awscred *c)
{
	ksmx_strfree(c->access_key_id);
	ksmx_strfree(c->secret_access_key);
	ksmx_strfree(c->session_token);
	c->access_key_id = NULL;
	c->secret_access_key = NULL;
	c->session_token = NULL;
	c->expiration = 0;
}

/* ---- reading the record JSON ---- */

static int
parse_record(cJSON **out, const char *record_json, const char *uid)
{
	cJSON *root;

	*out = NULL;
	root = record_json == NULL ? NULL :
	    ksmx_json_parse(record_json, strlen(record_json));
	if (root == NULL || !cJSON_IsObject(root)) {
		ksmx_json_free(root);
		return ksm__err(KSM_EPROTO, "record '%s' is not valid record "
		    "JSON", uid);
	}
	/* ksm-protocol.md §9.3: V2 data has secret1/secret2, no fields */
	if (cJSON_GetObjectItemCaseSensitive(root, "secret1") != NULL ||
	    (cJSON_GetObjectItemCaseSensitive(root, "type") == NULL &&
	    cJSON_GetObjectItemCaseSensitive(root, "fields") == NULL)) {
		ksmx_json_free(root);
		ksm__err(KSM_ELEGACY, "record '%s' is a legacy (V2) record",
		    uid);
		ksm__err_hint("convert it to a typed record in the Keeper "
		    "vault");
		return KSM_ELEGACY;
	}
	*out = root;
	return 0;
}

/* value[index] of field f when it is a string, else NULL. */
static const char *
field_value(const cJSON *f, size_t index)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, "value");
	const cJSON *e;

	if (!cJSON_IsArray(v) || index > INT32_MAX)
		return NULL;
	e = cJSON_GetArrayItem(v, (int)index);
	return cJSON_IsString(e) ? e->valuestring : NULL;
}

/* First non-empty value[0] of a field in list whose key equals want. */
static const char *
first_value(const cJSON *root, const char *list, const char *key,
    const char *want, int (*cmp)(const char *, const char *))
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, list);
	const cJSON *f;
	const char *k, *v;

	cJSON_ArrayForEach(f, arr) {
		k = ksmx_json_str(f, key);
		if (k == NULL || cmp(k, want) != 0)
			continue;
		v = field_value(f, 0);
		if (v != NULL && v[0] != '\0')
			return v;
	}
	return NULL;
}

/* First non-empty value[0] of a field in list whose label matches. */
static const char *
by_label(const cJSON *root, const char *list, const char *label)
{
	return first_value(root, list, "label", label, strcasecmp);
}

/* First non-empty value[0] of a standard field of this type. */
static const char *
by_type(const cJSON *root, const char *type)
{
	return first_value(root, "fields", "type", type, strcmp);
}

/* Labels in order, custom fields before standard ones; then a type. */
static const char *
pick(const cJSON *root, const char *const *labels, const char *type)
{
	const char *v;
	size_t i;

	for (i = 0; labels[i] != NULL; i++) {
		if ((v = by_label(root, "custom", labels[i])) != NULL ||
		    (v = by_label(root, "fields", labels[i])) != NULL)
			return v;
	}
	return type != NULL ? by_type(root, type) : NULL;
}

/* "Expiration" field: RFC 3339 text or epoch milliseconds. */
static time_t
pick_expiration(const cJSON *root)
{
	static const char *const lists[] = { "custom", "fields" };
	const cJSON *f, *v, *e;
	const char *l;
	time_t t;
	size_t i;

	for (i = 0; i < 2; i++) {
		v = cJSON_GetObjectItemCaseSensitive(root, lists[i]);
		cJSON_ArrayForEach(f, v) {
			l = ksmx_json_str(f, "label");
			if (l == NULL || strcasecmp(l, "Expiration") != 0)
				continue;
			e = cJSON_GetArrayItem(
			    cJSON_GetObjectItemCaseSensitive(f, "value"), 0);
			if (cJSON_IsString(e) &&
			    awsjson_time_parse(&t, e->valuestring) == 0)
				return t;
			if (cJSON_IsNumber(e) && e->valuedouble >= 1000.0 &&
			    e->valuedouble < 253402300800000.0)
				return (time_t)(e->valuedouble / 1000.0);
		}
	}
	return 0;
}

int
awsjson_select(struct awscred *c, const char *record_json, const char *uid)
{
	static const char *const key_labels[] = {
		"Access Key ID", "aws_access_key_id", NULL };
	static const char *const secret_labels[] = {
		"Secret Access Key", "aws_secret_access_key", NULL };
	static const char *const token_labels[] = {
		"Session Token", "aws_session_token", NULL };
	cJSON *root = NULL;
	const char *key, *secret, *token;
	int r;

	awscred_clear(c);
	if ((r = parse_record(&root, record_json, uid)) != 0)
		return r;
	key = pick(root, key_labels, "login");
	secret = pick(root, secret_labels, "password");
	token = pick(root, token_labels, NULL);
	if (key == NULL) {
		r = ksm__err(KSM_ENOTFOUND, "record '%s' has no AWS access "
		    "key id", uid);
		ksm__err_hint("add a custom field labelled 'Access Key ID' "
		    "to the record, or fill its login field");
		goto out;
	}
	if (secret == NULL) {
		r = ksm__err(KSM_ENOTFOUND, "record '%s' has no AWS secret "
		    "access key", uid);
		ksm__err_hint("add a custom field labelled 'Secret Access Key' "
		    "to the record, or fill its password field");
		goto out;
	}
	if ((c->access_key_id = ksmx_strdup(key)) == NULL ||
	    (c->secret_access_key = ksmx_strdup(secret)) == NULL ||
	    (token != NULL &&
	    (c->session_token = ksmx_strdup(token)) == NULL)) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	c->expiration = pick_expiration(root);
	r = 0;
out:
	if (r != 0)
		awscred_clear(c);
	ksmx_json_free(root);
	return r;
}

/* ---- the record part of a notation ---- */

/*
 * Copy escaped text from *sp up to (not including) an unescaped stop
 * character or the end, unescaping \\ \/ \[ \].  *sp is left on the stop.
 */
static int
unescape_until(char **out, const char **sp, const char *stops,
    const char *whole)
{
	const char *s = *sp;
	char *d, *p;

	*out = NULL;
	if ((d = malloc(strlen(s) + 1)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	for (p = d; *s != '\0' && strchr(stops, *s) == NULL; s++) {
		if (*s == '\\') {
			s++;
			if (*s == '\0' || strchr("\\/[]", *s) == NULL) {
				free(d);
				return ksm__err(KSM_ENOTATION, "bad escape in "
				    "notation '%s'", whole);
			}
		}
		*p++ = *s;
	}
	*p = '\0';
	*out = d;
	*sp = s;
	return 0;
}

static const char *
skip_prefix(const char *s)
{
	size_t n = strlen(KEEPER_PREFIX);

	return strncasecmp(s, KEEPER_PREFIX, n) == 0 ? s + n : s;
}

int
awsjson_notation_record(char **out, const char *notation)
{
	const char *s = skip_prefix(notation);
	int r;

	if ((r = unescape_until(out, &s, "/", notation)) != 0)
		return r;
	if ((*out)[0] == '\0') {
		free(*out);
		*out = NULL;
		return ksm__err(KSM_ENOTATION, "notation '%s' names no record",
		    notation);
	}
	return 0;
}

/* ---- writing ---- */

int
awsjson_time_format(char out[32], time_t t)
{
	struct tm tm;

	out[0] = '\0';
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		return KSM_EINVAL;
	return 0;
}

int
awsjson_time_parse(time_t *out, const char *s)
{
	struct tm tm;
	const char *end;
	char back[32];
	time_t t;

	*out = 0;
	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 20 ||
	    (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL ||
	    *end != '\0')
		return KSM_EINVAL;
	t = timegm(&tm);
	/* strptime accepts out-of-range days; the round trip does not */
	if (t == (time_t)-1 || awsjson_time_format(back, t) != 0 ||
	    strcmp(back, s) != 0)
		return KSM_EINVAL;
	*out = t;
	return 0;
}

/* Largest text cJSON can make of a string: \uXXXX per byte, quotes. */
static size_t
json_str_max(const char *s)
{
	return s == NULL ? 0 : strlen(s) * 6 + 2;
}

static int
add_str(cJSON *obj, const char *key, const char *value)
{
	return cJSON_AddStringToObject(obj, key, value) != NULL ? 0 :
	    KSM_ENOMEM;
}

int
awsjson_write(char **out, const struct awscred *c)
{
	char when[32];
	cJSON *obj = NULL;
	char *buf = NULL;
	size_t cap;
	int r;

	*out = NULL;
	if (c->access_key_id == NULL || c->access_key_id[0] == '\0' ||
	    c->secret_access_key == NULL || c->secret_access_key[0] == '\0')
		return ksm__err(KSM_EINVAL, "no access key id or secret "
		    "access key to write");
	if (c->expiration != 0 &&
	    awsjson_time_format(when, c->expiration) != 0)
		return ksm__err(KSM_EINVAL, "expiration out of range");
	if ((obj = cJSON_CreateObject()) == NULL ||
	    cJSON_AddNumberToObject(obj, "Version", 1) == NULL ||
	    add_str(obj, "AccessKeyId", c->access_key_id) != 0 ||
	    add_str(obj, "SecretAccessKey", c->secret_access_key) != 0 ||
	    (c->session_token != NULL &&
	    add_str(obj, "SessionToken", c->session_token) != 0) ||
	    (c->expiration != 0 && add_str(obj, "Expiration", when) != 0)) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	/* our own buffer: cJSON's printer would realloc the secrets */
	cap = 128 + json_str_max(c->access_key_id) +
	    json_str_max(c->secret_access_key) +
	    json_str_max(c->session_token);
	if (cap > INT32_MAX) {
		r = ksm__err(KSM_ETOOBIG, "credentials too large");
		goto out;
	}
	if ((buf = calloc(1, cap)) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	if (!cJSON_PrintPreallocated(obj, buf, (int)cap, 0)) {
		r = ksm__err(KSM_ERROR, "cannot format the credentials");
		goto out;
	}
	*out = buf;
	buf = NULL;	/* transferred */
	r = 0;
out:
	if (buf != NULL)
		ksmx_freezero(buf, cap);
	ksmx_json_free(obj);
	return r;
}

int
awsjson_is_uid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return 0;
	}
	return i == 22;
}
