# keeper-sandbox: a local KSM-compatible HTTPS server (libmicrohttpd + TLS).
if ENABLE_SANDBOX
bin_PROGRAMS += sandbox/keeper-sandbox
sandbox_keeper_sandbox_SOURCES = \
	sandbox/sandbox.h \
	sandbox/main.c \
	sandbox/state.c \
	sandbox/fileio.c \
	sandbox/tls.c \
	sandbox/registry.c \
	sandbox/vault.c \
	sandbox/vindex.c \
	sandbox/rcache.c \
	sandbox/build.c \
	sandbox/files.c \
	sandbox/api.c \
	sandbox/keys.c \
	sandbox/write.c \
	sandbox/update.c \
	sandbox/records-write.c \
	sandbox/folders-write.c \
	sandbox/upload.c \
	sandbox/http.c
sandbox_keeper_sandbox_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) \
	$(CJSON_CFLAGS) $(MHD_CFLAGS)
sandbox_keeper_sandbox_LDADD = core/libksmcore.la $(MHD_LIBS) \
	$(OPENSSL_LIBS) $(CJSON_LIBS)
dist_man_MANS += sandbox/keeper-sandbox.1
endif
EXTRA_DIST += sandbox/demo-vault.json
EXTRA_DIST += sandbox/test-sandbox.sh sandbox/jssdk/conformance.js
if ENABLE_SANDBOX
TESTS += sandbox/test-sandbox.sh
endif
