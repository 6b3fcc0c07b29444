#include "config.h"

/*
 * agent-bench: time an SSH agent (any: keeper-agent, OpenSSH's ssh-agent)
 * over its socket.  For tests/bench/bench-agent.sh; figures, not a test.
 *
 *   agent-bench SOCKET LIST_RUNS SIGN_SECONDS
 *
 * Prints tab-separated lines:
 *   list	<median µs of REQUEST_IDENTITIES on one open connection>
 *   connlist	<median µs of connect + REQUEST_IDENTITIES + close>
 *   sign	<comment>	<key type>	<signatures per second>
 * Signing uses 64 bytes of data and, for RSA, rsa-sha2-512 (what SSHSIG
 * and sshd ask for); each key signs for SIGN_SECONDS.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "bench-clock.h"
#include "agent-proto.h"
#include "util/wire.h"

#define MAX_KEYS	64

static int
connect_to(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
full(int fd, void *p, size_t n, int wr)
{
	uint8_t *b = p;
	ssize_t k;

	while (n > 0) {
		k = wr ? write(fd, b, n) : read(fd, b, n);
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Send body (type + payload), read the reply body into rep. */
static int
request(int fd, const struct ksmx_buf *body, struct ksmx_buf *rep)
{
	uint8_t len[4];
	uint32_t n;

	len[0] = (uint8_t)(body->len >> 24);
	len[1] = (uint8_t)(body->len >> 16);
	len[2] = (uint8_t)(body->len >> 8);
	len[3] = (uint8_t)body->len;
	if (full(fd, len, 4, 1) != 0 ||
	    full(fd, body->d, body->len, 1) != 0 || full(fd, len, 4, 0) != 0)
		return -1;
	n = (uint32_t)len[0] << 24 | (uint32_t)len[1] << 16 |
	    (uint32_t)len[2] << 8 | len[3];
	if (n == 0 || n > AGENT_MAX_MSG)
		return -1;
	ksmx_buf_clear(rep);
	{
		uint8_t *tmp = malloc(n);
		int r;

		if (tmp == NULL)
			return -1;
		r = full(fd, tmp, n, 0) == 0 ? ksmx_buf_put(rep, tmp, n) : -1;
		free(tmp);
		return r;
	}
}

int
main(int argc, char **argv)
{
	struct ksmx_buf list = KSMX_BUF_INIT(16), rep = KSMX_BUF_INIT(1 << 20);
	struct ksmx_buf sreq = KSMX_BUF_INIT(1 << 16);
	uint8_t *blobs[MAX_KEYS];
	size_t blob_len[MAX_KEYS];
	char comments[MAX_KEYS][128], types[MAX_KEYS][64];
	uint8_t data[64];
	double *t, t0, secs;
	struct ksmx_rd rd;
	const uint8_t *b, *c;
	size_t bl, cl, i, runs, nk = 0;
	uint32_t n, j;
	long count;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: agent-bench SOCKET LIST_RUNS "
		    "SIGN_SECONDS\n");
		return 2;
	}
	runs = (size_t)strtoul(argv[2], NULL, 10);
	secs = strtod(argv[3], NULL);
	if (runs == 0 || (t = calloc(runs, sizeof(*t))) == NULL ||
	    (fd = connect_to(argv[1])) < 0) {
		fprintf(stderr, "agent-bench: cannot connect to %s\n", argv[1]);
		return 1;
	}
	ksmx_buf_putc(&list, SSH2_AGENTC_REQUEST_IDENTITIES);
	for (i = 0; i < runs; i++) {
		t0 = bench_now_us();
		if (request(fd, &list, &rep) != 0 || rep.d[0] != 12)
			return fprintf(stderr, "agent-bench: list failed\n"), 1;
		t[i] = bench_now_us() - t0;
	}
	printf("list\t%.1f\n", bench_median(t, runs));
	for (i = 0; i < runs; i++) {
		int f2;

		t0 = bench_now_us();
		if ((f2 = connect_to(argv[1])) < 0 ||
		    request(f2, &list, &rep) != 0 || rep.d[0] != 12)
			return fprintf(stderr, "agent-bench: list failed\n"), 1;
		close(f2);
		t[i] = bench_now_us() - t0;
	}
	printf("connlist\t%.1f\n", bench_median(t, runs));

	rd.p = rep.d + 1;
	rd.len = rep.len - 1;
	if (ksmx_rd_u32(&rd, &n) != 0)
		return 1;
	for (j = 0; j < n && nk < MAX_KEYS; j++) {
		struct ksmx_rd br;
		const uint8_t *ty;
		size_t tl;

		if (ksmx_rd_string(&rd, &b, &bl, AGENT_MAX_BLOB) != 0 ||
		    ksmx_rd_string(&rd, &c, &cl, 4096) != 0)
			return 1;
		br.p = b;
		br.len = bl;
		if (ksmx_rd_string(&br, &ty, &tl, 63) != 0)
			return 1;
		memcpy(types[nk], ty, tl);
		types[nk][tl] = '\0';
		snprintf(comments[nk], sizeof(comments[nk]), "%.*s", (int)cl,
		    (const char *)c);
		blobs[nk] = malloc(bl);
		memcpy(blobs[nk], b, bl);
		blob_len[nk++] = bl;
	}
	memset(data, 0x5a, sizeof(data));
	for (i = 0; i < nk; i++) {
		ksmx_buf_clear(&sreq);
		ksmx_buf_putc(&sreq, SSH2_AGENTC_SIGN_REQUEST);
		ksmx_put_string(&sreq, blobs[i], blob_len[i]);
		ksmx_put_string(&sreq, data, sizeof(data));
		ksmx_put_u32(&sreq, strcmp(types[i], "ssh-rsa") == 0 ?
		    SSH_AGENT_RSA_SHA2_512 : 0);
		count = 0;
		t0 = bench_now_us();
		do {
			if (request(fd, &sreq, &rep) != 0 || rep.d[0] != 14)
				return fprintf(stderr, "agent-bench: sign with "
				    "%s failed\n", comments[i]), 1;
			count++;
		} while (bench_now_us() - t0 < secs * 1e6);
		printf("sign\t%s\t%s\t%.0f\n", comments[i], types[i],
		    (double)count * 1e6 / (bench_now_us() - t0));
		free(blobs[i]);
	}
	close(fd);
	free(t);
	ksmx_buf_clear(&list);
	ksmx_buf_clear(&rep);
	ksmx_buf_clear(&sreq);
	return 0;
}
