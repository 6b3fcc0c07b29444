# plugins/aws: keeper-aws-credential-process, the AWS CLI credential_process helper.
bin_PROGRAMS += plugins/aws/keeper-aws-credential-process
plugins_aws_keeper_aws_credential_process_SOURCES = \
	plugins/aws/keeper-aws-credential-process.c \
	plugins/aws/awsjson.c plugins/aws/awsjson.h \
	plugins/common/report.c plugins/common/report.h
plugins_aws_keeper_aws_credential_process_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
plugins_aws_keeper_aws_credential_process_LDADD = core/libksmcore.la $(CJSON_LIBS)
dist_man_MANS += plugins/aws/keeper-aws-credential-process.1
