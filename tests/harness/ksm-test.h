/*
 * Minimal TAP harness for unit tests.  Each check prints one "ok"/"not ok"
 * line; ksm_test_done() prints the plan and returns the exit status.
 */
#ifndef KSM_TEST_H
#define KSM_TEST_H

#include <stddef.h>
#include <stdint.h>

#define T_OK(cond, ...)	ksm_test_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* Compare two NUL-terminated strings (NULL-safe). */
#define T_STREQ(a, b, ...) \
	ksm_test_streq((a), (b), __FILE__, __LINE__, __VA_ARGS__)
#define T_MEMEQ(a, b, n, ...) \
	ksm_test_memeq((a), (b), (n), __FILE__, __LINE__, __VA_ARGS__)
/* call must fail with code and leave a message of that code. */
#define T_FAILS(call, code, ...) \
	ksm_test_fails((call), (code), __FILE__, __LINE__, __VA_ARGS__)

int	ksm_test_ok(int ok, const char *file, int line, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
int	ksm_test_streq(const char *a, const char *b, const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int	ksm_test_memeq(const void *a, const void *b, size_t n, const char *file,
	    int line, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int	ksm_test_fails(int got, int want, const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void	ksm_test_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	ksm_test_done(void);

/* dir/rel in one of 8 static buffers, for paths under a test's directory. */
const char *ksm_test_path(const char *dir, const char *rel);
/* Non-zero when hay (may be NULL) contains needle (may be NULL). */
int	ksm_test_contains(const char *hay, const char *needle);
/* Remove dir and everything below it (links not followed); 0 or -1. */
int	ksm_test_rmtree(const char *dir);

/* Whole file into a NUL-terminated malloc'd buffer; NULL on error. */
char	*ksm_test_slurp(const char *path, size_t *len);
/* $KSM_TEST_VECTORS/name (or tests/vectors/name), parsed; NULL on error. */
struct cJSON *ksm_test_vectors(const char *name);
/* Hex to bytes; returns byte count or (size_t)-1. */
size_t	ksm_test_unhex(uint8_t *out, size_t max, const char *hex);

#endif /* KSM_TEST_H */
