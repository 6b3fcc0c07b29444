#include "config.h"

/*
 * The pure side of the cache (docs/cache.md): HKDF-SHA256 of the config's
 * private key into an entry key and a naming key, names that reveal
 * neither the client id nor the UIDs asked for, sealing an entry under
 * AES-256-GCM with its header and name as AAD, and the freshness rule.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ksm-int.h"
#include "crypto.h"
#include "cache.h"
#include "util/hex.h"

#define HKDF_SALT	"keeper-c cache v1"

int
ksm_cache__hkdf(uint8_t *out, size_t out_len, const void *salt,
    size_t salt_len, const void *ikm, size_t ikm_len, const void *info,
    size_t info_len)
{
	uint8_t prk[32], t[32], msg[32 + 256 + 1];
	size_t mac_len, done = 0, tlen = 0, n;
	unsigned int i;
	int r = 0;

	if (out == NULL || out_len > 255 * 32 || info_len > 256)
		return KSM_EINVAL;
	if ((r = ksm_crypto__hmac(prk, &mac_len, "SHA256", salt, salt_len,
	    ikm, ikm_len)) != 0)
		goto out;
	for (i = 1; done < out_len; i++) {
		/* T(i) = HMAC(PRK, T(i-1) || info || i) */
		memcpy(msg, t, tlen);
		if (info_len > 0)
			memcpy(msg + tlen, info, info_len);
		msg[tlen + info_len] = (uint8_t)i;
		if ((r = ksm_crypto__hmac(t, &mac_len, "SHA256", prk,
		    sizeof(prk), msg, tlen + info_len + 1)) != 0)
			goto out;
		tlen = sizeof(t);
		n = out_len - done < sizeof(t) ? out_len - done : sizeof(t);
		memcpy(out + done, t, n);
		done += n;
	}
out:
	ksmx_wipe_array(prk);
	ksmx_wipe_array(t);
	ksmx_wipe_array(msg);
	if (r != 0)
		ksmx_wipe(out, out_len);
	return r;
}

int
ksm_cache__derive(struct ksm_cache_keys *k, const void *ikm, size_t ikm_len)
{
	int r;

	if ((r = ksm_cache__hkdf(k->enc, sizeof(k->enc), HKDF_SALT,
	    strlen(HKDF_SALT), ikm, ikm_len, "entry key", 9)) != 0 ||
	    (r = ksm_cache__hkdf(k->name, sizeof(k->name), HKDF_SALT,
	    strlen(HKDF_SALT), ikm, ikm_len, "entry name", 10)) != 0)
		ksmx_wipe(k, sizeof(*k));
	return r;
}

/* HMAC(name key, parts joined with NUL separators) into hex of n chars. */
static int
name_mac(char *out, size_t hex_len, const struct ksm_cache_keys *k,
    const char *const *parts, size_t n_parts)
{
	struct ksmx_buf msg = KSMX_BUF_INIT(1024 * 1024);
	uint8_t mac[32];
	size_t i, mac_len;
	int r = 0;

	for (i = 0; i < n_parts && r == 0; i++) {
		if (parts[i] == NULL)
			r = KSM_EINVAL;
		else
			r = ksmx_buf_put(&msg, parts[i], strlen(parts[i]) + 1);
	}
	if (r == 0)
		r = ksm_crypto__hmac(mac, &mac_len, "SHA256", k->name,
		    sizeof(k->name), msg.d, msg.len);
	if (r == 0)
		ksmx_hex(out, mac, hex_len / 2);
	ksmx_buf_clear(&msg);
	return r;
}

int
ksm_cache__tag(char out[KSM_CACHE_TAG_HEX + 1],
    const struct ksm_cache_keys *k, const char *host, const char *client_id)
{
	const char *parts[3];

	parts[0] = "config";
	parts[1] = host;
	parts[2] = client_id;
	return name_mac(out, KSM_CACHE_TAG_HEX, k, parts, 3);
}

int
ksm_cache__entry_name(char out[KSM_CACHE_NAME_LEN + 1],
    const struct ksm_cache_keys *k, const char *tag, const char *endpoint,
    const char *const *uids, size_t n_uids)
{
	const char *parts[4 + 64];
	char count[32];
	size_t i;
	int r;

	if (tag == NULL || strlen(tag) != KSM_CACHE_TAG_HEX || n_uids > 64)
		return KSM_EINVAL;
	(void)snprintf(count, sizeof(count), "%zu", n_uids);
	parts[0] = "request";
	parts[1] = tag;
	parts[2] = endpoint;
	parts[3] = count;
	for (i = 0; i < n_uids; i++)
		parts[4 + i] = uids[i];
	memcpy(out, tag, KSM_CACHE_TAG_HEX);
	out[KSM_CACHE_TAG_HEX] = '-';
	r = name_mac(out + KSM_CACHE_TAG_HEX + 1, KSM_CACHE_ID_HEX, k, parts,
	    4 + n_uids);
	if (r != 0)
		out[0] = '\0';
	return r;
}

static int
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
ksm_cache__is_entry_file(const char *s, const char *tag)
{
	if (s == NULL || strlen(s) != KSM_CACHE_NAME_LEN +
	    strlen(KSM_CACHE_SUFFIX) ||
	    strcmp(s + KSM_CACHE_NAME_LEN, KSM_CACHE_SUFFIX) != 0 ||
	    s[KSM_CACHE_TAG_HEX] != '-' || !is_hex(s, KSM_CACHE_TAG_HEX) ||
	    !is_hex(s + KSM_CACHE_TAG_HEX + 1, KSM_CACHE_ID_HEX))
		return 0;
	return tag == NULL || strncmp(s, tag, KSM_CACHE_TAG_HEX) == 0;
}

/* AAD: the 16-byte header followed by the entry's name. */
static int
make_aad(struct ksmx_buf *aad, const uint8_t hdr[KSM_CACHE_HDR_LEN],
    const char *name)
{
	int r;

	if ((r = ksmx_buf_put(aad, hdr, KSM_CACHE_HDR_LEN)) == 0)
		r = ksmx_buf_put(aad, name, strlen(name));
	return r;
}

int
ksm_cache__seal(struct ksmx_buf *out, const struct ksm_cache_keys *k,
    const char *name, uint64_t created_ms, const void *pt, size_t pt_len)
{
	struct ksmx_buf aad = KSMX_BUF_INIT(KSM_CACHE_HDR_LEN + 256);
	uint8_t hdr[KSM_CACHE_HDR_LEN];
	size_t len0 = out->len;
	int i, r;

	memcpy(hdr, KSM_CACHE_MAGIC, 8);
	for (i = 0; i < 8; i++)
		hdr[8 + i] = (uint8_t)(created_ms >> (56 - 8 * i));
	if ((r = make_aad(&aad, hdr, name)) == 0 &&
	    (r = ksmx_buf_put(out, hdr, sizeof(hdr))) == 0)
		r = ksm_crypto__gcm_encrypt_aad(out, k->enc, aad.d, aad.len, pt,
		    pt_len);
	if (r != 0 && out->len > len0) {
		ksmx_wipe(out->d + len0, out->len - len0);
		out->len = len0;
	}
	ksmx_buf_clear(&aad);
	return r;
}

int
ksm_cache__unseal(struct ksmx_buf *pt, uint64_t *created_ms,
    const struct ksm_cache_keys *k, const char *name, const void *in,
    size_t in_len)
{
	struct ksmx_buf aad = KSMX_BUF_INIT(KSM_CACHE_HDR_LEN + 256);
	const uint8_t *p = in;
	uint64_t t = 0;
	int i, r;

	if (in_len < KSM_CACHE_HDR_LEN + KSM_GCM_IV_LEN + KSM_GCM_TAG_LEN ||
	    memcmp(p, KSM_CACHE_MAGIC, 8) != 0)
		return KSM_ECRYPTO;
	for (i = 0; i < 8; i++)
		t = (t << 8) | p[8 + i];
	if ((r = make_aad(&aad, p, name)) == 0)
		r = ksm_crypto__gcm_decrypt_aad(pt, k->enc, aad.d, aad.len,
		    p + KSM_CACHE_HDR_LEN, in_len - KSM_CACHE_HDR_LEN);
	ksmx_buf_clear(&aad);
	if (r == 0)
		*created_ms = t;
	return r == KSM_ENOMEM ? r : (r != 0 ? KSM_ECRYPTO : 0);
}

enum ksm_cache_age
ksm_cache__classify(uint64_t now_ms, uint64_t created_ms, unsigned int ttl_ms,
    unsigned int max_age_ms)
{
	uint64_t age;

	/* a little clock skew between processes is fine; more is not */
	if (created_ms > now_ms + 1000)
		return KSM_CACHE_EXPIRED;
	age = created_ms > now_ms ? 0 : now_ms - created_ms;
	if (age < ttl_ms)
		return KSM_CACHE_FRESH;
	if (age <= max_age_ms)
		return KSM_CACHE_STALE;
	return KSM_CACHE_EXPIRED;
}

int
ksm_cache__parse_secs(const char *s, unsigned int *ms)
{
	unsigned long whole = 0, frac = 0;
	int digits = 0;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		whole = whole * 10 + (unsigned long)(*s - '0');
		if (whole > 30UL * 86400)
			return -1;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (++digits > 3)
				return -1;
			frac = frac * 10 + (unsigned long)(*s - '0');
		}
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*s != '\0')
		return -1;
	*ms = (unsigned int)(whole * 1000 + frac);
	return 0;
}

uint64_t
ksm_cache__now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
