/*
 * keeper-agent's access control for one key (one sshKeys record):
 * where it may be used, whether each use is confirmed, how long it lives.
 *
 * From the record:
 *   host fields (hostName, port)	destinations: an ssh login with the
 *					key only to these hosts
 *   a field labelled "keeper-agent"	options, separated by blanks:
 *	forward=HOST[,HOST...]	the agent may be forwarded to these hosts
 *				for this key (HOST, HOST:PORT, [HOST]:PORT)
 *	confirm			ask (SSH_ASKPASS) before each signature
 *	no-local		not on connections without a host binding
 *				(ssh-add -l, ssh-keygen -Y sign, git)
 *	lifetime=SECONDS	served this long after start or SIGHUP
 *   An unknown option is an error: the key is not served.
 *
 * Hosts are recognised by the host key of a verified session-bind, looked
 * up in known_hosts (agent-hosts.h).  The rules, for a key with hosts or
 * forward= ("restricted"; a key with neither is served everywhere, like
 * an ssh-agent key added without -h):
 *   - unbound connection: listed, and signs anything but an ssh login
 *     (ssh-keygen -Y sign, git), unless no-local; a login signature needs
 *     a verified binding, so it is refused;
 *   - any refused session-bind on the connection: not listed, no signing;
 *   - every forwarded hop must be in forward=; a connection whose last
 *     hop is forwarded lists the key and signs anything but a login (a
 *     process on that host), when that host is in forward=;
 *   - a connection bound for a login: the host must be one of the host
 *     fields (none: any host), and only a login signature for that very
 *     session (and host key, when ssh sends it) is made; after a forwarded
 *     hop ssh must send the host key (publickey-hostbound).
 */
#ifndef AGENT_POLICY_H
#define AGENT_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "agent-proto.h"

#define AGENT_POLICY_LABEL	"keeper-agent"

struct cJSON;

struct agent_host {
	char		*name;
	unsigned	 port;		/* 0: any (22) */
};

struct agent_policy {
	char			*uid;		/* record UID, for the log */
	struct agent_host	*hosts;		/* host fields */
	size_t			 n_hosts;
	struct agent_host	*forward;	/* forward= */
	size_t			 n_forward;
	int			 confirm;	/* confirm, or --confirm */
	int			 no_local;
	long long		 expires_ms;	/* agent_now_ms(); 0: never */
};

/* Agent-wide settings (command line); the policy borrows them. */
struct agent_policy_cfg {
	const char *const	*known;		/* known_hosts files */
	size_t			 n_known;
	int			 confirm;	/* --confirm: every key */
	unsigned		 confirm_timeout; /* seconds; 0: default */
	unsigned		 lifetime;	/* --lifetime s; 0: none */
	long long		 epoch_ms;	/* start or last SIGHUP */
};

/*
 * Read the policy of record rec (its parsed JSON) with UID uid.  0;
 * KSM_EINVAL (an unknown or malformed keeper-agent option; the message
 * names the record and the option) or KSM_ENOMEM.  *p is cleared first;
 * on failure it holds nothing.
 */
int	agent_policy_load(struct agent_policy *p, const struct cJSON *rec,
	    const char *uid, const struct agent_policy_cfg *cfg);
void	agent_policy_clear(struct agent_policy *p);

/* 1 once the key's lifetime is over. */
int	agent_policy_expired(const struct agent_policy *p, long long now_ms);

/*
 * The key store's allowed() for the key with public blob and comment:
 * 0, KSM_EPERM (the rules above) or KSM_EACCESS (confirmation refused or
 * timed out).  A signature request (req != NULL) that is refused is
 * logged here (agent-log.h); one that is allowed is logged by
 * agent_policy_audit() once signed.
 */
int	agent_policy_allowed(const struct agent_policy *p,
	    const struct agent_policy_cfg *cfg, const struct agent_conn *conn,
	    const struct agent_sign_req *req, const uint8_t *blob,
	    size_t blob_len, const char *comment);

/* The key store's audit(): one log line for the signature's result. */
void	agent_policy_audit(const struct agent_policy *p,
	    const struct agent_policy_cfg *cfg, const struct agent_conn *conn,
	    const struct agent_sign_req *req, const uint8_t *blob,
	    size_t blob_len, const char *comment, int result);

/* A log line about the key itself ("expired", "loaded"). */
void	agent_policy_log_key(const struct agent_policy *p, const char *event,
	    const uint8_t *blob, size_t blob_len, const char *comment);

#endif /* AGENT_POLICY_H */
