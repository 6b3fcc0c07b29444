/*
 * What secrets-templates.c (rendering), secrets-templates-config.c (the
 * configuration file) and secrets-templates-command.c (the commands)
 * share.  Not for the rest of keeper-agent: see secrets-templates.h.
 */
#ifndef SECRETS_TEMPLATES_INT_H
#define SECRETS_TEMPLATES_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ksm/ksm.h"
#include "secrets-templates.h"

struct ksmx_buf;
struct answer;

#define TPL_MAX_CONFIG		(1u * 1024 * 1024)	/* bytes, the file */
#define TPL_MAX_ENTRIES		256	/* templates in one file */
#define TPL_LINE_MAX		512	/* bytes of a command's output line */

/* One template of the configuration, and its command's state. */
struct tpl {
	char		*source;	/* absolute */
	char		*dest;		/* absolute */
	char		*command;	/* for /bin/sh -c; NULL: none */
	unsigned int	 mode;		/* of dest, exactly */
	unsigned int	 flags;		/* KSM_TEMPLATE_BARE */
	pid_t		 pid;		/* the command running; 0: none */
	int		 out_fd;	/* its stdout and stderr; -1: none */
	int		 again;		/* run it (again) once it may */
	uint64_t	 failed;	/* hash of the failure last logged */
	char		 line[TPL_LINE_MAX];	/* output not yet logged */
	size_t		 line_len;
};

/* An attachment a template names (secrets-templates-files.c). */
struct tpl_file {
	char		*uid;		/* its file UID */
	unsigned long long size;
	struct answer	*bytes;		/* locked; NULL: not downloaded */
	int		 err;		/* why not (a ksm_code) */
	char		 msg[KSM_ERROR_MSG_MAX];
	int		 used;		/* named at the last prepare */
	int		 fresh;		/* downloaded since the loop looked */
};

struct templates {
	struct tpl	*v;
	size_t		 n;
	int		 epfd;		/* the commands' output (epoll); -1 */
	int		 started;	/* templates_start() was called */
	struct tpl_file	*files;		/* written on the worker only */
	size_t		 n_files;
	int		 files_missing;	/* a render lacked an attachment */
};

/*
 * A regular file, whole, into out (its limit bounds it): 0, or KSM_EIO /
 * KSM_ETOOBIG / KSM_ENOMEM with a message naming the file as what.
 */
int	tpl_read_file(struct ksmx_buf *out, const char *path, const char *what);

/*
 * The attachments held, for the render's resolver on the loop
 * (ksm_template_file_fn on a struct templates): a copy, or the download's
 * error; one not held sets files_missing.
 */
int	tpl_file_held(void *ctx, const ksm_file *f, unsigned char **bytes,
	    size_t *len);
/* Log the downloads of the last prepare (on the loop). */
void	tpl_files_announce(struct templates *t);
void	tpl_files_free(struct templates *t);

/* The destination changed: run e's command now, or once it may. */
void	tpl_command_run(struct templates *t, struct tpl *e);
/* Stop relaying e's output (the command itself is left to run). */
void	tpl_command_clear(struct templates *t, struct tpl *e);

#endif /* SECRETS_TEMPLATES_INT_H */
