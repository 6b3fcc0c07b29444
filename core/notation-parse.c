#include "config.h"

/*
 * Keeper notation parser.  I/O-free: it reads a string and builds a
 * ksm_notation, nothing else (fuzzed by tests/fuzz/fuzz-notation.c).
 * Grammar and messages: docs/notation.md; behaviour follows the SDKs'
 * parseNotation (ksm-protocol.md §10.1).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ksm-int.h"
#include "notation-int.h"

#define PREFIX		"keeper://"
#define PREFIX_LEN	(sizeof(PREFIX) - 1)
#define ESCAPABLE	"/[]\\"

#define GRAMMAR_HINT \
	"write [keeper://]<UID or title>/<type|title|notes>, " \
	"<UID or title>/<field|custom_field>/<type or label>[index][property] " \
	"or <UID or title>/file/<name>; escape / [ ] \\ as \\/ \\[ \\] \\\\"

static const struct {
	const char	*name;
	ksm_selector	 sel;
} selectors[] = {
	{ "type",		KSM_SELECTOR_TYPE },
	{ "title",		KSM_SELECTOR_TITLE },
	{ "notes",		KSM_SELECTOR_NOTES },
	{ "field",		KSM_SELECTOR_FIELD },
	{ "custom_field",	KSM_SELECTOR_CUSTOM_FIELD },
	{ "file",		KSM_SELECTOR_FILE },
};

/* Context of one parse, for messages: positions are 1-based characters. */
struct pctx {
	const char	*s;
	size_t		 len;
	int		 decoded;	/* s is the decoded base64 form */
};

static const char *
where(const struct pctx *p)
{
	return p->decoded ? " of the decoded base64 notation" : "";
}

static int
bad_escape(const struct pctx *p, size_t i)
{
	unsigned char c;

	if (i + 1 >= p->len) {
		ksm__err(KSM_ENOTATION, "notation ends in a lone '\\' "
		    "(character %zu%s)", i + 1, where(p));
	} else {
		c = (unsigned char)p->s[i + 1];
		if (c >= 0x20 && c < 0x7f)
			ksm__err(KSM_ENOTATION, "invalid escape '\\%c' at "
			    "character %zu%s", c, i + 1, where(p));
		else
			ksm__err(KSM_ENOTATION, "invalid escape '\\' + byte "
			    "0x%02x at character %zu%s", c, i + 1, where(p));
	}
	ksm__err_hint("only \\/ \\[ \\] and \\\\ are escapes; write a "
	    "backslash as \\\\");
	return KSM_ENOTATION;
}

/*
 * The scanner behind ksm_notation__section.  mode: '/' up to and including
 * a '/'; '[' up to a '['; ']' one "[...]" index.  *closed says whether the
 * terminating delimiter was found.
 */
static int
scan(char **token, size_t *raw_len, int *closed, const struct pctx *p,
    size_t pos, int mode, int escaped)
{
	char *buf;
	size_t i = pos, n = 0;
	int done = 0;
	char c;

	*token = NULL;
	*raw_len = 0;
	*closed = 0;
	if (pos >= p->len)
		return 0;
	if ((buf = malloc(p->len - pos + 1)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory parsing notation");
	if (mode == ']') {
		if (p->s[pos] != '[') {
			ksm__err(KSM_ENOTATION, "expected '[' at character "
			    "%zu%s", pos + 1, where(p));
			ksm__err_hint(GRAMMAR_HINT);
			goto fail;
		}
		i++;
	}
	while (i < p->len) {
		c = p->s[i];
		if (escaped && c == '\\') {
			if (i + 1 >= p->len || p->s[i + 1] == '\0' ||
			    strchr(ESCAPABLE, p->s[i + 1]) == NULL) {
				bad_escape(p, i);
				goto fail;
			}
			buf[n++] = p->s[i + 1];
			i += 2;
			continue;
		}
		if (mode == '/' && c == '/') {
			i++;
			done = 1;
			break;
		}
		if (mode == '[' && c == '[') {
			done = 1;
			break;
		}
		if (mode == ']' && c == '[') {
			ksm__err(KSM_ENOTATION, "'[' inside an index at "
			    "character %zu%s", i + 1, where(p));
			ksm__err_hint("an index is [digits] or [property]; "
			    "write a literal '[' as \\[");
			goto fail;
		}
		if (mode == ']' && c == ']') {
			i++;
			done = 1;
			break;
		}
		buf[n++] = c;
		i++;
	}
	if (mode == ']' && !done) {
		ksm__err(KSM_ENOTATION, "unclosed '[' at character %zu%s",
		    pos + 1, where(p));
		ksm__err_hint("close the index with ']'; write a literal "
		    "'[' as \\[");
		goto fail;
	}
	buf[n] = '\0';
	*token = buf;
	*raw_len = i - pos;
	*closed = done;
	return 0;
fail:
	ksmx_freezero(buf, p->len - pos + 1);
	return KSM_ENOTATION;
}

int
ksm_notation__section(char **token, size_t *raw_len, const char *s,
    size_t len, size_t pos, const char *delims, int escaped)
{
	struct pctx p = { s, len, 0 };
	int closed, mode;

	if (strcmp(delims, "/") == 0)
		mode = '/';
	else if (strcmp(delims, "[") == 0)
		mode = '[';
	else if (strcmp(delims, "[]") == 0)
		mode = ']';
	else
		return ksm__err(KSM_EINVAL, "invalid argument: 'delims'");
	return scan(token, raw_len, &closed, &p, pos, mode, escaped);
}

void
ksm_notation_free(ksm_notation *n)
{
	if (n == NULL)
		return;
	ksmx_strfree(n->record);
	ksmx_strfree(n->param);
	ksmx_strfree(n->index1);
	ksmx_strfree(n->index2);
	free(n);
}

static int
all_digits(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static size_t
digits_value(const char *s)
{
	size_t v = 0;

	for (; *s != '\0'; s++) {
		if (v > (SIZE_MAX - 9) / 10)
			return SIZE_MAX;
		v = v * 10 + (size_t)(*s - '0');
	}
	return v;
}

static int
parse_selector(ksm_notation *n, const struct pctx *p, size_t *pos)
{
	char *kw = NULL;
	size_t raw, i, start = *pos;
	int closed, r;

	if ((r = scan(&kw, &raw, &closed, p, start, '/', 0)) != 0)
		return r;
	for (i = 0; i < sizeof(selectors) / sizeof(selectors[0]); i++) {
		if (strcasecmp(kw, selectors[i].name) == 0) {
			n->sel = selectors[i].sel;
			break;
		}
	}
	if (n->sel == 0) {
		ksm__err(KSM_ENOTATION, "bad selector '%.40s%s' at character "
		    "%zu%s: expected type, title, notes, field, custom_field "
		    "or file", kw, strlen(kw) > 40 ? "..." : "", start + 1,
		    where(p));
		ksm__err_hint(GRAMMAR_HINT);
		ksmx_strfree(kw);
		return KSM_ENOTATION;
	}
	*pos = start + raw;
	if (n->sel >= KSM_SELECTOR_FIELD && (!closed || *pos >= p->len)) {
		ksm__err(KSM_ENOTATION, "selector '%s' needs a %s after '%s/' "
		    "(character %zu%s)", selectors[n->sel - 1].name,
		    n->sel == KSM_SELECTOR_FILE ? "file name, title or UID" :
		    "field type or label", selectors[n->sel - 1].name,
		    *pos + 1, where(p));
		ksm__err_hint(n->sel == KSM_SELECTOR_FILE ?
		    "e.g. <UID>/file/report.pdf" :
		    "e.g. <UID>/field/password or <UID>/custom_field/My Label");
		ksmx_strfree(kw);
		return KSM_ENOTATION;
	}
	ksmx_strfree(kw);
	return 0;
}

static int
extra_chars(const struct pctx *p, size_t pos)
{
	ksm__err(KSM_ENOTATION, "extra characters after the last section at "
	    "character %zu%s", pos + 1, where(p));
	ksm__err_hint("type, title and notes take nothing after them, file "
	    "takes no index, fields take at most [index][property]; escape a "
	    "'/' or '[' in a title or label as \\/ or \\[");
	return KSM_ENOTATION;
}

static int
parse_indexes(ksm_notation *n, const struct pctx *p, size_t *pos,
    size_t *idx1_at, unsigned int flags)
{
	size_t raw;
	int closed, r;

	*idx1_at = *pos;
	if (*pos < p->len) {
		if ((r = scan(&n->index1, &raw, &closed, p, *pos, ']', 1)) != 0)
			return r;
		*pos += raw;
	}
	if (*pos < p->len) {
		if (p->s[*pos] != '[')
			return extra_chars(p, *pos);
		if ((r = scan(&n->index2, &raw, &closed, p, *pos, ']', 1)) != 0)
			return r;
		*pos += raw;
	}
	if (*pos < p->len)
		return extra_chars(p, *pos);
	if (n->index1 != NULL && n->sel == KSM_SELECTOR_FILE) {
		ksm__err(KSM_ENOTATION, "the file selector takes no index "
		    "(character %zu%s)", *idx1_at + 1, where(p));
		ksm__err_hint("write <UID>/file/<name>; escape a '[' in the "
		    "file name as \\[");
		return KSM_ENOTATION;
	}
	if (n->index1 == NULL || all_digits(n->index1))
		return 0;
	if ((flags & KSM_NOTATION_LEGACY) && n->index2 == NULL) {
		/* legacy reading: name[first] is name[][first] */
		n->index2 = n->index1;
		n->index1 = ksmx_strdup("");
		if (n->index1 == NULL)
			return ksm__err(KSM_ENOMEM, "out of memory parsing "
			    "notation");
		return 0;
	}
	ksm__err(KSM_ENOTATION, "first index '[%.40s%s]' at character %zu%s "
	    "is not a number", n->index1, strlen(n->index1) > 40 ? "..." : "",
	    *idx1_at + 1, where(p));
	ksm__err_hint("the first index is [n] (one value) or [] (all values); "
	    "a property goes in the second index, e.g. [0][%.40s] or "
	    "[][%.40s]", n->index1, n->index1);
	return KSM_ENOTATION;
}

int
ksm_notation__parse(ksm_notation **out, const char *text, size_t len,
    unsigned int flags)
{
	struct ksmx_buf b = KSMX_BUF_INIT(KSM_MAX_NOTATION);
	struct pctx p = { text, len, 0 };
	ksm_notation *n = NULL;
	const char *nul;
	size_t pos = 0, raw, idx1_at;
	int closed, r;

	*out = NULL;
	if (len > KSM_MAX_NOTATION)
		return ksm__err(KSM_ETOOBIG, "notation is longer than %u bytes",
		    KSM_MAX_NOTATION);
	if (len == 0) {
		ksm__err(KSM_ENOTATION, "notation is empty");
		ksm__err_hint(GRAMMAR_HINT);
		return KSM_ENOTATION;
	}
	if ((nul = memchr(text, '\0', len)) != NULL) {
		ksm__err(KSM_ENOTATION, "notation contains a NUL byte "
		    "(byte %zu)", (size_t)(nul - text) + 1);
		ksm__err_hint("a notation is text: %s", GRAMMAR_HINT);
		return KSM_ENOTATION;
	}
	if (memchr(text, '/', len) == NULL) {
		if ((r = ksm_notation__b64_decode(&b, text, len)) != 0)
			goto out;
		p.s = (const char *)b.d;
		p.len = b.len;
		p.decoded = 1;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory parsing notation");
		goto out;
	}
	if (p.len >= PREFIX_LEN && strncasecmp(p.s, PREFIX, PREFIX_LEN) == 0)
		pos = PREFIX_LEN;
	if (pos >= p.len) {
		r = ksm__err(KSM_ENOTATION, "notation has no record UID or "
		    "title (character %zu%s)", pos + 1, where(&p));
		ksm__err_hint(GRAMMAR_HINT);
		goto out;
	}
	if ((r = scan(&n->record, &raw, &closed, &p, pos, '/', 1)) != 0)
		goto out;
	pos += raw;
	if (!closed || pos >= p.len) {
		r = ksm__err(KSM_ENOTATION, "notation has no selector after "
		    "the record (character %zu%s)", pos + 1, where(&p));
		ksm__err_hint("%s%s", closed ? "" : "end the record UID or "
		    "title with '/'; ", GRAMMAR_HINT);
		goto out;
	}
	if ((r = parse_selector(n, &p, &pos)) != 0)
		goto out;
	if (n->sel < KSM_SELECTOR_FIELD) {
		if (pos < p.len)
			r = extra_chars(&p, pos);
		goto out;
	}
	/* the parameter ends at the first unescaped '[' */
	if ((r = scan(&n->param, &raw, &closed, &p, pos, '[', 1)) != 0)
		goto out;
	if (n->param[0] == '\0') {
		r = ksm__err(KSM_ENOTATION, "empty %s at character %zu%s",
		    n->sel == KSM_SELECTOR_FILE ? "file name" :
		    "field type or label", pos + 1, where(&p));
		ksm__err_hint(GRAMMAR_HINT);
		goto out;
	}
	pos += raw;
	if ((r = parse_indexes(n, &p, &pos, &idx1_at, flags)) != 0)
		goto out;
	if (n->index1 != NULL && n->index1[0] != '\0') {
		n->has_idx = 1;
		n->idx = digits_value(n->index1);
	}
out:
	ksmx_buf_clear(&b);
	if (r != 0) {
		ksm_notation_free(n);
		return r;
	}
	*out = n;
	return 0;
}

int
ksm_notation_parse_ex(ksm_notation **out, const char *text,
    unsigned int flags)
{
	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	KSM_ASSERT_ARG(text != NULL);
	KSM_ASSERT_ARG((flags & ~KSM_NOTATION_LEGACY) == 0);
	return ksm_notation__parse(out, text,
	    strnlen(text, KSM_MAX_NOTATION + 1), flags);
}

int
ksm_notation_parse(ksm_notation **out, const char *text)
{
	return ksm_notation_parse_ex(out, text, 0);
}

const char *
ksm_notation_record(const ksm_notation *n)
{
	return n != NULL ? n->record : NULL;
}

ksm_selector
ksm_notation_selector(const ksm_notation *n)
{
	return n != NULL ? n->sel : (ksm_selector)0;
}

const char *
ksm_notation_selector_name(const ksm_notation *n)
{
	if (n == NULL || n->sel < KSM_SELECTOR_TYPE ||
	    n->sel > KSM_SELECTOR_FILE)
		return NULL;
	return selectors[n->sel - 1].name;
}

const char *
ksm_notation_parameter(const ksm_notation *n)
{
	return n != NULL ? n->param : NULL;
}

const char *
ksm_notation_index1(const ksm_notation *n)
{
	return n != NULL ? n->index1 : NULL;
}

const char *
ksm_notation_index2(const ksm_notation *n)
{
	return n != NULL ? n->index2 : NULL;
}

int
ksm_notation__uid_shaped_n(const char *s, size_t len)
{
	size_t i;
	char c;

	if (len != 22)
		return 0;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
ksm_notation__uid_shaped(const char *token)
{
	return ksm_notation__uid_shaped_n(token, strnlen(token, 23));
}
