# keyring/: the only code that links libsecret/GLib (Secret Service).
# keeper-keyring, and ksm-keyring.so: the config backend libksm dlopen()s
# (core/config-keyring.c, core/keyring-module.h) from $(pkglibdir).
if ENABLE_KEYRING
KEYRING_SOURCES = keyring/keyring.c keyring/keyring.h keyring/keyring-int.h \
	keyring/keyring-config.c keyring/keyring-service.c
bin_PROGRAMS += keyring/keeper-keyring
keyring_keeper_keyring_SOURCES = \
	keyring/keeper-keyring.c \
	$(KEYRING_SOURCES) \
	plugins/common/report.c plugins/common/report.h
keyring_keeper_keyring_CFLAGS = $(AM_CFLAGS) $(SECRET_CFLAGS) $(CJSON_CFLAGS)
keyring_keeper_keyring_LDADD = core/libksmcore.la $(SECRET_LIBS) $(CJSON_LIBS)
dist_man_MANS += keyring/keeper-keyring.1

pkglib_LTLIBRARIES = keyring/ksm-keyring.la
keyring_ksm_keyring_la_SOURCES = \
	keyring/module.c core/keyring-module.h \
	$(KEYRING_SOURCES)
keyring_ksm_keyring_la_CFLAGS = $(AM_CFLAGS) $(SECRET_CFLAGS)
keyring_ksm_keyring_la_LIBADD = core/libksmcore.la $(SECRET_LIBS)
keyring_ksm_keyring_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version \
	-shared -no-undefined -export-symbols-regex '^ksm_keyring_module_v1$$'
endif
EXTRA_DIST += keyring/keeper-keyring.1
