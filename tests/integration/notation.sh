#!/bin/bash
# get by notation, totp, download and exec against keeper-sandbox.  The
# vault is tests/integration/notation-vault.json plus, added at test time,
# a record with a ~50 MB random attachment.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

LOGIN=NtLoginRecord000000A01
DASH=-NtDashRecord000000D01
LEGACY=NtLegacyRecord00000L01
COTP=NtCustomOtpRecord00C01
FILEREC=NtFileRecord000000FI01
BIG=NtBigFileRecord0000B01
UNSHARED=NtUnsharedRecord000U01
FOLDER=NtFolderRecord00000F01
CFG=$TMP/ksm-config.json

command -v sha256sum >/dev/null 2>&1 || skip_all "sha256sum not installed"

# the vault: a copy of ours with a big random attachment added
BIGDATA=$TMP/big.bin
head -c 50000000 /dev/urandom >"$BIGDATA" || bail "cannot write $BIGDATA"
base64 -w0 "$BIGDATA" >"$TMP/big.b64"
VAULT=$TMP/vault.json
jq --arg uid "$BIG" --rawfile content "$TMP/big.b64" '
    .applications[0].records += [$uid] |
    .records += [{uid: $uid, data: {title: "Big file", type: "file",
        fields: []}, files: [{name: "big.bin", content: $content}]}]' \
    "$top_srcdir/tests/integration/notation-vault.json" >"$VAULT" ||
    bail "cannot build the vault"
rm -f "$TMP/big.b64"

sb_start
ks_init "$CFG"
[ "$RC" -eq 0 ] || bail "init failed: $(cat "$ERR")"

# ks ARGS...: run_ks with our config
ks() {
	run_ks --config "$CFG" "$@"
}

# expect_out DESC TEXT: the last run succeeded and printed exactly TEXT
expect_out() {
	local desc=$1 want=$2
	if [ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $RC)"
		diag "stderr:" "$(cat "$ERR")"
	fi
}

# ---- get by notation ----

ks get "keeper://$LOGIN/field/password"
expect_out "get keeper://UID/field/password" "Pw-nt-login-4Rk8Zq"

ks get "KEEPER://$LOGIN/field/password"
expect_out "the keeper:// prefix in any case" "Pw-nt-login-4Rk8Zq"

ks get "$LOGIN/custom_field/API key"
expect_out "get UID/custom_field/label without keeper://" "Sk-nt-custom-7Wd2Lp"

ks get 'keeper://Ops\/Prod \[eu\] login/field/login'
expect_out "record by title with escaped '/' and '['" "nt-user@example.com"

ks get "keeper://$LOGIN/field/url"
expect_out "a field with two values prints one per line" \
    "$(printf 'https://one.example.com\nhttps://two.example.com')"

ks get "keeper://$LOGIN/field/url[1]"
expect_out "index [1]" "https://two.example.com"

ks get "keeper://$FOLDER/field/host[0]"
expect_out "index [0] of an object field prints compact JSON" \
    '{"hostName":"nt-db.internal","port":"5433"}'

ks get "keeper://$FOLDER/field/host[hostName]"
expect_out "property selector host[hostName] (read as host[][hostName])" \
    "nt-db.internal"

ks get 'keeper://Ops\/Prod \[eu\] login/field/url[bad\]x]'
expect_fail "a property of a string value selects nothing" 14 "selects no value"

ks get "keeper://$FOLDER/field/host[][hostName]"
expect_out "property selector host[][hostName] through a shared folder" \
    "nt-db.internal"

ks get "keeper://$FOLDER/field/password"
expect_out "record reached through a shared folder" "Pw-nt-folder-9Pn7Kd"

ks get -- "$DASH/field/password"
expect_out "UID starting with '-' after --" "Pw-nt-dash-2Hs9Ty"

ks get "keeper://$LOGIN/title" "keeper://$LOGIN/notes"
expect_out "two notations, in order" \
    "$(printf 'Ops/Prod [eu] login\nnotation notes')"

ks get --json "keeper://$LOGIN/field/url" "keeper://$LOGIN/field/login"
expect_ok "get --json with notations"
check "--json: one array of strings per notation" \
    test "$(jq -c . "$OUT" | tr '\n' '|')" = \
    '["https://one.example.com","https://two.example.com"]|["nt-user@example.com"]|'

printf 'keeper://%s/field/password\n%s/field/login\n' "$LOGIN" "$LOGIN" >"$TMP/in"
RC=0
timeout "$TIMEOUT" "$KS" --config "$CFG" get --stdin <"$TMP/in" >"$OUT" 2>"$ERR" || RC=$?
cat "$ERR" >>"$ALL_ERR"
expect_out "get --stdin reads notations one per line" \
    "$(printf 'Pw-nt-login-4Rk8Zq\nnt-user@example.com')"

RC=0
echo "$LOGIN" | timeout "$TIMEOUT" "$KS" --config "$CFG" get --stdin >"$OUT" 2>"$ERR" || RC=$?
expect_fail "get --stdin refuses a line that is no notation" 2 "line 1 .*not a notation"

ks get --json "$LOGIN"
check "a plain UID still prints the whole record" \
    test "$(jq -r '.[0].uid + "|" + .[0].title' "$OUT")" = "$LOGIN|Ops/Prod [eu] login"

ks get "$LOGIN" "keeper://$LOGIN/field/password"
expect_fail "UIDs and notations mixed" 2 "cannot be mixed"

# ---- error cases ----

ks get "keeper://$LEGACY/field/password"
expect_fail "legacy record: ELEGACY" 17 "legacy"

ks get "keeper://$UNSHARED/field/password"
expect_fail "record not shared with the application: ENOTFOUND" 14 "$UNSHARED"

ks get "keeper://$LOGIN/custom_field/Nothing"
expect_fail "a field without values selects nothing" 14 "selects no value"

ks get "keeper://$LOGIN/field/url[5]"
expect_fail "index out of range" 14 "out of bounds"

ks get "keeper://$FOLDER/field/host[0][nosuch]"
expect_fail "unknown property selects no value" 14 "selects no value"
check "unknown property: nothing on standard output" test ! -s "$OUT"

ks get "keeper://$LOGIN/bogus"
expect_fail "malformed notation: ENOTATION" 16 "bad selector 'bogus'"

ks get "keeper://$LOGIN/field/url[1"
expect_fail "unclosed '[': ENOTATION" 16 "unclosed"

# ---- totp ----

# totp_check DESC DIGITS OATH_ARGS... -- KS_ARGS...: the code printed is
# oathtool's code for the time just before or just after the run
totp_check() {
	local desc=$1 digits=$2 oath=() t0 t1 c0 c1 code left
	shift 2
	while [ "$1" != -- ]; do oath+=("$1"); shift; done
	shift
	t0=$(date +%s)
	ks totp "$@"
	t1=$(date +%s)
	c0=$(oathtool "${oath[@]}" -N "@$t0")
	c1=$(oathtool "${oath[@]}" -N "@$t1")
	code=$(sed -En 's/^([0-9]+) \(([0-9]+) s left\)$/\1/p' "$OUT")
	left=$(sed -En 's/^([0-9]+) \(([0-9]+) s left\)$/\2/p' "$OUT")
	if [ "$RC" -eq 0 ] && [ ${#code} -eq "$digits" ] &&
	    { [ "$code" = "$c0" ] || [ "$code" = "$c1" ]; } &&
	    [ "$left" -ge 1 ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $RC, got '$(cat "$OUT")', want $c0 or $c1)"
		diag "stderr:" "$(cat "$ERR")"
	fi
}

if command -v oathtool >/dev/null 2>&1; then
	totp_check "totp UID: standard oneTimeCode field, checked with oathtool" 6 \
	    --totp -b JBSWY3DPEHPK3PXP -- "$LOGIN"
	totp_check "totp NOTATION, checked with oathtool" 6 \
	    --totp -b JBSWY3DPEHPK3PXP -- "keeper://$LOGIN/field/oneTimeCode"
	totp_check "totp UID: custom otp field, SHA256, 8 digits, 60 s" 8 \
	    --totp=sha256 --digits=8 --time-step-size=60s \
	    -b GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ -- "$COTP"
	ks totp "$COTP"
	left=$(sed -En 's/^[0-9]+ \(([0-9]+) s left\)$/\1/p' "$OUT")
	check "totp: seconds left within the 60 s period" \
	    test "${left:-0}" -ge 1 -a "${left:-99}" -le 60
else
	ok "# SKIP oathtool not installed (Debian package oathtool)"
fi

ks totp --json "$LOGIN"
check "totp --json has code and secondsLeft" test "$(jq '
    (.code | test("^[0-9]{6}$")) and .secondsLeft >= 1 and
    .secondsLeft <= 30' "$OUT")" = true

ks totp "$FOLDER"
expect_fail "totp of a record without a one-time code field" 14 "no oneTimeCode or otp"

ks totp "keeper://$LOGIN/field/password"
expect_fail "totp of a value that is no otpauth URI" 13 ""

# ---- download ----

ks download -o "$TMP/hello.txt" "keeper://$FILEREC/file/hello.txt"
expect_ok "download a small file by name"
check "small file content" test "$(cat "$TMP/hello.txt")" = "hello, file"
check "downloaded file has mode 0600" \
    test "$(stat -c %a "$TMP/hello.txt")" = 600

ks download -o "$TMP/big.out" "keeper://$BIG/file/big.bin"
expect_ok "download a 50 MB file"
check "50 MB file: sha256 matches" \
    test "$(sha256sum <"$TMP/big.out")" = "$(sha256sum <"$BIGDATA")"
check "50 MB file has mode 0600" test "$(stat -c %a "$TMP/big.out")" = 600

echo keep >"$TMP/exists"
ks download -o "$TMP/exists" "keeper://$FILEREC/file/Hello"
expect_fail "download refuses to overwrite an existing file: EEXIST" 34 "exists"
check "the existing file is untouched" test "$(cat "$TMP/exists")" = keep

chmod 644 "$TMP/exists"
ks download --force -o "$TMP/exists" "keeper://$FILEREC/file/Hello"
expect_ok "download --force replaces it (file found by title)"
check "--force wrote the content" test "$(cat "$TMP/exists")" = "hello, file"
check "--force: mode 0600" test "$(stat -c %a "$TMP/exists")" = 600
check "--force left no temporary file" \
    test "$(find "$TMP" -maxdepth 1 -name 'exists.*' | wc -l)" = 0

ks download -o - "keeper://$FILEREC/file/hello.txt"
expect_out "download -o - writes to standard output" "hello, file"

ks download -o "$TMP/nope" "keeper://$FILEREC/field/password"
expect_fail "download of a notation that is not a file" 2 "does not name a file"

ks download "keeper://$FILEREC/file/hello.txt"
expect_fail "download without -o" 2 "no output file"

ks download -o "$TMP/nope" "keeper://$FILEREC/file/missing.bin"
expect_fail "download of a missing file" 14 "missing.bin"
check "no output file after a failed download" test ! -e "$TMP/nope"

# ---- exec ----

X="keeper://$LOGIN/field/password" Y=plain ks exec -- sh -c \
    'test "$X" = Pw-nt-login-4Rk8Zq && test "$Y" = plain'
expect_ok "exec: the child sees the secret in place of the reference"

H="keeper://$FOLDER/field/host[hostName]" U="keeper://$LOGIN/field/url[1]" \
    ks exec -- sh -c 'test "$H" = nt-db.internal && test "$U" = https://two.example.com'
expect_ok "exec: single-value reading, host[hostName] and url[1]"

X="keeper://$LOGIN/field/password" ks exec -- sh -c 'exit 7'
check "exec: the command's exit status" test "$RC" -eq 7

ks exec --inline -- sh -c 'test "$1" = Pw-nt-login-4Rk8Zq && test "$2" = "--key=Sk-nt-custom-7Wd2Lp"' sh \
    "keeper://$LOGIN/field/password" "--key=keeper://$LOGIN/custom_field/API key"
expect_ok "exec --inline: whole argument and the rest of an argument"

ks exec -- sh -c 'test "$1" = "keeper://x/field/password"' sh "keeper://x/field/password"
expect_ok "exec without --inline leaves arguments alone"

rm -f "$TMP/marker"
X="keeper://$LOGIN/field/password" BAD="keeper://$LOGIN/field/nosuchfield" \
    ks exec -- touch "$TMP/marker"
expect_fail "exec: an unresolvable variable fails" 14 "variable BAD"
check "exec: the command was not run" test ! -e "$TMP/marker"
check "exec: the message does not contain the reference" \
    sh -c "! grep -q nosuchfield '$ERR'"

BAD="keeper://$LEGACY/field/password" ks exec -- touch "$TMP/marker"
expect_fail "exec: a legacy record fails closed" 17 "variable BAD"
check "exec: not run for a legacy record" test ! -e "$TMP/marker"

BIN="keeper://$FILEREC/file/nul.bin" ks exec -- touch "$TMP/marker"
expect_fail "exec: a value with NUL bytes cannot go into the environment" 1 \
    "variable BIN: .*NUL bytes"
check "exec: not run for a binary value" test ! -e "$TMP/marker"

ks exec --inline -- touch "$TMP/marker" "keeper://$LOGIN/bogus"
expect_fail "exec --inline: a malformed reference fails" 16 "argument 2"
check "exec --inline: the command was not run" test ! -e "$TMP/marker"

ks exec -- "$TMP/no-such-command"
expect_fail "exec of a missing command: 127" 127 "cannot run"

# ---- the base64url form (a notation without any '/') ----

# as CI systems pass it: basenc --base64url, '=' dropped or kept
b64u() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
b64p() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_'; }

ks get "$(b64u "keeper://$LOGIN/field/password")"
expect_out "get BASE64URL (unpadded) resolves, not a UID" "Pw-nt-login-4Rk8Zq"

ks get "$(b64p "$LOGIN/custom_field/API key")"
expect_out "get BASE64URL with '=' padding" "Sk-nt-custom-7Wd2Lp"

ks get "$(b64u 'Ops\/Prod \[eu\] login/field/url[1]')" \
    "$(b64u "keeper://$FOLDER/field/host[][hostName]")"
expect_out "get: two base64 notations, a title with escapes and a property" \
    "$(printf 'https://two.example.com\nnt-db.internal')"

ks get "$(b64u "keeper://$LOGIN/field/password" | sed 's/.\{12\}/&\n/g')"
expect_out "get: base64 wrapped over lines (as base64(1) prints it)" \
    "Pw-nt-login-4Rk8Zq"

printf '%s\n' "$(b64u "$LOGIN/field/login")" >"$TMP/in"
RC=0
timeout "$TIMEOUT" "$KS" --config "$CFG" get --stdin <"$TMP/in" >"$OUT" 2>"$ERR" || RC=$?
cat "$ERR" >>"$ALL_ERR"
expect_out "get --stdin takes a base64 line" "nt-user@example.com"

ks get "$LOGIN" "$(b64u "$LOGIN/field/login")"
expect_fail "a UID and a base64 notation are not mixed" 2 "cannot be mixed"

# one error line naming the problem, never a UID lookup
b64_fails() {	# DESC STATUS REGEX
	expect_fail "$@"
	check "$1: one error line" \
	    test "$(grep -c '^keeper-secret: ' "$ERR")" -eq 1
	check "$1: not read as a record UID" \
	    sh -c "! grep -q 'not shared' '$ERR'"
}
ks get "$(b64u "keeper://$LOGIN/bogus")"
b64_fails "get: a base64 notation with a bad selector" 16 \
    "bad selector 'bogus' at character 33 of the decoded base64 notation"
ks get "$(b64u "$(b64u "keeper://$LOGIN/field/password")")"
b64_fails "get: a notation base64-encoded twice" 16 \
    "decoding has no '/' either"
ks get -- "$(b64u "$LOGIN/type")Q"
b64_fails "get: base64 with a character too many" 16 \
    "base64 characters do not make whole bytes"

ks get --json -- "$DASH"
check "a plain UID is never read as base64 (even one starting with '-')" \
    test "$(jq -r '.[0].uid' "$OUT" 2>/dev/null)" = "$DASH"

if command -v oathtool >/dev/null 2>&1; then
	totp_check "totp BASE64URL, checked with oathtool" 6 \
	    --totp -b JBSWY3DPEHPK3PXP -- \
	    "$(b64u "keeper://$LOGIN/field/oneTimeCode")"
else
	ok "# SKIP oathtool not installed (Debian package oathtool)"
fi

ks download -o - "$(b64u "keeper://$FILEREC/file/hello.txt")"
expect_out "download BASE64URL" "hello, file"

B=$(b64u "keeper://$LOGIN/field/password")
X=$B ks exec -- sh -c 'printf %s "$X"'
expect_out "exec: the base64url form of a keeper:// value is a reference" \
    "Pw-nt-login-4Rk8Zq"
B=$(b64u "$LOGIN/field/password")
X=$B ks exec -- sh -c 'test "$X" = "$1"' sh "$B"
expect_ok "exec: base64 of a notation without keeper:// is left alone (it may be any value)"

GH=$top_builddir/plugins/git/git-credential-keeper
if [ -x "$GH" ]; then
	RC=0
	printf 'protocol=https\nhost=git.example.com\n\n' |
	    timeout "$TIMEOUT" "$GH" --config "$CFG" --username \
	    "$(b64u "$LOGIN/field/login")" --password "$B" get \
	    >"$OUT" 2>"$ERR" || RC=$?
	cat "$ERR" >>"$ALL_ERR"
	check "git-credential-keeper --username/--password BASE64URL" \
	    test "$RC" -eq 0 -a "$(grep -E '^(username|password)=' "$OUT" |
	    tr '\n' '|')" = "username=nt-user@example.com|password=Pw-nt-login-4Rk8Zq|"
else
	ok "# SKIP git-credential-keeper not built"
fi

# ---- help ----

for v in get totp download exec; do
	run_ks "$v" --help
	if [ "$RC" -eq 0 ] && grep -q "^usage: keeper-secret $v" "$OUT"; then
		ok "keeper-secret $v --help"
	else
		not_ok "keeper-secret $v --help (exit $RC)"
	fi
done

check_no_secrets
done_testing
