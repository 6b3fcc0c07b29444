/* Wiping memory that held secrets. */
#ifndef KSMX_WIPE_H
#define KSMX_WIPE_H

#include <stddef.h>

void	ksmx_wipe(void *p, size_t n);		/* explicit_bzero; NULL/0 ok */
void	ksmx_freezero(void *p, size_t n);	/* wipe, then free; NULL ok */
void	ksmx_strfree(char *s);			/* wipe strlen(s), free; NULL ok */
char	*ksmx_strdup(const char *s);		/* strdup; NULL on NULL or ENOMEM */
/* Constant-time comparison of n bytes: 0 when equal. */
int	ksmx_memeq_ct(const void *a, const void *b, size_t n);

/* Wipe a whole array; handing it a pointer is a compile error. */
#define KSMX_IS_ARRAY(x) \
	(!__builtin_types_compatible_p(__typeof__(x), __typeof__(&(x)[0])))
#define ksmx_wipe_array(x) do {						\
	_Static_assert(KSMX_IS_ARRAY(x), "ksmx_wipe_array needs an array"); \
	ksmx_wipe((x), sizeof(x));					\
} while (0)

#endif /* KSMX_WIPE_H */
