#include "config.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "json.h"
#include "util/b64.h"
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

int
main(void)
{
	test_b64_vectors();
	test_b64_lenient();
	test_buf_limits();
	test_json();
	return ksm_test_done();
}
