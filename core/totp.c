#include "config.h"

/*
 * RFC 6238 TOTP from otpauth://totp/ URIs (ksm-protocol.md §11).  The time
 * is an argument: nothing here reads the clock.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ksm-int.h"
#include "crypto.h"
#include "ksm/totp.h"

#define TOTP_PREFIX		"otpauth://totp"
#define TOTP_PREFIX_LEN		(sizeof(TOTP_PREFIX) - 1)
#define TOTP_MAX_KEY		256	/* bytes of decoded secret */
#define TOTP_MAX_PERIOD		0xffffffffu	/* seconds */

struct totp {
	uint8_t		 key[TOTP_MAX_KEY];
	size_t		 key_len;
	const char	*alg;		/* "SHA1", "SHA256", "SHA512" */
	unsigned int	 digits;
	unsigned long	 period;
};

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The first value of query parameter name in q (len bytes), percent- and
 * '+'-decoded into out (outsz with its NUL).  1 found, 0 absent, -1 too
 * long or badly encoded.
 */
static int
query_get(char *out, size_t outsz, const char *q, size_t len,
    const char *name)
{
	size_t i = 0, klen = strlen(name), n;
	const char *amp, *p, *end;
	int hi, lo;

	while (i <= len) {
		amp = memchr(q + i, '&', len - i);
		end = amp != NULL ? amp : q + len;
		p = q + i;
		if ((size_t)(end - p) >= klen && memcmp(p, name, klen) == 0 &&
		    (p + klen == end || p[klen] == '=')) {
			p += klen;
			if (p < end)
				p++;	/* '=' */
			for (n = 0; p < end; p++) {
				if (n + 1 >= outsz)
					return -1;
				if (*p == '%') {
					if (end - p < 3 ||
					    (hi = hexval(p[1])) < 0 ||
					    (lo = hexval(p[2])) < 0)
						return -1;
					out[n++] = (char)(hi * 16 + lo);
					p += 2;
				} else {
					out[n++] = *p == '+' ? ' ' : *p;
				}
			}
			out[n] = '\0';
			return 1;
		}
		if (amp == NULL)
			break;
		i = (size_t)(amp - q) + 1;
	}
	return 0;
}

/* RFC 4648 base32, any case, '=' padding optional; leftover bits dropped. */
static int
base32_decode(uint8_t *out, size_t outsz, size_t *out_len, const char *s)
{
	size_t len = strlen(s), i, n = 0;
	uint32_t acc = 0;
	int bits = 0, v;
	char c;

	while (len > 0 && s[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c >= 'a' && c <= 'z')
			v = c - 'a';
		else if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= '2' && c <= '7')
			v = c - '2' + 26;
		else
			return -1;
		acc = ((acc << 5) | (uint32_t)v) & 0xffffu;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (n >= outsz)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	acc = 0;
	*out_len = n;
	return 0;
}

/* Decimal digits only, saturating; -1 when empty or not a number. */
static long long
number(const char *s)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v < 0xffffffffffull)
			v = v * 10 + (unsigned long long)(*s - '0');
	}
	return (long long)v;
}

static int
parse_uri(struct totp *t, const char *uri)
{
	char buf[512], val[32];
	const char *q, *hash;
	size_t qlen;
	long long v;
	int r;

	if (strncasecmp(uri, TOTP_PREFIX, TOTP_PREFIX_LEN) != 0 ||
	    (uri[TOTP_PREFIX_LEN] != '/' && uri[TOTP_PREFIX_LEN] != '?')) {
		ksm__err(KSM_EINVAL, "not an otpauth://totp/ URI");
		ksm__err_hint("a oneTimeCode value looks like "
		    "otpauth://totp/LABEL?secret=BASE32SECRET");
		return KSM_EINVAL;
	}
	if ((q = strchr(uri, '?')) == NULL)
		q = uri + strlen(uri);
	else
		q++;
	hash = strchr(q, '#');
	qlen = hash != NULL ? (size_t)(hash - q) : strlen(q);

	r = query_get(buf, sizeof(buf), q, qlen, "secret");
	if (r < 0) {
		ksm__err(KSM_EINVAL, "TOTP secret is too long or badly "
		    "percent-encoded");
		goto fail;
	}
	if (r == 0 || buf[0] == '\0') {
		ksm__err(KSM_EINVAL, "TOTP URI has no secret");
		goto fail;
	}
	if (base32_decode(t->key, sizeof(t->key), &t->key_len, buf) != 0 ||
	    t->key_len == 0) {
		ksm__err(KSM_EINVAL, "TOTP secret is not base32 text");
		goto fail;
	}

	t->alg = "SHA1";
	r = query_get(val, sizeof(val), q, qlen, "algorithm");
	if (r < 0 || (r > 0 && val[0] != '\0' && strcasecmp(val, "SHA1") != 0 &&
	    strcasecmp(val, "SHA256") != 0 && strcasecmp(val, "SHA512") != 0)) {
		ksm__err(KSM_EINVAL, "unsupported TOTP algorithm '%.16s'",
		    r < 0 ? "?" : val);
		ksm__err_hint("algorithm must be SHA1, SHA256 or SHA512");
		goto fail;
	}
	if (r > 0 && strcasecmp(val, "SHA256") == 0)
		t->alg = "SHA256";
	else if (r > 0 && strcasecmp(val, "SHA512") == 0)
		t->alg = "SHA512";

	t->digits = 6;
	r = query_get(val, sizeof(val), q, qlen, "digits");
	v = r > 0 ? number(val) : -1;
	if (r < 0 || (v > 0 && (v < 6 || v > 8))) {
		ksm__err(KSM_EINVAL, "unsupported TOTP digits '%.16s'",
		    r < 0 ? "?" : val);
		ksm__err_hint("digits must be 6, 7 or 8");
		goto fail;
	}
	if (v > 0)
		t->digits = (unsigned int)v;

	t->period = 30;
	r = query_get(val, sizeof(val), q, qlen, "period");
	v = r > 0 ? number(val) : -1;
	if (r < 0 || v > (long long)TOTP_MAX_PERIOD) {
		ksm__err(KSM_EINVAL, "unsupported TOTP period '%.16s'",
		    r < 0 ? "?" : val);
		goto fail;
	}
	if (v > 0)
		t->period = (unsigned long)v;
	ksmx_wipe_array(buf);
	return 0;
fail:
	ksmx_wipe_array(buf);
	ksmx_wipe(t->key, sizeof(t->key));
	return KSM_EINVAL;
}

int
ksm_totp_code(char out[KSM_TOTP_CODE_MAX], unsigned int *seconds_left,
    const char *uri, long long unix_time)
{
	static const uint32_t mod[] = { 1000000u, 10000000u, 100000000u };
	struct totp t;
	uint8_t msg[8], mac[64];
	unsigned long long counter;
	size_t mac_len = sizeof(mac);
	uint32_t bin;
	unsigned int off;
	int i, r;

	KSM_ASSERT_ARG(out != NULL);
	out[0] = '\0';
	if (seconds_left != NULL)
		*seconds_left = 0;
	KSM_ASSERT_ARG(uri != NULL);
	KSM_ASSERT_ARG(unix_time >= 0);
	memset(&t, 0, sizeof(t));
	if ((r = parse_uri(&t, uri)) != 0)
		return r;
	counter = (unsigned long long)unix_time / t.period;
	for (i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)(counter & 0xff);
		counter >>= 8;
	}
	r = ksm_crypto__hmac(mac, &mac_len, t.alg, t.key, t.key_len,
	    msg, sizeof(msg));
	if (r != 0 || mac_len < 20 || mac_len > sizeof(mac)) {
		r = r != 0 ? ksm__err_context(r, "cannot compute the TOTP "
		    "HMAC-%s", t.alg) : ksm__err(KSM_ECRYPTO, "cannot compute "
		    "the TOTP HMAC-%s", t.alg);
		goto out;
	}
	off = mac[mac_len - 1] & 0x0f;
	bin = ((uint32_t)(mac[off] & 0x7f) << 24) |
	    ((uint32_t)mac[off + 1] << 16) |
	    ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
	(void)snprintf(out, KSM_TOTP_CODE_MAX, "%0*u", (int)t.digits,
	    (unsigned int)(bin % mod[t.digits - 6]));
	if (seconds_left != NULL)
		*seconds_left = (unsigned int)(t.period -
		    (unsigned long long)unix_time % t.period);
	r = 0;
out:
	ksmx_wipe(&t, sizeof(t));
	ksmx_wipe_array(mac);
	ksmx_wipe_array(msg);
	bin = 0;
	return r;
}
