/*
 * keeper-secret __complete [WORD...] CUR: what a shell may put in place of
 * CUR after "keeper-secret WORD...", one candidate a line, as
 * "word<TAB>description" when there is a description.  The completions in
 * completions/ (bash, zsh, fish) are thin wrappers around it.
 *
 * Nothing here lists commands or options: commands come from the verb
 * table (keeper-secret.c), options, sub-commands and operands from the
 * usage text each verb prints for --help, so a new verb or option
 * completes without touching this file.  Record UIDs (with their titles)
 * come from the cache of Keeper's answers only (KSM_CLIENT_CACHE_ONLY):
 * completing never talks to Keeper.  A first line ":file" or ":command"
 * asks the shell for its own file or command-name completion.  Errors
 * print nothing: a completion must never write to the terminal.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

#define MAX_SPEC	64	/* options or sub-commands of one usage text */
#define MAX_WORD	64	/* bytes of an option name or placeholder */
#define MAX_DESC	80	/* bytes of a description */

/* An option as a usage text defines it. */
struct opt {
	char	name[MAX_WORD];		/* "--config", "-c" */
	char	arg[MAX_WORD];		/* placeholder ("FILE"), "" for none */
	char	desc[MAX_DESC];
};

/* What one usage text says. */
struct spec {
	struct opt	opts[MAX_SPEC];
	size_t		n_opts;
	char		subs[MAX_SPEC][MAX_WORD];	/* "status", "clear" */
	size_t		n_subs;
	char		operand[MAX_WORD];	/* first operand placeholder */
};

/* The usage text of v (NULL: the main one), malloc'd, or NULL. */
static char *
usage_text(const struct cli_verb *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&text, &len)) == NULL)
		return NULL;
	if (v == NULL)
		cli_main_usage(f);
	else
		v->usage(f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static int
is_placeholder(const char *w)
{
	return isupper((unsigned char)w[0]) != 0;
}

/* The next word of *p, split at blanks and the marks of a usage line. */
static int
next_word(const char **p, char w[MAX_WORD])
{
	const char *s = *p;
	size_t n = 0;

	while (*s != '\0' && strchr(" \t[]|<>()", *s) != NULL)
		s++;
	if (*s == '\0')
		return 0;
	while (*s != '\0' && strchr(" \t[]|<>()", *s) == NULL) {
		if (n + 1 < MAX_WORD)
			w[n++] = *s;
		s++;
	}
	while (n > 1 && w[n - 1] == '.')	/* "UID..." */
		n--;
	w[n] = '\0';
	*p = s;
	return 1;
}

static struct opt *
find_opt(struct spec *sp, const char *name)
{
	size_t i;

	for (i = 0; i < sp->n_opts; i++)
		if (strcmp(sp->opts[i].name, name) == 0)
			return &sp->opts[i];
	return NULL;
}

/*
 * Add option word ("--config", "-c,", "--keyring[=PROFILE]"), or complete
 * what is known of it: its placeholder (arg) and description.
 */
static void
add_opt(struct spec *sp, const char *word, const char *arg, const char *desc)
{
	char name[MAX_WORD];
	struct opt *o;
	size_t n = strcspn(word, "=[,");

	if (n < 2 || n >= MAX_WORD || word[0] != '-' ||
	    !isalpha((unsigned char)word[word[1] == '-' ? 2 : 1]))
		return;
	memcpy(name, word, n);
	name[n] = '\0';
	if ((o = find_opt(sp, name)) == NULL) {
		if (sp->n_opts == MAX_SPEC)
			return;
		o = &sp->opts[sp->n_opts++];
		memcpy(o->name, name, n + 1);
	}
	/* "--keyring[=PROFILE]": an optional value, never a separate word */
	if (arg != NULL && o->arg[0] == '\0' && word[n] != '[')
		(void)snprintf(o->arg, sizeof(o->arg), "%s", arg);
	if (desc != NULL && o->desc[0] == '\0')
		(void)snprintf(o->desc, sizeof(o->desc), "%s", desc);
}

static int
has_sub(const struct spec *sp, const char *w)
{
	size_t i;

	for (i = 0; i < sp->n_subs; i++)
		if (strcmp(sp->subs[i], w) == 0)
			return 1;
	return 0;
}

/*
 * A usage line: "PROG VERB [SUB] [--opt ARG] OPERAND...".  sub: the
 * sub-command its options belong to ("" for all).
 */
static void
parse_usage_line(struct spec *sp, const char *line, const char *verb,
    const char *sub)
{
	char w[MAX_WORD], prev[MAX_WORD] = "";
	int k = 0, own = sub[0] == '\0';

	while (next_word(&line, w)) {
		k++;
		if (k == 1 && strcmp(w, PROGNAME) == 0)
			continue;
		if (k == 2 && verb != NULL && strcmp(w, verb) == 0)
			continue;
		if (k == 3 && verb != NULL && islower((unsigned char)w[0])) {
			own = own || strcmp(w, sub) == 0;
			if (sp->n_subs < MAX_SPEC && !has_sub(sp, w))
				memcpy(sp->subs[sp->n_subs++], w, MAX_WORD);
			continue;
		}
		if (!own)
			continue;
		if (w[0] == '-' && w[1] != '\0' && strcmp(w, "--") != 0)
			add_opt(sp, w, NULL, NULL);
		else if (is_placeholder(w) && prev[0] == '-' &&
		    find_opt(sp, prev) != NULL && strchr(prev, '=') == NULL)
			add_opt(sp, prev, w, NULL);
		else if (is_placeholder(w) && sp->operand[0] == '\0' &&
		    verb != NULL)
			memcpy(sp->operand, w, MAX_WORD);
		memcpy(prev, w, MAX_WORD);
	}
}

/* "  -c, --config FILE  configuration file": one option list line. */
static void
parse_option_line(struct spec *sp, const char *line)
{
	char head[256], w[MAX_WORD], names[2][MAX_WORD];
	const char *desc, *p;
	size_t n = 0, i;

	while (*line == ' ' || *line == '\t')
		line++;
	desc = strstr(line, "  ");
	(void)snprintf(head, sizeof(head), "%.*s", desc != NULL ?
	    (int)(desc - line) : (int)strlen(line), line);
	if (desc != NULL)
		while (*desc == ' ')
			desc++;
	p = head;
	w[0] = '\0';
	while (next_word(&p, w) && w[0] == '-' && n < 2) {
		w[strcspn(w, ",")] = '\0';
		memcpy(names[n++], w, MAX_WORD);
		w[0] = '\0';
	}
	for (i = 0; i < n; i++)
		add_opt(sp, names[i], is_placeholder(w) ? w : NULL,
		    desc != NULL && *desc != '\0' ? desc : NULL);
}

/*
 * What the usage text of verb v (NULL: main) says, for sub (or ""): the
 * usage lines (from "usage:" to the first blank line), then the option
 * list (lines that start with blanks and '-').
 */
static void
spec_of(struct spec *sp, const struct cli_verb *v, const char *sub)
{
	char *text = usage_text(v), *line, *nl;
	int in_usage = 0;

	memset(sp, 0, sizeof(*sp));
	if (text == NULL)
		return;
	for (line = text; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line) - 1;
		else
			*nl = '\0';
		if (strncmp(line, "usage:", 6) == 0) {
			in_usage = 1;
			line += 6;
		} else if (line[0] == '\0') {
			in_usage = 0;
		}
		if (in_usage)
			parse_usage_line(sp, line, v != NULL ? v->name : NULL,
			    sub);
		else if (line[0] == ' ' && line[strspn(line, " ")] == '-')
			parse_option_line(sp, line);
	}
	free(text);
}

static const struct cli_verb *
verb_named(const char *name)
{
	const struct cli_verb *vs;
	size_t n, i;

	vs = cli_verbs(&n);
	for (i = 0; i < n; i++)
		if (vs[i].usage != NULL && strcmp(vs[i].name, name) == 0)
			return &vs[i];
	return NULL;
}

static void
candidate(const char *cur, const char *word, const char *desc)
{
	if (strncmp(word, cur, strlen(cur)) != 0)
		return;
	if (desc != NULL && desc[0] != '\0')
		printf("%s\t%s\n", word, desc);
	else
		printf("%s\n", word);
}

static void
complete_profiles(const char *cur)
{
	char **names = NULL;
	size_t n = 0, i;

	candidate(cur, KSM_PROFILE_DEFAULT, NULL);
	if (cli_profile_names(&names, &n) != 0)
		return;
	for (i = 0; i < n; i++)
		candidate(cur, names[i], NULL);
	cli_names_free(names, n);
}

/*
 * Record UIDs from the cache only: "UID<TAB>title" for a UID that starts
 * with cur, or a title that does (case-insensitive); "keeper://UID/" after
 * "keeper://".
 */
static void
complete_records(const char *cur, const char *config)
{
	ksm_client_options o = KSM_CLIENT_OPTIONS_INIT;
	ksm_client *client = NULL;
	ksm_records *recs = NULL;
	const ksm_record *rec;
	const char *uid, *title, *want = cur;
	size_t i, n, len;
	int notation = strncmp(cur, "keeper://", 9) == 0;

	o.config_path = config;
	o.flags = KSM_CLIENT_CACHE_ONLY;
	/* nor a resident keeper-agent, which may itself ask Keeper */
	(void)setenv("KSM_AGENT", "0", 1);
	if (ksm_client_new(&client, &o) != 0 ||
	    ksm_client_get_records(&recs, client, NULL, 0) != 0)
		goto out;
	if (notation)
		want = cur + 9;
	len = strlen(want);
	n = ksm_records_count(recs);
	for (i = 0; i < n; i++) {
		rec = ksm_records_at(recs, i);
		uid = ksm_record_uid(rec);
		title = ksm_record_title(rec);
		if (strncmp(uid, want, len) != 0 &&
		    (notation || len == 0 || strncasecmp(title, want, len) != 0))
			continue;
		if (notation)
			printf("keeper://%s/\t%s\n", uid, title);
		else
			printf("%s\t%s\n", uid, title);
	}
 out:
	ksm_records_free(recs);
	ksm_client_free(client);
}

/* Candidates for an option's argument or an operand, by placeholder. */
static void
complete_kind(const char *kind, const char *cur, const char *config)
{
	if (strcmp(kind, "FILE") == 0)
		printf(":file\n");
	else if (strcmp(kind, "COMMAND") == 0)
		printf(":command\n");
	else if (strcmp(kind, "NAME") == 0)
		complete_profiles(cur);
	else if (strcmp(kind, "UID") == 0 || strcmp(kind, "NOTATION") == 0)
		complete_records(cur, config);
}

static void
complete_opts(const struct spec *sp, const char *cur)
{
	size_t i;

	for (i = 0; i < sp->n_opts; i++)
		candidate(cur, sp->opts[i].name, sp->opts[i].desc);
}

int
cmd_complete(struct cli *cli, int argc, char **argv)
{
	struct spec sp;
	const struct cli_verb *verb = NULL, *vs;
	const struct opt *o;
	const char *cur, *sub = "", *pending = NULL, *config = cli->config_path;
	char profile[KSM_PROFILE_PATH_MAX], name[MAX_WORD];
	size_t n, i;
	int a, dashdash = 0;

	if (argc < 2)
		return CLI_EXIT_OK;
	cur = argv[argc - 1];
	spec_of(&sp, NULL, "");
	/* walk the words before cur the way main() and the verb parse them */
	for (a = 1; a < argc - 1; a++) {
		const char *w = argv[a];

		pending = NULL;
		if (dashdash || w[0] != '-' || w[1] == '\0') {
			if (dashdash) {
				continue;
			} else if (verb == NULL) {
				if ((verb = verb_named(w)) == NULL)
					return CLI_EXIT_OK;
				spec_of(&sp, verb, "");
			} else if (sp.n_subs > 0 && sub[0] == '\0' &&
			    has_sub(&sp, w)) {
				sub = w;
				spec_of(&sp, verb, sub);
			}
			continue;
		}
		if (strcmp(w, "--") == 0) {
			dashdash = 1;
			continue;
		}
		(void)snprintf(name, sizeof(name), "%.*s",
		    (int)strcspn(w, "="), w);
		if ((o = find_opt(&sp, name)) == NULL || o->arg[0] == '\0' ||
		    strchr(w, '=') != NULL)
			continue;
		if (a + 1 == argc - 1) {
			pending = o->arg;	/* cur is this option's value */
			break;
		}
		a++;
		if (strcmp(o->name, "--config") == 0 || strcmp(o->name, "-c") == 0)
			config = argv[a];
		else if (strcmp(o->name, "--profile") == 0 &&
		    ksm_config__profile_arg(profile, argv[a]) == 0)
			config = profile;
	}
	ksm_error_clear();
	if (pending != NULL) {
		complete_kind(pending, cur, config);
	} else if (cur[0] == '-' && !dashdash) {
		complete_opts(&sp, cur);
	} else if (verb == NULL) {
		vs = cli_verbs(&n);
		for (i = 0; i < n; i++)
			if (vs[i].summary != NULL)
				candidate(cur, vs[i].name, vs[i].summary);
	} else if (sp.n_subs > 0 && sub[0] == '\0') {
		for (i = 0; i < sp.n_subs; i++)
			candidate(cur, sp.subs[i], NULL);
	} else if (sp.operand[0] != '\0') {
		complete_kind(sp.operand, cur, config);
	}
	fflush(stdout);
	return CLI_EXIT_OK;
}
