/*
 * Pieces of the scripted KSM servers in the unit tests (test-replay,
 * test-update, test-cache): they link against libksmcore.
 */
#ifndef KSM_FAKE_H
#define KSM_FAKE_H

#include <stddef.h>

#include "http.h"

/* the value of header NAME ("NAME: value") of req, or NULL */
const char	*ksm_test_header(const struct ksm_http_req *req,
		    const char *name);
/* standard base64 of GCM(key, pt); NULL on failure; free() it */
char		*ksm_test_gcm_b64(const unsigned char *key, const void *pt,
		    size_t n);

#endif
