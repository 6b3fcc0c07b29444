/*
 * The decrypted JSON answers of get_secret and get_folders (§8.1, §8.4 of
 * the protocol notes): every key is derived from the state's master secret
 * so it is stable across restarts.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm/error.h"
#include "json.h"
#include "util/b64.h"
#include "util/wipe.h"
#include "sandbox.h"

enum wrap { WRAP_GCM, WRAP_CBC };

/* obj[name] = b64(ENC(key, pt)) */
static int
add_enc(cJSON *obj, const char *name, const uint8_t key[32], const void *pt,
    size_t n, enum wrap how, enum ksmx_b64_style style)
{
	struct ksmx_buf ct = KSMX_BUF_INIT(SB_MAX_VAULT + 64);
	struct ksmx_buf b64 = KSMX_BUF_INIT(SB_MAX_VAULT * 2);
	int r;

	r = how == WRAP_GCM ? ksm_crypto__gcm_encrypt(&ct, key, pt, n) :
	    ksm_crypto__cbc_encrypt(&ct, key, pt, n);
	if (r == 0)	/* room for all of it: one allocation */
		r = ksmx_buf_reserve(&b64, (ct.len + 2) / 3 * 4 + 1);
	if (r == 0)
		r = ksmx_b64_encode(&b64, ct.d, ct.len, style);
	if (r == 0 && cJSON_AddStringToObject(obj, name,
	    (const char *)b64.d) == NULL)
		r = KSM_ENOMEM;
	ksmx_buf_clear(&ct);
	ksmx_buf_clear(&b64);
	return r;
}

/* obj[name] = b64(GCM(key, JSON text of item, space-padded like Keeper)) */
static int
add_enc_json(cJSON *obj, const char *name, const uint8_t key[32],
    const cJSON *item, enum wrap how, enum ksmx_b64_style style)
{
	struct ksmx_buf pt = KSMX_BUF_INIT(SB_MAX_VAULT);
	char *text = ksmx_json_print_sized(item, 1024);
	int r = KSM_ENOMEM;

	if (text == NULL)
		return KSM_ENOMEM;
	if ((r = ksmx_buf_puts(&pt, text)) != 0)
		goto out;
	while (how == WRAP_GCM && pt.len % 32 != 0)
		if ((r = ksmx_buf_putc(&pt, ' ')) != 0)
			goto out;
	r = add_enc(obj, name, key, pt.d, pt.len, how, style);
out:
	ksmx_buf_clear(&pt);
	ksmx_strfree(text);
	return r;
}

static int
in_list(const cJSON *list, const char *uid)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, list) {
		if (cJSON_IsString(it) && strcmp(it->valuestring, uid) == 0)
			return 1;
	}
	return 0;
}

/* requestedX: absent, null or [] means no filter */
static int
filtering(const cJSON *list)
{
	return cJSON_IsArray(list) && cJSON_GetArraySize(list) > 0;
}

static int
cmp_uid(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * q->sorted: the string UIDs of requestedRecords, sorted, so that a
 * request for 10,000 records (a rendered template) is not 10,000 x 10,000
 * comparisons.  0 or KSM_ENOMEM; free q->sorted.
 */
static int
sort_requested(struct sb_query *q)
{
	const cJSON *it;
	size_t n = 0;

	q->sorted = NULL;
	q->n_sorted = 0;
	if ((q->sorted = calloc((size_t)cJSON_GetArraySize(q->records) + 1,
	    sizeof(*q->sorted))) == NULL)
		return KSM_ENOMEM;
	cJSON_ArrayForEach(it, q->records)
		if (cJSON_IsString(it))
			q->sorted[n++] = it->valuestring;
	qsort(q->sorted, n, sizeof(*q->sorted), cmp_uid);
	q->n_sorted = n;
	q->filter_records = filtering(q->records);	/* once: it counts */
	return 0;
}

/* uid is one of the requested records (q->sorted). */
static int
requested(const struct sb_query *q, const char *uid)
{
	return bsearch(&uid, q->sorted, q->n_sorted, sizeof(*q->sorted),
	    cmp_uid) != NULL;
}

/* The V2 (legacy) shape of a typed record, if the vault gave one. */
static cJSON *
legacy_data(const cJSON *data)
{
	const cJSON *f, *fields = cJSON_GetObjectItem(data, "fields");
	cJSON *v2, *custom;
	const char *map[][2] = {
		{ "login", "secret1" }, { "password", "secret2" },
		{ "url", "link" }
	};
	size_t i;

	if (fields == NULL)
		return cJSON_Duplicate(data, 1);	/* already V2 */
	if ((v2 = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(v2, "title",
	    ksmx_json_str(data, "title") ? ksmx_json_str(data, "title") : "");
	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		const char *val = "";

		cJSON_ArrayForEach(f, fields) {
			const char *t = ksmx_json_str(f, "type");
			const cJSON *v = cJSON_GetObjectItem(f, "value");

			if (t != NULL && strcmp(t, map[i][0]) == 0 &&
			    cJSON_IsString(cJSON_GetArrayItem(v, 0)))
				val = cJSON_GetArrayItem(v, 0)->valuestring;
		}
		cJSON_AddStringToObject(v2, map[i][1], val);
	}
	cJSON_AddStringToObject(v2, "notes",
	    ksmx_json_str(data, "notes") ? ksmx_json_str(data, "notes") : "");
	custom = cJSON_AddArrayToObject(v2, "custom");
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(data, "custom")) {
		const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(f,
		    "value"), 0);
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "name", ksmx_json_str(f, "label") ?
		    ksmx_json_str(f, "label") : "");
		cJSON_AddStringToObject(c, "value",
		    cJSON_IsString(v) ? v->valuestring : "");
		cJSON_AddItemToArray(custom, c);
	}
	return v2;
}

static int
build_file(cJSON *files, const struct sb_server *srv, const cJSON *rec,
    const cJSON *file, const uint8_t rec_key[32])
{
	struct ksmx_buf content = KSMX_BUF_INIT(SB_MAX_VAULT);
	const char *c = ksmx_json_str(file, "content");
	const cJSON *lm = cJSON_GetObjectItem(file, "lastModified");
	uint8_t fkey[32];
	cJSON *f = NULL, *meta = NULL;
	char uid[23], *url = NULL;
	int r;

	if ((r = sb_vault_file_uid(uid, rec, file)) != 0 ||
	    (r = sb_key_file(&srv->st, fkey, rec, file, uid)) != 0 ||
	    (c != NULL && (r = ksmx_b64_decode(&content, c, strlen(c))) != 0))
		goto out;
	r = KSM_ENOMEM;
	if ((meta = cJSON_CreateObject()) == NULL ||
	    (f = cJSON_CreateObject()) == NULL ||
	    (url = sb_files_url(srv, uid)) == NULL)
		goto out;
	cJSON_AddStringToObject(meta, "name", ksmx_json_str(file, "name"));
	cJSON_AddStringToObject(meta, "title", ksmx_json_str(file, "title") ?
	    ksmx_json_str(file, "title") : ksmx_json_str(file, "name"));
	cJSON_AddStringToObject(meta, "type", ksmx_json_str(file, "type") ?
	    ksmx_json_str(file, "type") : "application/octet-stream");
	/* an attachment still being uploaded has its stated size */
	cJSON_AddNumberToObject(meta, "size", c != NULL ? (double)content.len :
	    cJSON_GetNumberValue(cJSON_GetObjectItem(file, "size")));
	cJSON_AddNumberToObject(meta, "lastModified",
	    cJSON_IsNumber(lm) ? lm->valuedouble : SB_LAST_MODIFIED);

	cJSON_AddStringToObject(f, "fileUid", uid);
	if ((r = add_enc(f, "fileKey", rec_key, fkey, sizeof fkey, WRAP_GCM,
	    KSMX_B64_STD)) != 0 ||
	    (r = add_enc_json(f, "data", fkey, meta, WRAP_GCM,
	    KSMX_B64_STD)) != 0)
		goto out;
	cJSON_AddStringToObject(f, "url", url);
	cJSON_AddNullToObject(f, "thumbnailUrl");
	cJSON_AddItemToArray(files, f);
	f = NULL;
	r = 0;
out:
	ksmx_wipe_array(fkey);
	ksmx_buf_clear(&content);
	cJSON_Delete(f);
	ksmx_json_free(meta);
	free(url);
	return r;
}

/*
 * list gets text (a cached Record object) printed as is: a raw reference,
 * so freeing the answer leaves the cache's text alone.
 */
static int
add_printed(cJSON *list, const char *text)
{
	cJSON *it = cJSON_CreateNull();

	if (it == NULL)
		return KSM_ENOMEM;
	it->type = cJSON_Raw | cJSON_IsReference;
	it->valuestring = (char *)text;
	if (!cJSON_AddItemToArray(list, it)) {
		cJSON_Delete(it);
		return KSM_ENOMEM;
	}
	return 0;
}

/*
 * Print Record object o into the vault's cache (rcache.c) and add it to
 * list from there.  1 when the cache did not take it: the caller adds o.
 */
static int
add_cached(cJSON *list, struct sb_server *srv, const char *uid,
    const uint8_t wrap_key[32], const char *inner, int editable,
    const cJSON *o)
{
	const char *d = ksmx_json_str(o, "data");
	char *text;

	text = ksmx_json_print_sized(o, (d != NULL ? strlen(d) : 0) + 512);
	if (text == NULL)
		return 1;
	if (sb_rcache_put(&srv->vault.rcache, uid, wrap_key, inner, editable,
	    text, strlen(text)) != 0) {
		free(text);
		return 1;
	}
	return add_printed(list, text);
}

/*
 * One Record object: recordKey wrapped (GCM) under wrap_key, data under the
 * record key, files under the record key.  A record without files is built
 * once per vault tree and then served from the cache like Keeper serves
 * its stored ciphertext (files are not: their URLs carry tokens that
 * expire).
 */
static int
build_record(cJSON *list, struct sb_server *srv, const cJSON *rec,
    const uint8_t wrap_key[32], const char *inner, int editable)
{
	const char *uid = ksmx_json_str(rec, "uid");
	const cJSON *vfiles = cJSON_GetObjectItem(rec, "files");
	const cJSON *rev = cJSON_GetObjectItem(rec, "revision");
	const cJSON *file, *f;
	const cJSON *pdata;	/* the data printed: data, or the vault's */
	const char *cached;
	uint8_t key[32];
	cJSON *o = NULL, *data = NULL, *files, *fields, *ref, *refs;
	char fuid[23];
	int r = KSM_ENOMEM, has_ref = 0;
	int cacheable = cJSON_GetArraySize(vfiles) == 0;

	if (cacheable && (cached = sb_rcache_get(srv->vault.rcache, uid,
	    wrap_key, inner, editable, NULL)) != NULL)
		return add_printed(list, cached);
	if ((r = sb_key_record(&srv->st, key, rec)) != 0)
		return r;
	r = KSM_ENOMEM;
	if (cJSON_IsTrue(cJSON_GetObjectItem(rec, "legacy")))
		pdata = data = legacy_data(cJSON_GetObjectItem(rec, "data"));
	else if (!cacheable)	/* may get a fileRef field below */
		pdata = data = cJSON_Duplicate(cJSON_GetObjectItem(rec,
		    "data"), 1);
	else
		pdata = cJSON_GetObjectItem(rec, "data");
	if (pdata == NULL || (o = cJSON_CreateObject()) == NULL)
		goto out;
	/* a typed record lists its attachments in a fileRef field */
	fields = cJSON_GetObjectItem(data, "fields");
	if (cJSON_GetArraySize(vfiles) > 0 && cJSON_IsArray(fields)) {
		cJSON_ArrayForEach(f, fields) {
			const char *t = ksmx_json_str(f, "type");

			if (t != NULL && strcmp(t, "fileRef") == 0)
				has_ref = 1;
		}
		if (!has_ref) {
			ref = cJSON_CreateObject();
			cJSON_AddItemToArray(fields, ref);
			cJSON_AddStringToObject(ref, "type", "fileRef");
			refs = cJSON_AddArrayToObject(ref, "value");
			cJSON_ArrayForEach(file, vfiles) {
				if ((r = sb_vault_file_uid(fuid, rec,
				    file)) != 0)
					goto out;
				cJSON_AddItemToArray(refs,
				    cJSON_CreateString(fuid));
			}
		}
	}
	cJSON_AddStringToObject(o, "recordUid", uid);
	if ((r = add_enc(o, "recordKey", wrap_key, key, sizeof key, WRAP_GCM,
	    KSMX_B64_STD)) != 0 ||
	    (r = add_enc_json(o, "data", key, pdata, WRAP_GCM,
	    KSMX_B64_STD)) != 0)
		goto out;
	cJSON_AddNumberToObject(o, "revision",
	    cJSON_IsNumber(rev) ? rev->valuedouble : 1);
	cJSON_AddBoolToObject(o, "isEditable", editable);
	if (cJSON_GetArraySize(vfiles) > 0) {
		files = cJSON_AddArrayToObject(o, "files");
		cJSON_ArrayForEach(file, vfiles) {
			if ((r = build_file(files, srv, rec, file, key)) != 0)
				goto out;
		}
	} else {
		cJSON_AddNullToObject(o, "files");
	}
	cJSON_AddNullToObject(o, "folderUid");
	if (inner != NULL)
		cJSON_AddStringToObject(o, "innerFolderUid", inner);
	else
		cJSON_AddNullToObject(o, "innerFolderUid");
	if (cacheable && (r = add_cached(list, srv, uid, wrap_key, inner,
	    editable, o)) != 1)
		goto out;
	cJSON_AddItemToArray(list, o);
	o = NULL;
	r = 0;
out:
	ksmx_wipe_array(key);
	ksmx_json_free(data);
	ksmx_json_free(o);
	return r;
}

/* The records of shared folder sf and of every folder below it. */
static int
build_folder_records(cJSON *list, struct sb_server *srv,
    const cJSON *sf, const uint8_t sf_key[32], const struct sb_query *q,
    int editable)
{
	const char *sf_uid = ksmx_json_str(sf, "uid");
	const cJSON *g, *ru;
	int r;

	cJSON_ArrayForEach(g, cJSON_GetObjectItem(srv->vault.root,
	    "folders")) {
		const char *g_uid = ksmx_json_str(g, "uid");

		if (sb_vault_root_folder(&srv->vault, g_uid) != sf)
			continue;
		if (filtering(q->folders) && !in_list(q->folders, sf_uid) &&
		    !in_list(q->folders, g_uid))
			continue;
		cJSON_ArrayForEach(ru, cJSON_GetObjectItem(g, "records")) {
			const cJSON *rec = sb_vault_record(&srv->vault,
			    ru->valuestring);

			if (q->filter_records &&
			    !requested(q, ru->valuestring))
				continue;
			if ((r = build_record(list, srv, rec, sf_key,
			    g == sf ? NULL : g_uid, editable)) != 0)
				return r;
		}
	}
	return 0;
}

static int
add_app_data(cJSON *root, const cJSON *app, const uint8_t app_key[32])
{
	cJSON *ad = cJSON_CreateObject();
	int r;

	if (ad == NULL)
		return KSM_ENOMEM;
	cJSON_AddStringToObject(ad, "title", ksmx_json_str(app, "name"));
	cJSON_AddStringToObject(ad, "type", "app");
	r = add_enc_json(root, "appData", app_key, ad, WRAP_GCM, KSMX_B64_URL);
	cJSON_Delete(ad);
	return r;
}

int
sb_build_secrets(cJSON **out, struct sb_server *srv, const cJSON *app,
    const uint8_t app_key[32], const struct sb_query *query)
{
	struct sb_query qs = *query, *q = &qs;
	const cJSON *it;
	cJSON *root, *folders, *records, *fo, *frecs;
	uint8_t sf_key[32];
	int r = KSM_ENOMEM;

	*out = NULL;
	if (sort_requested(q) != 0)
		return KSM_ENOMEM;
	if ((root = cJSON_CreateObject()) == NULL) {
		free(q->sorted);
		return KSM_ENOMEM;
	}
	if ((r = add_app_data(root, app, app_key)) != 0)
		goto fail;
	cJSON_AddNullToObject(root, "encryptedAppKey");
	cJSON_AddNullToObject(root, "appOwnerPublicKey");
	folders = cJSON_AddArrayToObject(root, "folders");
	records = cJSON_AddArrayToObject(root, "records");
	if (folders == NULL || records == NULL)
		goto fail;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(app, "folders")) {
		const cJSON *sf = sb_vault_folder(&srv->vault, it->valuestring);
		const char *sf_uid = ksmx_json_str(sf, "uid");

		if ((r = sb_key_folder(&srv->st, sf_key, sf)) != 0)
			goto fail;
		r = KSM_ENOMEM;
		if ((fo = cJSON_CreateObject()) == NULL)
			goto fail;
		cJSON_AddStringToObject(fo, "folderUid", sf_uid);
		if ((r = add_enc(fo, "folderKey", app_key, sf_key,
		    sizeof sf_key, WRAP_GCM, KSMX_B64_STD)) != 0) {
			cJSON_Delete(fo);
			goto fail;
		}
		cJSON_AddNullToObject(fo, "data");
		cJSON_AddNullToObject(fo, "parent");
		cJSON_AddBoolToObject(fo, "isEditable",
		    sb_vault_share_editable(app, sf_uid));
		frecs = cJSON_AddArrayToObject(fo, "records");
		if ((r = build_folder_records(frecs, srv, sf, sf_key, q,
		    sb_vault_share_editable(app, sf_uid))) != 0) {
			ksmx_json_free(fo);
			goto fail;
		}
		/* with a filter, drop folders it left empty */
		if ((q->filter_records || filtering(q->folders)) &&
		    cJSON_GetArraySize(frecs) == 0 &&
		    !in_list(q->folders, sf_uid))
			cJSON_Delete(fo);
		else
			cJSON_AddItemToArray(folders, fo);
	}
	if (!filtering(q->folders)) {
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(app, "records")) {
			if (q->filter_records &&
			    !requested(q, it->valuestring))
				continue;
			if ((r = build_record(records, srv,
			    sb_vault_record(&srv->vault, it->valuestring),
			    app_key, NULL, sb_vault_share_editable(app,
			    it->valuestring))) != 0)
				goto fail;
		}
	}
	cJSON_AddNumberToObject(root, "expiresOn", 0);
	cJSON_AddNullToObject(root, "warnings");
	cJSON_AddNullToObject(root, "extra");
	ksmx_wipe_array(sf_key);
	free(q->sorted);
	*out = root;
	return 0;
fail:
	ksmx_wipe_array(sf_key);
	free(q->sorted);
	ksmx_json_free(root);
	return r != 0 ? r : KSM_ENOMEM;
}

static int
build_folder(cJSON *list, const struct sb_server *srv, const cJSON *g,
    const uint8_t wrap_key[32], enum wrap how)
{
	const char *uid = ksmx_json_str(g, "uid");
	uint8_t key[32];
	cJSON *o, *name;
	int r;

	if ((r = sb_key_folder(&srv->st, key, g)) != 0)
		return r;
	if ((o = cJSON_CreateObject()) == NULL ||
	    (name = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(o);
		ksmx_wipe_array(key);
		return KSM_ENOMEM;
	}
	cJSON_AddStringToObject(name, "name", ksmx_json_str(g, "name"));
	cJSON_AddStringToObject(o, "folderUid", uid);
	if ((r = add_enc(o, "folderKey", wrap_key, key, sizeof key, how,
	    KSMX_B64_STD)) == 0 &&
	    (r = add_enc_json(o, "data", key, name, WRAP_CBC,
	    KSMX_B64_STD)) == 0) {
		if (ksmx_json_str(g, "parent") != NULL)
			cJSON_AddStringToObject(o, "parent",
			    ksmx_json_str(g, "parent"));
		else
			cJSON_AddNullToObject(o, "parent");
		cJSON_AddItemToArray(list, o);
		o = NULL;
	}
	cJSON_Delete(name);
	cJSON_Delete(o);
	ksmx_wipe_array(key);
	return r;
}

int
sb_build_folders(cJSON **out, const struct sb_server *srv, const cJSON *app,
    const uint8_t app_key[32])
{
	const cJSON *it, *g;
	cJSON *root, *list;
	uint8_t sf_key[32];
	int r = KSM_ENOMEM;

	*out = NULL;
	if ((root = cJSON_CreateObject()) == NULL ||
	    (list = cJSON_AddArrayToObject(root, "folders")) == NULL)
		goto fail;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(app, "folders")) {
		const cJSON *sf = sb_vault_folder(&srv->vault, it->valuestring);

		/* root: GCM under the app key */
		if ((r = build_folder(list, srv, sf, app_key, WRAP_GCM)) != 0 ||
		    (r = sb_key_folder(&srv->st, sf_key, sf)) != 0)
			goto fail;
		/* below it: CBC under the root shared folder key */
		cJSON_ArrayForEach(g, cJSON_GetObjectItem(srv->vault.root,
		    "folders")) {
			if (g == sf || sb_vault_root_folder(&srv->vault,
			    ksmx_json_str(g, "uid")) != sf)
				continue;
			if ((r = build_folder(list, srv, g, sf_key,
			    WRAP_CBC)) != 0)
				goto fail;
		}
	}
	ksmx_wipe_array(sf_key);
	*out = root;
	return 0;
fail:
	ksmx_wipe_array(sf_key);
	cJSON_Delete(root);
	return r != 0 ? r : KSM_ENOMEM;
}
