/*
 * pam_keeper login_folders: instead of one notation per user, "the
 * record in folder F whose login field is the user name".  One
 * get_secret for every record the application sees (and get_folders when
 * F is a name), then a local search; only the chosen password is copied
 * out of the fetched set, which libksm wipes when it is freed.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm/error.h"
#include "ksm/record.h"
#include "json.h"
#include "util/wipe.h"
#include "pam-folder.h"

static int why_set(char *why, size_t n, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
why_set(char *why, size_t n, int code, const char *fmt, ...)
{
	va_list ap;

	if (n > 0) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* The first value of the first standard field of this type, or NULL. */
static const char *
field_value(const cJSON *data, const char *type)
{
	const cJSON *f, *v;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(data,
	    "fields")) {
		v = cJSON_GetObjectItemCaseSensitive(f, "type");
		if (!cJSON_IsString(v) || strcmp(v->valuestring, type) != 0)
			continue;
		v = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(f,
		    "value"), 0);
		return cJSON_IsString(v) ? v->valuestring : NULL;
	}
	return NULL;
}

static int
has_folder_uid(const ksm_records *recs, const char *uid)
{
	const char *f;
	size_t i;

	for (i = 0; i < ksm_records_count(recs); i++) {
		f = ksm_record_folder_uid(ksm_records_at(recs, i));
		if (f != NULL && strcmp(f, uid) == 0)
			return 1;
	}
	return 0;
}

/* The UID of the one folder named name: 0, or a KSM code with why. */
static int
folder_by_name(char **uid, ksm_client *client, const char *name, char *why,
    size_t n)
{
	ksm_folders *fs = NULL;
	const ksm_folder *f, *found = NULL;
	size_t i;
	int r;

	*uid = NULL;
	if ((r = ksm_client_get_folders(&fs, client)) != 0)
		return r;
	for (i = 0; i < ksm_folders_count(fs); i++) {
		f = ksm_folders_at(fs, i);
		if (strcmp(ksm_folder_name(f), name) != 0)
			continue;
		if (found != NULL) {
			r = why_set(why, n, KSM_EAMBIGUOUS, "more than one "
			    "folder is named '%s'; use its UID", name);
			goto out;
		}
		found = f;
	}
	if (found == NULL) {
		r = why_set(why, n, KSM_ENOTFOUND, "no folder '%s' is shared "
		    "with the application", name);
		goto out;
	}
	if ((*uid = strdup(ksm_folder_uid(found))) == NULL)
		r = KSM_ENOMEM;
 out:
	ksm_folders_free(fs);
	return r;
}

int
pk_folder_password(char **out, size_t *out_len, ksm_client *client,
    const char *folder, const char *user, char *why, size_t n)
{
	ksm_records *recs = NULL;
	const ksm_record *rec;
	const char *fuid = folder, *login, *pw, *pw_found = NULL;
	char *by_name = NULL;
	cJSON *data = NULL, *data_found = NULL;
	size_t i, matches = 0, len;
	int r;

	*out = NULL;
	*out_len = 0;
	if ((r = ksm_client_get_records(&recs, client, NULL, 0)) != 0)
		goto out;
	if (!has_folder_uid(recs, folder)) {
		if ((r = folder_by_name(&by_name, client, folder, why, n)) != 0)
			goto out;
		fuid = by_name;
	}
	for (i = 0; i < ksm_records_count(recs); i++) {
		rec = ksm_records_at(recs, i);
		if (ksm_record_folder_uid(rec) == NULL ||
		    strcmp(ksm_record_folder_uid(rec), fuid) != 0)
			continue;
		len = strlen(ksm_record_json(rec));
		if ((data = ksmx_json_parse(ksm_record_json(rec), len)) == NULL)
			continue;
		login = field_value(data, "login");
		if (login == NULL || strcmp(login, user) != 0) {
			ksmx_json_free(data);
			data = NULL;
			continue;
		}
		if (++matches > 1) {
			r = why_set(why, n, KSM_EAMBIGUOUS, "more than one "
			    "record in folder '%s' has this login", folder);
			goto out;
		}
		data_found = data;
		data = NULL;
	}
	if (matches == 0) {
		r = why_set(why, n, KSM_ENOTFOUND, "no record in folder '%s' "
		    "has this login", folder);
		goto out;
	}
	pw_found = field_value(data_found, "password");
	if (pw_found == NULL || *pw_found == '\0') {
		r = why_set(why, n, KSM_ENOTFOUND, "the record in folder '%s' "
		    "with this login has no password", folder);
		goto out;
	}
	pw = pw_found;
	len = strlen(pw);
	if ((*out = malloc(len + 1)) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	memcpy(*out, pw, len + 1);
	*out_len = len;
	r = 0;
 out:
	ksmx_json_free(data);
	ksmx_json_free(data_found);
	free(by_name);
	ksm_records_free(recs);
	return r;
}
