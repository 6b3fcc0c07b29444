/* Lower-case hex, for names derived from keys (cache files, PAM cache). */
#ifndef KSMX_HEX_H
#define KSMX_HEX_H

#include <stddef.h>
#include <stdint.h>

/* out (2n + 1 bytes) = the hex of p[0..n), NUL-terminated. */
void	ksmx_hex(char *out, const uint8_t *p, size_t n);

#endif /* KSMX_HEX_H */
