#!/bin/bash
# Every error a user can meet, provoked for real: exit status and message.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

LOGIN=ItLoginRecord0000000A1
CFG=$TMP/ksm-config.json

sb_start
ks_init "$CFG"
expect_ok "init"
run_ks --config "$CFG" get "$LOGIN"
expect_ok "get works before anything is broken"

# ---- vault-side errors ----
run_ks --config "$CFG" get ItUnsharedRecord000AE5
expect_fail "record not shared with the application: ENOTSHARED" 19 \
    "ItUnsharedRecord000AE5"
expect_hint "share"
check "nothing printed on stdout for an unshared record" test ! -s "$OUT"

run_ks --config "$CFG" get "$LOGIN" ItUnsharedRecord000AE5
expect_fail "one unshared UID among several fails the whole get" 19 \
    "ItUnsharedRecord000AE5"
check "no secret of the shared record printed either" test ! -s "$OUT"

run_ks --config "$CFG" get ItLegacyRecord00000AC3
expect_fail "legacy (V2) record: ELEGACY" 17 "legacy"
expect_hint "convert"

# ---- tokens ----
token=$(sb_token)
ks_init "$TMP/first.json" "$token"
expect_ok "init with a fresh token"
ks_init "$TMP/second.json" "$token"
expect_fail "the same token a second time: ETOKEN" 28 "token"
check "no config written for a rejected token" test ! -e "$TMP/second.json"

RC=0
printf 'not-a-token\n' | timeout "$TIMEOUT" "$KS" init --token - \
    --config "$TMP/bad.json" >"$OUT" 2>"$ERR" || RC=$?
cat "$ERR" >>"$ALL_ERR"
expect_fail "a malformed token: ETOKEN" 28 "token"

RC=0
timeout "$TIMEOUT" "$KS" init --config "$TMP/none.json" </dev/null \
    >"$OUT" 2>"$ERR" || RC=$?
cat "$ERR" >>"$ALL_ERR"
expect_fail "init without any token is a usage error" 2 "no one-time token"

# ---- configuration ----
run_ks --config "$TMP/missing.json" list
expect_fail "missing config: ECONFIG" 26 "missing.json"
expect_hint "keeper-secret init"

cp "$CFG" "$TMP/open.json"
chmod 0644 "$TMP/open.json"
run_ks --config "$TMP/open.json" list
expect_fail "config readable by others: EPERM" 27 "0644"
expect_hint "chmod 600"

# another valid key pair (from a second binding) in place of ours
cfg2=$TMP/first.json
jq --arg k "$(jq -r .privateKey "$cfg2")" '.privateKey = $k' "$CFG" \
    >"$TMP/swapped.json"
chmod 0600 "$TMP/swapped.json"
run_ks --config "$TMP/swapped.json" list
expect_fail "config with another device's key: EACCESS" 18 \
    "[Ss]ignature is invalid"

# our private scalar with the other key's public point embedded: the key
# is checked fully on its first use, and that fails before any request
jq -r .privateKey "$CFG" | base64 -d >"$TMP/ours.der"
jq -r .privateKey "$cfg2" | base64 -d >"$TMP/theirs.der"
n=$(stat -c %s "$TMP/ours.der")
{ head -c $((n - 65)) "$TMP/ours.der"; tail -c 65 "$TMP/theirs.der"; } |
    base64 -w 0 >"$TMP/mixed.b64"
jq --rawfile k "$TMP/mixed.b64" '.privateKey = $k' "$CFG" >"$TMP/mixed.json"
chmod 0600 "$TMP/mixed.json"
cmp -s "$TMP/ours.der" "$TMP/theirs.der" && bail "two bindings gave one key"
run_ks --config "$TMP/mixed.json" list
expect_fail "config whose privateKey embeds another public key: ECONFIG" 26 \
    "privateKey in the config is damaged"
expect_hint "bind again"

# list_with FIELD VALUE: `list` (no cache) with a copy of $CFG whose FIELD
# is VALUE
list_with() {
	jq --arg v "$2" ".$1 = \$v" "$CFG" >"$TMP/broken.json"
	chmod 0600 "$TMP/broken.json"
	KSM_CACHE_TTL=0 run_ks --config "$TMP/broken.json" list
}

# a privateKey that is not a key: base64 is checked when the client opens,
# the PKCS#8 when the key is first used (parsing it loads libcrypto); the
# same message either way
for k in 'not base64!' "$(printf '\060\003\002\001\000' | base64)"; do
	list_with privateKey "$k"
	expect_fail "config whose privateKey is '$k': ECONFIG" 26 \
	    "privateKey in the config is not a base64 PKCS#8 P-256 key"
	expect_hint "bind again"
done

# a serverPublicKey that is not on the curve: checked when first used
list_with serverPublicKey "$({ printf '\004'; head -c 64 /dev/zero; } |
    base64 -w 0)"
expect_fail "config whose serverPublicKey is off the curve: ECONFIG" 26 \
    "serverPublicKey is not a base64 P-256 point"
expect_hint "fix serverPublicKey"

# a CA that did not sign the sandbox's certificate
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$TMP/other-ca.key" -out "$TMP/other-ca.pem" -days 2 \
    -subj "/CN=not the sandbox CA" >/dev/null 2>&1 ||
    bail "openssl cannot make a CA"
KSM_CA_FILE=$TMP/other-ca.pem run_ks --config "$CFG" list
expect_fail "server certificate from another CA: ETLS" 21 "certificate"
check "the TLS error mentions a proxy and the CA-file setting" \
    sh -c "grep -qi proxy '$ERR' && grep -Eq 'KSM_CA_FILE|caFile|ca-file' '$ERR'"

KSM_MAX_THROTTLE_WAIT_MS=0 run_ks --config "$CFG" list
expect_ok "KSM_MAX_THROTTLE_WAIT_MS=0 alone changes nothing when not throttled"

# ---- the server goes away ----
sb_stop
KSM_CACHE_TTL=0 run_ks --config "$CFG" list	# the transport, not the cache
expect_fail "server stopped: ENETWORK" 23 "cannot reach|connect"

check_no_secrets
done_testing
