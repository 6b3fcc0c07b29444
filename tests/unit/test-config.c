#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "ksm-config.h"
#include "json.h"
#include "util/b64.h"
#include "ksm-test.h"

static char tmpdir[256];
static char key_b64[64];		/* url base64 of bytes 0..31 */
static unsigned char key_raw[32];
static const char *key10 =			/* Keeper's key id 10 */
    "BNYIh_Sv03nRZUUJveE8d2mxKLIDXv654UbshaItHrCJ"
    "hd6cT7pdZ_XwbdyxAOCWMkBb9AZ4t1XRCsM8-wkEBRg";

/* path under the test's temporary directory */
#define tpath(rel)	ksm_test_path(tmpdir, (rel))
#define contains	ksm_test_contains

static int
put_file(const char *path, const char *text, mode_t mode)
{
	int fd;
	size_t n = strlen(text);

	(void)unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	if (write(fd, text, n) != (ssize_t)n || fchmod(fd, mode) == -1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Neither the message nor the hint of the last error quotes secret. */
static int
err_clean(const char *secret)
{
	const ksm_error *e = ksm_error_last();

	if (strlen(secret) < 4)		/* "" or blanks: nothing to leak */
		return 1;
	return !contains(e->message, secret) && !contains(e->hint, secret);
}

static void
clear_env(void)
{
	unsetenv("KSM_CONFIG");
	unsetenv("KSM_CONFIG_FILE");
	setenv("XDG_CONFIG_HOME", tpath("xdg"), 1);
}

/* ---- vectors ---- */

static void
test_base64_vectors(cJSON *v)
{
	const cJSON *it, *e;
	struct ksm_config *cfg;
	int n = 0;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(v, "base64_config")) {
		const char *text = ksmx_json_str(it, "config_base64");

		if (text == NULL)
			text = ksmx_json_str(it, "config_json");
		n++;
		T_OK(text != NULL, "config::vector %d has text", n);
		if (text == NULL)
			continue;
		T_OK(ksm_config__parse(&cfg, text) == 0,
		    "config::vector %d parses", n);
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(it, "expect"))
			T_STREQ(ksm_config__get(cfg, e->string), e->valuestring,
			    "config::vector %d %s", n, e->string);
		T_OK(ksm_config__path(cfg) == NULL,
		    "config::vector %d is in memory", n);
		if (ksmx_json_str(it, "decoded_json") != NULL) {
			/* same JSON as url base64, wrapped: both alphabets */
			const char *dj = ksmx_json_str(it, "decoded_json");
			char *u = ksmx_b64_encode_str(dj, strlen(dj),
			    KSMX_B64_URL);
			char wrapped[1024];
			struct ksm_config *c2 = NULL;

			snprintf(wrapped, sizeof(wrapped), "  %.20s\n%s\n", u,
			    u + 20);
			T_OK(ksm_config__parse(&c2, wrapped) == 0,
			    "config::vector %d as wrapped url base64", n);
			T_STREQ(ksm_config__get(c2,
			    KSM_CFG_SERVER_PUBLIC_KEY_ID), "10",
			    "config::vector %d serverPublicKeyId", n);
			T_STREQ(ksm_config__get(c2, KSM_CFG_APP_KEY),
			    "FAKE_APP_KEY", "config::vector %d appKey", n);
			ksm_config__free(c2);
			ksmx_strfree(u);
		}
		ksm_config__free(cfg);
	}
	T_OK(n >= 2, "config::base64_config vectors iterated (%d)", n);
}

/* tok with part 1 (the key) replaced by a valid key, "<key>" by key10 */
static void
fix_token(char *out, size_t len, const char *tok)
{
	char tmp[512];
	char *parts[8];
	size_t n = 0, i;
	char *s;

	snprintf(tmp, sizeof(tmp), "%s", tok);
	parts[n++] = tmp;
	for (s = tmp; *s != '\0' && n < 8; s++)
		if (*s == ':') {
			*s = '\0';
			parts[n++] = s + 1;
		}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *p = parts[i];

		if (i == 1)
			p = key_b64;
		else if (strcmp(p, "<key>") == 0)
			p = key10;
		if (i > 0)
			strncat(out, ":", len - strlen(out) - 1);
		strncat(out, p, len - strlen(out) - 1);
	}
}

static void
test_region_vectors(cJSON *v)
{
	const cJSON *regions = cJSON_GetObjectItem(v, "regions");
	const cJSON *it;
	struct ksm_token tok;
	char fixed[512], lower[16];
	size_t i;
	int n = 0;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(regions, "map")) {
		T_STREQ(ksm_region__hostname(it->string), it->valuestring,
		    "region::%s", it->string);
		for (i = 0; it->string[i] != '\0' && i + 1 < sizeof(lower); i++)
			lower[i] = (char)(it->string[i] | 0x20);
		lower[i] = '\0';
		T_STREQ(ksm_region__hostname(lower), it->valuestring,
		    "region::%s (lower case)", lower);
		n++;
	}
	T_OK(n == 7, "region::map has 7 codes (%d)", n);
	T_OK(ksm_region__hostname("XX") == NULL, "region::unknown code");

	n = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(regions,
	    "token_prefix_vectors")) {
		const char *t = ksmx_json_str(it, "token");
		const char *id = ksmx_json_str(it, "serverPublicKeyId");
		const char *sk = ksmx_json_str(it, "serverPublicKey");
		const char *key = strchr(t, ':') + 1;
		char keystr[128];

		n++;
		/* the vectors' keys are placeholders, not 32 bytes */
		snprintf(keystr, sizeof(keystr), "%.*s",
		    (int)strcspn(key, ":"), key);
		T_FAILS(ksm_token__parse(&tok, t), KSM_ETOKEN,
		    "token::vector %d placeholder key refused", n);
		T_OK(err_clean(keystr), "token::vector %d message has no key",
		    n);
		fix_token(fixed, sizeof(fixed), t);
		T_OK(ksm_token__parse(&tok, fixed) == 0,
		    "token::vector %d parses with a real key", n);
		T_STREQ(tok.hostname, ksmx_json_str(it, "hostname"),
		    "token::vector %d hostname", n);
		T_MEMEQ(tok.key, key_raw, 32, "token::vector %d key", n);
		T_STREQ(tok.server_key_id, id ? id : "",
		    "token::vector %d key id", n);
		T_STREQ(tok.server_key, sk ? sk : "",
		    "token::vector %d server key", n);
	}
	T_OK(n >= 10, "token::prefix vectors iterated (%d)", n);

	n = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(regions, "token_errors")) {
		n++;
		fix_token(fixed, sizeof(fixed), ksmx_json_str(it, "token"));
		T_FAILS(ksm_token__parse(&tok, fixed), KSM_ETOKEN,
		    "token::error vector %d refused", n);
		T_OK(err_clean(key_b64), "token::error vector %d: no key in "
		    "message", n);
	}
	T_OK(n >= 5, "token::error vectors iterated (%d)", n);
}

static void
test_server_keys(cJSON *v)
{
	const cJSON *keys = cJSON_GetObjectItem(
	    cJSON_GetObjectItem(v, "server_public_keys"), "keys");
	const cJSON *it;
	unsigned char got[65], want[65], seven[65];
	int n = 0;

	cJSON_ArrayForEach(it, keys) {
		int id = (int)strtol(it->string, NULL, 10);

		n++;
		T_OK(ksm_server_key__lookup(got, id) == 0 &&
		    ksmx_b64_decode_exact(want, 65, it->valuestring) == 0 &&
		    memcmp(got, want, 65) == 0, "server_key::%d", id);
	}
	T_OK(n == 18, "server_key::18 vectors (%d)", n);
	T_OK(ksm_server_key__lookup(seven, 7) == 0 &&
	    ksm_server_key__lookup(got, 3) == 0 &&
	    memcmp(got, seven, 65) == 0, "server_key::3 is 7");
	T_FAILS(ksm_server_key__lookup(got, 0), KSM_EKEY, "server_key::0");
	T_FAILS(ksm_server_key__lookup(got, 19), KSM_EKEY, "server_key::19");
}

/* ---- token forms ---- */

static void
test_token_forms(void)
{
	struct ksm_token tok;
	char t[512], k31[64], k33[64];
	unsigned char raw[33];
	char *s;

	memset(raw, 0x5a, sizeof(raw));
	s = ksmx_b64_encode_str(raw, 31, KSMX_B64_URL);
	snprintf(k31, sizeof(k31), "%s", s);
	ksmx_strfree(s);
	s = ksmx_b64_encode_str(raw, 33, KSMX_B64_URL);
	snprintf(k33, sizeof(k33), "%s", s);
	ksmx_strfree(s);

	T_OK(ksm_token__parse(&tok, key_b64) == 0, "token::bare key");
	T_STREQ(tok.hostname, "", "token::bare key has no hostname");
	T_MEMEQ(tok.key, key_raw, 32, "token::bare key bytes");

	snprintf(t, sizeof(t), "us:%s", key_b64);
	T_OK(ksm_token__parse(&tok, t) == 0 &&
	    strcmp(tok.hostname, "keepersecurity.com") == 0,
	    "token::lower-case us");
	snprintf(t, sizeof(t), "Il5:%s", key_b64);
	T_OK(ksm_token__parse(&tok, t) == 0 &&
	    strcmp(tok.hostname, "il5.keepersecurity.us") == 0,
	    "token::mixed-case Il5");
	snprintf(t, sizeof(t), "127.0.0.1:%s", key_b64);
	T_OK(ksm_token__parse(&tok, t) == 0 &&
	    strcmp(tok.hostname, "127.0.0.1") == 0,
	    "token::unknown prefix is the hostname");
	snprintf(t, sizeof(t), " \tEU:%s\r\n", key_b64);
	T_OK(ksm_token__parse(&tok, t) == 0 &&
	    strcmp(tok.hostname, "keepersecurity.eu") == 0,
	    "token::surrounding whitespace trimmed");

	snprintf(t, sizeof(t), "sandbox.local:%s:10:%s", key_b64, key10);
	T_OK(ksm_token__parse(&tok, t) == 0, "token::4-part, any prefix");
	T_STREQ(tok.hostname, "sandbox.local", "token::4-part hostname");
	T_STREQ(tok.server_key_id, "10", "token::4-part key id");
	T_STREQ(tok.server_key, key10, "token::4-part server key");
	T_MEMEQ(tok.key, key_raw, 32, "token::4-part key bytes");

#define BAD(tokfmt, a, b, what) do {					\
	snprintf(t, sizeof(t), tokfmt, a, b);				\
	T_FAILS(ksm_token__parse(&tok, t), KSM_ETOKEN, "token::%s", what); \
	T_OK(err_clean(t) && err_clean(a), "token::%s: token not in message", \
	    what);							\
	T_OK(tok.hostname[0] == '\0' && tok.key[0] == 0 &&		\
	    tok.key[31] == 0, "token::%s: output cleared", what);	\
} while (0)
	BAD("US:%s%s", k31, "", "31-byte key");
	BAD("US:%s%s", k33, "", "33-byte key");
	BAD("%s%s", k31, "", "bare 31-byte key");
	BAD("US:%s%s", "abc!defghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP", "",
	    "bad base64");
	BAD("US:%s:10%s", key_b64, "", "3 parts");
	BAD("US:%s:10:%s:x", key_b64, key10, "5 parts");
	BAD("US:%s:x1:%s", key_b64, key10, "non-numeric key id");
	BAD("US:%s::%s", key_b64, key10, "empty key id");
	BAD("US:%s:10:%s", key_b64, "", "empty server key");
	BAD("US:%s:10:%s", key_b64, k33, "server key of 33 bytes");
	BAD(":%s%s", key_b64, "", "empty prefix");
	BAD("bad host:%s%s", key_b64, "", "prefix with a space");
	BAD("%s%s", "", "", "empty token");
	BAD("%s%s", "  \n", "", "blank token");
#undef BAD
	T_FAILS(ksm_token__parse(&tok, NULL), KSM_ETOKEN, "token::NULL");
	{
		char big[2100];

		memset(big, 'A', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		T_FAILS(ksm_token__parse(&tok, big), KSM_ETOKEN,
		    "token::too long");
	}
	ksm_token__clear(&tok);
}

/* ---- map, JSON output ---- */

static void
test_map_and_json(void)
{
	struct ksm_config *cfg = NULL;
	char *j;

	T_OK(ksm_config__parse(&cfg, "{}") == 0, "json::parse {}");
	j = ksm_config__to_json(cfg);
	T_STREQ(j, "{}", "json::empty is {}");
	ksmx_strfree(j);

	T_OK(ksm_config__set(cfg, "b", "2") == 0 &&
	    ksm_config__set(cfg, "serverPublicKeyId", "10") == 0 &&
	    ksm_config__set(cfg, "a", "1") == 0 &&
	    ksm_config__set(cfg, "Z", "q\"b\\n\n\x01") == 0, "json::set");
	j = ksm_config__to_json(cfg);
	T_STREQ(j, "{\n"
	    "    \"Z\": \"q\\\"b\\\\n\\n\\u0001\",\n"
	    "    \"a\": \"1\",\n"
	    "    \"b\": \"2\",\n"
	    "    \"serverPublicKeyId\": \"10\"\n"
	    "}", "json::sorted keys, 4-space indent, escapes");
	ksmx_strfree(j);

	T_OK(ksm_config__set(cfg, "a", "one") == 0, "json::set replaces");
	T_STREQ(ksm_config__get(cfg, "a"), "one", "json::replaced value");
	T_OK(ksm_config__set(cfg, "a", ksm_config__get(cfg, "a")) == 0 &&
	    strcmp(ksm_config__get(cfg, "a"), "one") == 0,
	    "json::set to its own value");
	ksm_config__del(cfg, "a");
	ksm_config__del(cfg, "not-there");
	T_OK(ksm_config__get(cfg, "a") == NULL, "json::del");
	T_OK(ksm_config__get(cfg, "nope") == NULL, "json::get missing");
	j = ksm_config__to_json(cfg);
	T_OK(j != NULL && strstr(j, "\"a\"") == NULL, "json::del'd key gone");
	ksmx_strfree(j);
	T_OK(ksm_config__save(cfg) == 0, "json::save of in-memory is a no-op");
	ksm_config__free(cfg);
	ksm_config__free(NULL);

	/* what other SDKs write */
	T_OK(ksm_config__parse(&cfg, "{\"serverPublicKeyId\": 10, "
	    "\"hostname\": null, \"clientId\": \"x\", \"clientId\": \"y\"}")
	    == 0, "json::number id, null, duplicate accepted");
	T_STREQ(ksm_config__get(cfg, "serverPublicKeyId"), "10",
	    "json::numeric serverPublicKeyId becomes \"10\"");
	T_OK(ksm_config__get(cfg, "hostname") == NULL, "json::null is absent");
	T_STREQ(ksm_config__get(cfg, "clientId"), "y",
	    "json::last duplicate wins");
	j = ksm_config__to_json(cfg);
	T_STREQ(j, "{\n    \"clientId\": \"y\",\n"
	    "    \"serverPublicKeyId\": \"10\"\n}", "json::normalised output");
	ksmx_strfree(j);
	ksm_config__free(cfg);
}

/* ---- corrupt input ---- */

static void
test_corrupt(void)
{
	struct ksm_config *cfg = NULL;
	const char *p = tpath("corrupt.json");
	static const struct {
		const char *text, *what;
	} bad[] = {
		{ "{\"privateKey\": \"SECRETCANARY\", ", "truncated JSON" },
		{ "[\"SECRETCANARY\"]", "array" },
		{ "{\"hostname\": 5, \"x\": \"SECRETCANARY\"}",
		    "number hostname" },
		{ "{\"serverPublicKeyId\": 10.5, \"x\": \"SECRETCANARY\"}",
		    "fractional key id" },
		{ "{\"SECRETCANARY\": true}", "boolean value" },
		{ "{\"hostname\": {\"x\": \"SECRETCANARY\"}}", "object value" },
		{ "SECRETCANARY!!", "not base64" },
		{ "WyJTRUNSRVRDQU5BUlkiXQ==", "base64 of an array" },
		{ "{\"a\": \"SECRETCANARY\"} trailing", "trailing garbage" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_FAILS(ksm_config__parse(&cfg, bad[i].text), KSM_ECONFIG,
		    "corrupt::string %s", bad[i].what);
		T_OK(cfg == NULL && err_clean("SECRETCANARY") &&
		    contains(ksm_error_last()->message,
		    "configuration string"), "corrupt::string %s: source "
		    "named, content not", bad[i].what);

		T_OK(put_file(p, bad[i].text, 0600) == 0, "corrupt::write");
		T_FAILS(ksm_config__load(&cfg, p, NULL), KSM_ECONFIG,
		    "corrupt::file %s", bad[i].what);
		T_OK(err_clean("SECRETCANARY") &&
		    contains(ksm_error_last()->message, p),
		    "corrupt::file %s: path named, content not", bad[i].what);
	}
	T_FAILS(ksm_config__parse(&cfg, ""), KSM_ECONFIG,
	    "corrupt::empty string");

	clear_env();
	setenv("KSM_CONFIG", "{\"privateKey\": \"SECRETCANARY\"", 1);
	T_FAILS(ksm_config__load(&cfg, NULL, NULL), KSM_ECONFIG,
	    "corrupt::$KSM_CONFIG");
	T_OK(err_clean("SECRETCANARY") &&
	    contains(ksm_error_last()->message, "$KSM_CONFIG"),
	    "corrupt::$KSM_CONFIG named, content not");
	unsetenv("KSM_CONFIG");

	T_OK(put_file(p, "", 0600) == 0, "corrupt::write empty");
	T_OK(ksm_config__load(&cfg, p, NULL) == 0,
	    "corrupt::0-byte file is {}");
	T_STREQ(ksm_config__path(cfg), p, "corrupt::0-byte file keeps path");
	ksm_config__free(cfg);

	T_OK(mkdir(tpath("adir"), 0700) == 0 || errno == EEXIST,
	    "corrupt::mkdir");
	T_FAILS(ksm_config__load(&cfg, tpath("adir"), NULL), KSM_ECONFIG,
	    "corrupt::a directory is refused");
	(void)unlink(tpath("fifo"));
	T_OK(mkfifo(tpath("fifo"), 0600) == 0, "corrupt::mkfifo");
	T_FAILS(ksm_config__load(&cfg, tpath("fifo"), NULL), KSM_ECONFIG,
	    "corrupt::a FIFO is refused without blocking");
	{
		char *big = malloc(KSM_MAX_CONFIG_FILE + 2);

		memset(big, ' ', KSM_MAX_CONFIG_FILE + 1);
		big[0] = '{';
		big[KSM_MAX_CONFIG_FILE] = '}';
		big[KSM_MAX_CONFIG_FILE + 1] = '\0';
		T_OK(put_file(p, big, 0600) == 0, "corrupt::write big");
		T_FAILS(ksm_config__load(&cfg, p, NULL), KSM_ETOOBIG,
		    "corrupt::file over KSM_MAX_CONFIG_FILE");
		free(big);
	}
}

/* ---- files: permissions, atomic write, round trip ---- */

static int
dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Permission bits of path, or 0xffff when it cannot be stat'ed. */
static unsigned
file_mode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0xffffu;
}

static void
test_write(void)
{
	struct ksm_config *cfg = NULL, *back = NULL;
	const char *p = tpath("w/sub/ksm-config.json");
	const char *keys[] = {
		KSM_CFG_HOSTNAME, KSM_CFG_CLIENT_ID, KSM_CFG_PRIVATE_KEY,
		KSM_CFG_APP_KEY, KSM_CFG_APP_OWNER_PUBLIC_KEY,
		KSM_CFG_SERVER_PUBLIC_KEY_ID, KSM_CFG_SERVER_PUBLIC_KEY,
		KSM_CFG_CA_FILE, "publicKey",
	};
	const char *vals[] = {
		"127.0.0.1:8443", "Zm9vYmFy+/==", "MIGHAgEAMBMG\"quote\\",
		"line\nbreak\ttab", "B\xc3\xa9\xe2\x82\xac", "10", key10,
		"/etc/ssl/ca.pem", "extra",
	};
	struct stat st;
	char *j1, *j2, *text;
	size_t i, len;
	mode_t old;

	T_OK(ksm_config__new(&cfg, p) == 0, "write::new");
	T_STREQ(ksm_config__path(cfg), p, "write::path");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		T_OK(ksm_config__set(cfg, keys[i], vals[i]) == 0,
		    "write::set %s", keys[i]);
	old = umask(0);			/* the mode must not depend on it */
	T_OK(ksm_config__save(cfg) == 0, "write::save creates directories");
	umask(old);
	T_OK(file_mode(p) == 0600, "write::file mode 0600 (%04o)", file_mode(p));
	T_OK(file_mode(tpath("w/sub")) == 0700,
	    "write::new directory mode 0700 (%04o)", file_mode(tpath("w/sub")));
	T_OK(stat(tpath("w"), &st) == 0 && (st.st_mode & 07777) == 0700,
	    "write::new parent directory mode 0700");
	T_OK(dir_entries(tpath("w/sub")) == 1, "write::no temp file left");

	T_OK(ksm_config__load(&back, p, NULL) == 0, "write::load back");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		T_STREQ(ksm_config__get(back, keys[i]), vals[i],
		    "write::round trip %s", keys[i]);
	j1 = ksm_config__to_json(cfg);
	j2 = ksm_config__to_json(back);
	T_STREQ(j2, j1, "write::round trip JSON identical");
	text = ksm_test_slurp(p, &len);
	T_OK(text != NULL && j1 != NULL && len == strlen(j1) + 1 &&
	    memcmp(text, j1, strlen(j1)) == 0 && text[len - 1] == '\n',
	    "write::file holds to_json and a newline");
	free(text);
	ksmx_strfree(j1);
	ksmx_strfree(j2);

	/* overwrite in place */
	T_OK(ksm_config__set(back, KSM_CFG_HOSTNAME,
	    "keepersecurity.eu") == 0 &&
	    ksm_config__save(back) == 0, "write::save again");
	ksm_config__free(back);
	T_OK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600 &&
	    dir_entries(tpath("w/sub")) == 1, "write::replaced file 0600, "
	    "alone");
	T_OK(ksm_config__load(&back, p, NULL) == 0 &&
	    strcmp(ksm_config__get(back, KSM_CFG_HOSTNAME),
	    "keepersecurity.eu") == 0, "write::new value read back");
	ksm_config__free(back);
	ksm_config__free(cfg);

	/* a directory that cannot be created */
	T_OK(put_file(tpath("notadir"), "x", 0600) == 0, "write::plant file");
	T_OK(ksm_config__new(&cfg, tpath("notadir/ksm.json")) == 0,
	    "write::new under a file");
	T_FAILS(ksm_config__save(cfg), KSM_EIO, "write::parent is a file");
	ksm_config__free(cfg);
}

static void
test_permissions(void)
{
	struct ksm_config *cfg = NULL;
	static const mode_t modes[] = { 0644, 0640, 0604, 0660 };
	char want[600], hint[600];
	const char *p = tpath("perm.json");
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		T_OK(put_file(p, "{\"hostname\": \"h\"}", modes[i]) == 0,
		    "perm::write %04o", (unsigned)modes[i]);
		T_FAILS(ksm_config__load(&cfg, p, NULL), KSM_EPERM,
		    "perm::%04o refused", (unsigned)modes[i]);
		snprintf(want, sizeof(want),
		    "permissions %04o for '%s' are too open",
		    (unsigned)modes[i], p);
		snprintf(hint, sizeof(hint), "run: chmod 600 '%s'", p);
		T_STREQ(ksm_error_last()->message, want, "perm::%04o message",
		    (unsigned)modes[i]);
		T_STREQ(ksm_error_last()->hint, hint, "perm::%04o hint",
		    (unsigned)modes[i]);
	}
	T_OK(chmod(p, 0600) == 0, "perm::chmod 600");
	T_OK(ksm_config__load(&cfg, p, NULL) == 0, "perm::0600 accepted");
	ksm_config__free(cfg);
	T_OK(chmod(p, 0400) == 0, "perm::chmod 400");
	T_OK(ksm_config__load(&cfg, p, NULL) == 0, "perm::0400 accepted");
	ksm_config__free(cfg);

	if (geteuid() == 0) {
		T_OK(chown(p, 65534, 65534) == 0, "perm::chown to nobody");
		T_FAILS(ksm_config__load(&cfg, p, NULL), KSM_EPERM,
		    "perm::file of another user refused");
		T_OK(contains(ksm_error_last()->message, "owned by uid 65534"),
		    "perm::owner message");
	} else {
		T_OK(1, "# SKIP owner check needs root to chown");
	}
}

/* ---- source order ---- */

static const char *
loaded_host(const char *path, const char *string, int *rc)
{
	static char host[64];
	struct ksm_config *cfg = NULL;

	host[0] = '\0';
	*rc = ksm_config__load(&cfg, path, string);
	if (*rc == 0 && ksm_config__get(cfg, KSM_CFG_HOSTNAME) != NULL)
		snprintf(host, sizeof(host), "%s",
		    ksm_config__get(cfg, KSM_CFG_HOSTNAME));
	ksm_config__free(cfg);
	return host;
}

static void
test_sources(void)
{
	struct ksm_config *cfg = NULL;
	char *def = NULL, want[600], cwd[512];
	const char *xdgfile = tpath("xdg/keeper/ksm-config.json");
	const ksm_error *e;
	char *b64;
	int rc;

	clear_env();
	T_OK(ksm_config__default_path(&def) == 0 && def != NULL &&
	    strcmp(def, xdgfile) == 0, "source::default under XDG_CONFIG_HOME");
	free(def);
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	setenv("HOME", tpath("home"), 1);
	T_OK(ksm_config__default_path(&def) == 0 &&
	    strcmp(def, tpath("home/.config/keeper/ksm-config.json")) == 0,
	    "source::relative XDG_CONFIG_HOME ignored, HOME/.config used");
	free(def);
	unsetenv("XDG_CONFIG_HOME");
	T_OK(ksm_config__default_path(&def) == 0 &&
	    strcmp(def, tpath("home/.config/keeper/ksm-config.json")) == 0,
	    "source::no XDG_CONFIG_HOME: HOME/.config");
	free(def);
	clear_env();

	/* nothing anywhere, with decoys in the current directory */
	T_OK(getcwd(cwd, sizeof(cwd)) != NULL, "source::getcwd");
	T_OK(mkdir(tpath("cwd"), 0700) == 0 && chdir(tpath("cwd")) == 0,
	    "source::chdir to a decoy directory");
	put_file("client-config.json", "{\"hostname\": \"cwd\"}", 0600);
	put_file("ksm-config.json", "{\"hostname\": \"cwd\"}", 0600);
	put_file("keeper.ini", "{\"hostname\": \"cwd\"}", 0600);
	T_FAILS(ksm_config__load(&cfg, NULL, NULL), KSM_ECONFIG,
	    "source::missing config, current directory not read");
	e = ksm_error_last();
	snprintf(want, sizeof(want), "no Keeper configuration found at '%s'",
	    xdgfile);
	T_STREQ(e->message, want, "source::missing message names the path");
	T_STREQ(e->hint, "bind one with: keeper-secret init --token "
	    "<one-time token>", "source::missing hint");
	T_OK(chdir(cwd) == 0, "source::chdir back");

	/* the XDG file */
	T_OK(ksm_config__new(&cfg, NULL) == 0 &&
	    strcmp(ksm_config__path(cfg), xdgfile) == 0,
	    "source::new(NULL) targets the default path");
	T_OK(ksm_config__set(cfg, KSM_CFG_HOSTNAME, "xdg") == 0 &&
	    ksm_config__save(cfg) == 0, "source::save default file");
	ksm_config__free(cfg);
	T_STREQ(loaded_host(NULL, NULL, &rc), "xdg", "source::XDG file");

	/* $KSM_CONFIG_FILE beats XDG */
	put_file(tpath("envfile.json"), "{\"hostname\": \"envfile\"}", 0600);
	setenv("KSM_CONFIG_FILE", tpath("envfile.json"), 1);
	T_STREQ(loaded_host(NULL, NULL, &rc), "envfile",
	    "source::$KSM_CONFIG_FILE beats XDG");
	T_OK(ksm_config__load(&cfg, NULL, NULL) == 0 &&
	    strcmp(ksm_config__path(cfg), tpath("envfile.json")) == 0,
	    "source::$KSM_CONFIG_FILE config saves there");
	ksm_config__free(cfg);

	/* $KSM_CONFIG beats $KSM_CONFIG_FILE; JSON and base64 */
	setenv("KSM_CONFIG", "{\"hostname\": \"envjson\"}", 1);
	T_STREQ(loaded_host(NULL, NULL, &rc), "envjson",
	    "source::$KSM_CONFIG JSON beats $KSM_CONFIG_FILE");
	b64 = ksmx_b64_encode_str("{\"hostname\": \"env64\"}", 21,
	    KSMX_B64_STD);
	setenv("KSM_CONFIG", b64, 1);
	ksmx_strfree(b64);
	T_STREQ(loaded_host(NULL, NULL, &rc), "env64",
	    "source::$KSM_CONFIG base64");
	T_OK(ksm_config__load(&cfg, NULL, NULL) == 0 &&
	    ksm_config__path(cfg) == NULL, "source::$KSM_CONFIG is in memory");
	T_OK(ksm_config__save(cfg) == 0, "source::save of $KSM_CONFIG: no-op");
	ksm_config__free(cfg);
	setenv("KSM_CONFIG", "", 1);
	T_STREQ(loaded_host(NULL, NULL, &rc), "envfile",
	    "source::empty $KSM_CONFIG is unset");
	setenv("KSM_CONFIG", "{\"hostname\": \"envjson\"}", 1);

	/* explicit path beats the environment */
	put_file(tpath("explicit.json"), "{\"hostname\": \"explicit\"}", 0600);
	T_STREQ(loaded_host(tpath("explicit.json"), NULL, &rc), "explicit",
	    "source::explicit path beats $KSM_CONFIG");
	/* explicit string beats everything */
	T_STREQ(loaded_host(tpath("explicit.json"),
	    "{\"hostname\": \"string\"}", &rc), "string",
	    "source::explicit string beats explicit path");
	T_OK(ksm_config__load(&cfg, NULL, "{\"hostname\": \"s\"}") == 0 &&
	    ksm_config__path(cfg) == NULL, "source::string is in memory");
	ksm_config__free(cfg);

	/* a named file that is missing does not fall back */
	unsetenv("KSM_CONFIG");
	setenv("KSM_CONFIG_FILE", tpath("missing.json"), 1);
	T_FAILS(ksm_config__load(&cfg, NULL, NULL), KSM_ECONFIG,
	    "source::missing $KSM_CONFIG_FILE does not fall back");
	T_OK(contains(ksm_error_last()->message, tpath("missing.json")),
	    "source::missing $KSM_CONFIG_FILE named");
	T_FAILS(ksm_config__load(&cfg, tpath("nope/missing.json"), NULL),
	    KSM_ECONFIG, "source::missing explicit path");
	clear_env();
}

int
main(void)
{
	cJSON *v = ksm_test_vectors("crypto-vectors.json");
	char *s;
	size_t i;

	for (i = 0; i < sizeof(key_raw); i++)
		key_raw[i] = (unsigned char)i;
	s = ksmx_b64_encode_str(key_raw, sizeof(key_raw), KSMX_B64_URL);
	snprintf(key_b64, sizeof(key_b64), "%s", s);
	ksmx_strfree(s);
	snprintf(tmpdir, sizeof(tmpdir), "%s/ksm-test-config.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	T_OK(v != NULL, "vectors::crypto-vectors.json loads");
	test_base64_vectors(v);
	test_region_vectors(v);
	test_server_keys(v);
	test_token_forms();
	test_map_and_json();
	test_corrupt();
	test_write();
	test_permissions();
	test_sources();
	cJSON_Delete(v);
	/* our own mkdtemp directory only, deepest first, links not followed */
	if (ksm_test_rmtree(tmpdir) != 0)
		ksm_test_diag("could not remove %s", tmpdir);
	return ksm_test_done();
}
