/*
 * The one place that turns a failure into stderr text and an exit status:
 * 10 + (-code) for a libksm error, 2 for a usage error, 1 otherwise.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "cli.h"
#include "../plugins/common/report.h"

static void vsay(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* "keeper-secret: " and the formatted text, no newline. */
static void
vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", PROGNAME);
	vfprintf(stderr, fmt, ap);
}

int
cli_ksm_fail(int r)
{
	if (r >= 0 || r < KSM_CODE_LAST)
		r = KSM_ERROR;
	plugin_report(PROGNAME, r, 1);
	return CLI_EXIT_KSM_BASE - r;
}

int
cli_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	if (verb != NULL)
		fprintf(stderr, "\nhint: see '%s %s --help'\n", PROGNAME, verb);
	else
		fprintf(stderr, "\nhint: see '%s --help'\n", PROGNAME);
	return CLI_EXIT_USAGE;
}

int
cli_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_FAIL;
}
