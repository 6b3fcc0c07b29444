/* Base64 in both alphabets.  Decoding is lenient, as Keeper needs. */
#ifndef KSMX_B64_H
#define KSMX_B64_H

#include <stddef.h>
#include <stdint.h>

struct ksmx_buf;

enum ksmx_b64_style {
	KSMX_B64_STD,		/* + / with = padding */
	KSMX_B64_URL		/* - _ without padding */
};

/* Append the encoding of n bytes to out, NUL-terminated (not counted). */
int	ksmx_b64_encode(struct ksmx_buf *out, const void *p, size_t n,
	    enum ksmx_b64_style style);
/* Encode into a new malloc'd string (NULL on ENOMEM). Free with ksmx_strfree. */
char	*ksmx_b64_encode_str(const void *p, size_t n, enum ksmx_b64_style style);
/*
 * Append the decoding of s (len bytes) to out.  Accepts both alphabets,
 * with or without '=' padding; rejects any other character (whitespace
 * included) and impossible lengths: KSM_EINVAL.
 */
int	ksmx_b64_decode(struct ksmx_buf *out, const char *s, size_t len);
/* Decode into a fixed buffer of exactly want bytes: 0 or KSM_EINVAL. */
int	ksmx_b64_decode_exact(uint8_t *out, size_t want, const char *s);

#endif /* KSMX_B64_H */
