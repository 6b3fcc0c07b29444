/* HTTPS over libcurl; http-curl.c is the only file that includes curl. */
#ifndef KSM_HTTP_H
#define KSM_HTTP_H

#include <stddef.h>

struct ksmx_buf;

struct ksm_http_req {
	const char		*url;
	const char *const	*headers;	/* "Name: value", NULL-terminated */
	const void		*body;		/* NULL: GET */
	size_t			 body_len;
	const char		*ca_file;	/* NULL: system store */
	unsigned int		 connect_timeout_ms;
	unsigned int		 timeout_ms;
	/*
	 * Non-zero: timeout_ms bounds only a stall (no byte for that long)
	 * instead of the whole transfer, for file downloads whose size and
	 * so duration the caller cannot bound.
	 */
	int			 timeout_is_stall;
};

/*
 * Perform the request with TLS verification always on.  On a transport
 * failure returns KSM_ETLS (message says a proxy may be intercepting TLS
 * and names KSM_CA_FILE / caFile), KSM_EPROXY or KSM_ENETWORK with a
 * message naming the URL's host.  Otherwise 0, with *status and the body
 * (bounded by body->max) filled in.
 */
int	ksm_http__perform(const struct ksm_http_req *req, long *status,
	    struct ksmx_buf *body);

#endif /* KSM_HTTP_H */
