/*
 * The dotenv parser of keeper-secret exec --env-file (rules in dotenv.h).
 * Values may be secrets: they are built in wiped buffers and never
 * quoted in an error message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm/error.h"
#include "util/buf.h"
#include "util/wipe.h"
#include "dotenv.h"

struct cur {
	const char	*s;
	size_t		 len;
	size_t		 pos;
	size_t		 line;
	char		*err;	/* DOTENV_ERR_MAX bytes */
};

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
name_char(char c, int first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	    (!first && ((c >= '0' && c <= '9') || c == '.' || c == '-'));
}

static int
fail(struct cur *c, const char *msg)
{
	snprintf(c->err, DOTENV_ERR_MAX, "%s", msg);
	return -1;
}

/* At the end of a line: a \n (or \r\n), or the end of the text. */
static int
at_eol(const struct cur *c)
{
	return c->pos >= c->len || c->s[c->pos] == '\n' ||
	    (c->s[c->pos] == '\r' && (c->pos + 1 >= c->len ||
	    c->s[c->pos + 1] == '\n'));
}

/* Past the end of this line (and its \n). */
static void
next_line(struct cur *c)
{
	while (c->pos < c->len && c->s[c->pos] != '\n')
		c->pos++;
	if (c->pos < c->len) {
		c->pos++;
		c->line++;
	}
}

static void
skip_blanks(struct cur *c)
{
	while (c->pos < c->len && blank(c->s[c->pos]))
		c->pos++;
}

/* The escape \e of a double-quoted value, or 0 when \e stays as it is. */
static char
unescape(char e)
{
	static const char from[] = "nrtabfv\\\"'", to[] = "\n\r\t\a\b\f\v\\\"'";
	const char *p = strchr(from, e);

	return p != NULL && e != '\0' ? to[p - from] : 0;
}

/* A quoted value from the opening quote at c->pos, into b. */
static int
quoted(struct cur *c, struct ksmx_buf *b)
{
	char q = c->s[c->pos++], ch, u;
	int r = 0;

	for (;;) {
		if (c->pos >= c->len)
			return fail(c, q == '"' ? "no closing '\"' for the "
			    "value" : "no closing \"'\" for the value");
		ch = c->s[c->pos++];
		if (ch == q)
			break;
		if (ch == '\n')
			c->line++;
		if (q == '"' && ch == '\\' && c->pos < c->len) {
			if ((u = unescape(c->s[c->pos])) != 0) {
				ch = u;
				c->pos++;
			}
		}
		if ((r = ksmx_buf_putc(b, (unsigned char)ch)) != 0)
			return fail(c, "out of memory");
	}
	/* after the closing quote: blanks, maybe a comment, then the end */
	skip_blanks(c);
	if (c->pos < c->len && c->s[c->pos] == '#')
		next_line(c);
	else if (!at_eol(c))
		return fail(c, "unexpected text after the closing quote");
	else
		next_line(c);
	return 0;
}

/* An unquoted value: to the end of the line or a " #" comment, trimmed. */
static int
unquoted(struct cur *c, struct ksmx_buf *b, int after_blank)
{
	size_t start = c->pos, end;

	while (!at_eol(c)) {
		if (c->s[c->pos] == '#' && (c->pos > start ?
		    blank(c->s[c->pos - 1]) : after_blank))
			break;
		c->pos++;
	}
	for (end = c->pos; end > start && blank(c->s[end - 1]); end--)
		;
	next_line(c);
	if (ksmx_buf_put(b, c->s + start, end - start) != 0)
		return fail(c, "out of memory");
	return 0;
}

static int
add(struct dotenv *d, struct cur *c, size_t name_at, size_t name_len,
    size_t line, struct ksmx_buf *b)
{
	struct dotenv_entry *v, *e;

	if (ksmx_buf_cstr(b) != 0 ||
	    (v = realloc(d->v, (d->n + 1) * sizeof(*v))) == NULL)
		return fail(c, "out of memory");
	d->v = v;
	e = &v[d->n];
	if ((e->name = strndup(c->s + name_at, name_len)) == NULL)
		return fail(c, "out of memory");
	e->len = b->len;
	e->value = (char *)ksmx_buf_take(b, &e->len);
	if (e->value == NULL && (e->value = calloc(1, 1)) == NULL) {
		free(e->name);
		return fail(c, "out of memory");
	}
	e->line = line;
	d->n++;
	return 0;
}

/* One NAME=VALUE line (or a bare NAME); c->pos at the name. */
static int
assignment(struct dotenv *d, struct cur *c, struct ksmx_buf *b)
{
	size_t at, name_len, line = c->line;
	int after_blank, r;

	if (c->len - c->pos > 7 && memcmp(c->s + c->pos, "export", 6) == 0 &&
	    blank(c->s[c->pos + 6])) {
		c->pos += 6;
		skip_blanks(c);
	}
	if (c->pos >= c->len || !name_char(c->s[c->pos], 1))
		return fail(c, "expected NAME=VALUE (NAME: letters, digits, "
		    "'_', '.', '-', not starting with a digit)");
	for (at = c->pos; c->pos < c->len && name_char(c->s[c->pos], 0);
	    c->pos++)
		;
	name_len = c->pos - at;
	skip_blanks(c);
	if (at_eol(c) || c->s[c->pos] == '#') {
		next_line(c);		/* a bare NAME: the inherited value */
		return 0;
	}
	if (c->s[c->pos] != '=')
		return fail(c, "expected '=' after the variable name");
	c->pos++;
	after_blank = c->pos < c->len && blank(c->s[c->pos]);
	skip_blanks(c);
	ksmx_buf_clear(b);
	if (c->pos < c->len && (c->s[c->pos] == '"' || c->s[c->pos] == '\''))
		r = quoted(c, b);
	else
		r = unquoted(c, b, after_blank);
	if (r != 0) {
		c->line = line;		/* report where the entry starts */
		return r;
	}
	return add(d, c, at, name_len, line, b);
}

int
dotenv_parse(struct dotenv *out, const char *text, size_t len,
    size_t *err_line, char err[DOTENV_ERR_MAX])
{
	struct ksmx_buf b = KSMX_BUF_INIT(len + 1);
	struct cur c = { text, len, 0, 1, err };
	struct dotenv d = { NULL, 0 };
	const char *nul;
	int r = 0;

	*err_line = 0;
	err[0] = '\0';
	out->v = NULL;
	out->n = 0;
	if ((nul = memchr(text, '\0', len)) != NULL) {
		for (c.pos = 0; c.pos < (size_t)(nul - text); c.pos++)
			if (text[c.pos] == '\n')
				c.line++;
		r = fail(&c, "the file holds a NUL byte");
		goto out;
	}
	while (c.pos < len) {
		while (c.pos < len && (blank(text[c.pos]) ||
		    text[c.pos] == '\r'))
			c.pos++;
		if (c.pos >= len)
			break;
		if (text[c.pos] == '\n' || text[c.pos] == '#') {
			next_line(&c);
			continue;
		}
		if ((r = assignment(&d, &c, &b)) != 0)
			goto out;
	}
	*out = d;
	d.v = NULL;		/* transferred */
	d.n = 0;
 out:
	if (r != 0)
		*err_line = c.line;
	ksmx_buf_clear(&b);
	dotenv_clear(&d);
	return r;
}

void
dotenv_clear(struct dotenv *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].name);
		ksmx_freezero(d->v[i].value, d->v[i].len + 1);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}
