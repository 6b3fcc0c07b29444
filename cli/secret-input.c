/*
 * Where the writing verbs get secret values: standard input (a terminal
 * is asked with echo off), or a generated password; never argv.  And the
 * password policy options that --generate shares between set, create and
 * rotate.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "ksm-int.h"	/* ksmx_freezero */

/* Read all of fd (at most max bytes) into a NUL-terminated buffer. */
static int
read_all(char **out, size_t *len, int fd, size_t max, const char *what)
{
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0;
	ssize_t got;

	for (;;) {
		if (n + 4096 + 1 > cap) {
			size_t ncap = cap == 0 ? 8192 : cap * 2;

			if (ncap > max + 4096 + 1)
				ncap = max + 4096 + 1;
			if ((nb = malloc(ncap)) == NULL) {
				ksmx_freezero(buf, cap);
				return cli_fail("out of memory");
			}
			if (n > 0)
				memcpy(nb, buf, n);
			ksmx_freezero(buf, cap);	/* never realloc a secret */
			buf = nb;
			cap = ncap;
		}
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ksmx_freezero(buf, cap);
			return cli_fail("cannot read %s: %s", what,
			    strerror(errno));
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			ksmx_freezero(buf, cap);
			fprintf(stderr, "%s: %s is larger than %zu bytes\n"
			    "hint: a value is at most %zu bytes\n", PROGNAME,
			    what, max, max);
			return CLI_EXIT_KSM_BASE - KSM_ETOOBIG;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* Ask on the terminal with echo off: one line. */
static int
ask(char **out, size_t *len, const char *prompt)
{
	struct termios old, quiet;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int r = 0;

	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return cli_fail("cannot read the terminal: %s", strerror(errno));
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	fprintf(stderr, "%s: ", prompt);
	fflush(stderr);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	n = getline(&line, &cap, stdin);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (n < 0) {
		r = cli_fail("no value was typed");
		ksmx_freezero(line, cap);
		return r;
	}
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	*out = line;
	*len = (size_t)n;
	return 0;
}

int
cli_read_secret(char **out, const char *prompt)
{
	size_t len = 0, cap;
	char *v = NULL;
	int r;

	*out = NULL;
	if (isatty(STDIN_FILENO))
		r = ask(&v, &len, prompt);
	else
		r = read_all(&v, &len, STDIN_FILENO, CLI_MAX_VALUE,
		    "the value on standard input");
	if (r != 0)
		return r;
	cap = len + 1;
	if (memchr(v, '\0', len) != NULL) {
		ksmx_freezero(v, cap);
		return cli_fail("the value on standard input holds a NUL byte");
	}
	/* one final line break is the end of the line, not of the value */
	if (len > 0 && v[len - 1] == '\n')
		v[--len] = '\0';
	if (len > 0 && v[len - 1] == '\r')
		v[--len] = '\0';
	if (len == 0) {
		ksmx_freezero(v, cap);
		fprintf(stderr, "%s: the value on standard input is empty\n"
		    "hint: pipe or redirect the value into %s (set: --json "
		    "'\"\"' or '[]' empties a field)\n", PROGNAME, PROGNAME);
		return CLI_EXIT_FAIL;
	}
	*out = v;
	return 0;
}

int
cli_read_file(char **out, size_t *len, const char *path, size_t max)
{
	int fd, r;

	*out = NULL;
	*len = 0;
	if (strcmp(path, "-") == 0)
		return read_all(out, len, STDIN_FILENO, max,
		    "standard input");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cli_fail("cannot open '%s': %s", path, strerror(errno));
	r = read_all(out, len, fd, max, path);
	close(fd);
	return r;
}

/* ---- --generate and the password policy ---- */

static int
count_arg(int *out, const char *verb, const char *opt, const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < 0 || n > 1024)
		return cli_usage_error(verb, "%s wants a count from 0 to 1024, "
		    "not '%s'", opt, s);
	*out = (int)n;
	return 0;
}

int
cli_password_option(struct cli_password *pw, const char *verb, int c,
    const char *arg)
{
	int n, r;

	switch (c) {
	case CLI_OPT_GENERATE:
		pw->generate = 1;
		if (arg == NULL)
			return 0;
		if ((r = count_arg(&n, verb, "--generate", arg)) != 0)
			return r;
		if (n == 0)
			return cli_usage_error(verb, "--generate=LENGTH wants "
			    "a length from 1");
		pw->policy.length = (unsigned int)n;
		return 0;
	case CLI_OPT_LOWER:
		return count_arg(&pw->policy.lowercase, verb, "--lower", arg);
	case CLI_OPT_UPPER:
		return count_arg(&pw->policy.uppercase, verb, "--upper", arg);
	case CLI_OPT_DIGITS:
		return count_arg(&pw->policy.digits, verb, "--digits", arg);
	case CLI_OPT_SPECIAL:
		return count_arg(&pw->policy.special, verb, "--special", arg);
	case CLI_OPT_SPECIAL_SET:
		pw->policy.special_set = arg;
		return 0;
	default:
		return CLI_EXIT_USAGE;
	}
}

int
cli_password_check(const struct cli_password *pw, const char *verb)
{
	const ksm_password_policy *p = &pw->policy;

	if (!pw->generate && (p->lowercase != KSM_PASSWORD_ANY ||
	    p->uppercase != KSM_PASSWORD_ANY || p->digits != KSM_PASSWORD_ANY ||
	    p->special != KSM_PASSWORD_ANY || p->special_set != NULL))
		return cli_usage_error(verb, "--lower, --upper, --digits, "
		    "--special and --special-set go with --generate");
	return 0;
}

int
cli_password_make(char **out, const struct cli_password *pw)
{
	int r;

	if ((r = ksm_password_generate(out, &pw->policy)) != 0)
		return cli_ksm_fail(r);
	return 0;
}

void
cli_password_usage(FILE *out)
{
	fprintf(out,
	    "  -g, --generate[=LENGTH]\n"
	    "                     a random password (default 32 characters)\n"
	    "                     from the system's CSPRNG instead of stdin\n"
	    "      --lower N, --upper N, --digits N, --special N\n"
	    "                     with --generate: at least N characters of\n"
	    "                     the group (0: none of it)\n"
	    "      --special-set CHARS\n"
	    "                     the special characters to use\n");
}

int
cli_new_value(char **out, const struct cli_password *pw)
{
	return pw->generate ? cli_password_make(out, pw) :
	    cli_read_secret(out, "new value");
}
