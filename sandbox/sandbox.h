/*
 * keeper-sandbox: a local Keeper Secrets Manager-compatible HTTPS server.
 * Shared declarations of the sandbox program (not part of libksm).
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "crypto.h"
#include "util/buf.h"

/* PublicKeyId of the sandbox transmission key */
#define SB_KEY_ID		"101"
#define SB_MAX_BODY		(16u * 1024 * 1024)	/* bytes, request */
#define SB_MAX_VAULT		(64u * 1024 * 1024)	/* bytes, vault file */
#define SB_MAX_REGISTRY		(16u * 1024 * 1024)	/* bytes, registry */
#define SB_THROTTLE_DEFAULT	200	/* calls without a pause */
#define SB_THROTTLE_PAUSE	10	/* seconds of silence that reset */
#define SB_FILE_TOKEN_TTL	3600	/* seconds a download URL works */
#define SB_LAST_MODIFIED	1700000000000.0	/* ms, default lastModified */
#define SB_MAX_RECORD		(1024u * 1024)	/* bytes, one record's data */
#define SB_UPLOAD_TTL		3600	/* seconds an upload form works */
#define SB_UPLOAD_PATH		"/upload"	/* upload.c: the second leg */

/* ---- state.c: the state directory ---- */

struct sb_state {
	char		*dir;		/* absolute path */
	ksm_eckey	*server_key;	/* transmission-key (ECIES) key */
	uint8_t		 server_point[KSM_EC_POINT_LEN];
	ksm_eckey	*owner_key;	/* app owner key pair */
	uint8_t		 owner_point[KSM_EC_POINT_LEN];
	uint8_t		 master[32];	/* derives record/folder/file keys */
};

/* Open DIR, creating it (0700) and every missing key and certificate. */
int	sb_state_open(struct sb_state *st, const char *dir);
void	sb_state_clear(struct sb_state *st);
/* malloc'd "DIR/name" (NULL on ENOMEM). */
char	*sb_state_path(const struct sb_state *st, const char *name);
/* 32-byte key = HMAC-SHA256(master, label "\n" a "\n" b). */
int	sb_state_derive(const struct sb_state *st, uint8_t out[32],
	    const char *label, const char *a, const char *b);

/* ---- fileio.c: small file helpers ---- */

/* Read a whole file (NUL-terminated, at most max bytes).  0 or ksm_code. */
int	sb_file_read(struct ksmx_buf *out, const char *path, size_t max);
/* Write atomically (tmp + fsync + rename) with the given mode. */
int	sb_file_write(const char *path, const void *p, size_t n, int mode);

/* ---- tls.c: test CA and server certificate (OpenSSL X509) ---- */

/* Create ca.pem, ca-key.pem, tls-cert.pem, tls-key.pem in dir if missing. */
int	sb_tls_ensure(const char *dir);

/* ---- registry.c: one-time tokens and devices (DIR/clients.json) ---- */

struct sb_client {
	char		*app;			/* application name */
	uint8_t		 app_key[32];
	char		*enc_app_key;		/* std b64 GCM(token, appKey) */
	int		 bound;
	uint8_t		 pub[KSM_EC_POINT_LEN];	/* when bound */
};

/* Mint a token for app; *token_out is malloc'd (free with ksmx_strfree). */
int	sb_registry_mint(const struct sb_state *st, const char *app,
	    char **token_out);
/* KSM_ENOTFOUND when clientId is unknown. */
int	sb_registry_lookup(const struct sb_state *st, const char *client_id,
	    struct sb_client *out);
/* Bind clientId to pub: 0, or KSM_EEXIST when bound to another key. */
int	sb_registry_bind(const struct sb_state *st, const char *client_id,
	    const uint8_t pub[KSM_EC_POINT_LEN]);
void	sb_client_clear(struct sb_client *c);
/* clientId of token bytes: std b64 HMAC-SHA512(token, fixed tag). */
char	*sb_client_id(const uint8_t *token, size_t len);

/* ---- vault.c: the plaintext vault file ---- */

struct sb_index;
struct sb_rcache;

struct sb_vault {
	char	*path;
	cJSON	*root;
	time_t	 mtime;
	off_t	 size;
	long	 mtime_ns;
	struct sb_index *records_ix;	/* UID -> records[] item (vindex.c) */
	struct sb_index *folders_ix;	/* UID -> folders[] item */
	struct sb_rcache *rcache;	/* built Record objects (rcache.c) */
};

/*
 * rcache.c: the printed Record object of record uid as built for (wrap
 * key, innerFolderUid, isEditable), valid for the life of one vault tree
 * (whoever replaces the tree frees the cache).
 * get: NULL when not cached.  put: stores text (malloc'd, taken on
 * success only) and creates *c when NULL; 0, KSM_ENOMEM or
 * KSM_ETOOBIG (the cache is full).
 */
const char *sb_rcache_get(const struct sb_rcache *c, const char *uid,
	    const uint8_t wrap_key[32], const char *inner, int editable,
	    size_t *len);
int	sb_rcache_put(struct sb_rcache **c, const char *uid,
	    const uint8_t wrap_key[32], const char *inner, int editable,
	    char *text, size_t len);
void	sb_rcache_free(struct sb_rcache *c);

/* vindex.c: FNV-1a of a string, for the sandbox's hash tables. */
uint64_t sb_hash(const char *s);
/* vindex.c: UID (the string member field) -> item of a JSON array. */
int	sb_index_build(struct sb_index **out, const cJSON *arr,
	    const char *field);
const cJSON *sb_index_get(const struct sb_index *ix, const char *key);
void	sb_index_free(struct sb_index *ix);

/* Load and validate; *err gets a static-ish message on KSM_EINVAL. */
int	sb_vault_load(struct sb_vault *v, const char *path, char *err,
	    size_t errlen);
/* Reload when the file changed; keeps the old tree on failure. */
int	sb_vault_refresh(struct sb_vault *v, char *err, size_t errlen);
void	sb_vault_clear(struct sb_vault *v);
const cJSON *sb_vault_app(const struct sb_vault *v, const char *name);
const cJSON *sb_vault_record(const struct sb_vault *v, const char *uid);
const cJSON *sb_vault_folder(const struct sb_vault *v, const char *uid);
/* The root (parent == null) folder above uid, or uid's own folder. */
const cJSON *sb_vault_root_folder(const struct sb_vault *v, const char *uid);
/*
 * May app edit through this share (a record UID shared directly, or a
 * shared folder UID)?  "editable" true and the UID not in "readOnly".
 */
int	sb_vault_share_editable(const cJSON *app, const char *share_uid);
/* UID of file index i of record rec (explicit "uid" or derived). */
int	sb_vault_file_uid(char out[23], const cJSON *rec, const cJSON *file);
/* Find record and file by file UID (for downloads). */
int	sb_vault_find_file(const struct sb_vault *v, const char *file_uid,
	    const cJSON **rec_out, const cJSON **file_out);
int	sb_vault_uid_ok(const char *s);

/* ---- server options and the API (api.c) ---- */

enum sb_fault { SB_FAULT_NONE, SB_FAULT_TAMPER, SB_FAULT_VERSION,
	SB_FAULT_UPLOAD };

struct sb_throttle;

struct sb_server {
	struct sb_state		 st;
	struct sb_vault		 vault;
	char			 listen[64];	/* "127.0.0.1:PORT" */
	unsigned		 throttle_n;
	unsigned		 throttle_pause;	/* seconds of silence that reset */
	int			 throttle_status;
	int			 rotate_key;	/* still to do */
	enum sb_fault		 fault;
	FILE			*log;
	struct sb_throttle	*throttle;
};

struct sb_request {
	const char	*endpoint;	/* after /api/rest/sm/v1/ */
	const char	*public_key_id;
	const char	*transmission_key;
	const char	*authorization;
	const char	*user_agent;
	const uint8_t	*body;
	size_t		 body_len;
};

struct sb_response {
	int		 status;
	struct ksmx_buf	 body;
	const char	*content_type;
	char		 client[16];	/* clientId prefix for the log */
	char		 error[40];	/* error code for the log, "" if none */
	/* a write's payload members, "name:t,..." (never values), or "" */
	char		 members[320];
};

void	sb_response_init(struct sb_response *r);
void	sb_response_clear(struct sb_response *r);
/* Plain-JSON error body like Keeper's. */
void	sb_response_error(struct sb_response *r, const struct sb_server *srv,
	    const struct sb_request *rq, int status, const char *code,
	    const char *message);
void	sb_api_handle(struct sb_server *srv, const struct sb_request *rq,
	    struct sb_response *resp);
void	sb_throttle_free(struct sb_throttle *t);

/* ---- build.c: the get_secret / get_folders answers ---- */

struct sb_query {
	const cJSON	*records;	/* requestedRecords or NULL */
	const cJSON	*folders;	/* requestedFolders or NULL */
	/* build.c: requestedRecords sorted, for lookups in log time */
	const char	**sorted;
	size_t		 n_sorted;
	int		 filter_records;	/* requestedRecords non-empty */
};

int	sb_build_secrets(cJSON **out, struct sb_server *srv,
	    const cJSON *app, const uint8_t app_key[32],
	    const struct sb_query *q);
int	sb_build_folders(cJSON **out, const struct sb_server *srv,
	    const cJSON *app, const uint8_t app_key[32]);

/* ---- keys.c: the keys of records, folders and files ---- */

/*
 * A record, folder or file made by a client (create_secret, create_folder,
 * add_file) keeps the key the client chose ("recordKey", "folderKey",
 * "fileKey": std base64 of 32 bytes in the vault entry); the others have
 * one derived from the state's master secret.
 */
int	sb_key_record(const struct sb_state *st, uint8_t out[32],
	    const cJSON *rec);
int	sb_key_folder(const struct sb_state *st, uint8_t out[32],
	    const cJSON *folder);
int	sb_key_file(const struct sb_state *st, uint8_t out[32],
	    const cJSON *rec, const cJSON *file, const char *file_uid);

/* ---- the write endpoints (write.c and the files it names) ---- */

/* One API call that passed every check of api.c. */
struct sb_call {
	struct sb_server	*srv;
	const struct sb_request	*rq;
	const cJSON		*app;
	const cJSON		*payload;
	const uint8_t		*tk;	/* transmission key: encrypted answers */
	struct sb_response	*resp;
};

/* write.c: answers, access, decryption and committing a changed vault. */
/* An error body (Keeper's shape) with a formatted message. */
void	sb_reply_error(struct sb_call *k, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* 200 with an empty body (what Keeper answers most writes with). */
void	sb_reply_empty(struct sb_call *k);
/* 200 with GCM(tk, JSON of root). */
void	sb_reply_json(struct sb_call *k, const cJSON *root);
/*
 * How app reaches record uid: 0 not shared, 1 read-only, 2 editable
 * (through at least one editable share).
 */
int	sb_access_record(const struct sb_vault *v, const cJSON *app,
	    const char *uid);
/* The same for a folder (through the shared folder above it). */
int	sb_access_folder(const struct sb_vault *v, const cJSON *app,
	    const char *uid);
/* Refuse (answered in k) a record app cannot edit: 0 with *rec when it can. */
int	sb_need_record(struct sb_call *k, const char *uid, const cJSON **rec);
/* Decrypt base64 (either alphabet) under key, GCM or CBC. */
int	sb_open_b64(struct ksmx_buf *out, const uint8_t key[32],
	    const char *b64, int cbc);
/* ... parsed as a JSON object (KSM_EINVAL when it is none). */
int	sb_open_json(cJSON **out, const uint8_t key[32], const char *b64,
	    int cbc);
/* ... a 32-byte key (KSM_EINVAL for another length). */
int	sb_open_key(uint8_t out[32], const uint8_t kek[32], const char *b64,
	    int cbc);
/*
 * The record data in payload member (GCM under key): a JSON object of at
 * most SB_MAX_RECORD bytes, or NULL (answered).
 */
cJSON	*sb_open_record(struct sb_call *k, const uint8_t key[32],
	    const char *member);
/*
 * A delete's start (what: "record" or "folder"): the payload's <what>Uids,
 * an answer {<what>s: []} to fill and a copy of the vault: 0, or answered.
 */
int	sb_delete_begin(struct sb_call *k, const char *what,
	    const cJSON **uids, cJSON **answer, cJSON **list, cJSON **root);
/* A delete's per-item answer: commit root (taken) when changed, reply. */
void	sb_reply_items(struct sb_call *k, cJSON *root, int changed,
	    const cJSON *answer);
/* A 32-byte key ECIES-encrypted to the application owner. */
int	sb_open_owner_key(const struct sb_state *st, uint8_t out[32],
	    const char *b64);
/* An entry of root's list ("records", "folders") by "uid", or NULL. */
cJSON	*sb_tree_find(cJSON *root, const char *list, const char *uid);
/* Remove uid from every UID list of root (folders, applications). */
void	sb_tree_unlist(cJSON *root, const char *uid);
/* Replace the string array obj[key] (created when missing). */
cJSON	*sb_tree_list(cJSON *obj, const char *key);
/*
 * Write root (taken, even on failure) as the vault file, atomically, and
 * serve it: 0, or an error after which the old vault is still served.
 */
int	sb_vault_commit(struct sb_vault *v, cJSON *root);
/* A writable copy of the vault tree (NULL on ENOMEM). */
cJSON	*sb_vault_copy(const struct sb_vault *v);
/* Commit, answering 500 on failure; 0 when committed. */
int	sb_commit_or_reply(struct sb_call *k, cJSON *root);

/* update.c: update_secret (transactions, links2Remove), finalize, rollback */
void	sb_update_secret(struct sb_call *k);
void	sb_finalize_update(struct sb_call *k);
void	sb_rollback_update(struct sb_call *k);
/* records-write.c: create_secret, delete_secret */
void	sb_create_secret(struct sb_call *k);
void	sb_delete_secret(struct sb_call *k);
/* One entry of a delete answer: {uid_key: uid, responseCode, errorMessage}. */
void	sb_delete_result(cJSON *list, const char *uid_key, const char *uid,
	    const char *code, const char *message);
/* folders-write.c: create_folder, update_folder, delete_folder */
void	sb_create_folder(struct sb_call *k);
void	sb_update_folder(struct sb_call *k);
void	sb_delete_folder(struct sb_call *k);
/* upload.c: add_file, then the multipart POST to /upload */
void	sb_add_file(struct sb_call *k);
void	sb_upload_serve(struct sb_server *srv, const char *content_type,
	    const uint8_t *body, size_t len, struct sb_response *resp);

/* ---- files.c: download URLs ---- */

/* A self-checking token for uid and purpose, valid ttl seconds (malloc'd). */
char	*sb_token_make(const struct sb_server *srv, const char *purpose,
	    const char *uid, unsigned int ttl);
/* 0 when token is one of ours for purpose and uid, and not expired. */
int	sb_token_check(const struct sb_server *srv, const char *purpose,
	    const char *uid, const char *token);
/* malloc'd https://LISTEN/files/UID?t=TOKEN */
char	*sb_files_url(const struct sb_server *srv, const char *file_uid);
/* 0 when token is valid for file_uid now. */
int	sb_files_check(const struct sb_server *srv, const char *file_uid,
	    const char *token);
/* GCM(fileKey, content) into resp (status, body), or an error. */
void	sb_files_serve(struct sb_server *srv, const char *file_uid,
	    const char *token, struct sb_response *resp);

/* ---- http.c: MHD glue ---- */

int	sb_http_serve(struct sb_server *srv, const char *listen);
void	sb_log(const struct sb_server *srv, const char *endpoint,
	    const struct sb_response *resp);

#endif /* SANDBOX_H */
