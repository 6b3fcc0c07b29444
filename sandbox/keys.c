/*
 * The keys of records, folders and files: the one a client chose when it
 * made the item (kept in the vault entry, as Keeper keeps the wrapped
 * key), else one derived from the state's master secret.
 */
#include "config.h"

#include "ksm/error.h"
#include "json.h"
#include "util/b64.h"
#include "sandbox.h"

/* obj[member] as 32 bytes when present: 1; 0 when absent; <0 when bad. */
static int
stored(uint8_t out[32], const cJSON *obj, const char *member)
{
	const char *b64 = ksmx_json_str(obj, member);

	if (b64 == NULL)
		return 0;
	return ksmx_b64_decode_exact(out, 32, b64) == 0 ? 1 : KSM_EINVAL;
}

int
sb_key_record(const struct sb_state *st, uint8_t out[32], const cJSON *rec)
{
	int r = stored(out, rec, "recordKey");

	if (r != 0)
		return r < 0 ? r : 0;
	return sb_state_derive(st, out, "record", ksmx_json_str(rec, "uid"),
	    NULL);
}

int
sb_key_folder(const struct sb_state *st, uint8_t out[32],
    const cJSON *folder)
{
	int r = stored(out, folder, "folderKey");

	if (r != 0)
		return r < 0 ? r : 0;
	return sb_state_derive(st, out, "folder", ksmx_json_str(folder, "uid"),
	    NULL);
}

int
sb_key_file(const struct sb_state *st, uint8_t out[32], const cJSON *rec,
    const cJSON *file, const char *file_uid)
{
	int r = stored(out, file, "fileKey");

	if (r != 0)
		return r < 0 ? r : 0;
	return sb_state_derive(st, out, "file", file_uid,
	    ksmx_json_str(rec, "uid"));
}
