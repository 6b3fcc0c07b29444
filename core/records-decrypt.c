#include "config.h"

/*
 * Decrypting a get_secret response (ksm-protocol.md §8): the key hierarchy
 * appKey -> folderKey -> recordKey -> data / fileKey -> file meta.  A
 * record that fails to decrypt is skipped but remembered by UID.
 */

#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "client-int.h"
#include "json.h"
#include "util/b64.h"
#include "records-int.h"

/* A decrypted shared folder key, for records[].innerFolderUid. */
struct folder_key {
	const char	*uid;		/* borrowed from the response tree */
	unsigned char	 key[KSM_AES_KEY_LEN];
	int		 ok;
};

/* Decrypt the base64 text b64 under key into out (appended). */
int
ksm_records__decrypt_b64(struct ksmx_buf *out, const unsigned char *key,
    const char *b64, int cbc)
{
	struct ksmx_buf ct = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	size_t n;
	int r;

	if (b64 == NULL || b64[0] == '\0')
		return KSM_EPROTO;
	n = strlen(b64);
	/* one allocation, not a doubling series (a hint: errors come below) */
	(void)ksmx_buf_reserve(&ct, n / 4 * 3 + 3);
	if ((r = ksmx_b64_decode(&ct, b64, n)) == 0)
		r = cbc ? ksm_crypto__cbc_decrypt(out, key, ct.d, ct.len) :
		    ksm_crypto__gcm_decrypt(out, key, ct.d, ct.len);
	ksmx_buf_clear(&ct);
	return r;
}

/* Unwrap a 32-byte key encrypted under kek. */
int
ksm_records__unwrap_key(unsigned char out[KSM_AES_KEY_LEN], const unsigned char *kek,
    const char *b64)
{
	struct ksmx_buf pt = KSMX_BUF_INIT(256);
	int r;

	if ((r = ksm_records__decrypt_b64(&pt, kek, b64, 0)) == 0 &&
	    pt.len != KSM_AES_KEY_LEN)
		r = KSM_ECRYPTO;
	if (r == 0)
		memcpy(out, pt.d, KSM_AES_KEY_LEN);
	ksmx_buf_clear(&pt);
	return r;
}

/*
 * Decrypt base64 b64 under key and parse the (space-padded) JSON object;
 * *text_len (when not NULL) is the length of its text.
 */
static int
decrypt_json(cJSON **out, size_t *text_len, const unsigned char *key,
    const char *b64)
{
	struct ksmx_buf pt = KSMX_BUF_INIT(KSM_MAX_HTTP_BODY);
	int r;

	*out = NULL;
	if ((r = ksm_records__decrypt_b64(&pt, key, b64, 0)) == 0) {
		*out = ksmx_json_parse(pt.d, pt.len);
		if (text_len != NULL)
			*text_len = pt.len;
		if (*out != NULL && !cJSON_IsObject(*out)) {
			ksmx_json_free(*out);
			*out = NULL;
		}
		if (*out == NULL)
			r = KSM_EPROTO;
	}
	ksmx_buf_clear(&pt);
	return r;
}

/* One files[] entry of rec; KSM_ECRYPTO/EPROTO to skip it, ENOMEM to stop. */
static int
file_load(ksm_record *rec, const cJSON *jf)
{
	unsigned char key[KSM_AES_KEY_LEN];
	cJSON *meta = NULL;
	const cJSON *size;
	const char *uid = ksmx_json_str(jf, "fileUid");
	int r;

	if (uid == NULL)
		return KSM_EPROTO;
	if ((r = ksm_records__unwrap_key(key, rec->key,
	    ksmx_json_str(jf, "fileKey"))) == 0 &&
	    (r = decrypt_json(&meta, NULL, key,
	    ksmx_json_str(jf, "data"))) == 0) {
		size = cJSON_GetObjectItemCaseSensitive(meta, "size");
		r = ksm_records__add_file(rec, uid, ksmx_json_str(meta, "name"),
		    ksmx_json_str(meta, "title"), ksmx_json_str(meta, "type"),
		    ksmx_json_str(jf, "url"), cJSON_IsNumber(size) &&
		    size->valuedouble > 0 ?
		    (unsigned long long)size->valuedouble : 0, key);
	}
	ksmx_json_free(meta);
	ksmx_wipe_array(key);
	return r;
}

/*
 * One record.  keks[] are the candidate keys for its recordKey, tried in
 * order (GCM's tag tells which is right); with no recordKey the last
 * candidate (the app key, or the shared folder key) is the record key.
 * Returns 0 (also when the record was skipped) or KSM_ENOMEM.
 */
static int
record_load(ksm_records *set, const cJSON *jr, const unsigned char *const *keks,
    size_t n_keks, const char *folder_uid)
{
	unsigned char key[KSM_AES_KEY_LEN];
	ksm_record *rec;
	const cJSON *files, *jf, *rev;
	cJSON *data = NULL;
	size_t text_len = 0;
	const char *uid = ksmx_json_str(jr, "recordUid");
	const char *rkey = ksmx_json_str(jr, "recordKey");
	size_t i;
	int r = KSM_ECRYPTO;

	if (uid == NULL || ksm_records__seen(set, uid))
		return 0;
	if (rkey == NULL || rkey[0] == '\0') {
		memcpy(key, keks[n_keks - 1], KSM_AES_KEY_LEN);
		r = 0;
	} else {
		for (i = 0; i < n_keks && r != 0; i++)
			r = ksm_records__unwrap_key(key, keks[i], rkey);
	}
	if (r == 0)
		r = decrypt_json(&data, &text_len, key,
		    ksmx_json_str(jr, "data"));
	if (r != 0) {
		ksmx_wipe_array(key);
		return r == KSM_ENOMEM ? r : ksm_records__add_bad(set, uid);
	}
	rev = cJSON_GetObjectItemCaseSensitive(jr, "revision");
	files = cJSON_GetObjectItemCaseSensitive(jr, "files");
	r = ksm_records__add(set, &rec, uid, folder_uid, key, data, text_len,
	    cJSON_IsNumber(rev) ? rev->valueint : 0,
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jr, "isEditable")),
	    ksm_records__array_size(files));
	ksmx_json_free(data);
	ksmx_wipe_array(key);
	if (r != 0)
		return r;
	cJSON_ArrayForEach(jf, ksm_records__array_of(files))
		/* an undecryptable file is skipped */
		if ((r = file_load(rec, jf)) == KSM_ENOMEM ||
		    r == KSM_ERROR)
			return r;
	return 0;
}

/*
 * The keys a direct record's recordKey may be under: its inner folder's
 * key (when it has one we could decrypt), then the app key.
 */
static size_t
direct_keks(const unsigned char *keks[2], const cJSON *jr,
    const struct folder_key *fk, size_t n_folders,
    const unsigned char *app_key)
{
	const char *inner = ksmx_json_str(jr, "innerFolderUid");
	size_t k, n = 0;

	for (k = 0; inner != NULL && k < n_folders; k++)
		if (fk[k].ok && fk[k].uid != NULL &&
		    strcmp(fk[k].uid, inner) == 0) {
			keks[n++] = fk[k].key;
			break;
		}
	keks[n++] = app_key;
	return n;
}

/* Elements of the JSON array at [p, p+len) (0 when not an array). */
static int
count_elements(size_t *n, const char *p, size_t len)
{
	const char *cur = p, *elem;
	size_t elen;
	int k;

	*n = 0;
	if (p == NULL || *p != '[')
		return 0;
	while ((k = ksmx_json_array_next(&cur, p + len, &elem, &elen)) == 1)
		(*n)++;
	return k;
}

#define CONSUME_STEP	(256u * 1024)	/* bytes of text released at a time */

/*
 * The answer is walked, not parsed whole: each directly shared record is
 * parsed, loaded and freed in turn (json-scan.c), so 10,000 records never
 * exist as one tree next to their text, and the text of loaded records
 * is wiped and its pages released as the set grows.  Folders (with their
 * records) are parsed whole: their keys are needed before any record.
 */
int
ksm_records__from_response(ksm_records **out, const unsigned char *app_key,
    struct ksmx_buf *plain)
{
	const unsigned char *keks[2];
	struct folder_key *fk = NULL;
	const cJSON *folders, *jf, *jr, *next;
	ksm_records *set = NULL;
	static const char *const member_names[2] = { "folders", "records" };
	struct ksmx_json_span span[2] = { { NULL, 0 }, { NULL, 0 } };
	cJSON *froot = NULL, *one = NULL;
	const char *text, *rtext = NULL, *cur, *elem;
	size_t n_total = 0, n_folders = 0, i, rlen = 0, elen;
	size_t consumed = 0;	/* text wiped and released so far */
	int r, is_array;

	KSM_ASSERT_ARG(out != NULL && app_key != NULL && plain != NULL);
	*out = NULL;
	text = (const char *)plain->d;
	/* one walk finds both members and checks the whole object */
	if (plain->len > 0 &&
	    (ksmx_json_object_members(text, plain->len, member_names, 2,
	    span) != 0 ||
	    (span[0].p != NULL &&
	    (froot = ksmx_json_parse(span[0].p, span[0].len)) == NULL) ||
	    count_elements(&n_total, span[1].p, span[1].len) != 0)) {
		r = ksm__err(KSM_EPROTO, "the server's answer is not a JSON "
		    "object");
		goto out;
	}
	rtext = span[1].p;
	rlen = span[1].len;
	folders = froot;
	n_folders = ksm_records__array_size(folders);
	cJSON_ArrayForEach(jf, ksm_records__array_of(folders))
		n_total += ksm_records__array_size(cJSON_GetObjectItemCaseSensitive(jf,
		    "records"));
	if (ksm_records__alloc(&set, n_total) != 0 ||
	    (n_folders > 0 && (fk = calloc(n_folders, sizeof(*fk))) == NULL)) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}

	/* shared folder keys, under the app key */
	i = 0;
	cJSON_ArrayForEach(jf, ksm_records__array_of(folders)) {
		fk[i].uid = ksmx_json_str(jf, "folderUid");
		fk[i].ok = ksm_records__unwrap_key(fk[i].key, app_key,
		    ksmx_json_str(jf, "folderKey")) == 0;
		i++;
	}

	/* directly shared records first (server order), then folders' */
	/* (the text behind the cursor is wiped as it goes: test '[' once) */
	is_array = rtext != NULL && *rtext == '[';
	cur = rtext;
	while (is_array && (r = ksmx_json_array_next(&cur, rtext + rlen, &elem,
	    &elen)) != 0) {
		if (r < 0) {	/* the count above walked it: cannot happen */
			r = ksm__err(KSM_EPROTO, "the server's answer is not "
			    "a JSON object");
			goto out;
		}
		if ((one = ksmx_json_parse(elem, elen)) == NULL) {
			r = ksm__err(KSM_EPROTO, "the server's answer has a "
			    "record that is not JSON");
			goto out;
		}
		r = record_load(set, one, keks, direct_keks(keks, one, fk,
		    n_folders, app_key), NULL);
		ksmx_json_free(one);
		one = NULL;
		if (r != 0)
			goto nomem;
		/* the loaded records' text goes as the records grow */
		if ((size_t)(elem + elen - text) - consumed >= CONSUME_STEP)
			ksmx_buf_consume(plain, &consumed,
			    (size_t)(elem + elen - text));
	}
	i = 0;
	cJSON_ArrayForEach(jf, ksm_records__array_of(folders)) {
		cJSON *frecs = cJSON_GetObjectItemCaseSensitive(jf, "records");

		for (jr = ksm_records__array_of(frecs) != NULL ?
		    frecs->child : NULL; jr != NULL; jr = next) {
			next = jr->next;
			if (!fk[i].ok) {
				const char *uid = ksmx_json_str(jr,
				    "recordUid");

				if (uid != NULL &&
				    !ksm_records__seen(set, uid) &&
				    (r = ksm_records__add_bad(set, uid)) != 0)
					goto nomem;
				continue;
			}
			keks[0] = fk[i].key;
			if ((r = record_load(set, jr, keks, 1,
			    fk[i].uid)) != 0)
				goto nomem;
			ksmx_json_free(cJSON_DetachItemViaPointer(frecs,
			    (cJSON *)jr));
		}
		i++;
	}
	ksm_records__done(set);
	*out = set;
	set = NULL;
	r = 0;
	goto out;
nomem:
	r = ksm__err(r, "cannot decrypt the records: %s", ksm_strerror(r));
out:
	if (fk != NULL) {
		ksmx_wipe(fk, n_folders * sizeof(*fk));
		free(fk);
	}
	ksm_records_free(set);
	ksmx_json_free(froot);
	ksmx_buf_clear_consumed(plain, consumed);
	return r;
}

