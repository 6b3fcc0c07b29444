#include "config.h"

/*
 * core/template.c against a scripted resolver: where references are
 * found in both syntaxes (braces; --bare as `ksm interpolate`), the
 * escape, byte-exact rendering, all or nothing with every failure named
 * once, one prepare and one resolve per distinct notation; then
 * ksm_io__write_atomic (file-write.c): no-replace, replace by rename,
 * modes whatever the umask, nothing left behind.  The resolver on a
 * record set in hand (keeper-agent's): built here from a get_secret
 * answer with known keys, no client at all.
 */

#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "client-int.h"
#include "crypto.h"
#include "template.h"
#include "ksm-fake.h"
#include "ksm-test.h"

/* ---- a scripted resolver ---- */

struct answer {
	const char	*notation;
	const char	*value;		/* NULL: fails with code */
	size_t		 len;		/* 0: strlen(value) */
	int		 code;
};

struct script {
	const struct answer	*answers;
	size_t			 n_answers;
	int			 prepare_code;
	size_t			 prepared;	/* prepare calls */
	size_t			 prepared_n;	/* notations it saw */
	char			 first_seen[64];
	size_t			 resolved;	/* resolve calls */
};

static int
s_prepare(void *ctx, const char *const *notations, size_t n)
{
	struct script *s = ctx;

	s->prepared++;
	s->prepared_n = n;
	snprintf(s->first_seen, sizeof(s->first_seen), "%s",
	    n > 0 ? notations[0] : "");
	if (s->prepare_code != 0)
		return ksm__err(s->prepare_code, "scripted prepare failure");
	return 0;
}

static int
s_resolve(void *ctx, const char *notation, unsigned char **value,
    size_t *len)
{
	struct script *s = ctx;
	const struct answer *a;
	size_t i;

	s->resolved++;
	for (i = 0; i < s->n_answers; i++) {
		a = &s->answers[i];
		if (strcmp(a->notation, notation) != 0)
			continue;
		if (a->value == NULL)
			return ksm__err(a->code, "scripted failure of %s",
			    notation);
		*len = a->len ? a->len : strlen(a->value);
		if ((*value = malloc(*len + 1)) == NULL)
			return KSM_ENOMEM;
		memcpy(*value, a->value, *len);
		return 0;
	}
	return ksm__err(KSM_ENOTFOUND, "no answer for %s", notation);
}

/* Parse and render text; out holds the result. */
static int
render(struct ksmx_buf *out, struct ksm_template_problems *p,
    struct script *s, const char *text, size_t len, unsigned int flags)
{
	struct ksm_template_resolver rs = { s_prepare, s_resolve, s };
	struct ksm_template *t = NULL;
	int r;

	if ((r = ksm_template__parse(&t, p, text, len, flags)) != 0)
		return r;
	r = ksm_template__render(out, p, t, &rs);
	ksm_template__free(t);
	return r;
}

static const struct answer std_answers[] = {
	{ "keeper://Uid/field/password", "s3cret", 0, 0 },
	{ "keeper://Uid/field/login", "alice", 0, 0 },
	{ "keeper://Db Server/custom_field/My Label", "labelled", 0, 0 },
	{ "keeper://Uid/custom_field/My Label", "labelled2", 0, 0 },
	{ "KEEPER://Uid/field/password", "S3CRET", 0, 0 },
	{ "keeper://Uid/file/key.bin", "a\0b\nc\r\n", 7, 0 },
	{ "keeper://Uid/field/missing", NULL, 0, KSM_ENOTFOUND },
	{ "keeper://Gone/field/password", NULL, 0, KSM_ENOTSHARED },
};

#define SCRIPT_INIT	{ std_answers, NELEM(std_answers), 0, 0, 0, "", 0 }
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Render text and compare with want (NUL-terminated texts). */
static void
expect(const char *what, const char *text, unsigned int flags,
    const char *want)
{
	struct ksmx_buf out = KSMX_BUF_INIT(1 << 20);
	struct ksm_template_problems p = { NULL, 0 };
	struct script s = SCRIPT_INIT;
	int r;

	r = render(&out, &p, &s, text, strlen(text), flags);
	/* an empty result may have no buffer: no memcmp(NULL, ...) */
	if (!T_OK(r == 0 && out.len == strlen(want) && (out.len == 0 ||
	    memcmp(out.d, want, out.len) == 0), "%s", what)) {
		ksm_test_diag("rc %d (%s), %zu problem(s)", r,
		    ksm_error_last()->message, p.n);
		if (out.d != NULL && ksmx_buf_cstr(&out) == 0)
			ksm_test_diag("got  '%s'", (char *)out.d);
		ksm_test_diag("want '%s'", want);
	}
	ksm_template__problems_clear(&p);
	ksmx_buf_clear(&out);
}

static void
test_braces(void)
{
	expect("braces: a reference", "pw={{ keeper://Uid/field/password }}\n",
	    0, "pw=s3cret\n");
	expect("braces: no blanks, tabs, many spaces",
	    "{{keeper://Uid/field/login}}|{{\tkeeper://Uid/field/login\t}}|"
	    "{{     keeper://Uid/field/login  }}",
	    0, "alice|alice|alice");
	expect("braces: two on a line, text around kept",
	    "u={{ keeper://Uid/field/login }}&p={{ keeper://Uid/field/password }};",
	    0, "u=alice&p=s3cret;");
	expect("braces: the keeper:// prefix in any case, passed as written",
	    "{{ KEEPER://Uid/field/password }}", 0, "S3CRET");
	expect("braces: title and label with spaces",
	    "{{ keeper://Db Server/custom_field/My Label }}", 0, "labelled");
	expect("braces: the escape writes a literal {{",
	    "{{ \"{{\" }} keeper://Uid/field/password }}", 0,
	    "{{ keeper://Uid/field/password }}");
	expect("braces: the escape without blanks", "a{{\"{{\"}}b", 0, "a{{b");
	expect("braces: other {{ }} copied as they are (Jinja, Go)",
	    "{{ .Values.x }} {% raw %}{{ name }}{{", 0,
	    "{{ .Values.x }} {% raw %}{{ name }}{{");
	expect("braces: {{{ ref }}} keeps the outer braces",
	    "{{{ keeper://Uid/field/login }}}", 0, "{alice}");
	expect("braces: a lone }} and { are text", "}} { } {{", 0,
	    "}} { } {{");
	expect("braces: CRLF lines kept byte for byte",
	    "a={{ keeper://Uid/field/login }}\r\nb=2\r\n", 0,
	    "a=alice\r\nb=2\r\n");
	expect("braces: no reference: the text unchanged",
	    "plain\n\tkeeper://Uid/field/password\n", 0,
	    "plain\n\tkeeper://Uid/field/password\n");
	expect("braces: empty template", "", 0, "");
}

static void
test_binary(void)
{
	static const char text[] = "k\0\xff{{ keeper://Uid/file/key.bin }}\0";
	static const char want[] = "k\0\xff" "a\0b\nc\r\n" "\0";
	struct ksmx_buf out = KSMX_BUF_INIT(1 << 20);
	struct ksm_template_problems p = { NULL, 0 };
	struct script s = SCRIPT_INIT;
	int r;

	r = render(&out, &p, &s, text, sizeof(text) - 1, 0);
	T_OK(r == 0 && out.len == sizeof(want) - 1 &&
	    memcmp(out.d, want, out.len) == 0,
	    "binary: NUL and 0xff in the template and in a value kept");
	ksm_template__problems_clear(&p);
	ksmx_buf_clear(&out);
}

static void
test_bare(void)
{
	const unsigned int B = KSM_TEMPLATE_BARE;

	expect("bare: KEY=reference", "PW=keeper://Uid/field/password\n", B,
	    "PW=s3cret\n");
	expect("bare: comment lines left alone (leading blanks too)",
	    "# keeper://Uid/field/password\n  \t# keeper://Uid/field/login\n",
	    B, "# keeper://Uid/field/password\n  \t# keeper://Uid/field/login\n");
	expect("bare: quotes end the reference and stay",
	    "A=\"keeper://Uid/field/password\" B='keeper://Uid/field/login'\n",
	    B, "A=\"s3cret\" B='alice'\n");
	expect("bare: # ends the reference; trailing blanks kept",
	    "A=keeper://Uid/field/password  # note\n", B,
	    "A=s3cret  # note\n");
	expect("bare: NAME may hold spaces, to the end of the line",
	    "L=keeper://Uid/custom_field/My Label\n", B, "L=labelled2\n");
	expect("bare: a UID or title with a blank is no reference (the regex)",
	    "L=keeper://Db Server/custom_field/My Label\n", B,
	    "L=keeper://Db Server/custom_field/My Label\n");
	expect("bare: no newline at the end", "keeper://Uid/field/login", B,
	    "alice");
	expect("bare: CRLF kept (ksm interpolate drops the \\r)",
	    "A=keeper://Uid/field/login\r\n", B, "A=alice\r\n");
	expect("bare: the prefix is case-sensitive, as the regex",
	    "A=KEEPER://Uid/field/login\n", B, "A=KEEPER://Uid/field/login\n");
	expect("bare: fewer than three sections is no reference",
	    "A=keeper://invalid\nB=keeper://Uid/field\n", B,
	    "A=keeper://invalid\nB=keeper://Uid/field\n");
	expect("bare: not a notation: kept as it is",
	    "A=keeper://Uid/fieldx/password\n", B,
	    "A=keeper://Uid/fieldx/password\n");
	expect("bare: NAME runs over a second reference (one skipped text)",
	    "A=keeper://a/b/c keeper://Uid/field/login\n", B,
	    "A=keeper://a/b/c keeper://Uid/field/login\n");
	expect("bare: {{ }} mean nothing in bare mode",
	    "{{ \"{{\" }}\n", B, "{{ \"{{\" }}\n");
	expect("braces mode ignores bare references",
	    "A=keeper://Uid/field/password\n", 0,
	    "A=keeper://Uid/field/password\n");
}

static void
test_skipped_listed(void)
{
	struct ksm_template_problems p = { NULL, 0 };
	struct ksm_template *t = NULL;
	const struct ksm_template_ref *ref;
	const char *text = "ok=keeper://Uid/field/login\n"
	    "bad=keeper://Uid/fieldx/password\n";
	size_t n;
	int r;

	r = ksm_template__parse(&t, &p, text, strlen(text), KSM_TEMPLATE_BARE);
	T_OK(r == 0 && ksm_template__count(t) == 2, "bare: two places found");
	ref = ksm_template__ref(t, 1);
	T_OK(ref != NULL && ref->kind == KSM_TREF_SKIPPED && ref->line == 2 &&
	    strcmp(ref->notation, "keeper://Uid/fieldx/password") == 0,
	    "bare: the invalid one is SKIPPED, line 2, its text kept");
	(void)ksm_template__notations(t, &n);
	T_OK(n == 1, "bare: only the valid notation is resolved");
	ksm_template__free(t);
	ksm_template__problems_clear(&p);
}

static void
test_malformed(void)
{
	struct ksm_template_problems p = { NULL, 0 };
	struct ksm_template *t = NULL;
	const char *text = "ok={{ keeper://Uid/field/login }}\n"
	    "a={{ keeper://Uid/fieldx/y }}\n"
	    "\n"
	    "b={{ keeper://Uid/field/password\n"
	    "c={{ keeper:// }}\n";
	int r;

	r = ksm_template__parse(&t, &p, text, strlen(text), 0);
	T_OK(r == KSM_ENOTATION && t == NULL, "malformed: ENOTATION, no "
	    "template");
	T_OK(p.n == 3, "malformed: every malformed reference listed (%zu)",
	    p.n);
	if (p.n == 3) {
		T_OK(p.v[0].line == 2 && strstr(p.v[0].message,
		    "bad selector") != NULL &&
		    strcmp(p.v[0].ref, "keeper://Uid/fieldx/y") == 0,
		    "malformed: line 2, the notation and why");
		T_OK(p.v[1].line == 4 && strstr(p.v[1].message, "'}}'") !=
		    NULL, "malformed: line 4 is not closed on its line");
		T_OK(p.v[2].line == 5 && p.v[2].code == KSM_ENOTATION,
		    "malformed: line 5, an empty notation");
	}
	T_OK(strstr(ksm_error_last()->message, "3 malformed") != NULL,
	    "malformed: the message counts them");
	ksm_template__problems_clear(&p);
}

static void
test_all_or_nothing(void)
{
	struct ksmx_buf out = KSMX_BUF_INIT(1 << 20);
	struct ksm_template_problems p = { NULL, 0 };
	struct script s = SCRIPT_INIT;
	const char *text = "a={{ keeper://Uid/field/password }}\n"
	    "b={{ keeper://Uid/field/missing }}\n"
	    "c={{ keeper://Gone/field/password }}\n"
	    "d={{ keeper://Uid/field/missing }}\n"
	    "e={{ keeper://Uid/field/password }}\n";
	int r;

	r = render(&out, &p, &s, text, strlen(text), 0);
	T_OK(r == KSM_ENOTFOUND, "all or nothing: the first failure's code");
	T_OK(out.len == 0 && out.d == NULL, "all or nothing: no output");
	T_OK(p.n == 2, "all or nothing: each failing notation once (%zu)", p.n);
	if (p.n == 2) {
		T_OK(p.v[0].line == 2 && p.v[0].code == KSM_ENOTFOUND &&
		    strcmp(p.v[0].ref, "keeper://Uid/field/missing") == 0 &&
		    strstr(p.v[0].message, "scripted failure") != NULL,
		    "all or nothing: line 2 named with the resolver's message");
		T_OK(p.v[1].line == 3 && p.v[1].code == KSM_ENOTSHARED,
		    "all or nothing: line 3 named with its own code");
	}
	T_OK(strstr(ksm_error_last()->message, "2 of 3 references") != NULL,
	    "all or nothing: the message counts them ('%s')",
	    ksm_error_last()->message);
	ksm_template__problems_clear(&p);
	ksmx_buf_clear(&out);
}

static void
test_once_per_notation(void)
{
	struct ksmx_buf out = KSMX_BUF_INIT(64u << 20);
	struct ksm_template_problems p = { NULL, 0 };
	struct script s = SCRIPT_INIT;
	struct ksmx_buf text = KSMX_BUF_INIT(64u << 20);
	size_t i;
	int r, ok = 1;

	/* 10,000 references, three distinct notations */
	for (i = 0; i < 10000 && ok; i++)
		ok = ksmx_buf_puts(&text, i % 3 == 0 ?
		    "{{ keeper://Uid/field/login }}\n" : i % 3 == 1 ?
		    "{{ keeper://Uid/field/password }}\n" :
		    "{{ keeper://Db Server/custom_field/My Label }}\n") == 0;
	r = render(&out, &p, &s, (const char *)text.d, text.len, 0);
	T_OK(ok && r == 0, "10,000 references render");
	T_OK(s.prepared == 1 && s.prepared_n == 3 &&
	    strcmp(s.first_seen, "keeper://Uid/field/login") == 0,
	    "one prepare with the 3 distinct notations, by first use");
	T_OK(s.resolved == 3, "one resolve per distinct notation (%zu)",
	    s.resolved);
	T_OK(out.len == 3334 * 6 + 3333 * 7 + 3333 * 9,
	    "the output is every value in place (%zu bytes)", out.len);
	ksm_template__problems_clear(&p);
	ksmx_buf_clear(&out);
	ksmx_buf_clear(&text);
}

static void
test_prepare_and_limits(void)
{
	struct ksmx_buf out = KSMX_BUF_INIT(1 << 20), small = KSMX_BUF_INIT(8);
	struct ksm_template_problems p = { NULL, 0 };
	struct script s = SCRIPT_INIT;
	const char *text = "{{ keeper://Uid/field/password }} and more";
	int r;

	s.prepare_code = KSM_ENETWORK;
	r = render(&out, &p, &s, text, strlen(text), 0);
	T_OK(r == KSM_ENETWORK && p.n == 0 && s.resolved == 0 && out.len == 0,
	    "a failing prepare is the render's error, no resolve, no output");
	s.prepare_code = 0;
	s.prepared = 0;
	r = render(&out, &p, &s, "no refs {{ x }}", 15, 0);
	T_OK(r == 0 && s.prepared == 0 && s.resolved == 0,
	    "no reference: the resolver is not called");
	r = render(&small, &p, &s, text, strlen(text), 0);
	T_OK(r == KSM_ETOOBIG && small.len == 0,
	    "output over the buffer's limit: ETOOBIG, nothing kept");
	T_FAILS(ksm_template__parse(&(struct ksm_template *){ NULL }, &p, "",
	    (size_t)KSM_MAX_TEMPLATE + 1, 0), KSM_ETOOBIG,
	    "a template over KSM_MAX_TEMPLATE");
	ksm_template__problems_clear(&p);
	ksmx_buf_clear(&out);
}

/* ---- ksm_io__write_atomic ---- */

static size_t
count_entries(const char *dir)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return (size_t)-1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int
file_is(const char *path, const char *want)
{
	size_t len = 0;
	char *got = ksm_test_slurp(path, &len);
	int ok = got != NULL && len == strlen(want) && memcmp(got, want,
	    len) == 0;

	free(got);
	return ok;
}

static void
test_write_atomic(void)
{
	char dir[] = "/tmp/test-template.XXXXXX", path[256], link_path[256];
	char other[256];
	struct stat st, st2;
	mode_t old_umask;

	if (mkdtemp(dir) == NULL) {
		T_OK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/out.conf", dir);
	old_umask = umask(0);		/* the mode must not depend on it */
	T_OK(ksm_io__write_atomic(path, "one\n", 4, 0600,
	    KSM_IO_NOREPLACE) == 0 && file_is(path, "one\n"),
	    "write: a new file");
	memset(&st, 0, sizeof(st));
	(void)stat(path, &st);
	T_OK((st.st_mode & 07777) == 0600, "write: mode 0600 with umask 0 "
	    "(%04o)", (unsigned)(st.st_mode & 07777));
	T_FAILS(ksm_io__write_atomic(path, "two\n", 4, 0600,
	    KSM_IO_NOREPLACE), KSM_EEXIST, "write: no-replace refuses");
	T_OK(file_is(path, "one\n") && count_entries(dir) == 1,
	    "write: the old file untouched, no temporary file left");
	T_OK(ksm_io__write_atomic(path, "three\n", 6, 0640, 0) == 0 &&
	    file_is(path, "three\n") && stat(path, &st2) == 0 &&
	    (st2.st_mode & 07777) == 0640,
	    "write: replace with mode 0640");
	T_OK(st.st_ino != st2.st_ino,
	    "write: replaced by rename (a new inode), not rewritten in place");
	umask(077);
	T_OK(ksm_io__write_atomic(path, "four\n", 5, 0644, 0) == 0 &&
	    stat(path, &st) == 0 && (st.st_mode & 07777) == 0644,
	    "write: mode 0644 exactly, whatever the umask");
	/* a symlink at the target is replaced, its target untouched */
	snprintf(other, sizeof(other), "%s/victim", dir);
	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	T_OK(ksm_io__write_atomic(other, "victim\n", 7, 0600, 0) == 0 &&
	    symlink(other, link_path) == 0, "write: a symlink to a file");
	T_FAILS(ksm_io__write_atomic(link_path, "x", 1, 0600,
	    KSM_IO_NOREPLACE), KSM_EEXIST,
	    "write: no-replace refuses a symlink too");
	T_OK(ksm_io__write_atomic(link_path, "x", 1, 0600, 0) == 0 &&
	    lstat(link_path, &st) == 0 && S_ISREG(st.st_mode) &&
	    file_is(other, "victim\n"),
	    "write: replacing a symlink never writes through it");
	snprintf(other, sizeof(other), "%s/no/such/dir/f", dir);
	T_FAILS(ksm_io__write_atomic(other, "x", 1, 0600, 0), KSM_EIO,
	    "write: a missing directory is not created without MKDIRS");
	T_OK(count_entries(dir) == 3, "write: only the three files remain");
	umask(old_umask);
	snprintf(other, sizeof(other), "rm -rf '%s'", dir);
	if (system(other) != 0)
		ksm_test_diag("could not remove %s", dir);
}

/* A get_secret answer entry: the record under rk, rk under the app key. */
static void
add_record(cJSON *arr, const char *uid, const unsigned char *app_key,
    const unsigned char *rk, const char *json, const char *file_meta)
{
	cJSON *e = cJSON_CreateObject(), *files, *f;
	char *k = ksm_test_gcm_b64(app_key, rk, 32);
	char *d = ksm_test_gcm_b64(rk, json, strlen(json));
	char *fk = NULL, *fd = NULL;

	cJSON_AddStringToObject(e, "recordUid", uid);
	cJSON_AddStringToObject(e, "recordKey", k);
	cJSON_AddStringToObject(e, "data", d);
	if (file_meta != NULL) {
		/* the file key is the record key: any 32 bytes do here */
		fk = ksm_test_gcm_b64(rk, rk, 32);
		fd = ksm_test_gcm_b64(rk, file_meta, strlen(file_meta));
		files = cJSON_AddArrayToObject(e, "files");
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "fileUid", "FileUid000000000000001");
		cJSON_AddStringToObject(f, "fileKey", fk);
		cJSON_AddStringToObject(f, "data", fd);
		cJSON_AddStringToObject(f, "url", "https://127.0.0.1/f");
		cJSON_AddItemToArray(files, f);
	}
	cJSON_AddItemToArray(arr, e);
	free(k);
	free(d);
	free(fk);
	free(fd);
}

static int held_asked, held_fail;

/* keeper-agent's held attachments, played: "a\0b" for the one file */
static int
held_file(void *ctx, const ksm_file *f, unsigned char **bytes, size_t *len)
{
	(void)ctx;
	held_asked++;
	if (held_fail)
		return ksm__err(KSM_ENETWORK, "attachment %s not held",
		    ksm_file_uid(f));
	if ((*bytes = malloc(3)) == NULL)
		return KSM_ENOMEM;
	memcpy(*bytes, "a\0b", 3);
	*len = 3;
	return 0;
}

static void
test_records_resolver(void)
{
	static const char rec1[] = "{\"title\":\"Web login\",\"type\":"
	    "\"login\",\"fields\":[{\"type\":\"login\",\"value\":"
	    "[\"alice\"]},{\"type\":\"password\",\"value\":"
	    "[\"pw-1\"]}],\"custom\":[]}";
	static const char rec2[] = "{\"title\":\"Db\",\"type\":\"login\","
	    "\"fields\":[{\"type\":\"password\",\"value\":[\"pw-2\"]}]}";
	static const char text[] = "{{ keeper://RecordOne0000000000000001/field/"
	    "login }}:{{ keeper://Db/field/password }}";
	static const char bad[] = "{{ keeper://Gone/field/x }}{{ keeper://Db/"
	    "field/nope }}{{ keeper://Web login/file/key.pem }}";
	static const char att[] = "<{{ keeper://Web login/file/key.pem }}>";
	struct ksmx_buf plain = KSMX_BUF_INIT(1 << 20);
	struct ksmx_buf out = KSMX_BUF_INIT(1 << 20);
	struct ksm_template_problems p = { NULL, 0 };
	struct ksm_template_resolver rs = { NULL, NULL, NULL };
	struct ksm_template_client *tc = NULL;
	struct ksm_template *t = NULL;
	unsigned char app_key[32], rk1[32], rk2[32];
	ksm_records *set = NULL;
	cJSON *root = cJSON_CreateObject(), *arr;
	char *resp;

	if (ksm_crypto__random(app_key, 32) != 0 ||
	    ksm_crypto__random(rk1, 32) != 0 ||
	    ksm_crypto__random(rk2, 32) != 0) {
		T_OK(0, "records resolver: set-up");
		return;
	}
	arr = cJSON_AddArrayToObject(root, "records");
	add_record(arr, "RecordOne0000000000000001", app_key, rk1, rec1,
	    "{\"name\":\"key.pem\",\"title\":\"key\",\"size\":3}");
	add_record(arr, "RecordTwo0000000000000002", app_key, rk2, rec2, NULL);
	resp = cJSON_PrintUnformatted(root);
	T_OK(resp != NULL && ksmx_buf_puts(&plain, resp) == 0 &&
	    ksm_records__from_response(&set, app_key, &plain) == 0 &&
	    ksm_records_count(set) == 2, "records resolver: a set of two");
	T_OK(ksm_template__records_new(&tc, set) == 0,
	    "records resolver: on the set");
	ksm_template__client_resolver(&rs, tc);

	T_OK(ksm_template__parse(&t, &p, text, strlen(text), 0) == 0 &&
	    ksm_template__render(&out, &p, t, &rs) == 0 &&
	    out.len == strlen("alice:pw-2") &&
	    memcmp(out.d, "alice:pw-2", out.len) == 0,
	    "records resolver: by UID and by title, no client");
	ksm_template__free(t);
	t = NULL;
	ksmx_buf_clear(&out);

	T_FAILS(ksm_template__parse(&t, &p, bad, strlen(bad), 0) == 0 ?
	    ksm_template__render(&out, &p, t, &rs) : -99,
	    KSM_ENOTFOUND, "records resolver: failures, all or nothing");
	T_OK(p.n == 3 && out.len == 0, "records resolver: three problems "
	    "(%zu), nothing rendered", p.n);
	T_OK(p.n == 3 && strstr(p.v[0].message, "no records match") != NULL &&
	    strstr(p.v[1].message, "nope") != NULL &&
	    p.v[2].code == KSM_EINVAL && strstr(p.v[2].message,
	    "attachments are not rendered") != NULL,
	    "records resolver: no record, no field, and an attachment refused");
	ksm_template__free(t);
	t = NULL;
	ksm_template__problems_clear(&p);

	/* attachments from the caller's function (keeper-agent's held ones) */
	ksm_template__records_files(tc, held_file, NULL);
	T_OK(ksm_template__parse(&t, &p, att, sizeof(att) - 1, 0) == 0 &&
	    ksm_template__render(&out, &p, t, &rs) == 0 &&
	    out.len == 5 && memcmp(out.d, "<a\0b>", 5) == 0 &&
	    held_asked == 1, "records resolver: an attachment from the "
	    "caller's function, once, NUL bytes kept");
	ksm_template__free(t);
	t = NULL;
	ksmx_buf_clear(&out);
	held_fail = 1;
	T_FAILS(ksm_template__parse(&t, &p, att, sizeof(att) - 1, 0) == 0 ?
	    ksm_template__render(&out, &p, t, &rs) : -99, KSM_ENETWORK,
	    "records resolver: the function's failure fails the render");
	T_OK(p.n == 1 && p.v[0].code == KSM_ENETWORK && strstr(p.v[0].message,
	    "FileUid000000000000001 not held") != NULL && out.len == 0,
	    "records resolver: ... with its message, nothing rendered");
	ksm_template__free(t);
	t = NULL;
	ksm_template__problems_clear(&p);

	/* the set is borrowed: it outlives the resolver, freed once */
	ksm_template__client_free(tc);
	T_OK(ksm_records_count(set) == 2 && ksm_records_find(set,
	    "RecordTwo0000000000000002") != NULL,
	    "records resolver: the set is still the caller's");
	ksm_records_free(set);
	ksmx_buf_clear(&plain);
	cJSON_free(resp);
	cJSON_Delete(root);
}

int
main(void)
{
	test_braces();
	test_records_resolver();
	test_binary();
	test_bare();
	test_skipped_listed();
	test_malformed();
	test_all_or_nothing();
	test_once_per_notation();
	test_prepare_and_limits();
	test_write_atomic();
	return ksm_test_done();
}
