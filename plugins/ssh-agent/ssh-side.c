#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ksm/ksm.h"
#include "ksm-int.h"
#include "json.h"
#include "util/wipe.h"
#include "agent-audit.h"
#include "agent-hosts.h"
#include "agent-keys.h"
#include "agent-loop.h"
#include "agent-proto.h"
#include "agent-session.h"
#include "ssh-side.h"

#define MAX_CLIENTS	128
#define PROG		"keeper-agent"

/* A host from the record's host field: hostName and port. */
struct host {
	char		*name;
	unsigned	 port;
};

struct entry {
	struct agent_key	*key;
	struct host		*hosts;		/* offered only to these */
	size_t			 n_hosts;
};

struct store {
	struct entry	*e;
	size_t		 n;
};

struct ssh_side {
	struct ssh_side_opts	 o;
	struct store		 st;
	struct session		*session;
	struct side		 def;
};

static size_t
st_count(void *ctx)
{
	return ((struct ssh_side *)ctx)->st.n;
}

static int
st_identity(void *ctx, size_t i, const uint8_t **blob, size_t *len,
    const char **comment)
{
	struct store *s = &((struct ssh_side *)ctx)->st;

	*blob = agent_key_blob(s->e[i].key, len);
	*comment = agent_key_comment(s->e[i].key);
	return 0;
}

static int
st_sign(void *ctx, size_t i, const uint8_t *data, size_t len,
    uint32_t flags, struct ksmx_buf *sig)
{
	struct store *s = &((struct ssh_side *)ctx)->st;
	int r = agent_key_sign(s->e[i].key, data, len, flags, sig);

	logmsg("sign with \"%s\": %s%s%s", agent_key_comment(s->e[i].key),
	    r == 0 ? "ok" : ksm_code_name(r), r == 0 ? "" : ": ",
	    r == 0 ? "" : ksm_error_last()->message);
	return r;
}

/*
 * The host restriction: on a connection bound to a host key (ssh sends
 * session-bind@openssh.com before asking for keys), a key whose record
 * names hosts is offered only when known_hosts lists that host key for
 * one of them.  Unbound connections (ssh-add, ssh-keygen -Y) see all.
 */
static int
st_allowed(void *ctx, size_t i, const struct agent_conn *conn)
{
	const struct ssh_side *ss = ctx;
	const struct entry *e = &ss->st.e[i];
	size_t h, f;

	if (!conn->bound || e->n_hosts == 0)
		return 1;
	for (f = 0; f < ss->o.n_known; f++)
		for (h = 0; h < e->n_hosts; h++)
			if (agent_hosts_known(ss->o.known[f],
			    e->hosts[h].name, e->hosts[h].port, conn->hostkey,
			    conn->hostkey_len))
				return 1;
	logmsg("\"%s\" not offered: the bound host is none of its hosts",
	    agent_key_comment(e->key));
	return 0;
}

static const struct agent_keyops store_ops = { st_count, st_identity,
    st_sign, st_allowed };

static void
entry_free(struct entry *e)
{
	size_t h;

	agent_key_free(e->key);
	for (h = 0; h < e->n_hosts; h++)
		free(e->hosts[h].name);
	free(e->hosts);
	memset(e, 0, sizeof(*e));
}

static void
store_free(struct store *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		entry_free(&s->e[i]);
	free(s->e);
	s->e = NULL;
	s->n = 0;
}

static int
in_list(const char *v, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v != NULL && strcmp(v, list[i]) == 0)
			return 1;
	return 0;
}

/* First value of the record's field of this type, or NULL. */
static const cJSON *
field(const cJSON *rec, const char *type)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItem(rec, "fields")) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(f,
		    "type"));

		if (t != NULL && strcmp(t, type) == 0)
			return cJSON_GetArrayItem(cJSON_GetObjectItem(f,
			    "value"), 0);
	}
	return NULL;
}

/* Every hostName (and port) of the record's host fields. */
static int
load_hosts(const cJSON *rec, struct entry *e)
{
	static const char *const lists[] = { "fields", "custom" };
	const cJSON *f, *v;
	const char *t, *name, *port;
	struct host *tmp;
	size_t l;

	for (l = 0; l < 2; l++) {
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(rec, lists[l])) {
			t = cJSON_GetStringValue(cJSON_GetObjectItem(f,
			    "type"));
			if (t == NULL || strcmp(t, "host") != 0)
				continue;
			cJSON_ArrayForEach(v, cJSON_GetObjectItem(f, "value")) {
				name = cJSON_GetStringValue(
				    cJSON_GetObjectItem(v, "hostName"));
				port = cJSON_GetStringValue(
				    cJSON_GetObjectItem(v, "port"));
				if (name == NULL || name[0] == '\0')
					continue;
				tmp = realloc(e->hosts, (e->n_hosts + 1) *
				    sizeof(*tmp));
				if (tmp == NULL)
					return KSM_ENOMEM;
				e->hosts = tmp;
				tmp[e->n_hosts].port = port ?
				    (unsigned)strtoul(port, NULL, 10) : 0;
				if ((tmp[e->n_hosts].name =
				    ksmx_strdup(name)) == NULL)
					return KSM_ENOMEM;
				e->n_hosts++;
			}
		}
	}
	return 0;
}

static int
load_record(struct store *s, size_t *cap, const ksm_record *rec)
{
	const char *title = ksm_record_title(rec), *priv, *pw, *pub;
	const cJSON *kp;
	struct entry e = { NULL, NULL, 0 }, *tmp;
	cJSON *j;
	int r;

	if ((j = cJSON_Parse(ksm_record_json(rec))) == NULL)
		return KSM_ENOMEM;
	kp = field(j, "keyPair");
	priv = cJSON_GetStringValue(cJSON_GetObjectItem(kp, "privateKey"));
	pub = cJSON_GetStringValue(cJSON_GetObjectItem(kp, "publicKey"));
	pw = cJSON_GetStringValue(field(j, "password"));
	if (pw != NULL && pw[0] == '\0')
		pw = NULL;
	if (priv == NULL || priv[0] == '\0') {
		logmsg("record %s: no private key", ksm_record_uid(rec));
		r = 0;
		goto out;
	}
	/* the private key is parsed only to sign (or here, without pub) */
	if ((r = agent_key_load_lazy(priv, strlen(priv), pw, pub, title,
	    &e.key)) != 0) {
		fprintf(stderr, PROG ": record %s: %s\n", ksm_record_uid(rec),
		    ksm_error_last()->message);
		r = 0;	/* skip the key, serve the others */
		goto out;
	}
	if ((r = load_hosts(j, &e)) != 0)
		goto out;
	if (s->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		if ((tmp = realloc(s->e, *cap * sizeof(*tmp))) == NULL) {
			r = KSM_ENOMEM;
			goto out;
		}
		s->e = tmp;
	}
	s->e[s->n++] = e;
	memset(&e, 0, sizeof(e));
out:
	entry_free(&e);
	ksmx_json_free(j);
	return r;
}

void
ssh_side_records(void *ctx, const ksm_records *recs)
{
	struct ssh_side *ss = ctx;
	struct store fresh = { NULL, 0 };
	const ksm_record *rec;
	size_t i, cap = 0;

	for (i = 0; i < ksm_records_count(recs); i++) {
		rec = ksm_records_at(recs, i);
		if (strcmp(ksm_record_type(rec), "sshKeys") != 0)
			continue;
		if (ss->o.n_records && !in_list(ksm_record_uid(rec),
		    ss->o.records, ss->o.n_records))
			continue;
		if (ss->o.n_folders && !in_list(ksm_record_folder_uid(rec),
		    ss->o.folders, ss->o.n_folders))
			continue;
		if (load_record(&fresh, &cap, rec) != 0) {
			fprintf(stderr, PROG ": out of memory loading keys, "
			    "keeping %zu keys\n", ss->st.n);
			store_free(&fresh);
			return;
		}
	}
	store_free(&ss->st);
	ss->st = fresh;
	logmsg("%zu keys loaded", ss->st.n);
}

size_t
ssh_side_keys(const struct ssh_side *ss)
{
	return ss->st.n;
}

static int
handle(void *ctx, struct conn *c, const uint8_t *msg, size_t len)
{
	struct ssh_side *ss = ctx;

	if (ss->session != NULL)
		session_touch(ss->session);
	return agent_handle(&store_ops, ss, c->data, msg + 4, len - 4,
	    &c->out) != 0 ? -1 : 0;
}

/* Root may use the user's agent, as with OpenSSH's. */
static int
peer_ok(void *ctx, const struct ucred *uc)
{
	(void)ctx;
	if (uc->uid == getuid() || uc->uid == 0)
		return 1;
	fprintf(stderr, PROG ": refused connection from uid %u (pid %d)\n",
	    (unsigned)uc->uid, (int)uc->pid);
	return 0;
}

static long
frame(const uint8_t *p, size_t len, size_t max)
{
	(void)max;	/* AGENT_MAX_MSG, agent_frame's own bound */
	return agent_frame(p, len);
}

int
ssh_side_new(struct ssh_side **out, const struct ssh_side_opts *o)
{
	struct ssh_side *ss;

	if ((*out = ss = calloc(1, sizeof(*ss))) == NULL)
		return KSM_ENOMEM;
	ss->o = *o;
	ss->def.name = "ssh";
	ss->def.max_conns = MAX_CLIENTS;
	ss->def.max_frame = AGENT_MAX_MSG;
	ss->def.max_out = 4 * AGENT_MAX_MSG;
	ss->def.idle_ms = 0;	/* ssh keeps a connection for a session */
	ss->def.data_size = sizeof(struct agent_conn);
	ss->def.frame = frame;
	ss->def.handle = handle;
	ss->def.peer_ok = peer_ok;
	ss->def.ctx = ss;
	return 0;
}

void
ssh_side_set_session(struct ssh_side *ss, struct session *s)
{
	ss->session = s;
}

const struct side *
ssh_side_def(struct ssh_side *ss)
{
	return &ss->def;
}

void
ssh_side_free(struct ssh_side *ss)
{
	if (ss == NULL)
		return;
	store_free(&ss->st);
	free(ss);
}
