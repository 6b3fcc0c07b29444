# plugins/ssh-agent: keeper-agent, an SSH agent serving keys stored in Keeper.
# The pure protocol pieces, shared by the daemon and the tests.
AGENT_PROTO_SOURCES = plugins/ssh-agent/agent-proto.c \
	plugins/ssh-agent/agent-proto.h plugins/ssh-agent/agent-wire.c \
	plugins/ssh-agent/agent-wire.h
AGENT_KEYS_SOURCES = plugins/ssh-agent/agent-keys.c \
	plugins/ssh-agent/agent-keys.h plugins/ssh-agent/agent-keys-int.h \
	plugins/ssh-agent/agent-keys-parse.c \
	plugins/ssh-agent/agent-keys-openssh.c \
	plugins/ssh-agent/agent-keys-blob.c \
	plugins/ssh-agent/agent-keys-sign.c \
	plugins/ssh-agent/agent-keys-secure.c \
	plugins/ssh-agent/agent-keys-kept.c \
	plugins/ssh-agent/agent-keygen.c plugins/ssh-agent/agent-keygen.h
AGENT_HOSTS_SOURCES = plugins/ssh-agent/agent-hosts.c \
	plugins/ssh-agent/agent-hosts.h
bin_PROGRAMS += plugins/ssh-agent/keeper-agent
plugins_ssh_agent_keeper_agent_SOURCES = plugins/ssh-agent/keeper-agent.c \
	$(AGENT_PROTO_SOURCES) $(AGENT_KEYS_SOURCES) $(AGENT_HOSTS_SOURCES)
plugins_ssh_agent_keeper_agent_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) \
	$(CJSON_CFLAGS) $(LIBSSH_CFLAGS)
plugins_ssh_agent_keeper_agent_LDADD = core/libksmcore.la $(CJSON_LIBS) \
	$(OPENSSL_LIBS) $(LIBSSH_LIBS)
dist_man_MANS += plugins/ssh-agent/keeper-agent.1
# systemd user units, installed; the service names the installed binary
systemduserunit_DATA = plugins/ssh-agent/keeper-agent.service \
	plugins/ssh-agent/keeper-agent.socket
EXTRA_DIST += plugins/ssh-agent/keeper-agent.service.in \
	plugins/ssh-agent/keeper-agent.socket
CLEANFILES += plugins/ssh-agent/keeper-agent.service
plugins/ssh-agent/keeper-agent.service: \
    $(top_srcdir)/plugins/ssh-agent/keeper-agent.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) plugins/ssh-agent && \
	sed -e 's|@bindir[@]|$(bindir)|g' \
	    $(top_srcdir)/plugins/ssh-agent/keeper-agent.service.in >$@
