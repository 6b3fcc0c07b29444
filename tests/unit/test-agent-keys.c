#include "config.h"

/*
 * keeper-agent's key loader and signer against the fixed keys in
 * tests/integration/agent-vault.json (made once by ssh-keygen): the public
 * blob must equal the one in the record's publicKey, and every signature
 * must verify with an independent OpenSSL key built from that blob.  The
 * parsed key kept between signatures is looked at through
 * agent-keys-int.h.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "ksm-int.h"
#include "ksm-test.h"
#include "json.h"
#include "util/b64.h"
#include "agent-keygen.h"
#include "agent-keys.h"
#include "agent-keys-int.h"
#include "agent-proto.h"
#include "util/wire.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (s = calloc(1, (size_t)n + 1)) &&
	    fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

static int
fromdata(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
	OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	int ok = p && c && EVP_PKEY_fromdata_init(c) == 1 &&
	    EVP_PKEY_fromdata(c, out, EVP_PKEY_PUBLIC_KEY, p) == 1;

	OSSL_PARAM_free(p);
	EVP_PKEY_CTX_free(c);
	return ok;
}

/* An OpenSSL public key from an SSH public key blob. */
static EVP_PKEY *
pub_from_blob(const uint8_t *blob, size_t len, char *type, size_t tsz)
{
	struct ksmx_rd rd = { blob, len };
	const uint8_t *t, *a, *b;
	size_t tl, al, bl;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *e = NULL, *n = NULL;
	EVP_PKEY *pk = NULL;

	if (ksmx_rd_string(&rd, &t, &tl, 64) != 0 || tl >= tsz)
		goto out;
	memcpy(type, t, tl);
	type[tl] = '\0';
	if (ksmx_rd_string(&rd, &a, &al, 4096) != 0)
		goto out;
	if (strcmp(type, "ssh-ed25519") != 0 &&
	    ksmx_rd_string(&rd, &b, &bl, 4096) != 0)
		goto out;
	if (strcmp(type, "ssh-ed25519") == 0) {
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, a, al);
	} else if (strcmp(type, "ssh-rsa") == 0) {
		e = BN_bin2bn(a, (int)al, NULL);
		n = BN_bin2bn(b, (int)bl, NULL);
		if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
			fromdata("RSA", bld, &pk);
	} else {
		const char *g = al == 8 && !memcmp(a, "nistp256", 8) ?
		    "P-256" : al == 8 && !memcmp(a, "nistp384", 8) ? "P-384" :
		    "P-521";

		if (OSSL_PARAM_BLD_push_utf8_string(bld,
		    OSSL_PKEY_PARAM_GROUP_NAME, g, 0) &&
		    OSSL_PARAM_BLD_push_octet_string(bld,
		    OSSL_PKEY_PARAM_PUB_KEY, b, bl))
			fromdata("EC", bld, &pk);
	}
out:
	BN_free(e);
	BN_free(n);
	OSSL_PARAM_BLD_free(bld);
	return pk;
}

/* Verify an SSH signature (string alg, string blob) over data. */
static int
verify(EVP_PKEY *pk, const char *keytype, const uint8_t *sig, size_t len,
    const uint8_t *data, size_t dlen, const char *want_alg)
{
	struct ksmx_rd rd = { sig, len }, in;
	const uint8_t *alg, *s, *r8, *s8;
	size_t algl, sl, rl, ssl;
	const EVP_MD *md = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	ECDSA_SIG *es = NULL;
	int ok = 0, derlen;

	if (ksmx_rd_string(&rd, &alg, &algl, 64) != 0 ||
	    ksmx_rd_string(&rd, &s, &sl, 4096) != 0 ||
	    ksmx_rd_end(&rd) != 0 || algl != strlen(want_alg) ||
	    memcmp(alg, want_alg, algl) != 0)
		goto out;
	if (strcmp(want_alg, "rsa-sha2-256") == 0)
		md = EVP_sha256();
	else if (strcmp(want_alg, "rsa-sha2-512") == 0)
		md = EVP_sha512();
	else if (strcmp(want_alg, "ssh-rsa") == 0)
		md = EVP_sha1();
	else if (strncmp(keytype, "ecdsa", 5) == 0) {
		md = strstr(keytype, "256") ? EVP_sha256() :
		    strstr(keytype, "384") ? EVP_sha384() : EVP_sha512();
		in.p = s;
		in.len = sl;
		if (ksmx_rd_string(&in, &r8, &rl, 80) != 0 ||
		    ksmx_rd_string(&in, &s8, &ssl, 80) != 0 ||
		    ksmx_rd_end(&in) != 0)
			goto out;
		es = ECDSA_SIG_new();
		ECDSA_SIG_set0(es, BN_bin2bn(r8, (int)rl, NULL),
		    BN_bin2bn(s8, (int)ssl, NULL));
		if ((derlen = i2d_ECDSA_SIG(es, &der)) <= 0)
			goto out;
		s = der;
		sl = (size_t)derlen;
	}
	ok = EVP_DigestVerifyInit(ctx, NULL, md, NULL, pk) == 1 &&
	    EVP_DigestVerify(ctx, s, sl, data, dlen) == 1;
out:
	ECDSA_SIG_free(es);
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	return ok;
}

static const cJSON *
field(const cJSON *rec, const char *type)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItem(rec, "fields"))
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(f,
		    "type")), type) == 0)
			return cJSON_GetArrayItem(cJSON_GetObjectItem(f,
			    "value"), 0);
	return NULL;
}

/* What a key record of the vector vault holds (no passphrase: pw NULL). */
struct key_rec {
	const char	*title;
	const char	*priv;		/* OpenSSH or PEM text */
	const char	*pub;		/* "type base64 comment" */
	const char	*pw;
};

/* *kr from rec, and want = the public key blob its publicKey names */
static void
key_rec(struct key_rec *kr, struct ksmx_buf *want, const cJSON *rec)
{
	const cJSON *kp = field(rec, "keyPair");
	const char *sp, *ep;

	kr->title = cJSON_GetStringValue(cJSON_GetObjectItem(rec, "title"));
	kr->priv = cJSON_GetStringValue(cJSON_GetObjectItem(kp, "privateKey"));
	kr->pub = cJSON_GetStringValue(cJSON_GetObjectItem(kp, "publicKey"));
	kr->pw = cJSON_GetStringValue(field(rec, "password"));
	if (kr->pw != NULL && kr->pw[0] == '\0')
		kr->pw = NULL;
	sp = strchr(kr->pub, ' ') + 1;
	ep = strchr(sp, ' ');
	ksmx_b64_decode(want, sp, ep ? (size_t)(ep - sp) : strlen(sp));
}

static void
test_record(const cJSON *rec)
{
	static const uint8_t data[] = "data to sign";
	struct ksmx_buf want = KSMX_BUF_INIT(8192);
	struct ksmx_buf sig = KSMX_BUF_INIT(8192);
	struct key_rec kr;
	struct agent_key *k = NULL;
	const uint8_t *blob;
	EVP_PKEY *pk = NULL;
	char type[64];
	size_t bl, used;
	int r;

	key_rec(&kr, &want, rec);
	if (kr.pw != NULL) {	/* passphrase-protected */
		r = agent_key_load(kr.priv, strlen(kr.priv), NULL, kr.title,
		    &k);
		T_OK(r == KSM_ECRYPTO && k == NULL &&
		    ksm_error_last()->message[0] != '\0',
		    "%s: no passphrase: refused (%s)", kr.title,
		    ksm_error_last()->message);
		r = agent_key_load(kr.priv, strlen(kr.priv), "wrong",
		    kr.title, &k);
		T_OK(r == KSM_ECRYPTO && k == NULL,
		    "%s: wrong passphrase: refused (%s)", kr.title,
		    ksm_error_last()->message);
	}
	used = CRYPTO_secure_used();
	r = agent_key_load(kr.priv, strlen(kr.priv), kr.pw, kr.title, &k);
	if (!T_OK(r == 0, "%s: loads (%s)", kr.title,
	    ksm_error_last()->message))
		return;
	T_OK(CRYPTO_secure_used() > used,
	    "%s: private key in the locked secure heap (%zu bytes)",
	    kr.title, CRYPTO_secure_used() - used);
	blob = agent_key_blob(k, &bl);
	T_OK(bl == want.len && memcmp(blob, want.d, bl) == 0,
	    "%s: public blob equals publicKey", kr.title);
	T_STREQ(agent_key_comment(k), kr.title, "%s: comment", kr.title);
	pk = pub_from_blob(blob, bl, type, sizeof(type));
	T_OK(pk != NULL, "%s: blob is a valid %s key", kr.title, type);
	if (strcmp(type, "ssh-rsa") == 0) {
		static const struct { uint32_t f; const char *alg; } v[] = {
			{ SSH_AGENT_RSA_SHA2_256, "rsa-sha2-256" },
			{ SSH_AGENT_RSA_SHA2_512, "rsa-sha2-512" },
			{ SSH_AGENT_RSA_SHA2_256 | SSH_AGENT_RSA_SHA2_512,
			    "rsa-sha2-512" },
			{ 0, "ssh-rsa" } };
		size_t i;

		for (i = 0; i < 4; i++) {
			ksmx_buf_clear(&sig);
			T_OK(agent_key_sign(k, data, sizeof(data), v[i].f,
			    &sig) == 0 && verify(pk, type, sig.d, sig.len,
			    data, sizeof(data), v[i].alg),
			    "%s: flags %u sign %s, verifies", kr.title,
			    (unsigned)v[i].f, v[i].alg);
		}
	} else {
		T_OK(agent_key_sign(k, data, sizeof(data), 0, &sig) == 0 &&
		    verify(pk, type, sig.d, sig.len, data, sizeof(data), type),
		    "%s: signature verifies", kr.title);
		T_OK(!verify(pk, type, sig.d, sig.len, data, 3, type),
		    "%s: not for other data", kr.title);
	}
	EVP_PKEY_free(pk);
	agent_key_free(k);
	T_OK(CRYPTO_secure_used() == used, "%s: secure heap released on free",
	    kr.title);
	ksmx_buf_clear(&sig);
	ksmx_buf_clear(&want);
}

/*
 * Lazy keys (what keeper-agent loads): listed from the record's publicKey
 * without touching the private key, parsed only to sign.  A wrong
 * passphrase still lists the identity (proof that listing decrypts
 * nothing) and fails the signature cleanly; so does a private key that
 * does not match the public key (other_pub, another record's).
 */
static void
test_lazy(const cJSON *rec, const char *other_pub)
{
	static const uint8_t data[] = "data to sign";
	struct ksmx_buf want = KSMX_BUF_INIT(8192);
	struct ksmx_buf sig = KSMX_BUF_INIT(8192);
	struct key_rec kr;
	struct agent_key *k = NULL;
	const uint8_t *blob;
	EVP_PKEY *pk;
	char type[64];
	size_t bl, used;
	int r;

	key_rec(&kr, &want, rec);
	used = CRYPTO_secure_used();
	r = agent_key_load_lazy(kr.priv, strlen(kr.priv), kr.pw, kr.pub,
	    kr.title, &k);
	if (!T_OK(r == 0, "%s: lazy: loads (%s)", kr.title,
	    ksm_error_last()->message))
		goto out;
	blob = agent_key_blob(k, &bl);
	T_OK(bl == want.len && memcmp(blob, want.d, bl) == 0,
	    "%s: lazy: blob is the publicKey's", kr.title);
	T_OK(CRYPTO_secure_used() > used,
	    "%s: lazy: key text in the locked secure heap", kr.title);
	pk = pub_from_blob(blob, bl, type, sizeof(type));
	T_OK(pk != NULL && agent_key_sign(k, data, sizeof(data),
	    SSH_AGENT_RSA_SHA2_256, &sig) == 0 && verify(pk, type, sig.d,
	    sig.len, data, sizeof(data), strcmp(type, "ssh-rsa") == 0 ?
	    "rsa-sha2-256" : type), "%s: lazy: signature verifies", kr.title);
	EVP_PKEY_free(pk);
	agent_key_free(k);
	k = NULL;
	T_OK(CRYPTO_secure_used() == used,
	    "%s: lazy: secure heap released on free", kr.title);

	/* no publicKey: derived from the private key at load */
	r = agent_key_load_lazy(kr.priv, strlen(kr.priv), kr.pw, NULL,
	    kr.title, &k);
	blob = r == 0 ? agent_key_blob(k, &bl) : NULL;
	T_OK(blob != NULL && bl == want.len && memcmp(blob, want.d, bl) == 0,
	    "%s: lazy without publicKey: blob derived", kr.title);
	agent_key_free(k);
	k = NULL;

	if (kr.pw != NULL) {
		r = agent_key_load_lazy(kr.priv, strlen(kr.priv), "wrong",
		    kr.pub, kr.title, &k);
		blob = r == 0 ? agent_key_blob(k, &bl) : NULL;
		T_OK(blob != NULL && bl == want.len &&
		    memcmp(blob, want.d, bl) == 0 &&
		    strcmp(agent_key_comment(k), kr.title) == 0,
		    "%s: wrong passphrase: still listed", kr.title);
		ksmx_buf_clear(&sig);
		r = k ? agent_key_sign(k, data, sizeof(data), 0, &sig) : 0;
		T_OK(r == KSM_ECRYPTO && sig.len == 0,
		    "%s: wrong passphrase: signing fails (%s)", kr.title,
		    ksm_error_last()->message);
		agent_key_free(k);
		k = NULL;
	}

	if (other_pub != NULL) {
		r = agent_key_load_lazy(kr.priv, strlen(kr.priv), kr.pw,
		    other_pub, kr.title, &k);
		ksmx_buf_clear(&sig);
		r = r == 0 ? agent_key_sign(k, data, sizeof(data), 0, &sig) : 0;
		T_OK(r == KSM_ECRYPTO && sig.len == 0,
		    "%s: private key not matching publicKey: signing fails "
		    "(%s)", kr.title, ksm_error_last()->message);
		agent_key_free(k);
		k = NULL;
	}
out:
	agent_key_free(k);
	ksmx_buf_clear(&sig);
	ksmx_buf_clear(&want);
}

/* Sign data with k into sig (cleared first); verify it with pk as alg. */
static int
sign_ok(struct agent_key *k, uint32_t flags, struct ksmx_buf *sig,
    EVP_PKEY *pk, const char *type, const char *alg)
{
	static const uint8_t data[] = "data to sign";

	ksmx_buf_clear(sig);
	return agent_key_sign(k, data, sizeof(data), flags, sig) == 0 &&
	    verify(pk, type, sig->d, sig->len, data, sizeof(data), alg);
}

static int
same(const struct ksmx_buf *a, const struct ksmx_buf *b)
{
	return a->len == b->len && memcmp(a->d, b->d, a->len) == 0;
}

/*
 * The parsed key kept between signatures, on a lazy key (what keeper-agent
 * loads): the second signature comes from the first's key object and
 * verifies the same (RSA and Ed25519 sign deterministically: the very same
 * bytes); idle for the lifetime, the key is dropped and the next signature
 * parses it again; with a lifetime of 0 nothing is kept.  Freeing the key
 * wipes its text and passphrase in the secure heap.
 */
static void
test_kept(const cJSON *rec)
{
	struct ksmx_buf want = KSMX_BUF_INIT(8192);
	struct ksmx_buf s1 = KSMX_BUF_INIT(8192), s2 = KSMX_BUF_INIT(8192);
	struct key_rec kr;
	struct agent_key *k = NULL;
	const uint8_t *blob;
	const char *alg, *text, *pass;
	EVP_PKEY *pk = NULL, *kept;
	long long life = AGENT_KEYS_IDLE_DEFAULT * 1000LL;
	char type[64];
	size_t bl, used_text, used_kept, text_len;
	uint32_t fl;
	int rsa, ec, in_heap;

	key_rec(&kr, &want, rec);
	agent_keys_set_idle(AGENT_KEYS_IDLE_DEFAULT);
	if (!T_OK(agent_key_load_lazy(kr.priv, strlen(kr.priv), kr.pw,
	    kr.pub, kr.title, &k) == 0, "%s: kept: loads", kr.title))
		goto out;
	blob = agent_key_blob(k, &bl);
	pk = pub_from_blob(blob, bl, type, sizeof(type));
	rsa = strcmp(type, "ssh-rsa") == 0;
	ec = strncmp(type, "ecdsa", 5) == 0;
	fl = rsa ? SSH_AGENT_RSA_SHA2_512 : 0;
	alg = rsa ? "rsa-sha2-512" : type;
	used_text = CRYPTO_secure_used();
	T_OK(k->kept->pkey == NULL,
	    "%s: kept: nothing parsed before the first signature", kr.title);
	T_OK(sign_ok(k, fl, &s1, pk, type, alg),
	    "%s: kept: first signature verifies", kr.title);
	kept = k->kept->pkey;
	used_kept = CRYPTO_secure_used();
	T_OK(kept != NULL, "%s: kept: the parsed key is kept", kr.title);
	T_OK(sign_ok(k, fl, &s2, pk, type, alg) && k->kept->pkey == kept,
	    "%s: kept: second signature, same key object, verifies",
	    kr.title);
	if (!ec)
		T_OK(same(&s1, &s2), "%s: kept: the same signature bytes",
		    kr.title);
	else
		T_OK(used_kept > used_text, "%s: kept: its scalar is in the "
		    "locked secure heap (%zu bytes)", kr.title,
		    used_kept - used_text);
	if (rsa)
		T_OK(sign_ok(k, SSH_AGENT_RSA_SHA2_256, &s2, pk, type,
		    "rsa-sha2-256") &&
		    sign_ok(k, 0, &s2, pk, type, "ssh-rsa") &&
		    sign_ok(k, fl, &s2, pk, type, alg) && same(&s1, &s2) &&
		    k->kept->pkey == kept, "%s: kept: SHA-256, SHA-1, SHA-512 "
		    "again from the same key object", kr.title);

	T_OK(agent_keys_sweep(k->kept->used_ms + life - 1) ==
	    k->kept->used_ms + life && k->kept->pkey == kept,
	    "%s: kept: still kept 1 ms before the idle lifetime", kr.title);
	T_OK(agent_keys_sweep(k->kept->used_ms + life) == -1 &&
	    k->kept->pkey == NULL && k->kept->work == NULL &&
	    CRYPTO_secure_used() == used_text,
	    "%s: kept: dropped once idle for the lifetime", kr.title);
	T_OK(sign_ok(k, fl, &s2, pk, type, alg) && k->kept->pkey != NULL &&
	    (ec || same(&s1, &s2)),
	    "%s: kept: the next signature parses again, verifies", kr.title);
	agent_keys_set_idle(0);
	T_OK(k->kept->pkey == NULL &&
	    agent_keys_sweep(agent_keys__now_ms()) == -1,
	    "%s: lifetime 0: the kept key is dropped at once", kr.title);
	T_OK(sign_ok(k, fl, &s2, pk, type, alg) && k->kept->pkey == NULL &&
	    (ec || same(&s1, &s2)),
	    "%s: lifetime 0: signs, verifies, keeps nothing", kr.title);
	agent_keys_set_idle(AGENT_KEYS_IDLE_DEFAULT);

	/* freed secure-heap blocks stay mapped: look for what was there */
	text = k->text;
	text_len = k->text_len;
	pass = k->pass;
	in_heap = CRYPTO_secure_allocated(text) &&
	    (pass == NULL || CRYPTO_secure_allocated(pass));
	T_OK(sign_ok(k, fl, &s2, pk, type, alg) && k->kept->pkey != NULL,
	    "%s: kept again before the free", kr.title);
	agent_key_free(k);
	k = NULL;
	T_OK(CRYPTO_secure_used() < used_text,
	    "%s: free: the kept key and the text released", kr.title);
	if (in_heap) {
		T_OK(memmem(text, text_len, kr.priv + text_len / 2, 32) ==
		    NULL, "%s: free: the key text is wiped", kr.title);
		if (pass != NULL)
			T_OK(memmem(pass, strlen(kr.pw), kr.pw,
			    strlen(kr.pw)) == NULL,
			    "%s: free: the passphrase is wiped", kr.title);
	}
out:
	EVP_PKEY_free(pk);
	agent_key_free(k);
	ksmx_buf_clear(&s1);
	ksmx_buf_clear(&s2);
	ksmx_buf_clear(&want);
}

/*
 * The secure heap that holds key texts, passphrases and parsed keys is a
 * mapping the kernel leaves out of core dumps (MADV_DONTDUMP), and locked
 * (mlock) where the memlock limit allows it.
 */
static void
test_heap_flags(void)
{
	void *p = OPENSSL_secure_malloc(64);
	struct rlimit rl;
	unsigned long lo, hi;
	char line[1024];
	int in = 0, dd = 0, locked = 0, may_lock;
	FILE *f = fopen("/proc/self/smaps", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			dd = strstr(line, " dd") != NULL;
			locked = strstr(line, " lo") != NULL;
		}
	}
	if (f != NULL)
		fclose(f);
	T_OK(p != NULL && CRYPTO_secure_allocated(p) && dd,
	    "the secure heap is left out of core dumps (MADV_DONTDUMP)");
	may_lock = geteuid() == 0 || (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
	    (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= 2 << 20));
	if (may_lock)
		T_OK(locked, "the secure heap is locked (mlock)");
	else
		ksm_test_diag("memlock limit below 2 MiB: not checking mlock");
	OPENSSL_secure_free(p);
}

/*
 * Load and sign once with every key, asserting nothing: OpenSSL's random
 * generator and libssh keep a few secure-heap blocks for good on first use,
 * which must not count as a key's.
 */
static void
warm_up(const cJSON *vault)
{
	static const uint8_t data[] = "warm";
	struct ksmx_buf sig = KSMX_BUF_INIT(8192);
	const cJSON *rec, *d;
	struct agent_key *k;
	const char *priv, *pw;

	cJSON_ArrayForEach(rec, cJSON_GetObjectItem(vault, "records")) {
		d = cJSON_GetObjectItem(rec, "data");
		priv = cJSON_GetStringValue(cJSON_GetObjectItem(field(d,
		    "keyPair"), "privateKey"));
		pw = cJSON_GetStringValue(field(d, "password"));
		if (priv == NULL || agent_key_load(priv, strlen(priv),
		    pw && pw[0] ? pw : NULL, "w", &k) != 0)
			continue;
		agent_key_sign(k, data, sizeof(data), SSH_AGENT_RSA_SHA2_256,
		    &sig);
		ksmx_buf_clear(&sig);
		agent_key_free(k);
	}
}

/* OpenSSH's ssh-keygen as the decrypter (agent-keygen.c), every record */
static void
test_keygen(const cJSON *vault)
{
	const cJSON *rec, *d;
	const char *priv, *pw, *title;
	char *plain;
	size_t len;
	int r;

	cJSON_ArrayForEach(rec, cJSON_GetObjectItem(vault, "records")) {
		d = cJSON_GetObjectItem(rec, "data");
		title = cJSON_GetStringValue(cJSON_GetObjectItem(d, "title"));
		priv = cJSON_GetStringValue(cJSON_GetObjectItem(field(d,
		    "keyPair"), "privateKey"));
		pw = cJSON_GetStringValue(field(d, "password"));
		if (priv == NULL || pw == NULL || pw[0] == '\0' ||
		    strstr(priv, "OPENSSH") == NULL)
			continue;
		r = agent_keygen_decrypt(priv, strlen(priv), pw, &plain, &len);
		T_OK(r == 0 && strlen(plain) == len - 1 &&
		    (strncmp(plain, "-----BEGIN PRIVATE KEY-----", 27) == 0 ||
		    strncmp(plain, "-----BEGIN OPENSSH PRIVATE KEY-----\n"
		    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", 78) == 0),
		    "%s: ssh-keygen decrypts to PKCS#8 or unencrypted "
		    "OpenSSH (%s)", title, r ? ksm_error_last()->message : "");
		if (r == 0)
			OPENSSL_secure_clear_free(plain, len);
		r = agent_keygen_decrypt(priv, strlen(priv), "wrong", &plain,
		    &len);
		T_OK(r == KSM_ECRYPTO && plain == NULL &&
		    strstr(ksm_error_last()->message, "wrong passphrase"),
		    "%s: ssh-keygen, wrong passphrase: refused", title);
	}
}

static void
test_bad(void)
{
	static const char *bad[] = {
		"",
		"-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n-----END OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n-----END OPENSSH PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEoEGhxjNHiHmQRZaQDZL6owA86DpN+jkARWI98RrUe9",
	};
	struct agent_key *k;
	size_t i;
	int ok = 1;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k = NULL;
		if (agent_key_load(bad[i], strlen(bad[i]), NULL, "x", &k) >= 0 ||
		    k != NULL || ksm_error_last()->message[0] == '\0')
			ok = 0;
	}
	T_OK(ok, "malformed keys refused with a message");
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	const cJSON *rec;
	const char *prev_pub = NULL;
	cJSON *vault;
	char *text;
	int n = 0;

	T_OK(agent_keys_secure_init() == 0, "secure heap set up");
	snprintf(path, sizeof(path), "%s/tests/integration/agent-vault.json",
	    top ? top : ".");
	text = slurp(path);
	vault = text ? cJSON_Parse(text) : NULL;
	if (!T_OK(vault != NULL, "read %s", path))
		return ksm_test_done();
	warm_up(vault);
	cJSON_ArrayForEach(rec, cJSON_GetObjectItem(vault, "records")) {
		const cJSON *d = cJSON_GetObjectItem(rec, "data");

		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(d,
		    "type")), "sshKeys") != 0)
			continue;
		test_record(d);
		test_lazy(d, prev_pub);
		test_kept(d);
		prev_pub = cJSON_GetStringValue(cJSON_GetObjectItem(field(d,
		    "keyPair"), "publicKey"));
		n++;
	}
	T_OK(n == 9, "nine key records");
	test_keygen(vault);
	test_bad();
	test_heap_flags();
	ksmx_json_free(vault);
	free(text);
	return ksm_test_done();
}
