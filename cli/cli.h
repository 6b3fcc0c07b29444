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
int	cmd_set(struct cli *cli, int argc, char **argv);
void	cmd_set_usage(FILE *out);
int	cmd_create(struct cli *cli, int argc, char **argv);
void	cmd_create_usage(FILE *out);
int	cmd_rm(struct cli *cli, int argc, char **argv);
void	cmd_rm_usage(FILE *out);
int	cmd_upload(struct cli *cli, int argc, char **argv);
void	cmd_upload_usage(FILE *out);
int	cmd_folders(struct cli *cli, int argc, char **argv);
void	cmd_folders_usage(FILE *out);
int	cmd_mkdir(struct cli *cli, int argc, char **argv);
void	cmd_mkdir_usage(FILE *out);
int	cmd_rmdir(struct cli *cli, int argc, char **argv);
void	cmd_rmdir_usage(FILE *out);
int	cmd_rename_folder(struct cli *cli, int argc, char **argv);
void	cmd_rename_folder_usage(FILE *out);
int	cmd_rotate(struct cli *cli, int argc, char **argv);
void	cmd_rotate_usage(FILE *out);
/* cmd-cache.c: --verbose reports of cached answers on stderr. */
void	cli_cache_verbose(ksm_client *client);

/* cmd-get-notation.c: get with notations (list style). */
int	cli_get_notations(struct cli *cli, const char *config,
	    char **notations, size_t n, int json);

/* notation-arg.c: operands that are keeper:// notations. */
int	cli_has_keeper_prefix(const char *s);
/* keeper://... or its base64url form: a reference in exec's environment. */
int	cli_is_env_ref(const char *v);
int	cli_is_notation(const char *s);
int	cli_read_lines(char ***out, size_t *n, FILE *in);
void	cli_lines_free(char **lines, size_t n);
/* The UID of the record a UID or notation operand names: 0 or an exit status. */
int	cli_record_uid(char uid[KSM_UID_BUF], ksm_client *client,
	    const char *arg);
/* notation-legacy.c: field/host[hostName] as field/host[][hostName]. */
int	cli_notation_strict(char **out, const char *text);

/* exitcode.c: report on stderr and return the exit status. */
int	cli_ksm_fail(int r);
int	cli_usage_error(const char *verb, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * secret-input.c: secret values come from standard input (a terminal is
 * asked, echo off) or --generate, never from argv.
 */
#define CLI_MAX_VALUE	(1024u * 1024)	/* bytes of one value on stdin */
/*
 * The value on stdin (one final line break dropped; empty is refused);
 * free with ksm_secret_free().
 */
int	cli_read_secret(char **out, const char *prompt);
/* A whole file ("-": stdin), NUL-terminated; free with ksm_secret_free. */
int	cli_read_file(char **out, size_t *len, const char *path, size_t max);

struct cli_password {
	int			generate;	/* --generate given */
	ksm_password_policy	policy;
};
#define CLI_PASSWORD_INIT	{ 0, KSM_PASSWORD_POLICY_INIT }
enum {
	CLI_OPT_GENERATE = 'g',
	CLI_OPT_LOWER = 0x100,
	CLI_OPT_UPPER,
	CLI_OPT_DIGITS,
	CLI_OPT_SPECIAL,
	CLI_OPT_SPECIAL_SET
};
#define CLI_PASSWORD_LONGOPTS \
	{ "generate",	 optional_argument, NULL, CLI_OPT_GENERATE },	\
	{ "lower",	 required_argument, NULL, CLI_OPT_LOWER },	\
	{ "upper",	 required_argument, NULL, CLI_OPT_UPPER },	\
	{ "digits",	 required_argument, NULL, CLI_OPT_DIGITS },	\
	{ "special",	 required_argument, NULL, CLI_OPT_SPECIAL },	\
	{ "special-set", required_argument, NULL, CLI_OPT_SPECIAL_SET }
/* Non-zero when c is one of CLI_PASSWORD_LONGOPTS. */
#define CLI_IS_PASSWORD_OPT(c) \
	((c) == CLI_OPT_GENERATE || ((c) >= CLI_OPT_LOWER && \
	(c) <= CLI_OPT_SPECIAL_SET))
/* One of those options: 0 or an exit status. */
int	cli_password_option(struct cli_password *pw, const char *verb, int c,
	    const char *arg);
/* The policy options without --generate are a usage error. */
int	cli_password_check(const struct cli_password *pw, const char *verb);
int	cli_password_make(char **out, const struct cli_password *pw);
/* A new value: generated with --generate, else read from stdin. */
int	cli_new_value(char **out, const struct cli_password *pw);
void	cli_password_usage(FILE *out);

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
