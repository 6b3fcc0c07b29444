#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/b64.h"
#include "util/buf.h"
#include "agent-hosts.h"

#define LINE_MAX_KH	16384

int
agent_hosts_glob(const char *pat, size_t pat_len, const char *s)
{
	size_t i;

	for (i = 0; i < pat_len; i++, s++) {
		if (pat[i] == '*') {
			for (;; s++) {
				if (agent_hosts_glob(pat + i + 1,
				    pat_len - i - 1, s))
					return 1;
				if (*s == '\0')
					return 0;
			}
		}
		if (*s == '\0')
			return 0;
		if (pat[i] != '?' && tolower((unsigned char)pat[i]) !=
		    tolower((unsigned char)*s))
			return 0;
	}
	return *s == '\0';
}

/* |1|salt|hash: HMAC-SHA1(salt, name) == hash (OpenSSH's HashKnownHosts). */
static int
hashed_match(const char *f, size_t len, const char *name)
{
	struct ksmx_buf salt = KSMX_BUF_INIT(64), hash = KSMX_BUF_INIT(64);
	const char *bar;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	int r = 0;

	f += 3;
	len -= 3;
	if ((bar = memchr(f, '|', len)) == NULL)
		return 0;
	if (ksmx_b64_decode(&salt, f, (size_t)(bar - f)) != 0 ||
	    ksmx_b64_decode(&hash, bar + 1, len - (size_t)(bar - f) - 1) != 0)
		goto out;
	if (HMAC(EVP_sha1(), salt.d, (int)salt.len,
	    (const unsigned char *)name, strlen(name), mac, &mac_len) == NULL)
		goto out;
	r = hash.len == mac_len && CRYPTO_memcmp(hash.d, mac, mac_len) == 0;
out:
	ksmx_buf_clear(&salt);
	ksmx_buf_clear(&hash);
	return r;
}

/* A comma list: some positive pattern matches and no negated one does. */
static int
hosts_match(const char *f, size_t len, const char *name)
{
	const char *p = f, *end = f + len, *c;
	int pos = 0;

	if (len > 3 && memcmp(f, "|1|", 3) == 0)
		return hashed_match(f, len, name);
	while (p < end) {
		if ((c = memchr(p, ',', (size_t)(end - p))) == NULL)
			c = end;
		if (*p == '!') {
			if (agent_hosts_glob(p + 1, (size_t)(c - p - 1), name))
				return 0;
		} else if (agent_hosts_glob(p, (size_t)(c - p), name)) {
			pos = 1;
		}
		p = c + 1;
	}
	return pos;
}

/* Next whitespace-separated field of *line; its length, 0 at the end. */
static size_t
next_field(const char **line, const char **f)
{
	const char *p = *line;
	size_t n = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	*f = p;
	while (p[n] != '\0' && p[n] != ' ' && p[n] != '\t' && p[n] != '\n' &&
	    p[n] != '\r')
		n++;
	*line = p + n;
	return n;
}

static int
key_equal(const char *b64, size_t len, const uint8_t *key, size_t key_len)
{
	struct ksmx_buf b = KSMX_BUF_INIT(16 * 1024);
	int r;

	r = ksmx_b64_decode(&b, b64, len) == 0 && b.len == key_len &&
	    memcmp(b.d, key, key_len) == 0;
	ksmx_buf_clear(&b);
	return r;
}

/* One known_hosts line, split: what each lookup below looks at. */
struct kh_line {
	int		 revoked;	/* @revoked */
	const char	*hosts;		/* the comma list, or |1|salt|hash */
	size_t		 hosts_len;
	const char	*key;		/* base64 blob */
	size_t		 key_len;
};

/*
 * Call fn for each usable line of the file (comments, @cert-authority and
 * overlong lines skipped) until it returns non-zero; that value, or 0.
 */
static int
kh_each(const char *path, int (*fn)(const struct kh_line *, void *),
    void *arg)
{
	char line[LINE_MAX_KH];
	struct kh_line l;
	const char *p, *f;
	size_t n;
	int r = 0;
	FILE *fp;

	if ((fp = fopen(path, "re")) == NULL)
		return 0;
	while (r == 0 && fgets(line, sizeof(line), fp) != NULL) {
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			int ch;	/* overlong line: skip the rest */

			while ((ch = fgetc(fp)) != EOF && ch != '\n')
				;
			continue;
		}
		p = line;
		if ((n = next_field(&p, &f)) == 0 || f[0] == '#')
			continue;
		l.revoked = 0;
		if (f[0] == '@') {
			if (n != 8 || memcmp(f, "@revoked", 8) != 0)
				continue;	/* @cert-authority: not a key */
			l.revoked = 1;
			if ((n = next_field(&p, &f)) == 0)
				continue;
		}
		l.hosts = f;
		l.hosts_len = n;
		if (next_field(&p, &f) == 0 ||			/* key type */
		    (l.key_len = next_field(&p, &l.key)) == 0)	/* blob */
			continue;
		r = fn(&l, arg);
	}
	fclose(fp);
	return r;
}

struct known_arg {
	const char	*name;
	const uint8_t	*key;
	size_t		 key_len;
	int		 found;
};

/* 1: found and not revoked so far; -1: revoked (stop). */
static int
known_line(const struct kh_line *l, void *arg)
{
	struct known_arg *a = arg;

	if (!hosts_match(l->hosts, l->hosts_len, a->name) ||
	    !key_equal(l->key, l->key_len, a->key, a->key_len))
		return 0;
	if (l->revoked)
		return -1;
	a->found = 1;
	return 0;
}

int
agent_hosts_known(const char *path, const char *host, unsigned port,
    const uint8_t *key, size_t key_len)
{
	struct known_arg a = { NULL, key, key_len, 0 };
	char name[600];

	if (host == NULL || host[0] == '\0' || strlen(host) > 512)
		return 0;
	if (port == 0 || port == 22)
		snprintf(name, sizeof(name), "%s", host);
	else
		snprintf(name, sizeof(name), "[%s]:%u", host, port);
	a.name = name;
	if (kh_each(path, known_line, &a) < 0)
		return 0;
	return a.found;
}

struct name_arg {
	const uint8_t	*key;
	size_t		 key_len;
	char		*out;
	size_t		 out_len;
};

static int
name_line(const struct kh_line *l, void *arg)
{
	struct name_arg *a = arg;
	const char *c;
	size_t n;

	if (l->revoked || (l->hosts_len > 3 && memcmp(l->hosts, "|1|", 3) == 0))
		return 0;
	c = memchr(l->hosts, ',', l->hosts_len);
	n = c != NULL ? (size_t)(c - l->hosts) : l->hosts_len;
	if (n == 0 || n >= a->out_len || l->hosts[0] == '!' ||
	    memchr(l->hosts, '*', n) != NULL ||
	    memchr(l->hosts, '?', n) != NULL ||
	    !key_equal(l->key, l->key_len, a->key, a->key_len))
		return 0;
	memcpy(a->out, l->hosts, n);
	a->out[n] = '\0';
	return 1;
}

int
agent_hosts_name(const char *path, const uint8_t *key, size_t key_len,
    char *out, size_t out_len)
{
	struct name_arg a = { key, key_len, out, out_len };

	if (out_len == 0)
		return 0;
	return kh_each(path, name_line, &a) == 1;
}
