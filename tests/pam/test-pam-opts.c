/* plugins/pam: module arguments and the config file rules (no PAM). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ksm-test.h"
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

int
main(void)
{
	test_opts();
	test_config();
	test_trusted();
	return ksm_test_done();
}
