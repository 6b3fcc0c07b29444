#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include <stdlib.h>
#include <string.h>

#include "ksm/error.h"
#include "util/buf.h"
#include "util/wipe.h"

int
ksmx_buf_reserve(struct ksmx_buf *b, size_t n)
{
	uint8_t *nd;
	size_t want, nalloc;

	if (n > b->max || b->len > b->max - n)	/* len + n > max, no overflow */
		return KSM_ETOOBIG;
	want = b->len + n;
	if (want <= b->alloc)
		return 0;
	nalloc = b->alloc != 0 ? b->alloc : 256;
	if (nalloc > b->max)
		nalloc = b->max;
	while (nalloc < want)
		nalloc = nalloc > b->max / 2 ? b->max : nalloc * 2;
	if ((nd = malloc(nalloc)) == NULL)
		return KSM_ENOMEM;
	if (b->len != 0)
		memcpy(nd, b->d, b->len);
	ksmx_freezero(b->d, b->alloc);	/* not realloc(): it leaves copies */
	b->d = nd;
	b->alloc = nalloc;
	return 0;
}

int
ksmx_buf_put(struct ksmx_buf *b, const void *p, size_t n)
{
	int r;

	if (n == 0)
		return 0;
	if ((r = ksmx_buf_reserve(b, n)) != 0)
		return r;
	memcpy(b->d + b->len, p, n);
	b->len += n;
	return 0;
}

int
ksmx_buf_putc(struct ksmx_buf *b, uint8_t c)
{
	return ksmx_buf_put(b, &c, 1);
}

int
ksmx_buf_puts(struct ksmx_buf *b, const char *s)
{
	return ksmx_buf_put(b, s, strlen(s));
}

int
ksmx_buf_cstr(struct ksmx_buf *b)
{
	int r;

	if (b->alloc <= b->len) {
		/* the NUL may take one byte past max: it is not content */
		if (b->len == b->max)
			b->max++;
		if ((r = ksmx_buf_reserve(b, 1)) != 0)
			return r;
	}
	b->d[b->len] = '\0';
	return 0;
}

void
ksmx_buf_clear(struct ksmx_buf *b)
{
	ksmx_freezero(b->d, b->alloc);
	b->d = NULL;
	b->len = b->alloc = 0;
}

uint8_t *
ksmx_buf_take(struct ksmx_buf *b, size_t *len_out)
{
	uint8_t *d = b->d;

	if (len_out != NULL)
		*len_out = b->len;
	b->d = NULL;
	b->len = b->alloc = 0;
	return d;
}

int
ksmx_buf_move(struct ksmx_buf *dst, struct ksmx_buf *src)
{
	int r;

	if (dst->len != 0 || src->len > dst->max) {
		r = ksmx_buf_put(dst, src->d, src->len);
		ksmx_buf_clear(src);
		return r;
	}
	ksmx_buf_clear(dst);
	dst->d = src->d;
	dst->len = src->len;
	dst->alloc = src->alloc;
	src->d = NULL;
	src->len = src->alloc = 0;
	return 0;
}

void
ksmx_buf_consume(struct ksmx_buf *b, size_t *done, size_t upto)
{
	uintptr_t page, from, to;
	long ps;

	if (upto > b->len)
		upto = b->len;
	if (b->d == NULL || upto <= *done)
		return;
	ksmx_wipe(b->d + *done, upto - *done);
	/* whole pages strictly inside the allocation: malloc's own header
	 * sits before d and is never in [d + 0, d + upto) */
	if ((ps = sysconf(_SC_PAGESIZE)) > 0) {
		page = (uintptr_t)ps;
		from = ((uintptr_t)(b->d + *done) + page - 1) & ~(page - 1);
		to = (uintptr_t)(b->d + upto) & ~(page - 1);
		if (to > from)
			(void)madvise((void *)from, to - from, MADV_DONTNEED);
	}
	*done = upto;
}

void
ksmx_buf_clear_consumed(struct ksmx_buf *b, size_t done)
{
	if (done > b->len)
		done = b->len;
	if (b->d != NULL)
		ksmx_wipe(b->d + done, b->alloc - done);
	free(b->d);
	b->d = NULL;
	b->len = b->alloc = 0;
}
