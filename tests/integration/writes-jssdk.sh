#!/bin/bash
# Writes, both ways, against keeper-sandbox (a writable copy of
# tests/integration/write-vault.json):
#   (a) keeper-secret creates records (in a shared folder and below it),
#       sets fields, attaches files, rotates a password and makes and
#       renames a folder; the official JS SDK reads all of it back: the
#       same data field by field, the same file bytes, the folder's name;
#   (b) the JS SDK creates records, updates one (plainly, and in rotation
#       transactions it commits and rolls back), attaches a file, makes and
#       renames a folder; keeper-secret reads all of it back;
#   (c) each deletes what the other made, and the other sees it gone;
#   (d) for every write endpoint and option both used, keeper-secret's
#       requests have the JS SDK's members (the sandbox logs their names
#       and JSON types).
# tests/conformance/jssdk-writes.mjs fails on any console output of the SDK.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

cp "$top_srcdir/tests/integration/write-vault.json" "$TMP/vault.json"
VAULT=$TMP/vault.json
APP=writer
SF=WrSharedFolder00000003	# the editable shared folder
SUB=WrSubFolder00000000008	# a folder below it

jssdk_install	# sets KSM_JSSDK, CONF_SRC (skips without node)
JSC=$CONF_SRC/jssdk-client.mjs
JSW=$CONF_SRC/jssdk-writes.mjs

sb_start
sb_client_info		# HOST, SKEY, CA
JS_CFG=$TMP/jssdk-config.json
KS_CFG=$TMP/ksm-config.json

# js OP ARGS...: the JS SDK writer; sets RC, OUT, ERR like run_ks
js() {
	run_prog node "$JSW" --config "$JS_CFG" --ca-file "$CA" "$@"
}

# The JS SDK's writes cannot drop keeper-secret's cached answers (they
# are seen within KSM_CACHE_TTL); here every read must see the last write.
ks() {
	KSM_CACHE_TTL=0 run_ks --config "$KS_CFG" "$@"
}

token=$(sb_token)
printf '%s\n' "$token" | run_prog node "$JSC" --config "$JS_CFG" --token - \
    --host "$HOST" --server-key "$SKEY" --ca-file "$CA" --no-wire-check
[ "$RC" -eq 0 ] || { diag "$(cat "$ERR")"; bail "the JS SDK could not bind"; }
ks_init "$KS_CFG"
[ "$RC" -eq 0 ] || { diag "$(cat "$ERR")"; bail "keeper-secret could not bind"; }

# ---- (a) keeper-secret writes, the JS SDK reads ----

printf 'Pw-created-by-C-%s\n' 'x7Qm' | ks create --folder "$SF" \
    --type login --title "Made by keeper-secret" --stdin password \
    --custom 'Environment=staging' --notes 'line one' \
    login=c-user url=https://c.example.com
expect_ok "keeper-secret create (login, in the shared folder)"
C1=$(cat "$OUT")
ks create --folder "$SUB" --type databaseCredentials --title "C database" \
    --generate=24 login=dbuser type=postgresql \
    'host={"hostName":"db.c.example.com","port":"5433"}'
expect_ok "keeper-secret create --generate (databaseCredentials, below the shared folder)"
C2=$(cat "$OUT")

printf 'https://second.example.com' | ks set "keeper://$C1/field/url[1]"
expect_ok "keeper-secret set field/url[1] (adds a value)"
printf 'production\n' | ks set "keeper://$C1/custom_field/Environment"
expect_ok "keeper-secret set custom_field/Environment"
printf '"db2.c.example.com"' | ks set --json "keeper://$C2/field/host[hostName]"
expect_ok "keeper-secret set --json field/host[hostName] (one property)"

head -c 70001 /dev/urandom >"$TMP/blob.bin"
printf 'plain text attachment\n' >"$TMP/notes.txt"
ks upload --mime text/plain --title "Some notes" "$C1" "$TMP/notes.txt"
expect_ok "keeper-secret upload (text, title and media type)"
ks upload "$C1" "$TMP/blob.bin"
expect_ok "keeper-secret upload (70001 random bytes)"
C1_FILE=$(cat "$OUT")

ks rotate --generate=40 "keeper://$C2/field/password" -- true
expect_ok "keeper-secret rotate --generate -- true (committed)"

ks mkdir "$SF" "Made by C"
expect_ok "keeper-secret mkdir"
CF=$(cat "$OUT")
ks mkdir "$SUB" "C, below the sub-folder"
expect_ok "keeper-secret mkdir below a sub-folder"
ks rotate --generate "keeper://$C2/field/password" -- false
expect_fail "keeper-secret rotate -- false (rolled back)" 1 "rolled back"
ks rename-folder "$CF" "Made by C, renamed"
expect_ok "keeper-secret rename-folder"

ks get --json "$C1" "$C2"
expect_ok "keeper-secret reads its records back"
ks_records "$OUT" >"$TMP/ks-a.json"
js read
expect_ok "the JS SDK reads the vault (every file downloaded)"
cp "$OUT" "$TMP/js-a.json"
printf '["%s","%s"]\n' "$C1" "$C2" >"$TMP/c-uids.json"
js_records "$TMP/js-a.json" "$TMP/c-uids.json" >"$TMP/js-a-c.json"
same_json "the JS SDK reads keeper-secret's records field by field" \
    "$TMP/ks-a.json" "$TMP/js-a-c.json"
jq -e --arg u "$C1" '.[$u].fields[] | select(.type == "url") |
    .value == ["https://c.example.com", "https://second.example.com"]' \
    "$TMP/js-a.json" >/dev/null
check "the JS SDK sees the value set at url[1]" test $? -eq 0
jq -e --arg u "$C2" '.[$u].fields[] | select(.type == "host") |
    .value == [{"hostName": "db2.c.example.com", "port": "5433"}]' \
    "$TMP/js-a.json" >/dev/null
check "the JS SDK sees the property set with --json" test $? -eq 0
jq -e --arg u "$C2" '.[$u].fields[] | select(.type == "password") |
    .value[0] | length == 40' "$TMP/js-a.json" >/dev/null
check "the JS SDK sees the rotated 40-character password" test $? -eq 0
want=$(sha256sum <"$TMP/blob.bin" | cut -d' ' -f1)
jq -e --arg u "$C1" --arg h "$want" '.[$u].files[] |
    select(.name == "blob.bin" and .size == 70001 and .sha256 == $h)' \
    "$TMP/js-a.json" >/dev/null
check "the JS SDK downloads keeper-secret's upload byte for byte" test $? -eq 0
jq -e --arg u "$C1" '.[$u].files[] | select(.name == "notes.txt" and
    .title == "Some notes" and .type == "text/plain")' "$TMP/js-a.json" \
    >/dev/null
check "the JS SDK reads the file's title and media type" test $? -eq 0
js download "$C1" "$C1_FILE" "$TMP/js-blob.bin"
check "JS SDK downloadFile: the same bytes" cmp -s "$TMP/blob.bin" \
    "$TMP/js-blob.bin"
js folders
expect_ok "the JS SDK reads the folders"
jq -e --arg f "$CF" --arg p "$SF" '.[] | select(.uid == $f and
    .parentUid == $p and .name == "Made by C, renamed")' "$OUT" >/dev/null
check "the JS SDK sees keeper-secret's folder, renamed, in its parent" \
    test $? -eq 0

# ---- (b) the JS SDK writes, keeper-secret reads ----

cat >"$TMP/j1.json" <<'EOF'
{"title": "Made by the JS SDK", "type": "login",
 "fields": [{"type": "login", "value": ["js-user"]},
  {"type": "password", "value": ["Pw-js-1"]},
  {"type": "url", "value": ["https://js.example.com"]}],
 "custom": [{"type": "secret", "label": "API key", "value": ["Sk-js-9"]},
  {"type": "phone", "label": "Desk", "value": [{"number": "555-0100", "type": "Work"}]}],
 "notes": "from node"}
EOF
js create "$SF" <"$TMP/j1.json"
expect_ok "JS SDK createSecret2 in the shared folder"
J1=$(cat "$OUT")
jq '.title = "JS in the sub-folder" | .fields[1].value = ["Pw-js-2"]' \
    "$TMP/j1.json" >"$TMP/j2.json"
js create "$SF" "$SUB" <"$TMP/j2.json"
expect_ok "JS SDK createSecret2 below the shared folder"
J2=$(cat "$OUT")

ks get --json "$J1" "$J2"
expect_ok "keeper-secret reads the JS SDK's records"
ks_records "$OUT" >"$TMP/ks-b.json"
jq -S "$CANON"' {($a): (input | canon), ($b): (input | canon)}' \
    --arg a "$J1" --arg b "$J2" -n "$TMP/j1.json" "$TMP/j2.json" \
    >"$TMP/want-b.json"
same_json "keeper-secret reads what the JS SDK created, field by field" \
    "$TMP/want-b.json" "$TMP/ks-b.json"
ks list --json
jq -e --arg u "$J2" --arg f "$SF" '.[] | select(.uid == $u and
    .folderUid == $f)' "$OUT" >/dev/null
check "keeper-secret lists the JS SDK's record in the shared folder" test $? -eq 0

jq '.fields[1].value = ["Pw-js-1b"]' "$TMP/j1.json" >"$TMP/j1b.json"
js update "$J1" <"$TMP/j1b.json"
expect_ok "JS SDK updateSecret"
ks get "keeper://$J1/field/password"
check "keeper-secret reads the JS SDK's update" test "$(cat "$OUT")" = Pw-js-1b
jq '.fields[1].value = ["Pw-js-rotated"]' "$TMP/j1.json" >"$TMP/j1c.json"
js update "$J1" rotation <"$TMP/j1c.json"
expect_ok "JS SDK updateSecret in a rotation transaction"
ks get "keeper://$J1/field/password"
check "staged: keeper-secret still reads the old value" test "$(cat "$OUT")" = Pw-js-1b
js complete "$J1" rollback
expect_ok "JS SDK completeTransaction rollback"
ks get "keeper://$J1/field/password"
check "rolled back: the old value stays" test "$(cat "$OUT")" = Pw-js-1b
js update "$J1" rotation <"$TMP/j1c.json"
expect_ok "JS SDK updateSecret in a rotation transaction, again"
js complete "$J1" commit
expect_ok "JS SDK completeTransaction commit"
ks get "keeper://$J1/field/password"
check "committed: keeper-secret reads the new value" test "$(cat "$OUT")" = Pw-js-rotated
js complete "$J1" commit
RC_SAVE=$RC
check "a transaction completed twice is refused (JS SDK)" test "$RC_SAVE" -ne 0
ks rotate --commit "$J1"
expect_fail "a transaction completed twice is refused (keeper-secret)" 24 \
    "no update transaction to finalize"

head -c 123457 /dev/urandom >"$TMP/js-up.bin"
js upload "$J1" data.bin "JS data" application/x-test "$TMP/js-up.bin"
expect_ok "JS SDK uploadFile"
ks download -o "$TMP/ks-down.bin" "keeper://$J1/file/data.bin"
expect_ok "keeper-secret downloads the JS SDK's upload"
check "the same bytes, byte for byte" cmp -s "$TMP/js-up.bin" "$TMP/ks-down.bin"
ks get --json "$J1"
jq -e '.[0].fields[] | select(.type == "fileRef") | .value | length == 1' \
    "$OUT" >/dev/null
check "the JS SDK's upload is in the record's fileRef field" test $? -eq 0

js mkdir "$SF" "$SUB" "Made by JS"
expect_ok "JS SDK createFolder below a sub-folder"
JF=$(cat "$OUT")
js mkdir "$SF" - "JS, in the shared folder"
expect_ok "JS SDK createFolder in the shared folder"
js rename "$JF" "Made by JS, renamed"
expect_ok "JS SDK updateFolder"
ks folders --json
jq -e --arg f "$JF" --arg p "$SUB" '.[] | select(.uid == $f and
    .parentUid == $p and .name == "Made by JS, renamed")' "$OUT" >/dev/null
check "keeper-secret reads the JS SDK's folder and its new name" test $? -eq 0

# ---- (c) each deletes what the other made ----

js delete "$C2"
expect_ok "JS SDK deleteSecret of keeper-secret's record"
jq -e '.records[0].responseCode == "ok"' "$OUT" >/dev/null
check "Keeper answered ok" test $? -eq 0
ks get "$C2"
expect_fail "keeper-secret no longer sees it" 19 "not shared"
ks rm "$J2" "keeper://Made by the JS SDK/title"
expect_ok "keeper-secret rm (by UID and by title)"
js read
expect_ok "JS SDK reads after keeper-secret's rm"
jq -e --arg a "$J1" --arg b "$J2" 'has($a) or has($b) | not' "$OUT" >/dev/null
check "the JS SDK no longer sees either record" test $? -eq 0
js rmdir "$CF"
expect_ok "JS SDK deleteFolder of keeper-secret's folder"
ks rmdir "$JF"
expect_ok "keeper-secret rmdir of the JS SDK's folder"
ks folders --json
jq -e --arg a "$CF" --arg b "$JF" 'map(.uid) | index($a) == null and
    index($b) == null' "$OUT" >/dev/null
check "both folders are gone" test $? -eq 0

# ---- (d) the same requests ----

# members PREFIX: "endpoint members" of every write of the client whose
# clientId starts with PREFIX, from the sandbox log (names and JSON types
# of the payload members, never values), one line per distinct shape
members() {
	grep -F " client=$1 " "$TMP/sandbox.log" |
	    sed -n 's/^[^ ]* \([a-z_]*\) client=.* members=\(.*\)$/\1 \2/p' |
	    sort -u
}
members "$(jq -r .clientId "$KS_CFG" | cut -c1-8)" >"$TMP/ks-members"
members "$(jq -r .clientId "$JS_CFG" | cut -c1-8)" >"$TMP/js-members"
check "keeper-secret used every write endpoint" test \
    "$(cut -d' ' -f1 "$TMP/ks-members" | sort -u | wc -l)" -eq 9
same_json "keeper-secret's writes carry the JS SDK's members, for every endpoint and option" \
    "$TMP/js-members" "$TMP/ks-members"

check_no_secrets
done_testing
