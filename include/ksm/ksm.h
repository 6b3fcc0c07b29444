/* libksm: native Keeper Secrets Manager client.  Include only this. */
#ifndef KSM_KSM_H
#define KSM_KSM_H

#include "ksm/common.h"
#include "ksm/error.h"
#include "ksm/record.h"
#include "ksm/client.h"
#include "ksm/notation.h"
#include "ksm/totp.h"
#include "ksm/cache.h"
#include "ksm/write.h"

#endif /* KSM_KSM_H */
