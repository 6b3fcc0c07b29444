/*
 * The record set's insides, shared by the files that fill one:
 * records.c (the set and its getters), records-decrypt.c (from Keeper's
 * encrypted answer), records-opened.c (from and to the opened form
 * keeper-agent serves) and records-folders.c.
 */
#ifndef KSM_RECORDS_INT_H
#define KSM_RECORDS_INT_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "ksm/record.h"
#include "crypto.h"

struct ksm_file {
	char		*uid;
	char		*name;
	char		*title;
	char		*mime;
	char		*url;
	unsigned long long size;
	unsigned char	 key[KSM_AES_KEY_LEN];
};

struct ksm_record {
	char		*uid;
	char		*folder_uid;	/* NULL: shared directly */
	/*
	 * The decrypted record JSON is kept as compact text only and parsed
	 * again where a tree is needed (ksm_record__parse): 10,000 parsed
	 * trees would triple `keeper-secret list`'s peak memory.
	 */
	char		*json;
	char		*type;		/* "" if legacy */
	char		*title;		/* "" if none */
	char		*notes;		/* NULL if none */
	int		 revision;
	int		 legacy;
	int		 editable;	/* isEditable */
	unsigned char	 key[KSM_AES_KEY_LEN];
	ksm_file	*files;
	size_t		 n_files, files_alloc;
};

struct ksm_records {
	ksm_record	*v;
	size_t		 n, alloc;
	char		**bad;		/* UIDs that failed to decrypt */
	size_t		 n_bad, bad_alloc;
	const char	**seen_tab;	/* while loading: UIDs of v and bad */
	size_t		 seen_mask;	/* (open addressing, slots - 1) */
};

/* a JSON array, or NULL (so a non-array is iterated as empty) */
const cJSON *ksm_records__array_of(const cJSON *a);
size_t	ksm_records__array_size(const cJSON *a);
/* Unwrap a 32-byte key GCM-encrypted (base64 b64) under kek. */
int	ksm_records__unwrap_key(unsigned char out[KSM_AES_KEY_LEN],
	    const unsigned char *kek, const char *b64);
/* Decrypt the base64 text b64 under key (GCM, or CBC when cbc) into out. */
int	ksm_records__decrypt_b64(struct ksmx_buf *out,
	    const unsigned char *key, const char *b64, int cbc);

/*
 * Filling a set (records.c).  ksm_records__alloc: an empty set with room
 * for n records and as many bad UIDs.  A UID is taken once: the first
 * occurrence wins (ksm_records__seen tells).  ksm_records__add: the next
 * record, from its data (text_len: the length of the text it was parsed
 * from, 0 if unknown), with room for n_files files; *out is it, for
 * ksm_records__add_file.  ksm_records__done: loading is over (frees the
 * UID table).  0, KSM_ENOMEM, or KSM_ERROR past the room asked for.
 */
int	ksm_records__alloc(ksm_records **out, size_t n);
int	ksm_records__seen(const ksm_records *set, const char *uid);
int	ksm_records__add_bad(ksm_records *set, const char *uid);
int	ksm_records__add(ksm_records *set, ksm_record **out, const char *uid,
	    const char *folder_uid, const unsigned char key[KSM_AES_KEY_LEN],
	    const cJSON *data, size_t text_len, int revision, int editable,
	    size_t n_files);
/* One file of rec (NULL strings: ""; mime NULL: application/octet-stream). */
int	ksm_records__add_file(ksm_record *rec, const char *uid,
	    const char *name, const char *title, const char *mime,
	    const char *url, unsigned long long size,
	    const unsigned char key[KSM_AES_KEY_LEN]);
void	ksm_records__done(ksm_records *set);

#endif /* KSM_RECORDS_INT_H */
