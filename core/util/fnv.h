/* FNV-1a, 64 bits: a fast non-cryptographic hash (indexes, "did it change"). */
#ifndef KSMX_FNV_H
#define KSMX_FNV_H

#include <stddef.h>
#include <stdint.h>

#define KSMX_FNV1A_INIT	14695981039346656037ULL	/* the offset basis */

/* h (KSMX_FNV1A_INIT to start) extended by n bytes at p. */
uint64_t ksmx_fnv1a(uint64_t h, const void *p, size_t n);

#endif /* KSMX_FNV_H */
