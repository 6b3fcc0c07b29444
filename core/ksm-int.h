/*
 * Internal header every core .c includes after config.h.  Library-internal
 * cross-file names are ksm_<module>__<verb>; they are hidden from libksm.so
 * by -fvisibility=hidden and the version script.
 */
#ifndef KSM_INT_H
#define KSM_INT_H

#include "ksm/ksm.h"
#include "util/buf.h"
#include "util/wipe.h"

/* Every limit on untrusted sizes, with its unit. */
#define KSM_MAX_HTTP_BODY	(64u * 1024 * 1024)	/* bytes, API answers */
#define KSM_MAX_FILE		(256u * 1024 * 1024)	/* bytes, one attachment */
#define KSM_MAX_CONFIG_FILE	(64u * 1024)		/* bytes */
#define KSM_MAX_ERROR_BODY	(16u * 1024)		/* bytes kept of an error body */
#define KSM_MAX_KEY_ROTATIONS	3			/* `key` error retries */
#define KSM_MAX_THROTTLE_RETRIES 5

/*
 * The client version string we send; Keeper rejects versions it does not
 * know (invalid_client_version), so a new "mc" prefix would fail.  Our
 * payloads are shaped exactly like the JS SDK's (compact JSON, unset fields
 * omitted), so we present the JS SDK's version.  $KSM_CLIENT_VERSION
 * overrides it at run time.
 */
#define KSM_CLIENT_VERSION_DEFAULT	"ms17.5.0"

#if defined(__GNUC__) || defined(__clang__)
#define KSM_PRINTF(a, b)	__attribute__((format(printf, a, b)))
#else
#define KSM_PRINTF(a, b)
#endif

/* Set the thread's error and return code: return ksm__err(KSM_ECONFIG, ...) */
int	ksm__err(int code, const char *fmt, ...) KSM_PRINTF(2, 3);
/*
 * The same, for a caller adding context to a callee's failure: when the
 * thread's error already has code (the callee said why), the message
 * becomes "context: why" and the callee's hint is kept ("cannot compute
 * the TOTP HMAC-SHA1: cannot load libcrypto.so.3: ...").
 */
int	ksm__err_context(int code, const char *fmt, ...) KSM_PRINTF(2, 3);
/* The same with ": strerror(errno)" appended. */
int	ksm__err_errno(int code, const char *fmt, ...) KSM_PRINTF(2, 3);
/* Fill the hint of the current error (what the user should do). */
void	ksm__err_hint(const char *fmt, ...) KSM_PRINTF(1, 2);
/*
 * A server's text made safe for a one-line message: control and non-ASCII
 * bytes become spaces; cut to out_len - 1 bytes (s NULL: "").
 */
void	ksm__printable(char *out, size_t out_len, const char *s);

/*
 * Write all n bytes of p to fd, going on after EINTR: 0, or -1 with errno
 * set (a write that makes no progress is EIO).  In file-write.c.
 */
int	ksm_io__write_all(int fd, const void *p, size_t n);

/*
 * Append everything fd has to out (file-write.c), up to out's limit:
 * 0, -1 with errno set, or KSM_ETOOBIG / KSM_ENOMEM.  No message is set.
 */
int	ksm_io__read_fd(struct ksmx_buf *out, int fd);

#define KSM_IO_NOREPLACE	0x1u	/* KSM_EEXIST when path exists */
#define KSM_IO_MKDIRS		0x2u	/* create missing directories 0700 */
/*
 * Write n bytes to path atomically (file-write.c): a temporary file in
 * path's directory, created 0600, written and synced, given mode, then
 * renamed over path; the directory synced.  A reader sees the old file or
 * the new one, never a part; on failure path is untouched and the
 * temporary file removed.  A symlink at path is replaced, not followed.
 *
 * @return 0, KSM_EEXIST (NOREPLACE), KSM_EIO, KSM_ENOMEM or
 *	   KSM_EINVAL
 */
int	ksm_io__write_atomic(const char *path, const void *p, size_t n,
	    unsigned int mode, unsigned int flags);

#define KSM_ASSERT_ARG(expr) do {					\
	if (!(expr))							\
		return ksm__err(KSM_EINVAL, "invalid argument: '%s'", #expr); \
} while (0)

#endif /* KSM_INT_H */
