/* plugins/common: one way for the helpers to report a libksm failure. */
#include "config.h"

#include <stdio.h>

#include "ksm/ksm.h"
#include "report.h"

void
plugin_report(const char *prog, int code, int with_hint)
{
	const ksm_error *e = ksm_error_last();

	if (e->code == code && e->message[0] != '\0')
		fprintf(stderr, "%s: %s\n", prog, e->message);
	else
		fprintf(stderr, "%s: %s\n", prog, ksm_strerror(code));
	if (with_hint && e->code == code && e->hint[0] != '\0')
		fprintf(stderr, "hint: %s\n", e->hint);
}
