# plugins/ssh-agent: keeper-agent, an SSH agent serving keys stored in Keeper.
# The pure protocol pieces, shared by the daemon and the tests.
AGENT_PROTO_SOURCES = plugins/ssh-agent/agent-proto.c \
	plugins/ssh-agent/agent-proto.h plugins/ssh-agent/agent-wire.c \
	plugins/ssh-agent/agent-wire.h
AGENT_KEYS_SOURCES = plugins/ssh-agent/agent-keys.c \
	plugins/ssh-agent/agent-keys.h
bin_PROGRAMS += plugins/ssh-agent/keeper-agent
plugins_ssh_agent_keeper_agent_SOURCES = plugins/ssh-agent/keeper-agent.c \
	$(AGENT_PROTO_SOURCES) $(AGENT_KEYS_SOURCES)
plugins_ssh_agent_keeper_agent_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) \
	$(CJSON_CFLAGS)
plugins_ssh_agent_keeper_agent_LDADD = core/libksmcore.la $(CJSON_LIBS) \
	$(OPENSSL_LIBS)
dist_man_MANS += plugins/ssh-agent/keeper-agent.1
EXTRA_DIST += plugins/ssh-agent/keeper-agent.service \
	plugins/ssh-agent/keeper-agent.socket
