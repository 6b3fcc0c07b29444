/*
 * Templates: text with keeper:// references, rendered all or nothing.
 * Internal, not installed: keeper-secret inject and exec --env-file and
 * keeper-agent's templates use it (docs/inject.md is the user's side).
 *
 * Two syntaxes (ksm_template__parse() flags):
 *
 *  - braces (the default): {{ keeper://NOTATION }}, with any spaces or
 *    tabs inside the braces, on one line.  {{ "{{" }} writes a literal
 *    {{.  Any other {{ is copied as it is.
 *  - bare (KSM_TEMPLATE_BARE), for templates of the official `ksm
 *    interpolate`: keeper://UID/TYPE/NAME anywhere in a line, where UID
 *    and TYPE hold no blank and no '/', and NAME runs to the next ", ', #
 *    or the end of the line (trailing blanks are not part of it).  A line
 *    whose first non-blank character is # is copied unchanged, and so is
 *    text that is not a valid notation (a ref of kind
 *    KSM_TREF_SKIPPED).
 *
 * Parsing has no I/O and names every malformed reference at once.
 * Rendering asks a resolver for each distinct notation once (a prepare
 * callback first sees them all, so a resolver can fetch every record in
 * one call), and produces the output only when every reference resolved.
 * The client resolver (template-client.c) is that resolver on a
 * ksm_client, or on a record set in hand.
 */
#ifndef KSM_TEMPLATE_H
#define KSM_TEMPLATE_H

#include <stddef.h>

#include "ksm-int.h"

struct ksmx_buf;

#define KSM_MAX_TEMPLATE	(16u * 1024 * 1024)	/* bytes, template text */
/* bytes, rendered output: the template plus one attachment at most */
#define KSM_MAX_RENDERED	(KSM_MAX_TEMPLATE + KSM_MAX_FILE)
#define KSM_TEMPLATE_REF_SHOWN	96	/* bytes of a reference in a message */

#define KSM_TEMPLATE_BARE	0x1u	/* ksm interpolate's bare references */

enum ksm_tref_kind {
	KSM_TREF_NOTATION = 1,	/* replaced by the notation's value */
	KSM_TREF_ESCAPE,	/* {{ "{{" }}: replaced by {{ */
	KSM_TREF_SKIPPED	/* bare text that is no notation: kept */
};

/* One place in the template; valid until ksm_template__free(). */
struct ksm_template_ref {
	size_t			 off;	/* bytes [off, off + len) of the text */
	size_t			 len;
	size_t			 line;	/* 1-based line of off */
	enum ksm_tref_kind	 kind;
	const char		*notation;	/* NOTATION, SKIPPED: the text */
	size_t			 slot;	/* NOTATION: index among the distinct */
};

/* Why a reference failed: what it names, never a value. */
struct ksm_template_problem {
	size_t	line;				/* 1-based, its first use */
	int	code;				/* a ksm_code */
	char	ref[KSM_TEMPLATE_REF_SHOWN];	/* as written, maybe cut "..." */
	char	message[KSM_ERROR_MSG_MAX];
};

struct ksm_template_problems {
	struct ksm_template_problem	*v;
	size_t				 n;
};

void	ksm_template__problems_clear(struct ksm_template_problems *p);

struct ksm_template;

/*
 * Parse len bytes of text (NUL bytes allowed; the text is copied).
 * Every malformed {{ keeper:// }} reference (not a notation, no closing
 * }} on its line) goes to *problems (cleared first), and the first one's
 * code is returned with *out NULL.
 *
 * @return 0, KSM_ENOTATION, KSM_ETOOBIG (text over KSM_MAX_TEMPLATE),
 *	   KSM_ENOMEM or KSM_EINVAL
 */
int	ksm_template__parse(struct ksm_template **out,
	    struct ksm_template_problems *problems, const void *text,
	    size_t len, unsigned int flags);
void	ksm_template__free(struct ksm_template *t);

/* Every place found, in text order. */
size_t	ksm_template__count(const struct ksm_template *t);
const struct ksm_template_ref *ksm_template__ref(const struct ksm_template *t,
	    size_t i);
/* The distinct notations, in order of first use (slot order). */
const char *const *ksm_template__notations(const struct ksm_template *t,
	    size_t *n);

/*
 * How references become values.  prepare (optional) is called once per
 * render with every distinct notation before any resolve; its failure
 * fails the render.  resolve sets *value to a malloc'd copy of *len
 * bytes, which the renderer wipes and frees (ksmx_freezero(value, len)),
 * or returns a ksm_code with a message in ksm_error_last() that names no
 * value.
 */
struct ksm_template_resolver {
	int	(*prepare)(void *ctx, const char *const *notations, size_t n);
	int	(*resolve)(void *ctx, const char *notation,
		    unsigned char **value, size_t *len);
	void	*ctx;
};

/*
 * Render t into out (cleared first; its limit bounds the output).  All
 * or nothing: when references fail, every failing one goes to *problems
 * (one per distinct notation, in order of first use), out stays empty
 * and the first one's code is returned; the error message says how many
 * failed.  A failing prepare is returned as it is, with no problems.
 * The resolver is not called at all when t has no reference.
 *
 * @return 0, a resolver's code, KSM_ETOOBIG or KSM_ENOMEM
 */
int	ksm_template__render(struct ksmx_buf *out,
	    struct ksm_template_problems *problems,
	    const struct ksm_template *t,
	    const struct ksm_template_resolver *rs);

/*
 * The resolver on a client (template-client.c): prepare fetches every
 * record the notations name in one get_secret call (records named by
 * title: every record, still one call); resolve evaluates with the
 * notation code (single-value reading, as ksm_notation_get()) and
 * downloads attachments.  Its values are NUL-terminated (value[len] is
 * '\0'; an attachment may hold more NUL bytes).  The client is borrowed.
 */
struct ksm_template_client;
int	ksm_template__client_new(struct ksm_template_client **out,
	    ksm_client *client);
void	ksm_template__client_free(struct ksm_template_client *tc);
/*
 * The same resolver on a record set in hand (keeper-agent's): no Keeper
 * call at all; a notation naming an attachment fails with KSM_EINVAL
 * unless ksm_template__records_files() says where attachments come from.
 * The set is borrowed and must outlive tc.
 */
int	ksm_template__records_new(struct ksm_template_client **out,
	    const ksm_records *set);
/*
 * An attachment's bytes for a resolver on a set in hand: *bytes a
 * malloc'd copy of *len bytes (freed with ksm_bytes_free()), or a
 * ksm_code with a message in ksm_error_last() that names no value.
 */
typedef int (*ksm_template_file_fn)(void *ctx, const ksm_file *f,
	    unsigned char **bytes, size_t *len);
void	ksm_template__records_files(struct ksm_template_client *tc,
	    ksm_template_file_fn get, void *ctx);
/* Fill rs with tc's callbacks. */
void	ksm_template__client_resolver(struct ksm_template_resolver *rs,
	    struct ksm_template_client *tc);

#endif /* KSM_TEMPLATE_H */
