/*
 * keeper-sandbox: command line.  serve | token | info; see keeper-sandbox.1.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm/error.h"
#include "json.h"
#include "util/b64.h"
#include "util/wipe.h"
#include "sandbox.h"

#define PROG	"keeper-sandbox"
#define EXIT_USAGE	2

static const char usage_main[] =
"usage: " PROG " <command> [options]\n"
"\n"
"A local Keeper Secrets Manager-compatible HTTPS server for tests and demos.\n"
"\n"
"commands:\n"
"  serve   run the server (reads, writes, file downloads and uploads)\n"
"  token   mint a one-time access token for an application\n"
"  info    print what a client needs: hostname, server key, CA file\n"
"\n"
"options:\n"
"  -h, --help  this help\n"
"  --version   print the version\n"
"\n"
"'" PROG " <command> --help' describes each command.  See keeper-sandbox(1).\n";

static const char usage_serve[] =
"usage: " PROG " serve --state DIR --vault FILE --listen HOST:PORT\n"
"                      [--throttle N] [--throttle-pause SECONDS]\n"
"                      [--throttle-status 403|429|503]\n"
"                      [--rotate-key] [--fault tamper|version|upload]\n"
"                      [--log FILE]\n"
"\n"
"Serve the vault over HTTPS until SIGTERM or SIGINT.\n"
"\n"
"  --state DIR          state directory (created 0700: keys and a test CA)\n"
"  --vault FILE         plaintext vault JSON (reloaded when it changes)\n"
"  --listen HOST:PORT   IPv4 address and port; port 0 picks a free one.\n"
"                       The address is written to DIR/listen once serving.\n"
"  --throttle N         throttle a client after N calls without a 10 s pause\n"
"                       (default 200)\n"
"  --throttle-pause S   the silence that resets a client's count, and the\n"
"                       retry_after it is told (default 10 seconds)\n"
"  --throttle-status S  HTTP status of the throttle answer (default 403)\n"
"  --rotate-key         answer the first API call with the `key' error\n"
"  --fault tamper       flip one byte of every encrypted 200 body\n"
"  --fault version      reject every client version\n"
"  --fault upload       fail every file upload (the second leg) with 503\n"
"  --log FILE           append the request log to FILE (default stderr)\n";

static const char usage_token[] =
"usage: " PROG " token --state DIR --app NAME [--vault FILE]\n"
"\n"
"Print a new one-time token (url-safe base64 of 32 random bytes) for the\n"
"application NAME.  A running server sees it at once.  With --vault, NAME\n"
"must be an application of that vault.\n";

static const char usage_info[] =
"usage: " PROG " info --state DIR [--json]\n"
"\n"
"Print the server hostname (from DIR/listen), the server public key id and\n"
"key (url-safe base64 of the 65-byte P-256 point) and the CA file.\n";

static int usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
	return EXIT_USAGE;
}

static int
state_error(const char *dir, int r)
{
	fprintf(stderr, PROG ": cannot open the state directory '%s': %s\n",
	    dir, ksm_strerror(r));
	return 1;
}

static int
cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "vault", required_argument, NULL, 'v' },
		{ "listen", required_argument, NULL, 'l' },
		{ "throttle", required_argument, NULL, 't' },
		{ "throttle-status", required_argument, NULL, 'S' },
		{ "throttle-pause", required_argument, NULL, 'P' },
		{ "rotate-key", no_argument, NULL, 'k' },
		{ "fault", required_argument, NULL, 'f' },
		{ "log", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct sb_server srv;
	const char *state = NULL, *vault = NULL, *listen = NULL;
	const char *logfile = NULL;
	char err[256], *end;
	long n;
	int c, r, fd;

	memset(&srv, 0, sizeof srv);
	srv.throttle_n = SB_THROTTLE_DEFAULT;
	srv.throttle_pause = SB_THROTTLE_PAUSE;
	srv.throttle_status = 403;
	srv.log = stderr;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'v': vault = optarg; break;
		case 'l': listen = optarg; break;
		case 'k': srv.rotate_key = 1; break;
		case 'L': logfile = optarg; break;
		case 't':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    n < 1 || n > 1000000)
				return usage_error(usage_serve,
				    "--throttle wants a count from 1, not '%s'",
				    optarg);
			srv.throttle_n = (unsigned)n;
			break;
		case 'P':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    n < 1 || n > 86400)
				return usage_error(usage_serve,
				    "--throttle-pause wants seconds from 1 to "
				    "86400, not '%s'", optarg);
			srv.throttle_pause = (unsigned)n;
			break;
		case 'S':
			if (strcmp(optarg, "403") != 0 &&
			    strcmp(optarg, "429") != 0 &&
			    strcmp(optarg, "503") != 0)
				return usage_error(usage_serve,
				    "--throttle-status wants 403, 429 or 503, "
				    "not '%s'", optarg);
			srv.throttle_status = atoi(optarg);
			break;
		case 'f':
			if (strcmp(optarg, "tamper") == 0)
				srv.fault = SB_FAULT_TAMPER;
			else if (strcmp(optarg, "version") == 0)
				srv.fault = SB_FAULT_VERSION;
			else if (strcmp(optarg, "upload") == 0)
				srv.fault = SB_FAULT_UPLOAD;
			else
				return usage_error(usage_serve,
				    "--fault wants tamper, version or upload, "
				    "not '%s'", optarg);
			break;
		case 'h':
			fputs(usage_serve, stdout);
			return 0;
		default:
			fputs(usage_serve, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return usage_error(usage_serve, "unexpected argument '%s'",
		    argv[optind]);
	if (state == NULL || vault == NULL || listen == NULL)
		return usage_error(usage_serve,
		    "serve needs --state, --vault and --listen");
	if (logfile != NULL) {
		fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0600);
		if (fd < 0 || (srv.log = fdopen(fd, "a")) == NULL) {
			fprintf(stderr, PROG ": cannot open the log '%s': %s\n",
			    logfile, strerror(errno));
			return 1;
		}
	}
	if ((r = sb_vault_load(&srv.vault, vault, err, sizeof err)) != 0) {
		fprintf(stderr, PROG ": vault '%s': %s\n", vault, err);
		r = 1;
		goto out;
	}
	if ((r = sb_state_open(&srv.st, state)) != 0) {
		r = state_error(state, r);
		goto out;
	}
	r = sb_http_serve(&srv, listen) == 0 ? 0 : 1;
out:
	sb_vault_clear(&srv.vault);
	sb_state_clear(&srv.st);
	sb_throttle_free(srv.throttle);
	if (srv.log != stderr)
		fclose(srv.log);
	return r;
}

static int
cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "app", required_argument, NULL, 'a' },
		{ "vault", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct sb_state st;
	struct sb_vault v;
	const char *state = NULL, *app = NULL, *vault = NULL;
	char err[256], *token = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'a': app = optarg; break;
		case 'v': vault = optarg; break;
		case 'h':
			fputs(usage_token, stdout);
			return 0;
		default:
			fputs(usage_token, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return usage_error(usage_token, "unexpected argument '%s'",
		    argv[optind]);
	if (state == NULL || app == NULL || *app == '\0')
		return usage_error(usage_token,
		    "token needs --state and --app");
	if (vault != NULL) {
		if (sb_vault_load(&v, vault, err, sizeof err) != 0) {
			fprintf(stderr, PROG ": vault '%s': %s\n", vault, err);
			sb_vault_clear(&v);
			return 1;
		}
		r = sb_vault_app(&v, app) != NULL;
		sb_vault_clear(&v);
		if (!r) {
			fprintf(stderr, PROG ": no application '%s' in the "
			    "vault '%s'\n", app, vault);
			return 1;
		}
	}
	if ((r = sb_state_open(&st, state)) != 0)
		return state_error(state, r);
	r = sb_registry_mint(&st, app, &token);
	sb_state_clear(&st);
	if (r != 0) {
		fprintf(stderr, PROG ": cannot register a token in '%s': %s\n",
		    state, ksm_strerror(r));
		return 1;
	}
	printf("%s\n", token);
	ksmx_strfree(token);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ksmx_buf listen = KSMX_BUF_INIT(256);
	struct sb_state st;
	const char *state = NULL;
	char *pub = NULL, *ca = NULL, *lp = NULL, *text = NULL;
	cJSON *o = NULL;
	int c, r, json = 0;
	size_t i;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'j': json = 1; break;
		case 'h':
			fputs(usage_info, stdout);
			return 0;
		default:
			fputs(usage_info, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return usage_error(usage_info, "unexpected argument '%s'",
		    argv[optind]);
	if (state == NULL)
		return usage_error(usage_info, "info needs --state");
	if ((r = sb_state_open(&st, state)) != 0)
		return state_error(state, r);
	r = 1;
	if ((pub = ksmx_b64_encode_str(st.server_point, KSM_EC_POINT_LEN,
	    KSMX_B64_URL)) == NULL || (ca = sb_state_path(&st, "ca.pem")) ==
	    NULL || (lp = sb_state_path(&st, "listen")) == NULL ||
	    (o = cJSON_CreateObject()) == NULL)
		goto out;
	if (sb_file_read(&listen, lp, 256) == 0) {
		for (i = 0; i < listen.len; i++)
			if (listen.d[i] == '\n' || listen.d[i] == '\r')
				listen.d[i] = '\0';
		cJSON_AddStringToObject(o, "hostname", (char *)listen.d);
	} else {
		cJSON_AddNullToObject(o, "hostname");
	}
	cJSON_AddStringToObject(o, "serverPublicKeyId", SB_KEY_ID);
	cJSON_AddStringToObject(o, "serverPublicKey", pub);
	cJSON_AddStringToObject(o, "caFile", ca);
	if (json) {
		if ((text = cJSON_Print(o)) == NULL)
			goto out;
		printf("%s\n", text);
	} else {
		const cJSON *h = cJSON_GetObjectItem(o, "hostname");

		printf("hostname:          %s\n", cJSON_IsString(h) ?
		    h->valuestring : "(not serving)");
		printf("serverPublicKeyId: %s\n", SB_KEY_ID);
		printf("serverPublicKey:   %s\n", pub);
		printf("caFile:            %s\n", ca);
	}
	r = fflush(stdout) == 0 ? 0 : 1;
out:
	if (r != 0)
		fprintf(stderr, PROG ": info failed\n");
	free(text);
	cJSON_Delete(o);
	free(pub);
	free(ca);
	free(lp);
	ksmx_buf_clear(&listen);
	sb_state_clear(&st);
	return r;
}

int
main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		fputs(usage_main, stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		if (argc > 2 && strcmp(argv[2], "serve") == 0)
			fputs(usage_serve, stdout);
		else if (argc > 2 && strcmp(argv[2], "token") == 0)
			fputs(usage_token, stdout);
		else if (argc > 2 && strcmp(argv[2], "info") == 0)
			fputs(usage_info, stdout);
		else
			fputs(usage_main, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf(PROG " (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	argv[1] = argv[0];	/* getopt sees "PROG OPTIONS..." */
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "token") == 0)
		return cmd_token(argc - 1, argv + 1);
	if (strcmp(cmd, "info") == 0)
		return cmd_info(argc - 1, argv + 1);
	fprintf(stderr, PROG ": unknown command '%s'\n%s", cmd, usage_main);
	return EXIT_USAGE;
}
