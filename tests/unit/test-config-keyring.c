#include "config.h"

/*
 * The keyring config source in libksm without a Secret Service: path
 * syntax, $KSM_CONFIG_KEYRING values, and what happens when the keyring
 * module cannot be loaded: an error of its own with KSM_CONFIG_KEYRING=1
 * (never the file), the file only with the user's explicit "fallback".
 * (The real Secret Service paths are in tests/integration/keyring.sh.)
 */

#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm-int.h"
#include "ksm-config.h"
#include "keyring-module.h"
#include "ksm-test.h"

static char dir[256];
static char file[300];

static void
write_config(void)
{
	static const char json[] =
	    "{\"hostname\": \"h.example\", \"clientId\": \"ZmlsZQ==\"}";
	FILE *f;

	snprintf(file, sizeof(file), "%s/ksm-config.json", dir);
	f = fopen(file, "w");
	if (f == NULL || fputs(json, f) < 0 || fclose(f) != 0 ||
	    chmod(file, 0600) != 0) {
		printf("Bail out! cannot write %s\n", file);
		exit(1);
	}
}

static const char *
tpath_default(void)
{
	static char p[400];

	snprintf(p, sizeof(p), "%s/.config/keeper/ksm-config.json", dir);
	return p;
}

static void
clear_env(void)
{
	unsetenv("KSM_CONFIG");
	unsetenv("KSM_CONFIG_FILE");
	unsetenv("KSM_CONFIG_KEYRING");
	unsetenv("KSM_KEYRING_PROFILE");
}

static void
test_profile_syntax(void)
{
	T_STREQ(ksm_config__keyring_profile("keyring:work"), "work",
	    "keyring:PROFILE names the profile");
	T_STREQ(ksm_config__keyring_profile("keyring:"), "default",
	    "keyring: alone is profile default");
	T_OK(ksm_config__keyring_profile("/tmp/keyring:x") == NULL,
	    "a path with keyring: inside is a file");
	T_OK(ksm_config__keyring_profile("./keyring:x") == NULL,
	    "./keyring:x is a file");
	T_OK(ksm_config__keyring_profile(NULL) == NULL, "NULL is no keyring");
}

static void
test_no_module(void)
{
	struct ksm_config *cfg = NULL;
	char *text = NULL;
	int r, kr = 0;

	clear_env();
	r = ksm_config__keyring_load(&text, "default", &kr);
	T_FAILS(r, KSM_EIO, "no module: KSM_EIO");
	T_OK(kr == KSM_KR_ENOMODULE, "no module: KSM_KR_ENOMODULE");
	T_OK(text == NULL, "no text");
	T_OK(strstr(ksm_error_last()->message, "no keyring support") != NULL,
	    "message says there is no keyring support: %s",
	    ksm_error_last()->message);
	T_OK(ksm_error_last()->hint[0] != '\0', "with a hint");

	T_FAILS(ksm_config__load(&cfg, "keyring:work", NULL), KSM_EIO,
	    "--config keyring:work without a module fails");
	T_OK(cfg == NULL, "nothing loaded");

	/* KSM_CONFIG_KEYRING=1 beats the file, and fails: no downgrade */
	setenv("KSM_CONFIG_FILE", file, 1);
	setenv("KSM_CONFIG_KEYRING", "1", 1);
	T_FAILS(ksm_config__load(&cfg, NULL, NULL), KSM_EIO,
	    "KSM_CONFIG_KEYRING=1 with a config file: still the keyring "
	    "error, never the file");
	T_OK(cfg == NULL, "the file was not used");

	/* the user's explicit choice: fallback to the 0600 file */
	setenv("KSM_CONFIG_KEYRING", "fallback", 1);
	r = ksm_config__load(&cfg, NULL, NULL);
	T_OK(r == 0 && cfg != NULL, "KSM_CONFIG_KEYRING=fallback: the file");
	T_STREQ(cfg != NULL ? ksm_config__get(cfg, KSM_CFG_CLIENT_ID) : NULL,
	    "ZmlsZQ==", "the file's config");
	T_OK(cfg != NULL && ksm_config__keyring(cfg) == NULL,
	    "a file config is not a keyring config");
	T_STREQ(cfg != NULL ? ksm_config__path(cfg) : NULL, file,
	    "saved back to the file");
	ksm_config__free(cfg);
	cfg = NULL;

	setenv("KSM_CONFIG_KEYRING", "0", 1);
	r = ksm_config__load(&cfg, NULL, NULL);
	T_OK(r == 0 && cfg != NULL, "KSM_CONFIG_KEYRING=0: the file");
	ksm_config__free(cfg);
	cfg = NULL;

	setenv("KSM_CONFIG_KEYRING", "maybe", 1);
	T_FAILS(ksm_config__load(&cfg, NULL, NULL), KSM_ECONFIG,
	    "KSM_CONFIG_KEYRING=maybe is an error");

	/* $KSM_CONFIG (in memory) still comes first */
	setenv("KSM_CONFIG_KEYRING", "1", 1);
	setenv("KSM_CONFIG", "{\"clientId\": \"bWVt\"}", 1);
	r = ksm_config__load(&cfg, NULL, NULL);
	T_OK(r == 0 && cfg != NULL, "KSM_CONFIG beats KSM_CONFIG_KEYRING");
	ksm_config__free(cfg);
	cfg = NULL;

	/* KSM_CONFIG_FILE=keyring:P is the keyring too */
	clear_env();
	setenv("KSM_CONFIG_FILE", "keyring:p", 1);
	T_FAILS(ksm_config__load(&cfg, NULL, NULL), KSM_EIO,
	    "KSM_CONFIG_FILE=keyring:p is the keyring");
	clear_env();
}

static void
test_new_and_existing(void)
{
	struct ksm_config *cfg = NULL;

	T_OK(ksm_config__new(&cfg, "keyring:bind") == 0 && cfg != NULL,
	    "a new config bound for the keyring");
	T_STREQ(cfg != NULL ? ksm_config__keyring(cfg) : NULL, "bind",
	    "it names its profile");
	T_OK(cfg != NULL && ksm_config__path(cfg) == NULL, "and no file");
	T_FAILS(cfg != NULL ? ksm_config__save(cfg) : 0, KSM_EIO,
	    "saving it without a module fails (no file written instead)");
	T_OK(access(tpath_default(), F_OK) != 0, "no default file appeared");
	ksm_config__free(cfg);
	cfg = NULL;

	/* binding into the keyring needs it reachable before the token */
	T_FAILS(ksm_config__load_existing(&cfg, "keyring:bind"), KSM_EIO,
	    "load_existing of a keyring path without a module fails");
	T_OK(ksm_config__load_existing(&cfg, "/nonexistent/x.json") == 0 &&
	    cfg == NULL, "load_existing of a missing file: none");
	T_OK(ksm_config__load_existing(&cfg, file) == 0 && cfg != NULL,
	    "load_existing of a file loads it");
	ksm_config__free(cfg);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "%s/ksm-kr.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	setenv("HOME", dir, 1);
	unsetenv("XDG_CONFIG_HOME");
	/* a module path that cannot load, whatever is installed */
	setenv("KSM_KEYRING_MODULE", "/nonexistent/ksm-keyring.so", 1);
	write_config();

	test_profile_syntax();
	test_no_module();
	test_new_and_existing();

	unlink(file);
	rmdir(dir);
	return ksm_test_done();
}
