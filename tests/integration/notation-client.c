#include "config.h"

/*
 * notation-client: libksm's side of tests/integration/notation-jssdk.sh and
 * tests/bench/bench.sh.
 *
 *	notation-client CONFIG            notations on stdin, one a line
 *	notation-client --totp            "UNIXTIME URI" lines on stdin
 *
 * Notation mode prints one JSON line per input line, from
 * ksm_notation_results(): {"values":["...",...]} or {"error":"ENOTFOUND"}
 * (ksm_code_name()).  TOTP mode prints {"code":"123456","timeLeft":N} or
 * {"error":"EINVAL"} per line, from ksm_totp_code().  The CA file comes from
 * $KSM_CA_FILE (libksm reads it).  Exit 0 when every line was answered
 * (errors included), 1 on a setup failure, 2 on a usage error.  The values
 * printed are secrets: this is a test tool, run only against the sandbox.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ksm/client.h"
#include "ksm/error.h"
#include "ksm/notation.h"
#include "ksm/totp.h"

#define LINE_MAX_LEN	(64 * 1024)

static void
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static void
print_error(int code)
{
	printf("{\"error\":\"%s\"}\n", ksm_code_name(code));
}

/* print a cJSON node compactly on its own line; 0 or -1 */
static int
print_json(cJSON *node)
{
	char *text = cJSON_PrintUnformatted(node);

	if (text == NULL)
		return -1;
	printf("%s\n", text);
	free(text);
	return 0;
}

static int
one_notation(ksm_client *client, const char *notation)
{
	char **values = NULL;
	size_t n = 0, i;
	cJSON *root = NULL, *arr;
	int r, ret = -1;

	r = ksm_notation_results(&values, &n, client, notation);
	if (r < 0) {
		print_error(r);
		return 0;
	}
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "values");
	if (arr == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		cJSON *s = cJSON_CreateString(values[i]);

		if (s == NULL)
			goto out;
		cJSON_AddItemToArray(arr, s);
	}
	ret = print_json(root);
out:
	cJSON_Delete(root);
	ksm_strings_free(values, n);
	return ret;
}

static int
one_totp(char *line)
{
	char code[KSM_TOTP_CODE_MAX], *sp, *end;
	unsigned int left = 0;
	long long t;
	int r;

	sp = strchr(line, ' ');
	if (sp == NULL)
		return -1;
	*sp = '\0';
	t = strtoll(line, &end, 10);
	if (*end != '\0')
		return -1;
	r = ksm_totp_code(code, &left, sp + 1, t);
	if (r < 0)
		print_error(r);
	else
		printf("{\"code\":\"%s\",\"timeLeft\":%u}\n", code, left);
	return 0;
}

int
main(int argc, char **argv)
{
	ksm_client_options o = KSM_CLIENT_OPTIONS_INIT;
	ksm_client *client = NULL;
	char *line = NULL;
	int totp, r, ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: notation-client CONFIG | --totp\n");
		return 2;
	}
	totp = strcmp(argv[1], "--totp") == 0;
	if (!totp) {
		o.config_path = argv[1];
		r = ksm_client_new(&client, &o);
		if (r < 0) {
			fprintf(stderr, "notation-client: %s\n",
			    ksm_error_last()->message);
			return 1;
		}
	}
	line = malloc(LINE_MAX_LEN);
	if (line == NULL)
		goto out;
	while (fgets(line, LINE_MAX_LEN, stdin) != NULL) {
		chomp(line);
		r = totp ? one_totp(line) : one_notation(client, line);
		if (r < 0) {
			fprintf(stderr, "notation-client: bad input line\n");
			goto out;
		}
		fflush(stdout);
	}
	ret = 0;
out:
	free(line);
	ksm_client_free(client);
	return ret;
}
