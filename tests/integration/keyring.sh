#!/bin/bash
# keeper-keyring against a real Secret Service: gnome-keyring-daemon on a
# private dbus-run-session bus with a fresh HOME, and keeper-sandbox.
# The KSM config lives only in the keyring; sync mirrors land where
# secret-tool finds them; no bus, no provider, a locked collection and a
# tampered entry each have their own message and exit status.

# Re-run this script inside its own session bus (torn down at exit).
if [ -z "${KR_IN_SESSION:-}" ]; then
	for c in dbus-run-session gnome-keyring-daemon secret-tool gdbus; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "1..0 # SKIP $c not installed"
			exit 0
		fi
	done
	export KR_IN_SESSION=1
	# a pipeline runs in a subshell, so exit with the test's own status
	dbus-run-session -- bash "$0" "$@" 2>&1 >&3 3>&- |
	    grep -v 'Failed to set fd limit' >&2
	exit "${PIPESTATUS[0]}"
fi 3>&1

. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

KK=$top_builddir/keyring/keeper-keyring
[ -x "$KK" ] || skip_all "keeper-keyring not built (configure found no libsecret)"
LOGIN=ItLoginRecord0000000A1
CFG=$TMP/ksm-config.json
GCK=$top_builddir/plugins/git/git-credential-keeper
# libksm dlopen()s the keyring module; here from the build tree
KSM_KEYRING_MODULE=$(cd "$top_builddir" && pwd)/keyring/.libs/ksm-keyring.so
export KSM_KEYRING_MODULE
unset KSM_CONFIG_KEYRING KSM_KEYRING_PROFILE

# run_kk ARGS...: like run_ks for keeper-keyring
run_kk() {
	run_prog "$KK" "$@"
}

# expect_kk_fail DESC STATUS REGEX: as expect_fail, "keeper-keyring: " prefix
expect_kk_fail() {
	expect_fail_of keeper-keyring "$@"
}

# ---- the keyring: unlock a fresh login collection, wait for the name ----
start_keyring() {
	printf 'itest-keyring-pw' | gnome-keyring-daemon --unlock \
	    --components=secrets >/dev/null 2>>"$TMP/gkd.stderr" || return 1
	# bounded wait (no fixed sleep) for the daemon to own the name
	gdbus wait --session --timeout 10 org.freedesktop.secrets \
	    2>>"$TMP/gkd.stderr"
}
if ! start_keyring && ! start_keyring; then	# one retry: toolchain.md §2
	cat "$TMP/gkd.stderr" >&2
	bail "gnome-keyring-daemon did not own org.freedesktop.secrets"
fi

run_kk doctor
expect_ok "doctor on a working session"
check "doctor names the unlocked default collection" \
    grep -Eq '^default collection: .*unlocked' "$OUT"

# ---- the KSM config: bind, move into the keyring, delete the file ----
sb_start
ks_init "$CFG"
expect_ok "keeper-secret init binds a config file"
run_kk config-store <"$CFG"
expect_ok "config-store reads the config from stdin"
rm -f "$CFG"
check "no config file left on disk" \
    sh -c "! test -e '$CFG' && ! test -e '$HOME/.config/keeper/ksm-config.json'"

run_kk exec-config -- "$KS" get --json "$LOGIN"
expect_ok "exec-config -- keeper-secret get, with no config file"
want=$(vault_value "$LOGIN" password)
got=$(got_value "$LOGIN" password)
check "the password came from the sandbox through the keyring config" \
    test -n "$want" -a "$got" = "$want"

check "secret-tool finds the config under application/profile" \
    sh -c "secret-tool lookup application keeper profile default | jq -e .clientId >/dev/null"
run_kk list
check "list shows the config profile" grep -q "^config	default	" "$OUT"

run_kk config-show --profile nosuch
expect_kk_fail "a missing profile is 'item missing'" 3 \
    "no Keeper config for profile 'nosuch'"
run_kk exec-config --profile nosuch -- true
expect_kk_fail "exec-config of a missing profile does not run the command" 3 \
    "no Keeper config"

# ---- keeper-secret init --keyring: libksm reads the keyring itself ----
# ks_init_kr ARGS...: ks_init, with ARGS in place of --config FILE
ks_init_kr() {
	local token=${TOKEN:-}
	[ -n "$token" ] || token=$(sb_token)
	sb_bind_opts
	RC=0
	printf '%s\n' "$token" | timeout "$TIMEOUT" "$KS" init --token - \
	    "${SB_BIND[@]}" "$@" >"$OUT" 2>"$ERR" || RC=$?
	cat "$ERR" >>"$ALL_ERR"
}
ks_init_kr --keyring
expect_fail "init --keyring never replaces another device's config" 34 \
    "already holds the configuration of another device"
ks_init_kr --keyring=kr1
expect_ok "keeper-secret init --keyring=kr1"
check "init says where the config went" \
    grep -q "stored in the keyring (profile 'kr1')" "$OUT"
kr1=$(secret-tool lookup application keeper profile kr1)
check "the keyring holds the finished binding (appKey, no clientKey)" \
    sh -c "jq -e '.appKey and .privateKey and (.clientKey | not)' >/dev/null" <<<"$kr1"
pk=$(jq -r .privateKey <<<"$kr1")
check "no config file on disk after init --keyring" \
    test ! -e "$HOME/.config/keeper/ksm-config.json" -a ! -e "$CFG"
check "no file under HOME or TMP holds the private key" \
    sh -c "test \${#1} -gt 40 && ! grep -rqaF -- \"\$1\" '$HOME' '$TMP'" _ "$pk"
unset kr1 pk

KSM_CONFIG_KEYRING=1 KSM_KEYRING_PROFILE=kr1 run_ks get --json "$LOGIN"
expect_ok "KSM_CONFIG_KEYRING=1 keeper-secret get, no config file"
check "the password came through the keyring config" \
    test "$(got_value "$LOGIN" password)" = "$want"
run_ks --config keyring:kr1 get --json "$LOGIN"
expect_ok "keeper-secret --config keyring:kr1 get"
KSM_CONFIG_KEYRING=1 KSM_KEYRING_PROFILE=nosuch run_ks get "$LOGIN"
expect_fail "a missing keyring profile" 26 "no Keeper config for profile 'nosuch' in the keyring"
KSM_CONFIG_KEYRING=maybe run_ks get "$LOGIN"
expect_fail "KSM_CONFIG_KEYRING must be 0, 1 or fallback" 26 "KSM_CONFIG_KEYRING is 'maybe'"
KSM_KEYRING_MODULE=$TMP/no-such-module.so KSM_CONFIG_KEYRING=1 run_ks get "$LOGIN"
expect_fail "no keyring module: its own message" 30 "no keyring support"

# a plug-in: git-credential-keeper, URL matching, config from the keyring
if [ -x "$GCK" ]; then
	RC=0
	printf 'protocol=https\nhost=db.example.com\n\n' |
	    KSM_CONFIG_KEYRING=1 KSM_KEYRING_PROFILE=kr1 timeout "$TIMEOUT" \
	    "$GCK" get >"$OUT" 2>"$ERR" || RC=$?
	cat "$ERR" >>"$ALL_ERR"
	check "git-credential-keeper with KSM_CONFIG_KEYRING=1 (exit $RC)" \
	    grep -qxF "password=$want" "$OUT"
else
	ok "# SKIP git-credential-keeper not built"
fi

# ---- keeper-secret profiles kept in the keyring ----
PROFDIR=$HOME/.config/keeper/profiles
sb_bind_opts
sb_token >"$TMP/tok"
run_ks profile init desk --keyring --token - "${SB_BIND[@]}" <"$TMP/tok"
expect_ok "profile init desk --keyring"
check "a marker, no config file: profiles/desk.keyring only" \
    test -f "$PROFDIR/desk.keyring" -a ! -e "$PROFDIR/desk.json"
check "the keyring holds profile desk's binding" \
    sh -c "secret-tool lookup application keeper profile desk | jq -e .appKey >/dev/null"
run_ks --profile desk get --json "$LOGIN"
check "keeper-secret --profile desk reads it from the keyring" \
    test "$RC" -eq 0 -a "$(got_value "$LOGIN" password)" = "$want"
run_ks profile list
check "profile list: desk lives in the keyring" grep -Eq '^  desk +keyring:desk$' "$OUT"
KSM_PROFILE=desk run_kk config-show
check "keeper-keyring takes KSM_PROFILE as its --profile" \
    sh -c "jq -e .appKey '$OUT' >/dev/null"
run_ks profile export desk
expect_ok "profile export of a keyring profile"
cp "$OUT" "$TMP/desk.b64"
run_kk config-store --profile kr2 <"$TMP/desk.b64"
expect_ok "keeper-keyring config-store --profile kr2 (the export's base64)"
run_ks --profile kr2 list
check "config-store made the marker: --profile kr2 finds the entry" \
    test "$RC" -eq 0 -a -f "$PROFDIR/kr2.keyring"
run_kk config-del --profile kr2
check "config-del removes the marker with the entry" \
    test "$RC" -eq 0 -a ! -e "$PROFDIR/kr2.keyring"
run_ks profile import --keyring imp <"$TMP/desk.b64"
check "profile import --keyring stores into the keyring" \
    sh -c "test $RC -eq 0 && test -f '$PROFDIR/imp.keyring' &&
    secret-tool lookup application keeper profile imp | jq -e .clientId >/dev/null"
run_ks profile rm desk
check "profile rm desk removes the marker" test "$RC" -eq 0 -a ! -e "$PROFDIR/desk.keyring"
expect_hint "keeper-keyring config-del --profile desk"
printf 'US:not-a-token\n' >"$TMP/tok"
run_ks profile init bad --keyring --token - "${SB_BIND[@]}" <"$TMP/tok"
check "a failed profile init --keyring leaves no marker (exit $RC)" \
    test "$RC" -ne 0 -a ! -e "$PROFDIR/bad.keyring"

# ---- lkru-style named values ----
run_kk set it-name <<<'hunter2'
expect_ok "set NAME with the value on stdin"
run_kk get it-name
check "get NAME returns it" test "$(cat "$OUT")" = hunter2
run_kk set -b it-bin - <<<'AAECA/8='
expect_ok "set -b decodes base64"
run_kk get -b it-bin
check "get -b returns the same bytes" test "$(cat "$OUT")" = 'AAECA/8='
run_kk del it-name
expect_ok "del NAME"
run_kk get it-name
expect_kk_fail "get after del: item missing" 3 "no value named 'it-name'"

# ---- sync into the session collection, answered by keeper-agent ----
# The agent reads the same config from the keyring.  The disk cache is
# off: an answer the sandbox did not see came from the agent.
export KSM_CACHE_TTL=0
ks_agent_start keyring:default --refresh 3600
N="keeper://$LOGIN/field/password"
run_kk sync "$N"
expect_ok "sync a notation"
check "... answered by keeper-agent (its audit trail names keeper-keyring)" \
    test "$(ks_agent_answers keeper-keyring)" -eq 1
check "secret-tool lookup finds the synced value" \
    test "$(secret-tool lookup application keeper notation "$N")" = "$want"
# search_paths ATTR VALUE...: the item paths SearchItems answers
search_paths() {
	local dict="" sep=""
	while [ $# -ge 2 ]; do
		dict="$dict$sep'$1': '$2'"
		sep=", "
		shift 2
	done
	timeout "$TIMEOUT" gdbus call --session --dest org.freedesktop.secrets \
	    --object-path /org/freedesktop/secrets \
	    --method org.freedesktop.Secret.Service.SearchItems "{$dict}"
}
paths=$(search_paths application keeper notation "$N")
check "the mirror is in the memory-only session collection" \
    test "$(grep -o '/collection/[a-z]*/' <<<"$paths")" = /collection/session/
calls=$(sb_calls get_secret)
run_kk sync "$N"
check "a re-sync answered by the agent, the sandbox not asked ($calls, $(sb_calls get_secret))" \
    test "$(ks_agent_answers keeper-keyring)" -eq 2 -a \
    "$(sb_calls get_secret)" -eq "$calls"
check "a re-sync replaces rather than duplicates" \
    test "$(secret-tool search --all application keeper notation "$N" 2>&1 | grep -c '^\[')" = 1

calls=$(sb_calls get_secret)
answers=$(ks_agent_answers keeper-keyring)
run_kk sync --as git "$LOGIN"
expect_ok "sync --as git"
check "... answered by the agent, the sandbox not asked ($calls, $(sb_calls get_secret))" \
    test "$(ks_agent_answers keeper-keyring)" -gt "$answers" -a \
    "$(sb_calls get_secret)" -eq "$calls"
check "... url, password and login from one answer ($answers, $(ks_agent_answers keeper-keyring))" \
    test "$(ks_agent_answers keeper-keyring)" -eq $((answers + 1))
check "git credential item: protocol/server/user find the password" \
    test "$(secret-tool lookup protocol https server db.example.com user it-user@example.com)" = "$want"
GCL_SRC=/usr/share/doc/git/contrib/credential/libsecret/git-credential-libsecret.c
if [ -f "$GCL_SRC" ] && cc -o "$TMP/git-credential-libsecret" "$GCL_SRC" \
    $(pkg-config --cflags --libs libsecret-1 glib-2.0 2>/dev/null) \
    2>"$TMP/gcl.stderr"; then
	got_git=$(printf 'protocol=https\nhost=db.example.com\n\n' |
	    timeout "$TIMEOUT" "$TMP/git-credential-libsecret" get)
	check "git-credential-libsecret returns the synced credential" \
	    test "$got_git" = "$(printf 'username=it-user@example.com\npassword=%s' "$want")"
else
	ok "# SKIP git-credential-libsecret could not be built from git's contrib"
fi
run_kk sync --as git "$LOGIN"
check "a re-sync --as git replaces" \
    test "$(secret-tool search --all protocol https server db.example.com 2>&1 | grep -c '^\[')" = 1

run_kk sync --remove
expect_ok "sync --remove"
check "sync --remove deleted both mirrors" \
    sh -c "! secret-tool lookup application keeper notation '$N' >/dev/null &&
	! secret-tool lookup protocol https server db.example.com >/dev/null"
check "sync --remove left the config alone" \
    sh -c "secret-tool lookup application keeper profile default >/dev/null"
check "keeper-agent still runs" kill -0 "$KS_AGENT_PID"
ks_agent_stop
unset KSM_CACHE_TTL

# ---- distinct failures ----
run_kk sync "keeper://$LOGIN/field/nosuchfield"
check "sync of a missing field fails with a libksm exit status" \
    test "$RC" -ge 10

# no bus: outside any session
RC=0
env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR -u DISPLAY \
    timeout "$TIMEOUT" "$KK" config-show >"$OUT" 2>"$ERR" || RC=$?
expect_kk_fail "no session bus" 4 "no D-Bus session bus"
check "no config on stdout without a bus" test ! -s "$OUT"

# no bus for libksm: an error of its own, never a quiet switch to the file
ks_init "$CFG"
nobus() {
	RC=0
	env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR -u DISPLAY "$@" \
	    timeout "$TIMEOUT" "$KS" get --json "$LOGIN" >"$OUT" 2>"$ERR" || RC=$?
	cat "$ERR" >>"$ALL_ERR"
}
nobus KSM_CONFIG_KEYRING=1 KSM_CONFIG_FILE="$CFG"
expect_fail "KSM_CONFIG_KEYRING=1 without a bus fails, file or not" 30 \
    "keyring: no D-Bus session bus"
check "... and prints no secret" test ! -s "$OUT"
nobus KSM_CONFIG_KEYRING=fallback KSM_CONFIG_FILE="$CFG"
expect_ok "KSM_CONFIG_KEYRING=fallback: the user's choice, the 0600 file"
check "fallback read the password from the file's config" \
    test "$(got_value "$LOGIN" password)" = "$want"
rm -f "$CFG"
TOKEN=$(sb_token)
RC=0
printf '%s\n' "$TOKEN" | env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR \
    timeout "$TIMEOUT" "$KS" init --token - --keyring \
    --host "$(sb_info | jq -r .hostname)" >"$OUT" 2>"$ERR" || RC=$?
cat "$ERR" >>"$ALL_ERR"
expect_fail "init --keyring without a bus fails" 30 "no D-Bus session bus"
expect_hint "without --keyring"
check "init --keyring wrote no file instead" \
    test ! -e "$HOME/.config/keeper/ksm-config.json"
TOKEN=$TOKEN ks_init "$CFG" "$TOKEN"
expect_ok "the token was not spent: it still binds a file"
rm -f "$CFG"
unset TOKEN

# no provider: a second private bus with no service directories
cat >"$TMP/bare-bus.conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
RC=0
timeout "$TIMEOUT" dbus-run-session --config-file="$TMP/bare-bus.conf" -- \
    "$KK" config-show >"$OUT" 2>"$ERR.raw" || RC=$?
grep -v 'Failed to set fd limit' "$ERR.raw" >"$ERR"
expect_kk_fail "no Secret Service provider" 5 "no Secret Service provider"

# tampered: same attributes (sha256 too), different text
sha=$(secret-tool search --all application keeper profile default 2>&1 |
    sed -n 's/^attribute\.sha256 = //p')
check "the config entry carries a sha256 attribute" test "${#sha}" = 64
jq -c '.clientId = "AAAA" + .clientId' <<<"$(secret-tool lookup application keeper profile default)" |
    tr -d '\n' | secret-tool store --label="Keeper Secrets Manager config (default)" \
    xdg:schema io.keeper.ksm.Config application keeper profile default sha256 "$sha"
run_kk exec-config -- "$KS" get "$LOGIN"
expect_kk_fail "a tampered config is refused" 7 "integrity check"
check "nothing ran with the tampered config" test ! -s "$OUT"

# a config copied under another profile does not verify either
secret-tool lookup application keeper profile default | tr -d '\n' |
    secret-tool store --label=copy xdg:schema io.keeper.ksm.Config \
    application keeper profile other sha256 "$sha"
run_kk config-show --profile other
expect_kk_fail "a config moved to another profile is refused" 7 "integrity check"
KSM_CONFIG_KEYRING=fallback run_ks get "$LOGIN"
expect_fail "libksm refuses the tampered entry too, fallback or not" 33 \
    "integrity check"

# a fresh config-store replaces the tampered entry
ks_init "$CFG"
run_kk config-store <"$CFG"
rm -f "$CFG"
run_kk exec-config -- "$KS" get "$LOGIN"
expect_ok "config-store again heals the profile"
check "still one config entry for the profile" \
    test "$(secret-tool search --all application keeper profile default 2>&1 | grep -c '^\[')" = 1

# locked: lock the login collection; no prompter can be shown here
timeout "$TIMEOUT" gdbus call --session --dest org.freedesktop.secrets \
    --object-path /org/freedesktop/secrets \
    --method org.freedesktop.Secret.Service.Lock \
    "['/org/freedesktop/secrets/collection/login']" >/dev/null
run_kk config-show
expect_kk_fail "a locked collection whose unlock cannot be shown" 6 "locked"
check "no config on stdout when locked" test ! -s "$OUT"
ks_init "$CFG"
KSM_CONFIG_KEYRING=fallback KSM_KEYRING_PROFILE=kr1 KSM_CONFIG_FILE=$CFG \
    run_ks get "$LOGIN"
expect_fail "libksm: locked is an error, even with fallback and a file" 27 \
    "locked"
check "no secret on stdout when locked" test ! -s "$OUT"

check_no_secrets
done_testing
