/* One-time codes (RFC 6238 TOTP) from oneTimeCode / otp field values. */
#ifndef KSM_TOTP_H
#define KSM_TOTP_H

#include "ksm/common.h"

KSM_BEGIN_DECL

/** Longest code plus its NUL: the size of ksm_totp_code()'s out. */
#define KSM_TOTP_CODE_MAX	9

/**
 * Compute the code of an otpauth://totp/ URI at a given time.  The library
 * never reads the clock: pass time(NULL) for "now".
 *
 * URI parameters: secret (base32, any case, '=' padding optional;
 * required), algorithm SHA1 (default, also when empty), SHA256 or SHA512,
 * digits 6 (default; also for 0 or a non-number), 7 or 8, period in
 * seconds (default 30, also for 0).
 *
 * @param out		the code, zero-padded to the URI's digits, NUL-terminated
 * @param[out] seconds_left  seconds until the code changes (1..period);
 *			may be NULL
 * @param unix_time	seconds since the epoch, >= 0
 * @return 0, or KSM_EINVAL for a URI that is not a usable TOTP URI (the
 *	   message says which part; it never contains the secret)
 */
KSM_EXTERN(int) ksm_totp_code(char out[KSM_TOTP_CODE_MAX],
    unsigned int *seconds_left, const char *uri, long long unix_time)
    KSM_WARN_UNUSED;

KSM_END_DECL

#endif /* KSM_TOTP_H */
