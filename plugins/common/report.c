/*
 * plugins/common: one way for the helpers to report a libksm failure, and
 * to take --config / --profile.
 */
#include "config.h"

#include <stdio.h>

#include "ksm/ksm.h"
#include "ksm-config.h"
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

int
plugin_config_option(const char *prog, int is_profile, const char *arg,
    const char **config, char *profile_buf)
{
	/* one of the two options, whichever came first, but not both */
	if ((is_profile && *config != NULL && *config != profile_buf) ||
	    (!is_profile && *config != NULL && *config == profile_buf)) {
		fprintf(stderr, "%s: --config and --profile both name the KSM "
		    "configuration: give one\n", prog);
		return -1;
	}
	if (!is_profile) {
		*config = arg;
		return 0;
	}
	if (ksm_config__profile_arg(profile_buf, arg) != 0) {
		plugin_report(prog, KSM_EINVAL, 1);
		return -1;
	}
	*config = profile_buf;
	return 0;
}
