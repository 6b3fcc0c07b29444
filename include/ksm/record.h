/* Decrypted records, their fields and file attachments.  Borrowed views. */
#ifndef KSM_RECORD_H
#define KSM_RECORD_H

#include "ksm/common.h"

KSM_BEGIN_DECL

typedef struct ksm_records ksm_records;	/* a fetched set; owns everything */
typedef struct ksm_record ksm_record;	/* one record; valid until its set is freed */
typedef struct ksm_file ksm_file;	/* one attachment; same lifetime */

/** Free a record set, wiping every decrypted byte.  NULL is a no-op. */
KSM_EXTERN(void) ksm_records_free(ksm_records *records);

KSM_EXTERN(size_t) ksm_records_count(const ksm_records *records);
/** The i-th record (i < count), in server order, duplicates removed. */
KSM_EXTERN(const ksm_record *) ksm_records_at(const ksm_records *records,
    size_t i);
/** The record with this UID, or NULL. */
KSM_EXTERN(const ksm_record *) ksm_records_find(const ksm_records *records,
    const char *uid);

/* Getters: valid until ksm_records_free() of the owning set. */
KSM_EXTERN(const char *) ksm_record_uid(const ksm_record *r);
/** Record type ("login", ...); "" for a legacy record. */
KSM_EXTERN(const char *) ksm_record_type(const ksm_record *r);
KSM_EXTERN(const char *) ksm_record_title(const ksm_record *r);
/** Notes, or NULL when the record has none. */
KSM_EXTERN(const char *) ksm_record_notes(const ksm_record *r);
/** Decrypted record data as compact JSON text. */
KSM_EXTERN(const char *) ksm_record_json(const ksm_record *r);
/** Shared folder the record came through, or NULL if shared directly. */
KSM_EXTERN(const char *) ksm_record_folder_uid(const ksm_record *r);
/** Non-zero for a legacy (V2, untyped) record. */
KSM_EXTERN(int) ksm_record_is_legacy(const ksm_record *r);
KSM_EXTERN(int) ksm_record_revision(const ksm_record *r);
/** Non-zero when the application may edit the record (isEditable). */
KSM_EXTERN(int) ksm_record_is_editable(const ksm_record *r);

KSM_EXTERN(size_t) ksm_record_file_count(const ksm_record *r);
KSM_EXTERN(const ksm_file *) ksm_record_file_at(const ksm_record *r,
    size_t i);
KSM_EXTERN(const char *) ksm_file_uid(const ksm_file *f);
KSM_EXTERN(const char *) ksm_file_name(const ksm_file *f);
KSM_EXTERN(const char *) ksm_file_title(const ksm_file *f);
KSM_EXTERN(const char *) ksm_file_mime_type(const ksm_file *f);
/** Plaintext size in bytes as stated by the file's metadata. */
KSM_EXTERN(unsigned long long) ksm_file_size(const ksm_file *f);

/* Folders shared with the application (ksm_client_get_folders()). */
typedef struct ksm_folders ksm_folders;	/* a fetched set; owns everything */
typedef struct ksm_folder ksm_folder;	/* one folder; valid until its set is freed */

/** Free a folder set.  NULL is a no-op. */
KSM_EXTERN(void) ksm_folders_free(ksm_folders *folders);
KSM_EXTERN(size_t) ksm_folders_count(const ksm_folders *folders);
/** The i-th folder (i < count), in server order. */
KSM_EXTERN(const ksm_folder *) ksm_folders_at(const ksm_folders *folders,
    size_t i);
/** The folder with this UID, or NULL. */
KSM_EXTERN(const ksm_folder *) ksm_folders_find(const ksm_folders *folders,
    const char *uid);
/* Getters: valid until ksm_folders_free() of the owning set. */
KSM_EXTERN(const char *) ksm_folder_uid(const ksm_folder *f);
KSM_EXTERN(const char *) ksm_folder_name(const ksm_folder *f);
/** Parent folder UID, or NULL for a shared folder (a root). */
KSM_EXTERN(const char *) ksm_folder_parent_uid(const ksm_folder *f);

KSM_END_DECL

#endif /* KSM_RECORD_H */
