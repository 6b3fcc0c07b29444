/*
 * AWS credential_process: pick the keys out of a Keeper record and write
 * the Version 1 JSON the AWS CLI and SDKs read.  Pure: no I/O, no network.
 */
#ifndef AWSJSON_H
#define AWSJSON_H

#include <stddef.h>
#include <time.h>

/* botocore refreshes credentials that expire within 15 minutes. */
#define AWS_MIN_EXPIRATION	(15 * 60)		/* seconds */
#define AWS_MAX_EXPIRATION	(366L * 24 * 3600)	/* seconds */

/* The credentials to print.  Every string is owned and wiped on clear. */
struct awscred {
	char	*access_key_id;
	char	*secret_access_key;
	char	*session_token;		/* NULL: none */
	time_t	 expiration;		/* 0: none */
};
#define AWSCRED_INIT	{ NULL, NULL, NULL, 0 }

/* Wipe and free the strings; c stays usable. */
void	awscred_clear(struct awscred *c);

/*
 * Fill c from a record's decrypted JSON (ksm_record_json()).  Field
 * conventions, first non-empty string wins:
 *   key:    label "Access Key ID", label "aws_access_key_id", type login
 *   secret: label "Secret Access Key", label "aws_secret_access_key",
 *           type password
 *   token:  label "Session Token", label "aws_session_token" (optional)
 *   expiry: label "Expiration": RFC 3339 UTC text or epoch ms (optional)
 * Labels match case-insensitively, custom fields before standard ones.
 * uid names the record in messages.  Existing members of c are replaced.
 * @return 0, KSM_ENOTFOUND (a required field is missing), KSM_ELEGACY,
 *	   KSM_EPROTO (not record JSON), KSM_ENOMEM; sets ksm_error_last()
 */
int	awsjson_select(struct awscred *c, const char *record_json,
	    const char *uid);

/*
 * The Version 1 object, compact, without a newline:
 * {"Version":1,"AccessKeyId":..,"SecretAccessKey":..[,"SessionToken":..]
 * [,"Expiration":"YYYY-MM-DDTHH:MM:SSZ"]}.  *out is malloc'd; free with
 * ksmx_strfree().
 * Strings are escaped by cJSON (quotes, backslashes, controls); UTF-8
 * passes through as is.
 * @return 0, KSM_EINVAL (key or secret missing), KSM_ETOOBIG, KSM_ENOMEM;
 *	   sets ksm_error_last()
 */
int	awsjson_write(char **out, const struct awscred *c);

/* RFC 3339 UTC: "2026-11-23T08:48:38Z".  0, or KSM_EINVAL. */
int	awsjson_time_format(char out[32], time_t t);
/* The reverse; accepts only the form above.  0, or KSM_EINVAL. */
int	awsjson_time_parse(time_t *out, const char *s);

/*
 * The record part of a keeper:// notation ("keeper://REC/field/x" or
 * "REC/..."), unescaped ("\/" -> "/").  *out is malloc'd (free()).
 * @return 0, KSM_ENOTATION, KSM_ENOMEM; sets ksm_error_last()
 */
int	awsjson_notation_record(char **out, const char *notation);

/* Non-zero when s looks like a record UID (22 url-safe base64 chars). */
int	awsjson_is_uid(const char *s);

#endif /* AWSJSON_H */
