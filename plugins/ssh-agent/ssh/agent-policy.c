#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "ksm-int.h"
#include "agent-confirm.h"
#include "agent-hosts.h"
#include "agent-log.h"
#include "agent-policy.h"
#include "agent-verify.h"

#define MAX_LIST	64	/* hosts or forward= entries of one record */

static void
hosts_free(struct agent_host *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(h[i].name);
	free(h);
}

void
agent_policy_clear(struct agent_policy *p)
{
	free(p->uid);
	hosts_free(p->hosts, p->n_hosts);
	hosts_free(p->forward, p->n_forward);
	memset(p, 0, sizeof(*p));
}

static int
host_add(struct agent_host **list, size_t *n, const char *name,
    size_t name_len, unsigned port)
{
	struct agent_host *tmp;
	char *s;

	if (*n == MAX_LIST)
		return KSM_ETOOBIG;
	if ((s = malloc(name_len + 1)) == NULL)
		return KSM_ENOMEM;
	memcpy(s, name, name_len);
	s[name_len] = '\0';
	if ((tmp = realloc(*list, (*n + 1) * sizeof(*tmp))) == NULL) {
		free(s);
		return KSM_ENOMEM;
	}
	*list = tmp;
	tmp[*n].name = s;
	tmp[*n].port = port;
	(*n)++;
	return 0;
}

/* 1..65535 from exactly these digits; 0 when not a port. */
static unsigned
parse_port(const char *s, size_t len)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v <= 65535 ? (unsigned)v : 0;
}

/*
 * Call fn with every field of the record, standard then custom, until it
 * returns non-zero; that value, or 0.
 */
static int
each_field(struct agent_policy *p, const cJSON *rec,
    int (*fn)(struct agent_policy *, const cJSON *, void *), void *arg)
{
	static const char *const lists[] = { "fields", "custom" };
	const cJSON *f;
	size_t l;
	int r;

	for (l = 0; l < 2; l++)
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(rec, lists[l]))
			if ((r = fn(p, f, arg)) != 0)
				return r;
	return 0;
}

/* A host field: every hostName (and port) in it. */
static int
host_field(struct agent_policy *p, const cJSON *f, void *arg)
{
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(f, "type"));
	const char *name, *port;
	const cJSON *v;
	int r;

	(void)arg;
	if (t == NULL || strcmp(t, "host") != 0)
		return 0;
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(f, "value")) {
		name = cJSON_GetStringValue(cJSON_GetObjectItem(v, "hostName"));
		port = cJSON_GetStringValue(cJSON_GetObjectItem(v, "port"));
		if (name == NULL || name[0] == '\0')
			continue;
		if ((r = host_add(&p->hosts, &p->n_hosts, name, strlen(name),
		    port ? parse_port(port, strlen(port)) : 0)) == KSM_ETOOBIG)
			return ksm__err(r, "record %s: more than %d hosts",
			    p->uid, MAX_LIST);
		if (r != 0)
			return r;
	}
	return 0;
}

/* forward=HOST,HOST:PORT,[HOST]:PORT (a bare IPv6 address has no port). */
static int
parse_forward(struct agent_policy *p, const char *s, size_t len)
{
	const char *end = s + len, *c, *colon, *br;
	size_t n;
	unsigned port;
	int r;

	while (s < end) {
		if ((c = memchr(s, ',', (size_t)(end - s))) == NULL)
			c = end;
		n = (size_t)(c - s);
		port = 0;
		if (n > 0 && s[0] == '[') {
			if ((br = memchr(s, ']', n)) == NULL || br + 1 == c ||
			    br[1] != ':' || (port = parse_port(br + 2,
			    (size_t)(c - br - 2))) == 0 || br == s + 1)
				return KSM_EINVAL;
			r = host_add(&p->forward, &p->n_forward, s + 1,
			    (size_t)(br - s - 1), port);
		} else if ((colon = memchr(s, ':', n)) != NULL &&
		    memchr(colon + 1, ':', (size_t)(c - colon - 1)) == NULL) {
			if (colon == s || (port = parse_port(colon + 1,
			    (size_t)(c - colon - 1))) == 0)
				return KSM_EINVAL;
			r = host_add(&p->forward, &p->n_forward, s,
			    (size_t)(colon - s), port);
		} else if (n > 0) {
			r = host_add(&p->forward, &p->n_forward, s, n, 0);
		} else {
			return KSM_EINVAL;
		}
		if (r != 0)
			return r;
		s = c + 1;
	}
	return 0;
}

/* One option word; *lifetime gets lifetime=. */
static int
parse_option(struct agent_policy *p, const char *w, size_t n,
    unsigned *lifetime)
{
	unsigned long v = 0;
	size_t i;

	if (n == 7 && memcmp(w, "confirm", 7) == 0)
		p->confirm = 1;
	else if (n == 8 && memcmp(w, "no-local", 8) == 0)
		p->no_local = 1;
	else if (n > 8 && memcmp(w, "forward=", 8) == 0)
		return parse_forward(p, w + 8, n - 8);
	else if (n > 9 && n <= 9 + 9 && memcmp(w, "lifetime=", 9) == 0) {
		for (i = 9; i < n; i++) {
			if (w[i] < '0' || w[i] > '9')
				return KSM_EINVAL;
			v = v * 10 + (unsigned long)(w[i] - '0');
		}
		if (v == 0)
			return KSM_EINVAL;
		*lifetime = (unsigned)v;
	} else
		return KSM_EINVAL;
	return 0;
}

static int
parse_options(struct agent_policy *p, const char *s, unsigned *lifetime)
{
	size_t n;
	int r;

	for (;;) {
		s += strspn(s, " \t\r\n");
		if ((n = strcspn(s, " \t\r\n")) == 0)
			return 0;
		if ((r = parse_option(p, s, n, lifetime)) == KSM_EINVAL) {
			ksm__err(r, "record %s: invalid '" AGENT_POLICY_LABEL
			    "' option '%.*s'", p->uid, (int)(n > 80 ? 80 : n),
			    s);
			ksm__err_hint("use confirm, no-local, lifetime=SECONDS "
			    "and forward=HOST[,HOST...], separated by blanks");
		} else if (r == KSM_ETOOBIG) {
			ksm__err(r, "record %s: more than %d hosts in '"
			    AGENT_POLICY_LABEL "'", p->uid, MAX_LIST);
		}
		if (r != 0)
			return r;
		s += n;
	}
}

/* A field labelled keeper-agent: the options in each of its values. */
static int
option_field(struct agent_policy *p, const cJSON *f, void *lifetime)
{
	const char *label;
	const cJSON *v;
	int r;

	label = cJSON_GetStringValue(cJSON_GetObjectItem(f, "label"));
	if (label == NULL || strcasecmp(label, AGENT_POLICY_LABEL) != 0)
		return 0;
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(f, "value"))
		if (cJSON_IsString(v) && (r = parse_options(p, v->valuestring,
		    lifetime)) != 0)
			return r;
	return 0;
}

int
agent_policy_load(struct agent_policy *p, const cJSON *rec, const char *uid,
    const struct agent_policy_cfg *cfg)
{
	unsigned life = 0;
	int r;

	memset(p, 0, sizeof(*p));
	if ((p->uid = ksmx_strdup(uid != NULL ? uid : "?")) == NULL) {
		r = KSM_ENOMEM;
		goto out;
	}
	if ((r = each_field(p, rec, host_field, NULL)) != 0 ||
	    (r = each_field(p, rec, option_field, &life)) != 0)
		goto out;
	p->confirm |= cfg->confirm;
	if (cfg->lifetime != 0 && (life == 0 || cfg->lifetime < life))
		life = cfg->lifetime;
	if (life != 0)
		p->expires_ms = cfg->epoch_ms + (long long)life * 1000;
out:
	if (r != 0)
		agent_policy_clear(p);
	return r;
}

int
agent_policy_expired(const struct agent_policy *p, long long now_ms)
{
	return p->expires_ms != 0 && now_ms >= p->expires_ms;
}

/* The entry of list whose host known_hosts lists hop's key for; NULL. */
static const struct agent_host *
match(const struct agent_host *list, size_t n, const struct agent_hop *hop,
    const struct agent_policy_cfg *cfg)
{
	size_t i, f;

	for (i = 0; i < n; i++)
		for (f = 0; f < cfg->n_known; f++)
			if (agent_hosts_known(cfg->known[f], list[i].name,
			    list[i].port, hop->hostkey, hop->hostkey_len))
				return &list[i];
	return NULL;
}

/* NULL when the rules of agent-policy.h allow; else why not. */
static const char *
check(const struct agent_policy *p, const struct agent_policy_cfg *cfg,
    const struct agent_conn *c, const struct agent_sign_req *req)
{
	const struct agent_hop *last;
	int login = req != NULL && req->kind == AGENT_DATA_USERAUTH;
	int restricted = p->n_hosts > 0 || p->n_forward > 0;
	size_t i;

	if (agent_policy_expired(p, agent_now_ms()))
		return "the key's lifetime is over";
	if (c->n_hops == 0) {
		if (p->no_local)
			return "no-local: the connection has no host binding";
		if (restricted && c->bind_failed)
			return "a session-bind on this connection was refused";
		if (restricted && login)
			return "an ssh login without a verified host binding";
		return NULL;
	}
	if (!restricted)
		return NULL;
	if (c->bind_failed)
		return "a session-bind on this connection was refused";
	for (i = 0; i + 1 < c->n_hops; i++)
		if (match(p->forward, p->n_forward, &c->hops[i], cfg) == NULL)
			return "forwarded through a host not in forward=";
	last = &c->hops[c->n_hops - 1];
	if (last->forwarded) {
		if (match(p->forward, p->n_forward, last, cfg) == NULL)
			return "agent forwarded to a host not in forward=";
		if (login)
			return "a login signature on a forwarding binding";
		return NULL;
	}
	if (p->n_hosts > 0 && match(p->hosts, p->n_hosts, last, cfg) == NULL)
		return "the bound host is none of the record's hosts";
	if (req == NULL)
		return NULL;
	if (!login)
		return "not a login signature on a connection bound for login";
	if (req->session_id_len != last->session_id_len ||
	    memcmp(req->session_id, last->session_id,
	    last->session_id_len) != 0)
		return "the login is for another session than the bound one";
	if (req->hostkey != NULL && (req->hostkey_len != last->hostkey_len ||
	    memcmp(req->hostkey, last->hostkey, last->hostkey_len) != 0))
		return "the login names another host key than the bound one";
	if (req->hostkey == NULL && c->n_hops > 1)
		return "a forwarded login without the host key (hostbound)";
	return NULL;
}

/* A name for the host of hop: a record host, a known_hosts name, or fp. */
static void
hop_name(char *out, size_t len, const struct agent_policy *p,
    const struct agent_policy_cfg *cfg, const struct agent_hop *hop)
{
	const struct agent_host *h;
	char fp[AGENT_FP_MAX];
	size_t f;

	if ((h = match(hop->forwarded ? p->forward : p->hosts,
	    hop->forwarded ? p->n_forward : p->n_hosts, hop, cfg)) != NULL) {
		if (h->port != 0 && h->port != 22)
			snprintf(out, len, "[%s]:%u", h->name, h->port);
		else
			snprintf(out, len, "%s", h->name);
		return;
	}
	for (f = 0; f < cfg->n_known; f++)
		if (agent_hosts_name(cfg->known[f], hop->hostkey,
		    hop->hostkey_len, out, len))
			return;
	agent_fingerprint(fp, hop->hostkey, hop->hostkey_len);
	snprintf(out, len, "host-key:%s", fp);
}

/* Where the connection leads: dest (the login host or "-"), via. */
struct route {
	char	dest[256];
	char	via[512];
	int	forwarded;
};

static void
route_of(struct route *rt, const struct agent_policy *p,
    const struct agent_policy_cfg *cfg, const struct agent_conn *c)
{
	char name[256];
	size_t i, n;

	snprintf(rt->dest, sizeof(rt->dest), "-");
	rt->via[0] = '\0';
	rt->forwarded = 0;
	for (i = 0; i < c->n_hops; i++) {
		hop_name(name, sizeof(name), p, cfg, &c->hops[i]);
		if (!c->hops[i].forwarded) {
			snprintf(rt->dest, sizeof(rt->dest), "%s", name);
			continue;
		}
		rt->forwarded = 1;
		n = strlen(rt->via);
		snprintf(rt->via + n, sizeof(rt->via) - n, "%s%s",
		    n ? "," : "", name);
	}
}

static const char *
kind_name(const struct agent_sign_req *req)
{
	switch (req->kind) {
	case AGENT_DATA_USERAUTH:
		return "login";
	case AGENT_DATA_SSHSIG:
		return "sshsig";
	default:
		return "other";
	}
}

/* The common part of every log line about one signature request. */
static void
log_sign(const struct agent_policy *p, const struct agent_policy_cfg *cfg,
    const struct agent_conn *c, const struct agent_sign_req *req,
    const uint8_t *blob, size_t blob_len, const char *comment,
    const char *result)
{
	struct route rt;
	char fp[AGENT_FP_MAX], who[400];

	route_of(&rt, p, cfg, c);
	agent_fingerprint(fp, blob, blob_len);
	agent_log("sign %s record=%s key=%s title=\"%s\" peer=\"%s\" "
	    "for=%s%s%s%s%s dest=%s forwarded=%s%s%s", result, p->uid, fp,
	    comment, agent_peer_str(&c->peer, who, sizeof(who)),
	    kind_name(req), req->user[0] ? " user=" : "", req->user,
	    req->ns[0] ? " namespace=" : "", req->ns, rt.dest,
	    rt.forwarded ? "yes" : "no", rt.via[0] ? " via=" : "", rt.via);
}

/* The question shown by SSH_ASKPASS. */
static void
prompt_text(char *out, size_t len, const struct agent_policy *p,
    const struct agent_policy_cfg *cfg, const struct agent_conn *c,
    const struct agent_sign_req *req, const uint8_t *blob, size_t blob_len,
    const char *comment)
{
	struct route rt;
	char fp[AGENT_FP_MAX], what[512], where[600];

	route_of(&rt, p, cfg, c);
	agent_fingerprint(fp, blob, blob_len);
	if (req->kind == AGENT_DATA_USERAUTH)
		snprintf(what, sizeof(what), "log in as %s to %s",
		    req->user[0] ? req->user : "?", rt.dest);
	else if (req->kind == AGENT_DATA_SSHSIG)
		snprintf(what, sizeof(what), "sign data (ssh-keygen -Y sign, "
		    "namespace %s)", req->ns);
	else
		snprintf(what, sizeof(what), "sign data of an unknown kind");
	if (rt.forwarded)
		snprintf(where, sizeof(where), "agent forwarded through %s",
		    rt.via);
	else if (c->n_hops == 0)
		snprintf(where, sizeof(where), "on this machine, no host "
		    "binding");
	else
		snprintf(where, sizeof(where), "not forwarded");
	snprintf(out, len, "Allow use of key \"%s\" (%s, record %s)?\n"
	    "To %s, %s.\nAsked by %s (pid %ld, uid %u).", comment, fp, p->uid,
	    what, where, c->peer.exe[0] ? c->peer.exe : "?", c->peer.pid,
	    c->peer.uid);
}

int
agent_policy_allowed(const struct agent_policy *p,
    const struct agent_policy_cfg *cfg, const struct agent_conn *conn,
    const struct agent_sign_req *req, const uint8_t *blob, size_t blob_len,
    const char *comment)
{
	char prompt[2048], why[400];
	const char *no;
	int r;

	if ((no = check(p, cfg, conn, req)) != NULL) {
		if (req != NULL) {
			snprintf(why, sizeof(why), "refused (%s)", no);
			log_sign(p, cfg, conn, req, blob, blob_len, comment,
			    why);
		}
		return KSM_EPERM;
	}
	if (req == NULL || !p->confirm)
		return 0;
	prompt_text(prompt, sizeof(prompt), p, cfg, conn, req, blob,
	    blob_len, comment);
	if ((r = agent_confirm(prompt, cfg->confirm_timeout)) != 0) {
		snprintf(why, sizeof(why), "refused (%s)",
		    ksm_error_last()->message);
		log_sign(p, cfg, conn, req, blob, blob_len, comment, why);
		return r;
	}
	return 0;
}

void
agent_policy_audit(const struct agent_policy *p,
    const struct agent_policy_cfg *cfg, const struct agent_conn *conn,
    const struct agent_sign_req *req, const uint8_t *blob, size_t blob_len,
    const char *comment, int result)
{
	char what[64];

	if (result == 0)
		snprintf(what, sizeof(what), "ok%s", p->confirm ?
		    " (confirmed)" : "");
	else
		snprintf(what, sizeof(what), "failed (%s)",
		    ksm_code_name(result));
	log_sign(p, cfg, conn, req, blob, blob_len, comment, what);
}

void
agent_policy_log_key(const struct agent_policy *p, const char *event,
    const uint8_t *blob, size_t blob_len, const char *comment)
{
	char fp[AGENT_FP_MAX];

	agent_fingerprint(fp, blob, blob_len);
	agent_log("key %s record=%s key=%s title=\"%s\"", event, p->uid, fp,
	    comment);
}
