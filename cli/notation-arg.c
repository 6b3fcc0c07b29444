/*
 * Which command-line operands are keeper:// notations, reading notations
 * from standard input (so that none has to be in argv), and the record
 * an operand names.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "ksm-int.h"
#include "notation-int.h"

#define CLI_LINE_MAX	4096	/* longest notation line read from stdin */

int
cli_has_keeper_prefix(const char *s)
{
	return strncasecmp(s, "keeper://", 9) == 0;
}

/*
 * An environment value exec resolves: keeper://..., or the base64url form
 * of one (no '/', and what it decodes to starts with keeper://).  Only
 * that much of the base64 form: any other value without '/' may be
 * anything, and is passed through untouched, as the official ksm exec does.
 */
int
cli_is_env_ref(const char *v)
{
	struct ksmx_buf dec = KSMX_BUF_INIT(8192);
	size_t len = strlen(v);
	int r;

	if (cli_has_keeper_prefix(v))
		return 1;
	if (len < 12 || len > 8192 || strchr(v, '/') != NULL)
		return 0;
	r = ksm_notation__b64_decode(&dec, v, len) == 0 &&
	    cli_has_keeper_prefix((const char *)dec.d);
	ksmx_buf_clear(&dec);
	ksm_error_clear();	/* not a reference is not an error */
	return r;
}

/*
 * A notation starts with keeper:// (any case), has a '/' that is not
 * escaped with '\', or has no '/' at all and is not a record UID
 * (ksm_notation_is_uid): the base64url form, or a mistyped one, which the
 * parser then explains.  A record UID never contains '/'.
 */
int
cli_is_notation(const char *arg)
{
	const char *s = arg;

	if (cli_has_keeper_prefix(s))
		return 1;
	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '/')
			return 1;
	}
	return strchr(arg, '/') == NULL && !ksm_notation_is_uid(arg);
}

void
cli_lines_free(char **lines, size_t n)
{
	size_t i;

	if (lines == NULL)
		return;
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* Non-empty lines of stdin (without "\n" or "\r\n"): 0 or an exit status. */
int
cli_read_lines(char ***out, size_t *n, FILE *in)
{
	char buf[CLI_LINE_MAX + 2], **v = NULL, **nv, *s;
	size_t len, cnt = 0, cap = 0;

	*out = NULL;
	*n = 0;
	while (fgets(buf, sizeof(buf), in) != NULL) {
		len = strlen(buf);
		if (len > CLI_LINE_MAX && buf[len - 1] != '\n') {
			cli_lines_free(v, cnt);
			return cli_fail("a line on standard input is longer "
			    "than %d bytes", CLI_LINE_MAX);
		}
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (len == 0)
			continue;
		if (cnt == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		if ((s = strdup(buf)) == NULL)
			goto nomem;
		v[cnt++] = s;
	}
	if (ferror(in)) {
		cli_lines_free(v, cnt);
		return cli_fail("cannot read standard input");
	}
	*out = v;
	*n = cnt;
	return 0;
 nomem:
	cli_lines_free(v, cnt);
	return cli_fail("out of memory");
}

/* The UID of the record arg names (a UID, or a notation's record). */
int
cli_record_uid(char uid[KSM_UID_BUF], ksm_client *client, const char *arg)
{
	const ksm_record *rec = NULL;
	ksm_records *holder = NULL;
	int r;

	if (!cli_is_notation(arg)) {
		if (!cli_looks_like_uid(arg))
			return cli_usage_error(NULL, "'%s' is neither a record "
			    "UID nor a notation (keeper://TITLE/title)", arg);
		(void)snprintf(uid, KSM_UID_BUF, "%s", arg);
		return 0;
	}
	if ((r = ksm_notation_find_record(&rec, &holder, client, arg)) != 0)
		return cli_ksm_fail(r);
	(void)snprintf(uid, KSM_UID_BUF, "%s", ksm_record_uid(rec));
	ksm_records_free(holder);
	return 0;
}
