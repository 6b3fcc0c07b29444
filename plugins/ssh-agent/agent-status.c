#include "config.h"

/*
 * keeper-agent --status: ask the running agent, over its secrets socket
 * (with the checks every libksm client makes), how it is, and say it in a
 * few lines: what it holds and how old, why it holds nothing, what it has
 * asked of Keeper and served.  The JSON it answers is documented in
 * docs/agent-protocol.md (STATUS_REPLY).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm-int.h"
#include "client-int.h"
#include "json.h"
#include "agent-opts.h"
#include "agent-status.h"

static double
num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* One held answer: "9 records, 12 s old, 4.2 KiB", or "none". */
static void
print_answer(const char *what, const cJSON *a, int records)
{
	printf("%-9s ", what);
	if (!cJSON_IsObject(a)) {
		printf("none held\n");
		return;
	}
	if (records)
		printf("%.0f records, ", num(a, "records"));
	printf("%.0f s old, %.1f KiB%s\n", num(a, "age_ms") / 1000,
	    num(a, "bytes") / 1024, cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(a, "failing")) ?
	    " (the last refresh failed: served stale)" : "");
}

int
agent_status(const char *secrets_sock)
{
	char *text = NULL;
	cJSON *st;
	const char *err;

	if (secrets_sock != NULL && strcmp(secrets_sock, "none") == 0) {
		fprintf(stderr, PROG ": --status asks the secrets socket: name "
		    "one with --secrets-socket PATH\n");
		return 2;
	}
	if (ksm_agent__status(secrets_sock, &text) != 0) {
		fprintf(stderr, PROG ": %s\n", ksm_error_last()->message);
		if (ksm_error_last()->hint[0] != '\0')
			fprintf(stderr, "hint: %s\n", ksm_error_last()->hint);
		return 1;
	}
	if ((st = ksmx_json_parse(text, strlen(text))) == NULL) {
		fprintf(stderr, PROG ": the agent's status is not JSON\n");
		free(text);
		return 1;
	}
	printf("keeper-agent pid %.0f: answers fresh for %.0f s, served "
	    "stale up to %.0f s\n", num(st, "pid"), num(st, "refresh_ms") / 1000,
	    num(st, "max_age_ms") / 1000);
	print_answer("records:", cJSON_GetObjectItemCaseSensitive(st,
	    "get_secret"), 1);
	print_answer("folders:", cJSON_GetObjectItemCaseSensitive(st,
	    "get_folders"), 0);
	printf("files:    %.0f held\n", num(st, "files"));
	if ((err = ksmx_json_str(st, "error")) != NULL)
		printf("Keeper:   %s\n", err);
	printf("calls:    %.0f to Keeper (%.0f throttled, %.0f since its last "
	    "pause)\n", num(st, "calls"), num(st, "throttled"),
	    num(st, "burst"));
	printf("answers:  %.0f served (%.0f stale, %.0f errors, %.0f waited "
	    "for a fetch)\n", num(st, "served"), num(st, "stale"),
	    num(st, "errors"), num(st, "waits"));
	ksmx_json_free(st);
	free(text);
	return 0;
}
