/*
 * Notation internals shared by notation-parse.c (I/O-free parser),
 * notation-eval.c (pure resolver over record JSON) and notation.c (fetch,
 * then resolve).  The unit test and the fuzzer link the first two only.
 */
#ifndef KSM_NOTATION_INT_H
#define KSM_NOTATION_INT_H

#include <stddef.h>

#include "ksm/notation.h"

struct cJSON;
struct ksmx_buf;

#define KSM_MAX_NOTATION	(16u * 1024)	/* bytes, notation text */

struct ksm_notation {
	char		*record;	/* unescaped UID or title */
	ksm_selector	 sel;
	char		*param;		/* NULL for type/title/notes */
	char		*index1;	/* NULL absent, "" for [], else digits */
	char		*index2;	/* NULL absent */
	int		 has_idx;	/* index1 is a number ... */
	size_t		 idx;		/* ... this one (saturated at SIZE_MAX) */
};

/* Parse len bytes of text (no NUL needed).  Sets the error message. */
int	ksm_notation__parse(ksm_notation **out, const char *text, size_t len,
	    unsigned int flags);

/*
 * One section of text starting at pos, as the SDKs' parseSubsection:
 * delims "/" reads up to and including the first '/' (or the end); "["
 * up to (not including) the first '['; "[]" one bracketed index, which
 * must start at pos.  With escaped, \/ \[ \] \\ stand for the character.
 * *token is the unescaped text (NULL and 0 when pos is at the end);
 * *raw_len the number of bytes consumed.  KSM_ENOTATION with a message.
 */
int	ksm_notation__section(char **token, size_t *raw_len, const char *s,
	    size_t len, size_t pos, const char *delims, int escaped);

/* A candidate record for resolution, whatever it came from. */
struct ksm_nfile {
	const char	*uid;
	const char	*name;		/* may be NULL */
	const char	*title;		/* may be NULL */
};

struct ksm_nrec {
	const char		*uid;
	const char		*title;	/* NULL: data's title */
	const struct cJSON	*data;	/* decrypted record JSON; NULL = {} */
	int			 legacy;	/* V2 record: KSM_ELEGACY */
	const struct ksm_nfile	*files;
	size_t			 n_files;
};

#define KSM_NPICK_UID	0x1u	/* token == UID */
#define KSM_NPICK_TITLE	0x2u	/* token == title (when no UID matched) */

/*
 * Choose the record the token names among recs: a UID match wins (the
 * same UID twice is one record); else exact titles, where two different
 * UIDs are KSM_EAMBIGUOUS.  KSM_ENOTFOUND when nothing matches.
 */
int	ksm_notation__pick(size_t *idx, const struct ksm_nrec *recs, size_t n,
	    const char *token, unsigned int how);

enum ksm_nstyle {
	KSM_NSTYLE_LIST,	/* getNotationResults: list of strings */
	KSM_NSTYLE_SINGLE	/* legacy getValue: one value */
};

/* What a selector resolved to. */
struct ksm_nvalue {
	char	**values;	/* LIST: n strings */
	size_t	  n;
	char	 *value;	/* SINGLE: len bytes + NUL */
	size_t	  len;
	int	  is_file;	/* file selector: download rec->files[file] */
	size_t	  file;
};

/*
 * Resolve nt's selector against one record without any I/O.  For a file
 * selector only the file is chosen (is_file, file).  Sets the message.
 */
int	ksm_notation__eval(struct ksm_nvalue *out, const ksm_notation *nt,
	    const struct ksm_nrec *rec, enum ksm_nstyle style);
void	ksm_nvalue__clear(struct ksm_nvalue *v);
/*
 * The field nt names in record data (uid for messages): exact type or
 * label in "fields" (field/) or "custom" (custom_field/); the list style
 * wants exactly one (KSM_EAMBIGUOUS), the single style takes the first.
 * KSM_ENOTFOUND with a message when there is none.
 */
int	ksm_notation__field(const struct cJSON **out, const ksm_notation *nt,
	    const struct cJSON *data, const char *uid, enum ksm_nstyle style);

/*
 * The record nt's token names, as resolution finds it (notation.c): a UID
 * first, then an exact title.  *rec borrows from *set, which the caller
 * frees.  KSM_ELEGACY for a legacy record.
 */
struct ksm_client;
int	ksm_notation__record(const ksm_record **rec, ksm_records **set,
	    struct ksm_client *client, const ksm_notation *nt);

/*
 * Set what nt selects in data (a record's JSON tree) to value (parsed
 * JSON with json): field values, one value, one property, title or
 * notes (notation-edit.c, no I/O).  Sets the message.
 */
int	ksm_notation__edit(struct cJSON *data, const ksm_notation *nt,
	    const char *value, int json);

/*
 * A record set seen as resolver candidates (notation.c): recs[i]
 * is ksm_records_at(set, i), with uid, title and legacy filled in; its
 * JSON tree and files are added by ksm_ncands__prepare() when first
 * needed, and live until ksm_ncands__clear().
 */
struct ksm_ncands {
	const ksm_records	*set;
	int			 borrowed;	/* set is not ours to free */
	struct ksm_nrec		*recs;
	size_t			 n;
	struct cJSON		**data;		/* per record, NULL: not yet */
	struct ksm_nfile	**files;	/* per record */
};

/* Fetch (ksm_client_get_records()) into c, cleared first. */
int	ksm_ncands__fetch(struct ksm_ncands *c, ksm_client *client,
	    const char *const *uids, size_t n_uids);
/* The records of a set the caller keeps (borrowed until cleared). */
int	ksm_ncands__from_set(struct ksm_ncands *c, const ksm_records *set);
/*
 * ksm_notation__pick() over c; a UID that was in the answer but did not
 * decrypt is KSM_ECRYPTO rather than KSM_ENOTFOUND.
 */
int	ksm_ncands__pick(size_t *idx, const struct ksm_ncands *c,
	    const char *token, unsigned int how);
/* Parse recs[idx]'s JSON and list its files, once. */
int	ksm_ncands__prepare(struct ksm_ncands *c, size_t idx);
void	ksm_ncands__clear(struct ksm_ncands *c);

/* Non-zero when token matches ^[A-Za-z0-9_-]{22}$. */
int	ksm_notation__uid_shaped(const char *token);
/* The same for len bytes of s (no NUL needed). */
int	ksm_notation__uid_shaped_n(const char *s, size_t len);

/*
 * The base64url form (notation-b64.c; rule in docs/notation.md): decode
 * text, len bytes without any '/', into out (empty, limit at least len) as
 * NUL-terminated notation text: UTF-8 without NUL bytes, a leading byte
 * order mark dropped, with a '/'.  0, or KSM_ENOTATION with a message
 * naming what is wrong (KSM_ENOMEM); out is cleared on failure.
 */
int	ksm_notation__b64_decode(struct ksmx_buf *out, const char *text,
	    size_t len);

#endif /* KSM_NOTATION_INT_H */
