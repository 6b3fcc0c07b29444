/*
 * keeper-secret exec --env-file: a dotenv file (dotenv.h) whose values
 * may be keeper:// references.  The references of a file are resolved
 * together (one fetch of every record they name, core/template.h's
 * client resolver), all or nothing, and only then are the variables set.
 * Messages name the file, line and variable, never a value.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "cli.h"
#include "dotenv.h"

#define CLI_MAX_ENV_FILE	(1024u * 1024)	/* bytes */

/* The entries whose value is a reference, and their resolved values. */
struct refs {
	const char	**notations;
	size_t		 *entry;	/* index in the dotenv */
	unsigned char	**value;
	size_t		 *len;
	size_t		  n;
};

static void
refs_clear(struct refs *rf)
{
	size_t i;

	for (i = 0; i < rf->n && rf->value != NULL; i++)
		ksmx_freezero(rf->value[i], rf->len[i]);
	free(rf->notations);
	free(rf->entry);
	free(rf->value);
	free(rf->len);
	memset(rf, 0, sizeof(*rf));
}

static int
refs_collect(struct refs *rf, const struct dotenv *d)
{
	size_t i;

	memset(rf, 0, sizeof(*rf));
	if ((rf->notations = calloc(d->n + 1, sizeof(*rf->notations))) ==
	    NULL || (rf->entry = calloc(d->n + 1, sizeof(*rf->entry))) ==
	    NULL || (rf->value = calloc(d->n + 1, sizeof(*rf->value))) ==
	    NULL || (rf->len = calloc(d->n + 1, sizeof(*rf->len))) == NULL)
		return cli_fail("out of memory");
	for (i = 0; i < d->n; i++) {
		if (!cli_is_env_ref(d->v[i].value))
			continue;
		rf->notations[rf->n] = d->v[i].value;
		rf->entry[rf->n++] = i;
	}
	return CLI_EXIT_OK;
}

/* Resolve every reference; report each failure; 0 or an exit status. */
static int
refs_resolve(struct refs *rf, const struct dotenv *d, const char *name,
    ksm_client *client)
{
	struct ksm_template_client *tc = NULL;
	struct ksm_template_resolver rs;
	const struct dotenv_entry *e;
	size_t i, failed = 0;
	int r, status = CLI_EXIT_OK;

	if ((r = ksm_template__client_new(&tc, client)) != 0)
		return cli_ksm_fail(r);
	ksm_template__client_resolver(&rs, tc);
	if ((r = rs.prepare(rs.ctx, rf->notations, rf->n)) != 0) {
		status = cli_ksm_fail(r);
		goto out;
	}
	for (i = 0; i < rf->n; i++) {
		e = &d->v[rf->entry[i]];
		ksm_error_clear();
		r = rs.resolve(rs.ctx, rf->notations[i], &rf->value[i],
		    &rf->len[i]);
		if (r == 0 && memchr(rf->value[i], '\0', rf->len[i]) != NULL) {
			fprintf(stderr, "%s: %s:%zu: %s: the value holds NUL "
			    "bytes\n", PROGNAME, name, e->line, e->name);
			if (status == CLI_EXIT_OK)
				status = CLI_EXIT_FAIL;
			failed++;
		} else if (r != 0) {
			fprintf(stderr, "%s: %s:%zu: %s: its keeper:// "
			    "reference does not resolve: %s\n", PROGNAME, name,
			    e->line, e->name, ksm_error_last()->message[0] ?
			    ksm_error_last()->message : ksm_strerror(r));
			if (status == CLI_EXIT_OK)
				status = CLI_EXIT_KSM_BASE - r;
			failed++;
		}
	}
	if (failed > 0)
		fprintf(stderr, "%s: %zu of %zu references in %s do not "
		    "resolve; the command was not run\n", PROGNAME, failed,
		    rf->n, name);
 out:
	ksm_template__client_free(tc);
	return status;
}

int
cli_env_file_apply(struct cli *cli, const char *config, ksm_client **client,
    const char *path)
{
	struct ksmx_buf text = KSMX_BUF_INIT(CLI_MAX_ENV_FILE);
	struct dotenv d = { NULL, 0 };
	struct refs rf = { 0 };
	const char *name = cli_input_name(path), *value;
	char err[DOTENV_ERR_MAX];
	size_t i, k, line;
	int r;

	if ((r = cli_read_input(&text, path, "env file")) != 0)
		goto out;
	if (dotenv_parse(&d, (const char *)text.d, text.len, &line,
	    err) != 0) {
		r = cli_fail("%s:%zu: %s; the command was not run", name,
		    line, err);
		goto out;
	}
	ksmx_buf_clear(&text);
	if ((r = refs_collect(&rf, &d)) != 0)
		goto out;
	if (rf.n > 0 && *client == NULL &&
	    (r = cli_client_open(client, cli, config)) != 0)
		goto out;
	if (rf.n > 0 && (r = refs_resolve(&rf, &d, name, *client)) != 0)
		goto out;
	for (i = 0, k = 0; i < d.n; i++) {
		value = d.v[i].value;
		if (k < rf.n && rf.entry[k] == i)
			value = (const char *)rf.value[k++];
		if (setenv(d.v[i].name, value, 1) != 0) {
			r = cli_fail("%s:%zu: cannot set %s: %s", name,
			    d.v[i].line, d.v[i].name, strerror(errno));
			goto out;
		}
	}
	r = CLI_EXIT_OK;
 out:
	refs_clear(&rf);
	dotenv_clear(&d);
	ksmx_buf_clear(&text);
	return r;
}
