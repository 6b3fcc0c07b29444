#include "config.h"

/*
 * keeper-agent's templates: render each from the records the session
 * hands over, and write its destination only when the bytes changed
 * (secrets-templates.h).  Runs on the loop thread.
 */

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm-int.h"
#include "template.h"
#include "agent-log.h"
#include "secrets-templates-int.h"
#include "util/fnv.h"

int
tpl_read_file(struct ksmx_buf *out, const char *path, const char *what)
{
	struct stat st;
	int fd, r;

	ksmx_buf_clear(out);
	/* O_NONBLOCK: a FIFO planted at path must not hang the agent */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1)
		return ksm__err_errno(KSM_EIO, "cannot open the %s '%s'", what,
		    path);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		r = ksm__err(KSM_EIO, "the %s '%s' is not a regular file",
		    what, path);
		goto out;
	}
	switch ((r = ksm_io__read_fd(out, fd))) {
	case 0:
		break;
	case -1:
		r = ksm__err_errno(KSM_EIO, "cannot read the %s '%s'", what,
		    path);
		break;
	default:
		r = ksm__err(r, "the %s '%s' is larger than %zu bytes", what,
		    path, out->max);
		break;
	}
 out:
	close(fd);
	if (r != 0)
		ksmx_buf_clear(out);
	return r;
}

/*
 * Whether dest already holds exactly out, with e's mode: a regular file
 * (not a link), compared byte for byte and then wiped.
 */
static int
unchanged(const struct tpl *e, const struct ksmx_buf *out)
{
	struct ksmx_buf cur = KSMX_BUF_INIT(out->len + 1);
	struct stat st;
	int fd, same = 0;

	if ((fd = open(e->dest, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW |
	    O_NONBLOCK)) == -1)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 07777) == e->mode && st.st_size == (off_t)out->len &&
	    ksm_io__read_fd(&cur, fd) == 0 && cur.len == out->len)
		same = out->len == 0 || ksmx_memeq_ct(cur.d, out->d,
		    out->len) == 0;
	close(fd);
	ksmx_buf_clear(&cur);
	return same;
}

/*
 * A failure, logged once: the session calls again after every refresh
 * that may have changed the records (with Keeper's signed file URLs, that
 * is most), and the same failure again is only a diagnostic.
 */
static void
log_once(struct tpl *e, const char *line)
{
	uint64_t h = ksmx_fnv1a(KSMX_FNV1A_INIT, line, strlen(line));
	if (h == e->failed) {
		agent_debug("%s (again)", line);
		return;
	}
	e->failed = h;
	agent_log("%s", line);
}

/*
 * The one line for a render that failed: the render's summary, then each
 * failing reference with its line and reason (never a value), cut to a
 * log line.
 */
static void
log_failure(struct tpl *e, const struct ksm_template_problems *p)
{
	char line[AGENT_LOG_LINE_MAX];
	size_t i, at;
	int n;

	n = snprintf(line, sizeof(line), "template %s: not rendered, %s "
	    "kept: %s", e->source, e->dest, ksm_error_last()->message);
	at = n < 0 ? 0 : (size_t)n;
	for (i = 0; i < p->n && at < sizeof(line); i++) {
		n = snprintf(line + at, sizeof(line) - at, "%s line %zu '%s': "
		    "%s", i == 0 ? ":" : ";", p->v[i].line, p->v[i].ref,
		    p->v[i].message);
		at += n < 0 ? 0 : (size_t)n;
	}
	log_once(e, line);
}

/* Render e, and write and announce it if it changed. */
static void
render_one(struct templates *t, struct tpl *e,
    const struct ksm_template_resolver *rs)
{
	struct ksmx_buf text = KSMX_BUF_INIT(KSM_MAX_TEMPLATE);
	struct ksmx_buf out = KSMX_BUF_INIT(KSM_MAX_RENDERED);
	struct ksm_template_problems p = { NULL, 0 };
	struct ksm_template *tp = NULL;
	char line[AGENT_LOG_LINE_MAX];

	if (tpl_read_file(&text, e->source, "template") != 0 ||
	    ksm_template__parse(&tp, &p, text.d, text.len, e->flags) != 0 ||
	    ksm_template__render(&out, &p, tp, rs) != 0) {
		log_failure(e, &p);
		goto out;
	}
	if (unchanged(e, &out)) {
		agent_debug("template %s: %s unchanged", e->source, e->dest);
		e->failed = 0;
		goto out;
	}
	if (ksm_io__write_atomic(e->dest, out.d, out.len, e->mode, 0) != 0) {
		(void)snprintf(line, sizeof(line), "template %s: %s kept: %s",
		    e->source, e->dest, ksm_error_last()->message);
		log_once(e, line);
		goto out;
	}
	e->failed = 0;
	agent_log("template %s: wrote %s (%zu bytes, mode %04o)", e->source,
	    e->dest, out.len, e->mode);
	if (e->command != NULL)
		tpl_command_run(t, e);
 out:
	ksm_template__free(tp);
	ksm_template__problems_clear(&p);
	ksmx_buf_clear(&text);
	ksmx_buf_clear(&out);
}

int
templates_records(void *ctx, const ksm_records *records)
{
	struct templates *t = ctx;
	struct ksm_template_client *tc = NULL;
	struct ksm_template_resolver rs;
	size_t i;

	if (t == NULL || t->n == 0)
		return 0;
	tpl_files_announce(t);
	if (ksm_template__records_new(&tc, records) != 0) {
		agent_log("templates not rendered, files kept: %s",
		    ksm_error_last()->message);
		return 0;
	}
	ksm_template__records_files(tc, tpl_file_held, t);
	ksm_template__client_resolver(&rs, tc);
	t->files_missing = 0;
	for (i = 0; i < t->n; i++)
		render_one(t, &t->v[i], &rs);
	/* the parsed records go, wiped */
	ksm_template__client_free(tc);
	return t->files_missing;
}

size_t
templates_count(const struct templates *t)
{
	return t != NULL ? t->n : 0;
}

void
templates_free(struct templates *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		tpl_command_clear(t, &t->v[i]);
		free(t->v[i].source);
		free(t->v[i].dest);
		free(t->v[i].command);
	}
	free(t->v);
	tpl_files_free(t);
	if (t->epfd >= 0)
		close(t->epfd);
	free(t);
}
