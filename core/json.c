#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "json.h"

/*
 * Parsed in place with an explicit length: no NUL-terminated copy (of a
 * decrypted answer that can be megabytes) to make and wipe.
 */
cJSON *
ksmx_json_parse(const void *p, size_t len)
{
	const char *text = p, *end = NULL;
	cJSON *root;
	size_t i;

	if (p == NULL || len > KSM_MAX_HTTP_BODY)
		return NULL;
	if (memchr(text, '\0', len) != NULL)	/* embedded NUL */
		return NULL;
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root != NULL && end != NULL) {
		for (i = (size_t)(end - text); i < len; i++) {
			if (text[i] != ' ' && text[i] != '\t' &&
			    text[i] != '\r' && text[i] != '\n') {
				ksmx_json_free(root);
				root = NULL;
				break;
			}
		}
	}
	return root;
}

static void
json_wipe_strings(cJSON *item)
{
	/* references and constant keys are not ours to write to */
	for (; item != NULL; item = item->next) {
		if (item->type & cJSON_IsReference)
			continue;
		if (item->valuestring != NULL)
			ksmx_wipe(item->valuestring, strlen(item->valuestring));
		if (item->string != NULL && !(item->type & cJSON_StringIsConst))
			ksmx_wipe(item->string, strlen(item->string));
		if (item->child != NULL)
			json_wipe_strings(item->child);
	}
}

void
ksmx_json_free(cJSON *item)
{
	if (item == NULL)
		return;
	json_wipe_strings(item->child);
	if (item->valuestring != NULL && !(item->type & cJSON_IsReference))
		ksmx_wipe(item->valuestring, strlen(item->valuestring));
	cJSON_Delete(item);
}

const char *
ksmx_json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * cJSON's own printer grows its buffer with realloc(), leaving copies of
 * decrypted values in freed memory.  Print into buffers we own instead,
 * wiping each one that turned out too small.
 */
char *
ksmx_json_print(const cJSON *item)
{
	return ksmx_json_print_sized(item, 0);
}

/*
 * A failed attempt costs a whole print, so a caller that knows about how
 * long the text will be (the length it was parsed from) says so: one
 * attempt instead of a dozen for a megabyte answer.
 */
char *
ksmx_json_print_sized(const cJSON *item, size_t hint)
{
	size_t size = 256;
	char *buf;

	if (item == NULL)
		return NULL;
	if (hint > KSM_MAX_HTTP_BODY)
		hint = KSM_MAX_HTTP_BODY;
	if (size < hint + 64)
		size = hint + 64;
	for (;;) {
		if ((buf = malloc(size)) == NULL)
			return NULL;
		/* cJSON asks for 5 spare bytes to be sure it does not overrun */
		if (cJSON_PrintPreallocated((cJSON *)item, buf, (int)size - 5,
		    0))
			return buf;
		ksmx_freezero(buf, size);
		if (size > KSM_MAX_HTTP_BODY)
			return NULL;
		size *= 2;
	}
}
