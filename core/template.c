#include "config.h"

/*
 * Templates: find the references (both syntaxes, template.h), then render
 * all or nothing through a resolver.  No I/O, so the unit test and the
 * fuzzer link this file alone.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notation-int.h"
#include "template.h"

struct ksm_template {
	unsigned char		*text;		/* a copy of the template */
	size_t			 len;
	struct ksm_template_ref	*refs;
	size_t			 n;
	size_t			 alloc;
	const char		**notations;	/* distinct, by first use */
	size_t			*first;		/* slot -> index of its first ref */
	size_t			 n_notations;
};

/* The state of one parse. */
struct tparse {
	struct ksm_template		*t;
	struct ksm_template_problems	*problems;
	int				 first_code;	/* of the problems */
	size_t				 line;		/* of pos */
	size_t				 pos;
};

void
ksm_template__problems_clear(struct ksm_template_problems *p)
{
	if (p == NULL)
		return;
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* The reference as written, cut to fit, on one line. */
static void
show_ref(char *dst, const void *ref, size_t len)
{
	const unsigned char *s = ref;
	size_t i, max = KSM_TEMPLATE_REF_SHOWN - 1;

	if (len > max)
		max -= 3;
	for (i = 0; i < len && i < max; i++)
		dst[i] = s[i] < 0x20 || s[i] == 0x7f ? '?' : (char)s[i];
	if (len > i) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

/* Record a problem: code, and the current error's message. */
static int
problem_add(struct ksm_template_problems *p, int code, size_t line,
    const void *ref, size_t len)
{
	struct ksm_template_problem *v, *np;

	if ((v = realloc(p->v, (p->n + 1) * sizeof(*v))) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory reading template");
	p->v = v;
	np = &v[p->n++];
	np->line = line;
	np->code = code;
	show_ref(np->ref, ref, len);
	snprintf(np->message, sizeof(np->message), "%s",
	    ksm_error_last()->message[0] != '\0' ?
	    ksm_error_last()->message : ksm_strerror(code));
	return 0;
}

static int
ref_add(struct ksm_template *t, size_t off, size_t len, size_t line,
    enum ksm_tref_kind kind, const unsigned char *notation, size_t nlen)
{
	struct ksm_template_ref *v, *r;
	char *s = NULL;

	if (t->n == t->alloc) {
		size_t na = t->alloc ? t->alloc * 2 : 16;

		if ((v = realloc(t->refs, na * sizeof(*v))) == NULL)
			return ksm__err(KSM_ENOMEM, "out of memory reading "
			    "template");
		t->refs = v;
		t->alloc = na;
	}
	if (notation != NULL) {
		if ((s = malloc(nlen + 1)) == NULL)
			return ksm__err(KSM_ENOMEM, "out of memory reading "
			    "template");
		memcpy(s, notation, nlen);
		s[nlen] = '\0';
	}
	r = &t->refs[t->n++];
	r->off = off;
	r->len = len;
	r->line = line;
	r->kind = kind;
	r->notation = s;
	r->slot = 0;
	return 0;
}

/* 0 when text[0..len) is a notation; otherwise its code and message. */
static int
check_notation(const unsigned char *text, size_t len)
{
	ksm_notation *nt = NULL;
	int r;

	r = ksm_notation__parse(&nt, (const char *)text, len,
	    KSM_NOTATION_LEGACY);
	ksm_notation_free(nt);
	return r;
}

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Python's \s and str.strip() on ASCII (what ksm interpolate uses). */
static int
is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static int
has_prefix_ci(const unsigned char *s, size_t len, const char *prefix)
{
	size_t i, n = strlen(prefix);

	if (len < n)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)prefix[i])
			return 0;
	}
	return 1;
}

/*
 * At p->pos a "{{": an escape, a reference, or literal text.  Moves
 * p->pos past what it consumed.  Returns 0 or a fatal error (ENOMEM);
 * malformed references are problems.
 */
static int
brace_at(struct tparse *p)
{
	const unsigned char *s = p->t->text;
	size_t len = p->t->len, i = p->pos, q = i + 2, e, end;
	int r;

	while (q < len && is_blank(s[q]))
		q++;
	if (len - q >= 4 && memcmp(s + q, "\"{{\"", 4) == 0) {
		e = q + 4;
		while (e < len && is_blank(s[e]))
			e++;
		if (len - e >= 2 && s[e] == '}' && s[e + 1] == '}') {
			p->pos = e + 2;
			return ref_add(p->t, i, e + 2 - i, p->line,
			    KSM_TREF_ESCAPE, NULL, 0);
		}
	}
	if (!has_prefix_ci(s + q, len - q, "keeper://")) {
		p->pos = i + 1;		/* "{{{ ref }}" is "{" then a ref */
		return 0;
	}
	for (e = q; e < len && s[e] != '\n' && s[e] != '\0'; e++)
		if (s[e] == '}' && e + 1 < len && s[e + 1] == '}')
			break;
	if (e >= len || s[e] != '}') {
		p->pos = q;
		end = e;
		r = ksm__err(KSM_ENOTATION, "no '}}' closes the reference on "
		    "its line");
		goto problem;
	}
	for (end = e; end > q && is_blank(s[end - 1]); end--)
		;
	p->pos = e + 2;
	if ((r = check_notation(s + q, end - q)) == 0)
		return ref_add(p->t, i, e + 2 - i, p->line, KSM_TREF_NOTATION,
		    s + q, end - q);
	if (r == KSM_ENOMEM)
		return r;
 problem:
	if (p->first_code == 0)
		p->first_code = r;
	return problem_add(p->problems, r, p->line, s + q, end - q);
}

static int
parse_braces(struct tparse *p)
{
	const unsigned char *s = p->t->text;
	size_t len = p->t->len;
	int r;

	while (p->pos + 1 < len) {
		if (s[p->pos] == '{' && s[p->pos + 1] == '{') {
			if ((r = brace_at(p)) != 0)
				return r;
			continue;
		}
		if (s[p->pos] == '\n')
			p->line++;
		p->pos++;
	}
	return 0;
}

/* 1-or-more bytes that are no space and no '/', then a '/': its end. */
static size_t
bare_segment(const unsigned char *s, size_t i, size_t end)
{
	size_t start = i;

	while (i < end && !is_space(s[i]) && s[i] != '/')
		i++;
	if (i == start || i >= end || s[i] != '/')
		return 0;
	return i + 1;
}

/*
 * ksm interpolate's regex keeper://[^\s/]+/[^\s/]+/[^"'\n#]+ (then
 * stripped) over the line [ls, le).
 */
static int
bare_line(struct tparse *p, size_t ls, size_t le)
{
	const unsigned char *s = p->t->text;
	const unsigned char *m;
	size_t i = ls, at, j, name, end;
	int r;

	while (i < le && (m = memmem(s + i, le - i, "keeper://", 9)) != NULL) {
		at = (size_t)(m - s);
		if ((j = bare_segment(s, at + 9, le)) == 0 ||
		    (j = bare_segment(s, j, le)) == 0) {
			i = at + 1;
			continue;
		}
		for (name = j; j < le && s[j] != '"' && s[j] != '\'' &&
		    s[j] != '#'; j++)
			;
		if (j == name) {
			i = at + 1;
			continue;
		}
		for (end = j; end > at && is_space(s[end - 1]); end--)
			;
		r = check_notation(s + at, end - at);
		if (r == KSM_ENOMEM)
			return r;
		if ((r = ref_add(p->t, at, end - at, p->line, r == 0 ?
		    KSM_TREF_NOTATION : KSM_TREF_SKIPPED, s + at,
		    end - at)) != 0)
			return r;
		i = j;
	}
	return 0;
}

static int
parse_bare(struct tparse *p)
{
	const unsigned char *s = p->t->text, *nl;
	size_t len = p->t->len, ls = 0, le, k;
	int r;

	while (ls < len) {
		nl = memchr(s + ls, '\n', len - ls);
		le = nl != NULL ? (size_t)(nl - s) : len;
		for (k = ls; k < le && is_space(s[k]); k++)
			;
		if (k >= le || s[k] != '#') {
			if ((r = bare_line(p, ls, le)) != 0)
				return r;
		}
		p->line++;
		ls = le + 1;
	}
	return 0;
}

/* A notation and the index of the ref that holds it. */
struct ent {
	const char	*s;
	size_t		 i;
};

/* By notation, then by position. */
static int
by_notation(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
by_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Number the distinct notations in order of first use: sort the refs by
 * notation, keep each group's first, sort those by position.
 */
static int
assign_slots(struct ksm_template *t)
{
	struct ent *e = NULL;
	size_t i, m = 0, k;
	int r = 0;

	for (i = 0; i < t->n; i++)
		if (t->refs[i].kind == KSM_TREF_NOTATION)
			m++;
	if (m == 0)
		return 0;
	if ((e = calloc(m, sizeof(*e))) == NULL ||
	    (t->first = calloc(m, sizeof(*t->first))) == NULL ||
	    (t->notations = calloc(m, sizeof(*t->notations))) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory reading template");
		goto out;
	}
	for (i = 0, k = 0; i < t->n; i++)
		if (t->refs[i].kind == KSM_TREF_NOTATION) {
			e[k].s = t->refs[i].notation;
			e[k++].i = i;
		}
	qsort(e, m, sizeof(*e), by_notation);
	for (i = 0, k = 0; i < m; i++)
		if (i == 0 || strcmp(e[i].s, e[i - 1].s) != 0)
			t->first[k++] = e[i].i;
	t->n_notations = k;
	qsort(t->first, k, sizeof(*t->first), by_index);
	for (k = 0; k < t->n_notations; k++) {
		t->refs[t->first[k]].slot = k;
		t->notations[k] = t->refs[t->first[k]].notation;
	}
	/* the others take their group's slot: e is still by notation */
	for (i = 1; i < m; i++)
		if (strcmp(e[i].s, e[i - 1].s) == 0)
			t->refs[e[i].i].slot = t->refs[e[i - 1].i].slot;
 out:
	free(e);
	return r;
}

int
ksm_template__parse(struct ksm_template **out,
    struct ksm_template_problems *problems, const void *text, size_t len,
    unsigned int flags)
{
	struct tparse p = { NULL, problems, 0, 1, 0 };
	int r;

	KSM_ASSERT_ARG(out != NULL && problems != NULL);
	*out = NULL;
	problems->v = NULL;
	problems->n = 0;
	KSM_ASSERT_ARG(text != NULL || len == 0);
	KSM_ASSERT_ARG((flags & ~KSM_TEMPLATE_BARE) == 0);
	if (len > KSM_MAX_TEMPLATE)
		return ksm__err(KSM_ETOOBIG, "the template is larger than %u "
		    "bytes", KSM_MAX_TEMPLATE);
	if ((p.t = calloc(1, sizeof(*p.t))) == NULL ||
	    (p.t->text = malloc(len + 1)) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory reading template");
		goto out;
	}
	if (len > 0)
		memcpy(p.t->text, text, len);
	p.t->len = len;
	r = (flags & KSM_TEMPLATE_BARE) ? parse_bare(&p) : parse_braces(&p);
	if (r != 0)
		goto out;
	if (problems->n > 0) {
		r = ksm__err(p.first_code, "%zu malformed reference%s in the "
		    "template", problems->n, problems->n == 1 ? "" : "s");
		goto out;
	}
	if ((r = assign_slots(p.t)) != 0)
		goto out;
	*out = p.t;
	p.t = NULL;		/* transferred */
 out:
	if (r != 0 && problems->n == 0)
		ksm_template__problems_clear(problems);
	ksm_template__free(p.t);
	return r;
}

void
ksm_template__free(struct ksm_template *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free((char *)t->refs[i].notation);
	free(t->refs);
	free(t->notations);
	free(t->first);
	free(t->text);
	free(t);
}

size_t
ksm_template__count(const struct ksm_template *t)
{
	return t != NULL ? t->n : 0;
}

const struct ksm_template_ref *
ksm_template__ref(const struct ksm_template *t, size_t i)
{
	return t != NULL && i < t->n ? &t->refs[i] : NULL;
}

const char *const *
ksm_template__notations(const struct ksm_template *t, size_t *n)
{
	*n = t != NULL ? t->n_notations : 0;
	return t != NULL ? t->notations : NULL;
}

struct value {
	unsigned char	*p;
	size_t		 len;
};

static void
values_free(struct value *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		ksmx_freezero(v[i].p, v[i].len);
	free(v);
}

/* Ask for every distinct notation; failures become problems. */
static int
resolve_all(struct value *v, struct ksm_template_problems *problems,
    const struct ksm_template *t, const struct ksm_template_resolver *rs)
{
	const struct ksm_template_ref *ref;
	size_t k;
	int r, first = 0;

	ksm_error_clear();
	if (rs->prepare != NULL &&
	    (r = rs->prepare(rs->ctx, t->notations, t->n_notations)) != 0)
		return r;
	for (k = 0; k < t->n_notations; k++) {
		ksm_error_clear();
		r = rs->resolve(rs->ctx, t->notations[k], &v[k].p, &v[k].len);
		if (r == 0)
			continue;
		v[k].p = NULL;
		v[k].len = 0;
		if (first == 0)
			first = r;
		ref = &t->refs[t->first[k]];
		if ((r = problem_add(problems, r, ref->line, ref->notation,
		    strlen(ref->notation))) != 0)
			return r;
	}
	if (first != 0)
		ksm__err(first, "%zu of %zu references do not resolve",
		    problems->n, t->n_notations);
	return first;
}

int
ksm_template__render(struct ksmx_buf *out,
    struct ksm_template_problems *problems, const struct ksm_template *t,
    const struct ksm_template_resolver *rs)
{
	const struct ksm_template_ref *ref;
	struct value *v = NULL;
	size_t i, pos = 0;
	int r = 0;

	KSM_ASSERT_ARG(out != NULL && problems != NULL);
	problems->v = NULL;
	problems->n = 0;
	ksmx_buf_clear(out);
	KSM_ASSERT_ARG(t != NULL);
	KSM_ASSERT_ARG(t->n_notations == 0 ||
	    (rs != NULL && rs->resolve != NULL));
	if (t->n_notations > 0) {
		if ((v = calloc(t->n_notations, sizeof(*v))) == NULL)
			return ksm__err(KSM_ENOMEM, "out of memory rendering "
			    "template");
		if ((r = resolve_all(v, problems, t, rs)) != 0)
			goto out;
	}
	for (i = 0; i < t->n && r == 0; i++) {
		ref = &t->refs[i];
		if ((r = ksmx_buf_put(out, t->text + pos, ref->off - pos)) != 0)
			break;
		pos = ref->off + ref->len;
		if (ref->kind == KSM_TREF_NOTATION)
			r = ksmx_buf_put(out, v[ref->slot].p, v[ref->slot].len);
		else if (ref->kind == KSM_TREF_ESCAPE)
			r = ksmx_buf_put(out, "{{", 2);
		else
			r = ksmx_buf_put(out, t->text + ref->off, ref->len);
	}
	if (r == 0)
		r = ksmx_buf_put(out, t->text + pos, t->len - pos);
	if (r == KSM_ETOOBIG)
		r = ksm__err(r, "the rendered template would be larger than "
		    "%zu bytes", out->max);
	else if (r != 0)
		r = ksm__err(r, "out of memory rendering template");
 out:
	if (r != 0)
		ksmx_buf_clear(out);
	values_free(v, t->n_notations);
	return r;
}
