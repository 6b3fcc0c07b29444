/*
 * known_hosts lookup for keeper-agent's host restriction: the host key a
 * connection was bound to (verified session-bind) counts as one of a
 * record's hosts only when known_hosts lists it for that host.
 */
#ifndef AGENT_HOSTS_H
#define AGENT_HOSTS_H

#include <stddef.h>
#include <stdint.h>

/*
 * 1 when the known_hosts file at path lists key (SSH wire blob) for host
 * (port 0 or 22: "host", else "[host]:port"), 0 otherwise, also when the
 * file cannot be read or the key is marked @revoked for that host.  Plain
 * patterns (*, ?, !negation, comma lists) and hashed |1| entries.
 */
int	agent_hosts_known(const char *path, const char *host, unsigned port,
	    const uint8_t *key, size_t key_len);

/*
 * The first plain name (no wildcard, negation or hash) the known_hosts
 * file at path lists key under, into out: 1, or 0 when there is none.
 * For log lines and prompts only, never for a decision.
 */
int	agent_hosts_name(const char *path, const uint8_t *key, size_t key_len,
	    char *out, size_t out_len);

/* OpenSSH's host pattern match: * and ?, ASCII case-insensitive. */
int	agent_hosts_glob(const char *pat, size_t pat_len, const char *s);

#endif /* AGENT_HOSTS_H */
