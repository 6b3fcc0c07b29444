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
#include "agent-keys.h"
#include "agent-log.h"
#include "agent-loop.h"
#include "agent-policy.h"
#include "agent-proto.h"
#include "agent-session.h"
#include "ssh-side.h"

#define MAX_CLIENTS	128
#define PROG		"keeper-agent"

struct entry {
	struct agent_key	*key;
	struct agent_policy	 pol;	/* hosts, forward=, confirm, lifetime */
};

struct store {
	struct entry	*e;
	size_t		 n;
};

struct ssh_side {
	struct ssh_side_opts	 o;
	struct store		 st;
	struct session		*session;
	struct agent_policy_cfg	 pcfg;	/* known_hosts, --confirm, ... */
	struct agent_lock	 lock;	/* ssh-add -x / -X */
	struct agent_keyops	 ops;
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

	/* the audit line (st_audit) says how it went */
	return agent_key_sign(s->e[i].key, data, len, flags, sig);
}

/* The access control of agent-policy.h, and the audit line per signature. */
static int
st_allowed(void *ctx, size_t i, const struct agent_conn *conn,
    const struct agent_sign_req *req)
{
	const struct ssh_side *ss = ctx;
	const struct entry *e = &ss->st.e[i];
	const uint8_t *blob;
	size_t len;

	blob = agent_key_blob(e->key, &len);
	return agent_policy_allowed(&e->pol, &ss->pcfg, conn, req, blob, len,
	    agent_key_comment(e->key));
}

static void
st_audit(void *ctx, size_t i, const struct agent_conn *conn,
    const struct agent_sign_req *req, int r)
{
	const struct ssh_side *ss = ctx;
	const struct entry *e = &ss->st.e[i];
	const uint8_t *blob;
	size_t len;

	blob = agent_key_blob(e->key, &len);
	agent_policy_audit(&e->pol, &ss->pcfg, conn, req, blob, len,
	    agent_key_comment(e->key), r);
}

static void
entry_free(struct entry *e)
{
	agent_key_free(e->key);
	agent_policy_clear(&e->pol);
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

static int
load_record(struct ssh_side *ss, struct store *s, size_t *cap,
    const ksm_record *rec)
{
	const char *title = ksm_record_title(rec), *priv, *pw, *pub;
	const cJSON *kp;
	struct entry e, *tmp;
	cJSON *j;
	int r;

	memset(&e, 0, sizeof(e));
	if ((j = cJSON_Parse(ksm_record_json(rec))) == NULL)
		return KSM_ENOMEM;
	kp = field(j, "keyPair");
	priv = cJSON_GetStringValue(cJSON_GetObjectItem(kp, "privateKey"));
	pub = cJSON_GetStringValue(cJSON_GetObjectItem(kp, "publicKey"));
	pw = cJSON_GetStringValue(field(j, "password"));
	if (pw != NULL && pw[0] == '\0')
		pw = NULL;
	if (priv == NULL || priv[0] == '\0') {
		agent_debug("record %s: no private key", ksm_record_uid(rec));
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
	if ((r = agent_policy_load(&e.pol, j, ksm_record_uid(rec),
	    &ss->pcfg)) != 0) {
		if (r == KSM_ENOMEM)
			goto out;
		fprintf(stderr, PROG ": %s\n", ksm_error_last()->message);
		r = 0;	/* fail closed: the key is not served */
		goto out;
	}
	if (agent_policy_expired(&e.pol, agent_now_ms())) {
		r = 0;	/* its lifetime ended; SIGHUP brings it back */
		goto out;
	}
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

int
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
		if (load_record(ss, &fresh, &cap, rec) != 0) {
			fprintf(stderr, PROG ": out of memory loading keys, "
			    "keeping %zu keys\n", ss->st.n);
			store_free(&fresh);
			return 1;	/* again with the next fetch */
		}
	}
	store_free(&ss->st);
	ss->st = fresh;
	agent_debug("%zu keys loaded", ss->st.n);
	return 0;
}

size_t
ssh_side_keys(const struct ssh_side *ss)
{
	return ss->st.n;
}

long long
ssh_side_expire(struct ssh_side *ss, long long now)
{
	struct store *s = &ss->st;
	long long next = -1;
	const uint8_t *blob;
	size_t i = 0, len;

	while (i < s->n) {
		if (!agent_policy_expired(&s->e[i].pol, now)) {
			if (s->e[i].pol.expires_ms != 0 && (next < 0 ||
			    s->e[i].pol.expires_ms < next))
				next = s->e[i].pol.expires_ms;
			i++;
			continue;
		}
		/* its private key is wiped with it */
		blob = agent_key_blob(s->e[i].key, &len);
		agent_policy_log_key(&s->e[i].pol, "expired", blob, len,
		    agent_key_comment(s->e[i].key));
		entry_free(&s->e[i]);
		memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) *
		    sizeof(s->e[0]));
		s->n--;
	}
	return next;
}

void
ssh_side_rearm(struct ssh_side *ss)
{
	ss->pcfg.epoch_ms = agent_now_ms();
}

static int
handle(void *ctx, struct conn *c, const uint8_t *msg, size_t len)
{
	struct ssh_side *ss = ctx;

	if (ss->session != NULL)
		session_touch(ss->session);
	return agent_handle(&ss->ops, ss, c->data, msg + 4, len - 4,
	    &c->out) != 0 ? -1 : 0;
}

/* Who is at the other end, for the policy's prompts and log lines. */
static void
opened(void *ctx, struct conn *c)
{
	(void)ctx;
	agent_peer_get(c->fd, &((struct agent_conn *)c->data)->peer);
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
	ss->pcfg.known = ss->o.known;
	ss->pcfg.n_known = ss->o.n_known;
	ss->pcfg.confirm = o->confirm;
	ss->pcfg.confirm_timeout = o->confirm_timeout;
	ss->pcfg.lifetime = o->lifetime;
	ss->pcfg.epoch_ms = agent_now_ms();
	ss->ops.count = st_count;
	ss->ops.identity = st_identity;
	ss->ops.sign = st_sign;
	ss->ops.allowed = st_allowed;
	ss->ops.audit = st_audit;
	ss->ops.lock = &ss->lock;
	ss->def.name = "ssh";
	ss->def.max_conns = MAX_CLIENTS;
	ss->def.max_frame = AGENT_MAX_MSG;
	ss->def.max_out = 4 * AGENT_MAX_MSG;
	ss->def.idle_ms = 0;	/* ssh keeps a connection for a session */
	ss->def.data_size = sizeof(struct agent_conn);
	ss->def.frame = frame;
	ss->def.handle = handle;
	ss->def.opened = opened;
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
