# plugins/git: git-credential-keeper, the git credential helper.
bin_PROGRAMS += plugins/git/git-credential-keeper
plugins_git_git_credential_keeper_SOURCES = \
	plugins/git/git-credential-keeper.c \
	plugins/git/gitcred.c plugins/git/gitcred.h \
	plugins/common/report.c plugins/common/report.h
plugins_git_git_credential_keeper_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
plugins_git_git_credential_keeper_LDADD = core/libksmcore.la $(CJSON_LIBS)
dist_man_MANS += plugins/git/git-credential-keeper.1
