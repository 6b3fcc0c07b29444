#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm/error.h"
#include "ksm-test.h"
#include "gitcred.h"

/* Read text (len bytes, may hold NULs) into *c; return the code. */
static int
rd(struct gitcred *c, const char *text, size_t len)
{
	FILE *f = fmemopen((void *)text, len, "r");
	int r;

	if (f == NULL)
		return -999;
	r = gitcred_read(c, f);
	fclose(f);
	return r;
}

#define RD(c, s)	rd((c), (s), sizeof(s) - 1)

/* Write c into a string; NULL on failure (the code in *r). */
static char *
wr(const struct gitcred *c, int *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	*r = gitcred_write(c, f);
	fclose(f);
	return buf;
}

static void
reader(void)
{
	struct gitcred c = GITCRED_INIT;
	char *big;
	size_t n;

	T_OK(RD(&c, "protocol=https\nhost=example.com:8443\npath=a/b.git\n"
	    "username=alice\npassword=p=w d\n\n") == 0, "a full request");
	T_STREQ(c.protocol, "https", "protocol");
	T_STREQ(c.host, "example.com:8443", "host keeps the port");
	T_STREQ(c.path, "a/b.git", "path");
	T_STREQ(c.username, "alice", "username");
	T_STREQ(c.password, "p=w d", "password: first '=' splits, bytes as is");
	gitcred_clear(&c);

	T_OK(RD(&c, "protocol=http\nhost=h\n\nusername=late\n") == 0 &&
	    c.username == NULL, "a blank line ends the request");
	gitcred_clear(&c);
	T_OK(RD(&c, "protocol=http\nhost=h") == 0 && c.host != NULL &&
	    strcmp(c.host, "h") == 0, "EOF without LF ends the last line");
	gitcred_clear(&c);
	T_OK(RD(&c, "") == 0 && c.protocol == NULL && c.host == NULL,
	    "empty input: nothing set");
	T_OK(RD(&c, "wwwauth[]=Basic realm=x\ncapability[]=authtype\n"
	    "x-unknown=1\nhost=h\nquit=1\n") == 0 &&
	    strcmp(c.host, "h") == 0 && c.protocol == NULL,
	    "unknown keys ignored");
	gitcred_clear(&c);
	T_OK(RD(&c, "host=a\nhost=b\n") == 0 && strcmp(c.host, "b") == 0,
	    "a repeated key keeps the last value");
	gitcred_clear(&c);
	T_OK(RD(&c, "host=h\r\nprotocol=https\n") == KSM_EPROTO,
	    "CR before LF refused (CVE-2024-52006)");
	gitcred_clear(&c);
	T_OK(RD(&c, "host=evil.com\rprotocol=https\n") == KSM_EPROTO,
	    "a lone CR is not a line end, and is refused");
	gitcred_clear(&c);
	T_OK(RD(&c, "host=good.com\0evil\nprotocol=https\n") == KSM_EPROTO,
	    "NUL in a value refused");
	gitcred_clear(&c);
	T_OK(RD(&c, "hostexample.com\n") == KSM_EPROTO, "a line without '='");
	gitcred_clear(&c);
	T_OK(RD(&c, "=x\n") == KSM_EPROTO, "an empty key");
	gitcred_clear(&c);

	n = GITCRED_MAX_LINE + 10;
	big = malloc(n + 1);
	memcpy(big, "password=", 9);
	memset(big + 9, 'a', n - 9);
	big[n - 1] = '\n';
	big[n] = '\0';
	T_OK(rd(&c, big, n) == KSM_ETOOBIG && c.password == NULL,
	    "a line over 64 KiB refused, nothing kept");
	gitcred_clear(&c);
	/* exactly the limit: 65534 bytes + LF */
	memcpy(big + (n - GITCRED_MAX_LINE), "password=", 9);
	T_OK(rd(&c, big + (n - GITCRED_MAX_LINE), GITCRED_MAX_LINE) == 0 &&
	    c.password != NULL && strlen(c.password) == GITCRED_MAX_LINE - 10,
	    "a line of exactly 65535 bytes with its LF is accepted");
	gitcred_clear(&c);
	memcpy(big + (n - GITCRED_MAX_LINE - 1), "password=", 9);
	T_OK(rd(&c, big + (n - GITCRED_MAX_LINE - 1), GITCRED_MAX_LINE + 1) ==
	    KSM_ETOOBIG, "one byte more is refused");
	gitcred_clear(&c);
	free(big);
}

static void
writer(void)
{
	struct gitcred c = GITCRED_INIT;
	char *out;
	int r = -1;

	c.username = strdup("alice");
	c.password = strdup("s3cret");
	c.protocol = strdup("https");
	out = wr(&c, &r);
	T_OK(r == 0, "write");
	T_STREQ(out, "username=alice\npassword=s3cret\n",
	    "only username and password are written");
	free(out);
	c.password_expiry_utc = strdup("1700000000");
	out = wr(&c, &r);
	T_STREQ(out, "username=alice\npassword=s3cret\n"
	    "password_expiry_utc=1700000000\n", "expiry written");
	free(out);
	free(c.password);
	c.password = strdup("pw\nhost=evil");
	out = wr(&c, &r);
	T_OK(r == KSM_EPROTO && out != NULL && out[0] == '\0',
	    "LF in a value: refused, nothing written");
	free(out);
	free(c.password);
	c.password = strdup("pw\r");
	out = wr(&c, &r);
	T_OK(r == KSM_EPROTO && out != NULL && out[0] == '\0',
	    "CR in a value: refused, nothing written");
	free(out);
	gitcred_clear(&c);
}

static int
m(const char *proto, const char *host, const char *path, const char *url)
{
	struct gitcred c = GITCRED_INIT;

	c.protocol = (char *)proto;
	c.host = (char *)host;
	c.path = (char *)path;
	return gitcred_url_match(&c, url);
}

static void
matcher(void)
{
	T_OK(m("https", "example.com", NULL, "https://example.com"),
	    "host match");
	T_OK(m("https", "Example.COM", NULL, "HTTPS://example.com/"),
	    "case-insensitive scheme and host");
	T_OK(!m("http", "example.com", NULL, "https://example.com"),
	    "protocol differs");
	T_OK(!m("https", "example.com.evil", NULL, "https://example.com"),
	    "host suffix does not match");
	T_OK(!m("https", "example.com", NULL, "https://example.com.evil"),
	    "longer URL host does not match");
	T_OK(m("https", "example.com", NULL, "https://example.com:443/x"),
	    "default port equals none");
	T_OK(m("http", "127.0.0.1:80", NULL, "http://127.0.0.1"),
	    "default port on the request side");
	T_OK(m("http", "127.0.0.1:18080", NULL, "http://127.0.0.1:18080/git/"),
	    "explicit port");
	T_OK(!m("http", "127.0.0.1:18081", NULL, "http://127.0.0.1:18080"),
	    "other port");
	T_OK(!m("http", "127.0.0.1", NULL, "http://127.0.0.1:18080"),
	    "port missing in the request");
	T_OK(m("https", "h", NULL, "https://bob@h/x"), "userinfo ignored");
	T_OK(!m(NULL, "h", NULL, "https://h"), "missing protocol never matches");
	T_OK(!m("https", NULL, NULL, "https://h"), "missing host never matches");
	T_OK(!m("", "", NULL, "https://h"), "empty protocol and host");
	T_OK(!m("https", "h", NULL, "h"), "a URL without a scheme");
	T_OK(!m("https", "h", NULL, NULL), "no URL");
	T_OK(m("https", "h", "git/a.git", "https://h/git/"),
	    "useHttpPath: prefix at '/'");
	T_OK(m("https", "h", "git/a.git", "https://h/git/a.git"),
	    "useHttpPath: exact path");
	T_OK(!m("https", "h", "git/ab.git", "https://h/git/a"),
	    "useHttpPath: prefix must end at '/'");
	T_OK(!m("https", "h", "other/a.git", "https://h/git"),
	    "useHttpPath: other path");
	T_OK(m("https", "h", "git/a.git", "https://h"),
	    "useHttpPath: a URL without a path covers the host");
	T_OK(m("https", "[::1]:8443", NULL, "https://[::1]:8443/"),
	    "IPv6 literal with a port");
	T_OK(m("https", "[::1]", NULL, "https://[::1]:443"),
	    "IPv6 literal, default port");
}

static void
from_url(void)
{
	struct gitcred c = GITCRED_INIT;

	T_OK(gitcred_from_url(&c, "https://bob@h.example:8443/g/r.git") == 0,
	    "from_url");
	T_STREQ(c.protocol, "https", "from_url protocol");
	T_STREQ(c.host, "h.example:8443", "from_url host");
	T_STREQ(c.username, "bob", "from_url username");
	T_STREQ(c.path, "g/r.git", "from_url path");
	gitcred_clear(&c);
	T_OK(gitcred_from_url(&c, "nohost") == KSM_EINVAL, "from_url: no scheme");
	T_OK(gitcred_from_url(&c, "https:///x") == KSM_EINVAL,
	    "from_url: empty host");
	gitcred_clear(&c);
}

int
main(void)
{
	reader();
	writer();
	matcher();
	from_url();
	return ksm_test_done();
}
