#!/bin/bash
# keeper-secret profile init|list|use|export|import|rm end to end, and
# --profile / KSM_PROFILE, against keeper-sandbox: two profiles bound to
# two applications (so the records tell which one answered), the files
# 0600, the active profile, the environment's precedence, the exported
# form checked as standard base64 and used as KSM_CONFIG by keeper-secret
# and by the official JS SDK (its own loadJsonConfig), import (stdin only)
# with the SDKs' base64 vector, refusals with their exit statuses.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

CFGDIR=$HOME/.config/keeper
CI_REC=ItLoginRecord0000000A1		# shared with itest
OTHER_REC=ItUnsharedRecord000AE5	# shared with other only

mode_of() {
	stat -c %a "$1" 2>/dev/null
}

# lists REC: the last run_ks listed record REC
lists() {
	grep -q "^$1 " "$OUT"
}

sb_start
sb_bind_opts

# ---- init: two profiles, two applications ----

run_ks profile list
verdict $(( RC != 0 || $(wc -c <"$OUT") != 0 )) "list with no profile: empty"

sb_token >"$TMP/tok"
run_ks profile init ci --token - "${SB_BIND[@]}" <"$TMP/tok"
expect_ok "profile init ci binds with a token on stdin"
[ -f "$CFGDIR/profiles/ci.json" ] && [ "$(mode_of "$CFGDIR/profiles/ci.json")" = 600 ] &&
    [ "$(mode_of "$CFGDIR/profiles")" = 700 ] && [ ! -e "$CFGDIR/ksm-config.json" ]
verdict $? "profiles/ci.json is 0600 in a 0700 directory; no default file"
grep -q "profiles/ci.json" "$OUT"
verdict $? "init says where it wrote"

sb_token other >"$TMP/tok"
run_ks --profile personal init --token - "${SB_BIND[@]}" <"$TMP/tok"
expect_ok "--profile personal init binds another application"

run_ks list
expect_fail "no profile named, no default file: the usual error" 26 \
    "no Keeper configuration found at '.*/keeper/ksm-config.json'"
run_ks --profile ci list
verdict $(( RC != 0 )) "--profile ci list"
lists "$CI_REC" && ! lists "$OTHER_REC"
verdict $? "--profile ci: the itest records"
KSM_PROFILE=personal run_ks list
lists "$OTHER_REC" && ! lists "$CI_REC"
verdict $? "KSM_PROFILE=personal: the other application's records"
run_ks --profile personal get --json "$OTHER_REC"
verdict $(( RC != 0 )) "--profile works for get as well"

# the plug-ins take --profile too (and KSM_PROFILE through libksm)
printf 'protocol=https\nhost=git.example.com\n\n' >"$TMP/gitreq"
run_prog "$top_builddir/plugins/git/git-credential-keeper" --profile ci \
    --record "$CI_REC" get <"$TMP/gitreq"
grep -qxF "password=$(vault_value "$CI_REC" password)" "$OUT"
verdict $? "git-credential-keeper --profile ci --record UID get"
KSM_PROFILE=ci run_prog "$top_builddir/plugins/git/git-credential-keeper" \
    --record "$CI_REC" get <"$TMP/gitreq"
grep -qxF "password=$(vault_value "$CI_REC" password)" "$OUT"
verdict $? "git-credential-keeper with KSM_PROFILE=ci"
run_prog "$top_builddir/plugins/ssh-agent/keeper-agent" -D --profile ../x
expect_fail_of keeper-agent "keeper-agent --profile with a bad name" 2 \
    "not a profile name"

sb_token >"$TMP/tok"
run_ks profile init ci --token - "${SB_BIND[@]}" <"$TMP/tok"
expect_fail "init again over profile ci with another token: refused" 34 \
    "already holds the configuration of another device"

# ---- list and use ----

run_ks profile list
grep -Eq "^  ci +$CFGDIR/profiles/ci.json$" "$OUT" &&
    grep -Eq "^  personal +$CFGDIR/profiles/personal.json$" "$OUT" &&
    ! grep -q '^\*' "$OUT"
verdict $? "list: both profiles and their files, none in force"

run_ks profile use personal
expect_ok "profile use personal"
[ "$(cat "$CFGDIR/active-profile")" = personal ] &&
    [ "$(mode_of "$CFGDIR/active-profile")" = 600 ]
verdict $? "active-profile holds the name, mode 0600"
run_ks list
lists "$OTHER_REC"
verdict $? "no option: the active profile answers"
KSM_PROFILE=ci run_ks list
lists "$CI_REC"
verdict $? "KSM_PROFILE beats the active profile"
run_ks --profile ci list
lists "$CI_REC"
verdict $? "--profile beats the active profile"
run_ks profile list --json
[ "$(jq -r '[.[] | select(.current and .active) | .name] | join(",")' "$OUT")" = personal ] &&
    [ "$(jq -r 'map(.name) | join(",")' "$OUT")" = ci,personal ]
verdict $? "list --json: names, the active one in force"
KSM_PROFILE=ci run_ks profile list
grep -q '^\* ci ' "$OUT"
verdict $? "list marks the profile KSM_PROFILE puts in force"

run_ks profile use nope
expect_fail "use of a profile that does not exist" 1 "there is no profile 'nope'"
expect_hint "profile list"
KSM_PROFILE=nope run_ks list
expect_fail "KSM_PROFILE naming no profile: no fall-back" 26 \
    "there is no Keeper profile 'nope' \(named by KSM_PROFILE"
expect_hint "profile init nope"

# ---- export: the SDKs' KSM_CONFIG form ----

run_ks profile export ci
expect_ok "profile export ci"
B64=$(cat "$OUT")
[ "$(wc -l <"$OUT")" -eq 1 ] && [[ $B64 =~ ^[A-Za-z0-9+/]+=*$ ]] &&
    [ "$(printf %s "$B64" | base64 -d | base64 -w0)" = "$B64" ]
verdict $? "one line of standard base64 that round-trips (the Python SDK's test)"
printf %s "$B64" | base64 -d | jq -S . >"$TMP/exported.json" &&
    jq -S . "$CFGDIR/profiles/ci.json" | cmp -s - "$TMP/exported.json"
verdict $? "it decodes to the profile's JSON"
KSM_CONFIG=$B64 run_ks list
lists "$CI_REC"
verdict $? "keeper-secret reads it as KSM_CONFIG"
run_ks profile export
[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" != "$B64" ]
verdict $? "export without a name: the profile in force (personal)"

if command -v node >/dev/null 2>&1; then
	jssdk_install	# sets KSM_JSSDK, CONF_SRC
	KSM_CONFIG=$B64 run_prog node "$CONF_SRC/jssdk-client.mjs" --config-env \
	    --ca-file "$(jq -r .caFile <<<"$(sb_info)")"
	[ "$RC" -eq 0 ] && jq -e --arg u "$CI_REC" 'has($u)' "$OUT" >/dev/null
	verdict $? "the official JS SDK reads the export as KSM_CONFIG (loadJsonConfig)"
else
	ok "# SKIP node not installed: the JS SDK check"
fi

# ---- import (stdin only) ----

printf '%s\n' "$B64" >"$TMP/b64"
run_ks profile import copy <"$TMP/b64"
expect_ok "import copy from the export on stdin"
[ "$(mode_of "$CFGDIR/profiles/copy.json")" = 600 ] &&
    jq -S . "$CFGDIR/profiles/copy.json" | cmp -s - "$TMP/exported.json"
verdict $? "profiles/copy.json: 0600, the same config"
run_ks --profile copy list
lists "$CI_REC"
verdict $? "the imported profile works"
run_ks profile import copy <"$TMP/b64"
expect_fail "import over an existing profile" 34 "profile 'copy' already exists"
expect_hint "--force"
jq . "$CFGDIR/profiles/personal.json" >"$TMP/personal.json"
run_ks profile import --force copy <"$TMP/personal.json"
expect_ok "import --force replaces it (JSON accepted too)"
run_ks --profile copy list
lists "$OTHER_REC"
verdict $? "the replaced profile is the other application's"
printf 'not a config\n' >"$TMP/junk"
run_ks profile import junk <"$TMP/junk"
expect_fail "import of something that is no config" 26 "corrupt Keeper configuration"
printf '{"hostname": "x"}' >"$TMP/junk"
run_ks profile import junk <"$TMP/junk"
expect_fail "import of an unbound config" 1 "not bound"
[ ! -e "$CFGDIR/profiles/junk.json" ]
verdict $? "nothing written for refused imports"
# the base64 config of the JS, Java and .NET SDK tests
vec=$(jq -r '.base64_config[] | select(.config_base64) | .config_base64' \
    "$KSM_TEST_VECTORS/crypto-vectors.json")
printf '%s\n' "$vec" >"$TMP/vec"
run_ks profile import vector <"$TMP/vec"
expect_ok "import of the SDKs' base64 config vector"
run_ks profile export vector
printf %s "$(cat "$OUT")" | base64 -d | jq -cS . >"$TMP/vec-out.json"
printf %s "$vec" | base64 -d | jq -cS . | cmp -s - "$TMP/vec-out.json"
verdict $? "exported again, it decodes to the vector's JSON"

# ---- rm ----

run_ks profile rm copy
[ "$RC" -eq 0 ] && [ ! -e "$CFGDIR/profiles/copy.json" ]
verdict $? "rm copy removes its file"
run_ks profile rm personal
[ "$RC" -eq 0 ] && [ ! -e "$CFGDIR/active-profile" ] && grep -q "active profile: default" "$OUT"
verdict $? "rm of the active profile makes default active again"
run_ks profile rm copy
expect_fail "rm of a profile that is not there" 1 "there is no profile 'copy'"
run_ks profile rm default
expect_fail "rm default is refused" 2 "default configuration file"

# ---- refusals ----

run_ks --profile ../x list
expect_fail "--profile ../x" 2 "'../x' is not a profile name"
KSM_PROFILE=../x run_ks list
expect_fail "KSM_PROFILE=../x" 13 "KSM_PROFILE '../x' is not a profile name"
run_ks --config "$CFGDIR/profiles/ci.json" --profile ci list
expect_fail "--config with --profile" 2 "give one"
run_ks profile init ci --config "$TMP/x.json" --token - </dev/null
expect_fail "profile init NAME with --config" 2 "give one"
run_ks profile frob
expect_fail "an unknown profile command" 2 "unknown profile command 'frob'"
chmod 644 "$CFGDIR/profiles/ci.json"
run_ks --profile ci list
expect_fail "a profile file others may read is refused" 27 "too open"
expect_hint "chmod 600"
chmod 600 "$CFGDIR/profiles/ci.json"

check_no_secrets
done_testing
