#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "json.h"

cJSON *
ksmx_json_parse(const void *p, size_t len)
{
	const char *end = NULL;
	char *copy;
	cJSON *root;
	size_t i;

	if (p == NULL || len > KSM_MAX_HTTP_BODY)
		return NULL;
	if ((copy = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(copy, p, len);
	copy[len] = '\0';
	if (strlen(copy) != len) {	/* embedded NUL */
		ksmx_freezero(copy, len + 1);
		return NULL;
	}
	root = cJSON_ParseWithOpts(copy, &end, 0);
	if (root != NULL && end != NULL) {
		for (i = (size_t)(end - copy); i < len; i++) {
			if (copy[i] != ' ' && copy[i] != '\t' &&
			    copy[i] != '\r' && copy[i] != '\n') {
				ksmx_json_free(root);
				root = NULL;
				break;
			}
		}
	}
	ksmx_freezero(copy, len + 1);
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
	size_t size = 256;
	char *buf;

	if (item == NULL)
		return NULL;
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
