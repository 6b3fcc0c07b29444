#include "config.h"

#include <string.h>

#include "ksm/error.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/wipe.h"

static const char std_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
ksmx_b64_encode(struct ksmx_buf *out, const void *p, size_t n,
    enum ksmx_b64_style style)
{
	const char *tab = style == KSMX_B64_URL ? url_chars : std_chars;
	const uint8_t *s = p;
	char q[4];
	size_t i;
	int r;

	for (i = 0; i + 3 <= n; i += 3) {
		q[0] = tab[s[i] >> 2];
		q[1] = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		q[2] = tab[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		q[3] = tab[s[i + 2] & 63];
		if ((r = ksmx_buf_put(out, q, 4)) != 0)
			return r;
	}
	if (n - i == 1) {
		q[0] = tab[s[i] >> 2];
		q[1] = tab[(s[i] & 3) << 4];
		q[2] = q[3] = '=';
		if ((r = ksmx_buf_put(out, q, style == KSMX_B64_URL ? 2 : 4)) != 0)
			return r;
	} else if (n - i == 2) {
		q[0] = tab[s[i] >> 2];
		q[1] = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		q[2] = tab[(s[i + 1] & 15) << 2];
		q[3] = '=';
		if ((r = ksmx_buf_put(out, q, style == KSMX_B64_URL ? 3 : 4)) != 0)
			return r;
	}
	return ksmx_buf_cstr(out);
}

char *
ksmx_b64_encode_str(const void *p, size_t n, enum ksmx_b64_style style)
{
	struct ksmx_buf b = KSMX_BUF_INIT((n / 3 + 2) * 4 + 1);

	if (ksmx_b64_encode(&b, p, n, style) != 0) {
		ksmx_buf_clear(&b);
		return NULL;
	}
	if (b.d == NULL)	/* n == 0 */
		return ksmx_strdup("");
	return (char *)ksmx_buf_take(&b, NULL);
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int
ksmx_b64_decode(struct ksmx_buf *out, const char *s, size_t len)
{
	uint32_t acc = 0;
	size_t i, nchars, pad = 0;
	int bits = 0, v, r;
	uint8_t c;

	/* strip up to two '=' of padding; padding elsewhere is an error */
	while (len > 0 && s[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	nchars = len;
	if (nchars % 4 == 1)
		return KSM_EINVAL;
	if (pad != 0 && (nchars + pad) % 4 != 0)
		return KSM_EINVAL;
	for (i = 0; i < len; i++) {
		if ((v = b64_value((unsigned char)s[i])) < 0)
			return KSM_EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			c = (uint8_t)(acc >> bits);
			if ((r = ksmx_buf_putc(out, c)) != 0)
				return r;
		}
	}
	acc = 0;
	return 0;
}

int
ksmx_b64_decode_exact(uint8_t *out, size_t want, const char *s)
{
	struct ksmx_buf b = KSMX_BUF_INIT(want + 3);
	int r;

	if (s == NULL)
		return KSM_EINVAL;
	if ((r = ksmx_b64_decode(&b, s, strlen(s))) != 0 || b.len != want) {
		ksmx_buf_clear(&b);
		return KSM_EINVAL;
	}
	memcpy(out, b.d, want);
	ksmx_buf_clear(&b);
	return 0;
}
