#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "util/b64.h"
#include "util/buf.h"
#include "ksm-fake.h"

const char *
ksm_test_header(const struct ksm_http_req *req, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
		if (strncmp(req->headers[i], name, n) == 0 &&
		    req->headers[i][n] == ':' && req->headers[i][n + 1] == ' ')
			return req->headers[i] + n + 2;
	return NULL;
}

char *
ksm_test_gcm_b64(const unsigned char *key, const void *pt, size_t n)
{
	struct ksmx_buf b = KSMX_BUF_INIT(1 << 20);
	char *s = NULL;

	if (ksm_crypto__gcm_encrypt(&b, key, pt, n) == 0)
		s = ksmx_b64_encode_str(b.d, b.len, KSMX_B64_STD);
	ksmx_buf_clear(&b);
	return s;
}
