/*
 * keeper-secret inject: render a template, replacing each
 * {{ keeper://... }} (with --bare, each bare keeper://UID/TYPE/NAME of
 * `ksm interpolate`) by its value.  All or nothing: every failing
 * reference is named and nothing is written.  An output file is written
 * atomically, 0600 unless --mode, and replaces a file only with --force.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "cli.h"

void
cmd_inject_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s inject [-i TEMPLATE] [-o FILE [--mode MODE] [--force]]\n"
	    "                     [--bare] [--config FILE]\n"
	    "\n"
	    "Copy TEMPLATE (default: standard input) to FILE (default:\n"
	    "standard output), replacing each {{ keeper://NOTATION }} with\n"
	    "the value it names; {{ \"{{\" }} writes a literal {{.  If any\n"
	    "reference fails, every failing one is named and nothing is\n"
	    "written.  FILE is replaced atomically (temporary file, rename).\n"
	    "\n"
	    "  -i, --input TEMPLATE  the template; '-' for standard input\n"
	    "  -o, --output FILE     where to write; '-' for standard output\n"
	    "  -m, --mode MODE       octal mode of FILE (default 0600)\n"
	    "  -f, --force           replace FILE if it exists\n"
	    "  -b, --bare            templates of `ksm interpolate`: bare\n"
	    "                        keeper://UID/TYPE/NAME references, lines\n"
	    "                        starting with # left alone\n"
	    "  -c, --config FILE     configuration file\n"
	    "  -h, --help            show this help\n"
	    "\n"
	    "Exit status: 0, 2 usage, 34 FILE exists, 10 + n for the first\n"
	    "failing reference (see keeper-secret(1)).\n", PROGNAME);
}

struct inject {
	const char	*input;
	const char	*output;	/* NULL or "-": standard output */
	unsigned int	 mode;
	unsigned int	 flags;		/* KSM_TEMPLATE_* */
	int		 force;
	int		 have_mode;
	const char	*config;
};

/* An octal mode up to 0777: 0 or an exit status. */
static int
parse_mode(unsigned int *mode, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 8);
	if (*s < '0' || *s > '7' || *end != '\0' || errno != 0 || v > 0777)
		return cli_usage_error("inject", "bad mode '%s': give octal "
		    "permission bits, e.g. 0600 or 0640", s);
	*mode = (unsigned int)v;
	return 0;
}

static int
to_file(const struct inject *in)
{
	return in->output != NULL && strcmp(in->output, "-") != 0;
}

static int
exists(const char *path)
{
	fprintf(stderr, "%s: '%s' exists; not overwritten\n"
	    "hint: use --force to replace it\n", PROGNAME, path);
	return CLI_EXIT_KSM_BASE - KSM_EEXIST;
}

/* The output must not be the template itself. */
static int
same_file(const struct inject *in)
{
	struct stat a, b;

	if (!to_file(in) || strcmp(in->input, "-") == 0 ||
	    stat(in->input, &a) != 0 || stat(in->output, &b) != 0)
		return 0;
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return 0;
	return cli_usage_error("inject", "'%s' is the template itself: "
	    "write the output to another file", in->output);
}

/* Each problem on its own line, then what it means. */
static int
report(const struct ksm_template_problems *p, const char *name,
    const char *what, int r)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		fprintf(stderr, "%s: %s:%zu: '%s': %s\n", PROGNAME, name,
		    p->v[i].line, p->v[i].ref, p->v[i].message);
	fprintf(stderr, "%s: %s; nothing was written\n", PROGNAME, what);
	return CLI_EXIT_KSM_BASE - r;
}

/* --bare text that is no notation stays as it is, as ksm interpolate. */
static void
warn_skipped(const struct ksm_template *t, const char *name)
{
	const struct ksm_template_ref *ref;
	size_t i;

	for (i = 0; i < ksm_template__count(t); i++) {
		ref = ksm_template__ref(t, i);
		if (ref->kind == KSM_TREF_SKIPPED)
			fprintf(stderr, "%s: warning: %s:%zu: '%.80s' is not a "
			    "valid notation; left as it is\n", PROGNAME, name,
			    ref->line, ref->notation);
	}
}

static int
render(struct ksmx_buf *out, struct cli *cli, const struct inject *in,
    const struct ksm_template *t)
{
	struct ksm_template_problems p = { NULL, 0 };
	struct ksm_template_resolver rs = { NULL, NULL, NULL };
	struct ksm_template_client *tc = NULL;
	ksm_client *client = NULL;
	size_t n;
	int r;

	/* no reference, no configuration needed */
	(void)ksm_template__notations(t, &n);
	if (n > 0) {
		if ((r = cli_client_open(&client, cli, in->config)) != 0)
			goto out;
		if ((r = ksm_template__client_new(&tc, client)) != 0) {
			r = cli_ksm_fail(r);
			goto out;
		}
		ksm_template__client_resolver(&rs, tc);
	}
	if ((r = ksm_template__render(out, &p, t, &rs)) != 0) {
		if (p.n > 0) {
			r = report(&p, cli_input_name(in->input),
			    ksm_error_last()->message, r);
		} else {
			r = cli_ksm_fail(r);
		}
	}
 out:
	ksm_template__problems_clear(&p);
	ksm_template__client_free(tc);
	ksm_client_free(client);
	return r;
}

static int
write_out(const struct inject *in, const struct ksmx_buf *out)
{
	int r;

	if (!to_file(in)) {
		if (out->len > 0 && fwrite(out->d, 1, out->len, stdout) !=
		    out->len)
			return cli_fail("cannot write to standard output");
		return CLI_EXIT_OK;
	}
	r = ksm_io__write_atomic(in->output, out->d, out->len, in->mode,
	    in->force ? 0 : KSM_IO_NOREPLACE);
	if (r == KSM_EEXIST)
		return exists(in->output);
	return r != 0 ? cli_ksm_fail(r) : CLI_EXIT_OK;
}

static int
run(struct cli *cli, const struct inject *in)
{
	struct ksmx_buf text = KSMX_BUF_INIT(KSM_MAX_TEMPLATE);
	struct ksmx_buf out = KSMX_BUF_INIT(KSM_MAX_RENDERED);
	struct ksm_template_problems p = { NULL, 0 };
	struct ksm_template *t = NULL;
	struct stat st;
	const char *name = cli_input_name(in->input);
	int r;

	/* fail early, before any network traffic, when FILE exists */
	if (to_file(in) && !in->force && lstat(in->output, &st) == 0)
		return exists(in->output);
	if ((r = same_file(in)) != 0 ||
	    (r = cli_read_input(&text, in->input, "template")) != 0)
		goto out;
	if ((r = ksm_template__parse(&t, &p, text.d, text.len,
	    in->flags)) != 0) {
		r = p.n > 0 ? report(&p, name, ksm_error_last()->message, r) :
		    cli_ksm_fail(r);
		goto out;
	}
	ksmx_buf_clear(&text);
	warn_skipped(t, name);
	if ((r = render(&out, cli, in, t)) == 0)
		r = write_out(in, &out);
 out:
	ksm_template__problems_clear(&p);
	ksm_template__free(t);
	ksmx_buf_clear(&text);
	ksmx_buf_clear(&out);
	return r;
}

int
cmd_inject(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "input",	required_argument,	NULL, 'i' },
		{ "output",	required_argument,	NULL, 'o' },
		{ "mode",	required_argument,	NULL, 'm' },
		{ "force",	no_argument,		NULL, 'f' },
		{ "bare",	no_argument,		NULL, 'b' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT("inject");
	struct inject in = { "-", NULL, 0600, 0, 0, 0, NULL };
	int c, r;

	while ((c = cli_getopt(&st, argc, argv, "+:i:o:m:fbc:h",
	    longopts)) != -1) {
		switch (c) {
		case 'i':
			in.input = optarg;
			break;
		case 'o':
			in.output = optarg;
			break;
		case 'm':
			if ((r = parse_mode(&in.mode, optarg)) != 0)
				return r;
			in.have_mode = 1;
			break;
		case 'f':
			in.force = 1;
			break;
		case 'b':
			in.flags |= KSM_TEMPLATE_BARE;
			break;
		case 'c':
			in.config = optarg;
			break;
		case 'h':
			cmd_inject_usage(stdout);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("inject", "unexpected argument '%s': "
		    "give the template with -i TEMPLATE", argv[optind]);
	if ((in.have_mode || in.force) && !to_file(&in))
		return cli_usage_error("inject", "%s applies to an output "
		    "file: add -o FILE", in.force ? "--force" : "--mode");
	return run(cli, &in);
}
