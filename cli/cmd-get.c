/*
 * keeper-secret get: whole records by UID, for people or as JSON; operands
 * that are notations go to cli_get_notations() (cmd-get-notation.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "cli.h"

void
cmd_get_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s get [--json] [--config FILE] [--] UID...\n"
	    "       %s get [--json] [--config FILE] [--] NOTATION...\n"
	    "       %s get [--json] [--config FILE] --stdin\n"
	    "\n"
	    "Print whole records, secret values included: title, type and\n"
	    "UID, then every field as 'label (type): value'.  A UID that\n"
	    "starts with '-' must come after '--'.\n"
	    "\n"
	    "An operand that starts with keeper:// or contains a '/' (not\n"
	    "written '\\/') is a notation, e.g. keeper://UID/field/password,\n"
	    "UID/custom_field/API key, Title/field/url[1] or\n"
	    "UID/field/host[hostName]: print every value it selects, one\n"
	    "per line (objects as JSON).  Escape '/', '[', ']' and '\\'\n"
	    "in titles and labels with '\\'.  An operand without any '/'\n"
	    "that is not a record UID is a notation's base64url form.\n"
	    "Every notation is resolved before anything is printed.\n"
	    "\n"
	    "  -j, --json         a JSON array of the decrypted records, each\n"
	    "                     with its \"uid\"; for notations, one JSON\n"
	    "                     array of strings per notation and line\n"
	    "  -s, --stdin        read notations from standard input, one per\n"
	    "                     line, instead of the command line\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n", PROGNAME, PROGNAME,
	    PROGNAME);
}

/* "value, value": strings as they are, anything else as compact JSON. */
static void
print_values(const cJSON *values)
{
	const cJSON *v;

	if (!cJSON_IsArray(values)) {
		if (values != NULL)
			cli_json_write(stdout, values, -1);
		return;
	}
	for (v = values->child; v != NULL; v = v->next) {
		if (v != values->child)
			fputs(", ", stdout);
		if (cJSON_IsString(v))
			fputs(v->valuestring, stdout);
		else
			cli_json_write(stdout, v, -1);
	}
}

static void
print_fields(const cJSON *fields)
{
	const cJSON *f;
	const char *type, *label;

	if (!cJSON_IsArray(fields))
		return;
	for (f = fields->child; f != NULL; f = f->next) {
		type = ksmx_json_str(f, "type");
		label = ksmx_json_str(f, "label");
		if (type == NULL)
			type = "";
		if (label != NULL && *label != '\0' && strcmp(label, type) != 0)
			printf("%s (%s): ", label, type);
		else
			printf("%s: ", type);
		print_values(cJSON_GetObjectItemCaseSensitive(f, "value"));
		fputc('\n', stdout);
	}
}

static int
print_human(const ksm_record *rec, const cJSON *data)
{
	const ksm_file *file;
	const char *notes = ksm_record_notes(rec);
	size_t i;

	printf("title: %s\n", ksm_record_title(rec));
	printf("type: %s\n", ksm_record_type(rec));
	printf("uid: %s\n", ksm_record_uid(rec));
	print_fields(cJSON_GetObjectItemCaseSensitive(data, "fields"));
	print_fields(cJSON_GetObjectItemCaseSensitive(data, "custom"));
	if (notes != NULL && *notes != '\0')
		printf("notes: %s\n", notes);
	for (i = 0; i < ksm_record_file_count(rec); i++) {
		file = ksm_record_file_at(rec, i);
		printf("file: %s (%s, %llu bytes)\n", ksm_file_name(file),
		    ksm_file_uid(file), ksm_file_size(file));
	}
	return 0;
}

/*
 * A UID asked for but absent or legacy: ask libksm about that one record
 * so the message and hint are the library's own (ENOTSHARED, ELEGACY).
 */
static int
explain_missing(ksm_client *client, const char *uid)
{
	const ksm_record *one = NULL;
	ksm_records *holder = NULL;
	int r;

	r = ksm_client_get_record(&one, &holder, client, uid);
	ksm_records_free(holder);
	if (r != 0)
		return cli_ksm_fail(r);
	return cli_fail("record '%s' vanished while it was being read; "
	    "try again", uid);
}

/* get --stdin: every line is a notation. */
static int
get_stdin(struct cli *cli, const char *config, int operands, int json)
{
	char **lines = NULL;
	size_t i, n = 0;
	int r;

	if (operands > 0)
		return cli_usage_error("get", "--stdin takes no operands");
	if ((r = cli_read_lines(&lines, &n, stdin)) != 0)
		return r;
	if (n == 0) {
		r = cli_usage_error("get", "no notation on standard input");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!cli_is_notation(lines[i])) {
			r = cli_usage_error("get", "line %zu of standard input "
			    "is not a notation (keeper://UID/field/...)",
			    i + 1);
			goto out;
		}
	}
	r = cli_get_notations(cli, config, lines, n, json);
 out:
	cli_lines_free(lines, n);
	return r;
}

int
cmd_get(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "stdin",	no_argument,		NULL, 's' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT("get");
	ksm_client *client = NULL;
	ksm_records *recs = NULL;
	const ksm_record *rec;
	const char *config = NULL, *text;
	cJSON *data = NULL;
	int c, i, n, r, json = 0, from_stdin = 0, notations = 0;

	while ((c = cli_getopt(&st, argc, argv, "+:jsc:h", longopts)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 's':
			from_stdin = 1;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			cmd_get_usage(stdout);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (from_stdin)
		return get_stdin(cli, config, argc - optind, json);
	if (optind >= argc)
		return cli_usage_error("get", "no record UID given");
	if ((r = cli_check_operands("get", argc, argv, optind)) != 0)
		return r;
	argv += optind;
	n = argc - optind;
	for (i = 0; i < n; i++)
		notations += cli_is_notation(argv[i]);
	if (notations == n)
		return cli_get_notations(cli, config, argv, (size_t)n, json);
	if (notations > 0)
		return cli_usage_error("get", "UIDs and notations cannot be "
		    "mixed: use keeper://UID/... notations or UIDs only");

	if ((r = cli_client_open(&client, cli, config)) != 0)
		goto out;
	r = ksm_client_get_records(&recs, client, (const char *const *)argv,
	    (size_t)n);
	if (r != 0) {
		r = cli_ksm_fail(r);
		goto out;
	}
	/* all or nothing: check every UID before printing any secret */
	for (i = 0; i < n; i++) {
		rec = ksm_records_find(recs, argv[i]);
		if (rec == NULL || ksm_record_is_legacy(rec)) {
			r = explain_missing(client, argv[i]);
			goto out;
		}
	}
	if (json)
		fputs("[", stdout);
	for (i = 0; i < n; i++) {
		rec = ksm_records_find(recs, argv[i]);
		text = ksm_record_json(rec);
		data = ksmx_json_parse(text, strlen(text));
		if (data == NULL) {
			r = cli_fail("record '%s' holds data that is not JSON",
			    argv[i]);
			goto out;
		}
		if (json) {
			fputs(i == 0 ? "\n  " : ",\n  ", stdout);
			cli_json_write_with(stdout, "uid", argv[i], data, 1);
		} else {
			if (i > 0)
				fputc('\n', stdout);
			print_human(rec, data);
		}
		ksmx_json_free(data);
		data = NULL;
	}
	if (json)
		fputs("\n]\n", stdout);
	r = CLI_EXIT_OK;
 out:
	ksmx_json_free(data);
	ksm_records_free(recs);
	ksm_client_free(client);
	return r;
}
