#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/wipe.h"

void
ksmx_wipe(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	{
		volatile unsigned char *v = p;

		while (n-- > 0)
			*v++ = 0;
	}
#endif
}

void
ksmx_freezero(void *p, size_t n)
{
	if (p == NULL)
		return;
	ksmx_wipe(p, n);
	free(p);
}

void
ksmx_strfree(char *s)
{
	if (s == NULL)
		return;
	ksmx_freezero(s, strlen(s));
}

char *
ksmx_strdup(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

int
ksmx_memeq_ct(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d;
}
