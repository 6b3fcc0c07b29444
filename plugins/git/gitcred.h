/*
 * gitcred: the git credential protocol (gitcredentials(7)), pure: no
 * network, no Keeper.  key=value lines ended by LF, a blank line or EOF.
 */
#ifndef KSM_GITCRED_H
#define KSM_GITCRED_H

#include <stdio.h>

/* Longest line accepted, LF included (git's own limit is 65535). */
#define GITCRED_MAX_LINE	65535

struct gitcred {
	char	*protocol;
	char	*host;		/* host[:port] as git sends it */
	char	*path;		/* only with credential.useHttpPath */
	char	*username;
	char	*password;
	char	*password_expiry_utc;	/* writer only */
};

#define GITCRED_INIT	{ NULL, NULL, NULL, NULL, NULL, NULL }

/*
 * Read one request.  0, KSM_EPROTO (NUL or CR in a line, no '=', empty
 * key), KSM_ETOOBIG (a line over GITCRED_MAX_LINE), KSM_EIO, KSM_ENOMEM.
 * Unknown keys are ignored; a repeated key keeps the last value.
 */
int	gitcred_read(struct gitcred *c, FILE *in);

/* Apply one line without its LF: the same checks as gitcred_read. */
int	gitcred_set_line(struct gitcred *c, const char *line, size_t len);

/*
 * Write username, password and password_expiry_utc (those set), nothing
 * else; KSM_EPROTO when a value holds CR or LF, and then nothing at all.
 */
int	gitcred_write(const struct gitcred *c, FILE *out);

/* Wipe and free every value. */
void	gitcred_clear(struct gitcred *c);

/*
 * Does a record's URL serve this request?  Needs protocol and host (a
 * missing one never matches: CVE-2020-11008).  Scheme and host compare
 * case-insensitively, a default port (80, 443) equals none; when the
 * request has a path (useHttpPath), the URL's path must be a prefix of it
 * at a '/' boundary.  Userinfo, query and fragment of url are ignored.
 */
int	gitcred_url_match(const struct gitcred *c, const char *url);

/*
 * Fill protocol, host, path and username from a URL such as
 * https://user@host:port/path (for `doctor`).  0, KSM_EINVAL, KSM_ENOMEM.
 */
int	gitcred_from_url(struct gitcred *c, const char *url);

#endif /* KSM_GITCRED_H */
