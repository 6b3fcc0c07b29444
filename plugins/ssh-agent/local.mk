# plugins/ssh-agent: keeper-agent, the per-user Keeper session.  One loop
# (agent-loop.c), one Keeper session (agent-session.c), one log (agent-log.c)
# and two sibling sides over them: ssh/ (the OpenSSH agent) and secrets/
# (libksm's answers, docs/agent-protocol.md).
AGENT_CPPFLAGS = -I$(top_srcdir)/plugins/ssh-agent \
	-I$(top_srcdir)/plugins/ssh-agent/ssh \
	-I$(top_srcdir)/plugins/ssh-agent/secrets
# The pure protocol pieces, shared by the daemon and the tests.
AGENT_PROTO_SOURCES = plugins/ssh-agent/ssh/agent-proto.c \
	plugins/ssh-agent/ssh/agent-proto.h plugins/ssh-agent/ssh/agent-verify.c \
	plugins/ssh-agent/ssh/agent-verify.h plugins/ssh-agent/agent-log.c \
	plugins/ssh-agent/agent-log.h
AGENT_KEYS_SOURCES = plugins/ssh-agent/ssh/agent-keys.c \
	plugins/ssh-agent/ssh/agent-keys.h plugins/ssh-agent/ssh/agent-keys-int.h \
	plugins/ssh-agent/ssh/agent-keys-parse.c \
	plugins/ssh-agent/ssh/agent-keys-openssh.c \
	plugins/ssh-agent/ssh/agent-keys-blob.c \
	plugins/ssh-agent/ssh/agent-keys-sign.c \
	plugins/ssh-agent/ssh/agent-keys-secure.c \
	plugins/ssh-agent/ssh/agent-keys-kept.c \
	plugins/ssh-agent/ssh/agent-keygen.c plugins/ssh-agent/ssh/agent-keygen.h
AGENT_HOSTS_SOURCES = plugins/ssh-agent/ssh/agent-hosts.c \
	plugins/ssh-agent/ssh/agent-hosts.h
# the access control per key: host binding, forwarding, confirm, lifetime
AGENT_POLICY_SOURCES = plugins/ssh-agent/ssh/agent-policy.c \
	plugins/ssh-agent/ssh/agent-policy.h plugins/ssh-agent/ssh/agent-confirm.c \
	plugins/ssh-agent/ssh/agent-confirm.h $(AGENT_HOSTS_SOURCES)
bin_PROGRAMS += plugins/ssh-agent/keeper-agent
# the SSH side and the secrets side, siblings over one loop and one session
AGENT_SSH_SOURCES = plugins/ssh-agent/ssh/ssh-side.c plugins/ssh-agent/ssh/ssh-side.h \
	$(AGENT_PROTO_SOURCES) $(AGENT_KEYS_SOURCES) $(AGENT_POLICY_SOURCES)
AGENT_SECRETS_SOURCES = plugins/ssh-agent/secrets/secrets-side.c \
	plugins/ssh-agent/secrets/secrets-side.h plugins/ssh-agent/secrets/secrets-answer.c \
	plugins/ssh-agent/secrets/secrets-answer.h
AGENT_CORE_SOURCES = plugins/ssh-agent/agent-loop.c \
	plugins/ssh-agent/agent-loop.h plugins/ssh-agent/agent-session.c \
	plugins/ssh-agent/agent-session-fetch.c \
	plugins/ssh-agent/agent-session-files.c \
	plugins/ssh-agent/agent-session-int.h plugins/ssh-agent/agent-session.h
plugins_ssh_agent_keeper_agent_SOURCES = plugins/ssh-agent/keeper-agent.c \
	plugins/ssh-agent/agent-opts.c plugins/ssh-agent/agent-opts.h \
	plugins/ssh-agent/agent-status.c plugins/ssh-agent/agent-status.h \
	$(AGENT_CORE_SOURCES) $(AGENT_SSH_SOURCES) $(AGENT_SECRETS_SOURCES)
plugins_ssh_agent_keeper_agent_CPPFLAGS = $(AM_CPPFLAGS) $(AGENT_CPPFLAGS)
plugins_ssh_agent_keeper_agent_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) \
	$(CJSON_CFLAGS) $(LIBSSH_CFLAGS)
plugins_ssh_agent_keeper_agent_LDADD = core/libksmcore.la $(CJSON_LIBS) \
	$(OPENSSL_LIBS) $(LIBSSH_LIBS) $(PTHREAD_LIBS) -lpthread
dist_man_MANS += plugins/ssh-agent/keeper-agent.1
# systemd user units, installed; the service names the installed binary
systemduserunit_DATA = plugins/ssh-agent/keeper-agent.service \
	plugins/ssh-agent/keeper-agent.socket \
	plugins/ssh-agent/keeper-agent-secrets.socket
EXTRA_DIST += plugins/ssh-agent/keeper-agent.service.in \
	plugins/ssh-agent/keeper-agent.socket \
	plugins/ssh-agent/keeper-agent-secrets.socket
CLEANFILES += plugins/ssh-agent/keeper-agent.service
plugins/ssh-agent/keeper-agent.service: \
    $(top_srcdir)/plugins/ssh-agent/keeper-agent.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) plugins/ssh-agent && \
	sed -e 's|@bindir[@]|$(bindir)|g' \
	    $(top_srcdir)/plugins/ssh-agent/keeper-agent.service.in >$@
# keeper-agent's templates (secrets/secrets-templates.h): files rendered
# from the records and kept current
AGENT_TEMPLATES_SOURCES = plugins/ssh-agent/secrets/secrets-templates.c \
	plugins/ssh-agent/secrets/secrets-templates.h \
	plugins/ssh-agent/secrets/secrets-templates-int.h \
	plugins/ssh-agent/secrets/secrets-templates-config.c \
	plugins/ssh-agent/secrets/secrets-templates-files.c \
	plugins/ssh-agent/secrets/secrets-templates-command.c
plugins_ssh_agent_keeper_agent_SOURCES += $(AGENT_TEMPLATES_SOURCES)
