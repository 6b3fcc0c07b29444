/*
 * keeper-secret: shared declarations of the verbs.  Only the CLI decides
 * what an error means to the outside world (exit status, stderr).
 */
#ifndef KSM_CLI_H
#define KSM_CLI_H

#include <stdio.h>
#include <getopt.h>

#include "ksm/ksm.h"
#include "ksm-config.h"

#define PROGNAME	"keeper-secret"
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Exit statuses (documented in keeper-secret.1 and docs/ERRORS.md). */
#define CLI_EXIT_OK		0
#define CLI_EXIT_FAIL		1	/* local failure outside libksm */
#define CLI_EXIT_USAGE		2	/* bad command line */
#define CLI_EXIT_KSM_BASE	10	/* 10 + (-ksm_code) */

/* What the global options set; the verbs read it. */
struct cli {
	const char	*config_path;	/* --config before the verb, or NULL;
					   --profile NAME: "profile:NAME" */
	const char	*profile;	/* --profile NAME, or NULL */
	int		 verbose;	/* --verbose: say where answers came from */
};

struct cli_verb {
	const char	*name;
	int		(*run)(struct cli *cli, int argc, char **argv);
	void		(*usage)(FILE *out);	/* NULL: hidden */
	const char	*summary;		/* NULL: hidden */
};

/* keeper-secret.c: the verb table and the main usage text, for the
 * completion verb (cmd-complete.c). */
const struct cli_verb *cli_verbs(size_t *n);
void	cli_main_usage(FILE *out);

/* cmd-*.c: one verb each; argv[0] is the verb name. */
int	cmd_init(struct cli *cli, int argc, char **argv);
void	cmd_init_usage(FILE *out);
int	cmd_get(struct cli *cli, int argc, char **argv);
void	cmd_get_usage(FILE *out);
int	cmd_list(struct cli *cli, int argc, char **argv);
void	cmd_list_usage(FILE *out);
int	cmd_totp(struct cli *cli, int argc, char **argv);
void	cmd_totp_usage(FILE *out);
int	cmd_download(struct cli *cli, int argc, char **argv);
void	cmd_download_usage(FILE *out);
int	cmd_exec(struct cli *cli, int argc, char **argv);
void	cmd_exec_usage(FILE *out);
int	cmd_cache(struct cli *cli, int argc, char **argv);
void	cmd_cache_usage(FILE *out);
int	cmd_inject(struct cli *cli, int argc, char **argv);
void	cmd_inject_usage(FILE *out);
int	cmd_profile(struct cli *cli, int argc, char **argv);
void	cmd_profile_usage(FILE *out);
/* cmd-complete.c: keeper-secret __complete ARGS... CUR */
int	cmd_complete(struct cli *cli, int argc, char **argv);
/* cmd-profile.c: the names of the profiles that exist, sorted. */
int	cli_profile_names(char ***names, size_t *n);
void	cli_names_free(char **names, size_t n);
/* cmd-cache.c: --verbose reports of cached answers on stderr. */
void	cli_cache_verbose(ksm_client *client);

/* cmd-get-notation.c: get with notations (list style). */
int	cli_get_notations(struct cli *cli, const char *config,
	    char **notations, size_t n, int json);

/* notation-arg.c: operands that are keeper:// notations. */
int	cli_has_keeper_prefix(const char *s);
int	cli_is_notation(const char *s);
int	cli_read_lines(char ***out, size_t *n, FILE *in);
void	cli_lines_free(char **lines, size_t n);
/* notation-legacy.c: field/host[hostName] as field/host[][hostName]. */
int	cli_notation_strict(char **out, const char *text);

/* exitcode.c: report on stderr and return the exit status. */
int	cli_ksm_fail(int r);
int	cli_usage_error(const char *verb, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* opt.c: getopt_long for one verb, with our own error messages. */
#define CLI_OPT_ERROR	(-2)	/* message printed; exit CLI_EXIT_USAGE */
struct cli_opt {
	int		 started;
	const char	*verb;		/* for messages */
};
#define CLI_OPT_INIT(verb_)	{ 0, (verb_) }
int	cli_getopt(struct cli_opt *st, int argc, char **argv,
	    const char *shortopts, const struct option *longopts);
/* Non-zero when s has the shape of a record UID (22 url-base64 chars). */
int	cli_looks_like_uid(const char *s);
/* Refuse options written after the operands; 0 or CLI_EXIT_USAGE. */
int	cli_check_operands(const char *verb, int argc, char **argv,
	    int first);

/* client-open.c: options from the command line and the environment. */
int	cli_options_init(ksm_client_options *o, const struct cli *cli,
	    const char *config_path);
int	cli_client_open(ksm_client **out, const struct cli *cli,
	    const char *config_path);
/* 0 when name is a profile name, else a usage error (exit status). */
int	cli_profile_name_ok(const char *verb, const char *name);
/* --profile NAME: cli->config_path becomes "profile:NAME", kept in buf.
 * 0 or CLI_EXIT_USAGE. */
int	cli_profile_option(struct cli *cli, const char *name,
	    char buf[KSM_PROFILE_PATH_MAX]);

/* read-input.c: a whole file ("-": standard input) into out, bounded by
 * out->max; what names it in messages.  0 or an exit status, reported. */
struct ksmx_buf;
int	cli_read_input(struct ksmx_buf *out, const char *path,
	    const char *what);
/* How messages name path: "<stdin>" for "-". */
const char *cli_input_name(const char *path);

/* env-file.c: exec --env-file; *client is opened when first needed. */
int	cli_env_file_apply(struct cli *cli, const char *config,
	    ksm_client **client, const char *path);

/* json-out.c: write a cJSON tree without building a text copy. */
struct cJSON;
/* indent < 0: compact on one line; otherwise pretty, starting at indent. */
void	cli_json_write(FILE *out, const struct cJSON *item, int indent);
void	cli_json_write_string(FILE *out, const char *s);
/* An object with the member key: value written before its own members. */
void	cli_json_write_with(FILE *out, const char *key, const char *value,
	    const struct cJSON *obj, int indent);

#endif /* KSM_CLI_H */
