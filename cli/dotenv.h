/*
 * dotenv files for keeper-secret exec --env-file: the parser alone, with
 * no I/O, so the unit test links it directly.  The rules (docs/inject.md):
 *
 *	# comment                  blank lines and # lines are skipped
 *	[export ]NAME=value        unquoted: blanks around it trimmed, a #
 *	                           after a blank starts a comment
 *	NAME='literal'             single quotes: no escapes; may span lines
 *	NAME="a\nb"                double quotes: \n \r \t \a \b \f \v \\ \"
 *	                           \' are escapes; may span lines
 *	NAME                       no '=': ignored (the inherited value stays)
 *
 * NAME is [A-Za-z_][A-Za-z0-9_.-]*.  Nothing is expanded (no ${VAR}).
 */
#ifndef KSM_CLI_DOTENV_H
#define KSM_CLI_DOTENV_H

#include <stddef.h>

struct dotenv_entry {
	char	*name;
	char	*value;		/* NUL-terminated; wiped by dotenv_clear() */
	size_t	 len;
	size_t	 line;		/* 1-based line of NAME */
};

struct dotenv {
	struct dotenv_entry	*v;
	size_t			 n;
};

#define DOTENV_ERR_MAX	128

/*
 * Parse len bytes.  0, or -1 with *err_line and err (one line, never a
 * value) set and *out empty.
 */
int	dotenv_parse(struct dotenv *out, const char *text, size_t len,
	    size_t *err_line, char err[DOTENV_ERR_MAX]);
/* Wipe the values and free everything; *d is empty after. */
void	dotenv_clear(struct dotenv *d);

#endif /* KSM_CLI_DOTENV_H */
