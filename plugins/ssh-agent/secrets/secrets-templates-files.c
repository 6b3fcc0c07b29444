#include "config.h"

/*
 * The attachments keeper-agent's templates use (secrets-templates.h).
 *
 * A download would block the loop, so it happens on the session's worker
 * thread, right after the fetch that brought the records
 * (templates_prepare): each template's file references are resolved
 * against the new records, and every attachment they name that is not
 * held yet is downloaded into locked, non-dumpable memory.  The render on
 * the loop then takes attachments from what is held (templates_records,
 * through tpl_file_held), with no I/O.
 *
 * An attachment is held by its file UID and size and kept while a
 * template names it: Keeper never changes the content under a file UID
 * (a new upload is a new file), so a refresh downloads nothing again,
 * although Keeper signs the download URLs anew in every answer.  A
 * failed download is kept as its error, which the render reports, and
 * tried again with the next fetch.
 *
 * The worker and the loop never look at the store at the same time: the
 * worker writes it during a fetch, the loop reads it once the fetch has
 * ended (the session joins the worker before it calls the watchers).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "template.h"
#include "agent-log.h"
#include "secrets-answer.h"
#include "secrets-templates-int.h"

static const char *
file_uid(const ksm_file *f)
{
	const char *uid = ksm_file_uid(f);

	return uid != NULL ? uid : "";
}

static struct tpl_file *
find(const struct templates *t, const ksm_file *f)
{
	size_t i;

	for (i = 0; i < t->n_files; i++)
		if (t->files[i].size == ksm_file_size(f) &&
		    strcmp(t->files[i].uid, file_uid(f)) == 0)
			return &t->files[i];
	return NULL;
}

static void
file_clear(struct tpl_file *e)
{
	answer_free(e->bytes);
	free(e->uid);
	memset(e, 0, sizeof(*e));
}

void
tpl_files_free(struct templates *t)
{
	size_t i;

	for (i = 0; i < t->n_files; i++)
		file_clear(&t->files[i]);
	free(t->files);
	t->files = NULL;
	t->n_files = 0;
}

/* A new, empty entry for f (NULL: out of memory). */
static struct tpl_file *
add(struct templates *t, const ksm_file *f)
{
	struct tpl_file *tmp, *e;

	if ((tmp = realloc(t->files, (t->n_files + 1) * sizeof(*tmp))) ==
	    NULL)
		return NULL;
	t->files = tmp;
	e = &t->files[t->n_files];
	memset(e, 0, sizeof(*e));
	if ((e->uid = strdup(file_uid(f))) == NULL)
		return NULL;
	e->size = ksm_file_size(f);
	t->n_files++;
	return e;
}

/* What the worker's resolver does with an attachment: hold it. */
struct fetch {
	struct templates	*t;
	ksm_client		*client;
};

/*
 * The resolver's attachment function on the worker: download f unless it
 * is held.  The worker's render is thrown away, so no bytes go back.
 */
static int
fetch_file(void *ctx, const ksm_file *f, unsigned char **bytes, size_t *len)
{
	struct fetch *fc = ctx;
	struct tpl_file *e = find(fc->t, f);
	unsigned char *b = NULL;
	size_t n = 0;
	int r;

	*bytes = NULL;
	*len = 0;
	if (e == NULL && (e = add(fc->t, f)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	e->used = 1;
	if (e->bytes != NULL)
		return 0;
	e->fresh = 1;
	if ((r = ksm_client_download_file(&b, &n, fc->client, f)) == 0 &&
	    (r = answer_new(&e->bytes, n > 0 ? b : (unsigned char *)"",
	    n, 0)) != 0)
		(void)ksm__err(r, "out of memory holding attachment '%.64s'",
		    e->uid);
	ksm_bytes_free(b, n);
	e->err = r;
	(void)snprintf(e->msg, sizeof(e->msg), "%s",
	    r != 0 ? ksm_error_last()->message : "");
	return r;
}

/* Whether the template text of e names an attachment. */
static int
names_attachment(const struct ksm_template *tp)
{
	const struct ksm_template_ref *ref;
	ksm_notation *nt = NULL;
	size_t k;
	int yes = 0;

	for (k = 0; k < ksm_template__count(tp) && !yes; k++) {
		ref = ksm_template__ref(tp, k);
		if (ref->kind != KSM_TREF_NOTATION || ksm_notation_parse_ex(&nt,
		    ref->notation, KSM_NOTATION_LEGACY) != 0)
			continue;
		yes = ksm_notation_selector(nt) == KSM_SELECTOR_FILE;
		ksm_notation_free(nt);
		nt = NULL;
	}
	return yes;
}

/*
 * Resolve e's references on the worker, for the attachments they name;
 * every other value is thrown away at once.  Failures are the render's
 * to report, on the loop.
 */
static void
prepare_one(const struct tpl *e, const ksm_records *records,
    struct fetch *fc)
{
	struct ksmx_buf text = KSMX_BUF_INIT(KSM_MAX_TEMPLATE);
	struct ksm_template_problems p = { NULL, 0 };
	struct ksm_template_client *tc = NULL;
	struct ksm_template *tp = NULL;
	struct ksm_template_resolver rs;
	const char *const *nts;
	unsigned char *v;
	size_t i, n, len;

	if (tpl_read_file(&text, e->source, "template") != 0 ||
	    ksm_template__parse(&tp, &p, text.d, text.len, e->flags) != 0 ||
	    !names_attachment(tp) ||
	    ksm_template__records_new(&tc, records) != 0)
		goto out;
	ksm_template__records_files(tc, fetch_file, fc);
	ksm_template__client_resolver(&rs, tc);
	nts = ksm_template__notations(tp, &n);
	if (rs.prepare(rs.ctx, nts, n) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		v = NULL;
		len = 0;
		if (rs.resolve(rs.ctx, nts[i], &v, &len) == 0)
			ksmx_freezero(v, len);
	}
 out:
	ksm_template__client_free(tc);
	ksm_template__free(tp);
	ksm_template__problems_clear(&p);
	ksmx_buf_clear(&text);
}

void
templates_prepare(void *ctx, const ksm_records *records, ksm_client *client)
{
	struct templates *t = ctx;
	struct fetch fc = { t, client };
	size_t i, k;

	if (t == NULL)
		return;
	for (i = 0; i < t->n_files; i++)
		t->files[i].used = 0;
	for (i = 0; i < t->n; i++)
		prepare_one(&t->v[i], records, &fc);
	/* what no template names any more goes, wiped */
	for (i = k = 0; i < t->n_files; i++) {
		if (!t->files[i].used) {
			file_clear(&t->files[i]);
			continue;
		}
		if (k != i)
			t->files[k] = t->files[i];
		k++;
	}
	t->n_files = k;
	if (k == 0)
		tpl_files_free(t);
}

int
tpl_file_held(void *ctx, const ksm_file *f, unsigned char **bytes,
    size_t *len)
{
	struct templates *t = ctx;
	const struct tpl_file *e = find(t, f);
	size_t n;

	*bytes = NULL;
	*len = 0;
	if (e == NULL || e->bytes == NULL) {
		t->files_missing = 1;
		if (e != NULL)	/* the message names the file */
			return ksm__err(e->err, "%s", e->msg);
		return ksm__err(KSM_ENOTFOUND, "attachment '%.64s' is not "
		    "downloaded yet (the next refresh downloads it)",
		    file_uid(f));
	}
	n = answer_len(e->bytes);
	if ((*bytes = malloc(n > 0 ? n : 1)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	memcpy(*bytes, answer_text(e->bytes), n);
	*len = n;
	return 0;
}

void
tpl_files_announce(struct templates *t)
{
	struct tpl_file *e;
	size_t i;

	for (i = 0; i < t->n_files; i++) {
		e = &t->files[i];
		if (!e->fresh)
			continue;
		e->fresh = 0;
		if (e->bytes != NULL)
			agent_log("templates: downloaded attachment %s (%zu "
			    "bytes)", e->uid, answer_len(e->bytes));
		else
			agent_debug("templates: attachment %s not downloaded: "
			    "%s", e->uid, e->msg);
	}
}
