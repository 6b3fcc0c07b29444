/* The only place that knows cJSON's allocation rules: bounded, wipe-on-free. */
#ifndef KSM_JSON_H
#define KSM_JSON_H

#include <stddef.h>
#include <cjson/cJSON.h>

/*
 * Parse len bytes that need not be NUL-terminated and may carry trailing
 * whitespace (decrypted Keeper JSON is space-padded).  NULL on bad JSON,
 * trailing garbage, or ENOMEM.
 */
cJSON	*ksmx_json_parse(const void *p, size_t len);
/* Wipe every string in the tree, then free it.  NULL ok. */
void	 ksmx_json_free(cJSON *item);
/* A string member, or NULL when absent or not a string. */
const char *ksmx_json_str(const cJSON *obj, const char *key);
/* Compact text of item (malloc'd; free with ksmx_strfree). */
char	*ksmx_json_print(const cJSON *item);
/* The same, first trying a buffer of about hint bytes (0: no idea). */
char	*ksmx_json_print_sized(const cJSON *item, size_t hint);

/*
 * Walking a JSON text without a tree (json-scan.c).  Structural checks
 * only: what a caller uses it parses with ksmx_json_parse().
 *
 * ksmx_json_skip: past the one value at p (after whitespace); NULL when
 * it is unterminated or unbalanced.
 * ksmx_json_object_members: 0 when [p, p+len) is one object (and
 * whitespace), -1 when not; in one walk, spans[i] is the value of the
 * first member named keys[i] (compared raw: no escapes), p NULL if none.
 * ksmx_json_array_next: *cursor starts at an array's '['; each call
 * yields the next element's span and returns 1, 0 at the end (*cursor
 * then at ']'), -1 when malformed.
 */
const char *ksmx_json_skip(const char *p, const char *end);
struct ksmx_json_span {
	const char	*p;
	size_t		 len;
};
int	ksmx_json_object_members(const char *p, size_t len,
	    const char *const *keys, size_t n, struct ksmx_json_span *spans);
int	ksmx_json_array_next(const char **cursor, const char *end,
	    const char **elem, size_t *elem_len);

#endif /* KSM_JSON_H */
