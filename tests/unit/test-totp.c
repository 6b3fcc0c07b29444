#include "config.h"

/* TOTP: every RFC 6238 vector of crypto-vectors.json, then URI parsing. */

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "json.h"
#include "ksm/totp.h"
#include "ksm-test.h"

#define SECRET	"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"	/* "1234567890" x2 */
#define BASE	"otpauth://totp/ACME:john?issuer=ACME&secret="

static void
test_vectors(void)
{
	cJSON *root = ksm_test_vectors("crypto-vectors.json");
	const cJSON *it, *tl;
	char code[KSM_TOTP_CODE_MAX];
	unsigned int left;
	const char *uri, *want;
	long long t;
	int n = 0, r;

	if (!T_OK(root != NULL, "totp::vectors load"))
		return;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root,
	    "totp"), "vectors")) {
		uri = ksmx_json_str(it, "uri");
		want = ksmx_json_str(it, "code");
		t = (long long)cJSON_GetObjectItem(it, "unix_time")->valuedouble;
		r = ksm_totp_code(code, &left, uri, t);
		T_OK(r == 0, "totp::vector %d computes (%s)", n,
		    r ? ksm_error_last()->message : "ok");
		T_STREQ(r == 0 ? code : NULL, want, "totp::vector %d t=%lld", n,
		    t);
		if ((tl = cJSON_GetObjectItem(it, "time_left")) != NULL)
			T_OK(left == (unsigned int)tl->valueint,
			    "totp::vector %d time left %u", n, left);
		n++;
	}
	T_OK(n >= 18, "totp::%d vectors run", n);
	cJSON_Delete(root);
}

struct ucase {
	const char	*uri;
	long long	 t;
	int		 code;		/* 0: success */
	const char	*want;		/* code, or part of the message */
	unsigned int	 left;		/* 0: not checked */
};

static void
test_uris(void)
{
	static const struct ucase cs[] = {
		/* secret: case, padding, percent-encoding */
		{ BASE SECRET "&digits=8", 59, 0, "94287082", 1 },
		{ BASE "gezdgnbvgy3tqojqgezdgnbvgy3tqojq&digits=8", 59, 0,
		    "94287082", 0 },
		{ BASE SECRET "%3D%3D&digits=8", 59, 0, "94287082", 0 },
		{ BASE SECRET "====&digits=8", 59, 0, "94287082", 0 },
		{ "otpauth://totp/x?digits=8&secret=" SECRET, 59, 0,
		    "94287082", 0 },
		{ "OTPAUTH://TOTP/x?secret=" SECRET "&digits=8", 59, 0,
		    "94287082", 0 },
		{ "otpauth://totp?secret=" SECRET "&digits=8", 59, 0,
		    "94287082", 0 },
		{ BASE SECRET "&digits=8#frag", 59, 0, "94287082", 0 },
		/* defaults: SHA1, 6 digits, 30 s */
		{ BASE SECRET, 59, 0, "287082", 1 },
		{ BASE SECRET, 0, 0, NULL, 30 },
		{ BASE SECRET, 29, 0, NULL, 1 },
		{ BASE SECRET, 30, 0, NULL, 30 },
		{ BASE SECRET "&digits=7", 59, 0, "4287082", 0 },
		{ BASE SECRET "&digits=", 59, 0, "287082", 0 },
		{ BASE SECRET "&digits=abc", 59, 0, "287082", 0 },
		{ BASE SECRET "&digits=0&period=0", 59, 0, "287082", 1 },
		{ BASE SECRET "&algorithm=sha1&digits=8", 59, 0, "94287082",
		    0 },
		/* period 60: T = 1 at t=60..119, left counts to 60 */
		{ BASE SECRET "&period=60&digits=8", 60, 0, NULL, 60 },
		{ BASE SECRET "&period=60&digits=8", 119, 0, NULL, 1 },
		{ BASE SECRET "&period=abc", 59, 0, "287082", 1 },
		/* errors */
		{ BASE SECRET "&digits=9", 59, KSM_EINVAL, "digits", 0 },
		{ BASE SECRET "&digits=5", 59, KSM_EINVAL, "digits", 0 },
		{ BASE SECRET "&digits=99999999999999999999", 59, KSM_EINVAL,
		    "digits", 0 },
		{ BASE SECRET "&algorithm=MD5", 59, KSM_EINVAL, "algorithm", 0 },
		{ BASE SECRET "&period=99999999999", 59, KSM_EINVAL, "period",
		    0 },
		{ "otpauth://totp/x?issuer=ACME", 59, KSM_EINVAL, "no secret",
		    0 },
		{ "otpauth://totp/x?secret=&issuer=ACME", 59, KSM_EINVAL,
		    "no secret", 0 },
		{ "otpauth://totp/x?secretx=" SECRET, 59, KSM_EINVAL,
		    "no secret", 0 },
		{ BASE "GEZDGNBVGY3TQOJ1", 59, KSM_EINVAL, "base32", 0 },
		{ BASE "GEZD GNBV", 59, KSM_EINVAL, "base32", 0 },
		{ BASE "GEZ%ZZ", 59, KSM_EINVAL, "percent", 0 },
		{ BASE "G", 59, KSM_EINVAL, "base32", 0 },
		{ "otpauth://hotp/x?secret=" SECRET, 59, KSM_EINVAL,
		    "otpauth://totp", 0 },
		{ "otpauth://totpx?secret=" SECRET, 59, KSM_EINVAL,
		    "otpauth://totp", 0 },
		{ "https://example.com/?secret=" SECRET, 59, KSM_EINVAL,
		    "otpauth://totp", 0 },
		{ "", 59, KSM_EINVAL, "otpauth://totp", 0 },
	};
	char code[KSM_TOTP_CODE_MAX];
	unsigned int left;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		left = 12345;
		r = ksm_totp_code(code, &left, cs[i].uri, cs[i].t);
		if (cs[i].code != 0) {
			T_FAILS(r, cs[i].code, "totp::uri %zu '%s' fails", i,
			    cs[i].uri);
			T_OK(strstr(ksm_error_last()->message, cs[i].want) !=
			    NULL && strstr(ksm_error_last()->message,
			    "GEZDGNBV") == NULL && code[0] == '\0' && left == 0,
			    "totp::uri %zu message '%s' names the problem, not "
			    "the secret", i, ksm_error_last()->message);
			continue;
		}
		T_OK(r == 0, "totp::uri %zu '%s' (%s)", i, cs[i].uri,
		    r ? ksm_error_last()->message : "ok");
		if (cs[i].want != NULL)
			T_STREQ(code, cs[i].want, "totp::uri %zu code", i);
		if (cs[i].left != 0)
			T_OK(left == cs[i].left, "totp::uri %zu left %u == %u",
			    i, left, cs[i].left);
	}
	/* seconds_left may be NULL; bad arguments */
	T_OK(ksm_totp_code(code, NULL, BASE SECRET, 59) == 0 &&
	    strcmp(code, "287082") == 0, "totp::seconds_left NULL");
	T_FAILS(ksm_totp_code(code, &left, BASE SECRET, -1), KSM_EINVAL,
	    "totp::negative time");
	T_FAILS(ksm_totp_code(code, &left, NULL, 59), KSM_EINVAL,
	    "totp::NULL uri");
	/* a large time and period do not overflow */
	T_OK(ksm_totp_code(code, &left, BASE SECRET "&period=4294967295",
	    9223372036854775807LL) == 0 && strlen(code) == 6 && left >= 1 &&
	    left <= 4294967295u, "totp::extreme time and period");
}

int
main(void)
{
	test_vectors();
	test_uris();
	return ksm_test_done();
}
