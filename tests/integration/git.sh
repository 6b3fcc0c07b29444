#!/bin/bash
# git-credential-keeper with real git: lighttpd + git http-backend with basic
# auth on 127.0.0.1, the helper reading keeper-sandbox; then the protocol
# battery (after git's t/lib-credential.sh) against the helper itself.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

HELPER=$top_builddir/plugins/git/git-credential-keeper
[ -x "$HELPER" ] || bail "$HELPER was not built"
command -v git >/dev/null 2>&1 || skip_all "git not installed"
command -v lighttpd >/dev/null 2>&1 || skip_all "lighttpd not installed"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
BACKEND=$(git --exec-path)/git-http-backend
[ -x "$BACKEND" ] || skip_all "git http-backend not found"

ALICE=GitAliceRecord00000001
BOB=GitBobRecord0000000002
CAROL=GitCarolRecord00000003
TOKEN_REC=GitTokenRecord00000005
DAVE=GitDaveRecord000000008
ERIN=GitErinRecord000000009
CFG=$TMP/ksm-config.json
G=$TMP/git
LPID=
mkdir -p "$G/repos" "$G/www" "$G/work"

# a free port for lighttpd (the vault's url fields name it)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])') ||
    bail "no free port"
HOSTPORT=127.0.0.1:$PORT
BASE=http://$HOSTPORT/git
VAULT=$TMP/git-vault.json
sed "s/@PORT@/$PORT/g" "$top_srcdir/tests/integration/git-vault.json" >"$VAULT"
cp "$VAULT" "$TMP/vault-before.json"

stop_lighttpd() {
	if [ -n "$LPID" ]; then
		kill "$LPID" 2>/dev/null
		wait "$LPID" 2>/dev/null
		LPID=
	fi
}
trap 'stop_lighttpd; cleanup' EXIT

# ---- the git server: carol's real password is not the one in the vault ----
printf 'alice:Pw-git-alice-1\nbob:Pw-git-bob-2\ncarol:Pw-carol-real\n' >"$G/users"
# dave and erin have no password in the vault yet; erin's share is read-only
printf 'dave:Pw-dave-new\nerin:Pw-erin-typed\n' >>"$G/users"
git init -q --bare -b main "$G/repos/proj.git"
git -C "$G/repos/proj.git" config http.receivepack true
cat >"$G/lighttpd.conf" <<CONF
server.port          = $PORT
server.bind          = "127.0.0.1"
server.document-root = "$G/www"
server.errorlog      = "$G/lighttpd-error.log"
server.modules       = ( "mod_auth", "mod_authn_file", "mod_alias", "mod_setenv", "mod_cgi" )
auth.backend                = "plain"
auth.backend.plain.userfile = "$G/users"
auth.require = ( "/git/" => ( "method" => "basic", "realm" => "git", "require" => "valid-user" ) )
alias.url = ( "/git/" => "$BACKEND/" )
\$HTTP["url"] =~ "^/git/" {
  cgi.assign = ( "" => "" )
  setenv.set-environment = ( "GIT_PROJECT_ROOT" => "$G/repos", "GIT_HTTP_EXPORT_ALL" => "1" )
}
CONF
lighttpd -D -f "$G/lighttpd.conf" 2>"$G/lighttpd.stderr" &
LPID=$!
for i in $(seq 300); do
	curl -s -o /dev/null "http://$HOSTPORT/" && break
	kill -0 "$LPID" 2>/dev/null || { cat "$G/lighttpd.stderr" >&2; bail "lighttpd exited"; }
	sleep 0.1
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/proj.git/info/refs")
check "the git server wants basic auth (HTTP $code)" test "$code" = 401

sb_start
ks_init "$CFG" "$(sb_token git)"
expect_ok "bind an application that holds the git records"

# Only the helper configured, found on PATH as `git credential-keeper`;
# the config through the environment, never the repository.
export PATH=$top_builddir/plugins/git:$PATH
export KSM_CONFIG_FILE=$CFG
export GIT_TERMINAL_PROMPT=0 GIT_ASKPASS= SSH_ASKPASS=
export GIT_CONFIG_GLOBAL=$TMP/gitconfig GIT_CONFIG_NOSYSTEM=1
# the cross-process cache, in this test's own directory
export KSM_CACHE_DIR=$TMP/cache
git config --global user.email t@example.com
git config --global user.name tester
git config --global credential.helper keeper
GERR=$TMP/git.err
HERR=$TMP/helper.err

# g ARGS...: git with a timeout; sets RC, stderr in $GERR
g() {
	RC=0
	timeout "$TIMEOUT" git "$@" >"$TMP/git.out" 2>"$GERR" || RC=$?
}

# ---- real git: push, clone, fetch ----
W=$G/work/src
git init -q -b main "$W"
echo one >"$W/f"
git -C "$W" add f && git -C "$W" commit -q -m one
g -C "$W" push "http://alice@$HOSTPORT/git/proj.git" main
check "push as alice with the password from Keeper (rc $RC)" test "$RC" -eq 0
[ "$RC" -eq 0 ] || diag "$(cat "$GERR")"
g clone -q "http://alice@$HOSTPORT/git/proj.git" "$G/work/c1"
check "clone as alice (rc $RC)" test "$RC" -eq 0 -a -f "$G/work/c1/f"
echo two >>"$W/f"
git -C "$W" commit -q -am two
g -C "$W" push -q "http://alice@$HOSTPORT/git/proj.git" main
g -C "$G/work/c1" fetch -q origin
check "fetch sees the second push (rc $RC)" \
    test "$(git -C "$G/work/c1" rev-parse origin/main)" = "$(git -C "$W" rev-parse main)"

# two accounts on one host, chosen by https://user@host/
g clone -q "http://bob@$HOSTPORT/git/proj.git" "$G/work/c2"
check "clone as bob: the second account on the same host (rc $RC)" \
    test "$RC" -eq 0 -a -f "$G/work/c2/f"

# no username: three records match the host, so no answer
g clone -q "$BASE/proj.git" "$G/work/c3"
check "no username: git fails cleanly (rc $RC)" test "$RC" -eq 128
check "ambiguity: one stderr line naming the UIDs" \
    grep -q "git-credential-keeper: several records match.*$ALICE.*$BOB.*$CAROL" "$GERR"
check "no clone left behind" test ! -e "$G/work/c3/f"

check "the helper's answers are cached" sh -c "ls '$KSM_CACHE_DIR' | grep -q '\.kc\$'"

# the vault holds a stale password for carol
g clone -q "http://carol@$HOSTPORT/git/proj.git" "$G/work/c4"
check "a wrong password in the vault: git fails (rc $RC)" test "$RC" -eq 128
check "... with git's authentication error" grep -q 'Authentication failed' "$GERR"
check "git's erase dropped the cached answers (get had filled the cache)" \
    sh -c "! ls '$KSM_CACHE_DIR' | grep -q '\.kc\$'"
check "store and erase changed nothing in the vault" cmp -s "$VAULT" "$TMP/vault-before.json"
run_ks --config "$CFG" get --json "$CAROL"
check "the sandbox still serves carol's record unchanged" \
    test "$(got_value "$CAROL" password)" = Pw-git-carol-stale

# ---- the protocol battery, against the helper itself ----
# h INPUT-PRINTF-FORMAT [helper args...]: stdout in $TMP/h.out, RC
h() {
	local fmt=$1
	shift
	RC=0
	# shellcheck disable=SC2059
	printf "$fmt" | timeout "$TIMEOUT" git-credential-keeper "$@" \
	    >"$TMP/h.out" 2>"$HERR" || RC=$?
	cat "$HERR" >>"$ALL_ERR"
}
empty_out() { test ! -s "$TMP/h.out"; }
Q="protocol=http\nhost=$HOSTPORT\n"

h "${Q}username=alice\n\n" get
check "get answers exactly username and password" \
    test "$(cat "$TMP/h.out")" = "$(printf 'username=alice\npassword=Pw-git-alice-1')"
h "${Q}username=bob\npath=git/proj.git\n\n" get
check "useHttpPath: a host-wide url covers any path" grep -qx 'password=Pw-git-bob-2' "$TMP/h.out"
h "${Q}username=alice\npath=other/x.git\n\n" get
check "useHttpPath: alice's /git/ url does not cover other/ (rc $RC)" empty_out
h "${Q}username=nobody\n\n" get
check "an unknown username: no answer, exit 0" sh -c "[ $RC -eq 0 ] && ! [ -s '$TMP/h.out' ]"
h "protocol=http\nhost=$HOSTPORT\r\nusername=alice\n\n" get
check "CR before LF: refused, no answer (rc $RC)" sh -c "[ $RC -ne 0 ] && ! [ -s '$TMP/h.out' ]"
check "... with one line on stderr" test "$(wc -l <"$HERR")" -eq 1
h "protocol=http\nhost=evil.example\rhost=$HOSTPORT\nusername=alice\n\n" get
check "a lone CR is not a line end: refused (rc $RC)" sh -c "[ $RC -ne 0 ] && ! [ -s '$TMP/h.out' ]"
h "protocol=http\nhost=$HOSTPORT\0.evil\nusername=alice\n\n" get
check "NUL in a value: refused (rc $RC)" sh -c "[ $RC -ne 0 ] && ! [ -s '$TMP/h.out' ]"
h "protocol=http\nusername=alice\n\n" get
check "missing host never matches (rc $RC)" sh -c "[ $RC -eq 0 ] && ! [ -s '$TMP/h.out' ]"
h "host=$HOSTPORT\nusername=alice\n\n" get
check "missing protocol never matches" empty_out
h "protocol=http\nusername=alice\n\n" get --record "$ALICE"
check "missing host is no wildcard, even with --record" empty_out
h "host=$HOSTPORT\n\n" get --record "$ALICE"
check "missing protocol is no wildcard, even with --record" empty_out
h "protocol=http\nhost=\nusername=alice\n\n" get
check "empty host never matches" empty_out
h "${Q}username=$(head -c 70000 /dev/zero | tr '\0' a)\n\n" get
check "a line over 64 KiB: refused (rc $RC)" sh -c "[ $RC -ne 0 ] && ! [ -s '$TMP/h.out' ]"
h "wwwauth[]=Basic realm=\"git\"\ncapability[]=authtype\nx-unknown=1\n${Q}username=alice\n\n" get
check "unknown keys are ignored" grep -qx 'username=alice' "$TMP/h.out"
h "" get
check "empty input: no answer, exit 0" sh -c "[ $RC -eq 0 ] && ! [ -s '$TMP/h.out' ]"
h "${Q}username=alice\n\n" capability
check "an unknown operation: exit 0, no output" sh -c "[ $RC -eq 0 ] && ! [ -s '$TMP/h.out' ] && ! [ -s '$HERR' ]"
h "${Q}username=alice\npassword=new-token\n\n" store
check "store: exit 0, no output" sh -c "[ $RC -eq 0 ] && ! [ -s '$TMP/h.out' ]"
h "${Q}username=alice\npassword=Pw-git-alice-1\n\n" erase
check "erase: exit 0, no output" sh -c "[ $RC -eq 0 ] && ! [ -s '$TMP/h.out' ]"
check "the vault file is unchanged" cmp -s "$VAULT" "$TMP/vault-before.json"
h "protocol=https\nhost=crlf.example\n\n" get
check "a vault value with LF is not answered" empty_out
h "protocol=https\nhost=unshared.example\n\n" get
check "a record not shared with the application never answers" empty_out
h "protocol=https\nhost=git.example.com\npath=team/r.git\n\n" get
check "second url value of a record, with path" grep -qx 'password=Pw-git-other-4' "$TMP/h.out"
h "protocol=https\nhost=mirror.example.com:443\n\n" get
check "default port equals none" grep -qx 'password=Pw-git-other-4' "$TMP/h.out"

# explicit mapping
h "protocol=https\nhost=anything.example\n\n" get --record "Build bot" \
    --password "keeper://$TOKEN_REC/custom_field/token"
check "--record TITLE --password NOTATION: the token from a custom field" \
    test "$(cat "$TMP/h.out")" = "$(printf 'username=bot\npassword=Tk-git-token-5\npassword_expiry_utc=4102444800')"
h "protocol=https\nhost=anything.example\n\n" get --record "$BOB"
check "--record UID" grep -qx 'password=Pw-git-bob-2' "$TMP/h.out"
h "protocol=https\nhost=anything.example\n\n" get --record "keeper://$BOB/field/password"
check "--record notation" grep -qx 'password=Pw-git-bob-2' "$TMP/h.out"
h "protocol=https\nhost=anything.example\nusername=alice\n\n" get --record "$BOB"
check "--record: a different username git asked for: no answer" empty_out
h "protocol=https\nhost=anything.example\n\n" get --record NoSuchRecord
check "--record of an unknown record: no answer, exit 0" sh -c "[ $RC -eq 0 ] && ! [ -s '$TMP/h.out' ]"

# through git credential fill, as git runs it
RC=0
printf 'protocol=http\nhost=%s\nusername=bob\n\n' "$HOSTPORT" |
    timeout "$TIMEOUT" git credential fill >"$TMP/fill.out" 2>"$HERR" || RC=$?
check "git credential fill with credential.helper=keeper" \
    grep -qx 'password=Pw-git-bob-2' "$TMP/fill.out"

# doctor: the record and why, never the value
RC=0
timeout "$TIMEOUT" git-credential-keeper doctor "http://alice@$HOSTPORT/git/proj.git" \
    >"$TMP/doctor.out" 2>"$HERR" || RC=$?
check "doctor names the record (rc $RC)" grep -q "^record: $ALICE" "$TMP/doctor.out"
check "doctor prints no secret" sh -c "! grep -q 'Pw-git' '$TMP/doctor.out'"
timeout "$TIMEOUT" git-credential-keeper doctor "$BASE/proj.git" >"$TMP/doctor.out" 2>&1
check "doctor explains an ambiguity" grep -q "several records match.*$ALICE" "$TMP/doctor.out"
RC=0
git-credential-keeper --help >"$TMP/help.out" || RC=$?
check "--help (rc $RC)" grep -q 'get|store|erase' "$TMP/help.out"

timeout "$TIMEOUT" git-credential-keeper doctor "http://erin@$HOSTPORT/git/proj.git" >"$TMP/doctor.out" 2>&1
check "doctor says a read-only share cannot be stored into" \
    grep -q "^store: read-only share.*$ERIN" "$TMP/doctor.out"
timeout "$TIMEOUT" git-credential-keeper doctor "http://dave@$HOSTPORT/git/proj.git" >"$TMP/doctor.out" 2>&1
check "doctor says an editable record can be stored into" \
    grep -q "^store: --allow-store would save.*$DAVE" "$TMP/doctor.out"

# jq_vault FILTER...: rewrite the vault file (the sandbox reloads it)
jq_vault() {
	jq "$@" "$VAULT" >"$VAULT.new" && mv "$VAULT.new" "$VAULT"
}
# revision_of UID: the record's revision in the vault file (1 when unset)
revision_of() {
	jq -r --arg u "$1" '.records[] | select(.uid == $u) | .revision // 1' "$VAULT"
}

# ---- erase drops the cached answers ----
export KSM_CACHE_TTL=3600
h "${Q}username=bob\n\n" get
jq_vault --arg u "$BOB" '(.records[] | select(.uid == $u) | .data.fields[1].value) = ["Pw-git-bob-rotated"]'
h "${Q}username=bob\n\n" get
check "a fresh cache entry answers without asking Keeper" grep -qx 'password=Pw-git-bob-2' "$TMP/h.out"
h "${Q}username=bob\npassword=Pw-git-bob-2\n\n" erase
h "${Q}username=bob\n\n" get
check "erase dropped the cached answers: the rotated password" \
    grep -qx 'password=Pw-git-bob-rotated' "$TMP/h.out"
jq_vault --arg u "$BOB" '(.records[] | select(.uid == $u) | .data.fields[1].value) = ["Pw-git-bob-2"]'
unset KSM_CACHE_TTL

# ---- --allow-store: a password typed at git's prompt is saved ----
git config --global --replace-all credential.helper 'keeper --allow-store'
printf '#!/bin/sh\ncat "%s/typed"\n' "$TMP" >"$TMP/askpass"
chmod +x "$TMP/askpass"
echo Pw-dave-new >"$TMP/typed"
echo three >>"$W/f"
git -C "$W" commit -q -am three
GIT_ASKPASS=$TMP/askpass g -C "$W" push -q "http://dave@$HOSTPORT/git/proj.git" main
check "dave has no password in Keeper: push with the typed one (rc $RC)" test "$RC" -eq 0
[ "$RC" -eq 0 ] || diag "$(cat "$GERR")"
check "store saved it into dave's record" test "$(vault_value "$DAVE" password)" = Pw-dave-new
check "... at the next revision" test "$(revision_of "$DAVE")" = 2
check "... and said so on stderr" grep -q "saved the new password in record $DAVE" "$GERR"
echo not-this >"$TMP/typed"
GIT_ASKPASS=$TMP/askpass g clone -q "http://dave@$HOSTPORT/git/proj.git" "$G/work/c6"
check "clone as dave: the saved password, no prompt (rc $RC)" test "$RC" -eq 0 -a -f "$G/work/c6/f"
check "storing an unchanged password sends no update" test "$(revision_of "$DAVE")" = 2
run_ks --config "$CFG" get --json "$DAVE"
check "keeper-secret reads the updated record" test "$(got_value "$DAVE" password)" = Pw-dave-new

# a read-only share: refused clearly, the vault untouched
cp "$VAULT" "$TMP/vault-before-erin.json"
echo Pw-erin-typed >"$TMP/typed"
GIT_ASKPASS=$TMP/askpass g clone -q "http://erin@$HOSTPORT/git/proj.git" "$G/work/c7"
check "clone as erin with the typed password (rc $RC)" test "$RC" -eq 0
check "a read-only share: store refused with one line" \
    grep -q "record $ERIN is shared read-only with the application; the new password was not saved" "$GERR"
check "... and the vault file is unchanged" cmp -s "$VAULT" "$TMP/vault-before-erin.json"

# the stale password of carol replaced through git credential approve
RC=0
printf 'url=http://carol@%s/git/proj.git\npassword=Pw-carol-real\n\n' "$HOSTPORT" |
    timeout "$TIMEOUT" git credential approve 2>"$HERR" || RC=$?
check "git credential approve with --allow-store (rc $RC)" \
    test "$(vault_value "$CAROL" password)" = Pw-carol-real
g clone -q "http://carol@$HOSTPORT/git/proj.git" "$G/work/c8"
check "clone as carol now works (rc $RC)" test "$RC" -eq 0

# a stale revision: the helper read dave at revision 2 (cached), the
# vault has moved on; Keeper refuses and nothing changes
export KSM_CACHE_TTL=3600
h "${Q}username=dave\n\n" get
jq_vault --arg u "$DAVE" '(.records[] | select(.uid == $u) | .revision) = 7'
cp "$VAULT" "$TMP/vault-before-stale.json"
h "${Q}username=dave\npassword=Pw-dave-other\n\n" store --allow-store
check "a stale revision is refused: exit 0, no output" \
    sh -c "[ $RC -eq 0 ] && ! [ -s '$TMP/h.out' ]"
check "... one line on stderr naming it" \
    sh -c "[ \$(wc -l <'$HERR') -eq 1 ] && grep -q 'record_out_of_date.*revision 7' '$HERR'"
check "... and the vault file is unchanged" cmp -s "$VAULT" "$TMP/vault-before-stale.json"
h "${Q}username=dave\npassword=Pw-dave-other\n\n" store --allow-store
check "the refusal dropped the stale cache: the retry is saved" \
    test "$(vault_value "$DAVE" password)" = Pw-dave-other
check "... at revision 8" test "$(revision_of "$DAVE")" = 8
unset KSM_CACHE_TTL
git config --global --replace-all credential.helper keeper

# ---- Keeper throttled or unreachable ----
# Without a cached answer git falls through (exit 0, no output, one stderr
# line); with one (stale-if-error) it keeps working.
sb_start --throttle 1 --throttle-pause 3600
export KSM_HOSTNAME=$SB_ADDR	# a new port; the same state, keys and CA
h "${Q}username=alice\n\n" get		# the one call allowed; seeds the cache
check "throttling sandbox: the first call is answered" grep -qx 'password=Pw-git-alice-1' "$TMP/h.out"
export KSM_CACHE_TTL=0
h "${Q}username=alice\n\n" get
check "throttled, no cache: exit 0, no output" sh -c "[ $RC -eq 0 ] && ! [ -s '$TMP/h.out' ]"
check "... one line on stderr, saying so, at once" \
    sh -c "[ \$(wc -l <'$HERR') -eq 1 ] && grep -q 'throttled' '$HERR'"
export KSM_CACHE_TTL=0.001
h "${Q}username=alice\n\n" get
check "throttled, with the cache: the cached answer" grep -qx 'password=Pw-git-alice-1' "$TMP/h.out"
g clone -q "http://alice@$HOSTPORT/git/proj.git" "$G/work/c9"
check "... and git keeps working (rc $RC)" test "$RC" -eq 0
[ "$RC" -eq 0 ] || diag "$(cat "$GERR")"

sb_stop
export KSM_CACHE_TTL=0
h "${Q}username=alice\n\n" get
check "sandbox stopped, no cache: exit 0, no output" sh -c "[ $RC -eq 0 ] && ! [ -s '$TMP/h.out' ]"
check "... and one line on stderr" test "$(wc -l <"$HERR")" -eq 1
g clone -q "http://alice@$HOSTPORT/git/proj.git" "$G/work/c5"
check "git then fails cleanly without prompting (rc $RC)" test "$RC" -eq 128
# falls through to the next helper
printf 'http://alice:Pw-git-alice-1@%s\n' "$HOSTPORT" >"$TMP/git-credentials"
chmod 600 "$TMP/git-credentials"
git config --global --add credential.helper "store --file $TMP/git-credentials"
g clone -q "http://alice@$HOSTPORT/git/proj.git" "$G/work/c10"
check "git falls through to the next helper (rc $RC)" test "$RC" -eq 0 -a -f "$G/work/c10/f"
git config --global --replace-all credential.helper keeper
export KSM_CACHE_TTL=0.001
h "${Q}username=alice\n\n" get
check "sandbox stopped, with the cache: the cached answer" grep -qx 'password=Pw-git-alice-1' "$TMP/h.out"
g clone -q "http://alice@$HOSTPORT/git/proj.git" "$G/work/c11"
check "... and git keeps working (rc $RC)" test "$RC" -eq 0
unset KSM_CACHE_TTL

# ---- keeper-agent answers the helper; killed, the helper asks Keeper ----
# The disk cache is off (KSM_CACHE_TTL=0): an answer the sandbox did not
# see can only have come from the agent.  --refresh 3600: no background
# fetch of its own while the clone runs.
sb_start
export KSM_HOSTNAME=$SB_ADDR KSM_CACHE_TTL=0
ks_agent_start "$CFG" --refresh 3600
h "${Q}username=alice\n\n" get		# the agent's first fetch
check "keeper-agent running: the helper answers" grep -qx 'password=Pw-git-alice-1' "$TMP/h.out"
check "... through the agent (its audit trail)" \
    test "$(ks_agent_answers git-credential-keeper)" -eq 1
calls=$(sb_calls get_secret)
g clone -q "http://alice@$HOSTPORT/git/proj.git" "$G/work/c12"
check "clone with the agent answering (rc $RC)" test "$RC" -eq 0 -a -f "$G/work/c12/f"
[ "$RC" -eq 0 ] || diag "$(cat "$GERR")"
check "... the agent's audit trail gained an answer for git-credential-keeper" \
    test "$(ks_agent_answers git-credential-keeper)" -gt 1
check "... and the sandbox saw no get_secret ($calls before, $(sb_calls get_secret) after)" \
    test "$(sb_calls get_secret)" -eq "$calls"

ks_agent_kill
calls=$(sb_calls get_secret)
g clone -q "http://alice@$HOSTPORT/git/proj.git" "$G/work/c13"
check "agent killed: the clone still succeeds (rc $RC)" test "$RC" -eq 0 -a -f "$G/work/c13/f"
[ "$RC" -eq 0 ] || diag "$(cat "$GERR")"
check "... the helper asked Keeper itself" test "$(sb_calls get_secret)" -gt "$calls"
ks_agent_stop
unset KSM_CACHE_TTL

stop_lighttpd
check_no_secrets
done_testing
