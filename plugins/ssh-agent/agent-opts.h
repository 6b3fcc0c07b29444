/*
 * keeper-agent's command line: its options, their defaults (which depend
 * on the environment) and --help.
 */
#ifndef AGENT_OPTS_H
#define AGENT_OPTS_H

#include <stddef.h>
#include <stdio.h>

#include "agent-session.h"
#include "ssh-side.h"

#define PROG	"keeper-agent"

struct opts {
	int		 foreground;
	int		 verbose;
	int		 kill;
	int		 status;	/* --status: ask the running agent */
	int		 csh;
	const char	*sock;
	const char	*secrets_sock;	/* "none": no secrets side */
	const char	*config;
	const char	*log;
	const char	*templates;	/* "none": no templates */
	struct ssh_side_opts ssh;
	struct session_opts sess;
};

void	agent_usage(FILE *f);
/* 0, or -1 (a message said why; print the usage, exit 2). */
int	agent_opts_parse(int argc, char **argv, struct opts *o);
/* Fill what the options left unset; the paths live in the n-byte bufs. */
int	agent_opts_defaults(struct opts *o, char *ssh_path, char *sec_path,
	    char *user_kh, size_t n);

#endif /* AGENT_OPTS_H */
