/*
 * pam_keeper's configuration file (default /etc/keeper/pam.json):
 *
 *	{ "ksm_config": "/etc/keeper/ksm-config.json",
 *	  "users": { "alice": { "password": "keeper://UID/field/password",
 *				"ksm_config": "/etc/keeper/other.json",
 *				"check_account": true,
 *				"env": { "DB_PASSWORD": "keeper://UID/field/password" } } },
 *	  "login_folders": [ { "folder": "UID or name", "users": ["ops-*"] } ] }
 *
 * A user listed under "users" is mapped by that entry; else the first
 * login_folders entry whose "users" glob matches maps it to the record in
 * that folder whose login field equals the user name.  Anyone else is
 * not managed, and the module sends nothing to Keeper for them.
 *
 * It decides who gets a password from Keeper, so it and every directory
 * above it must be root's alone (pam_ssh_agent_auth#17: a user-writable
 * key file turned sudo into NOPASSWD).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "util/wipe.h"
#include "pam-config.h"

int
pk_why_set(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (n > 0) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
st_trusted(const struct stat *st, uid_t owner, const char *path, char *why,
    size_t n)
{
	if (S_ISLNK(st->st_mode))
		return pk_why_set(why, n, "'%s' is a symbolic link", path);
	if (st->st_uid != owner) {
		return pk_why_set(why, n, "'%s' is not owned by uid %lu", path,
		    (unsigned long)owner);
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return pk_why_set(why, n,
		    "'%s' is writable by group or other", path);
	return 0;
}

/* path and every directory above it: trusted; path's own stat in *st. */
static int
chain_trusted(const char *path, uid_t owner, struct stat *stp, char *why,
    size_t n)
{
	char buf[4096];
	struct stat st;
	size_t len, i;

	if (path == NULL || path[0] != '/')
		return pk_why_set(why, n, "'%s' is not an absolute path",
		    path != NULL ? path : "(null)");
	len = strlen(path);
	if (len >= sizeof(buf))
		return pk_why_set(why, n, "path too long");
	/* "/", then every prefix that ends before a '/', then the path */
	for (i = 0; i <= len; i++) {
		if (i > 0 && i < len && path[i] != '/')
			continue;
		if (i > 1 && path[i - 1] == '/')
			continue;		/* "//" or a trailing '/' */
		memcpy(buf, path, i == 0 ? 1 : i);
		buf[i == 0 ? 1 : i] = '\0';
		if (lstat(buf, &st) != 0)
			return pk_why_set(why, n, "cannot stat '%s': %s", buf,
			    strerror(errno));
		if (st_trusted(&st, owner, buf, why, n) != 0)
			return -1;
		if (i < len && !S_ISDIR(st.st_mode))
			return pk_why_set(why, n, "'%s' is not a directory",
			    buf);
	}
	*stp = st;
	return 0;
}

int
pk_path_trusted(const char *path, uid_t owner, char *why, size_t n)
{
	struct stat st;

	if (chain_trusted(path, owner, &st, why, n) != 0)
		return -1;
	if (!S_ISREG(st.st_mode))
		return pk_why_set(why, n, "'%s' is not a regular file", path);
	return 0;
}

int
pk_dir_trusted(const char *path, uid_t owner, char *why, size_t n)
{
	struct stat st;

	if (chain_trusted(path, owner, &st, why, n) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return pk_why_set(why, n, "'%s' is not a directory", path);
	if ((st.st_mode & 077) != 0)
		return pk_why_set(why, n, "'%s' is open to group or other "
		    "(want mode 0700)", path);
	return 0;
}

static int
check_str(const cJSON *obj, const char *key, char *why, size_t n,
    const char *user)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v != NULL && !cJSON_IsString(v))
		return pk_why_set(why, n, "user '%s': \"%s\" must be a string",
		    user, key);
	return 0;
}

static int
check_user(const cJSON *u, char *why, size_t n)
{
	const cJSON *v, *e;
	const char *name = u->string;

	if (!cJSON_IsObject(u))
		return pk_why_set(why, n, "user '%s': entry must be an object",
		    name);
	if (check_str(u, "password", why, n, name) != 0 ||
	    check_str(u, "folder", why, n, name) != 0 ||
	    check_str(u, "ksm_config", why, n, name) != 0)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(u, "ksm_config");
	if (v != NULL && v->valuestring[0] != '/')
		return pk_why_set(why, n, "user '%s': ksm_config must be an "
		    "absolute path", name);
	v = cJSON_GetObjectItemCaseSensitive(u, "check_account");
	if (v != NULL && !cJSON_IsBool(v))
		return pk_why_set(why, n, "user '%s': check_account must be "
		    "true or false", name);
	v = cJSON_GetObjectItemCaseSensitive(u, "keyring_timeout");
	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
	    v->valuedouble > 86400 || v->valuedouble != (double)v->valueint))
		return pk_why_set(why, n, "user '%s': keyring_timeout must be "
		    "1 to 86400 seconds", name);
	v = cJSON_GetObjectItemCaseSensitive(u, "keyring");
	if (v != NULL && !cJSON_IsObject(v))
		return pk_why_set(why, n,
		    "user '%s': keyring must be an object", name);
	cJSON_ArrayForEach(e, v) {
		if (!pk_key_name_ok(e->string))
			return pk_why_set(why, n, "user '%s': key name '%s' is "
			    "not allowed", name, e->string);
		if (!cJSON_IsString(e))
			return pk_why_set(why, n, "user '%s': key '%s' must be "
			    "a notation string", name, e->string);
	}
	v = cJSON_GetObjectItemCaseSensitive(u, "env");
	if (v == NULL)
		return 0;
	if (!cJSON_IsObject(v))
		return pk_why_set(why, n, "user '%s': env must be an object",
		    name);
	cJSON_ArrayForEach(e, v) {
		if (!pk_env_name_ok(e->string))
			return pk_why_set(why, n, "user '%s': env name '%s' is "
			    "not allowed", name, e->string);
		if (!cJSON_IsString(e))
			return pk_why_set(why, n, "user '%s': env '%s' must be "
			    "a notation string", name, e->string);
	}
	return 0;
}

/* One login_folders entry: { "folder", "users": [globs], options }. */
static int
check_folder_map(const cJSON *f, size_t i, int have_ksm, char *why, size_t n)
{
	const cJSON *v, *g;

	if (!cJSON_IsObject(f))
		return pk_why_set(why, n,
		    "login_folders[%zu] must be an object", i);
	v = cJSON_GetObjectItemCaseSensitive(f, "folder");
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return pk_why_set(why, n, "login_folders[%zu]: \"folder\" must "
		    "be a folder UID or name", i);
	v = cJSON_GetObjectItemCaseSensitive(f, "users");
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return pk_why_set(why, n, "login_folders[%zu]: \"users\" must "
		    "be a non-empty array of user name patterns", i);
	cJSON_ArrayForEach(g, v)
		if (!cJSON_IsString(g) || g->valuestring[0] == '\0')
			return pk_why_set(why, n, "login_folders[%zu]: every "
			    "user pattern must be a non-empty string", i);
	v = cJSON_GetObjectItemCaseSensitive(f, "ksm_config");
	if (v != NULL && (!cJSON_IsString(v) || v->valuestring[0] != '/'))
		return pk_why_set(why, n, "login_folders[%zu]: ksm_config must "
		    "be an absolute path", i);
	if (v == NULL && !have_ksm)
		return pk_why_set(why, n, "login_folders[%zu]: no ksm_config "
		    "(neither its own nor a top-level one)", i);
	v = cJSON_GetObjectItemCaseSensitive(f, "check_account");
	if (v != NULL && !cJSON_IsBool(v))
		return pk_why_set(why, n, "login_folders[%zu]: check_account "
		    "must be true or false", i);
	return 0;
}

/* "offline_cache": { "dir": "/abs", "ttl": seconds } (opt-in). */
static int
check_cache(const cJSON *c, char *why, size_t n)
{
	const cJSON *v;

	if (c == NULL)
		return 0;
	if (!cJSON_IsObject(c))
		return pk_why_set(why, n,
		    "\"offline_cache\" must be an object");
	v = cJSON_GetObjectItemCaseSensitive(c, "dir");
	if (!cJSON_IsString(v) || v->valuestring[0] != '/')
		return pk_why_set(why, n, "offline_cache: \"dir\" must be an "
		    "absolute path");
	v = cJSON_GetObjectItemCaseSensitive(c, "ttl");
	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
	    v->valuedouble > PK_CACHE_TTL_MAX_S ||
	    v->valuedouble != (double)v->valueint))
		return pk_why_set(why, n, "offline_cache: \"ttl\" must be 1 to "
		    "%u seconds", PK_CACHE_TTL_MAX_S);
	return 0;
}

int
pk_config_parse(cJSON **out, const char *text, size_t len, char *why,
    size_t n)
{
	cJSON *cfg;
	const cJSON *users, *u, *k, *folders;
	size_t i = 0;

	*out = NULL;
	if ((cfg = ksmx_json_parse(text, len)) == NULL)
		return pk_why_set(why, n, "not valid JSON");
	if (!cJSON_IsObject(cfg)) {
		pk_why_set(why, n, "the top level must be an object");
		goto fail;
	}
	k = cJSON_GetObjectItemCaseSensitive(cfg, "ksm_config");
	if (k != NULL && (!cJSON_IsString(k) || k->valuestring[0] != '/')) {
		pk_why_set(why, n, "\"ksm_config\" must be an absolute path");
		goto fail;
	}
	users = cJSON_GetObjectItemCaseSensitive(cfg, "users");
	if (!cJSON_IsObject(users)) {
		pk_why_set(why, n, "\"users\" must be an object");
		goto fail;
	}
	cJSON_ArrayForEach(u, users) {
		if (check_user(u, why, n) != 0)
			goto fail;
		if (k == NULL && cJSON_GetObjectItemCaseSensitive(u,
		    "ksm_config") == NULL) {
			pk_why_set(why, n, "user '%s': no ksm_config (neither "
			    "its own nor a top-level one)", u->string);
			goto fail;
		}
	}
	if (check_cache(cJSON_GetObjectItemCaseSensitive(cfg,
	    "offline_cache"), why, n) != 0)
		goto fail;
	folders = cJSON_GetObjectItemCaseSensitive(cfg, "login_folders");
	if (folders != NULL && !cJSON_IsArray(folders)) {
		pk_why_set(why, n, "\"login_folders\" must be an array");
		goto fail;
	}
	cJSON_ArrayForEach(u, folders)
		if (check_folder_map(u, i++, k != NULL, why, n) != 0)
			goto fail;
	*out = cfg;
	return 0;
 fail:
	ksmx_json_free(cfg);
	return -1;
}

int
pk_config_load(cJSON **out, const char *path, uid_t owner, char *why,
    size_t n)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t r;
	int fd = -1, rc = -1;

	*out = NULL;
	if (pk_path_trusted(path, owner, why, n) != 0)
		return -1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		pk_why_set(why, n, "cannot open '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	/* the file we opened is the one we checked */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st_trusted(&st, owner, path, why, n) != 0) {
		pk_why_set(why, n, "'%s' changed while being checked", path);
		goto out;
	}
	if ((text = malloc(PK_CONFIG_MAX + 1)) == NULL) {
		pk_why_set(why, n, "out of memory");
		goto out;
	}
	while ((r = read(fd, text + len, PK_CONFIG_MAX + 1 - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			pk_why_set(why, n, "cannot read '%s': %s", path,
			    strerror(errno));
			goto out;
		}
		len += (size_t)r;
		if (len > PK_CONFIG_MAX) {
			pk_why_set(why, n, "'%s' is larger than 64 KiB", path);
			goto out;
		}
	}
	rc = pk_config_parse(out, text, len, why, n);
 out:
	if (text != NULL)
		ksmx_freezero(text, PK_CONFIG_MAX + 1);
	if (fd >= 0)
		close(fd);
	return rc;
}

void
pk_config_free(cJSON *cfg)
{
	ksmx_json_free(cfg);
}

const cJSON *
pk_config_user(const cJSON *cfg, const char *user)
{
	const cJSON *users = cJSON_GetObjectItemCaseSensitive(cfg, "users");

	const cJSON *e, *f, *g;

	if (user == NULL || *user == '\0')
		return NULL;
	if ((e = cJSON_GetObjectItemCaseSensitive(users, user)) != NULL)
		return e;
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(cfg,
	    "login_folders"))
		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(f,
		    "users"))
			if (fnmatch(g->valuestring, user, 0) == 0)
				return f;
	return NULL;
}

const char *
pk_config_folder(const cJSON *entry)
{
	return ksmx_json_str(entry, "folder");
}

const char *
pk_config_ksm(const cJSON *cfg, const cJSON *entry)
{
	const char *p = ksmx_json_str(entry, "ksm_config");

	return p != NULL ? p : ksmx_json_str(cfg, "ksm_config");
}

const char *
pk_config_password(const cJSON *entry)
{
	return ksmx_json_str(entry, "password");
}

int
pk_config_check_account(const cJSON *entry)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry,
	    "check_account"));
}

const cJSON *
pk_config_env(const cJSON *entry)
{
	return cJSON_GetObjectItemCaseSensitive(entry, "env");
}

const cJSON *
pk_config_keyring(const cJSON *entry)
{
	return cJSON_GetObjectItemCaseSensitive(entry, "keyring");
}

unsigned
pk_config_keyring_ttl(const cJSON *entry)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry,
	    "keyring_timeout");

	return cJSON_IsNumber(v) ? (unsigned)v->valueint : 3600;
}

int
pk_key_name_ok(const char *name)
{
	const char *p;

	if (name == NULL || name[0] == '\0' || strlen(name) > 64)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.'))
			return 0;
	return 1;
}

int
pk_env_name_ok(const char *name)
{
	static const char *const deny[] = {
		"PATH", "HOME", "SHELL", "USER", "LOGNAME", "IFS", "ENV",
		"BASH_ENV", "MAIL", "TERM", "TZ", "PS4", NULL
	};
	const char *p;
	size_t i;

	if (name == NULL || name[0] == '\0' ||
	    (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	if (strncmp(name, "LD_", 3) == 0)
		return 0;
	for (i = 0; deny[i] != NULL; i++)
		if (strcmp(name, deny[i]) == 0)
			return 0;
	return 1;
}

int
pk_config_cache(const cJSON *cfg, const char **dir, unsigned *ttl_s)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(cfg,
	    "offline_cache");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "ttl");

	*dir = ksmx_json_str(c, "dir");
	*ttl_s = cJSON_IsNumber(t) ? (unsigned)t->valueint : 86400;
	return *dir != NULL;
}
