/*
 * What the write endpoints share (write.c): payloads, sealing values for
 * Keeper, new UIDs, sending, reading per-item answers.  One file per
 * write: records-create.c, records-delete.c, records-update.c,
 * transaction.c, folders-write.c, files-upload.c, notation-set.c.
 */
#ifndef KSM_WRITE_INT_H
#define KSM_WRITE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "client-int.h"
#include "util/b64.h"

struct cJSON;

/* {"clientVersion", "clientId"} of c; NULL on ENOMEM (no message). */
struct cJSON *ksm_write__payload(struct ksm_client *c);

/*
 * Send payload (taken, its strings wiped) to endpoint; the decrypted
 * answer (possibly empty) in *plain (NULL: not wanted).  A client that is not bound is
 * refused.  On success the cached answers are dropped
 * (ksm_client__invalidate, with uids).
 */
int	ksm_write__send(struct ksm_client *c, const char *endpoint,
	    struct cJSON *payload, struct ksmx_buf *plain,
	    const char *const *uids, size_t n_uids);

/* obj[name] = [uids...]: 0 or KSM_ENOMEM. */
int	ksm_write__add_uids(struct cJSON *obj, const char *name,
	    const char *const *uids, size_t n);
/* obj[name] = base64(GCM(key, pt)), or AES-CBC with cbc. */
int	ksm_write__add_sealed(struct cJSON *obj, const char *name,
	    const uint8_t key[32], const void *pt, size_t n, int cbc,
	    enum ksmx_b64_style style);
/* obj[name] = std base64(ECIES(application owner's key, pt)). */
int	ksm_write__add_for_owner(struct ksm_client *c, struct cJSON *obj,
	    const char *name, const void *pt, size_t n);
/* KSM_ECONFIG (with message) when the config has no owner key. */
int	ksm_write__need_owner(struct ksm_client *c);

/*
 * A new record or folder UID as the SDKs make them: 16 random bytes,
 * url base64, never starting with '-' or '_'.  A file UID (file_uid)
 * is 16 plain random bytes.
 */
int	ksm_write__new_uid(char out[KSM_UID_BUF], int file_uid);

/*
 * Folder uid among the folders shared with the application (get_folders):
 * *set owns what *f (the folder) and *root (its shared folder) borrow.
 * KSM_ENOTFOUND with a message when it is not there (folders-write.c).
 */
int	ksm_write__folder(ksm_folders **set, const ksm_folder **f,
	    const ksm_folder **root, struct ksm_client *c, const char *uid);

/*
 * A per-item answer ({"records"|"folders": [{uid_key, "responseCode",
 * "errorMessage"}]}) of delete_secret / delete_folder: 0 when every
 * item is "ok"; else the first refusal as an error (record_uid_not_found
 * and folder_uid_not_found: not_found; access_denied: KSM_EACCESS;
 * else KSM_ESERVER).  *n_ok counts the "ok" items.
 */
int	ksm_write__items(const struct ksmx_buf *plain, const char *list,
	    const char *uid_key, const char *what, int not_found,
	    size_t *n_ok);

/*
 * The upload form (files-upload.c): every member of the JSON object
 * params_json as a text field, in order, then the part "file"; 0 or
 * KSM_EPROTO (a parameter that is not a one-line string), KSM_ETOOBIG.
 */
int	ksm_upload__multipart(struct ksmx_buf *body, const char *boundary,
	    const char *params_json, const void *file, size_t file_len);

/*
 * delete_secret (what "record") or delete_folder ("folder"): the UIDs as
 * <what>Uids (and forceDeletion unless force < 0), the answer read with
 * ksm_write__items().
 */
int	ksm_write__delete(struct ksm_client *c, const char *endpoint,
	    const char *what, int not_found, const char *const *uids,
	    size_t n, int force, size_t *n_ok);

#endif /* KSM_WRITE_INT_H */
