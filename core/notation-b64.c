#include "config.h"

/*
 * The base64url form of a notation: a string without any '/' stands for
 * the notation it decodes to (ksm-protocol.md §10.1).  I/O-free, linked by
 * the parser, its unit test and the fuzzer.  The rule, decided against the
 * official SDKs' parseNotation (JS: re-pad, Node's Buffer, TextDecoder;
 * Python: urlsafe_b64decode, bytes.decode), is in docs/notation.md:
 *
 *  - both alphabets (- _ and + ; '/' cannot occur); ASCII whitespace
 *    anywhere is skipped, as both SDKs' decoders skip it;
 *  - '=' padding is optional and may be repeated (JS re-pads, both accept
 *    extra '='); '=' before the last base64 character is an error;
 *  - any other character, and a length that leaves a lone character
 *    (4n + 1), is an error;
 *  - the decoded bytes must be UTF-8 (Python; JS would read U+FFFD) with
 *    no NUL; a leading byte order mark is dropped (JS's TextDecoder);
 *  - the decoded text must have a '/': it is parsed as a plain notation
 *    and never decoded again, as in both SDKs.
 */

#include <string.h>

#include "ksm-int.h"
#include "notation-int.h"
#include "util/b64.h"

#define B64_HINT \
	"write [keeper://]<UID or title>/<selector>... (a record UID alone " \
	"is not a notation); a string without any '/' must be the " \
	"base64url encoding of one (A-Z a-z 0-9 - _, '=' padding " \
	"optional), e.g. from basenc --base64url"

/* What is wrong with a candidate base64 form; B64_OK when nothing. */
enum b64_why {
	B64_OK,
	B64_CHAR,	/* a character outside the alphabet, at pos */
	B64_PAD,	/* '=' at pos is followed by base64 */
	B64_LENGTH,	/* n base64 characters: 4n + 1 */
	B64_EMPTY,	/* decodes to nothing */
	B64_NUL,	/* NUL byte at pos of the decoding */
	B64_UTF8,	/* invalid UTF-8 at pos of the decoding */
	B64_NOSLASH	/* the decoding has no '/' */
};

struct b64_res {
	enum b64_why	 why;
	size_t		 pos;	/* 0-based */
	size_t		 n;	/* B64_LENGTH: base64 characters */
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static int
is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '+';
}

/*
 * Length of the UTF-8 sequence at p (n bytes left), or 0 when it is not
 * one: overlong forms, surrogates and code points past U+10FFFF are not
 * UTF-8 (RFC 3629; Python's decoder refuses them too).
 */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* Keep the base64 characters of text in sym: 0, or a problem in res. */
static int
symbols(struct ksmx_buf *sym, struct b64_res *res, const char *text,
    size_t len)
{
	size_t i, pad_at = 0;
	int padded = 0, r;

	for (i = 0; i < len; i++) {
		if (is_space(text[i]))
			continue;
		if (text[i] == '=') {
			if (!padded)
				pad_at = i;
			padded = 1;
			continue;
		}
		if (!is_b64(text[i])) {
			res->why = B64_CHAR;
			res->pos = i;
			return KSM_ENOTATION;
		}
		if (padded) {
			res->why = B64_PAD;
			res->pos = pad_at;
			return KSM_ENOTATION;
		}
		if ((r = ksmx_buf_putc(sym, (uint8_t)text[i])) != 0)
			return r;
	}
	if (sym->len % 4 == 1) {
		res->why = B64_LENGTH;
		res->n = sym->len;
		return KSM_ENOTATION;
	}
	return 0;
}

/* The decoded bytes in out must be notation text (BOM dropped here). */
static int
check_text(struct ksmx_buf *out, struct b64_res *res)
{
	size_t i = 0, k;

	if (out->len >= 3 && memcmp(out->d, "\xef\xbb\xbf", 3) == 0) {
		memmove(out->d, out->d + 3, out->len - 3);
		ksmx_wipe(out->d + out->len - 3, 3);
		out->len -= 3;
	}
	if (out->len == 0) {
		res->why = B64_EMPTY;
		return KSM_ENOTATION;
	}
	while (i < out->len) {
		if (out->d[i] == '\0') {
			res->why = B64_NUL;
			res->pos = i;
			return KSM_ENOTATION;
		}
		if ((k = utf8_seq(out->d + i, out->len - i)) == 0) {
			res->why = B64_UTF8;
			res->pos = i;
			return KSM_ENOTATION;
		}
		i += k;
	}
	if (memchr(out->d, '/', out->len) == NULL) {
		res->why = B64_NOSLASH;
		return KSM_ENOTATION;
	}
	return 0;
}

/*
 * Decode text (len bytes, no '/') into out as notation text, setting no
 * error: 0, KSM_ENOTATION with the problem in res, KSM_ENOMEM/ETOOBIG.
 */
static int
b64_form(struct ksmx_buf *out, struct b64_res *res, const char *text,
    size_t len)
{
	struct ksmx_buf sym = KSMX_BUF_INIT(KSM_MAX_NOTATION);
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = symbols(&sym, res, text, len)) == 0 &&
	    (r = ksmx_b64_decode(out, (const char *)sym.d, sym.len)) == 0 &&
	    (r = check_text(out, res)) == 0)
		r = ksmx_buf_cstr(out);
	ksmx_buf_clear(&sym);
	if (r != 0)
		ksmx_buf_clear(out);
	return r;
}

/* Say what res found wrong with text; returns KSM_ENOTATION. */
static int
b64_err(const struct b64_res *res, const char *text, size_t len)
{
	unsigned char c = res->why == B64_CHAR ?
	    (unsigned char)text[res->pos] : 0;

	if (ksm_notation__uid_shaped_n(text, len)) {
		ksm__err(KSM_ENOTATION, "'%.22s' is a record UID, not a "
		    "notation: it has no '/' and is not the base64url form of "
		    "one", text);
		ksm__err_hint("name a value in the record, e.g. %.22s/field/"
		    "password, %.22s/custom_field/<label> or %.22s/type",
		    text, text, text);
		return KSM_ENOTATION;
	}
	switch (res->why) {
	case B64_CHAR:
		if (c >= 0x20 && c < 0x7f)
			ksm__err(KSM_ENOTATION, "notation has no '/' and is not "
			    "base64url: character %zu is '%c'", res->pos + 1,
			    c);
		else
			ksm__err(KSM_ENOTATION, "notation has no '/' and is not "
			    "base64url: byte %zu is 0x%02x", res->pos + 1, c);
		break;
	case B64_PAD:
		ksm__err(KSM_ENOTATION, "notation has no '/' and is not "
		    "base64url: the '=' at character %zu is not trailing "
		    "padding", res->pos + 1);
		break;
	case B64_LENGTH:
		ksm__err(KSM_ENOTATION, "notation has no '/' and is not "
		    "base64url: %zu base64 characters do not make whole bytes "
		    "(a character is missing or extra)", res->n);
		break;
	case B64_EMPTY:
		ksm__err(KSM_ENOTATION, "notation has no '/' and its base64url "
		    "decoding is empty");
		break;
	case B64_NUL:
		ksm__err(KSM_ENOTATION, "notation has no '/' and its base64url "
		    "decoding holds a NUL byte (byte %zu)", res->pos + 1);
		break;
	case B64_UTF8:
		ksm__err(KSM_ENOTATION, "notation has no '/' and its base64url "
		    "decoding is not UTF-8 text (byte %zu)", res->pos + 1);
		break;
	case B64_NOSLASH:
	default:
		ksm__err(KSM_ENOTATION, "notation has no '/' and its base64url "
		    "decoding has no '/' either (a notation is decoded from "
		    "base64 once)");
		break;
	}
	ksm__err_hint(B64_HINT);
	return KSM_ENOTATION;
}

int
ksm_notation__b64_decode(struct ksmx_buf *out, const char *text, size_t len)
{
	struct b64_res res;
	int r;

	if ((r = b64_form(out, &res, text, len)) == KSM_ENOTATION)
		return b64_err(&res, text, len);
	if (r != 0)
		return ksm__err(r, "out of memory decoding a base64 notation");
	return 0;
}

int
ksm_notation_is_uid(const char *text)
{
	ksm_error saved;
	ksm_notation *n = NULL;
	size_t len;
	int uid;

	if (text == NULL)
		return 0;
	len = strnlen(text, 23);
	if (!ksm_notation__uid_shaped_n(text, len))
		return 0;
	/*
	 * A record UID is 16 random bytes in base64url: it is a notation
	 * only if those happen to parse as one.  The parse must not replace
	 * the caller's error: ksm_error_last() is this thread's own
	 * (writable) object.
	 */
	saved = *ksm_error_last();
	uid = ksm_notation__parse(&n, text, len, 0) != 0;
	ksm_notation_free(n);
	*(ksm_error *)ksm_error_last() = saved;
	return uid;
}
