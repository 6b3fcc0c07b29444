#include "config.h"

/*
 * keeper-agent's access control (agent-policy.h): the record's host fields
 * and keeper-agent options, every rule against connections with hand-made
 * hops (the binding's signature is test-agent-proto's job), lifetimes,
 * confirmation through scripted SSH_ASKPASS programs (yes, nothing, no,
 * another answer, a hang past the timeout, a missing program, the prompt's
 * text), the audit log file and the peer of a socket.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "ksm-test.h"
#include "util/b64.h"
#include "agent-confirm.h"
#include "agent-log.h"
#include "agent-policy.h"
#include "agent-proto.h"

#define KEY_J	"AAAAC3NzaC1lZDI1NTE5AAAAIJ56uQRZ98s41SD95k4J6PYmgDtT3exAirI9+Zs3pVeJ"
#define KEY_T	"AAAAC3NzaC1lZDI1NTE5AAAAIEoEGhxjNHiHmQRZaQDZL6owA86DpN+jkARWI98RrUe9"
#define KEY_O	"AAAAC3NzaC1lZDI1NTE5AAAAIM4p3jzqQ0Vbm2mYAJaS8jXUhbu9Yk2ZcQ8JgDCTdEyv"

static char dir[] = "/tmp/test-agent-policy.XXXXXX";
static char known_path[256], log_path[256];
static const char *known[1];
static struct agent_policy_cfg cfg;
static struct ksmx_buf kj = KSMX_BUF_INIT(256), kt = KSMX_BUF_INIT(256),
    ko = KSMX_BUF_INIT(256);
static const uint8_t blob[] = { 0, 0, 0, 3, 'k', 'e', 'y' };

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 ||
	    chmod(path, mode) != 0)
		abort();
}

/* A policy from a record with these host fields and keeper-agent text. */
static int
load(struct agent_policy *p, const char *hosts, const char *opts)
{
	char json[1024];
	cJSON *j;
	int r;

	snprintf(json, sizeof(json), "{\"type\":\"sshKeys\",\"fields\":["
	    "{\"type\":\"host\",\"value\":[%s]}],\"custom\":[{\"type\":"
	    "\"text\",\"label\":\"Keeper-Agent\",\"value\":[\"%s\"]}]}",
	    hosts, opts);
	if ((j = cJSON_Parse(json)) == NULL)
		abort();
	r = agent_policy_load(p, j, "UID1", &cfg);
	cJSON_Delete(j);
	return r;
}

static void
hop(struct agent_conn *c, const struct ksmx_buf *hk, const char *sid,
    int fwd)
{
	struct agent_hop *h = &c->hops[c->n_hops++];

	memcpy(h->hostkey, hk->d, hk->len);
	h->hostkey_len = hk->len;
	memcpy(h->session_id, sid, strlen(sid));
	h->session_id_len = strlen(sid);
	h->forwarded = fwd;
}

/* A login request for session sid, naming host key hk (NULL: none). */
static struct agent_sign_req
login(const char *sid, const struct ksmx_buf *hk)
{
	struct agent_sign_req r;

	memset(&r, 0, sizeof(r));
	r.kind = AGENT_DATA_USERAUTH;
	r.session_id = (const uint8_t *)sid;
	r.session_id_len = strlen(sid);
	if (hk != NULL) {
		r.hostkey = hk->d;
		r.hostkey_len = hk->len;
	}
	snprintf(r.user, sizeof(r.user), "root");
	return r;
}

static int
allowed(const struct agent_policy *p, const struct agent_conn *c,
    const struct agent_sign_req *req)
{
	return agent_policy_allowed(p, &cfg, c, req, blob, sizeof(blob),
	    "title") == 0;
}

static void
test_load(void)
{
	struct agent_policy p;

	T_OK(load(&p, "{\"hostName\":\"target.test\",\"port\":\"22\"},"
	    "{\"hostName\":\"\"},{\"hostName\":\"b.test\",\"port\":\"2222\"}",
	    " confirm\\tno-local\\nforward=jump.test,[j6.test]:2200,j2:22 "
	    "lifetime=30 ") == 0, "load a record");
	T_OK(p.n_hosts == 2 && strcmp(p.hosts[0].name, "target.test") == 0 &&
	    p.hosts[1].port == 2222, "host fields (an empty one skipped)");
	T_OK(p.confirm && p.no_local, "confirm, no-local");
	T_OK(p.n_forward == 3 && strcmp(p.forward[0].name, "jump.test") == 0 &&
	    p.forward[0].port == 0 &&
	    strcmp(p.forward[1].name, "j6.test") == 0 &&
	    p.forward[1].port == 2200 && strcmp(p.forward[2].name, "j2") == 0 &&
	    p.forward[2].port == 22, "forward=: host, [host]:port, host:port");
	T_OK(p.expires_ms == cfg.epoch_ms + 30000, "lifetime=30");
	T_OK(strcmp(p.uid, "UID1") == 0, "the record UID, for the log");
	agent_policy_clear(&p);
	cfg.lifetime = 10;
	T_OK(load(&p, "", "lifetime=30") == 0 &&
	    p.expires_ms == cfg.epoch_ms + 10000, "--lifetime shorter: wins");
	agent_policy_clear(&p);
	cfg.lifetime = 0;
	cfg.confirm = 1;
	T_OK(load(&p, "", "") == 0 && p.confirm && p.expires_ms == 0 &&
	    p.n_hosts == 0, "--confirm: every key; no lifetime");
	agent_policy_clear(&p);
	cfg.confirm = 0;
	T_FAILS(load(&p, "", "confirm confrm"), KSM_EINVAL,
	    "a misspelt option refuses the key");
	T_OK(strstr(ksm_error_last()->message, "record UID1") != NULL &&
	    strstr(ksm_error_last()->message, "'confrm'") != NULL &&
	    p.uid == NULL, "the message names the record and the option");
	T_FAILS(load(&p, "", "forward=[j]"), KSM_EINVAL,
	    "[host] without a port");
	T_FAILS(load(&p, "", "forward=j:0"), KSM_EINVAL, "port 0");
	T_FAILS(load(&p, "", "forward=j:70000"), KSM_EINVAL, "port 70000");
	T_FAILS(load(&p, "", "forward=a,,b"), KSM_EINVAL, "an empty host");
	T_FAILS(load(&p, "", "forward="), KSM_EINVAL, "forward= alone");
	T_FAILS(load(&p, "", "lifetime=0"), KSM_EINVAL, "lifetime=0");
	T_FAILS(load(&p, "", "lifetime=1x"), KSM_EINVAL, "lifetime=1x");
	T_OK(load(&p, "", "forward=::1") == 0 && p.n_forward == 1 &&
	    strcmp(p.forward[0].name, "::1") == 0 && p.forward[0].port == 0,
	    "a bare IPv6 address");
	agent_policy_clear(&p);
}

static void
test_unrestricted(void)
{
	struct agent_policy p;
	struct agent_conn c = { 0 };
	struct agent_sign_req sshsig = { .kind = AGENT_DATA_SSHSIG };
	struct agent_sign_req lg = login("s1", NULL);

	load(&p, "", "");
	T_OK(allowed(&p, &c, NULL) && allowed(&p, &c, &lg) &&
	    allowed(&p, &c, &sshsig), "no hosts: unbound, anything");
	c.bind_failed = 1;
	hop(&c, &ko, "s0", 1);
	hop(&c, &ko, "s1", 0);
	T_OK(allowed(&p, &c, NULL) && allowed(&p, &c, &lg),
	    "no hosts: any hops, even after a refused bind (as ssh-agent)");
	agent_policy_clear(&p);
}

static void
test_hosts(void)
{
	struct agent_policy p;
	struct agent_conn c = { 0 };
	struct agent_sign_req sshsig = { .kind = AGENT_DATA_SSHSIG };
	struct agent_sign_req other = { .kind = AGENT_DATA_OTHER };
	struct agent_sign_req lg = login("s1", NULL), lgh = login("s1", &kt);
	struct agent_sign_req lgx = login("s2", NULL), lgk = login("s1", &kj);

	load(&p, "{\"hostName\":\"target.test\"}", "");
	T_OK(allowed(&p, &c, NULL), "unbound: listed");
	T_OK(allowed(&p, &c, &sshsig) && allowed(&p, &c, &other),
	    "unbound: ssh-keygen -Y sign and other data signed");
	T_OK(!allowed(&p, &c, &lg),
	    "unbound: a login signature refused (no verified host)");
	c.bind_failed = 1;
	T_OK(!allowed(&p, &c, NULL) && !allowed(&p, &c, &sshsig),
	    "unbound after a refused bind: nothing");
	memset(&c, 0, sizeof(c));
	hop(&c, &kt, "s1", 0);
	T_OK(allowed(&p, &c, NULL) && allowed(&p, &c, &lg) &&
	    allowed(&p, &c, &lgh), "bound to its host: listed, logs in");
	T_OK(!allowed(&p, &c, &lgx), "a login for another session: refused");
	T_OK(!allowed(&p, &c, &lgk),
	    "a login naming another host key: refused");
	T_OK(!allowed(&p, &c, &sshsig),
	    "bound for a login: no other signature");
	c.bind_failed = 1;
	T_OK(!allowed(&p, &c, NULL), "a later refused bind: hidden");
	memset(&c, 0, sizeof(c));
	hop(&c, &kj, "s1", 0);
	T_OK(!allowed(&p, &c, NULL) && !allowed(&p, &c, &lg),
	    "bound to another known host: hidden, refused");
	memset(&c, 0, sizeof(c));
	hop(&c, &ko, "s1", 0);
	T_OK(!allowed(&p, &c, NULL), "bound to an unknown host: hidden");
	memset(&c, 0, sizeof(c));
	hop(&c, &kj, "s0", 1);
	T_OK(!allowed(&p, &c, NULL), "forwarded, no forward=: hidden");
	hop(&c, &kt, "s1", 0);
	T_OK(!allowed(&p, &c, &lgh),
	    "forwarded then its host, no forward=: refused");
	agent_policy_clear(&p);
}

static void
test_forward(void)
{
	struct agent_policy p;
	struct agent_conn c = { 0 };
	struct agent_sign_req sshsig = { .kind = AGENT_DATA_SSHSIG };
	struct agent_sign_req lg = login("s1", NULL), lgh = login("s1", &kt);
	struct agent_sign_req lg0, lgo = login("s1", &ko);

	load(&p, "{\"hostName\":\"target.test\"}", "forward=jump.test");
	hop(&c, &kj, "s0", 1);
	T_OK(allowed(&p, &c, NULL) && allowed(&p, &c, &sshsig),
	    "forwarded to jump: listed, signs for a process there");
	lg0 = login("s0", NULL);
	T_OK(!allowed(&p, &c, &lg0),
	    "a login on the forwarding binding itself: refused");
	hop(&c, &kt, "s1", 0);
	T_OK(allowed(&p, &c, NULL) && allowed(&p, &c, &lgh),
	    "jump -> target: listed, logs in (hostbound)");
	T_OK(!allowed(&p, &c, &lg),
	    "jump -> target without the host key in the request: refused");
	memset(&c, 0, sizeof(c));
	hop(&c, &kj, "s0", 1);
	hop(&c, &kj, "s1", 0);
	T_OK(!allowed(&p, &c, NULL), "jump -> jump: not its host");
	memset(&c, 0, sizeof(c));
	hop(&c, &kt, "s0", 1);
	hop(&c, &kt, "s1", 0);
	T_OK(!allowed(&p, &c, NULL), "forwarded to target: not in forward=");
	memset(&c, 0, sizeof(c));
	hop(&c, &kj, "s0", 1);
	hop(&c, &ko, "s0b", 1);
	hop(&c, &kt, "s1", 0);
	T_OK(!allowed(&p, &c, &lgh), "jump -> unknown -> target: refused");
	memset(&c, 0, sizeof(c));
	hop(&c, &kj, "s0", 1);
	hop(&c, &kj, "s0b", 1);
	hop(&c, &kt, "s1", 0);
	T_OK(allowed(&p, &c, &lgh), "jump -> jump -> target: allowed");
	memset(&c, 0, sizeof(c));
	T_OK(!allowed(&p, &c, &lg), "unbound: still no login");
	agent_policy_clear(&p);

	/* forward= alone: forwarding only there, logins anywhere */
	load(&p, "", "forward=[alt.test]:2222");
	memset(&c, 0, sizeof(c));
	hop(&c, &kj, "s0", 1);
	T_OK(allowed(&p, &c, NULL),
	    "forward=[alt.test]:2222 matches known_hosts [alt.test]:2222");
	hop(&c, &ko, "s1", 0);
	T_OK(allowed(&p, &c, &lgo),
	    "no host fields: a login anywhere beyond it");
	memset(&c, 0, sizeof(c));
	hop(&c, &kt, "s0", 1);
	T_OK(!allowed(&p, &c, NULL), "forwarded elsewhere: hidden");
	agent_policy_clear(&p);
}

static void
test_no_local_lifetime(void)
{
	struct agent_policy p;
	struct agent_conn c = { 0 };
	struct agent_sign_req sshsig = { .kind = AGENT_DATA_SSHSIG };
	struct agent_sign_req lg = login("s1", NULL);

	load(&p, "", "no-local");
	T_OK(!allowed(&p, &c, NULL) && !allowed(&p, &c, &sshsig),
	    "no-local: unbound, neither listed nor signing");
	hop(&c, &ko, "s1", 0);
	T_OK(allowed(&p, &c, NULL) && allowed(&p, &c, &lg),
	    "no-local: any bound host (no host fields)");
	agent_policy_clear(&p);

	cfg.epoch_ms = agent_now_ms() - 5000;
	load(&p, "", "lifetime=4");
	T_OK(agent_policy_expired(&p, agent_now_ms()),
	    "lifetime counts from the epoch (start or SIGHUP)");
	T_OK(!allowed(&p, &c, NULL), "an expired key: hidden");
	agent_policy_clear(&p);
	load(&p, "", "lifetime=3600");
	T_OK(!agent_policy_expired(&p, agent_now_ms()) &&
	    agent_policy_expired(&p, cfg.epoch_ms + 3600 * 1000LL),
	    "expires exactly at epoch + lifetime");
	agent_policy_clear(&p);
	cfg.epoch_ms = agent_now_ms();
}

/* An askpass script: its body after #!/bin/sh; returns its path. */
static const char *
askpass(const char *name, const char *body)
{
	static char path[300];
	char text[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(text, sizeof(text), "#!/bin/sh\n%s\n", body);
	write_file(path, text, 0755);
	setenv("SSH_ASKPASS", path, 1);
	return path;
}

static void
test_confirm(void)
{
	struct agent_policy p;
	struct agent_conn c = { 0 };
	struct agent_sign_req sshsig = { .kind = AGENT_DATA_SSHSIG };
	struct agent_sign_req lg;
	char cmd[600], *text;
	FILE *f;
	long bg = 0;

	askpass("yes", "echo yes");
	T_OK(agent_confirm("ok?", 5) == 0, "askpass prints yes: allowed");
	askpass("YES", "printf 'YES\\r\\n'");
	T_OK(agent_confirm("ok?", 5) == 0, "YES with CRLF: allowed");
	askpass("empty", "exit 0");
	T_OK(agent_confirm("ok?", 5) == 0, "exit 0, nothing printed: allowed");
	askpass("no", "exit 1");
	T_FAILS(agent_confirm("ok?", 5), KSM_EACCESS, "exit 1: refused");
	askpass("maybe", "echo maybe");
	T_FAILS(agent_confirm("ok?", 5), KSM_EACCESS,
	    "another answer: refused");
	T_OK(strstr(ksm_error_last()->message, "not \"yes\"") != NULL,
	    "... and says why");
	askpass("hang", "sleep 30");
	T_FAILS(agent_confirm("ok?", 1), KSM_EACCESS, "a hang: refused");
	T_OK(strstr(ksm_error_last()->message, "within 1 s") != NULL,
	    "... after the timeout");
	snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! >%s/bg.pid; echo yes",
	    dir);
	askpass("bg", cmd);
	T_OK(agent_confirm("ok?", 5) == 0,
	    "exits yes, a child keeps stdout open: allowed at once");
	snprintf(cmd, sizeof(cmd), "%s/bg.pid", dir);
	if ((f = fopen(cmd, "r")) != NULL) {
		if (fscanf(f, "%ld", &bg) == 1 && bg > 1)
			kill((pid_t)bg, SIGKILL);
		fclose(f);
	}
	setenv("SSH_ASKPASS", "/nonexistent/askpass", 1);
	T_FAILS(agent_confirm("ok?", 5), KSM_EACCESS, "no such program");
	T_OK(strstr(ksm_error_last()->message, "could not be run") != NULL,
	    "... says so");

	/* through the policy: the prompt, then the log line */
	snprintf(cmd, sizeof(cmd), "printf '%%s|%%s' \"$SSH_ASKPASS_PROMPT\" "
	    "\"$1\" >%s/prompt; echo yes", dir);
	askpass("record", cmd);
	load(&p, "", "confirm");
	c.peer.pid = 4242;
	snprintf(c.peer.exe, sizeof(c.peer.exe), "/usr/bin/ssh-keygen");
	snprintf(sshsig.ns, sizeof(sshsig.ns), "git");
	T_OK(allowed(&p, &c, NULL), "confirm: listing asks nothing");
	T_OK(allowed(&p, &c, &sshsig), "confirm: askpass said yes");
	snprintf(cmd, sizeof(cmd), "%s/prompt", dir);
	text = ksm_test_slurp(cmd, NULL);
	T_OK(text != NULL && strncmp(text, "confirm|Allow use of key \"title\" "
	    "(SHA256:", 33) == 0 && strstr(text, "record UID1") != NULL &&
	    strstr(text, "\nTo sign data (ssh-keygen -Y sign, namespace git), "
	    "on this machine, no host binding.\nAsked by /usr/bin/ssh-keygen "
	    "(pid 4242, uid 0).") != NULL, "the prompt: key, what, where, who");
	free(text);
	hop(&c, &kj, "s0", 1);
	hop(&c, &kt, "s1", 0);
	lg = login("s1", &kt);
	T_OK(allowed(&p, &c, &lg), "a forwarded login, confirmed");
	text = ksm_test_slurp(cmd, NULL);
	T_OK(text != NULL && strstr(text, "\nTo log in as root to target.test,"
	    " agent forwarded through jump.test.\n") != NULL,
	    "the prompt names the login, the host and the jump host "
	    "(from known_hosts)");
	free(text);
	askpass("no", "exit 1");
	T_FAILS(agent_policy_allowed(&p, &cfg, &c, &sshsig, blob, sizeof(blob),
	    "title"), KSM_EACCESS, "askpass says no: KSM_EACCESS");
	agent_policy_clear(&p);
}

static void
test_log(void)
{
	struct agent_policy p;
	struct agent_conn c = { 0 };
	struct agent_sign_req lg = login("s1", NULL);
	struct agent_peer peer;
	char exe[256], *text;
	int sv[2];
	ssize_t n;

	load(&p, "{\"hostName\":\"target.test\"}", "");
	hop(&c, &kj, "s1", 0);
	c.peer.pid = 77;
	c.peer.uid = 1000;
	snprintf(c.peer.exe, sizeof(c.peer.exe), "/usr/bin/ssh");
	allowed(&p, &c, &lg);
	memset(&c, 0, sizeof(c));
	hop(&c, &kt, "s1", 0);
	agent_policy_audit(&p, &cfg, &c, &lg, blob, sizeof(blob),
	    "two\nlines", 0);
	agent_policy_audit(&p, &cfg, &c, &lg, blob, sizeof(blob), "t",
	    KSM_ECRYPTO);
	agent_policy_log_key(&p, "expired", blob, sizeof(blob), "t");
	agent_log_close();
	text = ksm_test_slurp(log_path, NULL);
	T_OK(text != NULL && strstr(text, ": sign refused (the bound host is "
	    "none of the record's hosts) record=UID1 key=SHA256:") != NULL &&
	    strstr(text, " peer=\"pid 77 uid 1000 exe /usr/bin/ssh\" for=login "
	    "user=root dest=jump.test forwarded=no\n") != NULL,
	    "a refused login: why, record, key, peer, host");
	T_OK(text != NULL && strstr(text, "sign ok record=UID1 ") != NULL &&
	    strstr(text, "title=\"two?lines\"") != NULL &&
	    strstr(text, "dest=target.test forwarded=no\n") != NULL,
	    "a signature: ok; a newline in the title cannot split the line");
	T_OK(text != NULL && strstr(text, "sign failed (ECRYPTO) ") != NULL,
	    "a failed signature");
	T_OK(text != NULL && strstr(text, "key expired record=UID1 ") != NULL,
	    "a key event");
	free(text);
	agent_policy_clear(&p);

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		abort();
	agent_peer_get(sv[0], &peer);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	T_OK(peer.pid == (long)getpid() && peer.uid == (unsigned)getuid() &&
	    strcmp(peer.exe, exe) == 0, "the peer of a socket: pid, uid, exe");
	close(sv[0]);
	close(sv[1]);
	agent_peer_get(-1, &peer);
	T_OK(peer.pid == 0 && strcmp(peer.exe, "?") == 0,
	    "no socket: unknown peer");
	T_FAILS(agent_log_open("/nonexistent/dir/log", "t"), KSM_EIO,
	    "a log file that cannot be opened");
}

int
main(void)
{
	char text[512];

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(known_path, sizeof(known_path), "%s/known_hosts", dir);
	snprintf(log_path, sizeof(log_path), "%s/audit.log", dir);
	snprintf(text, sizeof(text), "jump.test ssh-ed25519 " KEY_J "\n"
	    "target.test ssh-ed25519 " KEY_T "\n"
	    "[alt.test]:2222 ssh-ed25519 " KEY_J "\n");
	write_file(known_path, text, 0600);
	ksmx_b64_decode(&kj, KEY_J, strlen(KEY_J));
	ksmx_b64_decode(&kt, KEY_T, strlen(KEY_T));
	ksmx_b64_decode(&ko, KEY_O, strlen(KEY_O));
	known[0] = known_path;
	cfg.known = known;
	cfg.n_known = 1;
	cfg.confirm_timeout = 5;
	cfg.epoch_ms = agent_now_ms();
	if (agent_log_open(log_path, "test") != 0)
		abort();

	test_load();
	test_unrestricted();
	test_hosts();
	test_forward();
	test_no_local_lifetime();
	test_confirm();
	test_log();

	snprintf(text, sizeof(text), "rm -rf '%s'", dir);
	if (system(text) != 0)
		ksm_test_diag("could not remove %s", dir);
	ksmx_buf_clear(&kj);
	ksmx_buf_clear(&kt);
	ksmx_buf_clear(&ko);
	return ksm_test_done();
}
