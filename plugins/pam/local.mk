# plugins/pam: pam_keeper.so, the Linux-PAM module (configure --disable-pam).
if ENABLE_PAM
# $(pamdir): configure --with-pamdir, else (GNU make, decided at install
# time) the system's PAM directory when the prefix is /usr, else
# $(libdir)/security: see configure.ac
pamlibdir = $(pamdir)
pamlib_LTLIBRARIES = plugins/pam/pam_keeper.la
plugins_pam_pam_keeper_la_SOURCES = plugins/pam/pam_keeper.c \
	plugins/pam/pam-ctx.c plugins/pam/pam-ctx.h plugins/pam/pam-session.c \
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
PAM_EXAMPLE = pam_keeper.example
endif
EXTRA_DIST += plugins/pam/pam_keeper.map plugins/pam/pam_keeper.example.in

# A commented example stack in the doc directory, written at install time
# so it names the module the way $(pamdir) needs: alone in the system's
# PAM directory, else by its absolute path.
install-data-local: install-pam-example
uninstall-local: uninstall-pam-example
install-pam-example:
	@test -z '$(PAM_EXAMPLE)' || { \
	    m='$(pamdir)/pam_keeper.so'; \
	    test '$(pamdir)' != '$(pamsystemdir)' || m=pam_keeper.so; \
	    echo " $(MKDIR_P) '$(DESTDIR)$(docdir)'"; \
	    $(MKDIR_P) '$(DESTDIR)$(docdir)' && \
	    echo " sed ... >'$(DESTDIR)$(docdir)/$(PAM_EXAMPLE)'" && \
	    sed -e "s|@PAM_KEEPER@|$$m|g" \
	        '$(srcdir)/plugins/pam/pam_keeper.example.in' \
	        >'$(DESTDIR)$(docdir)/$(PAM_EXAMPLE)'; }
uninstall-pam-example:
	test -z '$(PAM_EXAMPLE)' || rm -f '$(DESTDIR)$(docdir)/$(PAM_EXAMPLE)'
.PHONY: install-pam-example uninstall-pam-example
