/*
 * Changing the vault: create, update (with a transaction), delete,
 * attach files, and create, rename and delete folders, as the official
 * SDKs do it.  Every successful write drops the client's cached answers
 * (ksm/cache.h) that it made stale.  docs/writes.md has the details.
 */
#ifndef KSM_WRITE_H
#define KSM_WRITE_H

#include "ksm/common.h"
#include "ksm/client.h"
#include "ksm/record.h"

KSM_BEGIN_DECL

/** Room for a record, folder or file UID (22 characters) and its NUL. */
#define KSM_UID_BUF		23

/** Longest record data JSON libksm sends, in bytes. */
#define KSM_MAX_RECORD_JSON	(1024u * 1024)

/* ---- record types ---- */

/** The i-th standard record type ("login", ...), or NULL past the end. */
KSM_EXTERN(const char *) ksm_record_type_at(size_t i);

/**
 * The i-th field of the standard record type type: its field type and its
 * label (NULL when it has none).
 * @return 0, or KSM_ENOTFOUND past the last field or for an unknown type
 */
KSM_EXTERN(int) ksm_record_type_field(const char *type, size_t i,
    const char **field_type, const char **label);

/** What a field type's values are. */
typedef enum {
	KSM_FIELD_UNKNOWN = 0,	/**< not a field type Keeper knows */
	KSM_FIELD_STRING = 1,	/**< login, password, url, text, ... */
	KSM_FIELD_NUMBER = 2,	/**< date, birthDate, expirationDate (ms) */
	KSM_FIELD_BOOL = 3,	/**< checkbox, isSSIDHidden */
	KSM_FIELD_OBJECT = 4	/**< name, host, phone, address, ... */
} ksm_field_kind;

KSM_EXTERN(ksm_field_kind) ksm_field_type_kind(const char *field_type);

/**
 * Check record data JSON before it is sent: an object with a non-empty
 * "title", a "type" (a standard record type unless
 * KSM_RECORD_CUSTOM_TYPE), "fields" and "custom" arrays of fields whose
 * "type" Keeper knows and whose "value" is an array of values of that
 * type's kind, an optional string "notes", at most KSM_MAX_RECORD_JSON
 * bytes.
 * @return 0, KSM_EINVAL (the message names what is wrong), KSM_ETOOBIG
 */
KSM_EXTERN(int) ksm_record_validate(const char *json, unsigned int flags)
    KSM_WARN_UNUSED;

/** Flag: a record type that is not a standard one is allowed. */
#define KSM_RECORD_CUSTOM_TYPE	0x1u

/* ---- records ---- */

/**
 * Create a record (create_secret) in folder_uid: a shared folder, or a
 * folder below one.  json is the record data (checked with
 * ksm_record_validate()); a new record key is made, wrapped for the
 * application owner and under the shared folder's key.
 *
 * @param[out] uid	the new record's UID
 * @param flags		KSM_RECORD_* flags
 * @return 0, KSM_EINVAL/KSM_ETOOBIG (json), KSM_ENOTFOUND (no such folder
 *	   shared with the application), KSM_EACCESS (read-only share),
 *	   KSM_ECONFIG (no appOwnerPublicKey in the config), or a transport
 *	   error
 */
KSM_EXTERN(int) ksm_client_create_record(char uid[KSM_UID_BUF],
    ksm_client *client, const char *folder_uid, const char *json,
    unsigned int flags) KSM_WARN_UNUSED;

/** Update transactions (update_secret's transactionType). */
typedef enum {
	KSM_TRANSACTION_NONE = 0,	/**< the change is made at once */
	KSM_TRANSACTION_GENERAL = 1,	/**< staged until completed */
	KSM_TRANSACTION_ROTATION = 2	/**< staged until completed */
} ksm_transaction;

#define KSM_UPDATE_OPTIONS_VERSION	1

typedef struct {
	unsigned int		 version;	/**< KSM_UPDATE_OPTIONS_VERSION */
	/**
	 * With a transaction Keeper keeps serving the old data until
	 * ksm_client_complete_transaction() commits the new data (or rolls
	 * it back); one left open is discarded by Keeper.
	 */
	ksm_transaction		 transaction;
	/** File UIDs to detach (links2Remove), n_remove_files of them. */
	const char *const	*remove_files;
	size_t			 n_remove_files;
} ksm_update_options;

#define KSM_UPDATE_OPTIONS_INIT \
	{ KSM_UPDATE_OPTIONS_VERSION, KSM_TRANSACTION_NONE, NULL, 0 }

/**
 * ksm_client_update_record() with options: a transaction, files to
 * detach (their UIDs are also taken out of the fileRef field of json).
 * @return as ksm_client_update_record(); KSM_EINVAL/KSM_ETOOBIG for json
 *	   that ksm_record_validate() refuses
 */
KSM_EXTERN(int) ksm_client_update_record_ex(ksm_client *client,
    const ksm_record *rec, const char *json, const ksm_update_options *opts)
    KSM_WARN_UNUSED;

/**
 * Commit (rollback 0: finalize_secret_update) or roll back
 * (rollback_secret_update) the update transaction of record uid.
 * @return 0, KSM_ESERVER (no transaction is open, e.g. completed twice),
 *	   KSM_EACCESS, or a transport error
 */
KSM_EXTERN(int) ksm_client_complete_transaction(ksm_client *client,
    const char *uid, int rollback) KSM_WARN_UNUSED;

/**
 * Delete records (delete_secret).  Every UID is tried; the first refusal
 * is the error.
 * @param[out] n_deleted	how many were deleted (may be NULL)
 * @return 0, KSM_ENOTSHARED (a UID is not shared with the application),
 *	   KSM_EACCESS (read-only), KSM_ESERVER, or a transport error
 */
KSM_EXTERN(int) ksm_client_delete_records(ksm_client *client,
    const char *const *uids, size_t n_uids, size_t *n_deleted)
    KSM_WARN_UNUSED;

/**
 * Set what notation names in its record and save it: a field's values
 * (field/TYPE-or-LABEL or custom_field/..., with [n] one value, with
 * [n][property] or [property] one property of an object value), the
 * title or the notes.  value is the text itself, or with KSM_SET_JSON
 * a JSON value (an object for host, name, ...; with [] or no index an
 * array replaces all values).
 *
 * @param[out] uid	the record's UID (may be NULL)
 * @param opts		a transaction and files to detach; NULL: none
 * @return 0, KSM_ENOTATION, KSM_ENOTFOUND (record or field), KSM_EINVAL
 *	   (type or file selector, a value of the wrong kind), or an error
 *	   of ksm_client_update_record_ex()
 */
KSM_EXTERN(int) ksm_notation_set(char uid[KSM_UID_BUF], ksm_client *client,
    const char *notation, const char *value, unsigned int flags,
    const ksm_update_options *opts) KSM_WARN_UNUSED;

/** Flag of ksm_notation_set() and ksm_record_edit(): value is JSON text. */
#define KSM_SET_JSON		0x1u

/**
 * Change record data JSON in memory as ksm_notation_set() changes a
 * saved record.  selector is a notation without its record part:
 * "field/password", "custom_field/API key[1]", "field/host[hostName]",
 * "title", "notes".
 * @param[out] out	the new record JSON; free with ksm_secret_free()
 * @return 0, KSM_ENOTATION, KSM_ENOTFOUND (no such field), KSM_EAMBIGUOUS,
 *	   KSM_EINVAL (json is not an object, a value of the wrong kind)
 */
KSM_EXTERN(int) ksm_record_edit(char **out, const char *json,
    const char *selector, const char *value, unsigned int flags)
    KSM_WARN_UNUSED;

/* ---- files ---- */

#define KSM_FILE_UPLOAD_VERSION	1

typedef struct {
	unsigned int		 version;	/**< KSM_FILE_UPLOAD_VERSION */
	const char		*name;		/**< file name */
	const char		*title;		/**< NULL: the name */
	const char		*mime_type;	/**< NULL: application/octet-stream */
	const unsigned char	*data;
	size_t			 len;		/**< at most 256 MiB */
} ksm_file_upload;

/**
 * Attach a file to rec (add_file, then the upload to the URL Keeper
 * returns).  If the upload fails the file is detached again, so the
 * record is as it was.
 * @param[out] uid	the new file's UID
 * @return 0, KSM_EACCESS, KSM_ETOOBIG, KSM_ESERVER (Keeper or the file
 *	   store refused), KSM_ECONFIG (no appOwnerPublicKey), or a
 *	   transport error
 */
KSM_EXTERN(int) ksm_client_upload_file(char uid[KSM_UID_BUF],
    ksm_client *client, const ksm_record *rec, const ksm_file_upload *file)
    KSM_WARN_UNUSED;

/* ---- folders ---- */

/**
 * Create a folder named name in parent_uid: a shared folder or a folder
 * below one (an application cannot create shared folders).
 * @return 0, KSM_ENOTFOUND (parent not shared with the application),
 *	   KSM_EACCESS, KSM_EINVAL (empty name), or a transport error
 */
KSM_EXTERN(int) ksm_client_create_folder(char uid[KSM_UID_BUF],
    ksm_client *client, const char *parent_uid, const char *name)
    KSM_WARN_UNUSED;

/** Rename folder uid (update_folder).  Errors as create. */
KSM_EXTERN(int) ksm_client_rename_folder(ksm_client *client, const char *uid,
    const char *name) KSM_WARN_UNUSED;

/**
 * Delete folders below shared folders (delete_folder); force also
 * deletes one that is not empty, with its records.
 * @return 0, KSM_ENOTFOUND, KSM_EACCESS, KSM_ESERVER (not empty, or
 *	   another refusal), or a transport error
 */
KSM_EXTERN(int) ksm_client_delete_folders(ksm_client *client,
    const char *const *uids, size_t n_uids, int force) KSM_WARN_UNUSED;

/* ---- passwords ---- */

/** A character group's count: any number, also none. */
#define KSM_PASSWORD_ANY	(-1)

#define KSM_PASSWORD_POLICY_VERSION	1

typedef struct {
	unsigned int	 version;	/**< KSM_PASSWORD_POLICY_VERSION */
	/** 0: 32.  A minimum: counts that add up to more make it longer. */
	unsigned int	 length;
	/**
	 * For each group: KSM_PASSWORD_ANY (may be used), 0 (never used),
	 * or n > 0 (at least n).
	 */
	int		 lowercase;
	int		 uppercase;
	int		 digits;
	int		 special;
	const char	*special_set;	/**< NULL: "!@#$%()+;<>=?[]{}^., */
} ksm_password_policy;

#define KSM_PASSWORD_POLICY_INIT \
	{ KSM_PASSWORD_POLICY_VERSION, 0, KSM_PASSWORD_ANY, KSM_PASSWORD_ANY, \
	  KSM_PASSWORD_ANY, KSM_PASSWORD_ANY, NULL }

/**
 * A random password from the operating system's CSPRNG (getrandom(2)),
 * as the SDKs' generatePassword: the groups' minimums, then the rest
 * from every group that may be used, shuffled.
 * @param[out] out	free with ksm_secret_free()
 * @return 0, KSM_EINVAL (no group may be used, a count below -1, more
 *	   than 1024 characters, an empty special_set), KSM_ECRYPTO
 */
KSM_EXTERN(int) ksm_password_generate(char **out,
    const ksm_password_policy *policy) KSM_WARN_UNUSED;

KSM_END_DECL

#endif /* KSM_WRITE_H */
