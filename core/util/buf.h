/* Growable byte buffer with a hard limit, wiped on every release. */
#ifndef KSMX_BUF_H
#define KSMX_BUF_H

#include <stddef.h>
#include <stdint.h>

struct ksmx_buf {
	uint8_t	*d;
	size_t	 len;	/* bytes in use */
	size_t	 alloc;	/* bytes allocated */
	size_t	 max;	/* limit; set at init, never changed */
};
#define KSMX_BUF_INIT(max_)	{ NULL, 0, 0, (max_) }

/* Make room for n more bytes: 0, KSM_ETOOBIG or KSM_ENOMEM. */
int	ksmx_buf_reserve(struct ksmx_buf *b, size_t n);
int	ksmx_buf_put(struct ksmx_buf *b, const void *p, size_t n);
int	ksmx_buf_putc(struct ksmx_buf *b, uint8_t c);
int	ksmx_buf_puts(struct ksmx_buf *b, const char *s);
/* Append a NUL without counting it in len, so d can be read as a string. */
int	ksmx_buf_cstr(struct ksmx_buf *b);
/* Wipe and free the contents; b stays usable with the same limit. */
void	ksmx_buf_clear(struct ksmx_buf *b);
/*
 * src's bytes into dst: handed over without a copy when dst is empty and
 * they fit dst's limit, else appended.  src ends empty either way.
 */
int	ksmx_buf_move(struct ksmx_buf *dst, struct ksmx_buf *src);
/*
 * For a large buffer read front to back: wipe bytes [*done, upto) and give
 * the whole pages among them back to the kernel (they then read as zeros),
 * so what was consumed stops counting in the process's memory; *done
 * moves to upto.  Finish with ksmx_buf_clear_consumed() once *done is
 * b->len: it wipes the rest without touching the released pages again.
 */
void	ksmx_buf_consume(struct ksmx_buf *b, size_t *done, size_t upto);
void	ksmx_buf_clear_consumed(struct ksmx_buf *b, size_t done);
/* Hand the bytes to the caller, who frees them with ksmx_freezero(p, len). */
uint8_t	*ksmx_buf_take(struct ksmx_buf *b, size_t *len_out);

#endif /* KSMX_BUF_H */
