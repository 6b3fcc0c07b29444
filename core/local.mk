# core/: libksmcore.la has everything (tests and plug-ins link it);
# libksm.la is the installed library and exports ksm_* only.
noinst_LTLIBRARIES += core/libksmcore.la
core_libksmcore_la_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(CURL_CFLAGS) $(CJSON_CFLAGS) \
	-DKSM_KEYRING_MODULE='"$(pkglibdir)/ksm-keyring.so"'
# libcurl is dlopen()ed on the first request (http-curl.c), libcrypto on
# the first cryptographic operation (crypto-load.c): neither is linked
core_libksmcore_la_LIBADD = $(CJSON_LIBS) $(DLOPEN_LIBS)
core_libksmcore_la_SOURCES = \
	core/ksm-int.h core/client-int.h \
	core/util/wipe.c core/util/wipe.h \
	core/util/buf.c core/util/buf.h \
	core/util/b64.c core/util/b64.h \
	core/util/hex.c core/util/hex.h \
	core/util/wire.c core/util/wire.h \
	core/util/fnv.c core/util/fnv.h \
	core/error.c \
	core/json.c core/json-scan.c core/json.h \
	core/crypto-aes.c core/crypto-eckey.c core/crypto-pkcs8.c \
	core/crypto-ec.c core/crypto-int.h \
	core/crypto-load.c core/crypto-syms.h \
	core/crypto.c core/crypto.h \
	core/config.c core/config-file.c core/config-profile.c core/token.c \
	core/ksm-config.h core/file-write.c \
	core/config-keyring.c core/keyring-module.h \
	core/http-curl.c core/http.h \
	core/transport.c \
	core/bind.c \
	core/records.c core/records-decrypt.c core/records-opened.c \
	core/records-folders.c core/records-int.h \
	core/records-update.c \
	core/write.c core/write-int.h \
	core/record-types.c \
	core/records-create.c core/records-delete.c \
	core/transaction.c \
	core/folders-write.c \
	core/files-upload.c \
	core/password.c \
	core/client.c core/client-fetch.c core/client-invalidate.c \
	core/agent-client.c core/agent-msg.c core/agent-msg.h \
	core/cache.c core/cache-file.c core/cache-crypto.c core/cache.h \
	core/notation.c core/notation-parse.c core/notation-b64.c \
	core/notation-eval.c core/notation-edit.c core/notation-set.c \
	core/notation-int.h \
	core/template.c core/template-client.c core/template.h \
	core/totp.c

lib_LTLIBRARIES += core/libksm.la
core_libksm_la_SOURCES =
core_libksm_la_LIBADD = core/libksmcore.la
core_libksm_la_LDFLAGS = $(AM_LDFLAGS) -no-undefined -version-info 0:0:0 \
	-Wl,--version-script=$(top_srcdir)/core/libksm.map
EXTRA_DIST += core/libksm.map

# the headers include each other as "ksm/x.h": install them in $(includedir)/ksm
ksmincludedir = $(includedir)/ksm
ksminclude_HEADERS = include/ksm/ksm.h include/ksm/common.h \
	include/ksm/error.h include/ksm/client.h include/ksm/record.h \
	include/ksm/notation.h include/ksm/totp.h include/ksm/cache.h \
	include/ksm/write.h
# the C API's manual page (its EXAMPLE is compiled by tests/integration/install.sh)
dist_man_MANS += core/libksm.3
