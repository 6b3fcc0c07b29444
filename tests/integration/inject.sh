#!/bin/bash
# keeper-secret inject and exec --env-file against keeper-sandbox: values
# byte for byte, all or nothing, modes, --force, the escape, --bare
# templates of `ksm interpolate`, atomic replacement raced by a reader,
# 10,000 references in one Keeper call, and lighttpd serving with a
# password file rendered from the vault (then changed in the vault).
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

WEB=InjWebLogin00000000001
TLS=InjMultiline0000000002
FILE_REC=InjFileRecord000000003
GEN_N=10000			# generated records for the 10,000 references
CFG=$TMP/ksm-config.json
W=$TMP/w			# templates and outputs
mkdir -p "$W"

# The vault: tests/integration/inject-vault.json plus GEN_N generated
# records, all shared with the application (text fields: check_no_secrets
# need not look for their values).
VAULT=$TMP/inject-vault.json
jq --argjson n "$GEN_N" '
    def uid: "InjGen" + ("0000000000000000" + tostring)[-16:];
    [range($n) | {uid: uid, data: {title: ("Gen " + tostring), type: "login",
	fields: [{type: "text", label: "user", value: ["user\(.)"]},
	    {type: "text", label: "pin", value: ["pin-\(.)-x"]},
	    {type: "url", value: ["https://h\(.).example/"]}],
	custom: [{type: "text", label: "n", value: [tostring]}]}}] as $gen |
    .records += $gen |
    .applications[0].records += [$gen[].uid]' \
    "$top_srcdir/tests/integration/inject-vault.json" >"$VAULT" ||
    bail "cannot build the vault"

sb_start
ks_init "$CFG"
expect_ok "bind"
export KSM_CONFIG_FILE=$CFG
# every render asks Keeper, so that the calls can be counted
export KSM_CACHE_TTL=0

# raw_value UID LABEL: a custom field's whole first value, as it is
raw_value() {
	jq -j --arg u "$1" --arg f "$2" '.records[] | select(.uid == $u) |
	    .data.custom[] | select(.label == $f) | .value[0]' "$VAULT"
}

# calls: get_secret requests in the sandbox log so far
calls() { grep -c ' get_secret ' "$TMP/sandbox.log"; }

# inject ARGS...: keeper-secret inject (stdin from $W/stdin if it exists)
inject() {
	if [ -e "$W/stdin" ]; then
		run_ks inject "$@" <"$W/stdin"
	else
		run_ks inject "$@"
	fi
}

# ---- values byte for byte ----
printf 'user={{ keeper://%s/field/login }}\npass={{keeper://%s/field/password}}\nrealm={{	keeper://%s/custom_field/Realm Name  }}\n' \
    "$WEB" "$WEB" "$WEB" >"$W/stdin"
inject
expect_ok "inject: standard input to standard output"
check "inject: the values in place" test "$(cat "$OUT")" = "$(printf 'user=webuser\npass=Pw-web-1-Ahx9kQ\nrealm=inject realm')"
rm -f "$W/stdin"

# a multi-line secret, quotes and backslashes, CRLF lines, no final newline
printf 'key: |\r\n{{ keeper://%s/custom_field/key pem }}pw={{ keeper://%s/field/password }}' \
    "$TLS" "$TLS" >"$W/multi.tmpl"
inject -i "$W/multi.tmpl"
{ printf 'key: |\r\n'; raw_value "$TLS" "key pem"
  printf 'pw=%s' "$(vault_value "$TLS" password)"; } >"$W/multi.want"
check "inject: a multi-line value, quotes, CRLF and the missing final newline kept" \
    cmp -s "$OUT" "$W/multi.want"

# an attachment with NUL bytes, between binary template bytes
printf '\x00\xff<{{ keeper://%s/file/key.bin }}>\x00' "$FILE_REC" >"$W/bin.tmpl"
inject -i "$W/bin.tmpl" -o "$W/bin.out"
{ printf '\x00\xff<'
  jq -r --arg u "$FILE_REC" '.records[] | select(.uid == $u) | .files[0].content' \
      "$VAULT" | base64 -d
  printf '>\x00'; } >"$W/bin.want"
check "inject: a binary attachment in a binary template, byte for byte" \
    cmp -s "$W/bin.out" "$W/bin.want"

# a record named by its title
printf '{{ keeper://Inject By Title/field/password }}' >"$W/title.tmpl"
inject -i "$W/title.tmpl"
check "inject: a record named by title" test "$(cat "$OUT")" = Pw-title-4-Zq81

# ---- the escape, and text that is no reference ----
printf '{{ "{{" }} keeper://%s/field/password }} {{ .Values.x }} {{{ keeper://%s/field/login }}}\n' \
    "$WEB" "$WEB" >"$W/esc.tmpl"
inject -i "$W/esc.tmpl"
check "inject: {{ \"{{\" }} writes {{; other {{ }} are copied" \
    test "$(cat "$OUT")" = "{{ keeper://$WEB/field/password }} {{ .Values.x }} {webuser}"

# no reference: no configuration is needed
printf 'plain {{ text }}\n' >"$W/plain.tmpl"
KSM_CONFIG_FILE=$TMP/no-such-config.json inject -i "$W/plain.tmpl"
check "inject: a template without references needs no configuration" \
    test "$RC" -eq 0 -a "$(cat "$OUT")" = "plain {{ text }}"

# ---- all or nothing ----
printf 'ok={{ keeper://%s/field/password }}\nbad1={{ keeper://%s/field/nosuchfield }}\nbad2={{ keeper://NoSuchRecord000000000X/field/password }}\nagain={{ keeper://%s/field/nosuchfield }}\n' \
    "$WEB" "$WEB" "$WEB" >"$W/fail.tmpl"
echo "old content" >"$W/kept.out"
inject -i "$W/fail.tmpl" -o "$W/kept.out" --force
expect_fail "inject: a failing reference fails the render" 14 "2 of 3 references do not resolve; nothing was written"
check "inject: each failing reference named once, with its line" \
    sh -c "grep -c '^keeper-secret: ' '$ERR' | grep -qx 3 &&
	grep -q 'fail.tmpl:2: .keeper://$WEB/field/nosuchfield.: record .$WEB. has no field .nosuchfield.' '$ERR' &&
	grep -q 'fail.tmpl:3: .keeper://NoSuchRecord000000000X/field/password.: no records match' '$ERR'"
check "inject: the good reference's value is not in the messages" \
    sh -c "! grep -q Pw-web-1 '$ERR'"
check "inject: the existing output is untouched (--force)" \
    test "$(cat "$W/kept.out")" = "old content"
inject -i "$W/fail.tmpl" -o "$W/new.out"
check "inject: no output file is created (exit $RC)" test "$RC" -eq 14 -a ! -e "$W/new.out"
inject -i "$W/fail.tmpl"
check "inject: nothing on standard output either" test "$RC" -eq 14 -a ! -s "$OUT"
check "inject: no temporary file left" \
    sh -c "! ls -A '$W' | grep -q '^[.]'"

printf 'a={{ keeper://%s/fieldx/password }}\nb={{ keeper://%s/field/password\nc=fine\n' \
    "$WEB" "$WEB" >"$W/malformed.tmpl"
inject -i "$W/malformed.tmpl"
expect_fail "inject: malformed references: all named before any network call" 16 \
    "malformed.tmpl:2: .keeper://$WEB/field/password.: no '}}' closes"
check "inject: ... the first one too" grep -q "malformed.tmpl:1: .*bad selector 'fieldx'" "$ERR"

# ---- modes and --force ----
(umask 000; run_ks inject -i "$W/title.tmpl" -o "$W/mode.out")
check "inject: the file is 0600 even under umask 000 ($(stat -c %a "$W/mode.out"))" \
    test "$(stat -c %a "$W/mode.out")" = 600
inject -i "$W/title.tmpl" -o "$W/mode.out"
expect_fail "inject: an existing file is not replaced" 34 "mode.out' exists; not overwritten"
expect_hint "--force"
ino=$(stat -c %i "$W/mode.out")
old_umask=$(umask)
umask 077
run_ks inject -i "$W/esc.tmpl" -o "$W/mode.out" --force --mode 0644
umask "$old_umask"
check "inject: --force replaces it, with --mode 0644 exactly" \
    test "$RC" -eq 0 -a "$(stat -c %a "$W/mode.out")" = 644 -a "$(head -c 2 "$W/mode.out")" = "{{"
check "inject: replaced by rename (a new inode), not rewritten in place" \
    test "$(stat -c %i "$W/mode.out")" != "$ino"
inject -i "$W/title.tmpl" -o "$W/m2.out" --mode 0640
check "inject: --mode 0640 on a new file" test "$(stat -c %a "$W/m2.out")" = 640
inject -i "$W/title.tmpl" -o "$W/m3.out" --mode u+rw
expect_fail "inject: a symbolic mode is refused" 2 "bad mode 'u\\+rw'"
inject -i "$W/title.tmpl" --mode 0600
expect_fail "inject: --mode without an output file" 2 "add -o FILE"
cp "$W/title.tmpl" "$W/self.tmpl"
inject -i "$W/self.tmpl" -o "$W/self.tmpl" --force
expect_fail "inject: the output may not be the template itself" 2 "is the template itself"
check "inject: ... which stays a template" cmp -s "$W/self.tmpl" "$W/title.tmpl"
inject -i "$W/none.tmpl"
expect_fail "inject: a missing template" 1 "cannot open the template"

# ---- --bare: templates of ksm interpolate ----
cat >"$W/bare.env" <<EOF
# Database, keeper://$WEB/field/password stays in a comment
   # indented comment keeper://$WEB/field/login
DB_USER=keeper://$WEB/field/login
DB_PASSWORD="keeper://$WEB/field/password"
REALM='keeper://$WEB/custom_field/Realm Name' # realm
LABEL=keeper://$WEB/custom_field/Realm Name
TITLE=keeper://Inject By Title/field/password
NOT_A_NOTATION=keeper://$WEB/fieldx/password
EOF
cat >"$W/bare.want" <<EOF
# Database, keeper://$WEB/field/password stays in a comment
   # indented comment keeper://$WEB/field/login
DB_USER=webuser
DB_PASSWORD="Pw-web-1-Ahx9kQ"
REALM='inject realm' # realm
LABEL=inject realm
TITLE=keeper://Inject By Title/field/password
NOT_A_NOTATION=keeper://$WEB/fieldx/password
EOF
inject --bare -i "$W/bare.env" -o "$W/bare.out"
check "inject --bare: bare references replaced, comments and quotes kept (a title with blanks is none, as in ksm interpolate)" \
    cmp -s "$W/bare.out" "$W/bare.want"
check "inject --bare: text that is no notation is kept, with a warning" \
    grep -q "warning: .*bare.env:8: .keeper://$WEB/fieldx/password. is not a valid notation; left as it is" "$ERR"
printf 'A=keeper://%s/field/nosuchfield\n' "$WEB" >"$W/bare-fail.env"
inject --bare -i "$W/bare-fail.env"
expect_fail "inject --bare: all or nothing too" 14 "bare-fail.env:1: .keeper://$WEB/field/nosuchfield."

# ---- 10,000 references, one Keeper call ----
jq -r --argjson n "$GEN_N" '
    def uid: "InjGen" + ("0000000000000000" + tostring)[-16:];
    range(10000) as $i | ($i % $n) as $r |
    ["field/user", "field/pin", "field/url", "custom_field/n",
     "title"][($i / $n | floor) % 5] as $sel |
    "\($i) {{ keeper://\($r | uid)/\($sel) }}"' "$VAULT" >"$W/big.tmpl"
jq -r --argjson n "$GEN_N" '
    range(10000) as $i | ($i % $n) as $r |
    ["user\($r)", "pin-\($r)-x", "https://h\($r).example/", "\($r)",
     "Gen \($r)"][($i / $n | floor) % 5] as $v | "\($i) \($v)"' \
    "$VAULT" >"$W/big.want"
before=$(calls)
t0=$(date +%s%N)
inject -i "$W/big.tmpl" -o "$W/big.out"
t1=$(date +%s%N)
after=$(calls)
check "inject: 10,000 references over $GEN_N records rendered (exit $RC)" \
    cmp -s "$W/big.out" "$W/big.want"
check "inject: ... with one Keeper call ($((after - before)))" \
    test $((after - before)) -eq 1
diag "10,000 references, $GEN_N records: $(((t1 - t0) / 1000000)) ms for the whole keeper-secret run"

# ---- atomic replacement, raced by a reader ----
# Two renders of about 1 MiB alternate over one file while this loop
# reads it: every read must be one render or the other, whole, and no
# file in the directory (temporary ones included) may ever be open to
# group or others, under umask 000.
R=$TMP/race
mkdir -p "$R/out"
for v in a b; do
	{ head -c 1048576 /dev/zero | tr '\0' "$v"
	  printf '\n{{ keeper://%s/field/password }}\n' "$WEB"; } >"$R/$v.tmpl"
	{ head -c 1048576 /dev/zero | tr '\0' "$v"
	  printf '\nPw-web-1-Ahx9kQ\n'; } >"$R/$v.want"
done
cp "$R/a.want" "$R/out/f"
chmod 600 "$R/out/f"

# race WRITER-FUNCTION: reads until the writer is done; sets READS, TORN, OPEN
race() {
	local snap=$R/snap
	rm -f "$R/done"
	READS=0 TORN=0 OPEN=0
	( umask 000; "$1"; touch "$R/done" ) &
	local wpid=$!
	while [ ! -e "$R/done" ]; do
		if cat "$R/out/f" >"$snap" 2>/dev/null; then
			READS=$((READS + 1))
			cmp -s "$snap" "$R/a.want" || cmp -s "$snap" "$R/b.want" ||
			    TORN=$((TORN + 1))
		fi
		[ -z "$(find "$R/out" -type f -perm /077)" ] || OPEN=$((OPEN + 1))
	done
	wait "$wpid"
}
renders() {
	local i
	for i in $(seq 10); do
		"$KS" inject -i "$R/a.tmpl" -o "$R/out/f" --force || return 1
		"$KS" inject -i "$R/b.tmpl" -o "$R/out/f" --force || return 1
	done
}
race renders
check "atomic: $READS reads raced 20 renders, none saw a partial file" \
    test "$READS" -gt 0 -a "$TORN" -eq 0
check "atomic: no file was ever open to group or others" test "$OPEN" -eq 0
check "atomic: no temporary file left" test "$(ls -A "$R/out")" = f
# the same reader catches a writer that is not atomic, so it can fail
naive() {
	local i
	for i in $(seq 300); do
		cat "$R/a.want" >"$R/out/f"
		cat "$R/b.want" >"$R/out/f"
		[ ! -e "$R/caught" ] || return 0
	done
}
race_naive() {
	local snap=$R/snap2
	rm -f "$R/done" "$R/caught"
	TORN=0
	( naive; touch "$R/done" ) &
	local wpid=$!
	while [ ! -e "$R/done" ]; do
		cat "$R/out/f" >"$snap" 2>/dev/null
		if ! cmp -s "$snap" "$R/a.want" && ! cmp -s "$snap" "$R/b.want"; then
			TORN=$((TORN + 1))
			touch "$R/caught"
		fi
	done
	wait "$wpid"
}
race_naive
check "atomic: the reader does catch a non-atomic writer ($TORN torn reads)" \
    test "$TORN" -gt 0

# ---- exec --env-file ----
cat >"$W/app.env" <<EOF
# the application's settings
export DB_USER=keeper://$WEB/field/login
DB_PASSWORD="keeper://$WEB/field/password"
TLS_KEY=keeper://$TLS/custom_field/key pem
QUOTED="line1\nline2" # two lines
PLAIN='kept as it is'
OVERRIDE=from-file
EOF
before=$(calls)
# shellcheck disable=SC2016
OVERRIDE=from-env run_ks exec --env-file "$W/app.env" -- sh -c \
    'printf "%s|%s|%s|%s|%s\n" "$DB_USER" "$DB_PASSWORD" "$QUOTED" "$PLAIN" "$OVERRIDE"; printf "%s" "$TLS_KEY" >'"$W/tls.got"
after=$(calls)
expect_ok "exec --env-file: the command ran"
check "exec --env-file: references resolved, quotes and escapes applied, the file overrides" \
    test "$(cat "$OUT")" = "$(printf 'webuser|Pw-web-1-Ahx9kQ|line1\nline2|kept as it is|from-file')"
raw_value "$TLS" "key pem" >"$W/tls.want"
check "exec --env-file: a multi-line secret intact" \
    cmp -s "$W/tls.got" "$W/tls.want"
check "exec --env-file: one Keeper call for the file ($((after - before)))" \
    test $((after - before)) -eq 1
printf 'A=keeper://%s/field/password\nB=keeper://%s/field/nosuchfield\nC=keeper://NoSuchRecord000000000X/field/login\n' \
    "$WEB" "$WEB" >"$W/bad.env"
run_ks exec --env-file "$W/bad.env" -- touch "$W/ran"
expect_fail "exec --env-file: a failing reference: not run" 14 \
    "bad.env:2: B: its keeper:// reference does not resolve"
check "exec --env-file: every failing variable named" \
    grep -q "bad.env:3: C: its keeper:// reference does not resolve: no records match" "$ERR"
check "exec --env-file: the command did not run, no value printed" \
    sh -c "test ! -e '$W/ran' && ! grep -q Pw-web '$ERR'"
printf 'A=1\nB="Pw-unterminated\n' >"$W/syntax.env"
run_ks exec --env-file "$W/syntax.env" -- touch "$W/ran"
expect_fail "exec --env-file: a malformed file: not run" 1 \
    "syntax.env:2: no closing '\"' for the value; the command was not run"
check "exec --env-file: ... and its text is not echoed" \
    sh -c "test ! -e '$W/ran' && ! grep -q Pw-unterminated '$ERR'"
run_ks exec --env-file "$W/none.env" -- true
expect_fail "exec --env-file: a missing file" 1 "cannot open the env file"

# ---- lighttpd with a password file rendered from the vault ----
if lighttpd_usable; then
	L=$TMP/lighttpd-users
	mkdir -p "$L"
	printf '{{ keeper://%s/field/login }}:{{ keeper://%s/field/password }}\n' \
	    "$WEB" "$WEB" >"$L/users.tmpl"
	run_ks inject -i "$L/users.tmpl" -o "$L/users"
	expect_ok "lighttpd: the user file rendered from the vault"
	lighttpd_start "$L/users"
	check "lighttpd: no credentials: 401" test "$(lighttpd_get)" = 401
	check "lighttpd: the vault's password: 200" \
	    test "$(lighttpd_get webuser:Pw-web-1-Ahx9kQ)" = 200
	check "lighttpd: ... and the page" grep -q "kept in Keeper" "$LT_DIR/body"
	check "lighttpd: a wrong password: 401" \
	    test "$(lighttpd_get webuser:wrong)" = 401

	# the password changes in the vault (the sandbox reloads its file)
	jq --arg u "$WEB" '(.records[] | select(.uid == $u) | .data.fields[] |
	    select(.type == "password") | .value) = ["Pw-web-2-Rotated"]' \
	    "$VAULT" >"$VAULT.new" && mv "$VAULT.new" "$VAULT"
	# (it compares the file's mtime and size at every request)
	run_ks get "keeper://$WEB/field/password"
	check "lighttpd: the sandbox serves the changed record" \
	    test "$(cat "$OUT")" = Pw-web-2-Rotated
	run_ks inject -i "$L/users.tmpl" -o "$L/users" --force
	expect_ok "lighttpd: the user file rendered again after the change"
	check "lighttpd: the new password: 200" \
	    test "$(lighttpd_get webuser:Pw-web-2-Rotated)" = 200
	check "lighttpd: the old password is refused: 401" \
	    test "$(lighttpd_get webuser:Pw-web-1-Ahx9kQ)" = 401
	lighttpd_stop
else
	ok "# SKIP lighttpd or curl not installed"
fi

check_no_secrets
done_testing
