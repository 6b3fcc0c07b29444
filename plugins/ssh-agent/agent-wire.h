/* SSH wire encoding: a bounded reader for untrusted bytes and writers. */
#ifndef AGENT_WIRE_H
#define AGENT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct ksmx_rd {
	const uint8_t	*p;	/* next unread byte */
	size_t		 len;	/* bytes left */
};

/* Readers: 0, KSM_EPROTO (short input) or KSM_ETOOBIG (string > max). */
int	ksmx_rd_u8(struct ksmx_rd *rd, uint8_t *out);
int	ksmx_rd_u32(struct ksmx_rd *rd, uint32_t *out);
/* An SSH string; *out borrows from the input. */
int	ksmx_rd_string(struct ksmx_rd *rd, const uint8_t **out,
	    size_t *out_len, size_t max);
/* Exactly n raw bytes, borrowed. */
int	ksmx_rd_bytes(struct ksmx_rd *rd, const uint8_t **out, size_t n);
/* 0 when nothing is left, KSM_EPROTO on trailing bytes. */
int	ksmx_rd_end(const struct ksmx_rd *rd);

int	ksmx_put_u32(struct ksmx_buf *b, uint32_t v);
int	ksmx_put_string(struct ksmx_buf *b, const void *p, size_t n);
int	ksmx_put_cstring(struct ksmx_buf *b, const char *s);
/* An mpint from an unsigned big-endian magnitude (leading zeros dropped). */
int	ksmx_put_mpint(struct ksmx_buf *b, const uint8_t *p, size_t n);

#endif /* AGENT_WIRE_H */
