/*
 * The plaintext vault file (see docs/sandbox.md): loaded, validated, and
 * reloaded when it changes on disk.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ksm/error.h"
#include "json.h"
#include "util/b64.h"
#include "util/wipe.h"
#include "sandbox.h"

#define MAX_UID		64
#define MAX_DEPTH	32

int
sb_vault_uid_ok(const char *s)
{
	size_t n;

	if (s == NULL || *s == '\0')
		return 0;
	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return n <= MAX_UID;
}

static const cJSON *
find_by(const cJSON *arr, const char *key, const char *want)
{
	const cJSON *it;

	if (want == NULL)
		return NULL;
	cJSON_ArrayForEach(it, arr) {
		const char *v = ksmx_json_str(it, key);

		if (v != NULL && strcmp(v, want) == 0)
			return it;
	}
	return NULL;
}

const cJSON *
sb_vault_app(const struct sb_vault *v, const char *name)
{
	return find_by(cJSON_GetObjectItem(v->root, "applications"), "name",
	    name);
}

const cJSON *
sb_vault_record(const struct sb_vault *v, const char *uid)
{
	if (v->records_ix != NULL)
		return sb_index_get(v->records_ix, uid);
	return find_by(cJSON_GetObjectItem(v->root, "records"), "uid", uid);
}

const cJSON *
sb_vault_folder(const struct sb_vault *v, const char *uid)
{
	if (v->folders_ix != NULL)
		return sb_index_get(v->folders_ix, uid);
	return find_by(cJSON_GetObjectItem(v->root, "folders"), "uid", uid);
}

const cJSON *
sb_vault_root_folder(const struct sb_vault *v, const char *uid)
{
	const cJSON *f = sb_vault_folder(v, uid);
	int depth;

	for (depth = 0; f != NULL && depth < MAX_DEPTH; depth++) {
		const char *parent = ksmx_json_str(f, "parent");

		if (parent == NULL)
			return f;
		f = sb_vault_folder(v, parent);
	}
	return NULL;
}

int
sb_vault_share_editable(const cJSON *app, const char *share_uid)
{
	const cJSON *it;

	if (!cJSON_IsTrue(cJSON_GetObjectItem(app, "editable")))
		return 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(app, "readOnly")) {
		const char *s = cJSON_GetStringValue(it);

		if (s != NULL && share_uid != NULL && strcmp(s, share_uid) == 0)
			return 0;
	}
	return 1;
}

int
sb_vault_file_uid(char out[23], const cJSON *rec, const cJSON *file)
{
	struct ksmx_buf msg = KSMX_BUF_INIT(4096);
	const char *uid = ksmx_json_str(file, "uid");
	uint8_t h[32];
	char *b64;
	int r;

	if (uid != NULL) {
		snprintf(out, 23, "%s", uid);
		return 0;
	}
	/* stable: SHA-256("keeper-sandbox file" \n recordUid \n name) */
	if ((r = ksmx_buf_puts(&msg, "keeper-sandbox file\n")) != 0 ||
	    (r = ksmx_buf_puts(&msg, ksmx_json_str(rec, "uid"))) != 0 ||
	    (r = ksmx_buf_putc(&msg, '\n')) != 0 ||
	    (r = ksmx_buf_puts(&msg, ksmx_json_str(file, "name"))) != 0 ||
	    (r = ksm_crypto__sha256(h, msg.d, msg.len)) != 0) {
		ksmx_buf_clear(&msg);
		return r;
	}
	ksmx_buf_clear(&msg);
	if ((b64 = ksmx_b64_encode_str(h, 16, KSMX_B64_URL)) == NULL)
		return KSM_ENOMEM;
	snprintf(out, 23, "%s", b64);
	free(b64);
	return 0;
}

int
sb_vault_find_file(const struct sb_vault *v, const char *file_uid,
    const cJSON **rec_out, const cJSON **file_out)
{
	const cJSON *rec, *file;
	char uid[23];

	cJSON_ArrayForEach(rec, cJSON_GetObjectItem(v->root, "records")) {
		cJSON_ArrayForEach(file, cJSON_GetObjectItem(rec, "files")) {
			if (sb_vault_file_uid(uid, rec, file) != 0)
				continue;
			if (strcmp(uid, file_uid) == 0) {
				*rec_out = rec;
				*file_out = file;
				return 0;
			}
		}
	}
	return KSM_ENOTFOUND;
}

/* ---- validation ---- */

struct check {
	char	*err;
	size_t	 errlen;
};

static int fail(struct check *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return KSM_EINVAL;
}

static int
opt_array(const cJSON *obj, const char *key)
{
	const cJSON *a = cJSON_GetObjectItem(obj, key);

	return a == NULL || cJSON_IsNull(a) || cJSON_IsArray(a);
}

/* every element of obj.key is a string naming an entry of idx */
static int
check_refs(struct check *c, const struct sb_vault *v, const cJSON *obj,
    const char *key, int folders, const char *what)
{
	const cJSON *it;

	if (!opt_array(obj, key))
		return fail(c, "%s: \"%s\" must be an array", what, key);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(obj, key)) {
		const char *s = cJSON_GetStringValue(it);

		if (s == NULL)
			return fail(c, "%s: \"%s\" must hold UID strings",
			    what, key);
		if (folders && sb_vault_folder(v, s) == NULL)
			return fail(c, "%s: unknown folder '%s'", what, s);
		if (!folders && sb_vault_record(v, s) == NULL)
			return fail(c, "%s: unknown record '%s'", what, s);
	}
	return 0;
}

static int
check_files(struct check *c, const struct sb_vault *v, const cJSON *rec,
    const char *ruid)
{
	struct ksmx_buf tmp = KSMX_BUF_INIT(SB_MAX_VAULT);
	const cJSON *f, *r2, *f2;
	char uid[23], uid2[23];
	const char *content;

	if (!opt_array(rec, "files"))
		return fail(c, "record '%s': \"files\" must be an array", ruid);
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(rec, "files")) {
		if (ksmx_json_str(f, "name") == NULL)
			return fail(c, "record '%s': a file needs a \"name\"",
			    ruid);
		content = ksmx_json_str(f, "content");
		/* an upload in progress (upload.c) has no content yet */
		if (content == NULL && !cJSON_IsTrue(cJSON_GetObjectItem(f,
		    "pending")))
			return fail(c, "record '%s': file '%s' needs a base64 "
			    "\"content\"", ruid, ksmx_json_str(f, "name"));
		if (content != NULL &&
		    ksmx_b64_decode(&tmp, content, strlen(content)) != 0) {
			ksmx_buf_clear(&tmp);
			return fail(c, "record '%s': file '%s': \"content\" is "
			    "not base64", ruid, ksmx_json_str(f, "name"));
		}
		ksmx_buf_clear(&tmp);
		if (cJSON_GetObjectItem(f, "uid") != NULL &&
		    (!sb_vault_uid_ok(ksmx_json_str(f, "uid")) ||
		    strlen(ksmx_json_str(f, "uid")) != 22))
			return fail(c, "record '%s': file \"uid\" must be 22 "
			    "url-safe base64 characters", ruid);
		if (sb_vault_file_uid(uid, rec, f) != 0)
			return KSM_ENOMEM;
		/* file UIDs are unique across the vault */
		cJSON_ArrayForEach(r2, cJSON_GetObjectItem(v->root,
		    "records")) {
			cJSON_ArrayForEach(f2, cJSON_GetObjectItem(r2,
			    "files")) {
				if (f2 == f || sb_vault_file_uid(uid2, r2,
				    f2) != 0)
					continue;
				if (strcmp(uid, uid2) == 0)
					return fail(c, "duplicate file UID "
					    "'%s'", uid);
			}
		}
	}
	return 0;
}

static int
check_vault(struct check *c, const struct sb_vault *v)
{
	const cJSON *root = v->root, *it;
	const char *uid, *name;
	int r;

	if (!cJSON_IsObject(root))
		return fail(c, "the vault must be a JSON object");
	if (!cJSON_IsArray(cJSON_GetObjectItem(root, "applications")))
		return fail(c, "\"applications\" must be an array");
	if (!opt_array(root, "folders") || !opt_array(root, "records"))
		return fail(c, "\"folders\" and \"records\" must be arrays");

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "records")) {
		uid = ksmx_json_str(it, "uid");
		if (!sb_vault_uid_ok(uid))
			return fail(c, "a record needs a url-safe \"uid\"");
		if (sb_vault_record(v, uid) != it)
			return fail(c, "duplicate record UID '%s'", uid);
		if (!cJSON_IsObject(cJSON_GetObjectItem(it, "data")))
			return fail(c, "record '%s': \"data\" must be an "
			    "object", uid);
		if ((r = check_files(c, v, it, uid)) != 0)
			return r;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "folders")) {
		const cJSON *parent = cJSON_GetObjectItem(it, "parent");

		uid = ksmx_json_str(it, "uid");
		if (!sb_vault_uid_ok(uid))
			return fail(c, "a folder needs a url-safe \"uid\"");
		if (sb_vault_folder(v, uid) != it)
			return fail(c, "duplicate folder UID '%s'", uid);
		if (ksmx_json_str(it, "name") == NULL)
			return fail(c, "folder '%s' needs a \"name\"", uid);
		if (parent != NULL && !cJSON_IsNull(parent) &&
		    sb_vault_folder(v, cJSON_GetStringValue(parent)) == NULL)
			return fail(c, "folder '%s': unknown parent", uid);
		if (sb_vault_root_folder(v, uid) == NULL)
			return fail(c, "folder '%s': parent loop", uid);
		if ((r = check_refs(c, v, it, "records", 0, uid)) != 0)
			return r;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "applications")) {
		const cJSON *f;

		name = ksmx_json_str(it, "name");
		if (name == NULL || *name == '\0')
			return fail(c, "an application needs a \"name\"");
		if (sb_vault_app(v, name) != it)
			return fail(c, "duplicate application '%s'", name);
		if ((r = check_refs(c, v, it, "records", 0, name)) != 0 ||
		    (r = check_refs(c, v, it, "folders", 1, name)) != 0)
			return r;
		if (!opt_array(it, "readOnly"))
			return fail(c, "application '%s': \"readOnly\" must be "
			    "an array", name);
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(it, "readOnly")) {
			const char *s = cJSON_GetStringValue(f);

			if (s == NULL || (sb_vault_record(v, s) == NULL &&
			    sb_vault_folder(v, s) == NULL))
				return fail(c, "application '%s': \"readOnly\" "
				    "must list record or folder UIDs", name);
		}
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(it, "folders")) {
			if (ksmx_json_str(sb_vault_folder(v,
			    f->valuestring), "parent") != NULL)
				return fail(c, "application '%s': folder '%s' "
				    "is not a shared (top-level) folder", name,
				    f->valuestring);
		}
	}
	return 0;
}

static int
vault_read(struct sb_vault *v, const char *path, char *err, size_t errlen)
{
	struct ksmx_buf b = KSMX_BUF_INIT(SB_MAX_VAULT);
	struct check c = { err, errlen };
	struct sb_vault nv;
	struct stat sb;
	int r;

	memset(&nv, 0, sizeof nv);
	if (stat(path, &sb) != 0) {
		snprintf(err, errlen, "cannot read the vault file");
		return KSM_EIO;
	}
	if ((r = sb_file_read(&b, path, SB_MAX_VAULT)) != 0) {
		snprintf(err, errlen, "cannot read the vault file");
		return r;
	}
	nv.root = ksmx_json_parse(b.d, b.len);
	ksmx_buf_clear(&b);
	if (nv.root == NULL) {
		snprintf(err, errlen, "the vault file is not valid JSON");
		return KSM_EINVAL;
	}
	/* the indexes make the checks and every lookup O(1), not O(n) */
	if ((r = sb_index_build(&nv.records_ix, cJSON_GetObjectItem(nv.root,
	    "records"), "uid")) != 0 ||
	    (r = sb_index_build(&nv.folders_ix, cJSON_GetObjectItem(nv.root,
	    "folders"), "uid")) != 0) {
		snprintf(err, errlen, "out of memory indexing the vault");
		goto fail;
	}
	if ((r = check_vault(&c, &nv)) != 0)
		goto fail;
	ksmx_json_free(v->root);
	sb_index_free(v->records_ix);
	sb_index_free(v->folders_ix);
	sb_rcache_free(v->rcache);	/* built from the old tree */
	v->rcache = NULL;
	v->root = nv.root;
	v->records_ix = nv.records_ix;
	v->folders_ix = nv.folders_ix;
	v->mtime = sb.st_mtim.tv_sec;
	v->mtime_ns = sb.st_mtim.tv_nsec;
	v->size = sb.st_size;
	return 0;
fail:
	sb_index_free(nv.records_ix);
	sb_index_free(nv.folders_ix);
	ksmx_json_free(nv.root);
	return r;
}

int
sb_vault_load(struct sb_vault *v, const char *path, char *err, size_t errlen)
{
	memset(v, 0, sizeof *v);
	if ((v->path = strdup(path)) == NULL)
		return KSM_ENOMEM;
	return vault_read(v, path, err, errlen);
}

int
sb_vault_refresh(struct sb_vault *v, char *err, size_t errlen)
{
	struct stat sb;

	if (stat(v->path, &sb) != 0)
		return 0;	/* keep serving what we have */
	if (sb.st_mtim.tv_sec == v->mtime && sb.st_mtim.tv_nsec ==
	    v->mtime_ns && sb.st_size == v->size)
		return 0;
	return vault_read(v, v->path, err, errlen);
}

void
sb_vault_clear(struct sb_vault *v)
{
	ksmx_json_free(v->root);
	sb_index_free(v->records_ix);
	sb_index_free(v->folders_ix);
	sb_rcache_free(v->rcache);
	free(v->path);
	memset(v, 0, sizeof *v);
}
