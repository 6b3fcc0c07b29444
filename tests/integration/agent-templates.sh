#!/bin/bash
# keeper-agent's templates (keeper-agent(1), TEMPLATES) with a real
# consumer: lighttpd serves behind a password that exists only in the
# vault, through a user file the agent renders; the record changes in
# keeper-sandbox, the agent's refresh finds it, re-renders, and the
# template's command reloads lighttpd: the new password works, the old one
# is refused.  A render that fails (the record removed) keeps the old file
# and logs one line; nothing is rewritten when nothing changed (a refresh
# that changed other records, SIGHUP); modes; a failing command; the
# commands' environment; bad configuration files refused.  Polls are
# bounded; no sleep stands for an event.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

[ -x "$KS_AGENT" ] || bail "$KS_AGENT was not built"
lighttpd_usable || skip_all "lighttpd or curl not installed"

WEB=InjWebLogin00000000001
TLS=InjMultiline0000000002
PW1=Pw-web-1-Ahx9kQ
PW2=Pw-web-2-Rotated
CFG=$TMP/ksm-config.json
W=$TMP/w			# templates, configurations, rendered files
mkdir -p "$W"
VAULT=$TMP/vault.json
cp "$top_srcdir/tests/integration/inject-vault.json" "$VAULT"
export KSM_CACHE_TTL=0

sb_start
ks_init "$CFG"
[ "$RC" -eq 0 ] || bail "init failed: $(cat "$ERR")"

# vault_edit JQ-ARGS...: change the vault file; the sandbox reloads it at
# its next request (it compares mtime and size)
vault_edit() {
	jq "$@" "$VAULT" >"$VAULT.new" && mv "$VAULT.new" "$VAULT" ||
	    bail "cannot edit the vault"
}

# count REGEX FILE: lines of FILE matching REGEX (grep -E)
count() {
	grep -Ec -- "$1" "$2" 2>/dev/null || true
}

# agent_bad DESC STATUS REGEX CONFIG: keeper-agent refuses CONFIG at start
agent_bad() {
	local calls0
	calls0=$(sb_calls get_secret)
	run_prog "$KS_AGENT" -D -a "$TMP/bad-ssh.sock" --secrets-socket none \
	    --config "$CFG" --templates "$4"
	expect_fail_of keeper-agent "$1" "$2" "$3"
	[ "$(sb_calls get_secret)" -eq "$calls0" ] ||
	    not_ok "$1: Keeper was called before the configuration was checked"
}

# ---- bad configuration files: refused at start, before any Keeper call ----

printf 'x={{ keeper://%s/field/password }}\n' "$WEB" >"$W/ok.tmpl"
bad_cfg() { printf '%s\n' "$1" >"$W/bad.json"; }
bad_cfg '{ "templates": [ { "source": "ok.tmpl", "destination": "o1", "comand": "true" } ] }'
agent_bad "config: an unknown key is named" 2 \
    "bad.json: templates\\[0\\]: unknown key 'comand'" "$W/bad.json"
expect_hint "source, destination, mode, bare and command"
bad_cfg '{ "template": [] }'
agent_bad "config: an unknown top-level key" 2 "bad.json: unknown key 'template'" "$W/bad.json"
bad_cfg '{ "templates": [ { "source": "ok.tmpl" } ] }'
agent_bad "config: a missing destination" 2 "templates\\[0\\]: no 'destination'" "$W/bad.json"
bad_cfg '{ "templates": [ { "destination": "o1" } ] }'
agent_bad "config: a missing source" 2 "templates\\[0\\]: no 'source'" "$W/bad.json"
bad_cfg '{ "templates": [ { "source": "ok.tmpl", "destination": "o1" }, { "source": "ok.tmpl", "destination": "o2", "mode": "0800" } ] }'
agent_bad "config: a bad mode, in the entry that has it" 2 "templates\\[1\\]: bad mode '0800'" "$W/bad.json"
expect_hint '"0640"'
bad_cfg '{ "templates": [ { "source": "ok.tmpl", "destination": "o1", "mode": 600 } ] }'
agent_bad "config: a mode that is a number" 2 "'mode' must be a non-empty string" "$W/bad.json"
bad_cfg '{ "templates": [ { "source": "ok.tmpl", "destination": "o1", "bare": "yes" } ] }'
agent_bad "config: bare that is no boolean" 2 "'bare' must be true or false" "$W/bad.json"
bad_cfg '{ "templates": [ { "source": "ok.tmpl", "destination": "./ok.tmpl" } ] }'
agent_bad "config: the destination is the source" 2 "the destination is the source itself" "$W/bad.json"
check "  ... which stays a template" grep -q '{{ keeper://' "$W/ok.tmpl"
bad_cfg '{ "templates": [ { "source": "ok.tmpl", "destination": "o1" }, { "source": "ok.tmpl", "destination": "o1" } ] }'
agent_bad "config: one destination twice" 2 "destination '$W/o1' is also templates\\[0\\]'s" "$W/bad.json"
bad_cfg '{ "templates": [ { "source": "ok.tmpl", "destination": "nodir/o1" } ] }'
agent_bad "config: a destination in no directory" 1 "the destination's directory '$W/nodir' does not exist" "$W/bad.json"
bad_cfg '{ "templates": [ { "source": "none.tmpl", "destination": "o1" } ] }'
agent_bad "config: a missing template" 1 "templates\\[0\\]: cannot open the template '$W/none.tmpl'" "$W/bad.json"
printf 'a={{ keeper://%s/fieldx/password }}\n' "$WEB" >"$W/malformed.tmpl"
bad_cfg '{ "templates": [ { "source": "malformed.tmpl", "destination": "o1" } ] }'
agent_bad "config: a malformed reference in a template, with its line" 1 \
    "template '$W/malformed.tmpl': line 1: 'keeper://$WEB/fieldx/password': .*fieldx" "$W/bad.json"
bad_cfg 'not json'
agent_bad "config: not JSON" 2 "bad.json: not a JSON object" "$W/bad.json"
agent_bad "config: --templates names a missing file" 1 \
    "cannot open the templates configuration '$W/none.json'" "$W/none.json"
check "no refused configuration wrote anything" test ! -e "$W/o1" -a ! -e "$W/o2"

# ---- lighttpd, with a user file that is not from Keeper yet ----

printf 'webuser:placeholder-not-from-keeper\n' >"$W/users"
chmod 644 "$W/users"
lighttpd_start "$W/users"
check "lighttpd: the placeholder user file works (200)" \
    test "$(lighttpd_get webuser:placeholder-not-from-keeper)" = 200
check "lighttpd: the vault's password does not yet (401)" \
    test "$(lighttpd_get "webuser:$PW1")" = 401

printf '{{ keeper://%s/field/login }}:{{ keeper://%s/field/password }}\n' \
    "$WEB" "$WEB" >"$W/users.tmpl"
# a template of `ksm interpolate` (bare), with a command that fails
printf '# keeper://%s/field/password stays a comment\nUSER=keeper://%s/field/login\nREALM="keeper://%s/custom_field/Realm Name"\n' \
    "$WEB" "$WEB" "$WEB" >"$W/app.env.tmpl"
printf '# keeper://%s/field/password stays a comment\nUSER=webuser\nREALM="inject realm"\n' \
    "$WEB" >"$W/app.env.want"
# shellcheck disable=SC2016
jq -n --arg w "$W" --arg pid "$LT_DIR/pid" '{templates: [
    {source: "users.tmpl", destination: "users", mode: "0640",
     command: ("echo reloading lighttpd for $KSM_TEMPLATE_DESTINATION; env >" +
	$w + "/cmd.env; kill -USR1 \"$(cat " + $pid + ")\"")},
    {source: ($w + "/app.env.tmpl"), destination: "app.env", bare: true,
     command: "echo about to fail; exit 3"}]}' >"$W/templates.json"

# the agent's environment holds a config and a token: its commands' must not
old_umask=$(umask)
umask 000
export KSM_CONFIG=ksm-config-in-the-agents-environment KSM_TOKEN=token-in-the-agents-environment
ks_agent_start "$CFG" --refresh 1 --templates "$W/templates.json"
unset KSM_CONFIG KSM_TOKEN
umask "$old_umask"

USERS_LOG="template $W/users.tmpl"
APP_LOG="template $W/app.env.tmpl"
wait_for "the agent rendered the user file and ran its command" \
    grep -q "$USERS_LOG: the command exited with status 0" "$KS_AGENT_LOG"
check "the user file holds the vault's login and password" \
    test "$(cat "$W/users")" = "webuser:$PW1"
check "  ... with the configured mode 0640 exactly, under umask 000 ($(stat -c %a "$W/users"))" \
    test "$(stat -c %a "$W/users")" = 640
check "  ... logged with its size and mode" \
    grep -q "$USERS_LOG: wrote $W/users (24 bytes, mode 0640)" "$KS_AGENT_LOG"
check "the command's output is in the agent's log" \
    grep -q "$USERS_LOG: command: reloading lighttpd for $W/users" "$KS_AGENT_LOG"
reloaded_once() {
	test "$(count 'graceful shutdown started' "$LT_DIR/error.log")" -eq 1
}
wait_for "the command reloaded lighttpd (a graceful restart)" reloaded_once
check "lighttpd: the vault's password: 200" \
    test "$(lighttpd_get "webuser:$PW1")" = 200
check "lighttpd: the placeholder is refused: 401" \
    test "$(lighttpd_get webuser:placeholder-not-from-keeper)" = 401
check "the command's environment has no KSM_CONFIG and no KSM_TOKEN" \
    sh -c "! grep -q -e '^KSM_CONFIG=' -e '^KSM_TOKEN=' -e 'in-the-agents-environment' '$W/cmd.env'"
check "  ... and names the template's files" \
    grep -qx "KSM_TEMPLATE_SOURCE=$W/users.tmpl" "$W/cmd.env"
check "a bare template (ksm interpolate's form), comments kept" \
    cmp -s "$W/app.env" "$W/app.env.want"
check "  ... mode 0600 by default ($(stat -c %a "$W/app.env"))" \
    test "$(stat -c %a "$W/app.env")" = 600
wait_for "a failing command is logged with its exit status" \
    grep -q "$APP_LOG: the command failed: exit status 3" "$KS_AGENT_LOG"
check "  ... and its output" grep -q "$APP_LOG: command: about to fail" "$KS_AGENT_LOG"

# ---- nothing is rewritten when nothing changed ----

users_stat=$(stat -c '%i %y %a' "$W/users")
app_stat=$(stat -c '%i %y %a' "$W/app.env")
wrote0=$(count ': wrote ' "$KS_AGENT_LOG")
ran0=$(count ': running the command' "$KS_AGENT_LOG")
# rendered_unchanged: a render since same0 found the user file unchanged
rendered_unchanged() {
	test "$(count "$USERS_LOG: $W/users unchanged" "$TMP/agent.err")" \
	    -gt "$same0"
}
same0=$(count "$USERS_LOG: $W/users unchanged" "$TMP/agent.err")
# another record changes: the records did, this template's bytes did not
vault_edit --arg u "$TLS" '(.records[] | select(.uid == $u) | .data.fields[] |
    select(.type == "password") | .value) = ["Pw-tls-changed-elsewhere-1"]'
wait_for "a refresh that changed other records renders again" \
    rendered_unchanged
check "  ... and writes nothing (inode, mtime and mode of both files kept)" \
    test "$(stat -c '%i %y %a' "$W/users")" = "$users_stat" -a \
    "$(stat -c '%i %y %a' "$W/app.env")" = "$app_stat"
check "  ... and runs no command" \
    test "$(count ': wrote ' "$KS_AGENT_LOG")" -eq "$wrote0" -a \
    "$(count ': running the command' "$KS_AGENT_LOG")" -eq "$ran0"
same0=$(count "$USERS_LOG: $W/users unchanged" "$TMP/agent.err")
kill -HUP "$KS_AGENT_PID"
wait_for "SIGHUP renders again" rendered_unchanged
check "  ... and writes nothing either" \
    test "$(stat -c '%i %y %a' "$W/users")" = "$users_stat" -a \
    "$(count ': wrote ' "$KS_AGENT_LOG")" -eq "$wrote0"

# ---- the password changes in the vault ----

ran0=$(count "$USERS_LOG: the command exited with status 0" "$KS_AGENT_LOG")
vault_edit --arg u "$WEB" --arg p "$PW2" '(.records[] | select(.uid == $u) |
    .data.fields[] | select(.type == "password") | .value) = [$p]'
new_password_works() { test "$(lighttpd_get "webuser:$PW2")" = 200; }
wait_for "the refresh finds the change: lighttpd takes the new password (200)" \
    new_password_works
check "the old password is refused afterwards (401)" \
    test "$(lighttpd_get "webuser:$PW1")" = 401
reloaded_again() {
	test "$(count "$USERS_LOG: the command exited with status 0" \
	    "$KS_AGENT_LOG")" -gt "$ran0" &&
	    test "$(count 'graceful shutdown started' "$LT_DIR/error.log")" -eq 2
}
wait_for "the command ran again and reloaded lighttpd" reloaded_again
check "the file was replaced (a new inode), still mode 0640" \
    test "$(stat -c %i "$W/users")" != "${users_stat%% *}" -a \
    "$(stat -c %a "$W/users")" = 640
check "the bare template, whose values did not change, was not rewritten" \
    test "$(stat -c '%i %y %a' "$W/app.env")" = "$app_stat"

# ---- a render that fails keeps the old file ----

cp -p "$W/users" "$W/users.before"
users_stat=$(stat -c '%i %y %a' "$W/users")
calls0=$(sb_calls get_secret)
vault_edit --arg u "$WEB" 'del(.records[] | select(.uid == $u)) |
    .applications[0].records -= [$u]'
FAILED="$USERS_LOG: not rendered, $W/users kept: 2 of 2 references do not resolve"
wait_for "the record removed: the failed render is logged" \
    grep -q "$FAILED" "$KS_AGENT_LOG"
# the refreshes that follow (the sandbox's answers differ at each: new
# IVs, new file tokens) must not log it again
refreshed() { test "$(($(sb_calls get_secret) - calls0))" -ge 4; }
poll_until refreshed || not_ok "the agent did not keep refreshing"
check "  ... in one line" test "$(count "$FAILED" "$KS_AGENT_LOG")" -eq 1
check "  ... naming each failing reference and why" \
    grep -q "$FAILED: line 1 'keeper://$WEB/field/login': no records match '$WEB'; line 1 'keeper://$WEB/field/password': no records match" "$KS_AGENT_LOG"
check "the old file is kept as it was" \
    sh -c "cmp -s '$W/users' '$W/users.before' && test \"\$(stat -c '%i %y %a' '$W/users')\" = '$users_stat'"
check "  ... and lighttpd still serves with it (200)" \
    test "$(lighttpd_get "webuser:$PW2")" = 200
check "no value of the vault in the agent's log or stderr" \
    sh -c "! grep -q -e '$PW1' -e '$PW2' -e 'Pw-tls' '$KS_AGENT_LOG' '$TMP/agent.err'"
ks_agent_stop

# ---- attachments: downloaded off the loop, once, and kept current ----

FILE_REC=InjFileRecord000000003
ATT_LOG="template $W/att.tmpl"
# file_content: the attachment's bytes as the vault holds them
file_content() {
	jq -r --arg u "$FILE_REC" '.records[] | select(.uid == $u) |
	    .files[0].content' "$VAULT" | base64 -d
}
# the attachment (with NUL bytes) between binary template bytes
printf '\x00\xff<{{ keeper://%s/file/key.bin }}>\x00' "$FILE_REC" >"$W/att.tmpl"
att_want() { { printf '\x00\xff<'; file_content; printf '>\x00'; } >"$W/att.want"; }
att_want
jq -n '{templates: [{source: "att.tmpl", destination: "att.out",
    command: "echo attachment rendered"}]}' >"$W/att.json"
KSM_AGENT=0 run_ks inject --config "$CFG" -i "$W/att.tmpl" -o "$W/att.inject"
expect_ok "keeper-secret inject renders a template naming an attachment"
files0=$(sb_calls files)
ks_agent_start "$CFG" --refresh 1 --templates "$W/att.json"
wait_for "keeper-agent renders it too" \
    grep -q "$ATT_LOG: wrote $W/att.out" "$KS_AGENT_LOG"
check "  ... byte for byte (NUL bytes and all)" cmp -s "$W/att.out" "$W/att.want"
check "  ... as keeper-secret inject does" cmp -s "$W/att.out" "$W/att.inject"
check "the download is logged, with its size" \
    grep -q "templates: downloaded attachment .* ($(file_content | wc -c) bytes)" "$KS_AGENT_LOG"
# each refresh hands new records over (new file URLs): nothing is downloaded again
calls0=$(sb_calls get_secret)
refreshed3() { test "$(($(sb_calls get_secret) - calls0))" -ge 3; }
poll_until refreshed3 || not_ok "the agent did not keep refreshing"
check "three refreshes later the attachment was downloaded once ($(($(sb_calls files) - files0)))" \
    test "$(($(sb_calls files) - files0))" -eq 1

# a new upload is a new file UID: the new bytes are rendered, the command runs
ran0=$(count "$ATT_LOG: the command exited with status 0" "$KS_AGENT_LOG")
vault_edit --arg u "$FILE_REC" '(.records[] | select(.uid == $u) | .files[0]) +=
    {uid: "InjFileReplaced0000001", content: "bmV3IGtleSBieXRlcwBhZnRlciBhIE5VTAo="}'
att_want
new_att() { cmp -s "$W/att.out" "$W/att.want"; }
wait_for "a replaced attachment is rendered anew" new_att
check "  ... with one more download" test "$(($(sb_calls files) - files0))" -eq 2
ran_again() {
	test "$(count "$ATT_LOG: the command exited with status 0" \
	    "$KS_AGENT_LOG")" -gt "$ran0"
}
wait_for "  ... and the template's command ran" ran_again

# a download that fails: the render fails, the old file is kept, then it heals
cp -p "$W/att.out" "$W/att.before"
vault_edit --arg u "$FILE_REC" '(.records[] | select(.uid == $u) | .files[0]) |=
    (del(.content) + {uid: "InjFilePending00000001", pending: true, size: 20})'
ATT_FAILED="$ATT_LOG: not rendered, $W/att.out kept: 1 of 1 references do not resolve: line 1 'keeper://$FILE_REC/file/key.bin': HTTP 404 from '[^']*' downloading file 'InjFilePending00000001'"
wait_for "a failed download fails the render, naming the attachment and why" \
    grep -q "$ATT_FAILED" "$KS_AGENT_LOG"
check "  ... and keeps the old file" cmp -s "$W/att.out" "$W/att.before"
# a client asking the agent for that file: declined, it tries itself
run_ks --config "$CFG" --verbose get "keeper://$FILE_REC/file/key.bin"
check "  ... a client's get of it: the agent declines, the client's own download fails alike" \
    sh -c "test $RC -ne 0 && grep -q 'the agent declined: keeper-agent could not download .InjFilePending00000001.: HTTP 404' '$ERR' &&
	grep -q '^keeper-secret: HTTP 404 from .* downloading file .InjFilePending00000001.' '$ERR'"
vault_edit --arg u "$FILE_REC" '(.records[] | select(.uid == $u) | .files[0]) |=
    (del(.size, .pending) + {content: "aGVhbGVkCg=="})'
att_want
wait_for "  ... and the next refresh downloads it and renders" new_att
run_ks --config "$CFG" --verbose get "keeper://$FILE_REC/file/key.bin"
check "  ... and a client gets it from the agent" \
    sh -c "test $RC -eq 0 && test \"\$(cat '$OUT')\" = '$(printf 'healed\n' | base64 | tr '+/' '-_' | tr -d '=')' &&
	grep -q 'download answer from keeper-agent' '$ERR'"
check "no attachment byte in the agent's log or stderr" \
    sh -c "! grep -q -e 'after a NUL' -e healed '$KS_AGENT_LOG' '$TMP/agent.err'"
ks_agent_stop

# ---- the default configuration file ----

mkdir -p "$TMP/xdg/keeper"
printf '{"templates": [{"source": "%s", "destination": "%s", "bare": true}]}\n' \
    "$W/app.env.tmpl" "$W/default.env" >"$TMP/xdg/keeper/agent-templates.json"
vault_edit --slurpfile o "$top_srcdir/tests/integration/inject-vault.json" \
    '.records += [$o[0].records[] | select(.uid == "'"$WEB"'")] |
    .applications[0].records += ["'"$WEB"'"]'
XDG_CONFIG_HOME=$TMP/xdg ks_agent_start "$CFG"
check "\$XDG_CONFIG_HOME/keeper/agent-templates.json is read when present" \
    cmp -s "$W/default.env" "$W/app.env.want"
ks_agent_stop
rm -f "$W/default.env"
mkdir -p "$TMP/xdg-empty"
XDG_CONFIG_HOME=$TMP/xdg-empty ks_agent_start "$CFG"
check "  ... and harmless when absent: the agent starts" kill -0 "$KS_AGENT_PID"
ks_agent_stop
XDG_CONFIG_HOME=$TMP/xdg ks_agent_start "$CFG" --templates none
check "  ... --templates none ignores it" test ! -e "$W/default.env"
ks_agent_stop

check_no_secrets
done_testing
