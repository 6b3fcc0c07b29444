/* Common macros for the libksm public headers. */
#ifndef KSM_COMMON_H
#define KSM_COMMON_H

#include <stddef.h>

#ifdef __cplusplus
#define KSM_BEGIN_DECL	extern "C" {
#define KSM_END_DECL	}
#else
#define KSM_BEGIN_DECL
#define KSM_END_DECL
#endif

#if defined(__GNUC__) || defined(__clang__)
#define KSM_EXTERN(type)	extern __attribute__((visibility("default"))) type
#define KSM_WARN_UNUSED		__attribute__((warn_unused_result))
#else
#define KSM_EXTERN(type)	extern type
#define KSM_WARN_UNUSED
#endif

#define KSM_VERSION_MAJOR	0
#define KSM_VERSION_MINOR	1
#define KSM_VERSION_PATCH	0

#endif /* KSM_COMMON_H */
