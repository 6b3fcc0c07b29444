#include "config.h"

/*
 * core/crypto*.c against tests/vectors/crypto-vectors.json.  Every entry of
 * the sections client_id, pkcs8_private_key, ecies, aes_gcm, aes_cbc,
 * ecdsa, server_public_keys and the key chain of e2e_fake_data is read
 * from the JSON, never copied here.
 */

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "crypto.h"
#include "json.h"
#include "util/b64.h"
#include "ksm-test.h"

#define BUF_MAX	(1024 * 1024)

static const char client_id_msg[] = "KEEPER_SECRETS_MANAGER_CLIENT_ID";

/* A string member, or NULL. */
static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Replace b's contents by the decoding of hex: 0 or -1. */
static int
unhex(struct ksmx_buf *b, const char *hex)
{
	size_t n;

	ksmx_buf_clear(b);
	if (hex == NULL || ksmx_buf_reserve(b, strlen(hex) / 2 + 1) != 0)
		return -1;
	n = ksm_test_unhex(b->d, b->alloc, hex);
	if (n == (size_t)-1)
		return -1;
	b->len = n;
	return 0;
}

/* Replace b's contents by the decoding of base64 (either alphabet). */
static int
unb64(struct ksmx_buf *b, const char *s)
{
	ksmx_buf_clear(b);
	if (s == NULL)
		return -1;
	return ksmx_b64_decode(b, s, strlen(s)) == 0 ? 0 : -1;
}

static int
buf_eq(const struct ksmx_buf *a, const struct ksmx_buf *b)
{
	return a->len == b->len && (a->len == 0 ||
	    memcmp(a->d, b->d, a->len) == 0);
}

static int
buf_eq_str(const struct ksmx_buf *a, const char *s)
{
	return s != NULL && a->len == strlen(s) &&
	    memcmp(a->d, s, a->len) == 0;
}

static const cJSON *
section(const cJSON *v, const char *name)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(v, name);

	T_OK(s != NULL && cJSON_GetArraySize(s) > 0,
	    "crypto::vectors have section '%s'", name);
	return s;
}

/* ------------------------------------------------------------ clientId */

static void
check_client_id(const char *where, const char *token, const char *key_hex,
    const char *want)
{
	struct ksmx_buf key = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf kh = KSMX_BUF_INIT(BUF_MAX);
	uint8_t mac[64];
	size_t mac_len = 0;
	char *got = NULL;
	int r;

	T_OK(unb64(&key, token) == 0 && key.len == 32,
	    "client_id::%s token decodes to 32 bytes", where);
	if (key_hex != NULL)
		T_OK(unhex(&kh, key_hex) == 0 && buf_eq(&key, &kh),
		    "client_id::%s token bytes are client_key_hex", where);
	r = ksm_crypto__hmac(mac, &mac_len, "SHA512", key.d, key.len,
	    client_id_msg, strlen(client_id_msg));
	T_OK(r == 0 && mac_len == 64, "client_id::%s HMAC-SHA512", where);
	if (r == 0)
		got = ksmx_b64_encode_str(mac, mac_len, KSMX_B64_STD);
	T_STREQ(got, want, "client_id::%s clientId", where);
	ksmx_strfree(got);
	ksmx_buf_clear(&key);
	ksmx_buf_clear(&kh);
}

static void
test_client_id(const cJSON *v)
{
	const cJSON *it, *e2e;
	int i = 0;
	char where[32];

	cJSON_ArrayForEach(it, section(v, "client_id")) {
		snprintf(where, sizeof(where), "[%d]", i++);
		check_client_id(where, jstr(it, "one_time_token"),
		    jstr(it, "client_key_hex"), jstr(it, "client_id_base64"));
	}
	e2e = cJSON_GetObjectItemCaseSensitive(v, "e2e_fake_data");
	check_client_id("e2e", jstr(e2e, "one_time_token"),
	    jstr(e2e, "client_key_hex"), jstr(e2e, "client_id_base64"));
}

/* Other HMACs: RFC 2202 / RFC 4231 test case 2, bad algorithm. */
static void
test_hmac_rfc(void)
{
	static const char key[] = "Jefe";
	static const char msg[] = "what do ya want for nothing?";
	static const struct {
		const char *alg, *hex;
	} cases[] = {
		{ "SHA1", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
		{ "SHA256", "5bdcc146bf60754e6a042426089575c7"
		    "5a003f089d2739839dec58b964ec3843" },
		{ "SHA512", "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd6"
		    "10270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a3"
		    "4d4a6b4b636e070a38bce737" },
	};
	struct ksmx_buf want = KSMX_BUF_INIT(128);
	uint8_t mac[64];
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = 0;
		T_OK(ksm_crypto__hmac(mac, &len, cases[i].alg, key,
		    strlen(key), msg, strlen(msg)) == 0 &&
		    unhex(&want, cases[i].hex) == 0 && len == want.len &&
		    memcmp(mac, want.d, len) == 0,
		    "hmac::rfc %s", cases[i].alg);
	}
	T_OK(ksm_crypto__hmac(mac, &len, "MD5", key, 4, msg, 4) == KSM_EINVAL,
	    "hmac::unknown algorithm refused");
	len = 0;
	T_OK(ksm_crypto__hmac(mac, &len, "SHA256", NULL, 0, NULL, 0) == 0 &&
	    len == 32, "hmac::empty key and message");
	ksmx_buf_clear(&want);
}

/* --------------------------------------------------------------- PKCS#8 */

/*
 * A PKCS#8 whose embedded public key is not the scalar's: the fast parser
 * loads it lazily (structure and scalar range only), and the first use
 * that needs the key pair -- any of them, and every one after -- fails
 * with KSM_ECRYPTO and writes nothing.
 */
static void
unusable_at_first_use(const void *der, size_t len, int i, const char *what)
{
	struct ksmx_buf out = KSMX_BUF_INIT(BUF_MAX);
	ksm_eckey *k = NULL;
	uint8_t pt[65], ct[KSM_ECIES_OVERHEAD];
	int r;

	r = ksm_eckey__from_pkcs8(&k, der, len);
	T_OK(r == 0 && k != NULL, "pkcs8::[%d] %s: loads (checked on use)",
	    i, what);
	if (r != 0)
		return;
	T_OK(ksm_crypto__ecdsa_sign(&out, k, "m", 1) == KSM_ECRYPTO &&
	    out.len == 0, "pkcs8::[%d] %s: sign refused", i, what);
	T_OK(ksm_crypto__ecdsa_sign(&out, k, "m", 1) == KSM_ECRYPTO &&
	    out.len == 0, "pkcs8::[%d] %s: sign refused again", i, what);
	memset(pt, 0xaa, sizeof(pt));
	T_OK(ksm_eckey__public_point(pt, k) == KSM_ECRYPTO,
	    "pkcs8::[%d] %s: no public point", i, what);
	T_OK(ksm_eckey__to_pkcs8(&out, k) == KSM_ECRYPTO && out.len == 0,
	    "pkcs8::[%d] %s: not re-encoded", i, what);
	memset(ct, 0, sizeof(ct));
	T_OK(ksm_crypto__ecies_decrypt(&out, k, ct, sizeof(ct)) ==
	    KSM_ECRYPTO && out.len == 0,
	    "pkcs8::[%d] %s: no ECIES decryption", i, what);
	T_OK(ksm_crypto__ecdsa_verify(k, "m", 1, "\x30\x00", 2) ==
	    KSM_ECRYPTO, "pkcs8::[%d] %s: verify refused", i, what);
	ksm_eckey__free(k);
	ksmx_buf_clear(&out);
}

static void
test_pkcs8(const cJSON *v)
{
	struct ksmx_buf der = KSMX_BUF_INIT(BUF_MAX), pub = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf sc = KSMX_BUF_INIT(BUF_MAX), enc = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf enc2 = KSMX_BUF_INIT(BUF_MAX);
	const cJSON *it, *n;
	ksm_eckey *k = NULL, *k2 = NULL;
	uint8_t pt[65], pt2[65];
	int i = 0, r;

	cJSON_ArrayForEach(it, section(v, "pkcs8_private_key")) {
		T_OK(unb64(&der, jstr(it, "pkcs8_der_base64")) == 0 &&
		    unb64(&pub, jstr(it, "public_key_uncompressed_base64")) ==
		    0 && pub.len == 65, "pkcs8::[%d] vector decodes", i);
		n = cJSON_GetObjectItemCaseSensitive(it, "pkcs8_der_len");
		if (cJSON_IsNumber(n))
			T_OK(der.len == (size_t)n->valueint,
			    "pkcs8::[%d] DER is %d bytes", i, n->valueint);
		r = ksm_eckey__from_pkcs8(&k, der.d, der.len);
		T_OK(r == 0, "pkcs8::[%d] %zu-byte DER loads", i, der.len);
		T_OK(r == 0 && ksm_eckey__public_point(pt, k) == 0 &&
		    pub.len == 65 && memcmp(pt, pub.d, 65) == 0,
		    "pkcs8::[%d] public point matches", i);
		/* the same key, re-encoded: SDK form, public key embedded */
		ksmx_buf_clear(&enc);
		r = k != NULL ? ksm_eckey__to_pkcs8(&enc, k) : -1;
		T_OK(r == 0 && enc.len == 138,
		    "pkcs8::[%d] re-encoded to 138 bytes", i);
		T_OK(r == 0 && enc.len >= 65 && pub.len == 65 &&
		    memcmp(enc.d + enc.len - 65, pub.d, 65) == 0,
		    "pkcs8::[%d] public key is the last 65 bytes", i);
		T_OK(r == 0 && der.len >= 68 && enc.len >= 68 &&
		    memcmp(enc.d + 36, der.d + 36, 32) == 0,
		    "pkcs8::[%d] scalar at offset 36 in both forms", i);
		r = ksm_eckey__from_pkcs8(&k2, enc.d, enc.len);
		T_OK(r == 0 && ksm_eckey__public_point(pt2, k2) == 0 &&
		    memcmp(pt2, pub.d, 65) == 0,
		    "pkcs8::[%d] our encoding loads back", i);
		ksm_eckey__free(k2);
		k2 = NULL;

		if (jstr(it, "private_scalar_hex") != NULL) {
			int off = 36;

			n = cJSON_GetObjectItemCaseSensitive(it,
			    "scalar_offset_in_der");
			if (cJSON_IsNumber(n))
				off = n->valueint;
			T_OK(unhex(&sc, jstr(it, "private_scalar_hex")) == 0 &&
			    sc.len == 32 && der.len >= (size_t)off + 32 &&
			    memcmp(der.d + off, sc.d, 32) == 0,
			    "pkcs8::[%d] scalar at offset %d", i, off);
			r = sc.len == 32 ?
			    ksm_eckey__from_scalar(&k2, sc.d) : -1;
			T_OK(r == 0 && ksm_eckey__public_point(pt2, k2) == 0 &&
			    memcmp(pt2, pub.d, 65) == 0,
			    "pkcs8::[%d] scalar gives the public point", i);
			ksmx_buf_clear(&enc2);
			T_OK(r == 0 && ksm_eckey__to_pkcs8(&enc2, k2) == 0 &&
			    buf_eq(&enc2, &der),
			    "pkcs8::[%d] scalar re-encodes to the exact DER", i);
			ksm_eckey__free(k2);
			k2 = NULL;
		}
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it,
		    "public_key_is_last_65_bytes_of_der")))
			T_OK(der.len >= 65 && memcmp(der.d + der.len - 65,
			    pub.d, 65) == 0,
			    "pkcs8::[%d] vector DER ends with the point", i);

		/* damaged forms */
		T_OK(ksm_eckey__from_pkcs8(&k2, der.d, der.len - 1) ==
		    KSM_ECRYPTO && k2 == NULL, "pkcs8::[%d] truncated refused",
		    i);
		if (ksmx_buf_putc(&der, 0) == 0)
			T_OK(ksm_eckey__from_pkcs8(&k2, der.d, der.len) ==
			    KSM_ECRYPTO, "pkcs8::[%d] trailing byte refused",
			    i);
		der.len--;
		der.d[der.len - 1] ^= 0x01;	/* Y: off the curve */
		unusable_at_first_use(der.d, der.len, i,
		    "damaged embedded public key");
		/* a valid point, but another key's */
		if (der.len >= 65 && ksm_eckey__generate(&k2) == 0 &&
		    ksm_eckey__public_point(der.d + der.len - 65, k2) == 0) {
			ksm_eckey__free(k2);
			k2 = NULL;
			unusable_at_first_use(der.d, der.len, i,
			    "another key's public key");
		}
		ksm_eckey__free(k2);
		k2 = NULL;
		ksm_eckey__free(k);
		k = NULL;
		i++;
	}
	T_OK(ksm_eckey__from_pkcs8(&k, "\x30\x00", 2) == KSM_ECRYPTO,
	    "pkcs8::garbage refused");
	ksmx_buf_clear(&der);
	ksmx_buf_clear(&pub);
	ksmx_buf_clear(&sc);
	ksmx_buf_clear(&enc);
	ksmx_buf_clear(&enc2);
}

/* ----------------------------------------------- lazily loaded keys */

/* P-256: the order n and the generator G (SEC 2). */
static const char p256_n[] =
    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
static const char p256_g[] = "04"
    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";

/* A 67-byte PKCS#8 (P-256, no embedded public key) around scalar. */
static size_t
pkcs8_bare(uint8_t der[67], const uint8_t scalar[32])
{
	static const uint8_t head[35] = {
		0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a,
		0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86,
		0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25,
		0x02, 0x01, 0x01, 0x04, 0x20
	};

	memcpy(der, head, sizeof(head));
	memcpy(der + sizeof(head), scalar, 32);
	return sizeof(head) + 32;
}

/* Does key sign msg so that both it and the public key of point verify? */
static int
signs_and_verifies(const ksm_eckey *key, const uint8_t point[65])
{
	struct ksmx_buf sig = KSMX_BUF_INIT(BUF_MAX);
	ksm_eckey *pub = NULL;
	static const char msg[] = "lazily loaded";
	int ok;

	ok = ksm_crypto__ecdsa_sign(&sig, key, msg, sizeof(msg) - 1) == 0 &&
	    ksm_eckey__from_public(&pub, point) == 0 &&
	    ksm_crypto__ecdsa_verify(pub, msg, sizeof(msg) - 1, sig.d,
	    sig.len) == 0 &&
	    ksm_crypto__ecdsa_verify(key, msg, sizeof(msg) - 1, sig.d,
	    sig.len) == 0 &&
	    ksm_crypto__ecdsa_verify(pub, msg, sizeof(msg) - 2, sig.d,
	    sig.len) == KSM_ECRYPTO;
	ksm_eckey__free(pub);
	ksmx_buf_clear(&sig);
	return ok;
}

/* scalar (hex) in a bare PKCS#8: ksm_eckey__from_pkcs8's result. */
static int
load_scalar_hex(ksm_eckey **k, const char *hex)
{
	uint8_t sc[32], der[67];

	if (ksm_test_unhex(sc, sizeof(sc), hex) != 32)
		return -1000;
	return ksm_eckey__from_pkcs8(k, der, pkcs8_bare(der, sc));
}

static void
test_lazy(void)
{
	struct ksmx_buf der = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf der2 = KSMX_BUF_INIT(BUF_MAX);
	ksm_eckey *gen = NULL, *k = NULL;
	uint8_t point[65], pt[65], g[65], n[32];
	/* scalar hex, loads? */
	static const struct {
		const char *hex, *what;
		int ok;
	} range[] = {
		{ "0000000000000000000000000000000000000000000000000000000000000000",
		    "zero", 0 },
		{ p256_n, "n", 0 },
		{ "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632552",
		    "n + 1", 0 },
		{ "ffffffff01000000000000000000000000000000000000000000000000000000",
		    "above n at byte 4", 0 },
		{ "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		    "2^256 - 1", 0 },
		{ "0000000000000000000000000000000000000000000000000000000000000001",
		    "1", 1 },
		{ "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550",
		    "n - 1", 1 },
		{ "fffffffeffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		    "below n at byte 3", 1 },
	};
	size_t i;
	int r;

	/* a generated key, through PKCS#8: the lazy key signs first */
	r = ksm_eckey__generate(&gen);
	T_OK(r == 0 && ksm_eckey__public_point(point, gen) == 0 &&
	    ksm_eckey__to_pkcs8(&der, gen) == 0 && der.len == 138,
	    "lazy::generated key encoded");
	r = ksm_eckey__from_pkcs8(&k, der.d, der.len);
	T_OK(r == 0 && signs_and_verifies(k, point),
	    "lazy::loaded key signs first, the public key verifies");
	T_OK(r == 0 && ksm_eckey__public_point(pt, k) == 0 &&
	    memcmp(pt, point, 65) == 0, "lazy::then gives its public point");
	T_OK(r == 0 && ksm_eckey__to_pkcs8(&der2, k) == 0 &&
	    der2.len == der.len && memcmp(der2.d, der.d, der.len) == 0,
	    "lazy::then re-encodes to the same DER");
	ksm_eckey__free(k);
	k = NULL;
	/* freed before first use: nothing built, nothing leaked */
	T_OK(ksm_eckey__from_pkcs8(&k, der.d, der.len) == 0 && k != NULL,
	    "lazy::loaded and freed unused");
	ksm_eckey__free(k);
	k = NULL;
	/* public point first, then sign */
	r = ksm_eckey__from_pkcs8(&k, der.d, der.len);
	T_OK(r == 0 && ksm_eckey__public_point(pt, k) == 0 &&
	    memcmp(pt, point, 65) == 0 && signs_and_verifies(k, point),
	    "lazy::public point first, then signs");
	ksm_eckey__free(k);
	k = NULL;

	/* out of range: refused at load, whatever public key is embedded */
	T_OK(ksm_test_unhex(n, sizeof(n), p256_n) == 32 && der.len == 138,
	    "lazy::order decodes");
	memcpy(der.d + 36, n, 32);
	T_OK(ksm_eckey__from_pkcs8(&k, der.d, der.len) == KSM_ECRYPTO &&
	    k == NULL, "lazy::scalar n with a public key refused at load");
	for (i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
		r = load_scalar_hex(&k, range[i].hex);
		if (range[i].ok)
			T_OK(r == 0 && k != NULL &&
			    ksm_eckey__public_point(pt, k) == 0 &&
			    signs_and_verifies(k, pt),
			    "lazy::scalar %s loads and signs", range[i].what);
		else
			T_OK(r == KSM_ECRYPTO && k == NULL,
			    "lazy::scalar %s refused at load", range[i].what);
		ksm_eckey__free(k);
		k = NULL;
	}
	/* 1 * G = G; (n - 1) * G = -G: same X, other Y */
	T_OK(ksm_test_unhex(g, sizeof(g), p256_g) == 65 &&
	    load_scalar_hex(&k, range[5].hex) == 0 &&
	    ksm_eckey__public_point(pt, k) == 0 && memcmp(pt, g, 65) == 0,
	    "lazy::scalar 1 gives G");
	ksm_eckey__free(k);
	k = NULL;
	T_OK(load_scalar_hex(&k, range[6].hex) == 0 &&
	    ksm_eckey__public_point(pt, k) == 0 &&
	    memcmp(pt, g, 33) == 0 && memcmp(pt + 33, g + 33, 32) != 0,
	    "lazy::scalar n - 1 gives -G");
	ksm_eckey__free(k);
	k = NULL;

	/* ECIES to a lazily loaded key: its first use is the decryption */
	ksmx_buf_clear(&der2);
	ksmx_buf_clear(&der);
	T_OK(load_scalar_hex(&k, range[7].hex) == 0 && k != NULL,
	    "lazy::ECIES key loaded");
	if (k != NULL) {
		ksm_eckey *k2 = NULL;

		T_OK(load_scalar_hex(&k2, range[7].hex) == 0 &&
		    ksm_eckey__public_point(pt, k2) == 0 &&
		    ksm_crypto__ecies_encrypt(&der, pt, "lazy", 4) == 0 &&
		    ksm_crypto__ecies_decrypt(&der2, k, der.d, der.len) ==
		    0 && der2.len == 4 && memcmp(der2.d, "lazy", 4) == 0,
		    "lazy::first use is an ECIES decryption");
		ksm_eckey__free(k2);
	}
	ksm_eckey__free(k);
	k = NULL;

	/* public keys: checked at load (cheaply), built on first use */
	T_OK(ksm_eckey__from_public(&k, g) == 0 &&
	    ksm_eckey__public_point(pt, k) == 0 && memcmp(pt, g, 65) == 0,
	    "lazy::public key G loads and gives its point");
	ksm_eckey__free(k);
	k = NULL;
	/* X = p: a coordinate out of the field */
	T_OK(ksm_test_unhex(pt + 1, 32, "ffffffff00000001000000000000000000000000"
	    "ffffffffffffffffffffffff") == 32,
	    "lazy::field prime decodes");
	memcpy(pt + 33, g + 33, 32);
	pt[0] = 0x04;
	T_OK(ksm_eckey__from_public(&k, pt) == KSM_ECRYPTO && k == NULL,
	    "lazy::public key with X = p refused at load");
	/* X = Gx + 1: off the curve (Y kept) */
	memcpy(pt, g, 65);
	pt[32] ^= 0x01;
	T_OK(ksm_eckey__from_public(&k, pt) == KSM_ECRYPTO && k == NULL,
	    "lazy::public key with X off by one refused at load");
	ksm_eckey__free(gen);
	ksmx_buf_clear(&der);
	ksmx_buf_clear(&der2);
}

static void
test_generate(void)
{
	struct ksmx_buf der = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf ct = KSMX_BUF_INIT(BUF_MAX), pt = KSMX_BUF_INIT(BUF_MAX);
	ksm_eckey *k = NULL, *k2 = NULL;
	uint8_t p1[65], p2[65], secret[32];
	int r;

	r = ksm_eckey__generate(&k);
	T_OK(r == 0 && ksm_eckey__public_point(p1, k) == 0 && p1[0] == 0x04,
	    "keys::generate");
	T_OK(r == 0 && ksm_eckey__to_pkcs8(&der, k) == 0 && der.len == 138 &&
	    memcmp(der.d + der.len - 65, p1, 65) == 0,
	    "keys::generated key encodes to 138 bytes ending in its point");
	T_OK(ksm_eckey__from_pkcs8(&k2, der.d, der.len) == 0 &&
	    ksm_eckey__public_point(p2, k2) == 0 && memcmp(p1, p2, 65) == 0,
	    "keys::generated key round trip");
	T_OK(ksm_crypto__random(secret, sizeof(secret)) == 0 &&
	    ksm_crypto__ecies_encrypt(&ct, p1, secret, sizeof(secret)) == 0 &&
	    ksm_crypto__ecies_decrypt(&pt, k2, ct.d, ct.len) == 0 &&
	    pt.len == 32 && memcmp(pt.d, secret, 32) == 0,
	    "keys::ECIES to a generated key");
	ksm_eckey__free(k);
	ksm_eckey__free(k2);
	ksmx_buf_clear(&der);
	ksmx_buf_clear(&ct);
	ksmx_buf_clear(&pt);
}

/* ---------------------------------------------------------------- ECIES */

static void
test_ecies(const cJSON *v)
{
	struct ksmx_buf rs = KSMX_BUF_INIT(BUF_MAX), rp = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf es = KSMX_BUF_INIT(BUF_MAX), ep = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf z = KSMX_BUF_INIT(BUF_MAX), kk = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf iv = KSMX_BUF_INIT(BUF_MAX), pt = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf want = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf want64 = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf out = KSMX_BUF_INIT(BUF_MAX), dec = KSMX_BUF_INIT(BUF_MAX);
	const cJSON *it, *n;
	ksm_eckey *rk = NULL, *ek = NULL, *other = NULL;
	uint8_t point[65], k[32];
	size_t pos, bad;
	int i = 0, ok;
	static const size_t where[] = { 1, 64, 65, 76, 77, 124 };

	cJSON_ArrayForEach(it, section(v, "ecies")) {
		ok = unhex(&rs, jstr(it, "recipient_private_scalar_hex")) == 0 &&
		    rs.len == 32 &&
		    unb64(&rp, jstr(it, "recipient_public_key_base64url")) ==
		    0 && rp.len == 65 &&
		    unhex(&es, jstr(it, "ephemeral_private_scalar_hex")) == 0 &&
		    es.len == 32 &&
		    unhex(&ep, jstr(it, "ephemeral_public_key_hex")) == 0 &&
		    unhex(&z, jstr(it, "ecdh_shared_x_hex")) == 0 &&
		    unhex(&kk, jstr(it, "aes_key_sha256_of_shared_hex")) == 0 &&
		    kk.len == 32 &&
		    unhex(&iv, jstr(it, "gcm_iv_hex")) == 0 && iv.len == 12 &&
		    unhex(&pt, jstr(it, "plaintext_hex")) == 0 &&
		    unhex(&want, jstr(it, "output_hex")) == 0 &&
		    unb64(&want64, jstr(it, "output_base64")) == 0;
		T_OK(ok, "ecies::[%d] vector decodes", i);
		if (!ok)
			continue;
		T_OK(buf_eq(&want, &want64),
		    "ecies::[%d] output_hex is output_base64", i);
		n = cJSON_GetObjectItemCaseSensitive(it, "output_len");
		T_OK(cJSON_IsNumber(n) && want.len == (size_t)n->valueint,
		    "ecies::[%d] output is output_len bytes", i);

		T_OK(ksm_eckey__from_scalar(&rk, rs.d) == 0 &&
		    ksm_eckey__public_point(point, rk) == 0 &&
		    memcmp(point, rp.d, 65) == 0,
		    "ecies::[%d] recipient scalar gives its public key", i);
		T_OK(ksm_eckey__from_scalar(&ek, es.d) == 0 &&
		    ksm_eckey__public_point(point, ek) == 0 && ep.len == 65 &&
		    memcmp(point, ep.d, 65) == 0,
		    "ecies::[%d] ephemeral scalar gives its public key", i);
		T_OK(ksm_crypto__sha256(k, z.d, z.len) == 0 &&
		    memcmp(k, kk.d, 32) == 0,
		    "ecies::[%d] K = SHA-256(shared x)", i);

		ksmx_buf_clear(&out);
		T_OK(ksm_crypto__ecies_encrypt_det(&out, rp.d, es.d, iv.d,
		    pt.d, pt.len) == 0 && buf_eq(&out, &want),
		    "ecies::[%d] deterministic encrypt is output_hex", i);
		ksmx_buf_clear(&dec);
		T_OK(rk != NULL && ksm_crypto__ecies_decrypt(&dec, rk, want.d,
		    want.len) == 0 && buf_eq(&dec, &pt),
		    "ecies::[%d] decrypt gives the plaintext", i);
		ksmx_buf_clear(&dec);
		T_OK(ksm_crypto__gcm_decrypt(&dec, kk.d, want.d + 65,
		    want.len - 65) == 0 && buf_eq(&dec, &pt),
		    "ecies::[%d] tail is GCM under K", i);

		/* random ephemeral key and IV */
		ksmx_buf_clear(&out);
		T_OK(ksm_crypto__ecies_encrypt(&out, rp.d, pt.d, pt.len) == 0 &&
		    out.len == KSM_ECIES_OVERHEAD + pt.len &&
		    (pt.len != 32 || out.len == 125) &&
		    memcmp(out.d, want.d, 65) != 0,
		    "ecies::[%d] random encrypt is %zu bytes", i,
		    KSM_ECIES_OVERHEAD + pt.len);
		ksmx_buf_clear(&dec);
		T_OK(rk != NULL && ksm_crypto__ecies_decrypt(&dec, rk, out.d,
		    out.len) == 0 && buf_eq(&dec, &pt),
		    "ecies::[%d] random encrypt decrypts", i);

		/* one flipped byte anywhere: E, IV, ciphertext, tag */
		bad = 0;
		for (pos = 0; pos < sizeof(where) / sizeof(where[0]); pos++) {
			size_t at = where[pos] < want.len ? where[pos] :
			    want.len - 1;

			want.d[at] ^= 0x04;
			ksmx_buf_clear(&dec);
			if (ksm_crypto__ecies_decrypt(&dec, rk, want.d,
			    want.len) == KSM_ECRYPTO && dec.len == 0)
				bad++;
			want.d[at] ^= 0x04;
		}
		T_OK(bad == sizeof(where) / sizeof(where[0]),
		    "ecies::[%d] a tampered byte gives ECRYPTO (%zu/%zu)", i,
		    bad, sizeof(where) / sizeof(where[0]));
		ksmx_buf_clear(&dec);
		T_OK(ksm_crypto__ecies_decrypt(&dec, rk, want.d,
		    KSM_ECIES_OVERHEAD - 1) == KSM_ECRYPTO,
		    "ecies::[%d] short input gives ECRYPTO", i);
		T_OK(ksm_eckey__generate(&other) == 0 &&
		    ksm_crypto__ecies_decrypt(&dec, other, want.d, want.len) ==
		    KSM_ECRYPTO && dec.len == 0,
		    "ecies::[%d] another key gives ECRYPTO", i);
		ksm_eckey__free(other);
		other = NULL;
		ksm_eckey__free(rk);
		ksm_eckey__free(ek);
		rk = ek = NULL;
		i++;
	}
	ksmx_buf_clear(&rs);
	ksmx_buf_clear(&rp);
	ksmx_buf_clear(&es);
	ksmx_buf_clear(&ep);
	ksmx_buf_clear(&z);
	ksmx_buf_clear(&kk);
	ksmx_buf_clear(&iv);
	ksmx_buf_clear(&pt);
	ksmx_buf_clear(&want);
	ksmx_buf_clear(&want64);
	ksmx_buf_clear(&out);
	ksmx_buf_clear(&dec);
}

/* ------------------------------------------------------------------ AES */

static void
test_aes_gcm(const cJSON *v)
{
	struct ksmx_buf key = KSMX_BUF_INIT(BUF_MAX), iv = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf want = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf out = KSMX_BUF_INIT(BUF_MAX), dec = KSMX_BUF_INIT(BUF_MAX);
	const cJSON *it;
	const char *pt;
	size_t pos, bad;
	int i = 0, ok;

	cJSON_ArrayForEach(it, section(v, "aes_gcm")) {
		pt = jstr(it, "plaintext_utf8");
		ok = pt != NULL &&
		    unhex(&key, jstr(it, "key_hex")) == 0 && key.len == 32 &&
		    unhex(&iv, jstr(it, "iv_hex")) == 0 && iv.len == 12 &&
		    unhex(&want, jstr(it, "output_hex")) == 0;
		T_OK(ok, "gcm::[%d] vector decodes", i);
		if (!ok)
			continue;
		ksmx_buf_clear(&out);
		T_OK(ksm_crypto__gcm_encrypt_iv(&out, key.d, iv.d, pt,
		    strlen(pt)) == 0 && buf_eq(&out, &want),
		    "gcm::[%d] encrypt is output_hex", i);
		ksmx_buf_clear(&dec);
		T_OK(ksm_crypto__gcm_decrypt(&dec, key.d, want.d, want.len) ==
		    0 && buf_eq_str(&dec, pt), "gcm::[%d] decrypt", i);
		/* appended, not overwritten */
		T_OK(ksm_crypto__gcm_decrypt(&dec, key.d, want.d, want.len) ==
		    0 && dec.len == 2 * strlen(pt) &&
		    memcmp(dec.d + strlen(pt), pt, strlen(pt)) == 0,
		    "gcm::[%d] output is appended", i);
		bad = 0;
		for (pos = 0; pos < want.len; pos++) {
			want.d[pos] ^= 0x80;
			ksmx_buf_clear(&dec);
			if (ksm_crypto__gcm_decrypt(&dec, key.d, want.d,
			    want.len) == KSM_ECRYPTO && dec.len == 0)
				bad++;
			want.d[pos] ^= 0x80;
		}
		T_OK(bad == want.len,
		    "gcm::[%d] every flipped byte gives ECRYPTO (%zu/%zu)", i,
		    bad, want.len);
		ksmx_buf_clear(&dec);
		T_OK(ksm_crypto__gcm_decrypt(&dec, key.d, want.d,
		    want.len - 1) == KSM_ECRYPTO,
		    "gcm::[%d] truncated gives ECRYPTO", i);
		ksmx_buf_clear(&out);
		T_OK(ksm_crypto__gcm_encrypt(&out, key.d, pt, strlen(pt)) == 0 &&
		    out.len == want.len && memcmp(out.d, want.d, 12) != 0,
		    "gcm::[%d] random IV", i);
		ksmx_buf_clear(&dec);
		T_OK(ksm_crypto__gcm_decrypt(&dec, key.d, out.d, out.len) ==
		    0 && buf_eq_str(&dec, pt),
		    "gcm::[%d] random IV decrypts", i);
		i++;
	}

	/* the shortest valid input is 28 bytes (empty plaintext) */
	ksmx_buf_clear(&out);
	ksmx_buf_clear(&dec);
	T_OK(ksm_crypto__gcm_encrypt(&out, key.d, NULL, 0) == 0 &&
	    out.len == 28 &&
	    ksm_crypto__gcm_decrypt(&dec, key.d, out.d, out.len) == 0 &&
	    dec.len == 0, "gcm::empty plaintext");
	T_OK(ksm_crypto__gcm_decrypt(&dec, key.d, out.d, 27) == KSM_ECRYPTO,
	    "gcm::27 bytes gives ECRYPTO");
	T_OK(ksm_crypto__gcm_decrypt(&dec, key.d, "", 0) == KSM_ECRYPTO,
	    "gcm::0 bytes gives ECRYPTO");
	{
		struct ksmx_buf small = KSMX_BUF_INIT(20);

		T_OK(ksm_crypto__gcm_encrypt(&small, key.d, "x", 1) ==
		    KSM_ETOOBIG && small.len == 0,
		    "gcm::buffer limit gives ETOOBIG");
		ksmx_buf_clear(&small);
	}
	ksmx_buf_clear(&key);
	ksmx_buf_clear(&iv);
	ksmx_buf_clear(&want);
	ksmx_buf_clear(&out);
	ksmx_buf_clear(&dec);
}

static void
test_aes_cbc(const cJSON *v)
{
	struct ksmx_buf key = KSMX_BUF_INIT(BUF_MAX), iv = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf want = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf out = KSMX_BUF_INIT(BUF_MAX), dec = KSMX_BUF_INIT(BUF_MAX);
	const cJSON *it;
	const char *pt;
	int i = 0, ok, r;

	cJSON_ArrayForEach(it, section(v, "aes_cbc")) {
		pt = jstr(it, "plaintext_utf8");
		ok = pt != NULL &&
		    unhex(&key, jstr(it, "key_hex")) == 0 && key.len == 32 &&
		    unhex(&iv, jstr(it, "iv_hex")) == 0 && iv.len == 16 &&
		    unhex(&want, jstr(it, "output_hex")) == 0;
		T_OK(ok, "cbc::[%d] vector decodes", i);
		if (!ok)
			continue;
		ksmx_buf_clear(&out);
		T_OK(ksm_crypto__cbc_encrypt_iv(&out, key.d, iv.d, pt,
		    strlen(pt)) == 0 && buf_eq(&out, &want),
		    "cbc::[%d] encrypt is output_hex", i);
		ksmx_buf_clear(&dec);
		T_OK(ksm_crypto__cbc_decrypt(&dec, key.d, want.d, want.len) ==
		    0 && buf_eq_str(&dec, pt), "cbc::[%d] decrypt", i);
		/* no MAC: a flip is refused by the padding or garbles */
		want.d[want.len - 1] ^= 0x01;
		ksmx_buf_clear(&dec);
		r = ksm_crypto__cbc_decrypt(&dec, key.d, want.d, want.len);
		T_OK(r == KSM_ECRYPTO || (r == 0 && !buf_eq_str(&dec, pt)),
		    "cbc::[%d] tampered last byte not accepted as is", i);
		want.d[want.len - 1] ^= 0x01;
		ksmx_buf_clear(&dec);
		T_OK(ksm_crypto__cbc_decrypt(&dec, key.d, want.d,
		    want.len - 1) == KSM_ECRYPTO && dec.len == 0,
		    "cbc::[%d] truncated gives ECRYPTO", i);
		T_OK(ksm_crypto__cbc_decrypt(&dec, key.d, want.d, 16) ==
		    KSM_ECRYPTO, "cbc::[%d] IV only gives ECRYPTO", i);
		ksmx_buf_clear(&out);
		T_OK(ksm_crypto__cbc_encrypt(&out, key.d, pt, strlen(pt)) == 0 &&
		    out.len == want.len && memcmp(out.d, want.d, 16) != 0,
		    "cbc::[%d] random IV", i);
		ksmx_buf_clear(&dec);
		T_OK(ksm_crypto__cbc_decrypt(&dec, key.d, out.d, out.len) ==
		    0 && buf_eq_str(&dec, pt),
		    "cbc::[%d] random IV decrypts", i);
		i++;
	}
	/* a block of padding only; a wrong padding byte */
	ksmx_buf_clear(&out);
	ksmx_buf_clear(&dec);
	T_OK(ksm_crypto__cbc_encrypt(&out, key.d, NULL, 0) == 0 &&
	    out.len == 32 &&
	    ksm_crypto__cbc_decrypt(&dec, key.d, out.d, out.len) == 0 &&
	    dec.len == 0, "cbc::empty plaintext");
	{
		/* decrypts to 16 x 0x00: padding byte 0 is invalid */
		static const uint8_t zero[16];

		ksmx_buf_clear(&out);
		r = ksm_crypto__cbc_encrypt_iv(&out, key.d, zero, zero, 16);
		/* keep IV and the first block only: its plaintext is zeros */
		T_OK(r == 0 && out.len == 48, "cbc::two blocks");
		ksmx_buf_clear(&dec);
		T_OK(ksm_crypto__cbc_decrypt(&dec, key.d, out.d, 32) ==
		    KSM_ECRYPTO && dec.len == 0, "cbc::bad padding gives ECRYPTO");
	}
	ksmx_buf_clear(&key);
	ksmx_buf_clear(&iv);
	ksmx_buf_clear(&want);
	ksmx_buf_clear(&out);
	ksmx_buf_clear(&dec);
}

/* ---------------------------------------------------------------- ECDSA */

/* r and s of a DER SEQUENCE{INTEGER r, INTEGER s}, unpadded to 32. */
static int
der_rs(const uint8_t *d, size_t n, uint8_t r[32], uint8_t s[32])
{
	size_t i = 2, len, k;
	uint8_t *outs[2] = { r, s };

	if (n < 8 || d[0] != 0x30 || d[1] != n - 2)
		return -1;
	for (k = 0; k < 2; k++) {
		if (i + 2 > n || d[i] != 0x02)
			return -1;
		len = d[i + 1];
		i += 2;
		if (i + len > n || len == 0 || len > 33)
			return -1;
		while (len > 32) {
			i++;
			len--;
		}
		memset(outs[k], 0, 32);
		memcpy(outs[k] + 32 - len, d + i, len);
		i += len;
	}
	return i == n ? 0 : -1;
}

/* A private key from the PKCS#8 vectors whose public key is pub. */
static ksm_eckey *
private_for(const cJSON *v, const struct ksmx_buf *pub)
{
	struct ksmx_buf der = KSMX_BUF_INIT(BUF_MAX);
	const cJSON *it;
	ksm_eckey *k = NULL;
	uint8_t pt[65];

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(v,
	    "pkcs8_private_key")) {
		if (unb64(&der, jstr(it, "pkcs8_der_base64")) != 0 ||
		    ksm_eckey__from_pkcs8(&k, der.d, der.len) != 0)
			continue;
		if (pub->len == 65 && ksm_eckey__public_point(pt, k) == 0 &&
		    memcmp(pt, pub->d, 65) == 0)
			break;
		ksm_eckey__free(k);
		k = NULL;
	}
	ksmx_buf_clear(&der);
	return k;
}

static void
test_ecdsa(const cJSON *v)
{
	struct ksmx_buf pub = KSMX_BUF_INIT(BUF_MAX), msg = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf sig = KSMX_BUF_INIT(BUF_MAX), rr = KSMX_BUF_INIT(64);
	struct ksmx_buf ss = KSMX_BUF_INIT(64), mine = KSMX_BUF_INIT(BUF_MAX);
	const cJSON *it;
	ksm_eckey *k = NULL, *priv = NULL;
	uint8_t r[32], s[32];
	int i = 0, ok, valid, got;

	cJSON_ArrayForEach(it, section(v, "ecdsa")) {
		ok = unb64(&pub, jstr(it, "public_key_base64")) == 0 &&
		    pub.len == 65 &&
		    unhex(&msg, jstr(it, "message_hex")) == 0 &&
		    unb64(&sig, jstr(it, "signature_der_base64")) == 0 &&
		    ksm_eckey__from_public(&k, pub.d) == 0;
		T_OK(ok, "ecdsa::[%d] vector decodes, public key loads", i);
		if (!ok)
			continue;
		valid = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it,
		    "valid"));
		got = ksm_crypto__ecdsa_verify(k, msg.d, msg.len, sig.d,
		    sig.len);
		T_OK(valid ? got == 0 : got == KSM_ECRYPTO,
		    "ecdsa::[%d] verify says %s", i,
		    valid ? "valid" : "invalid");
		if (jstr(it, "r_hex") != NULL)
			T_OK(unhex(&rr, jstr(it, "r_hex")) == 0 &&
			    unhex(&ss, jstr(it, "s_hex")) == 0 &&
			    rr.len == 32 && ss.len == 32 &&
			    der_rs(sig.d, sig.len, r, s) == 0 &&
			    memcmp(r, rr.d, 32) == 0 && memcmp(s, ss.d, 32) == 0,
			    "ecdsa::[%d] DER holds r_hex and s_hex", i);
		if (valid) {
			msg.d[0] ^= 0x01;
			T_OK(ksm_crypto__ecdsa_verify(k, msg.d, msg.len,
			    sig.d, sig.len) == KSM_ECRYPTO,
			    "ecdsa::[%d] modified message refused", i);
			msg.d[0] ^= 0x01;
			sig.d[sig.len - 1] ^= 0x01;
			T_OK(ksm_crypto__ecdsa_verify(k, msg.d, msg.len,
			    sig.d, sig.len) == KSM_ECRYPTO,
			    "ecdsa::[%d] modified signature refused", i);
			sig.d[sig.len - 1] ^= 0x01;
			T_OK(ksm_crypto__ecdsa_verify(k, msg.d, msg.len,
			    sig.d, 0) == KSM_ECRYPTO,
			    "ecdsa::[%d] empty signature refused", i);
		}
		/* sign with the matching vector private key, verify */
		priv = private_for(v, &pub);
		T_OK(priv != NULL, "ecdsa::[%d] PKCS#8 vector has its key", i);
		ksmx_buf_clear(&mine);
		T_OK(priv != NULL && ksm_crypto__ecdsa_sign(&mine, priv,
		    msg.d, msg.len) == 0 && mine.len >= 70 &&
		    mine.len <= 72 && mine.d[0] == 0x30 &&
		    der_rs(mine.d, mine.len, r, s) == 0,
		    "ecdsa::[%d] sign gives a 70-72 byte DER", i);
		T_OK(ksm_crypto__ecdsa_verify(k, msg.d, msg.len, mine.d,
		    mine.len) == 0, "ecdsa::[%d] own signature verifies", i);
		T_OK(priv != NULL && ksm_crypto__ecdsa_verify(priv, msg.d,
		    msg.len, mine.d, mine.len) == 0,
		    "ecdsa::[%d] verify with the private key too", i);
		msg.d[msg.len - 1] ^= 0x01;
		T_OK(ksm_crypto__ecdsa_verify(k, msg.d, msg.len, mine.d,
		    mine.len) == KSM_ECRYPTO,
		    "ecdsa::[%d] own signature, modified message refused", i);
		ksm_eckey__free(priv);
		ksm_eckey__free(k);
		priv = k = NULL;
		i++;
	}
	ksmx_buf_clear(&pub);
	ksmx_buf_clear(&msg);
	ksmx_buf_clear(&sig);
	ksmx_buf_clear(&rr);
	ksmx_buf_clear(&ss);
	ksmx_buf_clear(&mine);
}

/* ---------------------------------------------------- server public keys */

static void
test_server_keys(const cJSON *v)
{
	const cJSON *sk = cJSON_GetObjectItemCaseSensitive(v,
	    "server_public_keys");
	const cJSON *tk = cJSON_GetObjectItemCaseSensitive(v,
	    "transmission_key");
	const cJSON *keys = cJSON_GetObjectItemCaseSensitive(sk, "keys");
	const cJSON *it, *n;
	struct ksmx_buf pt = KSMX_BUF_INIT(BUF_MAX), ct = KSMX_BUF_INIT(BUF_MAX);
	ksm_eckey *k = NULL;
	uint8_t key[32], first[65], p[65];
	size_t want_len = 125;
	int have_first = 0;

	n = cJSON_GetObjectItemCaseSensitive(tk, "encrypted_key_len");
	if (cJSON_IsNumber(n))
		want_len = (size_t)n->valueint;
	T_OK(cJSON_GetArraySize(keys) == 18, "server_keys::table has 18 keys");
	cJSON_ArrayForEach(it, keys) {
		int ok = cJSON_IsString(it) && unb64(&pt, it->valuestring) ==
		    0 && pt.len == 65;

		T_OK(ok && ksm_eckey__from_public(&k, pt.d) == 0 &&
		    ksm_eckey__public_point(p, k) == 0 &&
		    memcmp(p, pt.d, 65) == 0,
		    "server_keys::key id %s loads", it->string);
		ksmx_buf_clear(&ct);
		T_OK(ok && ksm_crypto__random(key, sizeof(key)) == 0 &&
		    ksm_crypto__ecies_encrypt(&ct, pt.d, key, sizeof(key)) ==
		    0 && ct.len == want_len,
		    "server_keys::key id %s: encrypted transmission key is "
		    "%zu bytes", it->string, want_len);
		if (ok && !have_first) {
			memcpy(first, pt.d, 65);
			have_first = 1;
		}
		ksm_eckey__free(k);
		k = NULL;
	}
	T_OK(have_first, "server_keys::first key kept");
	first[64] ^= 0x01;	/* Y + 1: not on the curve */
	T_OK(ksm_eckey__from_public(&k, first) == KSM_ECRYPTO && k == NULL,
	    "server_keys::point off the curve refused");
	ksmx_buf_clear(&ct);
	T_OK(ksm_crypto__ecies_encrypt(&ct, first, key, sizeof(key)) ==
	    KSM_ECRYPTO && ct.len == 0,
	    "server_keys::ECIES to a point off the curve refused");
	first[64] ^= 0x01;
	first[0] = 0x02;
	T_OK(ksm_eckey__from_public(&k, first) == KSM_ECRYPTO,
	    "server_keys::non-uncompressed prefix refused");
	memset(first, 0, sizeof(first));
	first[0] = 0x04;
	T_OK(ksm_eckey__from_public(&k, first) == KSM_ECRYPTO,
	    "server_keys::(0,0) refused");
	ksmx_wipe_array(key);
	ksmx_buf_clear(&pt);
	ksmx_buf_clear(&ct);
}

/* ------------------------------------------------------- e2e key chain */

/* GCM-decrypt base64 text under key into out; 0 or the error. */
static int
gcm_b64(struct ksmx_buf *out, const uint8_t *key, const char *b64)
{
	struct ksmx_buf ct = KSMX_BUF_INIT(BUF_MAX);
	int r;

	ksmx_buf_clear(out);
	if (unb64(&ct, b64) != 0)
		return KSM_EINVAL;
	r = ksm_crypto__gcm_decrypt(out, key, ct.d, ct.len);
	ksmx_buf_clear(&ct);
	return r;
}

static const cJSON *
find_by(const cJSON *list, const char *field, const char *value)
{
	const cJSON *it;
	const char *s;

	cJSON_ArrayForEach(it, list) {
		s = jstr(it, field);
		if (s != NULL && value != NULL && strcmp(s, value) == 0)
			return it;
	}
	return NULL;
}

static void
test_e2e_responses(const cJSON *e2e)
{
	struct ksmx_buf tk = KSMX_BUF_INIT(64), body = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf pt = KSMX_BUF_INIT(BUF_MAX);
	const cJSON *it, *st, *want;
	cJSON *got;
	char name[64];
	int i = 0;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(e2e,
	    "responses")) {
		st = cJSON_GetObjectItemCaseSensitive(it, "statusCode");
		if (!cJSON_IsNumber(st) || st->valueint != 200) {
			i++;
			continue;
		}
		snprintf(name, sizeof(name), "decrypted_response_%d_json", i);
		want = cJSON_GetObjectItemCaseSensitive(e2e, name);
		T_OK(unb64(&tk, jstr(it, "transmissionKey")) == 0 &&
		    tk.len == 32 && gcm_b64(&pt, tk.d, jstr(it, "data")) == 0,
		    "e2e::response %d decrypts under its transmission key", i);
		got = ksmx_json_parse(pt.d, pt.len);
		T_OK(got != NULL && want != NULL &&
		    cJSON_Compare(got, want, 1),
		    "e2e::response %d is %s", i, name);
		ksmx_json_free(got);
		/* and not under another response's key */
		if (tk.len == 32) {
			tk.d[0] ^= 0x01;
			T_OK(gcm_b64(&pt, tk.d, jstr(it, "data")) ==
			    KSM_ECRYPTO,
			    "e2e::response %d, wrong key gives ECRYPTO", i);
		}
		i++;
	}
	T_OK(i == cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(e2e,
	    "responses")) && i > 0, "e2e::%d responses seen", i);
	ksmx_buf_clear(&tk);
	ksmx_buf_clear(&body);
	ksmx_buf_clear(&pt);
}

static void
test_e2e_key_chain(const cJSON *v)
{
	const cJSON *e2e = cJSON_GetObjectItemCaseSensitive(v, "e2e_fake_data");
	const cJSON *resp = cJSON_GetObjectItemCaseSensitive(e2e,
	    "decrypted_response_0_json");
	const cJSON *chain = cJSON_GetObjectItemCaseSensitive(e2e, "key_chain");
	const cJSON *f, *rec, *wf, *wr;
	struct ksmx_buf ck = KSMX_BUF_INIT(64), app = KSMX_BUF_INIT(64);
	struct ksmx_buf want = KSMX_BUF_INIT(BUF_MAX);
	struct ksmx_buf fk = KSMX_BUF_INIT(64), rk = KSMX_BUF_INIT(64);
	struct ksmx_buf pt = KSMX_BUF_INIT(BUF_MAX);
	const char *fuid, *ruid;
	int nrec = 0;

	T_OK(e2e != NULL && resp != NULL && chain != NULL,
	    "e2e::sections present");
	T_OK(unhex(&ck, jstr(e2e, "client_key_hex")) == 0 && ck.len == 32,
	    "e2e::client key");
	T_OK(ck.len == 32 && gcm_b64(&app, ck.d,
	    jstr(resp, "encryptedAppKey")) == 0 &&
	    unb64(&want, jstr(chain, "appKey_base64")) == 0 &&
	    buf_eq(&app, &want) && app.len == 32,
	    "e2e::encryptedAppKey under the client key is appKey");
	T_OK(app.len == 32 && gcm_b64(&pt, app.d, jstr(resp, "appData")) ==
	    0 && buf_eq_str(&pt, jstr(chain, "appData_plaintext")),
	    "e2e::appData (base64url) under appKey");
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(resp,
	    "folders")) {
		fuid = jstr(f, "folderUid");
		wf = find_by(cJSON_GetObjectItemCaseSensitive(chain, "folders"),
		    "folderUid", fuid);
		T_OK(wf != NULL && app.len == 32 &&
		    gcm_b64(&fk, app.d, jstr(f, "folderKey")) == 0 &&
		    unb64(&want, jstr(wf, "folderKey_base64")) == 0 &&
		    buf_eq(&fk, &want) && fk.len == 32,
		    "e2e::folder %s key under appKey", fuid);
		cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(f,
		    "records")) {
			ruid = jstr(rec, "recordUid");
			wr = find_by(cJSON_GetObjectItemCaseSensitive(wf,
			    "records"), "recordUid", ruid);
			T_OK(wr != NULL && fk.len == 32 &&
			    gcm_b64(&rk, fk.d, jstr(rec, "recordKey")) == 0 &&
			    unb64(&want, jstr(wr, "recordKey_base64")) == 0 &&
			    buf_eq(&rk, &want) && rk.len == 32,
			    "e2e::record %s key under the folder key", ruid);
			T_OK(wr != NULL && rk.len == 32 &&
			    gcm_b64(&pt, rk.d, jstr(rec, "data")) == 0 &&
			    buf_eq_str(&pt, jstr(wr, "data_plaintext")),
			    "e2e::record %s data under the record key", ruid);
			T_OK(fk.len == 32 && gcm_b64(&pt, fk.d,
			    jstr(rec, "data")) == KSM_ECRYPTO,
			    "e2e::record %s data refused under the folder key",
			    ruid);
			nrec++;
		}
	}
	T_OK(nrec == 2, "e2e::two records walked");
	test_e2e_responses(e2e);
	ksmx_buf_clear(&ck);
	ksmx_buf_clear(&app);
	ksmx_buf_clear(&want);
	ksmx_buf_clear(&fk);
	ksmx_buf_clear(&rk);
	ksmx_buf_clear(&pt);
}

/* ------------------------------------------------------------ arguments */

static void
test_args(void)
{
	struct ksmx_buf b = KSMX_BUF_INIT(64);
	ksm_eckey *k = (ksm_eckey *)&b;	/* must be reset to NULL */
	uint8_t zero[65] = { 0 }, h[32];

	T_OK(ksm_eckey__from_scalar(&k, zero) == KSM_ECRYPTO && k == NULL,
	    "args::zero scalar refused, *out cleared");
	memset(zero, 0xff, sizeof(zero));
	T_OK(ksm_eckey__from_scalar(&k, zero) == KSM_ECRYPTO,
	    "args::scalar above the order refused");
	T_OK(ksm_eckey__from_public(NULL, zero) == KSM_EINVAL,
	    "args::NULL out refused");
	T_OK(ksm_crypto__gcm_decrypt(NULL, zero, zero, 32) == KSM_EINVAL,
	    "args::NULL buffer refused");
	T_OK(ksm_crypto__sha256(h, "abc", 3) == 0 && h[0] == 0xba &&
	    h[31] == 0xad, "args::sha256('abc')");
	ksm_eckey__free(NULL);
	T_OK(1, "args::free(NULL)");
	ksmx_buf_clear(&b);
}

/* GCM decrypted in the buffer itself, then handed over without a copy */
static void
test_gcm_inplace(void)
{
	static const char msg[] = "an answer, decrypted where it lies";
	uint8_t key[32];
	struct ksmx_buf b = KSMX_BUF_INIT(4096), dst = KSMX_BUF_INIT(4096);
	struct ksmx_buf small = KSMX_BUF_INIT(8);
	uint8_t *d;

	memset(key, 7, sizeof(key));
	T_OK(ksm_crypto__gcm_encrypt(&b, key, msg, sizeof(msg) - 1) == 0 &&
	    ksm_crypto__gcm_decrypt_inplace(&b, key) == 0 &&
	    b.len == sizeof(msg) - 1 && memcmp(b.d, msg, b.len) == 0,
	    "gcm::in-place decryption");
	d = b.d;
	T_OK(ksmx_buf_move(&dst, &b) == 0 && dst.d == d && b.d == NULL &&
	    b.len == 0 && dst.len == sizeof(msg) - 1,
	    "buf::move hands the bytes over without a copy");
	T_OK(ksmx_buf_move(&small, &dst) == KSM_ETOOBIG && dst.len == 0,
	    "buf::move into a smaller limit fails, the source emptied");
	ksmx_buf_clear(&dst);
	T_OK(ksm_crypto__gcm_encrypt(&b, key, msg, sizeof(msg) - 1) == 0,
	    "gcm::encrypt");
	b.d[b.len - 1] ^= 1;
	T_OK(ksm_crypto__gcm_decrypt_inplace(&b, key) == KSM_ECRYPTO &&
	    b.len == 0, "gcm::in place, bad tag: KSM_ECRYPTO, emptied");
	b.len = 27;
	T_OK(ksm_crypto__gcm_decrypt_inplace(&b, key) == KSM_ECRYPTO,
	    "gcm::in place, too short for IV and tag");
	ksmx_buf_clear(&b);
	ksmx_buf_clear(&small);
}

int
main(void)
{
	cJSON *v = ksm_test_vectors("crypto-vectors.json");

	T_OK(v != NULL, "crypto::vectors load");
	if (v != NULL) {
		test_client_id(v);
		test_pkcs8(v);
		test_ecies(v);
		test_aes_gcm(v);
		test_aes_cbc(v);
		test_ecdsa(v);
		test_server_keys(v);
		test_e2e_key_chain(v);
	}
	test_hmac_rfc();
	test_generate();
	test_lazy();
	test_gcm_inplace();
	test_args();
	cJSON_Delete(v);
	return ksm_test_done();
}
