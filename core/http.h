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
 * Perform the request with TLS verification always on, on a connection of
 * its own (closed on return).  On a transport failure returns KSM_ETLS
 * (message says a proxy may be intercepting TLS and names KSM_CA_FILE /
 * caFile), KSM_EPROXY or KSM_ENETWORK with a message naming the URL's
 * host.  Otherwise 0, with *status and the body (bounded by body->max)
 * filled in.
 */
int	ksm_http__perform(const struct ksm_http_req *req, long *status,
	    struct ksmx_buf *body);

/*
 * A session keeps one libcurl handle, and so its live connections and TLS
 * sessions, across requests: ksm_http__perform_in() on the same session
 * reuses the HTTPS connection of the previous request to the same host
 * (libcurl reconnects by itself when the server closed it).  Each request
 * sets every option again, TLS verification included, as
 * ksm_http__perform() does; errors are the same.  A session is used by one
 * thread at a time.  ksm_http__session_new() does not load libcurl (the
 * first request does); ksm_http__session_free() closes the connections and
 * takes NULL.
 */
struct ksm_http_session;

int	ksm_http__session_new(struct ksm_http_session **out);
void	ksm_http__session_free(struct ksm_http_session *s);
int	ksm_http__perform_in(struct ksm_http_session *s,
	    const struct ksm_http_req *req, long *status,
	    struct ksmx_buf *body);

#endif /* KSM_HTTP_H */
