#include "config.h"

/*
 * The cross-process cache (core/cache*.c):
 * 1. the pure parts: HKDF (RFC 5869 vector), keys, names, sealing and
 *    tampering, the freshness rule, the environment's numbers;
 * 2. the directory and entry file rules, on real files;
 * 3. the policy through a real client whose network is a scripted server
 *    (its own P-256 key, so requests are really decrypted and answers
 *    really encrypted): hits, stale-if-error on throttling and outages,
 *    max age, tampered entries, access denied, and coalescing of forked
 *    processes;
 * 4. the transport's throttle back-off: retry_after honoured with jitter,
 *    never past the limit.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "client-int.h"
#include "cache.h"
#include "http.h"
#include "json.h"
#include "util/b64.h"
#include "ksm-fake.h"
#include "ksm-test.h"

#define FAKE_HOST	"fake.keepersecurity.com"
#define CLIENT_ID	"Y2FjaGUtdGVzdC1jbGllbnQ="
#define REC_UID		"CacheRecord00000000AB1"
#define PASSWORD	"pw-Zq8uT3xLmK0vR7"

static char tmpdir[64];
static char cachedir[128];

/* ---- 1. pure parts ---- */

static void
test_hkdf(void)
{
	uint8_t ikm[22], salt[13], info[10], okm[42], want[42];
	size_t i;

	memset(ikm, 0x0b, sizeof(ikm));
	for (i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)i;
	for (i = 0; i < sizeof(info); i++)
		info[i] = (uint8_t)(0xf0 + i);
	ksm_test_unhex(want, sizeof(want), "3cb25f25faacd57a90434f64d0362f2a"
	    "2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
	T_OK(ksm_cache__hkdf(okm, sizeof(okm), salt, sizeof(salt), ikm,
	    sizeof(ikm), info, sizeof(info)) == 0, "hkdf: RFC 5869 case 1 runs");
	T_MEMEQ(okm, want, sizeof(want), "hkdf: RFC 5869 case 1 output");
	ksm_test_unhex(want, sizeof(want), "8da4e775a563c18f715f802a063c5a31"
	    "b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
	T_OK(ksm_cache__hkdf(okm, sizeof(okm), NULL, 0, ikm, sizeof(ikm),
	    NULL, 0) == 0, "hkdf: RFC 5869 case 3 runs");
	T_MEMEQ(okm, want, sizeof(want), "hkdf: RFC 5869 case 3 (no salt/info)");
	T_OK(ksm_cache__hkdf(okm, 255 * 32 + 1, NULL, 0, ikm, 1, NULL, 0) ==
	    KSM_EINVAL, "hkdf: output too long");
}

static void
test_names(void)
{
	struct ksm_cache_keys a, a2, b;
	char tag[KSM_CACHE_TAG_HEX + 1], tag2[KSM_CACHE_TAG_HEX + 1];
	char n1[KSM_CACHE_NAME_LEN + 1], n2[KSM_CACHE_NAME_LEN + 1];
	char file[KSM_CACHE_NAME_LEN + 8];
	const char *u12[] = { "uid1", "uid2" }, *u21[] = { "uid2", "uid1" };

	T_OK(ksm_cache__derive(&a, "key one", 7) == 0 &&
	    ksm_cache__derive(&a2, "key one", 7) == 0 &&
	    ksm_cache__derive(&b, "key two", 7) == 0, "derive");
	T_OK(memcmp(&a, &a2, sizeof(a)) == 0, "derive: deterministic");
	T_OK(memcmp(a.enc, b.enc, 32) != 0, "derive: other key, other keys");
	T_OK(memcmp(a.enc, a.name, 32) != 0, "derive: entry key != name key");

	T_OK(ksm_cache__tag(tag, &a, "host", "client") == 0 &&
	    strlen(tag) == KSM_CACHE_TAG_HEX, "tag: %s", tag);
	T_OK(ksm_cache__tag(tag2, &a, "host", "client2") == 0 &&
	    strcmp(tag, tag2) != 0, "tag: per client id");
	T_OK(ksm_cache__tag(tag2, &a, "host2", "client") == 0 &&
	    strcmp(tag, tag2) != 0, "tag: per host");
	T_OK(ksm_cache__tag(tag2, &b, "host", "client") == 0 &&
	    strcmp(tag, tag2) != 0, "tag: per private key");
	T_OK(strstr(tag, "client") == NULL, "tag: reveals nothing");

	T_OK(ksm_cache__entry_name(n1, &a, tag, "get_secret", u12, 2) == 0 &&
	    strlen(n1) == KSM_CACHE_NAME_LEN &&
	    strncmp(n1, tag, KSM_CACHE_TAG_HEX) == 0, "name: %s", n1);
	T_OK(ksm_cache__entry_name(n2, &a, tag, "get_secret", u12, 2) == 0 &&
	    strcmp(n1, n2) == 0, "name: deterministic");
	T_OK(ksm_cache__entry_name(n2, &a, tag, "get_secret", u21, 2) == 0 &&
	    strcmp(n1, n2) != 0, "name: per UID order");
	T_OK(ksm_cache__entry_name(n2, &a, tag, "get_secret", u12, 1) == 0 &&
	    strcmp(n1, n2) != 0, "name: per UID set");
	T_OK(ksm_cache__entry_name(n2, &a, tag, "get_secret", NULL, 0) == 0 &&
	    strcmp(n1, n2) != 0, "name: all records differ");
	T_OK(ksm_cache__entry_name(n2, &a, tag, "get_folders", u12, 2) == 0 &&
	    strcmp(n1, n2) != 0, "name: per endpoint");
	T_OK(ksm_cache__entry_name(n2, &a, "short", "get_secret", NULL, 0) ==
	    KSM_EINVAL, "name: bad tag");

	(void)snprintf(file, sizeof(file), "%s.kc", n1);
	T_OK(ksm_cache__is_entry_file(file, NULL), "is_entry_file: any tag");
	T_OK(ksm_cache__is_entry_file(file, tag), "is_entry_file: its tag");
	T_OK(!ksm_cache__is_entry_file(file, "000000000000"),
	    "is_entry_file: other tag");
	T_OK(!ksm_cache__is_entry_file(n1, NULL), "is_entry_file: no suffix");
	file[3] = 'X';
	T_OK(!ksm_cache__is_entry_file(file, NULL), "is_entry_file: not hex");
	T_OK(!ksm_cache__is_entry_file("ksm-config.json", NULL),
	    "is_entry_file: other files");
	ksmx_wipe(&a, sizeof(a));
}

static void
test_seal(void)
{
	struct ksmx_buf f = KSMX_BUF_INIT(1 << 20);
	struct ksmx_buf pt = KSMX_BUF_INIT(1 << 20);
	struct ksm_cache_keys k, other;
	const char *name = "0123456789ab-0123456789abcdef0123456789abcdef";
	const char *msg = "{\"records\":[]} " PASSWORD;
	uint64_t created = 0;
	size_t i;
	int bad = 0;

	(void)ksm_cache__derive(&k, "seal", 4);
	(void)ksm_cache__derive(&other, "other", 5);
	T_OK(ksm_cache__seal(&f, &k, name, 1234567890123ULL, msg,
	    strlen(msg)) == 0, "seal");
	T_OK(f.len == KSM_CACHE_HDR_LEN + 12 + strlen(msg) + 16,
	    "seal: header + IV + ct + tag");
	T_OK(memmem(f.d, f.len, PASSWORD, strlen(PASSWORD)) == NULL,
	    "seal: no plaintext in the file");
	T_OK(ksm_cache__unseal(&pt, &created, &k, name, f.d, f.len) == 0 &&
	    pt.len == strlen(msg) && memcmp(pt.d, msg, pt.len) == 0,
	    "unseal: round trip");
	T_OK(created == 1234567890123ULL, "unseal: creation time");
	for (i = 0; i < f.len; i++) {
		ksmx_buf_clear(&pt);
		f.d[i] ^= 0x01;
		if (ksm_cache__unseal(&pt, &created, &k, name, f.d, f.len) !=
		    KSM_ECRYPTO || pt.len != 0)
			bad++;
		f.d[i] ^= 0x01;
	}
	T_OK(bad == 0, "unseal: every flipped bit of %zu bytes is detected",
	    f.len);
	ksmx_buf_clear(&pt);
	T_OK(ksm_cache__unseal(&pt, &created, &k,
	    "0123456789ab-0123456789abcdef0123456789abcdee", f.d, f.len) ==
	    KSM_ECRYPTO, "unseal: renamed entry (name is AAD)");
	T_OK(ksm_cache__unseal(&pt, &created, &other, name, f.d, f.len) ==
	    KSM_ECRYPTO, "unseal: another config's key");
	T_OK(ksm_cache__unseal(&pt, &created, &k, name, f.d, f.len - 1) ==
	    KSM_ECRYPTO, "unseal: truncated");
	T_OK(ksm_cache__unseal(&pt, &created, &k, name, f.d, 20) ==
	    KSM_ECRYPTO, "unseal: header only");
	ksmx_buf_clear(&f);
	ksmx_buf_clear(&pt);
}

static void
test_policy_pure(void)
{
	unsigned int ms = 7;
	uint64_t now = 1000000000ULL;

	T_OK(ksm_cache__classify(now, now, 5000, 60000) == KSM_CACHE_FRESH,
	    "classify: new is fresh");
	T_OK(ksm_cache__classify(now, now - 4999, 5000, 60000) ==
	    KSM_CACHE_FRESH, "classify: just within the TTL");
	T_OK(ksm_cache__classify(now, now - 5000, 5000, 60000) ==
	    KSM_CACHE_STALE, "classify: at the TTL: stale");
	T_OK(ksm_cache__classify(now, now - 60000, 5000, 60000) ==
	    KSM_CACHE_STALE, "classify: at the max age: stale");
	T_OK(ksm_cache__classify(now, now - 60001, 5000, 60000) ==
	    KSM_CACHE_EXPIRED, "classify: past the max age");
	T_OK(ksm_cache__classify(now, now + 500, 5000, 60000) ==
	    KSM_CACHE_FRESH, "classify: small skew is fresh");
	T_OK(ksm_cache__classify(now, now + 5000, 5000, 60000) ==
	    KSM_CACHE_EXPIRED, "classify: from the future: expired");
	T_OK(ksm_cache__classify(now, now - 1, 5000, 0) == KSM_CACHE_FRESH,
	    "classify: max age 0 keeps fresh");
	T_OK(ksm_cache__classify(now, now - 6000, 5000, 0) ==
	    KSM_CACHE_EXPIRED, "classify: max age 0: no stale");

	T_OK(ksm_cache__parse_secs("5", &ms) == 0 && ms == 5000, "secs: 5");
	T_OK(ksm_cache__parse_secs("0", &ms) == 0 && ms == 0, "secs: 0");
	T_OK(ksm_cache__parse_secs("0.001", &ms) == 0 && ms == 1,
	    "secs: 0.001");
	T_OK(ksm_cache__parse_secs("1.5", &ms) == 0 && ms == 1500,
	    "secs: 1.5");
	T_OK(ksm_cache__parse_secs("2592000", &ms) == 0 &&
	    ms == 2592000000u, "secs: 30 days");
	ms = 7;
	T_OK(ksm_cache__parse_secs("2592001", &ms) == -1 &&
	    ksm_cache__parse_secs("", &ms) == -1 &&
	    ksm_cache__parse_secs(NULL, &ms) == -1 &&
	    ksm_cache__parse_secs("-1", &ms) == -1 &&
	    ksm_cache__parse_secs("1.", &ms) == -1 &&
	    ksm_cache__parse_secs("1.2345", &ms) == -1 &&
	    ksm_cache__parse_secs("5s", &ms) == -1 &&
	    ksm_cache__parse_secs(" 5", &ms) == -1 && ms == 7,
	    "secs: garbage refused, value untouched");
}

/* ---- 2. files ---- */

static int
mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void
test_files(void)
{
	struct ksmx_buf b = KSMX_BUF_INIT(KSM_CACHE_MAX_ENTRY + 8192);
	char path[256], dir2[160], *dir = NULL;
	const char *name = "0123456789ab-0123456789abcdef0123456789abcdef";
	int fd;

	(void)snprintf(dir2, sizeof(dir2), "%s/files", tmpdir);
	setenv("KSM_CACHE_DIR", dir2, 1);
	T_OK(ksm_cache__dir(&dir, 0) == 0 && dir != NULL &&
	    mode_of(dir2) == -1, "dir: missing and not created");
	free(dir);
	dir = NULL;
	T_OK(ksm_cache__dir(&dir, 1) == 0 && strcmp(dir, dir2) == 0 &&
	    mode_of(dir2) == 0700, "dir: created 0700");
	free(dir);
	dir = NULL;

	T_OK(ksm_cache__write(dir2, name, "hello", 5) == 0, "write");
	(void)snprintf(path, sizeof(path), "%s/%s.kc", dir2, name);
	T_OK(mode_of(path) == 0600, "write: entry is 0600");
	T_OK(ksm_cache__read(&b, dir2, name) == 0 && b.len == 5 &&
	    memcmp(b.d, "hello", 5) == 0, "read back");
	ksmx_buf_clear(&b);
	T_OK(ksm_cache__write(dir2, name, "world!", 6) == 0 &&
	    ksm_cache__read(&b, dir2, name) == 0 && b.len == 6,
	    "write: replaces");
	ksmx_buf_clear(&b);

	(void)chmod(path, 0644);
	T_OK(ksm_cache__read(&b, dir2, name) == KSM_EPERM &&
	    mode_of(path) == -1, "read: a 0644 entry is refused and removed");
	T_OK(ksm_cache__read(&b, dir2, name) == KSM_ENOTFOUND,
	    "read: missing");
	T_OK(symlink("/etc/passwd", path) == 0, "symlink planted");
	T_OK(ksm_cache__read(&b, dir2, name) != 0 && b.len == 0,
	    "read: a symlinked entry is not followed");
	(void)unlink(path);

	fd = ksm_cache__lock(dir2, name);
	T_OK(fd >= 0, "lock");
	ksm_cache__unlock(fd);

	(void)chmod(dir2, 0755);
	T_FAILS(ksm_cache__dir(&dir, 1), KSM_EPERM, "dir: 0755 refused");
	T_OK(strstr(ksm_error_last()->hint, "chmod 700") != NULL,
	    "dir: hint says chmod 700");
	(void)chmod(dir2, 0700);
	(void)snprintf(path, sizeof(path), "%s/link", tmpdir);
	T_OK(symlink(dir2, path) == 0, "symlinked dir planted");
	setenv("KSM_CACHE_DIR", path, 1);
	T_FAILS(ksm_cache__dir(&dir, 1), KSM_EPERM, "dir: symlink refused");
	setenv("KSM_CACHE_DIR", "relative/dir", 1);
	unsetenv("XDG_RUNTIME_DIR");
	(void)snprintf(path, sizeof(path), "%s/xdgcache", tmpdir);
	setenv("XDG_CACHE_HOME", path, 1);
	T_OK(ksm_cache__dir(&dir, 1) == 0 && dir != NULL &&
	    strstr(dir, "/xdgcache/keeper") != NULL,
	    "dir: relative KSM_CACHE_DIR ignored; XDG_CACHE_HOME/keeper");
	free(dir);
	dir = NULL;
	setenv("XDG_RUNTIME_DIR", tmpdir, 1);
	T_OK(ksm_cache__dir(&dir, 1) == 0 && dir != NULL &&
	    strcmp(dir + strlen(tmpdir), "/keeper") == 0,
	    "dir: XDG_RUNTIME_DIR/keeper first");
	free(dir);
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("XDG_CACHE_HOME");
	setenv("KSM_CACHE_DIR", cachedir, 1);
}

static void
test_prune(void)
{
	char dir[160], name[64], path[256];
	struct timespec ts[2];
	struct ksm_cache_scan sc;
	int i;

	(void)snprintf(dir, sizeof(dir), "%s/prune", tmpdir);
	(void)mkdir(dir, 0700);
	for (i = 0; i < 10; i++) {
		(void)snprintf(name, sizeof(name),
		    "%s-0123456789abcdef0123456789abcd%02d",
		    i < 5 ? "aaaaaaaaaaaa" : "bbbbbbbbbbbb", i);
		(void)ksm_cache__write(dir, name, "0123456789", 10);
		/* distinct ages: entry i is the i-th oldest */
		(void)snprintf(path, sizeof(path), "%s/%s.kc", dir, name);
		ts[0].tv_sec = ts[1].tv_sec = 1700000000 + i;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		(void)utimensat(AT_FDCWD, path, ts, 0);
	}
	T_OK(ksm_cache__scan(dir, NULL, 0, &sc) == 0 && sc.n == 10 &&
	    sc.bytes == 100, "scan: 10 entries, 100 bytes");
	T_OK(ksm_cache__scan(dir, "aaaaaaaaaaaa", 0, &sc) == 0 && sc.n == 5,
	    "scan: 5 of one tag");
	ksm_cache__prune(dir, 1000, 6);
	T_OK(ksm_cache__scan(dir, NULL, 0, &sc) == 0 && sc.n == 6,
	    "prune: bounded in count");
	ksm_cache__prune(dir, 35, 100);
	T_OK(ksm_cache__scan(dir, NULL, 0, &sc) == 0 && sc.n == 3,
	    "prune: bounded in bytes");
	T_OK(ksm_cache__scan(dir, "bbbbbbbbbbbb", 1, &sc) == 0 && sc.n == 3 &&
	    ksm_cache__scan(dir, NULL, 0, &sc) == 0 && sc.n == 0,
	    "scan: remove one tag's entries");
}

/* ---- 3. the policy, through a client ---- */

enum mode { OK, THROTTLE, DOWN, DENIED };

struct fake {
	ksm_eckey	*server;
	enum mode	 mode;
	int		 requests;
	unsigned int	 slept_total;
	int		 n_sleeps;
	unsigned int	 slept_min, slept_max;
	int		 throttles_left;	/* then OK */
	char		*ok_json;
};

static int
fake_perform(void *ctx, const struct ksm_http_req *req, long *status,
    struct ksmx_buf *body)
{
	struct fake *f = ctx;
	struct ksmx_buf etk = KSMX_BUF_INIT(4096);
	struct ksmx_buf tk = KSMX_BUF_INIT(64);
	const char *h;
	int r = 0;

	f->requests++;
	if (f->mode == DOWN)
		return ksm__err(KSM_ENETWORK, "fake: cannot reach '%s'",
		    FAKE_HOST);
	if (f->mode == THROTTLE || f->throttles_left > 0) {
		if (f->throttles_left > 0)
			f->throttles_left--;
		*status = 403;
		return ksmx_buf_puts(body, "{\"error\":\"throttled\","
		    "\"retry_after\":10}");
	}
	if (f->mode == DENIED) {
		*status = 403;
		return ksmx_buf_puts(body, "{\"result_code\":\"access_denied\","
		    "\"message\":\"Unable to validate application access\"}");
	}
	h = ksm_test_header(req, "TransmissionKey");
	if (h == NULL || ksmx_b64_decode(&etk, h, strlen(h)) != 0 ||
	    ksm_crypto__ecies_decrypt(&tk, f->server, etk.d, etk.len) != 0 ||
	    tk.len != 32)
		r = ksm__err(KSM_ERROR, "fake: bad transmission key");
	else {
		*status = 200;
		r = ksm_crypto__gcm_encrypt(body, tk.d, f->ok_json,
		    strlen(f->ok_json));
	}
	ksmx_buf_clear(&etk);
	ksmx_buf_clear(&tk);
	return r;
}

static void
fake_sleep(void *ctx, unsigned int ms)
{
	struct fake *f = ctx;

	if (f->n_sleeps == 0 || ms < f->slept_min)
		f->slept_min = ms;
	if (ms > f->slept_max)
		f->slept_max = ms;
	f->n_sleeps++;
	f->slept_total += ms;
}

struct bench {
	struct fake	 f;
	unsigned char	 app_key[32];
	struct ksmx_buf	 der;		/* client private key, PKCS#8 */
	char		 cfgtext[2048];
	struct ksm_client_hooks hooks;
	int		 events[4];
	unsigned long long last_age;
	int		 last_error;
};

static char *
b64(const void *p, size_t n)
{
	return ksmx_b64_encode_str(p, n, KSMX_B64_STD);
}

static int
bench_init(struct bench *b)
{
	struct ksmx_buf rec = KSMX_BUF_INIT(4096);
	unsigned char point[65];
	ksm_eckey *client = NULL;
	char *pk = NULL, *ak = NULL, *sp = NULL, *data = NULL;
	char json[512];
	int r = -1;

	memset(b, 0, sizeof(*b));
	b->der.max = 4096;
	if (ksm_eckey__generate(&b->f.server) != 0 ||
	    ksm_eckey__generate(&client) != 0 ||
	    ksm_eckey__to_pkcs8(&b->der, client) != 0 ||
	    ksm_eckey__public_point(point, b->f.server) != 0 ||
	    ksm_crypto__random(b->app_key, 32) != 0)
		goto out;
	(void)snprintf(json, sizeof(json), "{\"title\":\"Cached login\","
	    "\"type\":\"login\",\"fields\":[{\"type\":\"password\","
	    "\"value\":[\"%s\"]}]}", PASSWORD);
	if (ksm_crypto__gcm_encrypt(&rec, b->app_key, json, strlen(json)) != 0)
		goto out;
	pk = b64(b->der.d, b->der.len);
	ak = b64(b->app_key, 32);
	data = b64(rec.d, rec.len);
	sp = ksmx_b64_encode_str(point, 65, KSMX_B64_URL);
	if (pk == NULL || ak == NULL || sp == NULL || data == NULL)
		goto out;
	(void)snprintf(b->cfgtext, sizeof(b->cfgtext), "{\"hostname\":\"%s\","
	    "\"clientId\":\"%s\",\"privateKey\":\"%s\","
	    "\"appKey\":\"%s\",\"serverPublicKeyId\":\"1\","
	    "\"serverPublicKey\":\"%s\"}", FAKE_HOST, CLIENT_ID, pk, ak, sp);
	if (asprintf(&b->f.ok_json, "{\"records\":[{\"recordUid\":\"%s\","
	    "\"data\":\"%s\",\"revision\":1}],\"folders\":[]}", REC_UID,
	    data) < 0)
		goto out;
	b->hooks.perform = fake_perform;
	b->hooks.perform_ctx = &b->f;
	b->hooks.sleep = fake_sleep;
	b->hooks.sleep_ctx = &b->f;
	r = 0;
out:
	ksm_eckey__free(client);
	ksmx_buf_clear(&rec);
	ksmx_strfree(pk);
	ksmx_strfree(ak);
	free(sp);
	free(data);
	return r;
}

static void
bench_free(struct bench *b)
{
	ksm_eckey__free(b->f.server);
	ksmx_buf_clear(&b->der);
	free(b->f.ok_json);
}

static void
on_event(void *ctx, const ksm_cache_event *ev)
{
	struct bench *b = ctx;

	if (ev->kind >= 1 && ev->kind <= 3)
		b->events[ev->kind]++;
	b->last_age = ev->age_ms;
	b->last_error = ev->error;
}

static ksm_client *
bench_client(struct bench *b, unsigned int ttl_ms, unsigned int max_age_ms,
    unsigned int flags)
{
	ksm_client_options opts = KSM_CLIENT_OPTIONS_INIT;
	ksm_client *c = NULL;

	opts.config_string = b->cfgtext;
	opts.flags = flags;
	opts.max_throttle_wait_ms = 60000;
	if (ksm_client__new(&c, &opts, &b->hooks) != 0)
		return NULL;
	ksm_client_set_cache(c, ttl_ms, max_age_ms);
	ksm_client_set_cache_notify(c, on_event, b);
	return c;
}

/* One get of REC_UID: 0 and the record's password checked, or the code. */
static int
get_one(ksm_client *c, int *password_ok)
{
	const ksm_record *rec = NULL;
	ksm_records *holder = NULL;
	int r;

	*password_ok = 0;
	r = ksm_client_get_record(&rec, &holder, c, REC_UID);
	if (r == 0)
		*password_ok = strstr(ksm_record_json(rec), PASSWORD) != NULL;
	ksm_records_free(holder);
	return r;
}

/* The entry of REC_UID, as the library names it. */
static void
entry_path(struct bench *b, char *out, size_t n)
{
	struct ksm_cache_keys k;
	char tag[KSM_CACHE_TAG_HEX + 1], name[KSM_CACHE_NAME_LEN + 1];
	const char *uids[1] = { REC_UID };

	(void)ksm_cache__derive(&k, b->der.d, b->der.len);
	(void)ksm_cache__tag(tag, &k, FAKE_HOST, CLIENT_ID);
	(void)ksm_cache__entry_name(name, &k, tag, "get_secret", uids, 1);
	(void)snprintf(out, n, "%s/%s.kc", cachedir, name);
	ksmx_wipe(&k, sizeof(k));
}

/* Re-seal the current entry as if it had been written age_ms ago. */
static int
age_entry(struct bench *b, uint64_t age_ms)
{
	struct ksmx_buf file = KSMX_BUF_INIT(1 << 20);
	struct ksmx_buf pt = KSMX_BUF_INIT(1 << 20);
	struct ksm_cache_keys k;
	char path[256], *name;
	uint64_t created;
	size_t len;
	int r = -1;

	entry_path(b, path, sizeof(path));
	name = strrchr(path, '/') + 1;
	len = strlen(name) - strlen(KSM_CACHE_SUFFIX);
	name[len] = '\0';
	(void)ksm_cache__derive(&k, b->der.d, b->der.len);
	if (ksm_cache__read(&file, cachedir, name) == 0 &&
	    ksm_cache__unseal(&pt, &created, &k, name, file.d, file.len) ==
	    0) {
		ksmx_buf_clear(&file);
		if (ksm_cache__seal(&file, &k, name, ksm_cache__now_ms() -
		    age_ms, pt.d, pt.len) == 0 &&
		    ksm_cache__write(cachedir, name, file.d, file.len) == 0)
			r = 0;
	}
	ksmx_wipe(&k, sizeof(k));
	ksmx_buf_clear(&file);
	ksmx_buf_clear(&pt);
	return r;
}

static int
file_has(const char *path, const char *needle)
{
	size_t len;
	char *p = ksm_test_slurp(path, &len);
	int r = p != NULL && memmem(p, len, needle, strlen(needle)) != NULL;

	free(p);
	return r;
}

static void
test_client(void)
{
	struct ksm_cache_scan sc;
	struct bench b;
	ksm_cache_status st;
	ksm_client *c;
	char path[256];
	size_t removed;
	int pw, r, fd;

	if (bench_init(&b) != 0) {
		T_OK(0, "bench set up");
		return;
	}
	entry_path(&b, path, sizeof(path));
	c = bench_client(&b, 60000, 600000, 0);
	T_OK(c != NULL, "client");
	if (c == NULL)
		goto out;

	/* miss, then hit */
	T_OK(get_one(c, &pw) == 0 && pw && b.f.requests == 1,
	    "miss: one request, right record");
	T_OK(mode_of(path) == 0600 && mode_of(cachedir) == 0700,
	    "entry 0600 in a 0700 directory");
	T_OK(!file_has(path, PASSWORD) && !file_has(path, "Cached login") &&
	    !file_has(path, REC_UID), "entry holds no secret, title or UID");
	T_OK(get_one(c, &pw) == 0 && pw && b.f.requests == 1 &&
	    b.events[KSM_CACHE_HIT] == 1, "hit: no request, right record");
	b.f.mode = DOWN;
	T_OK(get_one(c, &pw) == 0 && pw && b.f.requests == 1,
	    "hit while down: no request at all");

	/* stale-if-error */
	T_OK(age_entry(&b, 120000) == 0, "entry aged to 120 s");
	T_OK(get_one(c, &pw) == 0 && pw && b.f.requests == 2 &&
	    b.events[KSM_CACHE_HIT_STALE] == 1 &&
	    b.last_error == KSM_ENETWORK && b.last_age >= 120000,
	    "down: stale answer, reported with its age and the error");
	b.f.mode = THROTTLE;
	T_OK(get_one(c, &pw) == 0 && pw && b.f.requests == 3 &&
	    b.f.n_sleeps == 0 && b.events[KSM_CACHE_HIT_STALE] == 2 &&
	    b.last_error == KSM_ETHROTTLED,
	    "throttled: stale answer at once, no waiting");
	T_OK(age_entry(&b, 700000) == 0, "entry aged past the max age");
	b.f.mode = DOWN;
	r = get_one(c, &pw);
	T_OK(r == KSM_ENETWORK && strstr(ksm_error_last()->hint,
	    "KSM_CACHE_MAX_AGE") != NULL,
	    "down, entry too old: the network error, hint names the max age");
	b.f.mode = OK;
	T_OK(get_one(c, &pw) == 0 && pw && b.f.requests == 5,
	    "back up: refetched");
	T_OK(get_one(c, &pw) == 0 && b.f.requests == 5,
	    "refetched entry is fresh again");

	/* tampering: discarded, refetched */
	fd = open(path, O_WRONLY);
	T_OK(fd >= 0 && pwrite(fd, "X", 1, 40) == 1, "entry tampered");
	if (fd >= 0)
		close(fd);
	T_OK(get_one(c, &pw) == 0 && pw && b.f.requests == 6 &&
	    b.events[KSM_CACHE_DISCARDED] == 1,
	    "tampered entry: discarded, refetched, right record");
	T_OK(get_one(c, &pw) == 0 && b.f.requests == 6,
	    "the refetched entry serves again");

	/* status and clear */
	T_OK(ksm_cache_status_get(c, &st) == 0 && st.usable &&
	    st.entries == 1 && strcmp(st.dir, cachedir) == 0 &&
	    st.ttl_ms == 60000 && st.max_age_ms == 600000,
	    "status: one entry of this config");
	T_OK(ksm_cache_clear(c, &removed) == 0 && removed == 1 &&
	    mode_of(path) == -1, "clear: removed");
	T_OK(get_one(c, &pw) == 0 && b.f.requests == 7, "cleared: refetched");

	/* access denied forgets the config's answers */
	T_OK(age_entry(&b, 120000) == 0, "entry aged to 120 s");
	b.f.mode = DENIED;
	T_FAILS(get_one(c, &pw), KSM_EACCESS, "access denied is not served "
	    "from the cache");
	T_OK(mode_of(path) == -1, "access denied removed the entry");
	b.f.mode = OK;
	ksm_client_free(c);

	/* off switches */
	c = bench_client(&b, 60000, 600000, KSM_CLIENT_NO_CACHE);
	T_OK(c != NULL && get_one(c, &pw) == 0 && get_one(c, &pw) == 0 &&
	    b.f.requests == 10 && mode_of(path) == -1,
	    "KSM_CLIENT_NO_CACHE: every get asks, nothing stored");
	ksm_client_free(c);
	c = bench_client(&b, 0, 600000, 0);
	T_OK(c != NULL && get_one(c, &pw) == 0 && get_one(c, &pw) == 0 &&
	    b.f.requests == 12 && mode_of(path) == -1,
	    "TTL 0: every get asks, nothing stored");
	ksm_client_free(c);
	c = NULL;

	/* throttled with nothing cached: retry_after with jitter, bounded */
	c = bench_client(&b, 60000, 600000, 0);
	b.f.throttles_left = 2;
	T_OK(c != NULL && get_one(c, &pw) == 0 && pw &&
	    b.f.n_sleeps == 2 && b.f.slept_min >= 10000 &&
	    b.f.slept_max <= 12500 && b.f.slept_total <= 60000,
	    "throttle: waits retry_after (+ <= 25%% jitter), then answers "
	    "(slept %u..%u ms)", b.f.slept_min, b.f.slept_max);
	ksm_client_free(c);
	if (ksm_cache_clear(NULL, &removed) != 0)
		ksm_test_diag("cannot clear the cache");
	b.f.n_sleeps = 0;
	b.f.slept_total = 0;
	b.f.mode = THROTTLE;
	{
		ksm_client_options opts = KSM_CLIENT_OPTIONS_INIT;

		opts.config_string = b.cfgtext;
		opts.max_throttle_wait_ms = 25000;
		c = NULL;
		if (ksm_client__new(&c, &opts, &b.hooks) == 0)
			ksm_client_set_cache(c, 60000, 600000);
	}
	T_FAILS(c != NULL ? get_one(c, &pw) : KSM_ERROR, KSM_ETHROTTLED,
	    "throttle: gives up");
	T_OK(b.f.slept_total <= 25000 && b.f.n_sleeps >= 1,
	    "throttle: never waits past the limit (%u ms in %d waits)",
	    b.f.slept_total, b.f.n_sleeps);
	ksm_client_free(c);
	c = NULL;
	b.f.mode = OK;

	/* coalescing: forked processes, one request between them */
	{
		pid_t pids[8];
		int i, status, total = 0, failed = 0;

		if (ksm_cache_clear(NULL, &removed) != 0)
			ksm_test_diag("cannot clear the cache");
		for (i = 0; i < 8; i++) {
			if ((pids[i] = fork()) == 0) {
				ksm_client *cc = bench_client(&b, 60000,
				    600000, 0);

				b.f.requests = 0;
				r = cc != NULL ? get_one(cc, &pw) : -1;
				ksm_client_free(cc);
				bench_free(&b);
				_exit(r == 0 && pw ? b.f.requests : 100 - r);
			}
		}
		for (i = 0; i < 8; i++) {
			if (pids[i] < 0 || waitpid(pids[i], &status, 0) < 0 ||
			    !WIFEXITED(status) || WEXITSTATUS(status) >= 100)
				failed++;
			else
				total += WEXITSTATUS(status);
			if (pids[i] > 0 && WIFEXITED(status) &&
			    WEXITSTATUS(status) != 0)
				ksm_test_diag("process %d: exit %d", i,
				    WEXITSTATUS(status));
		}
		T_OK(failed == 0 && total == 1, "coalescing: 8 processes, "
		    "%d request(s), %d failed", total, failed);
	}
	(void)ksm_cache__scan(cachedir, NULL, 0, &sc);
	T_OK(sc.n == 1, "one entry after coalescing");
out:
	ksm_client_free(c);
	bench_free(&b);
}

/* Threads of one process, each with its own client: one request too. */
struct thread_arg {
	struct bench	 b;	/* a copy: the same config and server */
	int		 rc;
};

static void *
thread_main(void *p)
{
	struct thread_arg *a = p;
	ksm_client *c = bench_client(&a->b, 60000, 600000, 0);
	int pw = 0;

	a->rc = c != NULL ? get_one(c, &pw) : -1;
	if (a->rc == 0 && !pw)
		a->rc = -1;
	ksm_client_free(c);
	return NULL;
}

static void
test_threads(void)
{
	struct thread_arg args[8];
	pthread_t tids[8];
	struct bench b;
	size_t removed;
	int i, total = 0, failed = 0, started[8];

	if (bench_init(&b) != 0) {
		T_OK(0, "bench set up");
		return;
	}
	if (ksm_cache_clear(NULL, &removed) != 0)
		ksm_test_diag("cannot clear the cache");
	for (i = 0; i < 8; i++) {
		args[i].b = b;
		args[i].b.f.requests = 0;
		args[i].b.hooks.perform_ctx = &args[i].b.f;
		args[i].b.hooks.sleep_ctx = &args[i].b.f;
		args[i].rc = -1;
		started[i] = pthread_create(&tids[i], NULL, thread_main,
		    &args[i]) == 0;
	}
	for (i = 0; i < 8; i++) {
		if (started[i])
			(void)pthread_join(tids[i], NULL);
		if (!started[i] || args[i].rc != 0)
			failed++;
		total += args[i].b.f.requests;
	}
	T_OK(failed == 0 && total == 1, "threads: 8 clients at once, %d "
	    "request(s), %d failed", total, failed);
	bench_free(&b);
}

int
main(void)
{
	char cmd[128];

	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/test-cache.XXXXXX",
	    getenv("TMPDIR") != NULL && getenv("TMPDIR")[0] == '/' &&
	    strlen(getenv("TMPDIR")) < 30 ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	(void)snprintf(cachedir, sizeof(cachedir), "%s/cache", tmpdir);
	setenv("KSM_CACHE_DIR", cachedir, 1);
	unsetenv("KSM_CACHE_TTL");
	unsetenv("KSM_CACHE_MAX_AGE");
	unsetenv("KSM_MAX_THROTTLE_WAIT_MS");
	unsetenv("KSM_HOSTNAME");
	unsetenv("KSM_CONFIG");
	unsetenv("KSM_CONFIG_FILE");

	test_hkdf();
	test_names();
	test_seal();
	test_policy_pure();
	test_files();
	test_prune();
	test_client();
	test_threads();

	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		ksm_test_diag("could not remove %s", tmpdir);
	return ksm_test_done();
}
