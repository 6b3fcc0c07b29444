# tests/: every program prints TAP; automake's tap-driver reads it.
check_LTLIBRARIES += tests/libksmtest.la
tests_libksmtest_la_SOURCES = tests/harness/harness.c tests/harness/ksm-test.h tests/harness/ksm-fake.c tests/harness/ksm-fake.h
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
	tests/unit/test-crypto-load \
	tests/unit/test-config \
	tests/unit/test-replay \
	tests/unit/test-notation \
	tests/unit/test-notation-grammar \
	tests/unit/test-totp
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_test_util_SOURCES = tests/unit/test-util.c
tests_unit_test_error_SOURCES = tests/unit/test-error.c
tests_unit_test_crypto_SOURCES = tests/unit/test-crypto.c
tests_unit_test_crypto_load_SOURCES = tests/unit/test-crypto-load.c
tests_unit_test_config_SOURCES = tests/unit/test-config.c
tests_unit_test_replay_SOURCES = tests/unit/test-replay.c
tests_unit_test_notation_SOURCES = tests/unit/test-notation.c
tests_unit_test_notation_grammar_SOURCES = tests/unit/test-notation-grammar.c
tests_unit_test_totp_SOURCES = tests/unit/test-totp.c
# one set of flags for every unit test
tests_unit_test_util_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_error_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_crypto_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_crypto_load_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_config_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_replay_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_notation_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_notation_grammar_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_totp_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_util_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_error_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_crypto_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_crypto_load_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_config_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_replay_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_notation_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_notation_grammar_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_totp_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_util_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_error_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_crypto_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_crypto_load_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_config_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_replay_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_notation_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_notation_grammar_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_totp_LDADD = $(KSM_TEST_LDADD)

# End-to-end scripts: real binaries against keeper-sandbox on 127.0.0.1.
INTEGRATION_TESTS = tests/integration/basic.sh tests/integration/errors.sh tests/integration/throttle.sh tests/integration/faults.sh tests/integration/aws.sh tests/integration/conformance-jssdk.sh tests/integration/notation-jssdk.sh tests/integration/notation.sh
# notation-jssdk.sh: libksm's side of the notation/TOTP comparison (and bench)
check_PROGRAMS += tests/integration/notation-client
tests_integration_notation_client_SOURCES = tests/integration/notation-client.c
tests_integration_notation_client_CPPFLAGS = $(AM_CPPFLAGS)
tests_integration_notation_client_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
tests_integration_notation_client_LDADD = core/libksmcore.la $(CJSON_LIBS)
EXTRA_DIST += tests/conformance/jssdk-notation.mjs tests/conformance/jssdk-console.mjs
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/lib.sh tests/vectors

# plugins/aws: the pure JSON writer and field selection
check_PROGRAMS += tests/unit/test-awsjson
TESTS += tests/unit/test-awsjson
tests_unit_test_awsjson_SOURCES = tests/unit/test-awsjson.c \
	plugins/aws/awsjson.c plugins/aws/awsjson.h
tests_unit_test_awsjson_CPPFLAGS = $(KSM_TEST_CPPFLAGS) -I$(top_srcdir)/plugins/aws
tests_unit_test_awsjson_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_awsjson_LDADD = $(KSM_TEST_LDADD)

# tests/fuzz: libFuzzer targets.  make check replays each corpus through
# standalone.c (TAP, one test per input); --enable-fuzzing (CC=clang) also
# builds the real fuzzers: tests/fuzz/fuzz-notation tests/fuzz/corpus/notation
FUZZ_REPLAYS = tests/fuzz/replay-notation
check_PROGRAMS += $(FUZZ_REPLAYS)
TESTS += $(FUZZ_REPLAYS)
tests_fuzz_replay_notation_SOURCES = tests/fuzz/standalone.c \
	tests/fuzz/fuzz-notation.c
tests_fuzz_replay_notation_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	-DFUZZ_TARGET='"notation"'
tests_fuzz_replay_notation_CFLAGS = $(KSM_TEST_CFLAGS)
tests_fuzz_replay_notation_LDADD = $(KSM_TEST_LDADD)
EXTRA_DIST += tests/fuzz/corpus
# the get_secret answer walker and record loader
FUZZ_REPLAYS += tests/fuzz/replay-response
tests_fuzz_replay_response_SOURCES = tests/fuzz/standalone.c \
	tests/fuzz/fuzz-response.c
tests_fuzz_replay_response_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	-DFUZZ_TARGET='"response"'
tests_fuzz_replay_response_CFLAGS = $(KSM_TEST_CFLAGS)
tests_fuzz_replay_response_LDADD = $(KSM_TEST_LDADD)

if ENABLE_FUZZING
KSM_FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
noinst_PROGRAMS += tests/fuzz/fuzz-notation
# the parser and resolver are compiled in, so libFuzzer sees their coverage
tests_fuzz_fuzz_notation_SOURCES = tests/fuzz/fuzz-notation.c \
	core/notation-parse.c core/notation-b64.c core/notation-eval.c
tests_fuzz_fuzz_notation_CPPFLAGS = $(AM_CPPFLAGS)
tests_fuzz_fuzz_notation_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_notation_LDFLAGS = $(AM_LDFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_notation_LDADD = core/libksmcore.la $(CJSON_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz-response
tests_fuzz_fuzz_response_SOURCES = tests/fuzz/fuzz-response.c \
	core/json-scan.c core/records.c core/records-decrypt.c \
	core/records-opened.c
tests_fuzz_fuzz_response_CPPFLAGS = $(AM_CPPFLAGS)
tests_fuzz_fuzz_response_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_response_LDFLAGS = $(AM_LDFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_response_LDADD = core/libksmcore.la $(CJSON_LIBS)
endif
EXTRA_DIST += tests/integration/aws-vault.json tests/integration/notation-vault.json

# data the integration and conformance tests read
EXTRA_DIST += tests/integration/vault.json \
	tests/conformance/package.json tests/conformance/package-lock.json \
	tests/conformance/jssdk-client.mjs tests/conformance/README.md \
	tests/conformance/jssdk-install.sh

# make bench: tests/bench/bench.sh (timings, never part of make check)
bench: all $(check_PROGRAMS)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    bash '$(abs_top_srcdir)/tests/bench/bench.sh'
.PHONY: bench
EXTRA_DIST += tests/bench/bench.sh tests/bench/bench-lib.sh tests/bench/gen-vault.mjs \
	tests/bench/jssdk-bench.mjs

# plugins/ssh-agent: the pure agent protocol handler, and its fuzz corpus
check_PROGRAMS += tests/unit/test-agent-proto tests/fuzz/replay-agent
TESTS += tests/unit/test-agent-proto tests/fuzz/replay-agent
tests_unit_test_agent_proto_SOURCES = tests/unit/test-agent-proto.c \
	$(AGENT_PROTO_SOURCES)
tests_unit_test_agent_proto_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	$(AGENT_CPPFLAGS)
tests_unit_test_agent_proto_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_agent_proto_LDADD = $(KSM_TEST_LDADD) $(OPENSSL_LIBS)
tests_fuzz_replay_agent_SOURCES = tests/fuzz/standalone.c \
	tests/fuzz/fuzz-agent.c $(AGENT_PROTO_SOURCES)
tests_fuzz_replay_agent_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	$(AGENT_CPPFLAGS) -DFUZZ_TARGET='"agent"'
tests_fuzz_replay_agent_CFLAGS = $(KSM_TEST_CFLAGS)
tests_fuzz_replay_agent_LDADD = $(KSM_TEST_LDADD) $(OPENSSL_LIBS)
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-agent
tests_fuzz_fuzz_agent_SOURCES = tests/fuzz/fuzz-agent.c $(AGENT_PROTO_SOURCES)
tests_fuzz_fuzz_agent_CPPFLAGS = $(AM_CPPFLAGS) $(AGENT_CPPFLAGS)
tests_fuzz_fuzz_agent_CFLAGS = $(AM_CFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_agent_LDFLAGS = $(AM_LDFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_agent_LDADD = core/libksmcore.la $(CJSON_LIBS) $(OPENSSL_LIBS)
endif

# plugins/git: the credential protocol module, its unit test and fuzz replay
check_PROGRAMS += tests/unit/test-gitcred tests/fuzz/replay-gitcred
TESTS += tests/unit/test-gitcred tests/fuzz/replay-gitcred
tests_unit_test_gitcred_SOURCES = tests/unit/test-gitcred.c \
	plugins/git/gitcred.c plugins/git/gitcred.h
tests_unit_test_gitcred_CPPFLAGS = $(KSM_TEST_CPPFLAGS) -I$(top_srcdir)/plugins/git
tests_unit_test_gitcred_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_gitcred_LDADD = $(KSM_TEST_LDADD)
tests_fuzz_replay_gitcred_SOURCES = tests/fuzz/standalone.c \
	tests/fuzz/fuzz-gitcred.c plugins/git/gitcred.c plugins/git/gitcred.h
tests_fuzz_replay_gitcred_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	-I$(top_srcdir)/plugins/git -DFUZZ_TARGET='"gitcred"'
tests_fuzz_replay_gitcred_CFLAGS = $(KSM_TEST_CFLAGS)
tests_fuzz_replay_gitcred_LDADD = $(KSM_TEST_LDADD)
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-gitcred
tests_fuzz_fuzz_gitcred_SOURCES = tests/fuzz/fuzz-gitcred.c \
	plugins/git/gitcred.c plugins/git/gitcred.h
tests_fuzz_fuzz_gitcred_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/git
tests_fuzz_fuzz_gitcred_CFLAGS = $(AM_CFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_gitcred_LDFLAGS = $(AM_LDFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_gitcred_LDADD = core/libksmcore.la $(CJSON_LIBS)
endif

# plugins/pam: arguments and config rules (pure), then pam_keeper.so under
# real Linux-PAM (pam_start_confdir) against keeper-sandbox
check_PROGRAMS += tests/pam/test-pam-opts
TESTS += tests/pam/test-pam-opts
tests_pam_test_pam_opts_SOURCES = tests/pam/test-pam-opts.c \
	plugins/pam/pam-opts.c plugins/pam/pam-opts.h \
	plugins/pam/pam-config.c plugins/pam/pam-config.h \
	plugins/pam/pam-cache.c plugins/pam/pam-cache.h
tests_pam_test_pam_opts_CPPFLAGS = $(KSM_TEST_CPPFLAGS) -I$(top_srcdir)/plugins/pam
tests_pam_test_pam_opts_CFLAGS = $(KSM_TEST_CFLAGS) $(OPENSSL_CFLAGS)
tests_pam_test_pam_opts_LDADD = $(KSM_TEST_LDADD) $(OPENSSL_LIBS)
check_PROGRAMS += tests/unit/test-agent-keys
TESTS += tests/unit/test-agent-keys
tests_unit_test_agent_keys_SOURCES = tests/unit/test-agent-keys.c \
	$(AGENT_PROTO_SOURCES) $(AGENT_KEYS_SOURCES)
tests_unit_test_agent_keys_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	$(AGENT_CPPFLAGS)
tests_unit_test_agent_keys_CFLAGS = $(KSM_TEST_CFLAGS) $(LIBSSH_CFLAGS)
tests_unit_test_agent_keys_LDADD = $(KSM_TEST_LDADD) $(OPENSSL_LIBS) \
	$(LIBSSH_LIBS)
EXTRA_DIST += tests/integration/agent-vault.json
# keeper-agent: known_hosts lookup for the session-bind host restriction
check_PROGRAMS += tests/unit/test-agent-hosts
TESTS += tests/unit/test-agent-hosts
tests_unit_test_agent_hosts_SOURCES = tests/unit/test-agent-hosts.c \
	$(AGENT_HOSTS_SOURCES)
tests_unit_test_agent_hosts_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	$(AGENT_CPPFLAGS)
tests_unit_test_agent_hosts_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_agent_hosts_LDADD = $(KSM_TEST_LDADD) $(OPENSSL_LIBS)
# keeper-agent: host-key signatures (session-bind) and the access control
check_PROGRAMS += tests/unit/test-agent-verify tests/unit/test-agent-policy
TESTS += tests/unit/test-agent-verify tests/unit/test-agent-policy
tests_unit_test_agent_verify_SOURCES = tests/unit/test-agent-verify.c \
	$(AGENT_PROTO_SOURCES)
tests_unit_test_agent_verify_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	$(AGENT_CPPFLAGS)
tests_unit_test_agent_verify_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_agent_verify_LDADD = $(KSM_TEST_LDADD) $(OPENSSL_LIBS)
tests_unit_test_agent_policy_SOURCES = tests/unit/test-agent-policy.c \
	$(AGENT_PROTO_SOURCES) $(AGENT_POLICY_SOURCES)
tests_unit_test_agent_policy_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	$(AGENT_CPPFLAGS)
tests_unit_test_agent_policy_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_agent_policy_LDADD = $(KSM_TEST_LDADD) $(OPENSSL_LIBS)
if ENABLE_PAM
check_PROGRAMS += tests/pam/pam-driver
tests_pam_pam_driver_SOURCES = tests/pam/pam-driver.c
tests_pam_pam_driver_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS) $(KEYUTILS_CFLAGS)
tests_pam_pam_driver_LDADD = $(PAM_LIBS) $(KEYUTILS_LIBS)
endif
TESTS += tests/integration/pam.sh tests/integration/pam-sshd.sh
EXTRA_DIST += tests/integration/pam.sh tests/integration/pam-vault.json \
	tests/integration/pam-sshd.sh
# plugins/git: real git against lighttpd + git http-backend and the sandbox
TESTS += tests/integration/git.sh
EXTRA_DIST += tests/integration/git.sh tests/integration/git-vault.json
# keeper-agent under real ssh-add, ssh-keygen -Y and sshd
TESTS += tests/integration/ssh-agent.sh
EXTRA_DIST += tests/integration/ssh-agent.sh
# keeper-agent's access control: two sshd, a jump host, forged binds,
# SSH_ASKPASS confirmation, lock/unlock, lifetimes, the audit log
TESTS += tests/integration/ssh-agent-hosts.sh
EXTRA_DIST += tests/integration/ssh-agent-hosts.sh \
	tests/integration/agent-forge.py
# keeper-keyring under a real gnome-keyring on a private session bus
TESTS += tests/integration/keyring.sh
EXTRA_DIST += tests/integration/keyring.sh
# keyring/ (helper keyring): libksm's keyring config source without a bus
check_PROGRAMS += tests/unit/test-config-keyring
TESTS += tests/unit/test-config-keyring
tests_unit_test_config_keyring_SOURCES = tests/unit/test-config-keyring.c
tests_unit_test_config_keyring_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_config_keyring_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_config_keyring_LDADD = $(KSM_TEST_LDADD)
# profiles: named configs beside the default one (core/config-profile.c)
check_PROGRAMS += tests/unit/test-config-profile
TESTS += tests/unit/test-config-profile
tests_unit_test_config_profile_SOURCES = tests/unit/test-config-profile.c
tests_unit_test_config_profile_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_config_profile_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_config_profile_LDADD = $(KSM_TEST_LDADD)
# keeper-secret profile ... and --profile/KSM_PROFILE end to end
TESTS += tests/integration/profile.sh
EXTRA_DIST += tests/integration/profile.sh
# bash, zsh and fish completions (completions/), records from the cache only
TESTS += tests/integration/completion.sh
EXTRA_DIST += tests/integration/completion.sh

# release pass (helper release): exported symbols, public headers alone as C
# and C++, docs/ERRORS.md against error.h, and a DESTDIR install + uninstall
# with a program built through pkg-config.  The install test reads the
# switches from here.
AM_TESTS_ENVIRONMENT += \
	KSM_CC='$(CC)'; export KSM_CC; MAKE='$(MAKE)'; export MAKE; \
	KSM_BUILD_CFLAGS='$(KSM_CFLAGS)'; export KSM_BUILD_CFLAGS; \
	KSM_ENABLE_PAM='$(ENABLE_PAM_TRUE)'; export KSM_ENABLE_PAM; \
	KSM_ENABLE_SANDBOX='$(ENABLE_SANDBOX_TRUE)'; export KSM_ENABLE_SANDBOX; \
	KSM_ENABLE_KEYRING='$(ENABLE_KEYRING_TRUE)'; export KSM_ENABLE_KEYRING;
# install.sh asks where `make install` puts things for a prefix of its
# choosing (`make -s print-install-dirs prefix=/usr`): shell assignments
print-install-dirs:
	@echo "bindir='$(bindir)' libdir='$(libdir)'"
	@echo "includedir='$(includedir)' mandir='$(mandir)' docdir='$(docdir)'"
	@echo "pamdir='$(pamdir)' pamsystemdir='$(pamsystemdir)'"
	@echo "pkglibdir='$(pkglibdir)' pkgconfigdir='$(pkgconfigdir)'"
	@echo "systemduserunitdir='$(systemduserunitdir)'"
	@echo "bashcompletiondir='$(bashcompletiondir)'"
	@echo "zshcompletiondir='$(zshcompletiondir)'"
	@echo "fishcompletiondir='$(fishcompletiondir)'"
	@echo "programs='$(bin_PROGRAMS)' manpages='$(dist_man_MANS)'"
.PHONY: print-install-dirs
RELEASE_TESTS = tests/release/symbols.sh tests/release/headers.sh \
	tests/release/errors-doc.sh tests/integration/install.sh \
	tests/release/man-help.sh
TESTS += $(RELEASE_TESTS)
EXTRA_DIST += $(RELEASE_TESTS) tests/release/tap.sh
# the documents (tests/release/errors-doc.sh reads docs/ERRORS.md)
EXTRA_DIST += docs
# the JS SDK that tests/conformance/jssdk-install.sh installs with npm
# into the build tree (kept by make clean, so reruns are offline)
distclean-local: distclean-local-jssdk
distclean-local-jssdk:
	-rm -rf tests/conformance/node_modules tests/conformance/npm-cache \
	    tests/conformance/notation tests/conformance/.install-lock \
	    tests/conformance/npm-ci.log
	-if test '$(abs_top_builddir)' != '$(abs_top_srcdir)'; then \
	    rm -f tests/conformance/package.json \
	        tests/conformance/package-lock.json; fi
.PHONY: distclean-local-jssdk

# the cross-process cache (helper cache): pure parts, files, policy through
# a scripted server, coalescing of forked processes; cache.sh end to end
check_PROGRAMS += tests/unit/test-cache
tests_unit_test_cache_SOURCES = tests/unit/test-cache.c
tests_unit_test_cache_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_cache_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_cache_LDADD = $(KSM_TEST_LDADD)

# libksm record updates (update_secret) against a scripted server (helper "git")
check_PROGRAMS += tests/unit/test-update
TESTS += tests/unit/test-update
tests_unit_test_update_SOURCES = tests/unit/test-update.c
tests_unit_test_update_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_update_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_update_LDADD = $(KSM_TEST_LDADD)
# git credential helper bench (helper "git"; run by make bench, not make check)
EXTRA_DIST += tests/bench/bench-git.sh tests/bench/git-credential-jssdk.mjs
# keeper-agent as the resident session: figures for make bench, not check
EXTRA_DIST += tests/bench/bench-session.sh
TESTS += tests/unit/test-cache tests/integration/cache.sh
EXTRA_DIST += tests/integration/cache.sh
# keeper-agent bench client (tests/bench/bench-agent.sh; make bench, not check)
noinst_PROGRAMS += tests/bench/agent-bench
tests_bench_agent_bench_SOURCES = tests/bench/agent-bench.c \
	$(AGENT_PROTO_SOURCES)
tests_bench_agent_bench_CPPFLAGS = $(AM_CPPFLAGS) \
	$(AGENT_CPPFLAGS)
tests_bench_agent_bench_LDADD = core/libksmcore.la $(CJSON_LIBS) \
	$(OPENSSL_LIBS)
EXTRA_DIST += tests/bench/bench-agent.sh tests/bench/bench-clock.h
# writes: keeper-secret and the official JS SDK, each reading what the other
# wrote (create, update, transactions, upload, folders, delete); refusals
# and failures (writes.sh); the pure parts (test-writes)
TESTS += tests/integration/writes-jssdk.sh tests/integration/writes.sh
EXTRA_DIST += tests/integration/writes-jssdk.sh tests/integration/writes.sh \
	tests/integration/write-vault.json tests/conformance/jssdk-writes.mjs
check_PROGRAMS += tests/unit/test-writes
TESTS += tests/unit/test-writes
tests_unit_test_writes_SOURCES = tests/unit/test-writes.c
tests_unit_test_writes_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_writes_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_writes_LDADD = $(KSM_TEST_LDADD)
# one HTTPS connection per client, also after the server closed it (helper "connreuse")
TESTS += tests/integration/connreuse.sh
EXTRA_DIST += tests/integration/connreuse.sh
# in-process get timings for make bench (tests/bench/bench.sh; not a test)
noinst_PROGRAMS += tests/bench/get-bench
tests_bench_get_bench_SOURCES = tests/bench/get-bench.c
tests_bench_get_bench_LDADD = core/libksm.la
# one process timed from posix_spawn to its reaping (bench-lib.sh imed)
noinst_PROGRAMS += tests/bench/spawn-time
tests_bench_spawn_time_SOURCES = tests/bench/spawn-time.c
noinst_PROGRAMS += tests/bench/curl-load-bench
tests_bench_curl_load_bench_SOURCES = tests/bench/curl-load-bench.c
tests_bench_curl_load_bench_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(CURL_CFLAGS)
tests_bench_curl_load_bench_LDADD = $(OPENSSL_LIBS)
# keeper-agent as the resident session: libksm's clients through its secrets socket
TESTS += tests/integration/agent-session.sh
EXTRA_DIST += tests/integration/agent-session.sh

# templates (keeper-secret inject, exec --env-file; core/template.c):
# parse, render and the atomic writer against a scripted resolver; the
# dotenv parser; a fuzz replay of both; inject.sh end to end (lighttpd)
check_PROGRAMS += tests/unit/test-template tests/unit/test-dotenv \
	tests/fuzz/replay-template
TESTS += tests/unit/test-template tests/unit/test-dotenv \
	tests/fuzz/replay-template tests/integration/inject.sh
EXTRA_DIST += tests/integration/inject.sh tests/integration/inject-vault.json
# keeper-agent's templates, end to end with lighttpd
TESTS += tests/integration/agent-templates.sh
EXTRA_DIST += tests/integration/agent-templates.sh
tests_unit_test_template_SOURCES = tests/unit/test-template.c
tests_unit_test_template_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_template_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_template_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_dotenv_SOURCES = tests/unit/test-dotenv.c \
	cli/dotenv.c cli/dotenv.h
tests_unit_test_dotenv_CPPFLAGS = $(KSM_TEST_CPPFLAGS) -I$(top_srcdir)/cli
tests_unit_test_dotenv_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_dotenv_LDADD = $(KSM_TEST_LDADD)
tests_fuzz_replay_template_SOURCES = tests/fuzz/standalone.c \
	tests/fuzz/fuzz-template.c cli/dotenv.c cli/dotenv.h
tests_fuzz_replay_template_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	-I$(top_srcdir)/cli -DFUZZ_TARGET='"template"'
tests_fuzz_replay_template_CFLAGS = $(KSM_TEST_CFLAGS)
tests_fuzz_replay_template_LDADD = $(KSM_TEST_LDADD)
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-template
tests_fuzz_fuzz_template_SOURCES = tests/fuzz/fuzz-template.c \
	core/template.c core/notation-parse.c cli/dotenv.c cli/dotenv.h
tests_fuzz_fuzz_template_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/cli
tests_fuzz_fuzz_template_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_template_LDFLAGS = $(AM_LDFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_template_LDADD = core/libksmcore.la $(CJSON_LIBS)
endif
# the resident session: its messages (core/agent-msg.c, in libksmcore) and
# the answers keeper-agent keeps (secrets-answer.c); their fuzz replays
SECRETS_ANSWER_SOURCES = plugins/ssh-agent/secrets/secrets-answer.c \
	plugins/ssh-agent/secrets/secrets-answer.h
check_PROGRAMS += tests/unit/test-agent-msg tests/unit/test-secrets-answer \
	tests/unit/test-records-opened \
	tests/fuzz/replay-agent-msg tests/fuzz/replay-secrets-answer \
	tests/fuzz/replay-records-opened
TESTS += tests/unit/test-agent-msg tests/unit/test-secrets-answer \
	tests/unit/test-records-opened \
	tests/fuzz/replay-agent-msg tests/fuzz/replay-secrets-answer \
	tests/fuzz/replay-records-opened
tests_unit_test_records_opened_SOURCES = tests/unit/test-records-opened.c
tests_unit_test_records_opened_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_records_opened_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_records_opened_LDADD = $(KSM_TEST_LDADD)
tests_fuzz_replay_records_opened_SOURCES = tests/fuzz/standalone.c \
	tests/fuzz/fuzz-records-opened.c
tests_fuzz_replay_records_opened_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	-DFUZZ_TARGET='"records-opened"'
tests_fuzz_replay_records_opened_CFLAGS = $(KSM_TEST_CFLAGS)
tests_fuzz_replay_records_opened_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_agent_msg_SOURCES = tests/unit/test-agent-msg.c
tests_unit_test_agent_msg_CPPFLAGS = $(KSM_TEST_CPPFLAGS)
tests_unit_test_agent_msg_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_agent_msg_LDADD = $(KSM_TEST_LDADD)
tests_unit_test_secrets_answer_SOURCES = tests/unit/test-secrets-answer.c \
	$(SECRETS_ANSWER_SOURCES)
tests_unit_test_secrets_answer_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	$(AGENT_CPPFLAGS)
tests_unit_test_secrets_answer_CFLAGS = $(KSM_TEST_CFLAGS)
tests_unit_test_secrets_answer_LDADD = $(KSM_TEST_LDADD)
tests_fuzz_replay_agent_msg_SOURCES = tests/fuzz/standalone.c \
	tests/fuzz/fuzz-agent-msg.c
tests_fuzz_replay_agent_msg_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	-DFUZZ_TARGET='"agent-msg"'
tests_fuzz_replay_agent_msg_CFLAGS = $(KSM_TEST_CFLAGS)
tests_fuzz_replay_agent_msg_LDADD = $(KSM_TEST_LDADD)
tests_fuzz_replay_secrets_answer_SOURCES = tests/fuzz/standalone.c \
	tests/fuzz/fuzz-secrets-answer.c $(SECRETS_ANSWER_SOURCES)
tests_fuzz_replay_secrets_answer_CPPFLAGS = $(KSM_TEST_CPPFLAGS) \
	$(AGENT_CPPFLAGS) -DFUZZ_TARGET='"secrets-answer"'
tests_fuzz_replay_secrets_answer_CFLAGS = $(KSM_TEST_CFLAGS)
tests_fuzz_replay_secrets_answer_LDADD = $(KSM_TEST_LDADD)
if ENABLE_FUZZING
# the module under test is compiled in, so libFuzzer sees its coverage
noinst_PROGRAMS += tests/fuzz/fuzz-agent-msg tests/fuzz/fuzz-secrets-answer \
	tests/fuzz/fuzz-records-opened
tests_fuzz_fuzz_records_opened_SOURCES = tests/fuzz/fuzz-records-opened.c \
	core/json-scan.c core/records.c core/records-opened.c
tests_fuzz_fuzz_records_opened_CPPFLAGS = $(AM_CPPFLAGS)
tests_fuzz_fuzz_records_opened_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) \
	$(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_records_opened_LDFLAGS = $(AM_LDFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_records_opened_LDADD = core/libksmcore.la $(CJSON_LIBS)
tests_fuzz_fuzz_agent_msg_SOURCES = tests/fuzz/fuzz-agent-msg.c \
	core/agent-msg.c core/util/wire.c
tests_fuzz_fuzz_agent_msg_CPPFLAGS = $(AM_CPPFLAGS)
tests_fuzz_fuzz_agent_msg_CFLAGS = $(AM_CFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_agent_msg_LDFLAGS = $(AM_LDFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_agent_msg_LDADD = core/libksmcore.la $(CJSON_LIBS)
tests_fuzz_fuzz_secrets_answer_SOURCES = tests/fuzz/fuzz-secrets-answer.c \
	$(SECRETS_ANSWER_SOURCES) core/json-scan.c
tests_fuzz_fuzz_secrets_answer_CPPFLAGS = $(AM_CPPFLAGS) \
	$(AGENT_CPPFLAGS)
tests_fuzz_fuzz_secrets_answer_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) \
	$(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_secrets_answer_LDFLAGS = $(AM_LDFLAGS) $(KSM_FUZZ_FLAGS)
tests_fuzz_fuzz_secrets_answer_LDADD = core/libksmcore.la $(CJSON_LIBS)
endif
