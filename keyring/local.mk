# keyring/: the only code that links libsecret/GLib (Secret Service).
if ENABLE_KEYRING
bin_PROGRAMS += keyring/keeper-keyring
keyring_keeper_keyring_SOURCES = \
	keyring/keeper-keyring.c \
	keyring/keyring.c keyring/keyring.h
keyring_keeper_keyring_CFLAGS = $(AM_CFLAGS) $(SECRET_CFLAGS) $(CJSON_CFLAGS)
keyring_keeper_keyring_LDADD = core/libksmcore.la $(SECRET_LIBS) $(CJSON_LIBS)
dist_man_MANS += keyring/keeper-keyring.1
endif
EXTRA_DIST += keyring/keeper-keyring.1
