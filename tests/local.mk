# tests/: every program prints TAP; automake's tap-driver reads it.
check_LTLIBRARIES += tests/libksmtest.la
tests_libksmtest_la_SOURCES = tests/harness/harness.c tests/harness/ksm-test.h
tests_libksmtest_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/harness
tests_libksmtest_la_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
tests_libksmtest_la_LIBADD = $(CJSON_LIBS)

KSM_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/harness
KSM_TEST_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(CJSON_CFLAGS)
KSM_TEST_LDADD = tests/libksmtest.la core/libksmcore.la $(CJSON_LIBS)

UNIT_TESTS = \
	tests/unit/test-util \
	tests/unit/test-error \
	tests/unit/test-crypto \
	tests/unit/test-config \
	tests/unit/test-replay \
	tests/unit/test-notation \
	tests/unit/test-totp
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_test_util_SOURCES = tests/unit/test-util.c
tests_unit_test_error_SOURCES = tests/unit/test-error.c
tests_unit_test_crypto_SOURCES = tests/unit/test-crypto.c
tests_unit_test_config_SOURCES = tests/unit/test-config.c
tests_unit_test_replay_SOURCES = tests/unit/test-replay.c
tests_unit_test_notation_SOURCES = tests/unit/test-notation.c
tests_unit_test_totp_SOURCES = tests/unit/test-totp.c
# one set of flags for every unit test
tests_unit_test_util_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_error_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_crypto_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_config_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_replay_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_notation_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_totp_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_util_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_error_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_crypto_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_config_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_replay_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_notation_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_totp_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_util_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_error_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_crypto_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_config_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_replay_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_notation_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_totp_LDADD = $(KSM_TEST_LDADD)

# End-to-end scripts: real binaries against keeper-sandbox on 127.0.0.1.
INTEGRATION_TESTS =
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/lib.sh tests/vectors
