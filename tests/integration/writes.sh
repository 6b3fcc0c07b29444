#!/bin/bash
# Writes that must fail, and how: keeper-secret against keeper-sandbox (a
# writable copy of tests/integration/write-vault.json).  Every refusal
# has one clear message and its exit status, and leaves the vault as it
# was: bad input (unknown record type or field, a secret on the command
# line, values too large), shares that are read-only or not the
# application's, folders that are not shared, a transaction completed
# twice, and the server failing in the middle of a rotation or an upload
# (the rotation rolled back or its value kept, 0600; the upload undone).
# Also: a write drops the cached answers it made stale.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

cp "$top_srcdir/tests/integration/write-vault.json" "$TMP/vault.json"
VAULT=$TMP/vault.json
APP=writer
D=WrDirectLogin000000001	# shared directly, editable
RO=WrReadOnlyRecord000002	# shared directly, read-only
SF=WrSharedFolder00000003	# editable shared folder
SUB=WrSubFolder00000000008	# below it, holds a record
ROF=WrReadOnlyFolder000004	# read-only shared folder
OR=WrOtherRecord000000005	# another application's
OF=WrOtherFolder000000006	# another application's
FL=WrFolderLogin000000007	# in SF
DB=WrDbCredentials0000009	# in SUB
KS_CFG=$TMP/ksm-config.json

# a restarted sandbox has a new port: KSM_HOSTNAME overrides the config's
ks() {
	KSM_HOSTNAME=$SB_ADDR run_ks --config "$KS_CFG" "$@"
}

# vault_state: what the vault file holds, minus what reads never change
vault_state() {
	jq -S '{records, folders}' "$VAULT"
}

# unchanged DESC: the vault file is what it was at the last `snapshot`
snapshot() {
	vault_state >"$TMP/snapshot.json"
}
unchanged() {
	vault_state >"$TMP/now.json"
	same_json "$1: the vault is as it was" "$TMP/snapshot.json" "$TMP/now.json"
}

# value NOTATION: the value keeper-secret reads (no cache)
value() {
	KSM_CACHE_TTL=0 ks get "$1"
	cat "$OUT"
}

sb_start
ks_init "$KS_CFG"
[ "$RC" -eq 0 ] || { diag "$(cat "$ERR")"; bail "keeper-secret could not bind"; }

# ---- a write drops the cached answers it made stale ----

KSM_CACHE_TTL=600 ks get "keeper://$D/field/password"
check "a cached read" test "$(cat "$OUT")" = Pw-direct-4Kq9
ks set "keeper://$D/field/password" < <(printf 'Pw-after-set-1\n')
expect_ok "set"
KSM_CACHE_TTL=600 ks get "keeper://$D/field/password"
check "the next read (TTL 600 s) sees the new value, not the cached one" \
    test "$(cat "$OUT")" = Pw-after-set-1

# ---- bad input ----

snapshot
ks create --folder "$SF" --type nosuchtype --title X login=a
expect_fail "create: an unknown record type" 13 "unknown record type 'nosuchtype'"
expect_hint "databaseCredentials"
ks create --folder "$SF" --type login --title X colour=blue
expect_fail "create: an unknown field" 14 "has no field 'colour'"
expect_hint "its fields are passkey, login, password"
ks create --folder "$SF" --type login --title X password=hunter2
expect_fail "create: a secret field on the command line" 2 \
    "holds a secret and is never taken from the command line"
ks create --folder "$SF" --json - < <(printf '{"title":"X","type":"login","fields":[],"custom":[{"type":"colour","value":["blue"]}]}')
expect_fail "create --json: an unknown field type" 13 "unknown field type 'colour'"
jq -n '{title: "Big", type: "login", fields: [],
    notes: ("x" * 1100000)}' >"$TMP/big.json"
ks create --folder "$SF" --json "$TMP/big.json"
expect_fail "create: record data over 1 MiB" 29 "more than 1048576"
ks set "keeper://$DB/field/host" < <(printf 'not a date')
expect_fail "set: a host value that is not a JSON object" 13 \
    "'host' field must be a JSON object"
ks set "keeper://$D/type" < <(printf 'x')
expect_fail "set: the record type" 13 "type cannot be set"
ks set "keeper://$D/field/colour" < <(printf 'x')
expect_fail "set: an unknown field" 14 "has no field 'colour'"
ks set "keeper://$D/field/password" < <(head -c 1100000 /dev/zero | tr '\0' x)
expect_fail "set: a value over 1 MiB on stdin" 29 "larger than 1048576 bytes"
ks set "keeper://$D/field/password" extra-operand
expect_fail "set: a value on the command line" 2 "never from the command line"
ks set "keeper://$D/field/password" </dev/null
expect_fail "set: nothing on standard input" 1 "the value on standard input is empty"
unchanged "bad input"

# a custom record type needs asking for
ks create --custom-type --folder "$SF" --json - < <(printf '{"title":"Custom","type":"myType","fields":[{"type":"text","value":["t"]}]}')
expect_ok "create --custom-type"

# ---- shares that are read-only, or not the application's ----

snapshot
ks create --folder "$ROF" --type login --title X login=a
expect_fail "create in a read-only shared folder: Keeper refuses" 18 \
    "access denied by Keeper: The application has read-only access to shared folder $ROF"
expect_hint "Can Edit"
ks set "keeper://$RO/field/password" < <(printf 'x')
expect_fail "set a read-only record" 18 "shared read-only"
ks rm "$RO"
expect_fail "rm a read-only record: Keeper refuses" 18 \
    "access_denied: The application has read-only access to record $RO"
ks mkdir "$ROF" X
expect_fail "mkdir in a read-only shared folder" 18 "read-only access to folder $ROF"
ks upload "$RO" "$VAULT"
expect_fail "upload to a read-only record" 18 "shared read-only"
ks create --folder "$OF" --type login --title X login=a
expect_fail "create in a folder that is not shared" 14 \
    "folder '$OF' is not shared with this application"
ks rmdir "$OF"
expect_fail "rmdir a folder that is not shared" 14 \
    "folder_uid_not_found: Folder $OF is not shared"
ks rm "$OR"
expect_fail "rm a record that is not shared" 19 \
    "record_uid_not_found: Record $OR is not shared"
ks set "keeper://$OR/field/password" < <(printf 'x')
expect_fail "set a record that is not shared" 14 "no records match"
ks rmdir "$SF"
expect_fail "rmdir a shared folder" 18 "only the vault can delete it"
ks rmdir "$SUB"
expect_fail "rmdir a folder that is not empty" 24 "folder_not_empty"
expect_hint "rmdir --force"
unchanged "refusals"
ks rmdir --force "$SUB"
expect_ok "rmdir --force"
jq -e --arg s "$SUB" --arg r "$DB" '(.folders | map(.uid) | index($s)) ==
    null and (.records | map(.uid) | index($r)) == null' "$VAULT" >/dev/null
check "the folder and its record are gone from the vault" test $? -eq 0

# ---- rotation ----

ks rotate "keeper://$FL/field/password" -- sh -c \
    'test "$KSM_OLD_VALUE" = Pw-team-8Jc3 && test "$KSM_RECORD_UID" = "$1" &&
    printf %s "$KSM_NEW_VALUE" >"$0"' "$TMP/cmd-saw" "$FL" \
    < <(printf 'Pw-rotated-1\n')
expect_ok "rotate: COMMAND succeeds, committed"
check "COMMAND got the old and new values in its environment" \
    test "$(cat "$TMP/cmd-saw" 2>/dev/null)" = Pw-rotated-1
check "Keeper serves the new value" test "$(value "keeper://$FL/field/password")" = Pw-rotated-1
ls "$HOME/.local/state/keeper/rotations" >"$TMP/kept" 2>/dev/null
check "a committed rotation keeps no file" test ! -s "$TMP/kept"

snapshot
ks rotate "keeper://$FL/field/password" -- sh -c 'exit 3' < <(printf 'Pw-never-1\n')
expect_fail "rotate: COMMAND fails" 1 "failed \(exit 3\); the rotation was rolled back"
check "Keeper keeps the old value" test "$(value "keeper://$FL/field/password")" = Pw-rotated-1
unchanged "a rolled-back rotation"

ks rotate --commit "$FL"
expect_fail "a transaction finalized twice is refused" 24 \
    "no update transaction to finalize"
ks rotate --rollback "$FL"
expect_fail "a rollback with no transaction is refused" 24 \
    "no update transaction to roll back"

# kill_sb: a command that stops the sandbox and returns once it has exited
# (a zombie, or reaped: its sockets are closed either way)
kill_sb() {
	printf 'kill %s; while [ -e /proc/%s ] && ! grep -q ") Z " /proc/%s/stat; do sleep 0.05; done' \
	    "$SB_PID" "$SB_PID" "$SB_PID"
}

# the server goes away while COMMAND runs: the commit fails, nothing is lost
ks rotate "keeper://$FL/field/password" -- sh -c "$(kill_sb)" < <(printf 'Pw-in-use-2\n')
sb_stop		# gone already, unless COMMAND never ran
expect_fail "rotate: the server is down when COMMAND has succeeded" 23 \
    "COMMAND succeeded and the new value is in use, but it was not committed in Keeper"
kept=$(sed -n "s/.*it is kept in '\([^']*\)' (mode 0600).*/\1/p" "$ERR")
check "the message names the file that keeps the value" test -n "$kept"
check "the file is mode 0600" test "$(stat -c %a "$kept" 2>/dev/null)" = 600
check "the file holds the new value" test "$(cat "$kept" 2>/dev/null)" = Pw-in-use-2
expect_hint "rotate --commit $FL"
sb_start
check "Keeper still serves the old value (the update is staged)" \
    test "$(value "keeper://$FL/field/password")" = Pw-rotated-1
ks rotate --commit "$FL"
expect_ok "rotate --commit once Keeper is back"
check "Keeper serves the new value" test "$(value "keeper://$FL/field/password")" = Pw-in-use-2

# COMMAND fails and the server is gone too: the rollback fails, kept
ks rotate "keeper://$FL/field/password" -- sh -c "$(kill_sb); exit 5" < <(printf 'Pw-never-3\n')
sb_stop		# gone already, unless COMMAND never ran
expect_fail "rotate: COMMAND fails and the rollback cannot be sent" 23 \
    "failed \(exit 5\) and the rotation could not be rolled back"
expect_hint "rotate --rollback $FL"
sb_start
ks rotate --rollback "$FL"
expect_ok "rotate --rollback once Keeper is back"
check "Keeper serves the value from before" \
    test "$(value "keeper://$FL/field/password")" = Pw-in-use-2

# ---- an upload the file store refuses ----

sb_start --fault upload
snapshot
printf 'attachment\n' >"$TMP/att.txt"
ks upload "$D" "$TMP/att.txt"
expect_fail "upload: the file store fails" 24 \
    "HTTP 503 from .* uploading 'att.txt'.*the attachment was removed again, the record is as it was"
jq -S '.records[] | select(.uid == "'"$D"'") | {data, files}' \
    "$TMP/snapshot.json" >"$TMP/d-before.json"
jq -S '.records[] | select(.uid == "'"$D"'") | {data, files}' "$VAULT" \
    >"$TMP/d-after.json"
same_json "the record's data and attachments are as they were" \
    "$TMP/d-before.json" "$TMP/d-after.json"
sb_start
ks upload "$D" "$TMP/att.txt"
expect_ok "upload once the file store works"
ks download -o "$TMP/att.out" "keeper://$D/file/att.txt"
check "download gives the same bytes" cmp -s "$TMP/att.txt" "$TMP/att.out"

check_no_secrets
done_testing
