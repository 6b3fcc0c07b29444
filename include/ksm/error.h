/* One error type for all of libksm: a stable code and a message to act on. */
#ifndef KSM_ERROR_H
#define KSM_ERROR_H

#include "ksm/common.h"

KSM_BEGIN_DECL

/* Append only; never renumber.  docs/ERRORS.md has one row per code. */
typedef enum {
	KSM_OK		=   0,
	KSM_ERROR	=  -1,	/**< internal error */
	KSM_ENOMEM	=  -2,	/**< out of memory */
	KSM_EINVAL	=  -3,	/**< invalid argument */
	KSM_ENOTFOUND	=  -4,	/**< record, field or file not found */
	KSM_EAMBIGUOUS	=  -5,	/**< a title matches more than one record */
	KSM_ENOTATION	=  -6,	/**< malformed keeper:// notation */
	KSM_ELEGACY	=  -7,	/**< legacy (V2, untyped) record */
	KSM_EACCESS	=  -8,	/**< server answered access_denied */
	KSM_ENOTSHARED	=  -9,	/**< record not shared with the application */
	KSM_ETHROTTLED	= -10,	/**< Keeper throttled the client */
	KSM_ETLS	= -11,	/**< TLS certificate verification failed */
	KSM_EPROXY	= -12,	/**< proxy refused or failed */
	KSM_ENETWORK	= -13,	/**< server unreachable or timed out */
	KSM_ESERVER	= -14,	/**< unexpected error answer from the server */
	KSM_EPROTO	= -15,	/**< malformed or tampered response */
	KSM_ECONFIG	= -16,	/**< configuration missing or corrupt */
	KSM_EPERM	= -17,	/**< file permissions too open or wrong owner */
	KSM_ETOKEN	= -18,	/**< one-time token invalid, expired or used */
	KSM_ETOOBIG	= -19,	/**< input larger than a hard limit */
	KSM_EIO		= -20,	/**< local I/O error */
	KSM_EVERSION	= -21,	/**< client version not accepted by server */
	KSM_EKEY	= -22,	/**< server public key rejected */
	KSM_ECRYPTO	= -23,	/**< decryption or key failure */
	KSM_EEXIST	= -24	/**< output exists and would be overwritten */
} ksm_code;

#define KSM_CODE_LAST	KSM_EEXIST

#define KSM_ERROR_MSG_MAX	256

typedef struct ksm_error {
	int	code;				/**< a ksm_code */
	char	message[KSM_ERROR_MSG_MAX];	/**< one line, never a secret */
	char	hint[KSM_ERROR_MSG_MAX];	/**< what the user can do, or "" */
} ksm_error;

/**
 * The last error set by a libksm call on this thread.  Never NULL; valid
 * until the next libksm call on this thread.
 */
KSM_EXTERN(const ksm_error *) ksm_error_last(void);

/** Static text for a code ("unknown error" for an unknown one). */
KSM_EXTERN(const char *) ksm_strerror(int code);

/** Stable short name of a code, e.g. "ENOTSHARED". */
KSM_EXTERN(const char *) ksm_code_name(int code);

/** Forget the last error on this thread. */
KSM_EXTERN(void) ksm_error_clear(void);

KSM_END_DECL

#endif /* KSM_ERROR_H */
