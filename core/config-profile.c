#include "config.h"

/*
 * Profiles: named configurations beside the default one, so one machine
 * can hold several Keeper applications (a personal one, a CI one).  Only
 * where things are; config.c loads them like any other source.
 *
 *   $XDG_CONFIG_HOME/keeper/ksm-config.json         profile "default"
 *   $XDG_CONFIG_HOME/keeper/profiles/NAME.json      profile NAME, 0600
 *   $XDG_CONFIG_HOME/keeper/profiles/NAME.keyring   NAME is kept in the
 *                                                   desktop keyring
 *   $XDG_CONFIG_HOME/keeper/active-profile          `profile use NAME`
 *
 * The profile in force: a "profile:NAME" path names one; else
 * $KSM_PROFILE, else the active profile, else "default".  Nothing here
 * talks to the keyring: a marker file says a profile lives there, so a
 * missing profile never costs a D-Bus round trip.
 */

#include <sys/types.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm-int.h"
#include "ksm-config.h"

#define CONFIG_SUBDIR	"/keeper"
#define DEFAULT_FILE	"/ksm-config.json"
#define PROFILES_DIR	"/profiles/"
#define ACTIVE_FILE	"/active-profile"
#define PROFILE_PREFIX	"profile:"

const char *
ksm_config__env(const char *name)
{
	const char *v;

	/* never from the environment in a setuid/setgid process (PAM) */
#ifdef __GLIBC__
	v = secure_getenv(name);
#else
	v = getuid() == geteuid() && getgid() == getegid() ? getenv(name) :
	    NULL;
#endif
	return v != NULL && *v != '\0' ? v : NULL;
}

int
ksm_profile__name_ok(const char *name)
{
	size_t n;

	if (name == NULL || name[0] == '-' || name[0] == '\0')
		return 0;
	n = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_-");
	return n <= KSM_PROFILE_NAME_MAX && name[n] == '\0';
}

static int
bad_name(const char *name, const char *source)
{
	ksm__err(KSM_EINVAL, "%s '%.*s' is not a profile name", source,
	    KSM_PROFILE_NAME_MAX + 8, name);
	ksm__err_hint("a profile name is 1 to %d letters, digits, '_' or "
	    "'-', not starting with '-'", KSM_PROFILE_NAME_MAX);
	return KSM_EINVAL;
}

const char *
ksm_config__profile_name(const char *path)
{
	if (path == NULL || strncmp(path, PROFILE_PREFIX,
	    sizeof(PROFILE_PREFIX) - 1) != 0)
		return NULL;
	return path + sizeof(PROFILE_PREFIX) - 1;
}

/* dir + suffix + name + ext into a new string. */
static int
join(char **out, const char *dir, const char *suffix, const char *name,
    const char *ext)
{
	size_t n = strlen(dir) + strlen(suffix) + strlen(name) +
	    strlen(ext) + 1;

	if ((*out = malloc(n)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	(void)snprintf(*out, n, "%s%s%s%s", dir, suffix, name, ext);
	return 0;
}

int
ksm_config__dir(char **out)
{
	struct passwd pw, *pwp = NULL;
	const char *base, *suffix = "";
	char pwbuf[4096];

	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	/* XDG: a relative XDG_CONFIG_HOME is invalid and ignored */
	if ((base = ksm_config__env("XDG_CONFIG_HOME")) == NULL ||
	    base[0] != '/') {
		suffix = "/.config";
		if ((base = ksm_config__env("HOME")) == NULL ||
		    base[0] != '/') {
			if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf),
			    &pwp) != 0 || pwp == NULL || pw.pw_dir == NULL ||
			    pw.pw_dir[0] != '/') {
				ksm__err(KSM_ECONFIG, "cannot find the "
				    "configuration directory: HOME is not set");
				ksm__err_hint("set XDG_CONFIG_HOME or HOME, or "
				    "give a configuration file");
				return KSM_ECONFIG;
			}
			base = pw.pw_dir;
		}
	}
	return join(out, base, suffix, CONFIG_SUBDIR, "");
}

/* A file of the config directory: DIR + rel + name + ext. */
static int
dir_file(char **out, const char *rel, const char *name, const char *ext)
{
	char *dir = NULL;
	int r;

	*out = NULL;
	if ((r = ksm_config__dir(&dir)) != 0)
		return r;
	r = join(out, dir, rel, name, ext);
	free(dir);
	return r;
}

static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int
ksm_profile__path(char **out, const char *name, int *present)
{
	char *json = NULL, *mark = NULL;
	int r, in_file, in_keyring;

	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	if (present != NULL)
		*present = 0;
	if (!ksm_profile__name_ok(name))
		return bad_name(name != NULL ? name : "", "profile");
	if (strcmp(name, KSM_PROFILE_DEFAULT) == 0) {
		if ((r = dir_file(out, DEFAULT_FILE, "", "")) == 0 &&
		    present != NULL)
			*present = exists(*out);
		return r;
	}
	if ((r = dir_file(&json, PROFILES_DIR, name, ".json")) != 0 ||
	    (r = dir_file(&mark, PROFILES_DIR, name, ".keyring")) != 0)
		goto out;
	in_file = exists(json);
	in_keyring = exists(mark);
	if (in_file && in_keyring) {
		r = ksm__err(KSM_ECONFIG, "profile '%s' is both a file ('%s') "
		    "and a keyring entry ('%s')", name, json, mark);
		ksm__err_hint("remove the one that is not wanted");
		goto out;
	}
	if (in_keyring)
		r = join(out, "keyring:", name, "", "");
	else {
		*out = json;
		json = NULL;		/* transferred */
	}
	if (r == 0 && present != NULL)
		*present = in_file || in_keyring;
 out:
	free(json);
	free(mark);
	return r;
}

int
ksm_profile__active(char name[KSM_PROFILE_NAME_MAX + 1])
{
	struct ksmx_buf data = KSMX_BUF_INIT(256);
	char *path = NULL;
	size_t b, e;
	int r;

	KSM_ASSERT_ARG(name != NULL);
	(void)snprintf(name, KSM_PROFILE_NAME_MAX + 1, "%s",
	    KSM_PROFILE_DEFAULT);
	if ((r = dir_file(&path, ACTIVE_FILE, "", "")) != 0)
		return r;
	if (!exists(path)) {
		r = 0;			/* none chosen */
		goto out;
	}
	/* the user's own file, 0600, like a config */
	if ((r = ksm_config__read_file(&data, path)) != 0)
		goto out;
	for (b = 0; b < data.len && strchr(" \t\r\n", data.d[b]) != NULL; b++)
		;
	for (e = data.len; e > b && strchr(" \t\r\n", data.d[e - 1]) != NULL;
	    e--)
		;
	if (e - b == 0 || e - b > KSM_PROFILE_NAME_MAX ||
	    memchr(data.d + b, '\0', e - b) != NULL) {
		r = ksm__err(KSM_ECONFIG, "'%s' does not hold a profile name",
		    path);
		ksm__err_hint("choose one with: keeper-secret profile use "
		    "NAME");
		goto out;
	}
	memcpy(name, data.d + b, e - b);
	name[e - b] = '\0';
	if (!ksm_profile__name_ok(name)) {
		(void)snprintf(name, KSM_PROFILE_NAME_MAX + 1, "%s",
		    KSM_PROFILE_DEFAULT);
		r = ksm__err(KSM_ECONFIG, "'%s' does not hold a profile name",
		    path);
		ksm__err_hint("choose one with: keeper-secret profile use "
		    "NAME");
	}
 out:
	ksmx_buf_clear(&data);
	free(path);
	return r;
}

int
ksm_profile__current(char name[KSM_PROFILE_NAME_MAX + 1], int *from)
{
	const char *v;

	KSM_ASSERT_ARG(name != NULL);
	if (from != NULL)
		*from = KSM_PROFILE_FROM_PATH;
	if ((v = ksm_config__env("KSM_PROFILE")) != NULL) {
		if (!ksm_profile__name_ok(v))
			return bad_name(v, "KSM_PROFILE");
		(void)snprintf(name, KSM_PROFILE_NAME_MAX + 1, "%s", v);
		if (from != NULL)
			*from = KSM_PROFILE_FROM_ENV;
		return 0;
	}
	if (from != NULL)
		*from = KSM_PROFILE_FROM_ACTIVE;
	return ksm_profile__active(name);
}

int
ksm_profile__set_active(const char *name)
{
	char *path = NULL;
	char line[KSM_PROFILE_NAME_MAX + 2];
	int r;

	if (!ksm_profile__name_ok(name))
		return bad_name(name != NULL ? name : "", "profile");
	if ((r = dir_file(&path, ACTIVE_FILE, "", "")) != 0)
		return r;
	if (strcmp(name, KSM_PROFILE_DEFAULT) == 0) {
		if (unlink(path) == -1 && errno != ENOENT)
			r = ksm__err_errno(KSM_EIO, "cannot remove '%s'", path);
	} else {
		(void)snprintf(line, sizeof(line), "%s\n", name);
		r = ksm_config__write_file(path, line, strlen(line));
	}
	free(path);
	return r;
}

int
ksm_profile__set_keyring(const char *name, int on)
{
	char *mark = NULL, *json = NULL;
	int r;

	if (!ksm_profile__name_ok(name))
		return bad_name(name != NULL ? name : "", "profile");
	if (strcmp(name, KSM_PROFILE_DEFAULT) == 0) {
		ksm__err(KSM_EINVAL, "profile 'default' is the default "
		    "configuration file; it cannot be kept in the keyring");
		ksm__err_hint("keep another profile in the keyring, or use "
		    "init --keyring (the keyring's own 'default' entry)");
		return KSM_EINVAL;
	}
	if ((r = dir_file(&mark, PROFILES_DIR, name, ".keyring")) != 0 ||
	    (r = dir_file(&json, PROFILES_DIR, name, ".json")) != 0)
		goto out;
	if (!on) {
		if (unlink(mark) == -1 && errno != ENOENT)
			r = ksm__err_errno(KSM_EIO, "cannot remove '%s'", mark);
		goto out;
	}
	if (exists(json)) {
		r = ksm__err(KSM_EEXIST, "profile '%s' already exists as the "
		    "file '%s'", name, json);
		ksm__err_hint("remove it first (keeper-secret profile rm %s), "
		    "or use another name", name);
		goto out;
	}
	if (!exists(mark))
		r = ksm_config__write_file(mark, "", 0);
 out:
	free(mark);
	free(json);
	return r;
}

int
ksm_config__profile_arg(char out[KSM_PROFILE_PATH_MAX], const char *name)
{
	KSM_ASSERT_ARG(out != NULL);
	out[0] = '\0';
	if (!ksm_profile__name_ok(name))
		return bad_name(name != NULL ? name : "", "profile");
	(void)snprintf(out, KSM_PROFILE_PATH_MAX, "%s%s", PROFILE_PREFIX, name);
	return 0;
}

int
ksm_config__resolve(char **out, const char *path)
{
	const char *name;

	KSM_ASSERT_ARG(out != NULL && path != NULL);
	*out = NULL;
	if ((name = ksm_config__profile_name(path)) != NULL)
		return ksm_profile__path(out, name, NULL);
	if ((*out = ksmx_strdup(path)) == NULL)
		return ksm__err(KSM_ENOMEM, "out of memory");
	return 0;
}

int
ksm_config__default_path(char **out)
{
	char name[KSM_PROFILE_NAME_MAX + 1];
	int r;

	KSM_ASSERT_ARG(out != NULL);
	*out = NULL;
	if ((r = ksm_profile__current(name, NULL)) != 0)
		return r;
	return ksm_profile__path(out, name, NULL);
}
