#include "config.h"

/*
 * libFuzzer target: the template parser in both syntaxes, rendered
 * through a resolver that answers every notation with a value that
 * depends on it (or fails one in three), and the dotenv parser of exec
 * --env-file.  Invariants: a render is all or nothing, and its output is
 * the text with each place replaced.  Built with standalone.c it replays
 * tests/fuzz/corpus/template/ in make check.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "template.h"
#include "dotenv.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The value of a notation: its length in decimal, or a failure. */
static int
resolve(void *ctx, const char *notation, unsigned char **value, size_t *len)
{
	size_t n = strlen(notation);

	(void)ctx;
	if (n % 3 == 0)
		return ksm__err(KSM_ENOTFOUND, "no '%.20s'", notation);
	if ((*value = malloc(24)) == NULL)
		return KSM_ENOMEM;
	*len = (size_t)snprintf((char *)*value, 24, "<%zu>", n);
	return 0;
}

static void
one(const uint8_t *data, size_t size, unsigned int flags)
{
	struct ksm_template_resolver rs = { NULL, resolve, NULL };
	struct ksm_template_problems p = { NULL, 0 };
	struct ksmx_buf out = KSMX_BUF_INIT(KSM_MAX_RENDERED);
	const struct ksm_template_ref *ref;
	struct ksm_template *t = NULL;
	size_t i, want, k, n, failing = 0;
	char tmp[24];

	if (ksm_template__parse(&t, &p, data, size, flags) != 0) {
		if (t != NULL || p.n == 0)
			abort();
		ksm_template__problems_clear(&p);
		return;
	}
	(void)ksm_template__notations(t, &n);
	want = size;
	for (i = 0; i < ksm_template__count(t); i++) {
		ref = ksm_template__ref(t, i);
		if (ref->off + ref->len > size || ref->line == 0 ||
		    (i > 0 && ref->off < ksm_template__ref(t, i - 1)->off +
		    ksm_template__ref(t, i - 1)->len))
			abort();
		want -= ref->len;
		if (ref->kind == KSM_TREF_ESCAPE)
			want += 2;
		else if (ref->kind == KSM_TREF_SKIPPED)
			want += ref->len;
		else if ((k = strlen(ref->notation)) % 3 != 0)
			want += (size_t)snprintf(tmp, sizeof(tmp), "<%zu>", k);
		else
			failing++;
	}
	if (ksm_template__render(&out, &p, t, &rs) == 0) {
		if (failing != 0 || p.n != 0 || out.len != want)
			abort();
	} else if (failing == 0 || p.n == 0 || p.n > n || out.len != 0) {
		abort();
	}
	ksm_template__problems_clear(&p);
	ksmx_buf_clear(&out);
	ksm_template__free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dotenv d;
	char err[DOTENV_ERR_MAX];
	size_t line, i;

	one(data, size, 0);
	one(data, size, KSM_TEMPLATE_BARE);
	if (dotenv_parse(&d, (const char *)data, size, &line, err) == 0) {
		for (i = 0; i < d.n; i++)
			if (d.v[i].name[0] == '\0' || d.v[i].line == 0 ||
			    strlen(d.v[i].value) > d.v[i].len)
				abort();
		dotenv_clear(&d);
	} else if (line == 0 || err[0] == '\0') {
		abort();
	}
	return 0;
}
