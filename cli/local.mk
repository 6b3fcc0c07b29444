# keeper-secret: the command-line client.  One verb per cmd-<verb>.c; the
# verb table is in keeper-secret.c.
bin_PROGRAMS += cli/keeper-secret
cli_keeper_secret_SOURCES = \
	cli/cli.h \
	cli/keeper-secret.c \
	cli/opt.c \
	cli/exitcode.c \
	cli/client-open.c \
	cli/json-out.c \
	cli/cmd-init.c \
	cli/cmd-list.c \
	cli/notation-arg.c \
	cli/notation-legacy.c \
	cli/cmd-get.c \
	cli/cmd-get-notation.c \
	cli/cmd-totp.c \
	cli/cmd-download.c \
	cli/cmd-exec.c \
	cli/cmd-cache.c \
	cli/read-input.c \
	cli/cmd-inject.c \
	cli/dotenv.c cli/dotenv.h \
	cli/env-file.c \
	cli/cmd-profile.c \
	cli/cmd-complete.c \
	cli/secret-input.c \
	cli/cmd-set.c \
	cli/cmd-create.c \
	cli/cmd-rm.c \
	cli/cmd-upload.c \
	cli/cmd-folders.c \
	cli/cmd-rotate.c \
	plugins/common/report.c plugins/common/report.h
cli_keeper_secret_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
cli_keeper_secret_LDADD = core/libksmcore.la $(CJSON_LIBS)
dist_man_MANS += cli/keeper-secret.1
