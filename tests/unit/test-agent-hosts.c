#include "config.h"

/*
 * keeper-agent's known_hosts lookup (the session-bind host restriction):
 * plain, wildcard, negated, [host]:port, hashed (lines made by
 * ssh-keygen -H), @revoked and @cert-authority entries; and the reverse
 * lookup (a name for a host key) used in log lines and prompts.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm-test.h"
#include "util/b64.h"
#include "util/buf.h"
#include "agent-hosts.h"

#define KEY_A	"AAAAC3NzaC1lZDI1NTE5AAAAIJ56uQRZ98s41SD95k4J6PYmgDtT3exAirI9+Zs3pVeJ"
#define KEY_B	"AAAAC3NzaC1lZDI1NTE5AAAAIEoEGhxjNHiHmQRZaQDZL6owA86DpN+jkARWI98RrUe9"

static const char known[] =
	"# comment\n"
	"\n"
	"plain.example,10.0.0.1 ssh-ed25519 " KEY_A "\n"
	"*.wild.example ssh-ed25519 " KEY_A " a comment\n"
	"*.corp,!bad.corp ssh-ed25519 " KEY_A "\n"
	"[port.example]:2222 ssh-ed25519 " KEY_A "\n"
	/* ssh-keygen -H of git.example.com and [h.example]:2222 */
	"|1|b1a4COerVX+bOIbs2WQL52bL1M4=|eJueEi1THeaB6LwfsJNviRN6k0Q= ssh-ed25519 " KEY_A "\n"
	"|1|KHQnvr2kq0ZCmSsSHZVPGfKnT5o=|auEacQPUEQ6Cyh2TqQiivikbHvE= ssh-ed25519 " KEY_A "\n"
	"revoked.example ssh-ed25519 " KEY_A "\n"
	"@revoked revoked.example ssh-ed25519 " KEY_A "\n"
	"@cert-authority ca.example ssh-ed25519 " KEY_A "\n"
	"\tb.example   ssh-ed25519\t" KEY_B "\n";

int
main(void)
{
	struct ksmx_buf a = KSMX_BUF_INIT(1024), b = KSMX_BUF_INIT(1024);
	char path[] = "/tmp/test-agent-hosts.XXXXXX", name[64];
	FILE *f;
	int fd;

	T_OK(agent_hosts_glob("a*c", 3, "abbbc") && agent_hosts_glob("a*c", 3,
	    "ac") && !agent_hosts_glob("a*c", 3, "ab") &&
	    agent_hosts_glob("?.X", 3, "b.x") && !agent_hosts_glob("?", 1, "") &&
	    agent_hosts_glob("*", 1, "") && agent_hosts_glob("[h]:1", 5, "[h]:1"),
	    "glob: *, ?, case, brackets are literal");
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL ||
	    fputs(known, f) < 0 || fclose(f) != 0)
		return T_OK(0, "write %s", path), ksm_test_done();
	ksmx_b64_decode(&a, KEY_A, strlen(KEY_A));
	ksmx_b64_decode(&b, KEY_B, strlen(KEY_B));

	T_OK(agent_hosts_known(path, "plain.example", 22, a.d, a.len) &&
	    agent_hosts_known(path, "10.0.0.1", 0, a.d, a.len) &&
	    agent_hosts_known(path, "PLAIN.Example", 22, a.d, a.len),
	    "plain names, port 22 or none, any case");
	T_OK(!agent_hosts_known(path, "plain.example", 22, b.d, b.len),
	    "another host key: no");
	T_OK(!agent_hosts_known(path, "plain.example", 2222, a.d, a.len),
	    "another port: no");
	T_OK(agent_hosts_known(path, "x.wild.example", 22, a.d, a.len) &&
	    !agent_hosts_known(path, "wild.example", 22, a.d, a.len),
	    "wildcard");
	T_OK(agent_hosts_known(path, "good.corp", 22, a.d, a.len) &&
	    !agent_hosts_known(path, "bad.corp", 22, a.d, a.len),
	    "negated pattern wins");
	T_OK(agent_hosts_known(path, "port.example", 2222, a.d, a.len) &&
	    !agent_hosts_known(path, "port.example", 22, a.d, a.len),
	    "[host]:port");
	T_OK(agent_hosts_known(path, "git.example.com", 22, a.d, a.len) &&
	    agent_hosts_known(path, "h.example", 2222, a.d, a.len) &&
	    !agent_hosts_known(path, "h.example", 22, a.d, a.len) &&
	    !agent_hosts_known(path, "git.example.org", 22, a.d, a.len),
	    "hashed entries");
	T_OK(!agent_hosts_known(path, "revoked.example", 22, a.d, a.len),
	    "@revoked wins over a plain line");
	T_OK(!agent_hosts_known(path, "ca.example", 22, a.d, a.len),
	    "@cert-authority is not a host key");
	T_OK(agent_hosts_known(path, "b.example", 22, b.d, b.len),
	    "tabs and runs of blanks");
	T_OK(!agent_hosts_known(path, "", 22, a.d, a.len) &&
	    !agent_hosts_known(path, NULL, 22, a.d, a.len),
	    "no host name: no");
	T_OK(agent_hosts_name(path, a.d, a.len, name, sizeof(name)) &&
	    strcmp(name, "plain.example") == 0,
	    "name for a key: the first plain name listing it");
	T_OK(agent_hosts_name(path, b.d, b.len, name, sizeof(name)) &&
	    strcmp(name, "b.example") == 0, "name for the other key");
	T_OK(!agent_hosts_name(path, a.d, a.len - 1, name, sizeof(name)),
	    "name for an unknown key: none");
	T_OK(!agent_hosts_name(path, a.d, a.len, name, 5),
	    "a name that does not fit: none");
	unlink(path);
	T_OK(!agent_hosts_known(path, "plain.example", 22, a.d, a.len),
	    "missing file: no");
	ksmx_buf_clear(&a);
	ksmx_buf_clear(&b);
	return ksm_test_done();
}
