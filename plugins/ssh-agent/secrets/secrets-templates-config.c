#include "config.h"

/*
 * keeper-agent's templates configuration file (keeper-agent(1),
 * TEMPLATES): read once at start and checked whole, so that a mistake
 * stops the agent with a message naming the file and the entry:
 *
 *   { "templates": [ { "source": "users.tmpl",
 *                      "destination": "/etc/lighttpd/users",
 *                      "mode": "0640", "bare": false,
 *                      "command": "systemctl reload lighttpd" } ] }
 */

#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm-int.h"
#include "json.h"
#include "template.h"
#include "secrets-templates-int.h"

static const char *const known_keys[] = {
	"source", "destination", "mode", "bare", "command"
};
#define N_KEYS	(sizeof(known_keys) / sizeof(known_keys[0]))

/* The directory of path, absolute (from the working directory). */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char cwd[4096], *out;
	size_t n;

	if (slash == path)
		return ksmx_strdup("/");
	if (path[0] == '/') {
		n = (size_t)(slash - path);
		if ((out = malloc(n + 1)) != NULL) {
			memcpy(out, path, n);
			out[n] = '\0';
		}
		return out;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	n = strlen(cwd) + 1 + (slash != NULL ? (size_t)(slash - path) : 0) + 1;
	if ((out = malloc(n)) != NULL)
		(void)snprintf(out, n, "%s%s%.*s", cwd, slash != NULL ? "/" :
		    "", slash != NULL ? (int)(slash - path) : 0, path);
	return out;
}

/* p made absolute from dir. */
static char *
absolute(const char *dir, const char *p)
{
	size_t n;
	char *out;

	if (p[0] == '/')
		return ksmx_strdup(p);
	n = strlen(dir) + strlen(p) + 2;
	if ((out = malloc(n)) != NULL)
		(void)snprintf(out, n, "%s/%s", dir, p);
	return out;
}

/* "0600", "640": octal permission bits, nothing else. */
static int
parse_mode(unsigned int *mode, const char *s)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '7' || strlen(s) > 4)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (*end != '\0' || errno != 0 || v > 0777)
		return -1;
	*mode = (unsigned int)v;
	return 0;
}

static int
bad(const char *file, size_t i, const char *what)
{
	return ksm__err(KSM_ECONFIG, "%s: templates[%zu]: %s", file, i, what);
}

/* One string member: 0 (maybe absent), or the error. */
static int
string_of(const char **out, const cJSON *m, const char *file, size_t i)
{
	if (!cJSON_IsString(m) || m->valuestring[0] == '\0') {
		(void)ksm__err(KSM_ECONFIG, "%s: templates[%zu]: '%s' must be "
		    "a non-empty string", file, i, m->string);
		return KSM_ECONFIG;
	}
	*out = m->valuestring;
	return 0;
}

/* Each member known, once, of the right type. */
static int
entry_members(struct tpl *e, const cJSON *obj, const char *file, size_t i,
    const char *dir)
{
	const char *v[N_KEYS] = { NULL, NULL, NULL, NULL, NULL };
	const cJSON *m, *seen[N_KEYS] = { NULL, NULL, NULL, NULL, NULL };
	size_t k;
	int r;

	if (!cJSON_IsObject(obj))
		return bad(file, i, "each template must be an object");
	cJSON_ArrayForEach(m, obj) {
		for (k = 0; k < N_KEYS && strcmp(m->string,
		    known_keys[k]) != 0; k++)
			;
		if (k == N_KEYS) {
			(void)ksm__err(KSM_ECONFIG, "%s: templates[%zu]: "
			    "unknown key '%.64s'", file, i, m->string);
			ksm__err_hint("the keys are source, destination, mode, "
			    "bare and command");
			return KSM_ECONFIG;
		}
		if (seen[k] != NULL) {
			(void)ksm__err(KSM_ECONFIG, "%s: templates[%zu]: '%s' "
			    "given twice", file, i, m->string);
			return KSM_ECONFIG;
		}
		seen[k] = m;
		if (k == 3) {		/* bare */
			if (!cJSON_IsBool(m))
				return bad(file, i, "'bare' must be true or "
				    "false");
			e->flags = cJSON_IsTrue(m) ? KSM_TEMPLATE_BARE : 0;
		} else if ((r = string_of(&v[k], m, file, i)) != 0)
			return r;
	}
	if (v[0] == NULL || v[1] == NULL) {
		(void)ksm__err(KSM_ECONFIG, "%s: templates[%zu]: no '%s'", file,
		    i, v[0] == NULL ? "source" : "destination");
		ksm__err_hint("every template needs a source and a "
		    "destination");
		return KSM_ECONFIG;
	}
	e->mode = 0600;
	if (v[2] != NULL && parse_mode(&e->mode, v[2]) != 0) {
		(void)ksm__err(KSM_ECONFIG, "%s: templates[%zu]: bad mode "
		    "'%.16s'", file, i, v[2]);
		ksm__err_hint("give octal permission bits as a string, "
		    "e.g. \"0600\" or \"0640\"");
		return KSM_ECONFIG;
	}
	if ((e->source = absolute(dir, v[0])) == NULL ||
	    (e->dest = absolute(dir, v[1])) == NULL ||
	    (v[4] != NULL && (e->command = ksmx_strdup(v[4])) == NULL))
		return ksm__err(KSM_ENOMEM, "out of memory");
	return 0;
}

/* The destination: not the source, not twice, in a directory. */
static int
check_dest(const struct templates *t, size_t i, const char *file)
{
	const struct tpl *e = &t->v[i];
	struct stat sd, ss, st;
	char *dir, *slash;
	size_t k;
	int same, r = 0;

	same = strcmp(e->source, e->dest) == 0 || (stat(e->dest, &sd) == 0 &&
	    stat(e->source, &ss) == 0 && sd.st_dev == ss.st_dev &&
	    sd.st_ino == ss.st_ino);
	if (same)
		return bad(file, i, "the destination is the source itself");
	for (k = 0; k < i; k++)
		if (strcmp(t->v[k].dest, e->dest) == 0) {
			(void)ksm__err(KSM_ECONFIG, "%s: templates[%zu]: "
			    "destination '%s' is also templates[%zu]'s", file,
			    i, e->dest, k);
			return KSM_ECONFIG;
		}
	if (stat(e->dest, &st) == 0 && S_ISDIR(st.st_mode)) {
		(void)ksm__err(KSM_ECONFIG, "%s: templates[%zu]: destination "
		    "'%s' is a directory", file, i, e->dest);
		return KSM_ECONFIG;
	}
	if ((dir = ksmx_strdup(e->dest)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	slash[slash == dir ? 1 : 0] = '\0';
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		r = ksm__err(KSM_EIO, "%s: templates[%zu]: the destination's "
		    "directory '%s' does not exist", file, i, dir);
	free(dir);
	return r;
}

/* Read and parse the source now: its mistakes stop the start. */
static int
check_source(const struct tpl *e, const char *file, size_t i)
{
	struct ksmx_buf text = KSMX_BUF_INIT(KSM_MAX_TEMPLATE);
	struct ksm_template_problems p = { NULL, 0 };
	struct ksm_template *tp = NULL;
	char why[KSM_ERROR_MSG_MAX];
	int r;

	if ((r = tpl_read_file(&text, e->source, "template")) != 0) {
		(void)snprintf(why, sizeof(why), "%s",
		    ksm_error_last()->message);
		(void)ksm__err(r, "%s: templates[%zu]: %s", file, i, why);
		goto out;
	}
	if ((r = ksm_template__parse(&tp, &p, text.d, text.len,
	    e->flags)) != 0) {
		if (p.n > 0)
			(void)ksm__err(r, "template '%s': line %zu: '%s': %s%s",
			    e->source, p.v[0].line, p.v[0].ref,
			    p.v[0].message, p.n > 1 ? " (and more)" : "");
	}
 out:
	ksm_template__free(tp);
	ksm_template__problems_clear(&p);
	ksmx_buf_clear(&text);
	return r;
}

static int
parse_config(struct templates *t, const struct ksmx_buf *text,
    const char *file, const char *dir)
{
	cJSON *root = NULL;
	const cJSON *m, *list = NULL, *obj;
	size_t i, n;
	int r = 0;

	if ((root = ksmx_json_parse(text->d, text->len)) == NULL ||
	    !cJSON_IsObject(root)) {
		r = ksm__err(KSM_ECONFIG, "%s: not a JSON object", file);
		ksm__err_hint("write { \"templates\": [ { \"source\": ..., "
		    "\"destination\": ... } ] }");
		goto out;
	}
	cJSON_ArrayForEach(m, root) {
		if (strcmp(m->string, "templates") != 0 || list != NULL) {
			r = ksm__err(KSM_ECONFIG, "%s: unknown key '%.64s'",
			    file, m->string);
			ksm__err_hint("the file holds one key, \"templates\"");
			goto out;
		}
		list = m;
	}
	if (list == NULL || !cJSON_IsArray(list)) {
		r = ksm__err(KSM_ECONFIG, "%s: no \"templates\" list", file);
		goto out;
	}
	if ((n = (size_t)cJSON_GetArraySize(list)) > TPL_MAX_ENTRIES) {
		r = ksm__err(KSM_ECONFIG, "%s: more than %u templates", file,
		    TPL_MAX_ENTRIES);
		goto out;
	}
	if ((t->v = calloc(n + 1, sizeof(*t->v))) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	i = 0;
	cJSON_ArrayForEach(obj, list) {
		t->v[i].pid = 0;
		t->v[i].out_fd = -1;
		t->n = i + 1;
		if ((r = entry_members(&t->v[i], obj, file, i, dir)) != 0 ||
		    (r = check_dest(t, i, file)) != 0 ||
		    (r = check_source(&t->v[i], file, i)) != 0)
			goto out;
		i++;
	}
 out:
	ksmx_json_free(root);
	return r;
}

int
templates_load(struct templates **out, const char *path, int optional)
{
	struct ksmx_buf text = KSMX_BUF_INIT(TPL_MAX_CONFIG);
	struct templates *t = NULL;
	struct stat st;
	char *dir = NULL;
	int r;

	*out = NULL;
	if (optional && stat(path, &st) != 0 && errno == ENOENT)
		return 0;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (dir = dir_of(path)) == NULL) {
		r = ksm__err(KSM_ENOMEM, "out of memory");
		goto out;
	}
	t->epfd = -1;
	if ((r = tpl_read_file(&text, path, "templates configuration")) != 0 ||
	    (r = parse_config(t, &text, path, dir)) != 0)
		goto out;
	*out = t;
	t = NULL;		/* transferred */
 out:
	templates_free(t);
	ksmx_buf_clear(&text);
	free(dir);
	return r;
}
