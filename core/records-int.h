/* Helpers shared by records.c and records-folders.c. */
#ifndef KSM_RECORDS_INT_H
#define KSM_RECORDS_INT_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "crypto.h"

/* a JSON array, or NULL (so a non-array is iterated as empty) */
const cJSON *ksm_records__array_of(const cJSON *a);
size_t	ksm_records__array_size(const cJSON *a);
/* Unwrap a 32-byte key GCM-encrypted (base64 b64) under kek. */
int	ksm_records__unwrap_key(unsigned char out[KSM_AES_KEY_LEN],
	    const unsigned char *kek, const char *b64);
/* Decrypt the base64 text b64 under key (GCM, or CBC when cbc) into out. */
int	ksm_records__decrypt_b64(struct ksmx_buf *out,
	    const unsigned char *key, const char *b64, int cbc);

#endif /* KSM_RECORDS_INT_H */
