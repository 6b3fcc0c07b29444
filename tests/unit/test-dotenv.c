#include "config.h"

/*
 * cli/dotenv.c: the dotenv rules of keeper-secret exec --env-file
 * (quoting, escapes, comments, export, multi-line values) and every
 * error, which names the line and never the value.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dotenv.h"
#include "ksm-test.h"

/* Parse text; check entry i is name=value (value may hold \n). */
static void
expect(const char *what, const char *text, size_t i, const char *name,
    const char *value, size_t line)
{
	struct dotenv d;
	char err[DOTENV_ERR_MAX];
	size_t err_line;
	int r;

	r = dotenv_parse(&d, text, strlen(text), &err_line, err);
	if (!T_OK(r == 0 && i < d.n && strcmp(d.v[i].name, name) == 0 &&
	    d.v[i].len == strlen(value) &&
	    memcmp(d.v[i].value, value, d.v[i].len) == 0 &&
	    d.v[i].line == line, "%s", what)) {
		ksm_test_diag("rc %d, %zu entries, error line %zu: %s", r,
		    r == 0 ? d.n : 0, err_line, err);
		if (r == 0 && i < d.n)
			ksm_test_diag("entry %zu: %s='%s' line %zu", i,
			    d.v[i].name, d.v[i].value, d.v[i].line);
	}
	if (r == 0)
		dotenv_clear(&d);
}

static void
expect_count(const char *what, const char *text, size_t n)
{
	struct dotenv d;
	char err[DOTENV_ERR_MAX];
	size_t err_line;
	int r;

	r = dotenv_parse(&d, text, strlen(text), &err_line, err);
	T_OK(r == 0 && d.n == n, "%s (%zu entries)", what, r == 0 ? d.n : 0);
	if (r == 0)
		dotenv_clear(&d);
}

static void
expect_error(const char *what, const char *text, size_t len, size_t line,
    const char *msg)
{
	struct dotenv d;
	char err[DOTENV_ERR_MAX];
	size_t err_line;
	int r;

	r = dotenv_parse(&d, text, len ? len : strlen(text), &err_line, err);
	if (!T_OK(r == -1 && d.n == 0 && err_line == line &&
	    strstr(err, msg) != NULL && strstr(err, "SECRET") == NULL,
	    "%s", what))
		ksm_test_diag("rc %d, line %zu: %s", r, err_line, err);
	if (r == 0)
		dotenv_clear(&d);
}

int
main(void)
{
	expect("plain", "A=1\n", 0, "A", "1", 1);
	expect("a reference is a value like any other",
	    "DB_PW=keeper://Uid/field/password\n", 0, "DB_PW",
	    "keeper://Uid/field/password", 1);
	expect("blanks around = and the value trimmed", "  A =  x y  \n", 0,
	    "A", "x y", 1);
	expect("export prefix", "export A=1\n", 0, "A", "1", 1);
	expect("a variable named export", "export=1\n", 0, "export", "1", 1);
	expect("empty value", "A=\n", 0, "A", "", 1);
	expect("no newline at the end", "A=1", 0, "A", "1", 1);
	expect("CRLF", "A=1\r\nB=2\r\n", 1, "B", "2", 2);
	expect("comments and blank lines skipped",
	    "# c\n\n   # indented\nA=1\n", 0, "A", "1", 4);
	expect("inline comment after a blank", "A=x # note\n", 0, "A", "x", 1);
	expect("# without a blank before is part of the value",
	    "A=x#y\nB=#z\n", 1, "B", "#z", 2);
	expect("a comment right after '= '", "A= # note\n", 0, "A", "", 1);
	expect("single quotes: literal", "A='x \\n # y'\n", 0, "A",
	    "x \\n # y", 1);
	expect("double quotes: escapes",
	    "A=\"t\\tn\\nq\\\"b\\\\s\\'\"\n", 0, "A", "t\tn\nq\"b\\s'", 1);
	expect("double quotes: unknown escape kept", "A=\"\\d\"\n", 0, "A",
	    "\\d", 1);
	expect("quotes then a comment", "A=\"x\"  # c\n", 0, "A", "x", 1);
	expect("a quoted value over lines (a PEM key)",
	    "K=\"-----BEGIN-----\nabc\n-----END-----\"\nB=2\n", 1, "B", "2", 4);
	expect("... its value", "K='l1\nl2'\n", 0, "K", "l1\nl2", 1);
	expect("names with . and -", "a.b-c_D9=1\n", 0, "a.b-c_D9", "1", 1);
	expect("the later of two wins: both kept in order", "A=1\nA=2\n", 1,
	    "A", "2", 2);
	expect_count("a bare NAME is ignored", "A\nB # c\nC=1\n", 1);
	expect_count("an empty file", "", 0);

	expect_error("no '=' after the name", "A=1\nB:2\n", 0, 2, "'='");
	expect_error("a name starting with a digit", "1A=x\n", 0, 1,
	    "expected NAME=VALUE");
	expect_error("unclosed double quote: the line it starts on",
	    "A=1\nB=\"SECRET\nmore\n", 0, 2, "no closing '\"'");
	expect_error("unclosed single quote", "B='SECRET", 0, 1,
	    "no closing \"'\"");
	expect_error("text after the closing quote", "A=\"SECRET\"x\n", 0, 1,
	    "after the closing quote");
	expect_error("a NUL byte", "A=1\nB=SE\0CRET\n", 14, 2, "NUL");
	return ksm_test_done();
}
