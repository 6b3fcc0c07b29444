#include "config.h"

/*
 * One-time tokens (ksm-protocol.md §2.5), the region table and Keeper's
 * server public key table (§6).  Nothing here does I/O, and no message
 * ever quotes the token: it is a credential.
 */

#include <string.h>
#include <strings.h>

#include "ksm-int.h"
#include "ksm-config.h"
#include "util/b64.h"

#define TOKEN_MAX	1024		/* bytes; real tokens are < 200 */
#define TOKEN_PARTS_MAX	4

static const struct {
	const char	*code;
	const char	*hostname;
} regions[] = {
	{ "US",		"keepersecurity.com" },
	{ "EU",		"keepersecurity.eu" },
	{ "AU",		"keepersecurity.com.au" },
	{ "GOV",	"govcloud.keepersecurity.us" },
	{ "JP",		"keepersecurity.jp" },
	{ "CA",		"keepersecurity.ca" },
	{ "IL5",	"il5.keepersecurity.us" },
};

/* Keeper's transmission keys, ids 7..18; ids 1..6 are aliases of 7. */
#define SERVER_KEY_FIRST	7
#define SERVER_KEY_LAST		18
static const char *const server_keys[] = {
	/* 7 */
	"BK9w6TZFxE6nFNbMfIpULCup2a8xc6w2tUTABjxny7yF"
	    "mxW0dAEojwC6j6zb5nTlmb1dAx8nwo3qF7RPYGmloRM",
	/* 8 */
	"BKnhy0obglZJK-igwthNLdknoSXRrGB-mvFRzyb_L-DK"
	    "KefWjYdFD2888qN1ROczz4n3keYSfKz9Koj90Z6w_tQ",
	/* 9 */
	"BAsPQdCpLIGXdWNLdAwx-3J5lNqUtKbaOMV56hUj8Vzx"
	    "E2USLHuHHuKDeno0ymJt-acxWV1xPlBfNUShhRTR77g",
	/* 10 */
	"BNYIh_Sv03nRZUUJveE8d2mxKLIDXv654UbshaItHrCJ"
	    "hd6cT7pdZ_XwbdyxAOCWMkBb9AZ4t1XRCsM8-wkEBRg",
	/* 11 */
	"BA6uNfeYSvqagwu4TOY6wFK4JyU5C200vJna0lH4PJ-S"
	    "zGVXej8l9dElyQ58_ljfPs5Rq6zVVXpdDe8A7Y3WRhk",
	/* 12 */
	"BMjTIlXfohI8TDymsHxo0DqYysCy7yZGJ80WhgOBR4QU"
	    "d6LBDA6-_318a-jCGW96zxXKMm8clDTKpE8w75KG-FY",
	/* 13 */
	"BJBDU1P1H21IwIdT2brKkPqbQR0Zl0TIHf7Bz_OO9jaN"
	    "gIwydMkxt4GpBmkYoprZ_DHUGOrno2faB7pmTR7HhuI",
	/* 14 */
	"BJFF8j-dH7pDEw_U347w2CBM6xYM8Dk5fPPAktjib-op"
	    "OqzvvbsER-WDHM4ONCSBf9O_obAHzCyygxmtpktDuiE",
	/* 15 */
	"BDKyWBvLbyZ-jMueORl3JwJnnEpCiZdN7yUvT0vOyjwp"
	    "PBCDf6zfL4RWzvSkhAAFnwOni_1tQSl8dfXHbXqXsQ8",
	/* 16 */
	"BDXyZZnrl0tc2jdC5I61JjwkjK2kr7uet9tZjt8StTiJ"
	    "TAQQmnVOYBgbtP08PWDbecxnHghx3kJ8QXq1XE68y8c",
	/* 17 */
	"BFX68cb97m9_sweGdOVavFM3j5ot6gveg6xT4BtGahfG"
	    "hKib-zdZyO9pwvv1cBda9ahkSzo1BQ4NVXp9qRyqVGU",
	/* 18 */
	"BNhngQqTT1bPKxGuB6FhbPTAeNVFl8PKGGSGo5W06xWI"
	    "Reutm6ix6JPivqnbvkydY-1uDQTr-5e6t70G01Bb5JA",
};

const char *
ksm_region__hostname(const char *code)
{
	size_t i;

	if (code == NULL)
		return NULL;
	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		if (strcasecmp(code, regions[i].code) == 0)
			return regions[i].hostname;
	return NULL;
}

int
ksm_server_key__lookup(unsigned char point[65], int key_id)
{
	int idx;

	KSM_ASSERT_ARG(point != NULL);
	if (key_id < 1 || key_id > SERVER_KEY_LAST) {
		ksm__err(KSM_EKEY, "server public key id %d is not supported",
		    key_id);
		ksm__err_hint("use an id from 1 to %d, or set '%s' in the "
		    "configuration", SERVER_KEY_LAST,
		    KSM_CFG_SERVER_PUBLIC_KEY);
		return KSM_EKEY;
	}
	idx = key_id < SERVER_KEY_FIRST ? 0 : key_id - SERVER_KEY_FIRST;
	if (ksmx_b64_decode_exact(point, 65, server_keys[idx]) != 0)
		return ksm__err(KSM_ERROR, "server key table entry %d is "
		    "corrupt", key_id);
	return 0;
}

void
ksm_token__clear(struct ksm_token *tok)
{
	if (tok != NULL)
		ksmx_wipe(tok, sizeof(*tok));
}

static int
token_err(const char *what)
{
	ksm__err(KSM_ETOKEN, "invalid one-time token: %s", what);
	ksm__err_hint("copy the whole one-time token from the Keeper vault "
	    "(KEY, REGION:KEY or PREFIX:KEY:KEYID:SERVERKEY)");
	return KSM_ETOKEN;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\v' || c == '\f';
}

/* A hostname as a token prefix: [A-Za-z0-9._-]+, shorter than 256. */
static int
valid_host(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') ||
		    s[n] == '.' || s[n] == '-' || s[n] == '_'))
			return 0;
	}
	return n > 0 && n < 256;
}

/* Decimal key id: 1 to 9 digits. */
static int
valid_key_id(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n > 0 && n <= 9;
}

int
ksm_token__parse(struct ksm_token *out, const char *token)
{
	char copy[TOKEN_MAX + 1];
	char *parts[TOKEN_PARTS_MAX];
	unsigned char point[65];
	const char *host;
	size_t start, end, nparts = 0, i;
	int r;

	KSM_ASSERT_ARG(out != NULL);
	ksm_token__clear(out);
	if (token == NULL)
		return token_err("the token is empty");
	/* trim surrounding whitespace: tokens are often pasted */
	for (start = 0; is_space(token[start]); start++)
		;
	end = start + strnlen(token + start, TOKEN_MAX + 1);
	if (end - start > TOKEN_MAX)
		return token_err("the token is too long");
	while (end > start && is_space(token[end - 1]))
		end--;
	if (end == start)
		return token_err("the token is empty");
	memcpy(copy, token + start, end - start);
	copy[end - start] = '\0';

	parts[nparts++] = copy;
	for (i = 0; copy[i] != '\0'; i++) {
		if (copy[i] != ':')
			continue;
		if (nparts == TOKEN_PARTS_MAX) {
			nparts++;
			break;
		}
		copy[i] = '\0';
		parts[nparts++] = copy + i + 1;
	}
	if (nparts != 1 && nparts != 2 && nparts != 4) {
		r = token_err("expected KEY, PREFIX:KEY or "
		    "PREFIX:KEY:KEYID:SERVERKEY");
		goto out;
	}

	if (nparts >= 2) {
		if ((host = ksm_region__hostname(parts[0])) == NULL) {
			if (!valid_host(parts[0])) {
				r = token_err("the prefix is neither a region "
				    "code nor a hostname");
				goto out;
			}
			host = parts[0];
		}
		/* valid_host bounds the length below sizeof(hostname) */
		memcpy(out->hostname, host, strlen(host) + 1);
	}

	if (ksmx_b64_decode_exact(out->key, sizeof(out->key),
	    parts[nparts == 1 ? 0 : 1]) != 0) {
		r = token_err("the key is not url-base64 of 32 bytes");
		goto out;
	}

	if (nparts == 4) {
		if (!valid_key_id(parts[2])) {
			r = token_err("the server key id is not a number");
			goto out;
		}
		if (strlen(parts[3]) >= sizeof(out->server_key) ||
		    ksmx_b64_decode_exact(point, sizeof(point),
		    parts[3]) != 0 ||
		    point[0] != 0x04) {
			r = token_err("the server public key is not url-base64 "
			    "of a 65-byte P-256 point");
			goto out;
		}
		memcpy(out->server_key_id, parts[2], strlen(parts[2]) + 1);
		memcpy(out->server_key, parts[3], strlen(parts[3]) + 1);
	}
	r = 0;
 out:
	if (r != 0)
		ksm_token__clear(out);
	ksmx_wipe_array(copy);
	ksmx_wipe_array(point);
	return r;
}
