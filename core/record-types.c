#include "config.h"

/*
 * Keeper's standard record types and field types (ksm-protocol.md §9.1,
 * §9.2: the SDK helpers' default record types and the field types the
 * Python SDK accepts when creating), and the check of record data before
 * it is sent.  Keeper cannot check what it cannot read: a record with an
 * unknown type or field is refused here or not at all.
 */

#include <string.h>

#include "ksm-int.h"
#include "json.h"

/* Field types and the kind of their values. */
static const struct {
	const char	*type;
	ksm_field_kind	 kind;
} field_types[] = {
	{ "accountNumber", KSM_FIELD_STRING },
	{ "address", KSM_FIELD_OBJECT },
	{ "addressRef", KSM_FIELD_STRING },
	{ "appFiller", KSM_FIELD_OBJECT },
	{ "bankAccount", KSM_FIELD_OBJECT },
	{ "birthDate", KSM_FIELD_NUMBER },
	{ "cardRef", KSM_FIELD_STRING },
	{ "checkbox", KSM_FIELD_BOOL },
	{ "databaseType", KSM_FIELD_STRING },
	{ "date", KSM_FIELD_NUMBER },
	{ "directoryType", KSM_FIELD_STRING },
	{ "dropdown", KSM_FIELD_STRING },
	{ "email", KSM_FIELD_STRING },
	{ "expirationDate", KSM_FIELD_NUMBER },
	{ "fileRef", KSM_FIELD_STRING },
	{ "host", KSM_FIELD_OBJECT },
	{ "isSSIDHidden", KSM_FIELD_BOOL },
	{ "keyPair", KSM_FIELD_OBJECT },
	{ "licenseNumber", KSM_FIELD_STRING },
	{ "login", KSM_FIELD_STRING },
	{ "multiline", KSM_FIELD_STRING },
	{ "name", KSM_FIELD_OBJECT },
	{ "note", KSM_FIELD_STRING },
	{ "oneTimeCode", KSM_FIELD_STRING },
	{ "otp", KSM_FIELD_STRING },
	{ "pamHostname", KSM_FIELD_OBJECT },
	{ "pamRemoteBrowserSettings", KSM_FIELD_OBJECT },
	{ "pamResources", KSM_FIELD_OBJECT },
	{ "pamSettings", KSM_FIELD_OBJECT },
	{ "passkey", KSM_FIELD_OBJECT },
	{ "password", KSM_FIELD_STRING },
	{ "paymentCard", KSM_FIELD_OBJECT },
	{ "phone", KSM_FIELD_OBJECT },
	{ "pinCode", KSM_FIELD_STRING },
	{ "rbiUrl", KSM_FIELD_STRING },
	{ "recordRef", KSM_FIELD_STRING },
	{ "schedule", KSM_FIELD_OBJECT },
	{ "script", KSM_FIELD_OBJECT },
	{ "secret", KSM_FIELD_STRING },
	{ "securityQuestion", KSM_FIELD_OBJECT },
	{ "text", KSM_FIELD_STRING },
	{ "trafficEncryptionSeed", KSM_FIELD_STRING },
	{ "url", KSM_FIELD_STRING },
	{ "wifiEncryption", KSM_FIELD_STRING },
};

/*
 * The standard record types: each field is "type" or "type:Label",
 * the list ends with NULL.
 */
#define F(...)	(const char *const[]){ __VA_ARGS__, NULL }
static const struct {
	const char		*name;
	const char *const	*fields;
} record_types[] = {
	{ "login", F("passkey", "login", "password", "url", "fileRef",
	    "oneTimeCode") },
	{ "bankAccount", F("bankAccount", "name", "login", "password", "url",
	    "cardRef", "fileRef", "oneTimeCode") },
	{ "address", F("address", "fileRef") },
	{ "bankCard", F("paymentCard", "text:Cardholder Name", "pinCode",
	    "addressRef", "fileRef") },
	{ "birthCertificate", F("name", "birthDate", "fileRef") },
	{ "contact", F("name", "text:Company", "email", "phone", "addressRef",
	    "fileRef") },
	{ "driverLicense", F("accountNumber:Driver's License Number", "name",
	    "birthDate", "addressRef", "expirationDate", "fileRef") },
	{ "encryptedNotes", F("note", "date", "fileRef") },
	{ "file", F("fileRef") },
	{ "healthInsurance", F("accountNumber", "name:Insured's Name", "login",
	    "password", "url", "fileRef") },
	{ "membership", F("accountNumber", "name", "password", "fileRef") },
	{ "passport", F("accountNumber:Passport Number", "name", "birthDate",
	    "addressRef", "expirationDate", "date:Date Issued", "password",
	    "fileRef") },
	{ "photo", F("fileRef") },
	{ "serverCredentials", F("host", "login", "password", "fileRef") },
	{ "softwareLicense", F("licenseNumber", "expirationDate",
	    "date:Date Active", "fileRef", "securityQuestion") },
	{ "ssnCard", F("accountNumber:Identity Number", "name", "fileRef") },
	{ "sshKeys", F("login", "keyPair", "password", "host", "fileRef") },
	{ "databaseCredentials", F("text:type", "host", "login", "password",
	    "fileRef") },
	{ "pamDatabase", F("pamHostname", "checkbox:Use SSL", "login",
	    "password", "text:Connect Database", "text:Database Id",
	    "databaseType", "text:Provider Group", "text:Provider Region",
	    "fileRef:Rotation Scripts") },
	{ "pamDirectory", F("pamHostname", "checkbox:Use SSL", "login",
	    "password", "text:Distinguished Name", "text:Domain Name",
	    "multiline:Alternative IPs", "text:Directory Id", "directoryType",
	    "text:User Match", "text:Provider Group", "text:Provider Region",
	    "fileRef:Rotation Scripts") },
	{ "pamMachine", F("pamHostname", "login", "password",
	    "secret:Private PEM Key", "text:Operating System",
	    "checkbox:SSL Verification", "text:Instance Name",
	    "text:Instance Id", "text:Provider Group", "text:Provider Region",
	    "fileRef:Rotation Scripts") },
	{ "pamUser", F("login", "password", "secret:Private PEM Key",
	    "text:Distinguished Name", "text:Connect Database",
	    "checkbox:Managed", "fileRef:Rotation Scripts") },
};
#undef F

const char *
ksm_record_type_at(size_t i)
{
	return i < sizeof(record_types) / sizeof(record_types[0]) ?
	    record_types[i].name : NULL;
}

/* The field_types entry of the n bytes at s, or NULL. */
static const char *
known_type(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(field_types) / sizeof(field_types[0]); i++)
		if (strncmp(field_types[i].type, s, n) == 0 &&
		    field_types[i].type[n] == '\0')
			return field_types[i].type;
	return NULL;
}

int
ksm_record_type_field(const char *type, size_t i, const char **field_type,
    const char **label)
{
	const char *f, *colon;
	size_t t, k;

	if (field_type != NULL)
		*field_type = NULL;
	if (label != NULL)
		*label = NULL;
	for (t = 0; type != NULL &&
	    t < sizeof(record_types) / sizeof(record_types[0]); t++) {
		if (strcmp(record_types[t].name, type) != 0)
			continue;
		for (k = 0; k < i && record_types[t].fields[k] != NULL; k++)
			;
		if ((f = record_types[t].fields[k]) == NULL)
			break;
		colon = strchr(f, ':');
		if (field_type != NULL)
			*field_type = known_type(f, colon != NULL ?
			    (size_t)(colon - f) : strlen(f));
		if (label != NULL && colon != NULL)
			*label = colon + 1;
		return 0;
	}
	return KSM_ENOTFOUND;
}

ksm_field_kind
ksm_field_type_kind(const char *type)
{
	size_t i;

	for (i = 0; type != NULL &&
	    i < sizeof(field_types) / sizeof(field_types[0]); i++)
		if (strcmp(field_types[i].type, type) == 0)
			return field_types[i].kind;
	return KSM_FIELD_UNKNOWN;
}

static int
kind_ok(const cJSON *v, ksm_field_kind kind)
{
	switch (kind) {
	case KSM_FIELD_STRING:
		return cJSON_IsString(v);
	case KSM_FIELD_NUMBER:
		return cJSON_IsNumber(v);
	case KSM_FIELD_BOOL:
		return cJSON_IsBool(v);
	case KSM_FIELD_OBJECT:
		return cJSON_IsObject(v);
	default:
		return 0;
	}
}

static const char *
kind_name(ksm_field_kind kind)
{
	switch (kind) {
	case KSM_FIELD_STRING:
		return "strings";
	case KSM_FIELD_NUMBER:
		return "numbers (ms since 1970)";
	case KSM_FIELD_BOOL:
		return "true or false";
	default:
		return "JSON objects";
	}
}

/* One list of fields ("fields" or "custom"). */
static int
check_fields(const cJSON *list, const char *name)
{
	const cJSON *f, *v, *values, *label;
	const char *type;
	ksm_field_kind kind;
	int i = 0;

	if (list == NULL || cJSON_IsNull(list))
		return 0;
	if (!cJSON_IsArray(list))
		return ksm__err(KSM_EINVAL, "the record's \"%s\" is not an "
		    "array", name);
	cJSON_ArrayForEach(f, list) {
		type = ksmx_json_str(f, "type");
		label = cJSON_GetObjectItemCaseSensitive(f, "label");
		values = cJSON_GetObjectItemCaseSensitive(f, "value");
		if (!cJSON_IsObject(f) || type == NULL)
			return ksm__err(KSM_EINVAL, "%s[%d] of the record has "
			    "no \"type\"", name, i);
		if ((kind = ksm_field_type_kind(type)) == KSM_FIELD_UNKNOWN) {
			(void)ksm__err(KSM_EINVAL, "%s[%d] of the record has "
			    "the unknown field type '%.64s'", name, i, type);
			ksm__err_hint("field types are Keeper's: login, "
			    "password, url, text, secret, ... (docs/writes.md)");
			return KSM_EINVAL;
		}
		if (label != NULL && !cJSON_IsString(label))
			return ksm__err(KSM_EINVAL, "%s[%d] of the record has "
			    "a \"label\" that is not a string", name, i);
		if (!cJSON_IsArray(values))
			return ksm__err(KSM_EINVAL, "field '%.64s' of the "
			    "record has no \"value\" array", type);
		cJSON_ArrayForEach(v, values)
			if (!kind_ok(v, kind))
				return ksm__err(KSM_EINVAL, "the values of a "
				    "'%.64s' field are %s", type,
				    kind_name(kind));
		i++;
	}
	return 0;
}

static int
type_known(const char *type)
{
	size_t i;

	for (i = 0; ksm_record_type_at(i) != NULL; i++)
		if (strcmp(ksm_record_type_at(i), type) == 0)
			return 1;
	return 0;
}

int
ksm_record_validate(const char *json, unsigned int flags)
{
	cJSON *data;
	const cJSON *notes;
	const char *title, *type;
	size_t len;
	int r = 0;

	KSM_ASSERT_ARG(json != NULL);
	if ((len = strlen(json)) > KSM_MAX_RECORD_JSON)
		return ksm__err(KSM_ETOOBIG, "the record data is %zu bytes, "
		    "more than %u", len, KSM_MAX_RECORD_JSON);
	data = ksmx_json_parse(json, len);
	if (data == NULL || !cJSON_IsObject(data)) {
		r = ksm__err(KSM_EINVAL, "the record data is not a JSON object");
		goto out;
	}
	title = ksmx_json_str(data, "title");
	type = ksmx_json_str(data, "type");
	notes = cJSON_GetObjectItemCaseSensitive(data, "notes");
	if (title == NULL || title[0] == '\0') {
		r = ksm__err(KSM_EINVAL, "the record has no title");
		goto out;
	}
	if (type == NULL || type[0] == '\0') {
		r = ksm__err(KSM_EINVAL, "the record has no type");
		goto out;
	}
	if (!(flags & KSM_RECORD_CUSTOM_TYPE) && !type_known(type)) {
		r = ksm__err(KSM_EINVAL, "unknown record type '%.64s'", type);
		ksm__err_hint("use a standard type (login, databaseCredentials, "
		    "serverCredentials, ...: docs/writes.md), or allow custom "
		    "types");
		goto out;
	}
	if (notes != NULL && !cJSON_IsNull(notes) && !cJSON_IsString(notes)) {
		r = ksm__err(KSM_EINVAL, "the record's \"notes\" is not a "
		    "string");
		goto out;
	}
	if ((r = check_fields(cJSON_GetObjectItemCaseSensitive(data,
	    "fields"), "fields")) == 0)
		r = check_fields(cJSON_GetObjectItemCaseSensitive(data,
		    "custom"), "custom");
out:
	ksmx_json_free(data);
	return r;
}
