/*
 * get accepts the single-value shorthand field/host[hostName] (a property
 * as the first index) as field/host[][hostName]: the strict list-style
 * parser refuses it, so such a notation is re-read with
 * KSM_NOTATION_LEGACY and written back in the strict form.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Append s with '/', '[', ']' and '\' escaped; p has room (2 * len). */
static char *
put_escaped(char *p, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr("/[]\\", *s) != NULL)
			*p++ = '\\';
		*p++ = *s;
	}
	return p;
}

static char *
put(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *
rebuild(const ksm_notation *n)
{
	const char *rec = ksm_notation_record(n), *sel;
	const char *par = ksm_notation_parameter(n);
	const char *i1 = ksm_notation_index1(n), *i2 = ksm_notation_index2(n);
	char *out, *p;
	size_t len;

	sel = ksm_notation_selector_name(n);
	len = sizeof("keeper://") + 2 * strlen(rec) + strlen(sel) + 8;
	len += par != NULL ? 2 * strlen(par) : 0;
	len += i1 != NULL ? 2 * strlen(i1) : 0;
	len += i2 != NULL ? 2 * strlen(i2) : 0;
	if ((out = malloc(len)) == NULL)
		return NULL;
	p = put(out, "keeper://");
	p = put_escaped(p, rec);
	p = put(p, "/");
	p = put(p, sel);
	if (par != NULL) {
		p = put(p, "/");
		p = put_escaped(p, par);
	}
	if (i1 != NULL || i2 != NULL) {
		p = put(p, "[");
		p = put_escaped(p, i1 != NULL ? i1 : "");
		p = put(p, "]");
	}
	if (i2 != NULL) {
		p = put(p, "[");
		p = put_escaped(p, i2);
		p = put(p, "]");
	}
	*p = '\0';
	return out;
}

/*
 * *out: NULL when text parses as it is, else a strict rewrite of it to
 * free().  0, or a libksm code with the strict parser's message set.
 */
int
cli_notation_strict(char **out, const char *text)
{
	ksm_notation *n = NULL;
	int r;

	*out = NULL;
	if ((r = ksm_notation_parse(&n, text)) == 0 || r != KSM_ENOTATION) {
		ksm_notation_free(n);
		return r;
	}
	if (ksm_notation_parse_ex(&n, text, KSM_NOTATION_LEGACY) != 0) {
		/* the strict reading's message is the one to show */
		r = ksm_notation_parse(&n, text);
		ksm_notation_free(n);
		return r != 0 ? r : KSM_ENOTATION;
	}
	*out = rebuild(n);
	ksm_notation_free(n);
	return *out != NULL ? 0 : KSM_ENOMEM;
}
