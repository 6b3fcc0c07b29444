/*
 * libmicrohttpd glue: the listening socket, TLS, routing, the access log
 * and the signal loop.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "ksm/error.h"
#include "util/wipe.h"
#include "sandbox.h"

#define API_PREFIX	"/api/rest/sm/v1/"
#define FILES_PREFIX	"/files/"

struct conn_ctx {
	struct ksmx_buf	body;
	int		too_big;
};

void
sb_log(const struct sb_server *srv, const char *endpoint,
    const struct sb_response *resp)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(srv->log, "%s %s client=%s status=%d error=%s%s%s\n", ts,
	    endpoint, resp->client, resp->status,
	    resp->error[0] != '\0' ? resp->error : "-",
	    resp->members[0] != '\0' ? " members=" : "", resp->members);
	fflush(srv->log);
}

static void mhd_logger(void *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct sb_server *srv = cls;

	fputs("mhd: ", srv->log);
	vfprintf(srv->log, fmt, ap);
	fflush(srv->log);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn_ctx *ctx = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (ctx != NULL) {
		ksmx_buf_clear(&ctx->body);
		free(ctx);
		*con_cls = NULL;
	}
}

static const char *
header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static void
route(struct sb_server *srv, struct MHD_Connection *c, const char *url,
    const char *method, struct conn_ctx *ctx, struct sb_response *resp,
    const char **endpoint_out)
{
	struct sb_request rq;
	char verr[256];

	memset(&rq, 0, sizeof rq);
	rq.user_agent = header(c, "User-Agent");
	if (strncmp(url, API_PREFIX, strlen(API_PREFIX)) == 0) {
		rq.endpoint = url + strlen(API_PREFIX);
		*endpoint_out = rq.endpoint;
		if (strcmp(method, "POST") != 0) {
			sb_response_error(resp, srv, &rq, 405, "bad_request",
			    "Only POST is supported");
			return;
		}
		if (ctx->too_big) {
			sb_response_error(resp, srv, &rq, 413, "bad_request",
			    "The request body is too large");
			return;
		}
		rq.public_key_id = header(c, "PublicKeyId");
		rq.transmission_key = header(c, "TransmissionKey");
		rq.authorization = header(c, "Authorization");
		rq.body = ctx->body.d != NULL ? ctx->body.d :
		    (const uint8_t *)"";
		rq.body_len = ctx->body.len;
		sb_api_handle(srv, &rq, resp);
		return;
	}
	if (strcmp(url, SB_UPLOAD_PATH) == 0 && strcmp(method, "POST") == 0) {
		*endpoint_out = "upload";
		if (ctx->too_big) {
			sb_response_error(resp, srv, NULL, 413, "bad_request",
			    "The upload is too large");
			return;
		}
		sb_upload_serve(srv, header(c, "Content-Type"), ctx->body.d,
		    ctx->body.len, resp);
		return;
	}
	if (strncmp(url, FILES_PREFIX, strlen(FILES_PREFIX)) == 0 &&
	    strcmp(method, "GET") == 0) {
		*endpoint_out = "files";
		if (sb_vault_refresh(&srv->vault, verr, sizeof verr) != 0)
			fprintf(srv->log, "keeper-sandbox: vault not "
			    "reloaded: %s\n", verr);
		sb_files_serve(srv, url + strlen(FILES_PREFIX),
		    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "t"),
		    resp);
		return;
	}
	*endpoint_out = "unknown";
	rq.endpoint = "unknown";
	sb_response_error(resp, srv, &rq, 404, "not_found",
	    "No such endpoint in keeper-sandbox");
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct sb_server *srv = cls;
	struct conn_ctx *ctx = *con_cls;
	struct MHD_Response *mr;
	struct sb_response resp;
	const char *endpoint = "unknown";
	enum MHD_Result ret;

	(void)version;
	if (ctx == NULL) {
		struct ksmx_buf b = KSMX_BUF_INIT(SB_MAX_BODY);

		if ((ctx = calloc(1, sizeof *ctx)) == NULL)
			return MHD_NO;
		ctx->body = b;
		*con_cls = ctx;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (!ctx->too_big && ksmx_buf_put(&ctx->body, upload,
		    *upload_size) != 0) {
			ctx->too_big = 1;
			ksmx_buf_clear(&ctx->body);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	sb_response_init(&resp);
	route(srv, c, url, method, ctx, &resp, &endpoint);
	mr = MHD_create_response_from_buffer(resp.body.len,
	    resp.body.d != NULL ? resp.body.d : (uint8_t *)"",
	    MHD_RESPMEM_MUST_COPY);
	if (mr == NULL) {
		sb_response_clear(&resp);
		return MHD_NO;
	}
	MHD_add_response_header(mr, "Content-Type", resp.content_type);
	ret = MHD_queue_response(c, (unsigned)resp.status, mr);
	MHD_destroy_response(mr);
	sb_log(srv, endpoint, &resp);
	sb_response_clear(&resp);
	return ret;
}

/* "HOST:PORT" -> a listening socket; fills srv->listen. */
static int
open_listener(struct sb_server *srv, const char *listen_arg, int *fd_out)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof sa;
	char host[INET_ADDRSTRLEN + 16];
	const char *colon = strrchr(listen_arg, ':');
	char *end;
	long port;
	int fd, one = 1;

	if (colon == NULL || (size_t)(colon - listen_arg) >= sizeof host)
		return KSM_EINVAL;
	memcpy(host, listen_arg, (size_t)(colon - listen_arg));
	host[colon - listen_arg] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || port < 0 ||
	    port > 65535)
		return KSM_EINVAL;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return KSM_EINVAL;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return KSM_EIO;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) != 0) {
		close(fd);
		return KSM_ENETWORK;
	}
	if (strcmp(host, "0.0.0.0") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	snprintf(srv->listen, sizeof srv->listen, "%s:%u", host,
	    (unsigned)ntohs(sa.sin_port));
	*fd_out = fd;
	return 0;
}

int
sb_http_serve(struct sb_server *srv, const char *listen_arg)
{
	struct ksmx_buf cert = KSMX_BUF_INIT(64 * 1024);
	struct ksmx_buf key = KSMX_BUF_INIT(64 * 1024);
	struct MHD_Daemon *d = NULL;
	char *cert_path = NULL, *key_path = NULL, *listen_path = NULL;
	char line[80];
	sigset_t set;
	int fd = -1, sig = 0, r;

	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		fprintf(stderr, "keeper-sandbox: libmicrohttpd has no TLS\n");
		return KSM_ETLS;
	}
	cert_path = sb_state_path(&srv->st, "tls-cert.pem");
	key_path = sb_state_path(&srv->st, "tls-key.pem");
	listen_path = sb_state_path(&srv->st, "listen");
	if (cert_path == NULL || key_path == NULL || listen_path == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	unlink(listen_path);	/* never let a stale address be read */
	if ((r = sb_file_read(&cert, cert_path, 64 * 1024)) != 0 ||
	    (r = sb_file_read(&key, key_path, 64 * 1024)) != 0) {
		fprintf(stderr, "keeper-sandbox: cannot read the TLS "
		    "certificate or key in '%s'\n", srv->st.dir);
		goto out;
	}
	if ((r = open_listener(srv, listen_arg, &fd)) != 0) {
		fprintf(stderr, "keeper-sandbox: cannot listen on '%s'%s\n",
		    listen_arg, r == KSM_EINVAL ?
		    " (want IPV4:PORT, e.g. 127.0.0.1:0)" : "");
		goto out;
	}

	/* the MHD thread inherits this mask; we wait for the signals */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
	    MHD_USE_TLS | MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, srv,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_HTTPS_MEM_CERT, (const char *)cert.d,
	    MHD_OPTION_HTTPS_MEM_KEY, (const char *)key.d,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "keeper-sandbox: cannot start the HTTPS "
		    "server\n");
		r = KSM_ERROR;
		goto out;
	}
	fd = -1;	/* MHD owns it now */
	snprintf(line, sizeof line, "%s", srv->listen);
	if ((r = sb_file_write(listen_path, line, strlen(line), 0644)) != 0) {
		fprintf(stderr, "keeper-sandbox: cannot write '%s'\n",
		    listen_path);
		goto out;
	}
	fprintf(srv->log, "keeper-sandbox: listening on https://%s "
	    "(state %s)\n", srv->listen, srv->st.dir);
	fflush(srv->log);
	while (sigwait(&set, &sig) != 0 || sig == SIGHUP)
		;
	fprintf(srv->log, "keeper-sandbox: signal %d, stopping\n", sig);
	unlink(listen_path);
	r = 0;
out:
	if (d != NULL)
		MHD_stop_daemon(d);
	if (fd >= 0)
		close(fd);
	ksmx_buf_clear(&cert);
	ksmx_buf_clear(&key);
	free(cert_path);
	free(key_path);
	free(listen_path);
	return r;
}
