/*
 * Keeper notation: one string that names a value in a record.
 *
 *	[keeper://]<UID or title>/type|title|notes
 *	[keeper://]<UID or title>/field/<type or label>[index][property]
 *	[keeper://]<UID or title>/custom_field/<type or label>[index][property]
 *	[keeper://]<UID or title>/file/<file name, title or UID>
 *
 * '/', '[', ']' and '\' in a title, label or file name are written \/ \[ \]
 * and \\.  A string without any '/' is read as the base64url form of a
 * notation (both alphabets, '=' padding optional).  docs/notation.md has
 * the grammar, the base64url rule, both result styles and every message.
 */
#ifndef KSM_NOTATION_H
#define KSM_NOTATION_H

#include "ksm/common.h"
#include "ksm/client.h"

KSM_BEGIN_DECL

/** A parsed notation.  Opaque; free with ksm_notation_free(). */
typedef struct ksm_notation ksm_notation;

/** What a notation selects in the record. */
typedef enum {
	KSM_SELECTOR_TYPE = 1,
	KSM_SELECTOR_TITLE = 2,
	KSM_SELECTOR_NOTES = 3,
	KSM_SELECTOR_FIELD = 4,
	KSM_SELECTOR_CUSTOM_FIELD = 5,
	KSM_SELECTOR_FILE = 6
} ksm_selector;

/**
 * Parse flag: the single-value (legacy) reading, where a non-numeric first
 * index is a property of the first value: field/name[first] is read as
 * field/name[][first].  Without it such an index is KSM_ENOTATION.
 */
#define KSM_NOTATION_LEGACY	0x1u

/**
 * Parse a notation without looking anything up (strict reading: the first
 * index is empty or decimal digits).
 *
 * @param[out] out	new notation, NULL on failure
 * @return 0, KSM_ENOTATION (the message says what is wrong and at which
 *	   character), KSM_ETOOBIG, KSM_ENOMEM or KSM_EINVAL
 */
KSM_EXTERN(int) ksm_notation_parse(ksm_notation **out, const char *text)
    KSM_WARN_UNUSED;

/** ksm_notation_parse() with KSM_NOTATION_* flags. */
KSM_EXTERN(int) ksm_notation_parse_ex(ksm_notation **out, const char *text,
    unsigned int flags) KSM_WARN_UNUSED;

/**
 * For callers that take a bare record UID or a notation in the same place:
 * whether text is the record UID.  It is when it has a UID's form (22
 * characters of A-Z a-z 0-9 - _) and is not the base64url form of a
 * notation (which a UID, 16 random bytes, practically never is).  Any
 * other text without a '/' is a notation in its base64url form, or a
 * mistyped one that ksm_notation_parse() explains.  Leaves
 * ksm_error_last() as it was.
 *
 * @return 1 or 0 (NULL: 0)
 */
KSM_EXTERN(int) ksm_notation_is_uid(const char *text);

/** Free a parsed notation.  NULL is a no-op. */
KSM_EXTERN(void) ksm_notation_free(ksm_notation *n);

/* Getters: unescaped text, valid until ksm_notation_free(). */
/** The record UID or title ("" is possible). */
KSM_EXTERN(const char *) ksm_notation_record(const ksm_notation *n);
KSM_EXTERN(ksm_selector) ksm_notation_selector(const ksm_notation *n);
/** The selector keyword in lower case: "type" ... "custom_field", "file". */
KSM_EXTERN(const char *) ksm_notation_selector_name(const ksm_notation *n);
/** Field type or label, or file name/title/UID; NULL for type/title/notes. */
KSM_EXTERN(const char *) ksm_notation_parameter(const ksm_notation *n);
/** First index: NULL when absent, "" for [], else decimal digits. */
KSM_EXTERN(const char *) ksm_notation_index1(const ksm_notation *n);
/** Second index (property name): NULL when absent, "" for []. */
KSM_EXTERN(const char *) ksm_notation_index2(const ksm_notation *n);

/**
 * Resolve a notation to a list of strings (the SDKs' getNotationResults).
 * Every value of the field (or the one at [n]); with [..][property] that
 * property of each value, skipping values without it.  Strings are
 * returned as they are, other values as compact JSON.  type/title/notes
 * give one string (none when absent); file/<name> gives the downloaded
 * content as unpadded base64url.
 *
 * The record token is tried as a UID first (when it looks like one), then
 * as an exact title among all records the application can see.
 *
 * @param[out] values	array of *n strings; free with ksm_strings_free()
 * @return 0, KSM_ENOTATION, KSM_ENOTFOUND (record, field, file or index),
 *	   KSM_EAMBIGUOUS (title, field or file name matches several),
 *	   KSM_ELEGACY, or an error of ksm_client_get_records() /
 *	   ksm_client_download_file()
 */
KSM_EXTERN(int) ksm_notation_results(char ***values, size_t *n,
    ksm_client *client, const char *notation) KSM_WARN_UNUSED;

/**
 * Resolve a notation to one value (the SDKs' legacy getValue, as the JS
 * SDK does it): no index gives the first value, [n] that value, [] the
 * whole list as a JSON array, [property] or [n][property] one property.
 * Objects, numbers and booleans come back as compact JSON; file/<name>
 * gives the raw downloaded bytes.  Duplicate field labels: first match.
 *
 * @param[out] out	NUL-terminated value of *out_len bytes (file content
 *			may contain NUL bytes); free with
 *			ksm_bytes_free((unsigned char *)*out, *out_len), or
 *			ksm_secret_free() for text
 * @return as ksm_notation_results()
 */
KSM_EXTERN(int) ksm_notation_get(char **out, size_t *out_len,
    ksm_client *client, const char *notation) KSM_WARN_UNUSED;

/**
 * The record a notation names, found as ksm_notation_results() finds it
 * (a UID, then an exact title); the selector is parsed but not resolved.
 * *out borrows from *holder, which the caller frees with
 * ksm_records_free().
 * @return 0, KSM_ENOTATION, KSM_ENOTFOUND, KSM_EAMBIGUOUS, KSM_ELEGACY,
 *	   or an error of ksm_client_get_records()
 */
KSM_EXTERN(int) ksm_notation_find_record(const ksm_record **out,
    ksm_records **holder, ksm_client *client, const char *notation)
    KSM_WARN_UNUSED;

/** Wipe and free n strings and their array.  NULL is a no-op. */
KSM_EXTERN(void) ksm_strings_free(char **values, size_t n);

KSM_END_DECL

#endif /* KSM_NOTATION_H */
