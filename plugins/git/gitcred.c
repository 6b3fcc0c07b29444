#include "config.h"

/* The git credential protocol: a bounded reader and a strict writer. */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ksm/error.h"
#include "util/wipe.h"
#include "gitcred.h"

static char *
dup_len(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int
replace(char **slot, const char *v, size_t n)
{
	char *p = dup_len(v, n);

	if (p == NULL)
		return KSM_ENOMEM;
	ksmx_strfree(*slot);
	*slot = p;
	return 0;
}

int
gitcred_set_line(struct gitcred *c, const char *line, size_t len)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} keys[] = {
		{ "protocol",	offsetof(struct gitcred, protocol) },
		{ "host",	offsetof(struct gitcred, host) },
		{ "path",	offsetof(struct gitcred, path) },
		{ "username",	offsetof(struct gitcred, username) },
		{ "password",	offsetof(struct gitcred, password) },
	};
	const char *eq;
	size_t i, klen;

	if (len + 1 > GITCRED_MAX_LINE)
		return KSM_ETOOBIG;
	/* no truncation by a hidden NUL; a lone CR is not a line end */
	if (memchr(line, '\0', len) != NULL || memchr(line, '\r', len) != NULL ||
	    memchr(line, '\n', len) != NULL)
		return KSM_EPROTO;
	if ((eq = memchr(line, '=', len)) == NULL || eq == line)
		return KSM_EPROTO;
	klen = (size_t)(eq - line);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].key) == klen &&
		    memcmp(keys[i].key, line, klen) == 0)
			return replace((char **)((char *)c + keys[i].off),
			    eq + 1, len - klen - 1);
	return 0;			/* unknown keys: ignored */
}

int
gitcred_read(struct gitcred *c, FILE *in)
{
	char *line;
	size_t n = 0;
	int ch, r = 0;

	/* fixed size: never reallocated, so no stray copy of a password */
	if ((line = malloc(GITCRED_MAX_LINE)) == NULL)
		return KSM_ENOMEM;
	for (;;) {
		ch = getc(in);
		if (ch == EOF || ch == '\n') {
			if (n > 0)
				r = gitcred_set_line(c, line, n);
			if (r != 0 || ch == EOF || n == 0)
				break;	/* blank line ends the request */
			n = 0;
			continue;
		}
		if (n + 1 >= GITCRED_MAX_LINE) {
			r = KSM_ETOOBIG;	/* refused, never split */
			break;
		}
		line[n++] = (char)ch;
	}
	if (r == 0 && ferror(in))
		r = KSM_EIO;
	ksmx_freezero(line, GITCRED_MAX_LINE);	/* the password went through it */
	return r;
}

static int
bad_value(const char *v)
{
	return v != NULL && strpbrk(v, "\r\n") != NULL;
}

int
gitcred_write(const struct gitcred *c, FILE *out)
{
	/* all or nothing: a CR or LF would start a new key */
	if (bad_value(c->username) || bad_value(c->password) ||
	    bad_value(c->password_expiry_utc))
		return KSM_EPROTO;
	if (c->username != NULL &&
	    fprintf(out, "username=%s\n", c->username) < 0)
		return KSM_EIO;
	if (c->password != NULL &&
	    fprintf(out, "password=%s\n", c->password) < 0)
		return KSM_EIO;
	if (c->password_expiry_utc != NULL &&
	    fprintf(out, "password_expiry_utc=%s\n", c->password_expiry_utc) < 0)
		return KSM_EIO;
	return fflush(out) == 0 ? 0 : KSM_EIO;
}

void
gitcred_clear(struct gitcred *c)
{
	ksmx_strfree(c->protocol);
	ksmx_strfree(c->host);
	ksmx_strfree(c->path);
	ksmx_strfree(c->username);
	ksmx_strfree(c->password);
	ksmx_strfree(c->password_expiry_utc);
	memset(c, 0, sizeof(*c));
}

/* A URL split in place: pointers and lengths into the text. */
struct url_parts {
	const char	*scheme, *user, *host, *path;
	size_t		 scheme_len, user_len, host_len, path_len;
};

static int
split_url(struct url_parts *u, const char *url)
{
	const char *p, *auth, *end, *at;

	memset(u, 0, sizeof(*u));
	if ((p = strstr(url, "://")) == NULL || p == url)
		return KSM_EINVAL;
	u->scheme = url;
	u->scheme_len = (size_t)(p - url);
	auth = p + 3;
	end = auth + strcspn(auth, "/?#");
	at = NULL;
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		u->user = auth;
		u->user_len = (size_t)(at - auth);
		auth = at + 1;
	}
	u->host = auth;
	u->host_len = (size_t)(end - auth);
	if (u->host_len == 0)
		return KSM_EINVAL;
	if (*end == '/') {
		u->path = end + 1;
		u->path_len = strcspn(u->path, "?#");
	}
	return 0;
}

/* host[:port] without a port that is the scheme's default */
static size_t
host_len_norm(const char *host, size_t len, const char *scheme,
    size_t scheme_len)
{
	const char *colon = NULL, *bracket = NULL, *p;

	for (p = host; p < host + len; p++) {
		if (*p == ':')
			colon = p;
		else if (*p == ']')
			bracket = p;
	}
	if (colon == NULL || (bracket != NULL && bracket > colon))
		return len;		/* none, or inside an IPv6 literal */
	p = colon + 1;
	if (((scheme_len == 5 && strncasecmp(scheme, "https", 5) == 0) &&
	    (size_t)(host + len - p) == 3 && memcmp(p, "443", 3) == 0) ||
	    ((scheme_len == 4 && strncasecmp(scheme, "http", 4) == 0) &&
	    (size_t)(host + len - p) == 2 && memcmp(p, "80", 2) == 0))
		return (size_t)(colon - host);
	return len;
}

int
gitcred_url_match(const struct gitcred *c, const char *url)
{
	struct url_parts u;
	size_t hl, ul, pl;

	if (c->protocol == NULL || c->protocol[0] == '\0' ||
	    c->host == NULL || c->host[0] == '\0' || url == NULL)
		return 0;		/* never a wildcard */
	if (split_url(&u, url) != 0)
		return 0;
	if (strlen(c->protocol) != u.scheme_len ||
	    strncasecmp(c->protocol, u.scheme, u.scheme_len) != 0)
		return 0;
	hl = host_len_norm(c->host, strlen(c->host), c->protocol,
	    strlen(c->protocol));
	ul = host_len_norm(u.host, u.host_len, u.scheme, u.scheme_len);
	if (hl != ul || strncasecmp(c->host, u.host, hl) != 0)
		return 0;
	if (c->path == NULL)
		return 1;		/* no useHttpPath: the host decides */
	pl = u.path_len;
	while (pl > 0 && u.path[pl - 1] == '/')
		pl--;
	if (pl == 0)
		return 1;		/* the URL covers the whole host */
	if (strncmp(c->path, u.path, pl) != 0)
		return 0;
	return c->path[pl] == '\0' || c->path[pl] == '/';
}

int
gitcred_from_url(struct gitcred *c, const char *url)
{
	struct url_parts u;
	int r;

	if (split_url(&u, url) != 0)
		return KSM_EINVAL;
	if ((r = replace(&c->protocol, u.scheme, u.scheme_len)) != 0 ||
	    (r = replace(&c->host, u.host, u.host_len)) != 0)
		return r;
	if (u.user != NULL && u.user_len > 0 &&
	    (r = replace(&c->username, u.user, u.user_len)) != 0)
		return r;
	if (u.path != NULL && u.path_len > 0 &&
	    (r = replace(&c->path, u.path, u.path_len)) != 0)
		return r;
	return 0;
}
