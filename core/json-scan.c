#include "config.h"

/*
 * Walking a large JSON text without building its tree: a get_secret
 * answer for 10,000 records is megabytes of text, and a cJSON tree of it
 * several times that.  These functions only find where values start and
 * end; whatever is used is then parsed by cJSON, piece by piece, so the
 * checks here are structural (brackets, strings, escapes) and lax about
 * the rest.
 */

#include <string.h>

#include "json.h"

/* cJSON skips every byte up to and including space as whitespace */
static int
is_ws(char c)
{
	return (unsigned char)c <= ' ';
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

/* Past the string starting at p (at its '"'), or NULL if unterminated. */
static const char *
skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p == end)
				return NULL;
		} else if (*p == '"')
			return p + 1;
		/* raw control characters pass, as they do in cJSON */
	}
	return NULL;
}

/* as deep as cJSON itself parses, so the walker refuses nothing it reads */
#define MAX_DEPTH	CJSON_NESTING_LIMIT

const char *
ksmx_json_skip(const char *p, const char *end)
{
	const char *start;
	char stack[MAX_DEPTH];
	int depth = 0;

	p = skip_ws(p, end);
	if (p == end)
		return NULL;
	start = p;
	do {
		if (p == end)
			return NULL;
		switch (*p) {
		case '"':
			if ((p = skip_string(p, end)) == NULL)
				return NULL;
			break;
		case '{':
		case '[':
			if (depth == MAX_DEPTH)
				return NULL;
			stack[depth++] = *p == '{' ? '}' : ']';
			p++;
			break;
		case '}':
		case ']':
			if (depth == 0 || stack[depth - 1] != *p)
				return NULL;
			depth--;
			p++;
			break;
		default:
			/* a scalar, ',' or ':': structure only */
			if (depth == 0) {
				while (p < end && !is_ws(*p) &&
				    strchr(",:]}", *p) == NULL)
					p++;
				return p > start ? p : NULL;
			}
			p++;
			break;
		}
	} while (depth > 0);
	return p;
}

int
ksmx_json_object_members(const char *p, size_t len, const char *const *keys,
    size_t n, struct ksmx_json_span *spans)
{
	const char *end = p + len, *k, *v;
	size_t i, kl;

	for (i = 0; i < n; i++)
		spans[i].p = NULL, spans[i].len = 0;
	p = skip_ws(p, end);
	if (p == end || *p != '{')
		return -1;
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return skip_ws(p + 1, end) == end ? 0 : -1;
	for (;;) {
		if (p == end || *p != '"')
			return -1;
		k = p + 1;
		if ((p = skip_string(p, end)) == NULL)
			return -1;
		kl = (size_t)(p - 1 - k);
		p = skip_ws(p, end);
		if (p == end || *p != ':')
			return -1;
		v = skip_ws(p + 1, end);
		if ((p = ksmx_json_skip(v, end)) == NULL)
			return -1;
		for (i = 0; i < n; i++)
			if (spans[i].p == NULL && strlen(keys[i]) == kl &&
			    memcmp(k, keys[i], kl) == 0) {
				spans[i].p = v;
				spans[i].len = (size_t)(p - v);
			}
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p == end || *p != '}')
			return -1;
		return skip_ws(p + 1, end) == end ? 0 : -1;
	}
}

int
ksmx_json_array_next(const char **cursor, const char *end,
    const char **elem, size_t *elem_len)
{
	const char *p = skip_ws(*cursor, end), *q;

	*elem = NULL;
	*elem_len = 0;
	if (p < end && (*p == '[' || *p == ','))
		p = skip_ws(p + 1, end);
	if (p == end)
		return -1;
	if (*p == ']') {
		*cursor = p;
		return 0;
	}
	if ((q = ksmx_json_skip(p, end)) == NULL)
		return -1;
	*elem = p;
	*elem_len = (size_t)(q - p);
	*cursor = skip_ws(q, end);
	return 1;
}
