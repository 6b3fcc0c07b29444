/*
 * pam_keeper module arguments.  Pure: no PAM calls, so the unit test can
 * drive it.  Like pam_unix, a bad argument is skipped (and logged by the
 * caller), never fatal: every default is the strict one, so skipping an
 * option never weakens the module.
 */
#include "config.h"

#include <string.h>

#include "ksm-config.h"
#include "pam-opts.h"

void
pk_opts_init(struct pk_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->failmode = PK_FAILMODE_SECURE;
	o->timeout_s = PAM_KEEPER_TIMEOUT;
	o->config = PAM_KEEPER_CONFIG;
	o->only_if = NULL;
	o->profile = NULL;
}

static const char *
skip_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* Decimal in [lo, hi], no sign, no garbage. */
static int
parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned n = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (unsigned)(*s - '0');
		if (n > hi)
			return -1;
	}
	if (n < lo)
		return -1;
	*out = n;
	return 0;
}

/* "a,b,c": non-empty names without spaces, no empty element. */
static int
valid_list(const char *s)
{
	size_t n;

	for (;;) {
		n = strcspn(s, ", \t");
		if (n == 0)
			return 0;
		s += n;
		if (*s == '\0')
			return 1;
		if (*s != ',')
			return 0;
		s++;
	}
}

int
pk_opts_parse_one(struct pk_opts *o, const char *arg)
{
	const char *v;

	if (arg == NULL)
		return -1;
	if (strcmp(arg, "debug") == 0)
		o->debug = 1;
	else if (strcmp(arg, "use_first_pass") == 0)
		o->use_first_pass = 1;
	else if (strcmp(arg, "try_first_pass") == 0)
		o->try_first_pass = 1;
	else if (strcmp(arg, "failmode=secure") == 0)
		o->failmode = PK_FAILMODE_SECURE;
	else if (strcmp(arg, "failmode=safe") == 0)
		o->failmode = PK_FAILMODE_SAFE;
	else if ((v = skip_prefix(arg, "config=")) != NULL) {
		if (*v != '/')
			return -1;
		o->config = v;
	} else if ((v = skip_prefix(arg, "profile=")) != NULL) {
		if (!ksm_profile__name_ok(v))
			return -1;
		o->profile = v;
	} else if ((v = skip_prefix(arg, "only_if=")) != NULL) {
		if (!valid_list(v))
			return -1;
		o->only_if = v;
	} else if ((v = skip_prefix(arg, "timeout=")) != NULL)
		return parse_uint(v, 1, PAM_KEEPER_TIMEOUT_MAX, &o->timeout_s);
	else
		return -1;
	return 0;
}

int
pk_opts_service_selected(const struct pk_opts *o, const char *service)
{
	const char *p = o->only_if;
	size_t n, len;

	if (p == NULL)
		return 1;
	if (service == NULL || *service == '\0')
		return 0;
	len = strlen(service);
	for (;;) {
		n = strcspn(p, ",");
		if (n == len && strncmp(p, service, n) == 0)
			return 1;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}
