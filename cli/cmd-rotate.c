/*
 * keeper-secret rotate: change a secret in Keeper and somewhere else
 * together.  The new value is staged in Keeper (update_secret with a
 * rotation transaction: Keeper keeps serving the old value), COMMAND runs
 * with it in its environment (to change the database password, ...),
 * then the update is committed when COMMAND succeeded and rolled back
 * when it failed.  From the moment the value is staged until the
 * transaction is completed it is also kept in a file (0600), so that
 * whatever fails, the value that may be in use is never lost.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ksm-int.h"	/* ksm_io__write_all */

void
cmd_rotate_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s rotate [--generate[=LENGTH] ...] [--config FILE]\n"
	    "              [--] NOTATION [-- COMMAND [ARG...]]\n"
	    "       %s rotate --commit|--rollback [--config FILE] [--]\n"
	    "              UID|NOTATION\n"
	    "\n"
	    "Rotate the value NOTATION selects: stage the new value in a\n"
	    "rotation transaction (Keeper still serves the old one), run\n"
	    "COMMAND with KSM_NEW_VALUE (and KSM_OLD_VALUE, KSM_RECORD_UID)\n"
	    "in its environment, then commit the new value when COMMAND\n"
	    "exits 0 and roll it back when it fails.  Without COMMAND the\n"
	    "value is committed at once.  The new value comes from standard\n"
	    "input or --generate.  Until the transaction is completed it\n"
	    "is also kept, mode 0600, in\n"
	    "$XDG_STATE_HOME/keeper/rotations (~/.local/state/...); when a\n"
	    "commit or rollback fails the message names that file.\n"
	    "\n", PROGNAME, PROGNAME);
	cli_password_usage(out);
	fprintf(out,
	    "      --commit       commit a staged rotation of the record\n"
	    "      --rollback     roll a staged rotation of the record back\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n"
	    "\n"
	    "Exit status: 0 committed; 1 COMMAND failed and the rotation was\n"
	    "rolled back; 10 + n when libksm error -n left the rotation\n"
	    "unfinished (see the message).\n");
}

/* ---- the recovery file ---- */

/* mkdir -p of path with mode 0700 for what is created. */
static int
make_dirs(char *path)
{
	char *p, c;

	for (p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = c;
		if (c == '\0')
			return 0;
	}
}

/*
 * Keep value in a new 0600 file under the state directory; *path_out is
 * malloc'd.  0 or an exit status (the message printed).
 */
static int
keep_value(char **path_out, const char *uid, const char *value)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[4096], stamp[32], *path = NULL;
	struct tm tm;
	time_t now = time(NULL);
	size_t n;
	int fd, e;

	*path_out = NULL;
	if (state != NULL && state[0] == '/')
		n = (size_t)snprintf(dir, sizeof(dir), "%s/keeper/rotations",
		    state);
	else if (home != NULL && home[0] == '/')
		n = (size_t)snprintf(dir, sizeof(dir),
		    "%s/.local/state/keeper/rotations", home);
	else
		return cli_fail("cannot keep the new value: neither "
		    "XDG_STATE_HOME nor HOME is an absolute path");
	if (n >= sizeof(dir) || make_dirs(dir) != 0)
		return cli_fail("cannot keep the new value: cannot create "
		    "'%s': %s", dir, n >= sizeof(dir) ? "path too long" :
		    strerror(errno));
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	n = strlen(dir) + strlen(uid) + strlen(stamp) + 48;
	if ((path = malloc(n)) == NULL)
		return cli_fail("out of memory");
	(void)snprintf(path, n, "%s/%s-%s-%ld.value", dir, uid, stamp,
	    (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0 || ksm_io__write_all(fd, value, strlen(value)) != 0 ||
	    ksm_io__write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
		e = errno;
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		fprintf(stderr, "%s: cannot keep the new value in '%s': %s\n",
		    PROGNAME, path, strerror(e));
		free(path);
		return CLI_EXIT_FAIL;
	}
	close(fd);
	*path_out = path;
	return 0;
}

/* The transaction is complete: the kept value is no longer needed. */
static void
forget_value(char *path)
{
	int fd;

	if (path == NULL)
		return;
	/* empty it first: another link or open descriptor then reads nothing */
	if ((fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW)) >= 0)
		close(fd);
	unlink(path);
	free(path);
}

/* ---- the command ---- */

/* Run argv with the values in its environment: its wait status. */
static int
run(char **argv, const char *uid, const char *new_value,
    const char *old_value, int *status)
{
	struct sigaction ign, old_int, old_quit;
	pid_t pid;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	/* like system(3): ^C stops COMMAND, and we live to roll back */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	fflush(NULL);
	if ((pid = fork()) < 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		return cli_fail("cannot run '%s': %s", argv[0],
		    strerror(errno));
	}
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		if (setenv("KSM_NEW_VALUE", new_value, 1) != 0 ||
		    setenv("KSM_RECORD_UID", uid, 1) != 0 ||
		    (old_value != NULL ? setenv("KSM_OLD_VALUE", old_value,
		    1) : unsetenv("KSM_OLD_VALUE")) != 0)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: cannot run '%s': %s\n", PROGNAME,
		    argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR) {
			*status = 127 << 8;
			break;
		}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return 0;
}

static void
describe(char *out, size_t n, int status)
{
	if (WIFEXITED(status))
		(void)snprintf(out, n, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		(void)snprintf(out, n, "signal %d", WTERMSIG(status));
	else
		(void)snprintf(out, n, "status %d", status);
}

/* The old value when the notation selects exactly one; else NULL. */
static int
old_value(char **out, ksm_client *client, const char *notation)
{
	char **values = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	if ((r = ksm_notation_results(&values, &n, client, notation)) != 0 &&
	    r != KSM_ENOTFOUND)
		return r;
	if (r == 0 && n == 1) {
		*out = values[0];
		values[0] = NULL;
	}
	ksm_strings_free(values, n);
	return 0;
}

/* --commit / --rollback of a staged update. */
static int
complete(struct cli *cli, const char *config, const char *arg, int rollback)
{
	ksm_client *client = NULL;
	char uid[KSM_UID_BUF];
	int r;

	if ((r = cli_client_open(&client, cli, config)) != 0 ||
	    (r = cli_record_uid(uid, client, arg)) != 0)
		goto out;
	if ((r = ksm_client_complete_transaction(client, uid,
	    rollback)) != 0)
		r = cli_ksm_fail(r);
out:
	ksm_client_free(client);
	return r;
}

/* The staged rotation of uid, once COMMAND ran (status) or not (cmd NULL). */
static int
finish(ksm_client *client, const char *uid, const char *notation,
    char **cmd, int status, char **kept)
{
	char how[32];
	int r;

	if (cmd == NULL || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		if ((r = ksm_client_complete_transaction(client, uid, 0)) == 0) {
			forget_value(*kept);
			*kept = NULL;
			return CLI_EXIT_OK;
		}
		cli_ksm_fail(r);
		fprintf(stderr, "%s: %s, but it was not committed in Keeper: "
		    "it is kept in '%s' (mode 0600)\n"
		    "hint: when Keeper is reachable: %s rotate --commit %s "
		    "(or: %s set '%s' < '%s')\n", PROGNAME, cmd != NULL ?
		    "COMMAND succeeded and the new value is in use" :
		    "the new value was staged", *kept, PROGNAME, uid, PROGNAME,
		    notation, *kept);
		return CLI_EXIT_KSM_BASE - r;
	}
	describe(how, sizeof(how), status);
	if ((r = ksm_client_complete_transaction(client, uid, 1)) == 0) {
		forget_value(*kept);
		*kept = NULL;
		return cli_fail("'%s' failed (%s); the rotation was rolled "
		    "back: Keeper keeps the old value", cmd[0], how);
	}
	cli_ksm_fail(r);
	fprintf(stderr, "%s: '%s' failed (%s) and the rotation could not be "
	    "rolled back: the new value stays staged (Keeper serves the old "
	    "one); it is kept in '%s' (mode 0600)\n"
	    "hint: when Keeper is reachable: %s rotate --rollback %s\n",
	    PROGNAME, cmd[0], how, *kept, PROGNAME, uid);
	return CLI_EXIT_KSM_BASE - r;
}

int
cmd_rotate(struct cli *cli, int argc, char **argv)
{
	enum { OPT_COMMIT = 0x200, OPT_ROLLBACK };
	static const struct option longopts[] = {
		{ "commit",	no_argument,		NULL, OPT_COMMIT },
		{ "rollback",	no_argument,		NULL, OPT_ROLLBACK },
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		CLI_PASSWORD_LONGOPTS,
		{ NULL,		0,			NULL, 0 }
	};
	ksm_update_options uo = KSM_UPDATE_OPTIONS_INIT;
	struct cli_opt st = CLI_OPT_INIT("rotate");
	struct cli_password pw = CLI_PASSWORD_INIT;
	ksm_client *client = NULL;
	const char *config = NULL, *notation;
	char uid[KSM_UID_BUF], *value = NULL, *old = NULL, *kept = NULL;
	char **cmd = NULL;
	int c, r, status = 0, commit = 0, rollback = 0;

	while ((c = cli_getopt(&st, argc, argv, "+:g::c:h", longopts)) != -1) {
		if (CLI_IS_PASSWORD_OPT(c)) {
			if ((r = cli_password_option(&pw, "rotate", c,
			    optarg)) != 0)
				return r;
			continue;
		}
		switch (c) {
		case OPT_COMMIT:
			commit = 1;
			break;
		case OPT_ROLLBACK:
			rollback = 1;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			cmd_rotate_usage(stdout);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if ((r = cli_password_check(&pw, "rotate")) != 0)
		return r;
	if (optind >= argc)
		return cli_usage_error("rotate", "no notation given");
	notation = argv[optind];
	if (commit || rollback) {
		if (commit && rollback)
			return cli_usage_error("rotate", "--commit or "
			    "--rollback, not both");
		if (pw.generate || optind + 1 != argc)
			return cli_usage_error("rotate", "--%s takes one record "
			    "and nothing else", commit ? "commit" : "rollback");
		return complete(cli, config, notation, rollback);
	}
	if (!cli_is_notation(notation))
		return cli_usage_error("rotate", "'%s' is not a notation "
		    "(keeper://UID/field/password)", notation);
	if (optind + 1 < argc) {
		if (strcmp(argv[optind + 1], "--") != 0 ||
		    optind + 2 >= argc)
			return cli_usage_error("rotate", "the command goes "
			    "after '--': rotate NOTATION -- COMMAND [ARG...]");
		cmd = argv + optind + 2;
	}
	if ((r = cli_client_open(&client, cli, config)) != 0)
		goto out;
	if ((r = cli_new_value(&value, &pw)) != 0)
		goto out;
	if ((r = old_value(&old, client, notation)) != 0) {
		r = cli_ksm_fail(r);
		goto out;
	}
	uo.transaction = KSM_TRANSACTION_ROTATION;
	if ((r = ksm_notation_set(uid, client, notation, value, 0,
	    &uo)) != 0) {
		r = cli_ksm_fail(r);	/* nothing was staged */
		goto out;
	}
	if ((r = keep_value(&kept, uid, value)) != 0) {
		if (ksm_client_complete_transaction(client, uid, 1) == 0)
			fprintf(stderr, "%s: the rotation was rolled back\n",
			    PROGNAME);
		else
			fprintf(stderr, "%s: the rotation stays staged; roll "
			    "it back with: %s rotate --rollback %s\n",
			    PROGNAME, PROGNAME, uid);
		goto out;
	}
	if (cmd != NULL && (r = run(cmd, uid, value, old, &status)) != 0)
		status = 127 << 8;	/* never started: roll back */
	r = finish(client, uid, notation, cmd, status, &kept);
out:
	free(kept);		/* still there: the message names it */
	ksm_secret_free(value);
	ksm_secret_free(old);
	ksm_client_free(client);
	return r;
}
