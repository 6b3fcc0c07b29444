/* keeper-secret totp: the current one-time code of a record's TOTP URI. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "json.h"
#include "util/wipe.h"
#include "cli.h"

void
cmd_totp_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s totp [--json] [--config FILE] [--] NOTATION|UID\n"
	    "\n"
	    "Print the current one-time code and the seconds it stays valid,\n"
	    "as '123456 (17 s left)'.  NOTATION selects an otpauth://totp/\n"
	    "URI, e.g. keeper://UID/field/oneTimeCode; for a plain UID the\n"
	    "first oneTimeCode or otp field (standard fields, then custom\n"
	    "ones) is used.  The time is this machine's clock.\n"
	    "\n"
	    "  -j, --json         {\"code\": \"123456\", \"secondsLeft\": 17}\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n", PROGNAME);
}

/* First value of the first oneTimeCode/otp field of one field array. */
static const char *
find_otp(const cJSON *fields)
{
	const cJSON *f, *v;
	const char *type;

	if (!cJSON_IsArray(fields))
		return NULL;
	for (f = fields->child; f != NULL; f = f->next) {
		type = ksmx_json_str(f, "type");
		if (type == NULL || (strcmp(type, "oneTimeCode") != 0 &&
		    strcmp(type, "otp") != 0))
			continue;
		v = cJSON_GetObjectItemCaseSensitive(f, "value");
		if (cJSON_IsArray(v) && cJSON_IsString(v->child) &&
		    v->child->valuestring[0] != '\0')
			return v->child->valuestring;
	}
	return NULL;
}

static int
print_code(const char *uri, int json)
{
	char code[KSM_TOTP_CODE_MAX];
	unsigned int left = 0;
	int r;

	r = ksm_totp_code(code, &left, uri, (long long)time(NULL));
	if (r != 0)
		return cli_ksm_fail(r);
	if (json)
		printf("{\"code\": \"%s\", \"secondsLeft\": %u}\n", code, left);
	else
		printf("%s (%u s left)\n", code, left);
	ksmx_wipe(code, sizeof(code));
	return CLI_EXIT_OK;
}

static int
totp_of_record(ksm_client *client, const char *uid, int json)
{
	const ksm_record *rec = NULL;
	ksm_records *holder = NULL;
	const char *text, *uri;
	cJSON *data = NULL;
	int r;

	if ((r = ksm_client_get_record(&rec, &holder, client, uid)) != 0) {
		r = cli_ksm_fail(r);
		goto out;
	}
	text = ksm_record_json(rec);
	if ((data = ksmx_json_parse(text, strlen(text))) == NULL) {
		r = cli_fail("record '%s' holds data that is not JSON", uid);
		goto out;
	}
	uri = find_otp(cJSON_GetObjectItemCaseSensitive(data, "fields"));
	if (uri == NULL)
		uri = find_otp(cJSON_GetObjectItemCaseSensitive(data,
		    "custom"));
	if (uri == NULL) {
		fprintf(stderr, "%s: record '%s' has no oneTimeCode or otp "
		    "field with a value\n", PROGNAME, uid);
		r = CLI_EXIT_KSM_BASE - KSM_ENOTFOUND;
		goto out;
	}
	r = print_code(uri, json);
 out:
	ksmx_json_free(data);
	ksm_records_free(holder);
	return r;
}

static int
totp_of_notation(ksm_client *client, const char *notation, int json)
{
	char *uri = NULL;
	size_t len = 0;
	int r;

	if ((r = ksm_notation_get(&uri, &len, client, notation)) != 0)
		return cli_ksm_fail(r);
	if (strlen(uri) != len) {
		r = cli_fail("the value of '%s' is not a TOTP URI", notation);
		goto out;
	}
	r = print_code(uri, json);
 out:
	ksm_bytes_free((unsigned char *)uri, len);
	return r;
}

int
cmd_totp(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT("totp");
	ksm_client *client = NULL;
	const char *config = NULL, *arg;
	int c, r, json = 0;

	while ((c = cli_getopt(&st, argc, argv, "+:jc:h", longopts)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			cmd_totp_usage(stdout);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error("totp", "no notation or record UID "
		    "given");
	if ((r = cli_check_operands("totp", argc, argv, optind)) != 0)
		return r;
	if (argc - optind > 1)
		return cli_usage_error("totp", "one notation or UID only");
	arg = argv[optind];
	if ((r = cli_client_open(&client, cli, config)) != 0)
		return r;
	if (cli_is_notation(arg))
		r = totp_of_notation(client, arg, json);
	else
		r = totp_of_record(client, arg, json);
	ksm_client_free(client);
	return r;
}
