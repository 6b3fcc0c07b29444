/*
 * Keeper's answers as the resident session keeps them, in locked memory
 * that never reaches a core dump, with an index of where each record is,
 * so that an answer for any set of UIDs is cut from it without a call to
 * Keeper.
 *
 * get_secret is kept in the opened form (core/records-opened.c: records
 * with their data and keys in the clear, every one standing alone), and a
 * composed answer has the same form, so libksm loads it with no cipher.
 * The cutting works as well on Keeper's own form (directly shared records,
 * then every folder with only the asked-for records; libksm decrypts that
 * as it decrypts Keeper's): the tests use both.  get_folders is kept as
 * Keeper sent it, not indexed.
 */
#ifndef SECRETS_ANSWER_H
#define SECRETS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct answer;

/*
 * A copy of text (len bytes) in locked, non-dumpable memory; with
 * index, text must be a get_secret body and is indexed by record UID.
 * 0, KSM_EPROTO (not such a body) or KSM_ENOMEM.
 */
int	answer_new(struct answer **out, const void *text, size_t len,
	    int index);
void	answer_free(struct answer *a);
size_t	answer_len(const struct answer *a);
/* The text itself (answer_len bytes; secrets-templates-files.c keeps
 * attachments as unindexed answers). */
const char *answer_text(const struct answer *a);
/* FNV-1a of the text: did a refresh change anything? */
uint64_t answer_hash(const struct answer *a);
/* Records (occurrences) in an indexed answer. */
size_t	answer_records(const struct answer *a);
int	answer_has(const struct answer *a, const char *uid);
/*
 * A record of an indexed opened answer that lists the attachment file_uid:
 * its UID into rec (64 bytes and a NUL; a UID already there is looked at
 * first), 0; -1 when no record does.
 */
#define ANSWER_MAX_UID	64
int	answer_file_record(const struct answer *a, const char *file_uid,
	    char rec[ANSWER_MAX_UID + 1]);

/*
 * Append to out the answer for uids (n_uids 0: the whole text).  *missing
 * counts the asked-for UIDs (each time asked) the answer does not hold.  0, KSM_ETOOBIG, KSM_ENOMEM.
 */
int	answer_compose(const struct answer *a, const char *const *uids,
	    size_t n_uids, struct ksmx_buf *out, size_t *missing);

#endif /* SECRETS_ANSWER_H */
