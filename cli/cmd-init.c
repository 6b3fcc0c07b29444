/*
 * keeper-secret init: bind this machine to a KSM application with a
 * one-time token and write the configuration (mode 0600).
 *
 * The token is a secret: a token in argv is visible to every local user
 * in ps(1) and /proc, so "--token -" (stdin) and $KSM_TOKEN are preferred.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "util/wipe.h"
#include "cli.h"

#define TOKEN_MAX	1024	/* bytes; real tokens are under 300 */

void
cmd_init_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s init [--token TOKEN|-] [--host HOST[:PORT]]\n"
	    "                      [--server-key ID:KEY] [--ca-file FILE]\n"
	    "                      [--config FILE | --keyring[=PROFILE]]\n"
	    "\n"
	    "Bind this machine to a Keeper Secrets Manager application with a\n"
	    "one-time token ([REGION:]KEY, e.g. US:XXXX) and write the\n"
	    "configuration with mode 0600.\n"
	    "\n"
	    "  -t, --token TOKEN  the one-time token; '-' reads it from stdin\n"
	    "                     (default: $KSM_TOKEN, else stdin).  A token\n"
	    "                     given in the arguments is visible to other\n"
	    "                     users in ps(1): prefer stdin or $KSM_TOKEN\n"
	    "      --host HOST    server host[:port] (default: from the token's\n"
	    "                     region prefix)\n"
	    "      --server-key ID:KEY\n"
	    "                     server public key id and url-base64 key, for a\n"
	    "                     private or test server\n"
	    "      --ca-file FILE CA bundle to verify the server's certificate\n"
	    "  -c, --config FILE  where to write the configuration (default:\n"
	    "                     ~/.config/keeper/ksm-config.json)\n"
	    "      --keyring[=PROFILE]\n"
	    "                     store the configuration in the desktop keyring\n"
	    "                     (Secret Service; profile 'default') instead of\n"
	    "                     a file; read it back with KSM_CONFIG_KEYRING=1\n"
	    "                     or --config keyring:PROFILE.  No keyring is an\n"
	    "                     error, never a quiet switch to a file\n"
	    "  -h, --help         show this help\n", PROGNAME);
}

/*
 * --profile NAME init (or profile init NAME): the configuration goes to
 * profile NAME, so --config is refused; with --keyring the profile is kept
 * in the keyring entry of the same name.
 */
static int
profile_target(const struct cli *cli, const char *config, char **kr_path)
{
	if (config != NULL)
		return cli_usage_error("init", "--config and the profile both "
		    "say where the configuration goes: give one");
	if (*kr_path == NULL)
		return 0;
	if ((*kr_path)[8] != '\0' && strcmp(*kr_path + 8, cli->profile) != 0)
		return cli_usage_error("init", "profile '%s' goes to the "
		    "keyring entry of the same name: use --keyring alone",
		    cli->profile);
	free(*kr_path);
	if ((*kr_path = malloc(strlen(cli->profile) + sizeof("keyring:"))) ==
	    NULL)
		return cli_fail("out of memory");
	strcpy(*kr_path, "keyring:");
	strcat(*kr_path, cli->profile);
	return 0;
}

/* The marker saying profile name is in the keyring; *made: by us. */
static int
mark_keyring(const char *name, int *made)
{
	char *where = NULL;
	int r, present = 0;

	*made = 0;
	r = ksm_profile__path(&where, name, &present);
	free(where);
	if (r == 0 && (r = ksm_profile__set_keyring(name, 1)) == 0)
		*made = !present;
	return r != 0 ? cli_ksm_fail(r) : 0;
}

/*
 * Read one line from fd into buf (NUL-terminated, trailing white space
 * removed).  With a terminal, echo is off while the token is typed.
 */
static int
read_token(char *buf, size_t size, int fd)
{
	struct termios old, quiet;
	size_t len = 0;
	ssize_t n;
	int tty = isatty(fd), restore = 0, r = 0;
	char ch;

	if (tty && tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
		fprintf(stderr, "one-time token: ");
		fflush(stderr);
	}
	for (;;) {
		n = read(fd, &ch, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = cli_fail("cannot read the token from standard "
			    "input: %s", strerror(errno));
			goto out;
		}
		if (n == 0 || ch == '\n')
			break;
		if (len + 1 >= size || ch == '\0') {
			r = cli_fail("the token on standard input is not one "
			    "line of text under %u bytes", (unsigned)size);
			goto out;
		}
		buf[len++] = ch;
	}
	while (len > 0 && strchr(" \t\r", buf[len - 1]) != NULL)
		len--;
	buf[len] = '\0';
	if (len == 0)
		r = cli_usage_error("init", "no one-time token on standard "
		    "input");
 out:
	ksmx_wipe(&ch, sizeof(ch));
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	return r;
}

int
cmd_init(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "token",	required_argument,	NULL, 't' },
		{ "host",	required_argument,	NULL, 'H' },
		{ "server-key",	required_argument,	NULL, 'k' },
		{ "ca-file",	required_argument,	NULL, 'a' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "keyring",	optional_argument,	NULL, 'K' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT("init");
	ksm_client_options o;
	ksm_client *client = NULL;
	const char *token = NULL, *config = NULL, *host = NULL,
	    *ca_file = NULL, *server_key = NULL, *path;
	char tokbuf[TOKEN_MAX], *key_id = NULL, *colon, *kr_path = NULL;
	int c, r, marked = 0;

	while ((c = cli_getopt(&st, argc, argv, "+:t:c:h", longopts)) != -1) {
		switch (c) {
		case 't':
			token = optarg;
			break;
		case 'H':
			host = optarg;
			break;
		case 'k':
			server_key = optarg;
			break;
		case 'a':
			ca_file = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'K':	/* --keyring[=PROFILE]: "keyring:PROFILE" */
			free(kr_path);
			if ((kr_path = malloc(strlen(optarg != NULL ? optarg :
			    "") + sizeof("keyring:"))) == NULL)
				return cli_fail("out of memory");
			strcpy(kr_path, "keyring:");
			strcat(kr_path, optarg != NULL ? optarg : "");
			break;
		case 'h':
			free(kr_path);
			cmd_init_usage(stdout);
			return CLI_EXIT_OK;
		default:
			free(kr_path);
			return CLI_EXIT_USAGE;
		}
	}
	if (kr_path != NULL && config != NULL)
		r = cli_usage_error("init", "--keyring and --config both say "
		    "where the configuration goes: give one");
	else if (cli->profile != NULL && (r = profile_target(cli, config,
	    &kr_path)) != 0)
		;
	else if (optind < argc)
		r = cli_usage_error("init", "unexpected argument '%s' (the "
		    "token goes after --token, or on stdin with --token -)",
		    argv[optind]);
	else
		r = cli_options_init(&o, cli, kr_path != NULL ? kr_path :
		    config);
	if (r != 0) {
		free(kr_path);
		return r;
	}
	o.hostname = host;
	o.ca_file = ca_file;
	if (server_key != NULL) {
		colon = strchr(server_key, ':');
		if (colon == NULL || colon == server_key || colon[1] == '\0')
			return cli_usage_error("init", "--server-key wants "
			    "ID:KEY, e.g. 10:BKx...");
		if ((key_id = strdup(server_key)) == NULL)
			return cli_fail("out of memory");
		key_id[colon - server_key] = '\0';
		o.server_public_key_id = key_id;
		o.server_public_key = colon + 1;
	}
	if (token == NULL)
		token = getenv("KSM_TOKEN");
	if (token == NULL || strcmp(token, "-") == 0) {
		if ((r = read_token(tokbuf, sizeof(tokbuf), STDIN_FILENO)) != 0)
			goto out;
		token = tokbuf;
	}
	if (cli->profile != NULL && kr_path != NULL &&
	    (r = mark_keyring(cli->profile, &marked)) != 0)
		goto out;
	if ((r = ksm_client_init_token(&client, &o, token)) != 0) {
		/* no keyring (module, bus, provider): the file is the user's
		 * call, never ours */
		if (kr_path != NULL && r == KSM_EIO)
			fprintf(stderr, "hint: nothing was bound or written; "
			    "to keep the configuration in a file (mode 0600) "
			    "instead, run init again without --keyring\n");
		r = cli_ksm_fail(r);
		if (marked)	/* the profile's keyring marker is ours */
			(void)ksm_profile__set_keyring(cli->profile, 0);
		goto out;
	}
	path = ksm_client_config_path(client);
	if (kr_path != NULL)
		printf("bound; configuration stored in the keyring "
		    "(profile '%s')\n", kr_path[8] != '\0' ? kr_path + 8 :
		    "default");
	else
		printf("bound; configuration written to '%s'\n",
		    path != NULL ? path : "(memory)");
	r = CLI_EXIT_OK;
 out:
	ksmx_wipe_array(tokbuf);
	free(key_id);
	free(kr_path);
	ksm_client_free(client);
	return r;
}
