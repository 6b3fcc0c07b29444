/*
 * Profiles (core/config-profile.c): where each profile lives, which one
 * is in force ("profile:NAME", $KSM_PROFILE, the active profile), where
 * they sit in the source order, names that are refused, and the keyring
 * marker.  Files only: the keyring itself is keyring.sh's.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm-int.h"
#include "ksm-config.h"
#include "ksm-test.h"

static char tmpdir[256];

/* path under the test's directory */
#define tpath(rel)	ksm_test_path(tmpdir, (rel))
#define contains	ksm_test_contains

/* A config {"hostname": host} at path (0600, directories 0700). */
static int
put_config(const char *path, const char *host)
{
	char text[256];

	snprintf(text, sizeof(text), "{\"hostname\": \"%s\"}\n", host);
	return ksm_config__write_file(path, text, strlen(text));
}

/* hostname of what ksm_config__load(path) finds, or "ERR" */
static const char *
host_of(const char *path)
{
	static char host[64];
	struct ksm_config *cfg = NULL;

	if (ksm_config__load(&cfg, path, NULL) != 0)
		return "ERR";
	snprintf(host, sizeof(host), "%s",
	    ksm_config__get(cfg, KSM_CFG_HOSTNAME) != NULL ?
	    ksm_config__get(cfg, KSM_CFG_HOSTNAME) : "(none)");
	ksm_config__free(cfg);
	return host;
}

static int
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void
reset_env(void)
{
	unsetenv("KSM_CONFIG");
	unsetenv("KSM_CONFIG_FILE");
	unsetenv("KSM_CONFIG_KEYRING");
	unsetenv("KSM_PROFILE");
	setenv("XDG_CONFIG_HOME", tpath("xdg"), 1);
}

static void
test_paths(void)
{
	char *p = NULL;
	int present = -1;

	reset_env();
	T_OK(ksm_config__default_path(&p) == 0 &&
	    strcmp(p, tpath("xdg/keeper/ksm-config.json")) == 0,
	    "path::no profile: the default file");
	free(p);
	T_OK(ksm_profile__path(&p, "default", &present) == 0 &&
	    strcmp(p, tpath("xdg/keeper/ksm-config.json")) == 0 &&
	    present == 0, "path::profile default is the default file");
	free(p);
	T_OK(ksm_profile__path(&p, "ci", &present) == 0 &&
	    strcmp(p, tpath("xdg/keeper/profiles/ci.json")) == 0 &&
	    present == 0, "path::profile ci: profiles/ci.json, not there yet");
	free(p);
	setenv("KSM_PROFILE", "ci", 1);
	T_OK(ksm_config__default_path(&p) == 0 &&
	    strcmp(p, tpath("xdg/keeper/profiles/ci.json")) == 0,
	    "path::KSM_PROFILE=ci moves the default path");
	free(p);
	T_OK(ksm_config__resolve(&p, "profile:default") == 0 &&
	    strcmp(p, tpath("xdg/keeper/ksm-config.json")) == 0,
	    "path::profile:default resolves to the default file");
	free(p);
	T_OK(ksm_config__resolve(&p, "/some/file.json") == 0 &&
	    strcmp(p, "/some/file.json") == 0,
	    "path::other paths resolve to themselves");
	free(p);
	reset_env();
}

static void
test_names(void)
{
	static const char *const bad[] = { "", "-x", "../x", "a/b", "a.json",
	    "a b", "x\n",
	    ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "A") /* 65 */ };
	struct ksm_config *cfg = NULL;
	char *p = NULL;
	size_t i;

	T_OK(ksm_profile__name_ok("ci") && ksm_profile__name_ok("a-B_9") &&
	    ksm_profile__name_ok("x-") && ksm_profile__name_ok(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
	    "name::letters, digits, '_' and '-', up to 64");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_FAILS(ksm_profile__path(&p, bad[i], NULL), KSM_EINVAL,
		    "name::bad name %zu refused", i);
		T_OK(p == NULL && contains(ksm_error_last()->hint,
		    "letters, digits"), "name::bad name %zu: hint says what is "
		    "allowed", i);
	}
	T_FAILS(ksm_config__load(&cfg, "profile:../../etc/x", NULL),
	    KSM_EINVAL, "name::profile:../../etc/x refused");
	setenv("KSM_PROFILE", "../x", 1);
	T_FAILS(ksm_config__load(&cfg, NULL, NULL), KSM_EINVAL,
	    "name::KSM_PROFILE=../x refused");
	T_OK(contains(ksm_error_last()->message, "KSM_PROFILE '../x'"),
	    "name::the message names KSM_PROFILE");
	reset_env();
}

static void
test_sources(void)
{
	struct ksm_config *cfg = NULL;
	char want[700];

	reset_env();
	T_OK(put_config(tpath("xdg/keeper/ksm-config.json"), "default") == 0,
	    "source::default file written");
	T_OK(ksm_config__new(&cfg, "profile:ci") == 0 &&
	    strcmp(ksm_config__path(cfg), tpath("xdg/keeper/profiles/ci.json"))
	    == 0, "source::new(profile:ci) targets profiles/ci.json");
	T_OK(ksm_config__set(cfg, KSM_CFG_HOSTNAME, "ci") == 0 &&
	    ksm_config__save(cfg) == 0, "source::profile ci saved");
	ksm_config__free(cfg);
	T_OK(mode_of(tpath("xdg/keeper/profiles/ci.json")) == 0600 &&
	    mode_of(tpath("xdg/keeper/profiles")) == 0700,
	    "source::profile file 0600 in a 0700 directory");

	T_STREQ(host_of(NULL), "default", "source::no profile: default file");
	T_STREQ(host_of("profile:ci"), "ci", "source::profile:ci");
	setenv("KSM_PROFILE", "ci", 1);
	T_STREQ(host_of(NULL), "ci", "source::KSM_PROFILE=ci");
	T_STREQ(host_of("profile:default"), "default",
	    "source::profile:default beats KSM_PROFILE");

	/* what is named more explicitly wins over KSM_PROFILE */
	T_OK(put_config(tpath("other.json"), "file") == 0, "source::other");
	setenv("KSM_CONFIG_FILE", tpath("other.json"), 1);
	T_STREQ(host_of(NULL), "file", "source::KSM_CONFIG_FILE beats "
	    "KSM_PROFILE");
	setenv("KSM_CONFIG", "{\"hostname\": \"env\"}", 1);
	T_STREQ(host_of(NULL), "env", "source::KSM_CONFIG beats KSM_PROFILE");
	T_STREQ(host_of(tpath("other.json")), "file",
	    "source::an explicit path beats KSM_PROFILE");
	unsetenv("KSM_CONFIG");
	setenv("KSM_CONFIG_FILE", "profile:ci", 1);
	setenv("KSM_PROFILE", "default", 1);
	T_STREQ(host_of(NULL), "ci", "source::KSM_CONFIG_FILE=profile:ci");
	reset_env();

	/* a missing named profile: its own message, no fallback */
	setenv("KSM_PROFILE", "nope", 1);
	T_FAILS(ksm_config__load(&cfg, NULL, NULL), KSM_ECONFIG,
	    "source::missing profile (KSM_PROFILE)");
	snprintf(want, sizeof(want), "there is no Keeper profile 'nope' "
	    "(named by KSM_PROFILE; no file '%s')",
	    tpath("xdg/keeper/profiles/nope.json"));
	T_STREQ(ksm_error_last()->message, want,
	    "source::the message names the profile and its file");
	T_OK(contains(ksm_error_last()->hint, "keeper-secret profile init "
	    "nope"), "source::the hint says how to create it");
	reset_env();
	T_FAILS(ksm_config__load(&cfg, "profile:nope", NULL), KSM_ECONFIG,
	    "source::missing profile (profile:nope)");
	T_OK(ksm_config__load_existing(&cfg, "profile:nope") == 0 &&
	    cfg == NULL, "source::load_existing(profile:nope): none there");
	T_OK(ksm_config__load_existing(&cfg, "profile:ci") == 0 &&
	    cfg != NULL, "source::load_existing(profile:ci) finds it");
	ksm_config__free(cfg);
	cfg = NULL;
}

static void
test_active(void)
{
	const char *active = tpath("xdg/keeper/active-profile");
	struct ksm_config *cfg = NULL;
	char name[KSM_PROFILE_NAME_MAX + 1];
	int from = -1;

	reset_env();
	T_OK(ksm_profile__active(name) == 0 && strcmp(name, "default") == 0,
	    "active::none chosen: default");
	T_OK(ksm_profile__set_active("ci") == 0 && mode_of(active) == 0600,
	    "active::use ci writes active-profile 0600");
	T_OK(ksm_profile__current(name, &from) == 0 &&
	    strcmp(name, "ci") == 0 && from == KSM_PROFILE_FROM_ACTIVE,
	    "active::ci is in force");
	T_STREQ(host_of(NULL), "ci", "active::load without a path: ci");
	setenv("KSM_PROFILE", "default", 1);
	T_OK(ksm_profile__current(name, &from) == 0 &&
	    strcmp(name, "default") == 0 && from == KSM_PROFILE_FROM_ENV,
	    "active::KSM_PROFILE beats the active profile");
	T_STREQ(host_of(NULL), "default", "active::KSM_PROFILE=default");
	reset_env();

	T_OK(chmod(active, 0644) == 0, "active::chmod 644");
	T_FAILS(ksm_profile__active(name), KSM_EPERM,
	    "active::a file others may read is refused");
	T_OK(ksm_config__write_file(active, "../etc\n", 7) == 0,
	    "active::garbage written");
	T_FAILS(ksm_config__load(&cfg, NULL, NULL), KSM_ECONFIG,
	    "active::garbage is an error, not the default");
	T_OK(contains(ksm_error_last()->hint, "profile use"),
	    "active::hint: profile use");
	T_OK(ksm_profile__set_active("gone") == 0, "active::use gone");
	T_FAILS(ksm_config__load(&cfg, NULL, NULL), KSM_ECONFIG,
	    "active::an active profile that is gone is an error");
	T_OK(contains(ksm_error_last()->message, "the active profile;") &&
	    contains(ksm_error_last()->hint, "profile use NAME"),
	    "active::message and hint say it is the active one");
	T_OK(ksm_profile__set_active("default") == 0 &&
	    access(active, F_OK) == -1 && errno == ENOENT,
	    "active::use default removes the file");
	T_STREQ(host_of(NULL), "default", "active::back to the default file");
	T_OK(ksm_profile__set_active("default") == 0,
	    "active::use default twice is fine");
	T_FAILS(ksm_profile__set_active("a/b"), KSM_EINVAL,
	    "active::a bad name is refused");
}

static void
test_keyring_marker(void)
{
	const char *mark = tpath("xdg/keeper/profiles/kr.keyring");
	char *p = NULL;
	int present = 0;

	reset_env();
	T_OK(ksm_profile__set_keyring("kr", 1) == 0 && mode_of(mark) == 0600,
	    "keyring::marker created 0600");
	T_OK(ksm_profile__path(&p, "kr", &present) == 0 &&
	    strcmp(p, "keyring:kr") == 0 && present == 1,
	    "keyring::profile kr is keyring:kr");
	free(p);
	T_OK(ksm_profile__set_keyring("kr", 1) == 0, "keyring::idempotent");
	T_FAILS(ksm_profile__set_keyring("ci", 1), KSM_EEXIST,
	    "keyring::refused when the profile is a file");
	T_FAILS(ksm_profile__set_keyring("default", 1), KSM_EINVAL,
	    "keyring::not for the default file");
	T_OK(put_config(tpath("xdg/keeper/profiles/kr.json"), "x") == 0,
	    "keyring::a file beside the marker");
	T_FAILS(ksm_profile__path(&p, "kr", NULL), KSM_ECONFIG,
	    "keyring::both a file and a marker: refused");
	T_OK(unlink(tpath("xdg/keeper/profiles/kr.json")) == 0 &&
	    ksm_profile__set_keyring("kr", 0) == 0 &&
	    access(mark, F_OK) == -1, "keyring::marker removed");
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/ksm-test-profile.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_paths();
	test_names();
	test_sources();
	test_active();
	test_keyring_marker();
	if (ksm_test_rmtree(tmpdir) != 0)
		ksm_test_diag("could not remove %s", tmpdir);
	return ksm_test_done();
}
