#include "config.h"

#include <stdint.h>
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
	size_t i, tail = n % 3, need;
	char *q;
	int r;

	/* written in place after one reservation (plus the NUL) */
	if (n / 3 > (SIZE_MAX - 5) / 4)
		return KSM_ETOOBIG;
	need = n / 3 * 4 + (tail == 0 ? 0 : style == KSMX_B64_URL ? tail + 1 :
	    4);
	if ((r = ksmx_buf_reserve(out, need)) != 0)
		return r;
	q = (char *)out->d + out->len;
	for (i = 0; i + 3 <= n; i += 3) {
		*q++ = tab[s[i] >> 2];
		*q++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*q++ = tab[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		*q++ = tab[s[i + 2] & 63];
	}
	if (tail == 1) {
		*q++ = tab[s[i] >> 2];
		*q++ = tab[(s[i] & 3) << 4];
		if (style != KSMX_B64_URL) {
			*q++ = '=';
			*q++ = '=';
		}
	} else if (tail == 2) {
		*q++ = tab[s[i] >> 2];
		*q++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*q++ = tab[(s[i + 1] & 15) << 2];
		if (style != KSMX_B64_URL)
			*q++ = '=';
	}
	out->len = (size_t)((uint8_t *)q - out->d);
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

/* 1 + the sextet of each base64 character, both alphabets; 0: not base64 */
static const unsigned char b64_tab[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17,
	['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
	['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27,
	['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
	['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37,
	['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47,
	['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52,
	['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
	['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62,
	['+'] = 63, ['-'] = 63, ['/'] = 64, ['_'] = 64,
};

static int
b64_value(unsigned char c)
{
	return (int)b64_tab[c] - 1;
}

/*
 * Decodes into out's spare room, reserved once for the whole result: a
 * 10,000-record answer decodes several megabytes of base64, and growing
 * byte by byte cost a tenth of `keeper-secret list`.
 */
int
ksmx_b64_decode(struct ksmx_buf *out, const char *s, size_t len)
{
	uint32_t acc = 0;
	size_t i, nchars, pad = 0;
	uint8_t *w;
	int bits = 0, v, r;

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
	if (nchars == 0)
		return 0;
	if ((r = ksmx_buf_reserve(out, nchars / 4 * 3 + (nchars % 4) * 3 / 4)) != 0)
		return r;
	w = out->d + out->len;
	for (i = 0; i < len; i++) {
		if ((v = b64_value((unsigned char)s[i])) < 0) {
			ksmx_wipe(out->d + out->len, (size_t)(w - (out->d +
			    out->len)));
			acc = 0;
			return KSM_EINVAL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*w++ = (uint8_t)(acc >> bits);
		}
	}
	out->len = (size_t)(w - out->d);
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
