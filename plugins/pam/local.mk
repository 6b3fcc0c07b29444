# plugins/pam: pam_keeper.so, the Linux-PAM module (configure --disable-pam).
if ENABLE_PAM
pamlibdir = $(pamdir)
pamlib_LTLIBRARIES = plugins/pam/pam_keeper.la
plugins_pam_pam_keeper_la_SOURCES = plugins/pam/pam_keeper.c \
	plugins/pam/pam-opts.c plugins/pam/pam-opts.h \
	plugins/pam/pam-config.c plugins/pam/pam-config.h \
	plugins/pam/pam-keyring.c plugins/pam/pam-keyring.h \
	plugins/pam/pam-cache.c plugins/pam/pam-cache.h \
	plugins/pam/pam-folder.c plugins/pam/pam-folder.h
plugins_pam_pam_keeper_la_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS) $(CJSON_CFLAGS) \
	$(KEYUTILS_CFLAGS) $(OPENSSL_CFLAGS)
plugins_pam_pam_keeper_la_LIBADD = core/libksmcore.la $(PAM_LIBS) $(CJSON_LIBS) \
	$(KEYUTILS_LIBS) $(OPENSSL_LIBS)
plugins_pam_pam_keeper_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version \
	-shared -no-undefined \
	-Wl,--version-script=$(top_srcdir)/plugins/pam/pam_keeper.map
EXTRA_plugins_pam_pam_keeper_la_DEPENDENCIES = \
	$(top_srcdir)/plugins/pam/pam_keeper.map
dist_man_MANS += plugins/pam/pam_keeper.8
endif
EXTRA_DIST += plugins/pam/pam_keeper.map
