#include "config.h"

#include <string.h>

#include "ksm/error.h"
#include "util/wire.h"

int
ksmx_rd_u8(struct ksmx_rd *rd, uint8_t *out)
{
	if (rd->len < 1)
		return KSM_EPROTO;
	*out = rd->p[0];
	rd->p++;
	rd->len--;
	return 0;
}

int
ksmx_rd_u32(struct ksmx_rd *rd, uint32_t *out)
{
	if (rd->len < 4)
		return KSM_EPROTO;
	*out = (uint32_t)rd->p[0] << 24 | (uint32_t)rd->p[1] << 16 |
	    (uint32_t)rd->p[2] << 8 | (uint32_t)rd->p[3];
	rd->p += 4;
	rd->len -= 4;
	return 0;
}

int
ksmx_rd_string(struct ksmx_rd *rd, const uint8_t **out, size_t *out_len,
    size_t max)
{
	struct ksmx_rd save = *rd;
	uint32_t n;
	int r;

	if ((r = ksmx_rd_u32(rd, &n)) != 0)
		return r;
	if (n > max) {
		*rd = save;
		return KSM_ETOOBIG;
	}
	if (n > rd->len) {	/* compare with what is left, never p + n */
		*rd = save;
		return KSM_EPROTO;
	}
	*out = rd->p;
	*out_len = n;
	rd->p += n;
	rd->len -= n;
	return 0;
}

int
ksmx_rd_bytes(struct ksmx_rd *rd, const uint8_t **out, size_t n)
{
	if (n > rd->len)
		return KSM_EPROTO;
	*out = rd->p;
	rd->p += n;
	rd->len -= n;
	return 0;
}

int
ksmx_rd_end(const struct ksmx_rd *rd)
{
	return rd->len == 0 ? 0 : KSM_EPROTO;
}

int
ksmx_put_u32(struct ksmx_buf *b, uint32_t v)
{
	uint8_t x[4];

	x[0] = (uint8_t)(v >> 24);
	x[1] = (uint8_t)(v >> 16);
	x[2] = (uint8_t)(v >> 8);
	x[3] = (uint8_t)v;
	return ksmx_buf_put(b, x, sizeof(x));
}

int
ksmx_put_string(struct ksmx_buf *b, const void *p, size_t n)
{
	int r;

	if (n > UINT32_MAX)
		return KSM_ETOOBIG;
	if ((r = ksmx_put_u32(b, (uint32_t)n)) != 0)
		return r;
	return n ? ksmx_buf_put(b, p, n) : 0;
}

int
ksmx_put_cstring(struct ksmx_buf *b, const char *s)
{
	return ksmx_put_string(b, s, strlen(s));
}

int
ksmx_put_mpint(struct ksmx_buf *b, const uint8_t *p, size_t n)
{
	int pad, r;

	while (n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	pad = n > 0 && (p[0] & 0x80);
	if (n + (size_t)pad > UINT32_MAX)
		return KSM_ETOOBIG;
	if ((r = ksmx_put_u32(b, (uint32_t)(n + (size_t)pad))) != 0)
		return r;
	if (pad && (r = ksmx_buf_putc(b, 0)) != 0)
		return r;
	return n ? ksmx_buf_put(b, p, n) : 0;
}
