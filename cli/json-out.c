/*
 * Write a cJSON tree straight to a stream.  Printing with cJSON would build
 * the whole text (decrypted values included) in a growing heap buffer
 * first; this writes piecewise and leaves nothing behind but stdio's own
 * buffer.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "json.h"
#include "cli.h"

void
cli_json_write_string(FILE *out, const char *s)
{
	const unsigned char *p;

	fputc('"', out);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':	fputs("\\\"", out); break;
		case '\\':	fputs("\\\\", out); break;
		case '\b':	fputs("\\b", out); break;
		case '\f':	fputs("\\f", out); break;
		case '\n':	fputs("\\n", out); break;
		case '\r':	fputs("\\r", out); break;
		case '\t':	fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void
write_number(FILE *out, double d)
{
	if (!isfinite(d))
		fputs("null", out);
	else if (d > -9007199254740992.0 && d < 9007199254740992.0 &&
	    d == (double)(long long)d)
		fprintf(out, "%lld", (long long)d);
	else
		fprintf(out, "%.17g", d);
}

static void
newline(FILE *out, int indent)
{
	int i;

	if (indent < 0)
		return;
	fputc('\n', out);
	for (i = 0; i < indent; i++)
		fputs("  ", out);
}

static void
write_member(FILE *out, const char *key, int indent)
{
	newline(out, indent);
	cli_json_write_string(out, key != NULL ? key : "");
	fputs(indent < 0 ? ":" : ": ", out);
}

/* obj with one more string member written first: {"key": "value", ...} */
void
cli_json_write_with(FILE *out, const char *key, const char *value,
    const cJSON *obj, int indent)
{
	const cJSON *c;
	int inner = indent < 0 ? -1 : indent + 1;

	fputc('{', out);
	write_member(out, key, inner);
	cli_json_write_string(out, value);
	for (c = obj != NULL ? obj->child : NULL; c != NULL; c = c->next) {
		fputc(',', out);
		write_member(out, c->string, inner);
		cli_json_write(out, c, inner);
	}
	newline(out, indent);
	fputc('}', out);
}

void
cli_json_write(FILE *out, const cJSON *item, int indent)
{
	const cJSON *c;
	int obj, inner = indent < 0 ? -1 : indent + 1;

	if (cJSON_IsString(item)) {
		cli_json_write_string(out, item->valuestring);
	} else if (cJSON_IsNumber(item)) {
		write_number(out, item->valuedouble);
	} else if (cJSON_IsBool(item)) {
		fputs(cJSON_IsTrue(item) ? "true" : "false", out);
	} else if (cJSON_IsArray(item) || cJSON_IsObject(item)) {
		obj = cJSON_IsObject(item);
		fputc(obj ? '{' : '[', out);
		for (c = item->child; c != NULL; c = c->next) {
			if (obj)
				write_member(out, c->string, inner);
			else
				newline(out, inner);
			cli_json_write(out, c, inner);
			if (c->next != NULL)
				fputc(',', out);
		}
		if (item->child != NULL)
			newline(out, indent);
		fputc(obj ? '}' : ']', out);
	} else {
		fputs("null", out);
	}
}
