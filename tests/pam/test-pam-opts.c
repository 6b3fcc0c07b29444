/* plugins/pam: module arguments and the config file rules (no PAM). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ksm-test.h"
#include "pam-cache.h"
#include "pam-config.h"
#include "pam-opts.h"

static void
test_opts(void)
{
	struct pk_opts o;

	pk_opts_init(&o);
	T_OK(o.failmode == PK_FAILMODE_SECURE && o.timeout_s == 5 &&
	    strcmp(o.config, "/etc/keeper/pam.json") == 0 &&
	    o.only_if == NULL && !o.debug, "defaults: secure, 5 s, pam.json");
	T_OK(pk_opts_parse_one(&o, "debug") == 0 && o.debug, "debug");
	T_OK(pk_opts_parse_one(&o, "use_first_pass") == 0 &&
	    o.use_first_pass, "use_first_pass");
	T_OK(pk_opts_parse_one(&o, "try_first_pass") == 0 &&
	    o.try_first_pass, "try_first_pass");
	T_OK(pk_opts_parse_one(&o, "failmode=safe") == 0 &&
	    o.failmode == PK_FAILMODE_SAFE, "failmode=safe");
	T_OK(pk_opts_parse_one(&o, "failmode=secure") == 0 &&
	    o.failmode == PK_FAILMODE_SECURE, "failmode=secure");
	T_OK(pk_opts_parse_one(&o, "failmode=open") == -1 &&
	    o.failmode == PK_FAILMODE_SECURE, "failmode=open refused");
	T_OK(pk_opts_parse_one(&o, "timeout=12") == 0 && o.timeout_s == 12,
	    "timeout=12");
	T_OK(pk_opts_parse_one(&o, "timeout=0") == -1 && o.timeout_s == 12,
	    "timeout=0 refused, value kept");
	T_OK(pk_opts_parse_one(&o, "timeout=61") == -1, "timeout=61 refused");
	T_OK(pk_opts_parse_one(&o, "timeout=5s") == -1, "timeout=5s refused");
	T_OK(pk_opts_parse_one(&o, "timeout=") == -1, "timeout= refused");
	T_OK(pk_opts_parse_one(&o, "timeout=99999999999999999999") == -1,
	    "huge timeout refused");
	T_OK(pk_opts_parse_one(&o, "config=/etc/x.json") == 0 &&
	    strcmp(o.config, "/etc/x.json") == 0, "config=/abs");
	T_OK(pk_opts_parse_one(&o, "config=rel.json") == -1 &&
	    strcmp(o.config, "/etc/x.json") == 0, "relative config= refused");
	T_OK(o.profile == NULL && pk_opts_parse_one(&o, "profile=ci") == 0 &&
	    strcmp(o.profile, "ci") == 0, "profile=ci");
	T_OK(pk_opts_parse_one(&o, "profile=../x") == -1 &&
	    pk_opts_parse_one(&o, "profile=") == -1 &&
	    strcmp(o.profile, "ci") == 0, "profile=../x and profile= refused");
	T_OK(pk_opts_parse_one(&o, "nonsense") == -1, "unknown option");
	T_OK(pk_opts_parse_one(&o, "debugx") == -1, "no prefix match");
	T_OK(pk_opts_parse_one(&o, "only_if=") == -1, "empty only_if");
	T_OK(pk_opts_parse_one(&o, "only_if=a,,b") == -1, "only_if empty item");
	T_OK(pk_opts_parse_one(&o, "only_if=sshd,") == -1, "only_if trailing ,");

	T_OK(pk_opts_service_selected(&o, "login"), "no only_if: every service");
	T_OK(pk_opts_parse_one(&o, "only_if=sshd,sudo") == 0, "only_if=sshd,sudo");
	T_OK(pk_opts_service_selected(&o, "sshd"), "sshd selected");
	T_OK(pk_opts_service_selected(&o, "sudo"), "sudo selected");
	T_OK(!pk_opts_service_selected(&o, "su"), "su not selected");
	T_OK(!pk_opts_service_selected(&o, "sudo-i"), "sudo-i not selected");
	T_OK(!pk_opts_service_selected(&o, "ssh"), "ssh (prefix) not selected");
	T_OK(!pk_opts_service_selected(&o, NULL), "no service: not selected");
}

static int
parses(const char *text)
{
	cJSON *c = NULL;
	char why[256];
	int r = pk_config_parse(&c, text, strlen(text), why, sizeof(why));

	if (r != 0)
		printf("# refused: %s\n", why);
	pk_config_free(c);
	return r == 0;
}

/* A value for each placeholder pam_keeper(8) uses in OPTIONS. */
static const char *
sample(const char *placeholder)
{
	static const char *const map[][2] = {
		{ "path", "/etc/keeper/pam.json" }, { "NAME", "ci" },
		{ "seconds", "5" }, { "service,...", "sshd,sudo" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], placeholder) == 0)
			return map[i][1];
	return NULL;
}

/* One option as a stack line would give it: accepted? */
static void
man_option(const char *arg, int *n)
{
	struct pk_opts o;

	pk_opts_init(&o);
	T_OK(pk_opts_parse_one(&o, arg) == 0,
	    "man::pam_keeper(8) option '%s' is accepted", arg);
	(*n)++;
}

/*
 * Every option pam_keeper(8) documents (the tags of its OPTIONS section:
 * ".B debug", ".BI config= path", ".BR failmode=secure | safe") is one
 * the module accepts.
 */
static void
test_man_options(void)
{
	const char *top = getenv("top_srcdir"), *eq;
	char path[1024], line[512], arg[600], *ws[8], *save = NULL;
	int in_opts = 0, tag = 0, n = 0, k, i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/plugins/pam/pam_keeper.8",
	    top != NULL ? top : ".");
	if ((f = fopen(path, "r")) == NULL) {
		T_OK(0, "man::%s opens", path);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".SH", 3) == 0)
			in_opts = strcmp(line, ".SH OPTIONS") == 0;
		if (!in_opts || (strcmp(line, ".TP") == 0 && (tag = 1)) ||
		    !tag)
			continue;
		tag = 0;
		/* the words after the macro: ".BI config= path" */
		(void)strtok_r(line, " ", &save);
		for (k = 0; k < 8 && (ws[k] = strtok_r(NULL, " ", &save)) !=
		    NULL; k++)
			;
		if (k == 0)
			continue;
		if (ws[0][strlen(ws[0]) - 1] == '=') {
			T_OK(k > 1 && sample(ws[1]) != NULL, "man::a value "
			    "for '%s %s'", ws[0], k > 1 ? ws[1] : "");
			snprintf(arg, sizeof(arg), "%s%s", ws[0],
			    k > 1 && sample(ws[1]) != NULL ? sample(ws[1]) : "");
			man_option(arg, &n);
			continue;
		}
		man_option(ws[0], &n);
		/* "failmode=secure | safe": each alternative */
		for (i = 1; (eq = strchr(ws[0], '=')) != NULL && i < k; i++) {
			if (strcmp(ws[i], "|") == 0)
				continue;
			snprintf(arg, sizeof(arg), "%.*s%s",
			    (int)(eq + 1 - ws[0]), ws[0], ws[i]);
			man_option(arg, &n);
		}
	}
	fclose(f);
	T_OK(n >= 8, "man::%d documented options checked", n);
}

static void
test_config(void)
{
	const char *good = "{\"ksm_config\":\"/etc/keeper/k.json\","
	    "\"users\":{\"alice\":{\"password\":\"keeper://U/field/password\","
	    "\"check_account\":true,\"env\":{\"DB_PW\":\"U/field/password\"}},"
	    "\"bob\":{\"password\":\"B/field/password\","
	    "\"ksm_config\":\"/etc/keeper/b.json\"}}}";
	const cJSON *e;
	cJSON *c = NULL;
	char why[256];

	T_OK(pk_config_parse(&c, good, strlen(good), why, sizeof(why)) == 0,
	    "a full config parses");
	e = pk_config_user(c, "alice");
	T_OK(e != NULL, "alice is managed");
	T_STREQ(pk_config_password(e), "keeper://U/field/password",
	    "alice's notation");
	T_STREQ(pk_config_ksm(c, e), "/etc/keeper/k.json", "top-level ksm");
	T_OK(pk_config_check_account(e), "check_account");
	T_OK(pk_config_keyring(e) == NULL && pk_config_keyring_ttl(e) == 3600,
	    "no keyring, default ttl 3600");
	T_OK(pk_config_env(e) != NULL, "env object");
	e = pk_config_user(c, "bob");
	T_STREQ(pk_config_ksm(c, e), "/etc/keeper/b.json", "own ksm_config");
	T_OK(!pk_config_check_account(e), "check_account off by default");
	T_OK(pk_config_user(c, "carol") == NULL, "carol is not managed");
	T_OK(pk_config_user(c, "") == NULL, "empty user is not managed");
	T_OK(pk_config_user(c, "ALICE") == NULL, "user names are exact");
	pk_config_free(c);

	T_OK(!parses("[]"), "array refused");
	T_OK(!parses("{\"users\":{}} x"), "trailing garbage refused");
	T_OK(!parses("{\"ksm_config\":\"/k\"}"), "no users refused");
	T_OK(!parses("{\"ksm_config\":\"k\",\"users\":{}}"),
	    "relative ksm_config refused");
	T_OK(!parses("{\"users\":{\"a\":{\"password\":\"x\"}}}"),
	    "user without any ksm_config refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{\"a\":"
	    "{\"password\":1}}}"), "numeric password notation refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{\"a\":"
	    "{\"env\":{\"LD_PRELOAD\":\"x\"}}}}"), "env LD_PRELOAD refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{\"a\":"
	    "{\"env\":{\"PATH\":\"x\"}}}}"), "env PATH refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{\"a\":"
	    "{\"check_account\":\"yes\"}}}"), "check_account string refused");
	T_OK(parses("{\"ksm_config\":\"/k\",\"users\":{}}"), "no users ok");
	T_OK(parses("{\"ksm_config\":\"/k\",\"users\":{\"a\":"
	    "{\"keyring\":{\"db.pw-1\":\"x\"},\"keyring_timeout\":60}}}"),
	    "keyring with a timeout");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{\"a\":"
	    "{\"keyring\":{\"a:b\":\"x\"}}}}"), "key name with ':' refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{\"a\":"
	    "{\"keyring\":[]}}}"), "keyring array refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{\"a\":"
	    "{\"keyring_timeout\":0}}}"), "keyring_timeout 0 refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{\"a\":"
	    "{\"keyring_timeout\":1.5}}}"), "fractional keyring_timeout refused");

	T_OK(pk_env_name_ok("DB_PASSWORD"), "env DB_PASSWORD ok");
	T_OK(pk_env_name_ok("_x1"), "env _x1 ok");
	T_OK(!pk_env_name_ok("1X"), "env 1X refused");
	T_OK(!pk_env_name_ok("A=B"), "env A=B refused");
	T_OK(!pk_env_name_ok(""), "empty env name refused");
}

static void
test_trusted(void)
{
	char dir[] = "/tmp/test-pam-opts.XXXXXX", path[512], why[512];
	FILE *f;

	T_OK(pk_path_trusted("/etc/passwd", 0, why, sizeof(why)) == 0,
	    "/etc/passwd is root's alone");
	T_OK(pk_path_trusted("/etc", 0, why, sizeof(why)) != 0,
	    "a directory is not a config file");
	T_OK(pk_path_trusted("etc/passwd", 0, why, sizeof(why)) != 0,
	    "relative path refused");
	T_OK(pk_path_trusted("/etc/passwd", 12345, why, sizeof(why)) != 0 &&
	    strstr(why, "'/' is not owned by uid 12345") != NULL,
	    "wrong owner named in the reason (%s)", why);
	T_OK(pk_path_trusted("/etc/nonexistent-pam-keeper", 0, why,
	    sizeof(why)) != 0, "missing file refused");
	if (mkdtemp(dir) == NULL) {
		T_OK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/pam.json", dir);
	if ((f = fopen(path, "w")) != NULL)
		fclose(f);
	chmod(path, 0666);
	T_OK(pk_path_trusted(path, geteuid(), why, sizeof(why)) != 0 &&
	    strstr(why, "writable by group or other") != NULL,
	    "world-writable file or parent refused (%s)", why);
	unlink(path);
	rmdir(dir);
}

static void
test_folders(void)
{
	const char *good = "{\"ksm_config\":\"/k\","
	    "\"users\":{\"ops-root\":{\"password\":\"R/field/password\"},"
	    "\"solo\":{\"folder\":\"Solo folder\"}},"
	    "\"login_folders\":[{\"folder\":\"FolderUid000000000001\","
	    "\"users\":[\"ops-*\",\"deploy\"],\"check_account\":true},"
	    "{\"folder\":\"other logins\",\"users\":[\"*\"],"
	    "\"ksm_config\":\"/o\"}],"
	    "\"offline_cache\":{\"dir\":\"/var/cache/keeper-pam\","
	    "\"ttl\":3600}}";
	const cJSON *e;
	const char *dir = NULL;
	unsigned ttl = 0;
	cJSON *c = NULL;
	char why[256];

	T_OK(pk_config_parse(&c, good, strlen(good), why, sizeof(why)) == 0,
	    "login_folders and offline_cache parse");
	e = pk_config_user(c, "ops-root");
	T_STREQ(pk_config_password(e), "R/field/password",
	    "a users entry wins over a matching glob");
	T_OK(pk_config_folder(e) == NULL, "... and has no folder");
	e = pk_config_user(c, "ops-web");
	T_STREQ(pk_config_folder(e), "FolderUid000000000001",
	    "ops-web matched by the glob ops-*");
	T_OK(pk_config_password(e) == NULL && pk_config_check_account(e),
	    "folder entry: no notation, its own check_account");
	T_STREQ(pk_config_ksm(c, e), "/k", "folder entry: top-level ksm");
	e = pk_config_user(c, "deploy");
	T_STREQ(pk_config_folder(e), "FolderUid000000000001",
	    "an exact name in a folder's users");
	e = pk_config_user(c, "anyone");
	T_STREQ(pk_config_folder(e), "other logins", "the catch-all glob");
	T_STREQ(pk_config_ksm(c, e), "/o", "folder entry: own ksm_config");
	T_STREQ(pk_config_folder(pk_config_user(c, "solo")), "Solo folder",
	    "a users entry may name a folder");
	T_OK(pk_config_cache(c, &dir, &ttl) && strcmp(dir,
	    "/var/cache/keeper-pam") == 0 && ttl == 3600, "offline cache");
	pk_config_free(c);

	T_OK(parses("{\"ksm_config\":\"/k\",\"users\":{}}"), "no folders");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{},"
	    "\"login_folders\":{}}"), "login_folders object refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{},"
	    "\"login_folders\":[{\"users\":[\"a\"]}]}"),
	    "login_folders entry without folder refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{},"
	    "\"login_folders\":[{\"folder\":\"F\",\"users\":[]}]}"),
	    "login_folders entry with no users refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{},"
	    "\"login_folders\":[{\"folder\":\"F\",\"users\":[1]}]}"),
	    "numeric user pattern refused");
	T_OK(!parses("{\"users\":{},\"login_folders\":[{\"folder\":\"F\","
	    "\"users\":[\"a\"]}]}"), "folder entry without ksm_config refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{\"a\":"
	    "{\"folder\":true}}}"), "non-string user folder refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{},"
	    "\"offline_cache\":{\"dir\":\"rel\"}}"),
	    "relative cache dir refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{},"
	    "\"offline_cache\":{\"dir\":\"/c\",\"ttl\":0}}"),
	    "cache ttl 0 refused");
	T_OK(!parses("{\"ksm_config\":\"/k\",\"users\":{},"
	    "\"offline_cache\":{\"dir\":\"/c\",\"ttl\":99999999}}"),
	    "cache ttl above 30 days refused");
	T_OK(parses("{\"ksm_config\":\"/k\",\"users\":{},"
	    "\"offline_cache\":{\"dir\":\"/c\"}}"), "cache ttl optional");
	c = NULL;
	good = "{\"ksm_config\":\"/k\",\"users\":{}}";
	T_OK(pk_config_parse(&c, good, strlen(good), why, sizeof(why)) == 0 &&
	    !pk_config_cache(c, &dir, &ttl), "no offline_cache: off");
	pk_config_free(c);
}

/* A file's whole text (small files only). */
static int
read_text(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t got;

	if (f == NULL)
		return -1;
	got = fread(buf, 1, n - 1, f);
	buf[got] = '\0';
	fclose(f);
	return 0;
}

static void
test_cache(void)
{
	char dir[] = "/run/test-pam-cache.XXXXXX", why[512] = "", path[600];
	char text[512], *sp;
	const char *pw = "Pw with spaces \"and\" \xc3\xa9";
	const time_t now = 1700000000;
	struct stat st;
	FILE *f;
	int n_files = 0;

	/* the module trusts a root-owned chain only; /run is root's */
	if (geteuid() != 0 || mkdtemp(dir) == NULL) {
		T_OK(1, "offline cache # SKIP needs root (a root-owned "
		    "directory chain); CI runs as root");
		return;
	}
	T_OK(pk_dir_trusted(dir, 0, why, sizeof(why)) == 0,
	    "a fresh 0700 directory in /run is trusted (%s)", why);
	T_OK(pk_cache_check(dir, 0, "alice", pw, 3600, now, why,
	    sizeof(why)) == PK_CACHE_NONE, "no entry: none (%s)", why);
	T_OK(pk_cache_store(dir, 0, "alice", pw, strlen(pw), 3600,
	    PK_CACHE_LOG2N_MIN, now, why, sizeof(why)) == 0,
	    "store alice's entry");
	T_OK(pk_cache_check(dir, 0, "alice", pw, 3600, now + 10, why,
	    sizeof(why)) == PK_CACHE_MATCH, "the right password matches");
	T_OK(pk_cache_fresh(dir, 0, "alice", 3600, now + 10), "fresh");
	T_OK(pk_cache_check(dir, 0, "alice", "Pw with spaces", 3600, now,
	    why, sizeof(why)) == PK_CACHE_MISMATCH, "a prefix does not");
	T_OK(pk_cache_check(dir, 0, "bob", pw, 3600, now, why,
	    sizeof(why)) == PK_CACHE_NONE, "another user has no entry");
	T_OK(pk_cache_check(dir, 0, "alice", pw, 3600, now + 3600, why,
	    sizeof(why)) == PK_CACHE_NONE && strstr(why, "expired") != NULL,
	    "at the expiry: none (%s)", why);
	T_OK(!pk_cache_fresh(dir, 0, "alice", 3600, now + 3600),
	    "expired: not fresh");
	T_OK(pk_cache_check(dir, 0, "alice", pw, 60, now, why,
	    sizeof(why)) == PK_CACHE_NONE, "a lowered ttl ignores the entry");

	/* the file: one line, no password, 0600 */
	{
		DIR *d = opendir(dir);
		struct dirent *de;

		while (d != NULL && (de = readdir(d)) != NULL)
			if (de->d_name[0] != '.') {
				n_files++;
				snprintf(path, sizeof(path), "%s/%s", dir,
				    de->d_name);
			}
		if (d != NULL)
			closedir(d);
	}
	T_OK(n_files == 1 && strstr(path, "alice") == NULL,
	    "one file, not named after the user");
	T_OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    st.st_uid == 0, "the entry is root's, mode 0600");
	T_OK(read_text(path, text, sizeof(text)) == 0 &&
	    strstr(text, "Pw with") == NULL &&
	    strncmp(text, "pkc1 1700003600 10 ", 19) == 0,
	    "the entry holds the expiry and the cost, not the password");

	/* a tampered hash no longer matches; a garbled file is no entry */
	if ((sp = strrchr(text, ' ')) != NULL)
		sp[1] = sp[1] == '0' ? '1' : '0';
	if ((f = fopen(path, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
	T_OK(pk_cache_check(dir, 0, "alice", pw, 3600, now, why,
	    sizeof(why)) == PK_CACHE_MISMATCH, "a tampered hash: mismatch");
	if ((f = fopen(path, "w")) != NULL) {
		fputs("pkc1 x\n", f);
		fclose(f);
	}
	T_OK(pk_cache_check(dir, 0, "alice", pw, 3600, now, why,
	    sizeof(why)) == PK_CACHE_NONE, "a garbled entry: none (%s)", why);

	T_OK(pk_cache_store(dir, 0, "alice", pw, strlen(pw), 3600,
	    PK_CACHE_LOG2N_MIN, now, why, sizeof(why)) == 0, "store again");
	chmod(path, 0644);
	T_OK(pk_cache_check(dir, 0, "alice", pw, 3600, now, why,
	    sizeof(why)) == PK_CACHE_NONE, "an entry others can read: "
	    "none (%s)", why);
	chmod(path, 0600);
	chmod(dir, 0750);
	T_OK(pk_cache_check(dir, 0, "alice", pw, 3600, now, why,
	    sizeof(why)) == PK_CACHE_NONE && strstr(why, "0700") != NULL,
	    "a directory open to the group: none (%s)", why);
	T_OK(pk_cache_store(dir, 0, "alice", pw, strlen(pw), 3600,
	    PK_CACHE_LOG2N_MIN, now, why, sizeof(why)) != 0,
	    "... and nothing is stored there");
	chmod(dir, 0700);
	T_OK(pk_cache_store(dir, 0, "alice", pw, strlen(pw), 0,
	    PK_CACHE_LOG2N_MIN, now, why, sizeof(why)) != 0, "ttl 0 refused");
	T_OK(pk_cache_forget(dir, 0, "alice") == 0 &&
	    pk_cache_check(dir, 0, "alice", pw, 3600, now, why,
	    sizeof(why)) == PK_CACHE_NONE, "forget removes the entry");
	T_OK(pk_cache_forget(dir, 0, "alice") == 0, "forget twice is fine");
	rmdir(dir);
}

int
main(void)
{
	test_opts();
	test_man_options();
	test_config();
	test_trusted();
	test_folders();
	test_cache();
	return ksm_test_done();
}
