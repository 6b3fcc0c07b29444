#include "config.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "json.h"
#include "util/b64.h"
#include "util/buf.h"
#include "ksm-test.h"

static void
test_b64_vectors(void)
{
	cJSON *v = ksm_test_vectors("crypto-vectors.json");
	const cJSON *list, *it;

	T_OK(v != NULL, "b64::vectors load");
	list = cJSON_GetObjectItem(cJSON_GetObjectItem(v, "base64url"),
	    "vectors");
	cJSON_ArrayForEach(it, list) {
		const char *utf8 = cJSON_GetObjectItem(it, "utf8")->valuestring;
		const char *want = cJSON_GetObjectItem(it, "base64url")->valuestring;
		struct ksmx_buf b = KSMX_BUF_INIT(1024);
		char *enc = ksmx_b64_encode_str(utf8, strlen(utf8), KSMX_B64_URL);

		T_STREQ(enc, want, "b64::url encode '%s'", want);
		T_OK(ksmx_b64_decode(&b, want, strlen(want)) == 0 &&
		    b.len == strlen(utf8) && memcmp(b.d, utf8, b.len) == 0,
		    "b64::url decode '%s'", want);
		ksmx_strfree(enc);
		ksmx_buf_clear(&b);
	}
	cJSON_Delete(v);
}

static void
test_b64_lenient(void)
{
	struct ksmx_buf b = KSMX_BUF_INIT(64);
	char *s;

	T_OK(ksmx_b64_decode(&b, "+/8=", 4) == 0 && b.len == 2 &&
	    b.d[0] == 0xfb && b.d[1] == 0xff, "b64::std padded");
	ksmx_buf_clear(&b);
	T_OK(ksmx_b64_decode(&b, "-_8", 3) == 0 && b.len == 2 &&
	    b.d[0] == 0xfb && b.d[1] == 0xff, "b64::url unpadded");
	ksmx_buf_clear(&b);
	T_OK(ksmx_b64_decode(&b, "YQ==", 4) == 0 && b.len == 1,
	    "b64::two pad");
	ksmx_buf_clear(&b);
	T_OK(ksmx_b64_decode(&b, "Y", 1) == KSM_EINVAL, "b64::impossible length");
	ksmx_buf_clear(&b);
	T_OK(ksmx_b64_decode(&b, "YW E", 4) == KSM_EINVAL, "b64::space refused");
	ksmx_buf_clear(&b);
	T_OK(ksmx_b64_decode(&b, "Y=Fh", 4) == KSM_EINVAL,
	    "b64::inner padding refused");
	ksmx_buf_clear(&b);
	T_OK(ksmx_b64_decode(&b, "YWE=", 4) == 0 && b.len == 2, "b64::std 2");
	ksmx_buf_clear(&b);
	s = ksmx_b64_encode_str("\xfb\xff", 2, KSMX_B64_STD);
	T_STREQ(s, "+/8=", "b64::std encode pads");
	ksmx_strfree(s);
	s = ksmx_b64_encode_str("", 0, KSMX_B64_STD);
	T_STREQ(s, "", "b64::empty");
	ksmx_strfree(s);
}

static void
test_buf_limits(void)
{
	struct ksmx_buf b = KSMX_BUF_INIT(8);
	uint8_t *p;
	size_t n;

	T_OK(ksmx_buf_put(&b, "12345678", 8) == 0, "buf::fill to max");
	T_OK(ksmx_buf_putc(&b, 'x') == KSM_ETOOBIG && b.len == 8,
	    "buf::over max refused, unchanged");
	T_OK(ksmx_buf_cstr(&b) == 0 && b.d[8] == '\0', "buf::cstr at max");
	p = ksmx_buf_take(&b, &n);
	T_OK(p != NULL && n == 8 && b.d == NULL && b.len == 0, "buf::take");
	ksmx_freezero(p, n);
	ksmx_buf_clear(&b);
	T_OK(b.d == NULL, "buf::clear empty is no-op");
}

static void
test_json(void)
{
	const char padded[] = "{\"a\":\"b\"}    ";
	cJSON *j;

	j = ksmx_json_parse(padded, sizeof(padded) - 1);
	T_STREQ(j ? ksmx_json_str(j, "a") : NULL, "b",
	    "json::space padded, not NUL-terminated");
	ksmx_json_free(j);
	T_OK(ksmx_json_parse("{\"a\":1} x", 9) == NULL, "json::trailing garbage");
	T_OK(ksmx_json_parse("{\"a\":1}\0", 8) == NULL, "json::embedded NUL");
	T_OK(ksmx_json_parse("{", 1) == NULL, "json::truncated");
}

static void
test_json_scan(void)
{
	static const char ans[] =
	    " {\"a\":\"x]}\\\"\", \"records\" : [ {\"u\":[1,{\"v\":\"]\"}]},"
	    "2 , \"s\"], \"n\":null}  ";
	static const char *const names[3] = { "records", "record", "n" };
	struct ksmx_json_span sp[3];
	const char *end = ans + sizeof(ans) - 1, *v, *cur, *elem;
	size_t vlen, elen;
	char got[64];
	int n = 0, k;

	T_OK(ksmx_json_object_members(ans, sizeof(ans) - 1, names, 3, sp) ==
	    0, "json-scan::object with strings holding brackets and escapes");
	v = sp[0].p;
	vlen = sp[0].len;
	T_OK(v != NULL && vlen == 30 && v[0] == '[' && v[vlen - 1] == ']',
	    "json-scan::member span");
	T_OK(sp[1].p == NULL, "json-scan::a key's prefix is not the key");
	T_OK(sp[2].p != NULL && sp[2].len == 4 &&
	    memcmp(sp[2].p, "null", 4) == 0, "json-scan::scalar member");
	cur = v;
	got[0] = '\0';
	while (v != NULL &&
	    (k = ksmx_json_array_next(&cur, v + vlen, &elem, &elen)) == 1) {
		n++;
		if (n == 3)
			(void)snprintf(got, sizeof(got), "%.*s", (int)elen,
			    elem);
	}
	T_OK(k == 0 && n == 3, "json-scan::three elements (%d, %d)", k, n);
	T_STREQ(got, "\"s\"", "json-scan::third element's span");
	T_OK(ksmx_json_object_members("{\"a\":[}", 8, NULL, 0, NULL) == -1,
	    "json-scan::unbalanced");
	T_OK(ksmx_json_object_members("{\"a\":\"}", 8, NULL, 0, NULL) == -1,
	    "json-scan::unterminated string");
	T_OK(ksmx_json_object_members("[]", 2, NULL, 0, NULL) == -1,
	    "json-scan::not an object");
	T_OK(ksmx_json_object_members("{} {}", 5, NULL, 0, NULL) == -1,
	    "json-scan::trailing value");
	T_OK(ksmx_json_object_members(" {} ", 4, NULL, 0, NULL) == 0,
	    "json-scan::empty object");
	T_OK(ksmx_json_object_members("{\"a\":1 \"b\":2}", 13, NULL, 0,
	    NULL) == -1, "json-scan::members without a comma");
	T_OK(ksmx_json_skip(end, end) == NULL, "json-scan::nothing to skip");
}

/* a buffer read front to back gives its pages back as it goes */
static void
test_buf_consume(void)
{
	struct ksmx_buf b = KSMX_BUF_INIT(1 << 20);
	size_t done = 0, i, n = 5 * 4096 + 100, bad = 0;

	for (i = 0; i < n; i++)
		(void)ksmx_buf_putc(&b, (uint8_t)(1 + i % 250));
	ksmx_buf_consume(&b, &done, 9000);
	for (i = 0; i < 9000; i++)
		bad += b.d[i] != 0;
	for (; i < n; i++)
		bad += b.d[i] != (uint8_t)(1 + i % 250);
	T_OK(done == 9000 && bad == 0,
	    "buf::consume wipes what was read, keeps the rest (%zu wrong)",
	    bad);
	ksmx_buf_consume(&b, &done, 100);
	T_OK(done == 9000, "buf::consume never goes back");
	ksmx_buf_consume(&b, &done, n + 50);
	T_OK(done == n, "buf::consume stops at the length");
	ksmx_buf_clear_consumed(&b, done);
	T_OK(b.d == NULL && b.len == 0 && b.alloc == 0,
	    "buf::clear_consumed empties it");
}

int
main(void)
{
	test_b64_vectors();
	test_b64_lenient();
	test_buf_limits();
	test_json();
	test_json_scan();
	test_buf_consume();
	return ksm_test_done();
}
