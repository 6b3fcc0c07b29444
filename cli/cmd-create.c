/*
 * keeper-secret create: a new typed record in a shared folder (or a folder
 * below one).  Non-secret fields are FIELD=VALUE arguments; secret ones
 * (password, secret, keys, ...) come from standard input (--stdin FIELD),
 * --generate or a JSON document, never from argv.  Prints the new UID.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "cli.h"

#define MAX_DOCUMENT	(4u * 1024 * 1024)	/* bytes of --json FILE */

/* Field types whose values are secrets: never taken from argv. */
static const char *const secret_types[] = {
	"password", "secret", "pinCode", "oneTimeCode", "otp", "keyPair",
	"passkey", "paymentCard", "bankAccount", "securityQuestion", "note",
	"licenseNumber",
};

void
cmd_create_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s create --folder FOLDER --type TYPE --title TITLE\n"
	    "              [--notes TEXT] [--custom LABEL=VALUE ...]\n"
	    "              [--stdin FIELD] [--generate[=LENGTH] ...]\n"
	    "              [--json FILE|-] [--custom-type] [--config FILE]\n"
	    "              [FIELD=VALUE ...]\n"
	    "\n"
	    "Create a record in FOLDER (a shared folder, or a folder below\n"
	    "one: see '%s folders') and print its UID.  TYPE is a standard\n"
	    "record type (login, databaseCredentials, serverCredentials,\n"
	    "...); FIELD is a field of it, by type or label (login=alice,\n"
	    "url=https://..., 'Cardholder Name=...'); an object field takes\n"
	    "JSON (host='{\"hostName\":\"db\",\"port\":\"5432\"}').  Secret\n"
	    "fields (password, secret, pinCode, keyPair, ...) are refused\n"
	    "as arguments: give one on standard input with --stdin FIELD,\n"
	    "make the password with --generate, or put them in --json.\n"
	    "\n"
	    "  -f, --folder UID   the folder to create the record in\n"
	    "  -t, --type TYPE    the record type\n"
	    "  -T, --title TITLE  the record title\n"
	    "  -n, --notes TEXT   the record notes\n"
	    "  -C, --custom LABEL=VALUE\n"
	    "                     add a custom text field\n"
	    "  -s, --stdin FIELD  read FIELD's value from standard input\n",
	    PROGNAME, PROGNAME);
	cli_password_usage(out);
	fprintf(out,
	    "  -J, --json FILE    start from this record data document\n"
	    "                     ({\"title\", \"type\", \"fields\", \"custom\",\n"
	    "                     \"notes\"}; '-': standard input)\n"
	    "      --custom-type  allow a TYPE that is not a standard one\n"
	    "  -c, --config FILE  configuration file\n"
	    "  -h, --help         show this help\n");
}

static int
is_secret_type(const char *type)
{
	size_t i;

	for (i = 0; type != NULL && i < NELEM(secret_types); i++)
		if (strcmp(type, secret_types[i]) == 0)
			return 1;
	return 0;
}

/* "field/NAME" with '/', '[', ']' and '\' in NAME escaped. */
static char *
selector(const char *list, const char *name)
{
	size_t n = strlen(list) + 2 * strlen(name) + 2, k;
	char *s = malloc(n);

	if (s == NULL)
		return NULL;
	k = (size_t)snprintf(s, n, "%s/", list);
	for (; *name != '\0'; name++) {
		if (strchr("/[]\\", *name) != NULL)
			s[k++] = '\\';
		s[k++] = *name;
	}
	s[k] = '\0';
	return s;
}

/* The type of the field named name (label, else type) in data. */
static const char *
field_type(const cJSON *data, const char *name)
{
	const cJSON *f;
	const char *hit = NULL;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(data,
	    "fields")) {
		const char *t = ksmx_json_str(f, "type");
		const char *l = ksmx_json_str(f, "label");

		if (l != NULL && strcmp(l, name) == 0)
			return t;
		if (hit == NULL && t != NULL && strcmp(t, name) == 0)
			hit = t;
	}
	return hit;
}

/* No field name in the record: say which fields it has. */
static int
no_such_field(const char *json, const char *name)
{
	cJSON *data = ksmx_json_parse(json, strlen(json));
	const cJSON *f;
	const char *t, *l;
	int first = 1;

	fprintf(stderr, "%s: the record has no field '%s'\nhint: its fields "
	    "are", PROGNAME, name);
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(data,
	    "fields")) {
		t = ksmx_json_str(f, "type");
		l = ksmx_json_str(f, "label");
		fprintf(stderr, "%s %s", first ? "" : ",", l != NULL ? l :
		    t != NULL ? t : "?");
		first = 0;
	}
	fprintf(stderr, "%s; other values go in --custom LABEL=VALUE\n",
	    first ? " none" : "");
	ksmx_json_free(data);
	return CLI_EXIT_KSM_BASE - KSM_ENOTFOUND;
}

/* Set field name of *json to value (a string: free'd and replaced). */
static int
set_field(char **json, const char *name, const char *value)
{
	char *sel = selector("field", name), *next = NULL;
	int r;

	if (sel == NULL)
		return cli_fail("out of memory");
	r = ksm_record_edit(&next, *json, sel, value, 0);
	free(sel);
	if (r == KSM_ENOTFOUND)
		return no_such_field(*json, name);
	if (r != 0)
		return cli_ksm_fail(r);
	ksm_secret_free(*json);
	*json = next;
	return 0;
}

/* title, type, then the rest in their order: as the vault writes them. */
static void
reorder(cJSON *data)
{
	static const char *const first[] = { "type", "title" };
	cJSON *it;
	size_t i;

	for (i = 0; i < NELEM(first); i++) {
		it = cJSON_DetachItemFromObjectCaseSensitive(data, first[i]);
		if (it == NULL)
			continue;
		/* to the front of the member list */
		it->next = data->child;
		it->prev = data->child != NULL ? data->child->prev : it;
		if (data->child != NULL)
			data->child->prev = it;
		data->child = it;
	}
}

/* The starting record data: the document, or title/type/fields. */
static int
start_data(cJSON **out, const char *doc_path, const char *type)
{
	const char *ft, *label;
	cJSON *data = NULL, *fields, *f;
	char *text = NULL;
	size_t len, i;
	int r;

	*out = NULL;
	if (doc_path != NULL) {
		if ((r = cli_read_file(&text, &len, doc_path,
		    MAX_DOCUMENT)) != 0)
			return r;
		data = ksmx_json_parse(text, len);
		ksm_bytes_free((unsigned char *)text, len + 1);
		if (data == NULL || !cJSON_IsObject(data)) {
			ksmx_json_free(data);
			return cli_fail("'%s' is not a JSON object (record "
			    "data: title, type, fields, custom, notes)",
			    doc_path);
		}
	} else if ((data = cJSON_CreateObject()) == NULL)
		return cli_fail("out of memory");
	if (type != NULL && cJSON_GetObjectItemCaseSensitive(data, "fields") ==
	    NULL) {
		/* every field of the type, empty, as the vault makes them */
		if ((fields = cJSON_AddArrayToObject(data, "fields")) == NULL)
			goto nomem;
		for (i = 0; ksm_record_type_field(type, i, &ft, &label) == 0;
		    i++) {
			if ((f = cJSON_CreateObject()) == NULL ||
			    !cJSON_AddItemToArray(fields, f) ||
			    cJSON_AddStringToObject(f, "type", ft) == NULL ||
			    (label != NULL && cJSON_AddStringToObject(f,
			    "label", label) == NULL) ||
			    cJSON_AddArrayToObject(f, "value") == NULL)
				goto nomem;
		}
	}
	*out = data;
	return 0;
nomem:
	ksmx_json_free(data);
	return cli_fail("out of memory");
}

/* data[key] = s, replacing what the document had. */
static int
put_string(cJSON *data, const char *key, const char *s)
{
	cJSON_DeleteItemFromObjectCaseSensitive(data, key);
	return cJSON_AddStringToObject(data, key, s) != NULL ? 0 :
	    cli_fail("out of memory");
}

/* --custom LABEL=VALUE: a custom text field. */
static int
add_custom(cJSON *data, const char *arg)
{
	const char *eq = strchr(arg, '=');
	cJSON *list = cJSON_GetObjectItemCaseSensitive(data, "custom"), *f;
	char *label;

	if (eq == NULL || eq == arg)
		return cli_usage_error("create", "--custom wants LABEL=VALUE, "
		    "not '%s'", arg);
	if (!cJSON_IsArray(list)) {
		cJSON_DeleteItemFromObjectCaseSensitive(data, "custom");
		list = cJSON_AddArrayToObject(data, "custom");
	}
	if ((label = strndup(arg, (size_t)(eq - arg))) == NULL ||
	    (f = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(list,
	    f) || cJSON_AddStringToObject(f, "type", "text") == NULL ||
	    cJSON_AddStringToObject(f, "label", label) == NULL ||
	    !cJSON_AddItemToArray(cJSON_AddArrayToObject(f, "value"),
	    cJSON_CreateString(eq + 1))) {
		free(label);
		return cli_fail("out of memory");
	}
	free(label);
	return 0;
}

/* The standard types, for the message. */
static int
unknown_type(const char *type)
{
	size_t i;

	fprintf(stderr, "%s: unknown record type '%s'\nhint: the standard "
	    "types are", PROGNAME, type);
	for (i = 0; ksm_record_type_at(i) != NULL; i++)
		fprintf(stderr, "%s %s", i > 0 ? "," : "", ksm_record_type_at(i));
	fprintf(stderr, "; --custom-type allows another\n");
	return CLI_EXIT_KSM_BASE - KSM_EINVAL;
}

struct create_opts {
	const char	*folder, *type, *title, *notes, *doc, *stdin_field;
	const char	*config;
	const char	*custom[32];
	size_t		 n_custom;
	int		 custom_type;
	struct cli_password pw;
};

/* The record data of o and the FIELD=VALUE operands; *json malloc'd. */
static int
build(char **json, struct create_opts *o, int argc, char **argv)
{
	cJSON *data = NULL;
	char *secret = NULL;
	const char *t;
	size_t i;
	int k, r;

	*json = NULL;
	if ((r = start_data(&data, o->doc, o->type)) != 0)
		return r;
	t = ksmx_json_str(data, "type");
	if (o->type != NULL && t != NULL && strcmp(t, o->type) != 0) {
		r = cli_usage_error("create", "--type %s, but the document's "
		    "type is '%s'", o->type, t);
		goto out;
	}
	if ((o->type != NULL && (r = put_string(data, "type", o->type)) != 0) ||
	    (o->title != NULL && (r = put_string(data, "title",
	    o->title)) != 0) ||
	    (o->notes != NULL && (r = put_string(data, "notes",
	    o->notes)) != 0))
		goto out;
	for (i = 0; i < o->n_custom; i++)
		if ((r = add_custom(data, o->custom[i])) != 0)
			goto out;
	/* every argument is checked before any secret is read */
	for (k = 0; k < argc; k++) {
		const char *eq = strchr(argv[k], '=');
		char name[256];

		if (eq == NULL || eq == argv[k] ||
		    (size_t)(eq - argv[k]) >= sizeof(name)) {
			r = cli_usage_error("create", "'%s' is not FIELD=VALUE",
			    argv[k]);
			goto out;
		}
		memcpy(name, argv[k], (size_t)(eq - argv[k]));
		name[eq - argv[k]] = '\0';
		if (is_secret_type(field_type(data, name)) ||
		    is_secret_type(name)) {
			r = cli_usage_error("create", "field '%s' holds a "
			    "secret and is never taken from the command line: "
			    "give it with --stdin %s (or --generate, or in "
			    "--json)", name, name);
			goto out;
		}
	}
	reorder(data);
	if ((*json = ksmx_json_print(data)) == NULL) {
		r = cli_fail("out of memory");
		goto out;
	}
	for (k = 0; k < argc; k++) {
		const char *eq = strchr(argv[k], '=');
		char name[256];

		memcpy(name, argv[k], (size_t)(eq - argv[k]));
		name[eq - argv[k]] = '\0';
		if ((r = set_field(json, name, eq + 1)) != 0)
			goto out;
	}
	if (o->stdin_field != NULL) {
		if ((r = cli_read_secret(&secret, o->stdin_field)) != 0 ||
		    (r = set_field(json, o->stdin_field, secret)) != 0)
			goto out;
	}
	if (o->pw.generate) {
		ksm_secret_free(secret);
		secret = NULL;
		if ((r = cli_password_make(&secret, &o->pw)) != 0 ||
		    (r = set_field(json, "password", secret)) != 0)
			goto out;
	}
	r = 0;
out:
	if (r != 0) {
		ksm_secret_free(*json);
		*json = NULL;
	}
	ksm_secret_free(secret);
	ksmx_json_free(data);
	return r;
}

int
cmd_create(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "folder",	required_argument,	NULL, 'f' },
		{ "type",	required_argument,	NULL, 't' },
		{ "title",	required_argument,	NULL, 'T' },
		{ "notes",	required_argument,	NULL, 'n' },
		{ "custom",	required_argument,	NULL, 'C' },
		{ "stdin",	required_argument,	NULL, 's' },
		{ "json",	required_argument,	NULL, 'J' },
		{ "custom-type", no_argument,		NULL, 'X' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		CLI_PASSWORD_LONGOPTS,
		{ NULL,		0,			NULL, 0 }
	};
	struct cli_opt st = CLI_OPT_INIT("create");
	struct create_opts o;
	char uid[KSM_UID_BUF], *json = NULL;
	ksm_client *client = NULL;
	int c, r;

	memset(&o, 0, sizeof(o));
	o.pw = (struct cli_password)CLI_PASSWORD_INIT;
	while ((c = cli_getopt(&st, argc, argv, "+:f:t:T:n:C:s:J:g::c:h",
	    longopts)) != -1) {
		if (CLI_IS_PASSWORD_OPT(c)) {
			if ((r = cli_password_option(&o.pw, "create", c,
			    optarg)) != 0)
				return r;
			continue;
		}
		switch (c) {
		case 'f': o.folder = optarg; break;
		case 't': o.type = optarg; break;
		case 'T': o.title = optarg; break;
		case 'n': o.notes = optarg; break;
		case 's': o.stdin_field = optarg; break;
		case 'J': o.doc = optarg; break;
		case 'X': o.custom_type = 1; break;
		case 'c': o.config = optarg; break;
		case 'C':
			if (o.n_custom == NELEM(o.custom))
				return cli_usage_error("create", "at most %zu "
				    "--custom fields", NELEM(o.custom));
			o.custom[o.n_custom++] = optarg;
			break;
		case 'h':
			cmd_create_usage(stdout);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if ((r = cli_password_check(&o.pw, "create")) != 0)
		return r;
	if (o.folder == NULL)
		return cli_usage_error("create", "--folder is required (a "
		    "shared folder or a folder below one)");
	if (o.doc == NULL && (o.type == NULL || o.title == NULL))
		return cli_usage_error("create", "--type and --title are "
		    "required without --json");
	if (o.doc != NULL && strcmp(o.doc, "-") == 0 && o.stdin_field != NULL)
		return cli_usage_error("create", "--json - and --stdin both "
		    "want standard input");
	if ((r = cli_check_operands("create", argc, argv, optind)) != 0)
		return r;
	if (o.type != NULL && !o.custom_type &&
	    ksm_record_type_field(o.type, 0, NULL, NULL) != 0)
		return unknown_type(o.type);
	if ((r = build(&json, &o, argc - optind, argv + optind)) != 0)
		goto out;
	if ((r = cli_client_open(&client, cli, o.config)) != 0)
		goto out;
	if ((r = ksm_client_create_record(uid, client, o.folder, json,
	    o.custom_type ? KSM_RECORD_CUSTOM_TYPE : 0)) != 0) {
		r = cli_ksm_fail(r);
		goto out;
	}
	printf("%s\n", uid);
	r = CLI_EXIT_OK;
out:
	ksm_secret_free(json);
	ksm_client_free(client);
	return r;
}
