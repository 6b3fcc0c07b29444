#include "config.h"

/* Folders from get_folders (ksm-protocol.md §8.4): key walk and names. */

#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "client-int.h"
#include "json.h"
#include "util/b64.h"
#include "records-int.h"

/* ---- folders (get_folders, §8.4) ---- */

struct ksm_folder {
	char		*uid;
	char		*name;
	char		*parent;	/* NULL: a shared folder (root) */
	unsigned char	 key[KSM_AES_KEY_LEN];	/* for writes */
};

struct ksm_folders {
	ksm_folder	*v;
	size_t		 n;
};

/* One entry of the response while its key is worked out. */
struct folder_in {
	const cJSON	*json;
	const char	*uid;
	const char	*parent;	/* NULL for a root */
	unsigned char	 key[KSM_AES_KEY_LEN];
	int		 state;		/* 0 unknown, 1 key ok, -1 failed */
};

static struct folder_in *
folder_by_uid(struct folder_in *in, size_t n, const char *uid)
{
	size_t i;

	for (i = 0; uid != NULL && i < n; i++)
		if (in[i].uid != NULL && strcmp(in[i].uid, uid) == 0)
			return &in[i];
	return NULL;
}

/*
 * A folder's key: a root's folderKey is GCM under the app key; below a
 * root it is CBC under the root shared folder's key (walk the parents,
 * at most n steps so a cycle cannot loop).
 */
static void
folder_key(struct folder_in *in, size_t n, struct folder_in *f,
    const unsigned char *app_key)
{
	struct ksmx_buf pt = KSMX_BUF_INIT(256);
	struct folder_in *root = f;
	const char *fk = ksmx_json_str(f->json, "folderKey");
	size_t steps = 0;

	if (f->state != 0)
		return;
	f->state = -1;
	while (root != NULL && root->parent != NULL && steps++ <= n)
		root = folder_by_uid(in, n, root->parent);
	if (root == NULL || steps > n)
		goto out;
	if (root == f) {
		if (ksm_records__unwrap_key(f->key, app_key, fk) == 0)
			f->state = 1;
		goto out;
	}
	folder_key(in, n, root, app_key);
	if (root->state != 1 ||
	    ksm_records__decrypt_b64(&pt, root->key, fk, 1) != 0 ||
	    pt.len != KSM_AES_KEY_LEN)
		goto out;
	memcpy(f->key, pt.d, KSM_AES_KEY_LEN);
	f->state = 1;
out:
	ksmx_buf_clear(&pt);
}

void
ksm_folders_free(ksm_folders *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++) {
		ksmx_strfree(set->v[i].uid);
		ksmx_strfree(set->v[i].name);
		ksmx_strfree(set->v[i].parent);
		ksmx_wipe_array(set->v[i].key);
	}
	free(set->v);
	free(set);
}

int
ksm_folders__from_response(ksm_folders **out, const unsigned char *app_key,
    const void *plain, size_t plain_len)
{
	struct ksmx_buf pt = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	struct folder_in *in = NULL;
	const cJSON *folders, *jf;
	ksm_folders *set = NULL;
	ksm_folder *f;
	cJSON *root = NULL, *data;
	const char *name;
	size_t n, i;
	int r;

	KSM_ASSERT_ARG(out != NULL && app_key != NULL);
	*out = NULL;
	root = plain_len > 0 ? ksmx_json_parse(plain, plain_len) :
	    cJSON_CreateObject();
	if (root == NULL || !cJSON_IsObject(root)) {
		r = ksm__err(KSM_EPROTO, "the server's folder list is not a "
		    "JSON object");
		goto out;
	}
	folders = cJSON_GetObjectItemCaseSensitive(root, "folders");
	n = ksm_records__array_size(folders);
	if ((set = calloc(1, sizeof(*set))) == NULL ||
	    (n > 0 && ((set->v = calloc(n, sizeof(*set->v))) == NULL ||
	    (in = calloc(n, sizeof(*in))) == NULL))) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	i = 0;
	cJSON_ArrayForEach(jf, ksm_records__array_of(folders)) {
		in[i].json = jf;
		in[i].uid = ksmx_json_str(jf, "folderUid");
		in[i].parent = ksmx_json_str(jf, "parent");
		if (in[i].parent != NULL && in[i].parent[0] == '\0')
			in[i].parent = NULL;
		i++;
	}
	for (i = 0; i < n; i++) {
		if (in[i].uid == NULL ||
		    ksm_folders_find(set, in[i].uid) != NULL)
			continue;
		folder_key(in, n, &in[i], app_key);
		ksmx_buf_clear(&pt);
		data = NULL;
		if (in[i].state != 1 || ksm_records__decrypt_b64(&pt,
		    in[i].key, ksmx_json_str(in[i].json, "data"), 1) != 0 ||
		    (data = ksmx_json_parse(pt.d, pt.len)) == NULL ||
		    (name = ksmx_json_str(data, "name")) == NULL) {
			ksmx_json_free(data);
			continue;	/* skipped, like an undecryptable record */
		}
		f = &set->v[set->n];
		f->uid = ksmx_strdup(in[i].uid);
		f->name = ksmx_strdup(name);
		f->parent = in[i].parent != NULL ? ksmx_strdup(in[i].parent) :
		    NULL;
		memcpy(f->key, in[i].key, sizeof(f->key));
		ksmx_json_free(data);
		set->n++;
		if (f->uid == NULL || f->name == NULL ||
		    (in[i].parent != NULL && f->parent == NULL)) {
			r = ksm__err(KSM_ENOMEM, "out of memory");
			goto out;
		}
	}
	*out = set;
	set = NULL;
	r = 0;
out:
	if (in != NULL) {
		ksmx_wipe(in, n * sizeof(*in));
		free(in);
	}
	ksmx_buf_clear(&pt);
	ksm_folders_free(set);
	ksmx_json_free(root);
	return r;
}

size_t
ksm_folders_count(const ksm_folders *set)
{
	return set != NULL ? set->n : 0;
}

const ksm_folder *
ksm_folders_at(const ksm_folders *set, size_t i)
{
	return set != NULL && i < set->n ? &set->v[i] : NULL;
}

const ksm_folder *
ksm_folders_find(const ksm_folders *set, const char *uid)
{
	size_t i;

	for (i = 0; set != NULL && uid != NULL && i < set->n; i++)
		if (strcmp(set->v[i].uid, uid) == 0)
			return &set->v[i];
	return NULL;
}

const char *
ksm_folder_uid(const ksm_folder *f)
{
	return f != NULL ? f->uid : NULL;
}

const char *
ksm_folder_name(const ksm_folder *f)
{
	return f != NULL ? f->name : NULL;
}

const char *
ksm_folder_parent_uid(const ksm_folder *f)
{
	return f != NULL ? f->parent : NULL;
}

const unsigned char *
ksm_folder__key(const ksm_folder *f)
{
	return f != NULL ? f->key : NULL;
}

const ksm_folder *
ksm_folders__root(const ksm_folders *set, const ksm_folder *f)
{
	size_t steps;

	for (steps = 0; f != NULL && f->parent != NULL && steps <= set->n;
	    steps++)
		f = ksm_folders_find(set, f->parent);
	return steps > set->n ? NULL : f;
}
