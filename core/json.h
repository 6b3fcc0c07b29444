/* The only place that knows cJSON's allocation rules: bounded, wipe-on-free. */
#ifndef KSM_JSON_H
#define KSM_JSON_H

#include <stddef.h>
#include <cjson/cJSON.h>

/*
 * Parse len bytes that need not be NUL-terminated and may carry trailing
 * whitespace (decrypted Keeper JSON is space-padded).  NULL on bad JSON,
 * trailing garbage, or ENOMEM.  The temporary copy is wiped.
 */
cJSON	*ksmx_json_parse(const void *p, size_t len);
/* Wipe every string in the tree, then free it.  NULL ok. */
void	 ksmx_json_free(cJSON *item);
/* A string member, or NULL when absent or not a string. */
const char *ksmx_json_str(const cJSON *obj, const char *key);
/* Compact text of item (malloc'd; free with ksmx_strfree). */
char	*ksmx_json_print(const cJSON *item);

#endif /* KSM_JSON_H */
