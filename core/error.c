#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ksm-int.h"

/*
 * One fixed-size record per thread: setting an error never allocates, so
 * there is no init/shutdown and no "out of memory while reporting out of
 * memory" case.
 */
static _Thread_local ksm_error last_error;

static const struct code_row {
	int		 code;
	const char	*name;
	const char	*text;
} code_table[] = {
	{ KSM_OK,	  "OK",		"success" },
	{ KSM_ERROR,	  "ERROR",	"internal error" },
	{ KSM_ENOMEM,	  "ENOMEM",	"out of memory" },
	{ KSM_EINVAL,	  "EINVAL",	"invalid argument" },
	{ KSM_ENOTFOUND,  "ENOTFOUND",	"not found" },
	{ KSM_EAMBIGUOUS, "EAMBIGUOUS",	"title matches more than one record" },
	{ KSM_ENOTATION,  "ENOTATION",	"malformed keeper:// notation" },
	{ KSM_ELEGACY,	  "ELEGACY",	"legacy (V2, untyped) record" },
	{ KSM_EACCESS,	  "EACCESS",	"access denied by Keeper" },
	{ KSM_ENOTSHARED, "ENOTSHARED",	"record not shared with the application" },
	{ KSM_ETHROTTLED, "ETHROTTLED",	"throttled by Keeper" },
	{ KSM_ETLS,	  "ETLS",	"TLS certificate verification failed" },
	{ KSM_EPROXY,	  "EPROXY",	"proxy error" },
	{ KSM_ENETWORK,	  "ENETWORK",	"server unreachable or timed out" },
	{ KSM_ESERVER,	  "ESERVER",	"unexpected error from the server" },
	{ KSM_EPROTO,	  "EPROTO",	"malformed or tampered response" },
	{ KSM_ECONFIG,	  "ECONFIG",	"configuration missing or corrupt" },
	{ KSM_EPERM,	  "EPERM",	"file permissions too open" },
	{ KSM_ETOKEN,	  "ETOKEN",	"one-time token invalid, expired or already used" },
	{ KSM_ETOOBIG,	  "ETOOBIG",	"input too large" },
	{ KSM_EIO,	  "EIO",	"input/output error" },
	{ KSM_EVERSION,	  "EVERSION",	"client version not accepted by the server" },
	{ KSM_EKEY,	  "EKEY",	"server public key rejected" },
	{ KSM_ECRYPTO,	  "ECRYPTO",	"decryption or key error" },
	{ KSM_EEXIST,	  "EEXIST",	"already exists" },
};

const ksm_error *
ksm_error_last(void)
{
	return &last_error;
}

void
ksm_error_clear(void)
{
	memset(&last_error, 0, sizeof(last_error));
}

/* code's row of code_table, or NULL. */
static const struct code_row *
code_row(int code)
{
	size_t i;

	for (i = 0; i < sizeof(code_table) / sizeof(code_table[0]); i++)
		if (code_table[i].code == code)
			return &code_table[i];
	return NULL;
}

const char *
ksm_strerror(int code)
{
	const struct code_row *row = code_row(code);

	return row != NULL ? row->text : "unknown error";
}

const char *
ksm_code_name(int code)
{
	const struct code_row *row = code_row(code);

	return row != NULL ? row->name : "EUNKNOWN";
}

static int err_set(int, const char *, const char *, va_list)
    KSM_PRINTF(3, 0);

static int
err_set(int code, const char *suffix, const char *fmt, va_list ap)
{
	size_t n;

	last_error.code = code;
	last_error.hint[0] = '\0';
	(void)vsnprintf(last_error.message, sizeof(last_error.message), fmt, ap);
	n = strlen(last_error.message);
	if (suffix != NULL)
		(void)snprintf(last_error.message + n,
		    sizeof(last_error.message) - n, ": %s", suffix);
	return code;
}

int
ksm__err(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = err_set(code, NULL, fmt, ap);
	va_end(ap);
	return code;
}

int
ksm__err_context(int code, const char *fmt, ...)
{
	char why[KSM_ERROR_MSG_MAX], hint[KSM_ERROR_MSG_MAX];
	va_list ap;
	int keep = last_error.code == code && last_error.message[0] != '\0';

	(void)snprintf(why, sizeof(why), "%s", last_error.message);
	(void)snprintf(hint, sizeof(hint), "%s", last_error.hint);
	va_start(ap, fmt);
	code = err_set(code, keep ? why : NULL, fmt, ap);
	va_end(ap);
	if (keep)
		(void)snprintf(last_error.hint, sizeof(last_error.hint), "%s",
		    hint);
	return code;
}

int
ksm__err_errno(int code, const char *fmt, ...)
{
	char ebuf[128];
	const char *text;
	va_list ap;
	int saved = errno;

	/* _GNU_SOURCE (AC_USE_SYSTEM_EXTENSIONS): the GNU strerror_r */
	text = strerror_r(saved, ebuf, sizeof(ebuf));
	va_start(ap, fmt);
	code = err_set(code, text, fmt, ap);
	va_end(ap);
	errno = saved;
	return code;
}

void
ksm__err_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(last_error.hint, sizeof(last_error.hint), fmt, ap);
	va_end(ap);
}

void
ksm__printable(char *out, size_t out_len, const char *s)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0' && n + 1 < out_len; s++)
		out[n++] = ((unsigned char)*s >= 0x20 &&
		    (unsigned char)*s < 0x7f) ? *s : ' ';
	out[n] = '\0';
}
