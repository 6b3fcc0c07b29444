#include "config.h"

/* keeper-agent's options (agent-opts.h). */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "cache.h"
#include "client-int.h"
#include "agent-opts.h"
#include "secrets-templates.h"

void
agent_usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [-D | -d] [-c | -s] [-a SOCKET]\n"
	    "           [--config FILE | --profile NAME]\n"
	    "           [--secrets-socket PATH] [--log FILE] [--refresh SECONDS]\n"
	    "           [--max-age SECONDS] [--throttle-pause SECONDS]\n"
	    "           [--throttle-burst N] [--record UID]... [--folder UID]...\n"
	    "           [--known-hosts FILE]... [--confirm] [--confirm-timeout N]\n"
	    "           [--lifetime N] [--templates FILE]\n"
	    "       " PROG " -k\n"
	    "       " PROG " --status [--secrets-socket PATH]\n"
	    "The per-user Keeper session: an SSH agent serving the SSH keys "
	    "(sshKeys\nrecords) shared with a KSM application, and the "
	    "answers of every libksm\nhelper (keeper-secret, git-credential-"
	    "keeper, ...) from memory.\n"
	    "  -a SOCKET    SSH agent socket (default "
	    "$XDG_RUNTIME_DIR/keeper-agent.sock)\n"
	    "  --secrets-socket PATH  the helpers' socket (default\n"
	    "               $XDG_RUNTIME_DIR/keeper/agent.sock; none: off)\n"
	    "  -D           stay in the foreground, log to stderr\n"
	    "  -d           like -D, and say more\n"
	    "  -k           stop the agent named by $SSH_AGENT_PID\n"
	    "  --status     ask the running agent (at --secrets-socket,\n"
	    "               $KSM_AGENT_SOCK or the default) how it is; exit 1\n"
	    "               when none answers\n"
	    "  -c, -s       print csh / sh commands (default sh)\n"
	    "  --config FILE  the KSM config (default as keeper-secret)\n"
	    "  --profile NAME  the KSM config of this keeper-secret profile\n"
	    "  --log DEST   a line per answer and per signature to a file,\n"
	    "               syslog (the default) or - (stderr; the default\n"
	    "               with -D)\n"
	    "  --refresh N  answers are fresh for N seconds and refreshed\n"
	    "               while in use (default 60; 0: only on SIGHUP)\n"
	    "  --max-age N  serve answers up to N seconds old while Keeper\n"
	    "               fails (default $KSM_CACHE_MAX_AGE or 3600)\n"
	    "  --throttle-pause N  the silence that resets Keeper's throttle\n"
	    "               count (default 10)\n"
	    "  --throttle-burst N  calls made before such a pause (default 50)\n"
	    "  --record UID serve only these SSH key records (repeatable)\n"
	    "  --folder UID serve only SSH keys in these folders (repeatable)\n"
	    "  --known-hosts FILE  host keys for the records' host fields\n"
	    "               (repeatable; default ~/.ssh/known_hosts and\n"
	    "               /etc/ssh/ssh_known_hosts)\n"
	    "  --confirm    ask through SSH_ASKPASS before every signature\n"
	    "  --confirm-timeout N  no answer in N s: refused (60)\n"
	    "  --lifetime N drop the keys N seconds after start or SIGHUP\n"
	    "  --templates FILE  files rendered from the records, kept current\n"
	    "               (default $XDG_CONFIG_HOME/" TEMPLATES_DEFAULT "\n"
	    "               when it exists; none: off)\n");
}

enum { OPT_CONFIG = 256, OPT_TEMPLATES, OPT_RECORD, OPT_FOLDER,
	OPT_REFRESH, OPT_KNOWN,
	OPT_SECRETS, OPT_LOG, OPT_MAX_AGE, OPT_PAUSE, OPT_BURST, OPT_CONFIRM,
	OPT_CONFIRM_TIMEOUT, OPT_LIFETIME, OPT_PROFILE, OPT_STATUS };

/* A number of seconds (or a count) within [lo, hi]: 0, or -1. */
static int
number(const char *opt, const char *s, unsigned long lo, unsigned long hi,
    unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo ||
	    v > hi) {
		fprintf(stderr, PROG ": %s wants a number from %lu to %lu, "
		    "not '%s'\n", opt, lo, hi, s);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

static int
add_filter(const char **list, size_t *n, const char *v)
{
	if (*n == SSH_SIDE_MAX_FILTERS)
		return -1;
	list[(*n)++] = v;
	return 0;
}

int
agent_opts_parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "config",	required_argument, NULL, OPT_CONFIG },
		{ "templates",	required_argument, NULL, OPT_TEMPLATES },
		{ "record",	required_argument, NULL, OPT_RECORD },
		{ "folder",	required_argument, NULL, OPT_FOLDER },
		{ "refresh",	required_argument, NULL, OPT_REFRESH },
		{ "known-hosts", required_argument, NULL, OPT_KNOWN },
		{ "secrets-socket", required_argument, NULL, OPT_SECRETS },
		{ "log",	required_argument, NULL, OPT_LOG },
		{ "max-age",	required_argument, NULL, OPT_MAX_AGE },
		{ "throttle-pause", required_argument, NULL, OPT_PAUSE },
		{ "throttle-burst", required_argument, NULL, OPT_BURST },
		{ "confirm",	no_argument, NULL, OPT_CONFIRM },
		{ "confirm-timeout", required_argument, NULL,
		    OPT_CONFIRM_TIMEOUT },
		{ "lifetime",	required_argument, NULL, OPT_LIFETIME },
		{ "profile",	required_argument, NULL, OPT_PROFILE },
		{ "status",	no_argument, NULL, OPT_STATUS },
		{ "help",	no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static char profile[KSM_PROFILE_PATH_MAX];
	unsigned int v;
	int c;

	while ((c = getopt_long(argc, argv, "a:cDdhks", lo, NULL)) != -1) {
		switch (c) {
		case 'a':	o->sock = optarg; break;
		case 'c':	o->csh = 1; break;
		case 's':	o->csh = 0; break;
		case 'D':	o->foreground = 1; break;
		case 'd':	o->foreground = 1; o->verbose = 1; break;
		case 'k':	o->kill = 1; break;
		case OPT_STATUS: o->status = 1; break;
		case OPT_TEMPLATES: o->templates = optarg; break;
		case OPT_CONFIG: o->config = optarg; break;
		case OPT_SECRETS: o->secrets_sock = optarg; break;
		case OPT_LOG:	o->log = optarg; break;
		case OPT_PROFILE:	/* --config profile:NAME */
			if (ksm_config__profile_arg(profile, optarg) != 0) {
				fprintf(stderr, PROG ": %s\n",
				    ksm_error_last()->message);
				return -1;
			}
			o->config = profile;
			break;
		case OPT_RECORD:
			if (add_filter(o->ssh.records, &o->ssh.n_records,
			    optarg) != 0)
				return -1;
			break;
		case OPT_FOLDER:
			if (add_filter(o->ssh.folders, &o->ssh.n_folders,
			    optarg) != 0)
				return -1;
			break;
		case OPT_KNOWN:
			if (add_filter(o->ssh.known, &o->ssh.n_known,
			    optarg) != 0)
				return -1;
			break;
		case OPT_REFRESH:
			if (number("--refresh", optarg, 0, 86400, &v) != 0)
				return -1;
			o->sess.refresh_ms = v * 1000;
			break;
		case OPT_MAX_AGE:
			if (number("--max-age", optarg, 0, 2592000, &v) != 0)
				return -1;
			o->sess.max_age_ms = v * 1000;
			break;
		case OPT_PAUSE:
			if (number("--throttle-pause", optarg, 1, 3600,
			    &v) != 0)
				return -1;
			o->sess.pause_ms = v * 1000;
			break;
		case OPT_BURST:
			if (number("--throttle-burst", optarg, 1, 200,
			    &o->sess.burst) != 0)
				return -1;
			break;
		case OPT_CONFIRM:	o->ssh.confirm = 1; break;
		case OPT_CONFIRM_TIMEOUT:
			if (number("--confirm-timeout", optarg, 1, 31622400,
			    &o->ssh.confirm_timeout) != 0)
				return -1;
			break;
		case OPT_LIFETIME:
			if (number("--lifetime", optarg, 1, 31622400,
			    &o->ssh.lifetime) != 0)
				return -1;
			break;
		case 'h':	agent_usage(stdout); exit(0);
		default:	return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* Defaults that depend on the environment; paths live in bufs. */
int
agent_opts_defaults(struct opts *o, char *ssh_path, char *sec_path, char *user_kh,
    size_t n)
{
	const char *rt = getenv("XDG_RUNTIME_DIR"), *home = getenv("HOME");
	unsigned int ttl;

	if (o->ssh.n_known == 0) {
		if (home != NULL && home[0] == '/') {
			snprintf(user_kh, n, "%s/.ssh/known_hosts", home);
			o->ssh.known[o->ssh.n_known++] = user_kh;
		}
		o->ssh.known[o->ssh.n_known++] = "/etc/ssh/ssh_known_hosts";
	}
	if (o->sock == NULL) {
		if (rt == NULL || rt[0] != '/') {
			fprintf(stderr, PROG ": XDG_RUNTIME_DIR is not set; "
			    "use -a SOCKET\n");
			return -1;
		}
		snprintf(ssh_path, n, "%s/keeper-agent.sock", rt);
		o->sock = ssh_path;
	}
	/* no runtime directory and no path: an SSH agent only */
	if (o->secrets_sock == NULL &&
	    ksm_agent__socket_path(sec_path, n) == 0)
		o->secrets_sock = sec_path;
	if (o->secrets_sock != NULL && strcmp(o->secrets_sock, "none") == 0)
		o->secrets_sock = NULL;
	o->sess.config = o->config;
	if (o->sess.max_age_ms == 0)
		ksm_cache__settings(&ttl, &o->sess.max_age_ms);
	if (o->sess.pause_ms == 0)
		o->sess.pause_ms = SESSION_PAUSE_MS;
	if (o->sess.burst == 0)
		o->sess.burst = SESSION_BURST;
	return 0;
}
