/*
 * keeper-agent's templates: files rendered from the Keeper session's
 * records and kept current (the secrets side's sibling; keeper-agent(1),
 * TEMPLATES).  A configuration file lists templates, each with a source
 * (core/template.h syntax), a destination, a mode, an optional --bare
 * flag and an optional command run after the destination changed.
 *
 * The session calls templates_records() on the loop thread with the
 * decrypted records after its first fetch and after every fetch that
 * changed them (so also after SIGHUP).  Each template is rendered from
 * those records alone (no Keeper call) and the attachments downloaded on
 * the session's worker (templates_prepare), all or nothing; the destination
 * is written atomically only when its bytes (or mode) differ, and then
 * the command runs under /bin/sh -c with its output relayed, line by
 * line, to the agent's log.  A failing render keeps the old file and logs
 * one line naming the template and its failing references, never a
 * value.  Commands are reaped on SIGCHLD; the loop never waits for one.
 */
#ifndef SECRETS_TEMPLATES_H
#define SECRETS_TEMPLATES_H

#include <stddef.h>

#include "ksm/ksm.h"

struct templates;
struct loop;

/* Where the configuration is looked for when --templates is not given. */
#define TEMPLATES_DEFAULT	"keeper/agent-templates.json"	/* in XDG_CONFIG_HOME */

/*
 * Read and check the configuration file at path, and every template it
 * names (read and parsed now, so that a mistake stops the start).  With
 * optional, a missing file is no templates (*out NULL, 0).  Relative
 * paths in the file are taken from the file's directory.
 *
 * @return 0; KSM_ECONFIG when the file says something wrong (unknown or
 *	   missing keys, a bad mode, a destination that is the source...);
 *	   KSM_EIO, KSM_ENOTATION or KSM_ETOOBIG when a file cannot be read
 *	   or a template does not parse; KSM_ENOMEM.  ksm_error_last() names
 *	   the file and the entry.
 */
int	templates_load(struct templates **out, const char *path, int optional);
void	templates_free(struct templates *t);
size_t	templates_count(const struct templates *t);

/*
 * The session's "changed" callback: render every template from records.
 * 1 when an attachment a template names is not held (the next fetch
 * should hand the records over again), else 0.
 */
int	templates_records(void *ctx, const ksm_records *records);
/*
 * The session's "prepare" callback, on its worker thread before
 * templates_records(): download the attachments the templates name that
 * are not held yet (secrets-templates-files.c), and drop those no
 * template names any more.
 */
void	templates_prepare(void *ctx, const ksm_records *records,
	    ksm_client *client);

/*
 * Once the agent runs in its final process (after daemonizing): watch
 * the commands' output on l and run the commands that renders so far
 * asked for.  Before, commands wait.  0, or a ksm_code.
 */
int	templates_start(struct templates *t, struct loop *l);

/* SIGCHLD: reap the commands that ended (never blocks) and log how. */
void	templates_reap(struct templates *t);

#endif /* SECRETS_TEMPLATES_H */
