#include "config.h"

/*
 * HTTPS over libcurl.  This is the only file that includes curl.  TLS
 * verification is always on; the only TLS setting is the CA file.  The
 * request body is sent from the caller's buffer (CURLOPT_POSTFIELDS, never
 * COPYPOSTFIELDS, so libcurl keeps no copy that we cannot wipe) and the
 * response is collected into the caller's bounded ksmx_buf.  libcurl reads
 * the usual proxy variables (https_proxy, all_proxy, no_proxy) itself.
 *
 * A session (struct ksm_http_session, one per ksm_client) keeps one easy
 * handle across requests, so libcurl's connection cache and TLS session
 * cache let a client that makes many calls use one HTTPS connection
 * instead of a TCP and TLS handshake per call.  Every request sets all its
 * options again (TLS verification included), and the handle is reset
 * after each request, so between requests it points at nothing of the
 * caller's (body, headers, error buffer).
 */

#include <sys/socket.h>

#include <ctype.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "ksm-int.h"
#include "http.h"

/*
 * libcurl is loaded on the first request, not at program start: its
 * dependencies (GnuTLS, Kerberos, LDAP, libssh2, ...) cost more start-up
 * time than everything else a `keeper-secret get` does, and a run served
 * by the cache (or a PAM module that ignores the user) needs no HTTP.
 */
#define CURL_SONAME	"libcurl.so.4"

static struct {
	CURLcode	(*global_init)(long);
	CURL		*(*easy_init)(void);
	void		(*easy_reset)(CURL *);
	CURLcode	(*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	(*easy_perform)(CURL *);
	CURLcode	(*easy_getinfo)(CURL *, CURLINFO, ...);
	void		(*easy_cleanup)(CURL *);
	const char	*(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void		(*slist_free_all)(struct curl_slist *);
} cu;

static pthread_once_t	global_once = PTHREAD_ONCE_INIT;
static CURLcode		global_rc = CURLE_FAILED_INIT;
static char		global_dlerr[160];	/* why loading failed */

/* calls go through the table (curl.h may define some as type-checking macros) */
#undef curl_global_init
#undef curl_easy_init
#undef curl_easy_reset
#undef curl_easy_setopt
#undef curl_easy_perform
#undef curl_easy_getinfo
#undef curl_easy_cleanup
#undef curl_easy_strerror
#undef curl_slist_append
#undef curl_slist_free_all
#define curl_global_init	cu.global_init
#define curl_easy_init		cu.easy_init
#define curl_easy_reset		cu.easy_reset
#define curl_easy_setopt	cu.easy_setopt
#define curl_easy_perform	cu.easy_perform
#define curl_easy_getinfo	cu.easy_getinfo
#define curl_easy_cleanup	cu.easy_cleanup
#define curl_easy_strerror	cu.easy_strerror
#define curl_slist_append	cu.slist_append
#define curl_slist_free_all	cu.slist_free_all

/* dlsym into a function pointer (POSIX's recommended form) */
#define SYM(h, field, name) \
	(*(void **)(&cu.field) = dlsym((h), (name))) != NULL

struct ksm_http_session {
	CURL		*h;		/* NULL until the first request */
};

struct sink {
	struct ksmx_buf	*body;
	int		 rc;		/* first ksmx_buf failure */
	CURL		*h;
	int		 sized;		/* body reserved from Content-Length */
};

static void
global_init(void)
{
	const char *e;
	void *h;

	/* never unloaded: libcurl keeps global state */
	if ((h = dlopen(CURL_SONAME, RTLD_LAZY | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		(void)snprintf(global_dlerr, sizeof(global_dlerr), "%s",
		    e != NULL ? e : "dlopen failed");
		return;
	}
	if (!(SYM(h, global_init, "curl_global_init") &&
	    SYM(h, easy_init, "curl_easy_init") &&
	    SYM(h, easy_reset, "curl_easy_reset") &&
	    SYM(h, easy_setopt, "curl_easy_setopt") &&
	    SYM(h, easy_perform, "curl_easy_perform") &&
	    SYM(h, easy_getinfo, "curl_easy_getinfo") &&
	    SYM(h, easy_cleanup, "curl_easy_cleanup") &&
	    SYM(h, easy_strerror, "curl_easy_strerror") &&
	    SYM(h, slist_append, "curl_slist_append") &&
	    SYM(h, slist_free_all, "curl_slist_free_all"))) {
		(void)snprintf(global_dlerr, sizeof(global_dlerr),
		    "%s lacks a function libksm uses", CURL_SONAME);
		return;
	}
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;
	int r = 0;
#if LIBCURL_VERSION_NUM >= 0x073700
	curl_off_t cl = -1;

	/*
	 * Room for the whole announced body at once: growing a multi-megabyte
	 * answer by doubling copied it a dozen times and held two copies at
	 * the peak.  A length beyond the bound is left to the bound to refuse.
	 */
	if (!s->sized) {
		s->sized = 1;
		if (curl_easy_getinfo(s->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
		    &cl) == CURLE_OK && cl > 0 &&
		    (uint64_t)cl <= s->body->max - s->body->len)
			r = ksmx_buf_reserve(s->body, (size_t)cl);
	}
#endif
	if (r != 0 || (r = ksmx_buf_put(s->body, p, n)) != 0) {
		s->rc = r;
		return 0;	/* makes libcurl fail with CURLE_WRITE_ERROR */
	}
	return n;
}

/*
 * Sockets are close-on-exec: a session keeps its connection open between
 * requests, and a program that forks and execs meanwhile must not hand it
 * to the child.
 */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	int fd;

	(void)arg;
	(void)purpose;
#ifdef SOCK_CLOEXEC
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
#else
	if ((fd = socket(a->family, a->socktype, a->protocol)) >= 0)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
	return fd >= 0 ? (curl_socket_t)fd : CURL_SOCKET_BAD;
}

/* "host[:port]" of an absolute URL, for messages (never a path/query). */
static void
url_host(char *out, size_t out_len, const char *url)
{
	const char *p, *end;
	size_t n;

	p = strstr(url, "://");
	p = p != NULL ? p + 3 : url;
	if ((end = strpbrk(p, "/?#")) == NULL)
		end = p + strlen(p);
	/* drop any userinfo */
	for (const char *q = p; q < end; q++)
		if (*q == '@')
			p = q + 1;
	n = (size_t)(end - p);
	if (n >= out_len)
		n = out_len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* Host part without port, for no_proxy matching. */
static void
host_only(char *out, size_t out_len, const char *hostport)
{
	const char *colon;
	size_t n;

	if (hostport[0] == '[') {	/* [v6]:port */
		colon = strchr(hostport, ']');
		n = colon != NULL ? (size_t)(colon - hostport - 1) : 0;
		hostport++;
	} else {
		colon = strrchr(hostport, ':');
		n = colon != NULL ? (size_t)(colon - hostport) : strlen(hostport);
	}
	if (n >= out_len)
		n = out_len - 1;
	memcpy(out, hostport, n);
	out[n] = '\0';
}

static const char *
env2(const char *a, const char *b)
{
	const char *v = getenv(a);

	if (v == NULL || *v == '\0')
		v = getenv(b);
	return v != NULL && *v != '\0' ? v : NULL;
}

/*
 * Whether libcurl will use a proxy for this host (its own rules, closely
 * enough to word an error message: https_proxy / all_proxy, no_proxy).
 */
static int
proxy_in_use(const char *hostport)
{
	char host[256], item[256];
	const char *np, *p;
	size_t hl, il, n;

	if (env2("https_proxy", "HTTPS_PROXY") == NULL &&
	    env2("all_proxy", "ALL_PROXY") == NULL)
		return 0;
	host_only(host, sizeof(host), hostport);
	hl = strlen(host);
	if ((np = env2("no_proxy", "NO_PROXY")) == NULL)
		return 1;
	for (p = np; *p != '\0'; p += n + (p[n] != '\0')) {
		n = strcspn(p, ",");
		il = n < sizeof(item) ? n : sizeof(item) - 1;
		memcpy(item, p, il);
		item[il] = '\0';
		/* trim spaces and one leading dot */
		while (il > 0 && isspace((unsigned char)item[il - 1]))
			item[--il] = '\0';
		{
			char *s = item;

			while (isspace((unsigned char)*s))
				s++;
			if (*s == '.')
				s++;
			il = strlen(s);
			if (strcmp(s, "*") == 0)
				return 0;
			if (il == 0 || il > hl)
				continue;
			if (strcasecmp(host + hl - il, s) == 0 &&
			    (il == hl || host[hl - il - 1] == '.'))
				return 0;
		}
	}
	return 1;
}

static int
is_cert_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:	/* also CURLE_SSL_CACERT */
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
		return 1;
	default:
		return 0;
	}
}

/* Map a libcurl failure to a ksm code with a message naming the host. */
static int
map_error(CURLcode rc, CURL *h, const struct ksm_http_req *req,
    const char *host, const char *ebuf, const struct sink *sink)
{
	const char *text = ebuf[0] != '\0' ? ebuf : curl_easy_strerror(rc);
	long connect_code = 0;
	int via_proxy = proxy_in_use(host);

	if (rc == CURLE_WRITE_ERROR && sink->rc != 0) {
		if (sink->rc == KSM_ETOOBIG)
			return ksm__err(KSM_ETOOBIG,
			    "response from '%s' is larger than %zu bytes",
			    host, sink->body->max);
		return ksm__err(sink->rc, "cannot store the response from '%s'",
		    host);
	}
	if (rc == CURLE_SSL_CACERT_BADFILE) {
		(void)ksm__err(KSM_ETLS, "cannot use the CA file '%s': %s",
		    req->ca_file != NULL ? req->ca_file : "(system)", text);
		ksm__err_hint("name a readable PEM file with KSM_CA_FILE, "
		    "caFile in the config, or --ca-file");
		return KSM_ETLS;
	}
	if (is_cert_error(rc)) {
		(void)ksm__err(KSM_ETLS, "TLS certificate verification failed "
		    "for '%s': %s; a proxy may be intercepting TLS", host, text);
		ksm__err_hint("if your network uses an intercepting proxy, name "
		    "its CA certificate with KSM_CA_FILE=/path/to/ca.pem, caFile "
		    "in the config, or --ca-file");
		return KSM_ETLS;
	}
	(void)curl_easy_getinfo(h, CURLINFO_HTTP_CONNECTCODE, &connect_code);
	if (rc == CURLE_COULDNT_RESOLVE_PROXY ||
#if LIBCURL_VERSION_NUM >= 0x074900
	    rc == CURLE_PROXY ||
#endif
	    (connect_code != 0 && connect_code != 200) ||
	    (via_proxy && rc == CURLE_COULDNT_CONNECT)) {
		if (connect_code != 0 && connect_code != 200)
			(void)ksm__err(KSM_EPROXY, "the proxy refused the "
			    "connection to '%s' (HTTP %ld): %s", host,
			    connect_code, text);
		else
			(void)ksm__err(KSM_EPROXY, "cannot use the proxy to "
			    "reach '%s': %s", host, text);
		ksm__err_hint("check https_proxy/all_proxy and no_proxy in the "
		    "environment (and the proxy's credentials)");
		return KSM_EPROXY;
	}
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		(void)ksm__err(KSM_ENETWORK, "cannot reach '%s': timed out "
		    "(%s)", host, text);
		ksm__err_hint("check your network connection and the hostname; "
		    "a slow network may need a longer timeout");
		return KSM_ENETWORK;
	case CURLE_SSL_CONNECT_ERROR:
		(void)ksm__err(KSM_ENETWORK, "TLS handshake with '%s' failed: "
		    "%s", host, text);
		ksm__err_hint("check that '%s' is a Keeper (HTTPS) server",
		    host);
		return KSM_ENETWORK;
	case CURLE_OUT_OF_MEMORY:
		return ksm__err(KSM_ENOMEM, "out of memory talking to '%s'",
		    host);
	default:
		(void)ksm__err(KSM_ENETWORK, "cannot reach '%s': %s", host,
		    text);
		ksm__err_hint("check your network connection and the hostname "
		    "(config hostname, KSM_HOSTNAME or --host)");
		return KSM_ENETWORK;
	}
}

/* Load libcurl once (first request); 0 or a ksm code with a message. */
static int
load_curl(void)
{
	(void)pthread_once(&global_once, global_init);
	if (global_dlerr[0] != '\0') {
		(void)ksm__err(KSM_ERROR, "cannot load libcurl: %s",
		    global_dlerr);
		ksm__err_hint("install libcurl (Debian: apt-get install "
		    "libcurl4)");
		return KSM_ERROR;
	}
	if (global_rc != CURLE_OK)
		return ksm__err(KSM_ERROR, "cannot initialise libcurl: %s",
		    curl_easy_strerror(global_rc));
	return 0;
}

/*
 * One request on h, which holds no options on entry (new or reset) and
 * none on return: it is reset before returning, keeping only libcurl's
 * caches (live connections, TLS sessions, DNS).
 */
static int
perform_on(CURL *h, const struct ksm_http_req *req, long *status,
    struct ksmx_buf *body)
{
	char ebuf[CURL_ERROR_SIZE];
	char host[256];
	struct curl_slist *hdrs = NULL, *tmp;
	struct sink sink;
	CURLcode rc;
	size_t i;
	int r;

	*status = 0;
	ebuf[0] = '\0';
	url_host(host, sizeof(host), req->url);
	sink.body = body;
	sink.rc = 0;
	sink.h = h;
	sink.sized = 0;
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
		if ((tmp = curl_slist_append(hdrs, req->headers[i])) == NULL) {
			r = ksm__err(KSM_ENOMEM, "out of memory");
			goto out;
		}
		hdrs = tmp;
	}
	/* "Expect: 100-continue" only costs a round trip here */
	if (req->body != NULL) {
		if ((tmp = curl_slist_append(hdrs, "Expect:")) == NULL) {
			r = ksm__err(KSM_ENOMEM, "out of memory");
			goto out;
		}
		hdrs = tmp;
	}

	rc = CURLE_OK;
#define SETOPT(o, v) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, o, v); } while (0)
	SETOPT(CURLOPT_URL, req->url);
	SETOPT(CURLOPT_ERRORBUFFER, ebuf);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_OPENSOCKETFUNCTION, open_socket);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file != NULL) {
		SETOPT(CURLOPT_CAINFO, req->ca_file);
		SETOPT(CURLOPT_CAPATH, (char *)NULL);
	}
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
	SETOPT(CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, (long)req->connect_timeout_ms);
	if (req->timeout_is_stall) {
		SETOPT(CURLOPT_LOW_SPEED_LIMIT, 1L);
		SETOPT(CURLOPT_LOW_SPEED_TIME,
		    (long)(req->timeout_ms + 999) / 1000);
	} else
		SETOPT(CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
	SETOPT(CURLOPT_HTTPHEADER, hdrs);
	SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(CURLOPT_WRITEDATA, &sink);
	SETOPT(CURLOPT_USERAGENT, "libksm/" PACKAGE_VERSION);
	if (req->body != NULL) {
		SETOPT(CURLOPT_POST, 1L);
		SETOPT(CURLOPT_POSTFIELDS, req->body);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	} else {
		SETOPT(CURLOPT_HTTPGET, 1L);
	}
#undef SETOPT
	if (rc != CURLE_OK) {
		r = ksm__err(KSM_ERROR, "cannot set up the request to '%s': %s",
		    host, curl_easy_strerror(rc));
		goto out;
	}
	if ((rc = curl_easy_perform(h)) != CURLE_OK) {
		r = map_error(rc, h, req, host, ebuf, &sink);
		goto out;
	}
	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	r = 0;
out:
	/* drop every pointer into this frame and the caller's memory */
	curl_easy_reset(h);
	curl_slist_free_all(hdrs);
	return r;
}

int
ksm_http__session_new(struct ksm_http_session **out)
{
	/* libcurl itself is loaded only by the first request */
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	return 0;
}

void
ksm_http__session_free(struct ksm_http_session *s)
{
	if (s == NULL)
		return;
	if (s->h != NULL)	/* then libcurl is loaded */
		curl_easy_cleanup(s->h);	/* closes the connections */
	free(s);
}

int
ksm_http__perform_in(struct ksm_http_session *s,
    const struct ksm_http_req *req, long *status, struct ksmx_buf *body)
{
	int r;

	*status = 0;
	if ((r = load_curl()) != 0)
		return r;
	if (s->h == NULL && (s->h = curl_easy_init()) == NULL)
		return ksm__err(KSM_ENOMEM, "cannot create a libcurl handle");
	return perform_on(s->h, req, status, body);
}

int
ksm_http__perform(const struct ksm_http_req *req, long *status,
    struct ksmx_buf *body)
{
	CURL *h;
	int r;

	*status = 0;
	if ((r = load_curl()) != 0)
		return r;
	if ((h = curl_easy_init()) == NULL)
		return ksm__err(KSM_ENOMEM, "cannot create a libcurl handle");
	r = perform_on(h, req, status, body);
	curl_easy_cleanup(h);
	return r;
}
