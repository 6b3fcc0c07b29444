#include "config.h"

/*
 * agent-bench: time two SSH agents holding the same keys (ours:
 * keeper-agent, peer: OpenSSH's ssh-agent) over their sockets, side by
 * side.  For tests/bench/bench-agent.sh; figures, not a test.
 *
 *   agent-bench OURS PEER LIST_RUNS SIGN_SECONDS ROUNDS
 *
 * Interleaved, so that the load of a shared machine falls on both alike:
 * list requests alternate between the agents, and each key signs in
 * ROUNDS rounds of SIGN_SECONDS / ROUNDS per agent, who goes first
 * alternating.  Prints tab-separated lines:
 *   list	<ours µs>	<peer µs>	(medians, REQUEST_IDENTITIES on
 *					 one open connection)
 *   connlist	<ours µs>	<peer µs>	(connect + list + close)
 *   sign	<comment>	<type>	<ours /s>	<peer /s>	<ratio>
 * rates: medians over the rounds; ratio: the median of the rounds' ours /
 * peer.  Signing uses 64 bytes of data and, for RSA, rsa-sha2-512 (what
 * SSHSIG and sshd ask for).  Keys come from OURS's list, in its order.
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

/* Median µs of LIST_RUNS list requests on each agent, alternating. */
static int
bench_list(const char *const *path, int *fd, size_t runs, int conn,
    double *t[2])
{
	struct ksmx_buf list = KSMX_BUF_INIT(16), rep = KSMX_BUF_INIT(1 << 20);
	double t0;
	size_t i, a, w;
	int f, r = -1;

	ksmx_buf_putc(&list, SSH2_AGENTC_REQUEST_IDENTITIES);
	for (i = 0; i < runs; i++)
		for (w = 0; w < 2; w++) {
			a = (i + w) % 2;
			t0 = bench_now_us();
			f = conn ? connect_to(path[a]) : fd[a];
			if (f < 0 || request(f, &list, &rep) != 0 ||
			    rep.d[0] != 12)
				goto out;
			if (conn)
				close(f);
			t[a][i] = bench_now_us() - t0;
		}
	printf("%s\t%.1f\t%.1f\n", conn ? "connlist" : "list",
	    bench_median(t[0], runs), bench_median(t[1], runs));
	r = 0;
out:
	ksmx_buf_clear(&list);
	ksmx_buf_clear(&rep);
	return r;
}

/* Signatures per second on fd for secs; -1 on failure. */
static double
sign_rate(int fd, const struct ksmx_buf *sreq, struct ksmx_buf *rep,
    double secs)
{
	double t0 = bench_now_us();
	long count = 0;

	do {
		if (request(fd, sreq, rep) != 0 || rep->d[0] != 14)
			return -1;
		count++;
	} while (bench_now_us() - t0 < secs * 1e6);
	return (double)count * 1e6 / (bench_now_us() - t0);
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
	double *t[2], secs, rate[2], *rates[2], *ratio;
	struct ksmx_rd rd;
	const uint8_t *b, *c;
	size_t bl, cl, i, k, w, a, runs, rounds, nk = 0;
	uint32_t n, j;
	int fd[2];

	if (argc != 6) {
		fprintf(stderr, "usage: agent-bench OURS PEER LIST_RUNS "
		    "SIGN_SECONDS ROUNDS\n");
		return 2;
	}
	runs = (size_t)strtoul(argv[3], NULL, 10);
	secs = strtod(argv[4], NULL);
	rounds = (size_t)strtoul(argv[5], NULL, 10);
	if (runs == 0 || rounds == 0 || secs <= 0 ||
	    (t[0] = calloc(runs, sizeof(double))) == NULL ||
	    (t[1] = calloc(runs, sizeof(double))) == NULL ||
	    (rates[0] = calloc(rounds, sizeof(double))) == NULL ||
	    (rates[1] = calloc(rounds, sizeof(double))) == NULL ||
	    (ratio = calloc(rounds, sizeof(double))) == NULL)
		return 2;
	for (a = 0; a < 2; a++)
		if ((fd[a] = connect_to(argv[1 + a])) < 0) {
			fprintf(stderr, "agent-bench: cannot connect to %s\n",
			    argv[1 + a]);
			return 1;
		}
	if (bench_list((const char *const *)argv + 1, fd, runs, 0, t) != 0 ||
	    bench_list((const char *const *)argv + 1, fd, runs, 1, t) != 0)
		return fprintf(stderr, "agent-bench: list failed\n"), 1;

	ksmx_buf_putc(&list, SSH2_AGENTC_REQUEST_IDENTITIES);
	if (request(fd[0], &list, &rep) != 0 || rep.d[0] != 12)
		return 1;
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
		for (k = 0; k < rounds; k++) {
			for (w = 0; w < 2; w++) {
				a = (k + w) % 2;
				if ((rate[a] = sign_rate(fd[a], &sreq, &rep,
				    secs / (double)rounds)) < 0)
					return fprintf(stderr, "agent-bench: "
					    "sign with %s on %s failed\n",
					    comments[i], argv[1 + a]), 1;
			}
			rates[0][k] = rate[0];
			rates[1][k] = rate[1];
			ratio[k] = rate[0] / rate[1];
		}
		printf("sign\t%s\t%s\t%.0f\t%.0f\t%.3f\n", comments[i],
		    types[i], bench_median(rates[0], rounds),
		    bench_median(rates[1], rounds),
		    bench_median(ratio, rounds));
		free(blobs[i]);
	}
	close(fd[0]);
	close(fd[1]);
	free(t[0]);
	free(t[1]);
	free(rates[0]);
	free(rates[1]);
	free(ratio);
	ksmx_buf_clear(&list);
	ksmx_buf_clear(&rep);
	ksmx_buf_clear(&sreq);
	return 0;
}
