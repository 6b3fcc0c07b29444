#!/bin/bash
# A server that misbehaves: tampered answers, an unsupported client
# version, and a server key rotation that the client must follow.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

LOGIN=ItLoginRecord0000000A1
CFG=$TMP/ksm-config.json

# bind against a sound server; restarts keep the state (keys, clients) and
# KSM_HOSTNAME points the client at the new port
sb_start
ks_init "$CFG"
expect_ok "init"

sb_start --fault tamper
KSM_HOSTNAME=$SB_ADDR run_ks --config "$CFG" get "$LOGIN"
expect_fail "tampered response: EPROTO" 25 "."
check "nothing printed from a tampered response" test ! -s "$OUT"

sb_start --fault version
KSM_HOSTNAME=$SB_ADDR run_ks --config "$CFG" get "$LOGIN"
expect_fail "client version refused: EVERSION" 31 "version"

sb_start --rotate-key
KSM_HOSTNAME=$SB_ADDR run_ks --config "$CFG" get --json "$LOGIN"
expect_ok "server key rotation: get still succeeds"
check "after rotation: password matches the vault" \
    test "$(got_value "$LOGIN" password)" = "$(vault_value "$LOGIN" password)"

sb_start --rotate-key
ks_init "$TMP/rotated-init.json"
expect_ok "server key rotation during init: init succeeds"
run_ks --config "$TMP/rotated-init.json" list
expect_ok "list after an init that followed a rotation"

check_no_secrets
done_testing
