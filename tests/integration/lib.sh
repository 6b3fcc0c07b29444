# shellcheck shell=bash
# tests/integration/lib.sh: sourced by every end-to-end script.
#
# Real binaries only: keeper-sandbox serves tests/integration/vault.json on
# 127.0.0.1 (port 0, HTTPS with the state dir's own CA) and keeper-secret
# talks to it.  Prints TAP; the plan comes last (done_testing).
#
# top_srcdir and top_builddir are exported by the test harness; run by hand:
#   top_srcdir=. top_builddir=_build bash tests/integration/basic.sh
set -u

: "${top_srcdir:?run through make check, or export top_srcdir}"
: "${top_builddir:?run through make check, or export top_builddir}"

KS=$top_builddir/cli/keeper-secret
SB=$top_builddir/sandbox/keeper-sandbox
VAULT=$top_srcdir/tests/integration/vault.json
APP=itest
TIMEOUT=60

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ksm-it.XXXXXX")
STATE=$TMP/state		# the sandbox state dir (keys, CA, clients)
SB_PID=
SB_ADDR=
OUT=$TMP/out			# stdout of the last run_ks
ERR=$TMP/err			# stderr of the last run_ks
RC=0				# exit status of the last run_ks
ALL_ERR=$TMP/all-stderr		# every stderr, for the secret scan
TOKENS=$TMP/tokens		# every token minted, for the secret scan
: >"$ALL_ERR"
: >"$TOKENS"

# Hermetic: nothing from the caller's environment or home directory.
unset KSM_CONFIG KSM_CONFIG_FILE KSM_PROFILE KSM_CONFIG_KEYRING KSM_HOSTNAME KSM_CA_FILE KSM_TOKEN \
    KSM_MAX_THROTTLE_WAIT_MS KSM_CLIENT_VERSION XDG_CONFIG_HOME \
    XDG_RUNTIME_DIR XDG_CACHE_HOME KSM_CACHE_DIR KSM_CACHE_TTL KSM_CACHE_MAX_AGE \
    KSM_AGENT KSM_AGENT_SOCK SSH_AUTH_SOCK SSH_AGENT_PID
export HOME=$TMP/home
mkdir -p "$HOME"

_n=0
_failed=0

ok() {
	_n=$((_n + 1))
	echo "ok $_n - $*"
}

not_ok() {
	_n=$((_n + 1))
	_failed=$((_failed + 1))
	echo "not ok $_n - $*"
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

# poll_until COMMAND...: run COMMAND every 0.1 s until it succeeds (0),
# for at most 60 s (1)
poll_until() {
	local i
	for i in $(seq 600); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# wait_for DESC COMMAND...: poll_until COMMAND, as a test
wait_for() {
	local desc=$1
	shift
	if poll_until "$@"; then
		ok "$desc"
	else
		not_ok "$desc (not within 60 s)"
		return 1
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

bail() {
	echo "Bail out! $*"
	exit 99
}

# jssdk_install: the official JS SDK from the committed lockfile, shared by
# every test (tests/conformance/jssdk-install.sh); sets CONF_SRC and
# exports KSM_JSSDK.  No node: the whole script is skipped.
jssdk_install() {
	local rc=0
	CONF_SRC=$top_srcdir/tests/conformance
	KSM_JSSDK=$("$CONF_SRC/jssdk-install.sh" "$CONF_SRC" \
	    "$top_builddir/tests/conformance" 2>"$TMP/npm.log") || rc=$?
	case $rc in
	0) export KSM_JSSDK
	   diag "JS SDK $(jq -r .version "$KSM_JSSDK/package.json"), node $(node --version)" ;;
	2) skip_all "$(cat "$TMP/npm.log")" ;;
	*) diag "npm ci output:" "$(cat "$TMP/npm.log")"
	   bail "could not install the JS SDK (tests/conformance/jssdk-install.sh)" ;;
	esac
}

# ---- comparing keeper-secret with the JS SDK ----

# canonical record data, the same for both clients: "uid" (keeper-secret's)
# and "files" (the JS client's) dropped, absent lists/strings as empty,
# keys sorted (jq -S)
CANON='def canon: {title: "", type: "", fields: [], custom: [], notes: ""}
    + (del(.uid, .files) | with_entries(select(.value != null)));'

# same_json DESC FILE1 FILE2: one TAP line, the diff on failure
same_json() {
	local desc=$1 a=$2 b=$3
	if diff -u "$a" "$b" >"$TMP/diff" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "$(cat "$TMP/diff")"
	fi
}

# ks_records FILE: keeper-secret get --json output, canonical, by UID
ks_records() {
	jq -S "$CANON"' map({key: .uid, value: canon}) | from_entries' "$1"
}

# js_records FILE UIDS-FILE: the JS client's output for those UIDs, canonical
js_records() {
	jq -S --slurpfile u "$2" "$CANON"' with_entries(select(.key as $k |
	    $u[0] | index($k))) | map_values(canon)' "$1"
}

# The verdict is in the TAP lines; a non-zero exit would count twice.
done_testing() {
	echo "1..$_n"
	return 0
}

cleanup() {
	lighttpd_stop
	ks_agent_stop
	sb_stop
	if [ "$_failed" -eq 0 ]; then
		rm -rf "$TMP"
	else
		echo "# kept $TMP for inspection"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$KS" ] || bail "$KS was not built"
[ -x "$SB" ] || skip_all "keeper-sandbox not built (configure found no libmicrohttpd)"
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"

# ---- the sandbox ----

# sb_start [serve options...]: start on 127.0.0.1:0 with the state dir
# $STATE (kept across restarts, so bound configs stay valid) and wait until
# it has written its address to $STATE/listen.
sb_start() {
	local i
	sb_stop
	mkdir -p "$STATE"
	rm -f "$STATE/listen"
	"$SB" serve --state "$STATE" --vault "$VAULT" --listen 127.0.0.1:0 \
	    --log "$TMP/sandbox.log" "$@" 2>>"$TMP/sandbox.stderr" &
	SB_PID=$!
	# bounded (30 s) and only while the process is alive
	for i in $(seq 300); do
		if [ -s "$STATE/listen" ]; then
			SB_ADDR=$(cat "$STATE/listen")
			SB_ADDR=${SB_ADDR#https://}
			return 0
		fi
		if ! kill -0 "$SB_PID" 2>/dev/null; then
			wait "$SB_PID" 2>/dev/null
			SB_PID=
			cat "$TMP/sandbox.stderr" >&2
			bail "keeper-sandbox exited before listening"
		fi
		sleep 0.1
	done
	bail "keeper-sandbox did not listen within 30 s (after $i polls)"
}

sb_stop() {
	if [ -n "$SB_PID" ]; then
		kill "$SB_PID" 2>/dev/null
		wait "$SB_PID" 2>/dev/null
		SB_PID=
	fi
}

# sb_token [app]: print a new one-time token
sb_token() {
	local t
	t=$(timeout "$TIMEOUT" "$SB" token --state "$STATE" --app "${1:-$APP}") ||
	    bail "keeper-sandbox token failed"
	printf '%s\n' "$t" >>"$TOKENS"
	printf '%s\n' "$t"
}

sb_info() {
	timeout "$TIMEOUT" "$SB" info --state "$STATE" --json ||
	    bail "keeper-sandbox info failed"
}

# sb_calls ENDPOINT: how many ENDPOINT requests the sandbox has logged
sb_calls() {
	grep -c " $1 " "$TMP/sandbox.log" 2>/dev/null || true
}

# ---- lighttpd, a real consumer of files rendered from the vault ----

LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
LT_DIR=$TMP/lighttpd		# its config, pid file, logs and pages
LT_PID=
LT_PORT=

# lighttpd_usable: lighttpd and curl are installed
lighttpd_usable() {
	[ -x "$LIGHTTPD" ] && command -v curl >/dev/null 2>&1
}

# lighttpd_start USERFILE: lighttpd in the foreground on 127.0.0.1:$LT_PORT
# (a free port), serving $LT_DIR/www behind HTTP basic auth whose users are
# the plain file USERFILE (user:password lines, read at each request); its
# pid in $LT_PID and $LT_DIR/pid (SIGUSR1 restarts it gracefully, as a
# reload does).  Waits (bounded) until it answers.
lighttpd_start() {
	local i
	lighttpd_stop
	mkdir -p "$LT_DIR/www"
	echo "served from behind a password kept in Keeper" \
	    >"$LT_DIR/www/index.html"
	LT_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])') ||
	    bail "no free port"
	cat >"$LT_DIR/lighttpd.conf" <<CONF
server.port          = $LT_PORT
server.bind          = "127.0.0.1"
server.document-root = "$LT_DIR/www"
server.errorlog      = "$LT_DIR/error.log"
server.modules       = ( "mod_auth", "mod_authn_file" )
auth.backend                = "plain"
auth.backend.plain.userfile = "$1"
auth.require = ( "/" => ( "method" => "basic", "realm" => "keeper", "require" => "valid-user" ) )
CONF
	"$LIGHTTPD" -D -f "$LT_DIR/lighttpd.conf" 2>"$LT_DIR/stderr" &
	LT_PID=$!
	echo "$LT_PID" >"$LT_DIR/pid"
	for i in $(seq 300); do
		curl -s -o /dev/null "http://127.0.0.1:$LT_PORT/" && return 0
		kill -0 "$LT_PID" 2>/dev/null ||
		    { cat "$LT_DIR/stderr" >&2; bail "lighttpd exited"; }
		sleep 0.1
	done
	bail "lighttpd did not answer within 30 s (after $i polls)"
}

# lighttpd_get [USER:PASSWORD]: the HTTP status of the page (its body in
# $LT_DIR/body); the credentials reach curl on its standard input, never
# in argv
lighttpd_get() {
	if [ $# -eq 0 ]; then
		curl -s -o "$LT_DIR/body" -w '%{http_code}' \
		    "http://127.0.0.1:$LT_PORT/index.html"
		return
	fi
	printf 'user = "%s"\n' "$1" |
	    curl -s -o "$LT_DIR/body" -w '%{http_code}' -K - \
	    "http://127.0.0.1:$LT_PORT/index.html"
}

lighttpd_stop() {
	if [ -n "${LT_PID:-}" ]; then
		kill "$LT_PID" 2>/dev/null
		wait "$LT_PID" 2>/dev/null
		LT_PID=
	fi
}

# ---- keeper-agent, the resident session ----

KS_AGENT=$top_builddir/plugins/ssh-agent/keeper-agent
KS_AGENT_PID=
KS_AGENT_LOG=$TMP/agent-audit.log

# ks_agent_start CONFIG [options...]: keeper-agent in the foreground with its
# sockets under $TMP/run (0700), its audit trail in $KS_AGENT_LOG, and
# KSM_AGENT_SOCK exported; waits (bounded) until the secrets socket is there.
ks_agent_start() {
	local cfg=$1 i
	shift
	ks_agent_stop
	mkdir -p "$TMP/run"
	chmod 700 "$TMP/run"
	KSM_AGENT_SOCK=$TMP/run/keeper/agent.sock
	export KSM_AGENT_SOCK
	"$KS_AGENT" -D -a "$TMP/run/ssh.sock" --config "$cfg" \
	    --log "$KS_AGENT_LOG" "$@" >"$TMP/agent.out" 2>>"$TMP/agent.err" &
	KS_AGENT_PID=$!
	# -D prints the shell lines once both sockets listen
	for i in $(seq 300); do
		grep -q '^echo Agent pid' "$TMP/agent.out" 2>/dev/null &&
		    return 0
		kill -0 "$KS_AGENT_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$TMP/agent.err" >&2
	bail "keeper-agent did not listen on $KSM_AGENT_SOCK"
}

ks_agent_stop() {
	if [ -n "${KS_AGENT_PID:-}" ]; then
		kill "$KS_AGENT_PID" 2>/dev/null
		wait "$KS_AGENT_PID" 2>/dev/null
		KS_AGENT_PID=
	fi
	unset KSM_AGENT_SOCK
}

# ks_agent_kill: SIGKILL the agent, as a crash would, and check that its
# secrets socket stays behind, still named by KSM_AGENT_SOCK
ks_agent_kill() {
	kill -KILL "$KS_AGENT_PID"
	wait "$KS_AGENT_PID" 2>/dev/null
	KS_AGENT_PID=
	check "SIGKILL left the agent's socket behind, KSM_AGENT_SOCK names it" \
	    test -S "$KSM_AGENT_SOCK"
}

# ks_agent_answers [PROGRAM]: answers in the agent's audit trail so far;
# with PROGRAM (an executable's file name), its fresh get_secret answers
ks_agent_answers() {
	local re=' for pid '
	[ $# -eq 0 ] || re="get_secret for pid [0-9]* uid [0-9]* exe [^ ]*/$1: .*(fresh)\$"
	grep -c "$re" "$KS_AGENT_LOG" 2>/dev/null || true
}

# sb_client_info: HOST, SKEY (ID:KEY) and CA of the running sandbox, what a
# client other than keeper-secret (the JS SDK) needs
sb_client_info() {
	local info
	info=$(sb_info)
	HOST=$(jq -r .hostname <<<"$info")
	SKEY=$(jq -r '.serverPublicKeyId + ":" + .serverPublicKey' <<<"$info")
	CA=$(jq -r .caFile <<<"$info")
}

# ---- keeper-secret ----

# run_ks ARGS...: run keeper-secret with a timeout; sets RC, OUT, ERR.
# Standard input is /dev/null unless the caller redirects it.
run_ks() {
	run_prog "$KS" "$@"
}

# run_prog PROGRAM ARGS...: what run_ks does, for any program
run_prog() {
	RC=0
	timeout "$TIMEOUT" "$@" >"$OUT" 2>"$ERR" || RC=$?
	cat "$ERR" >>"$ALL_ERR"
	return 0
}

# sb_bind_opts: set SB_BIND to init's --host, --server-key and --ca-file
# options for the sandbox, from `keeper-sandbox info`
sb_bind_opts() {
	local info
	info=$(sb_info)
	SB_BIND=(--host "$(jq -r .hostname <<<"$info")"
	    --server-key "$(jq -r .serverPublicKeyId <<<"$info"):$(jq -r .serverPublicKey <<<"$info")"
	    --ca-file "$(jq -r .caFile <<<"$info")")
}

# ks_init CONFIG [TOKEN]: bind with the token on stdin (never in argv),
# with host, server key and CA from `keeper-sandbox info`.  CONFIG ""
# binds to the default path.
ks_init() {
	local cfg=$1 token=${2:-} cfgopt=()
	[ -n "$token" ] || token=$(sb_token)
	[ -n "$cfg" ] && cfgopt=(--config "$cfg")
	sb_bind_opts
	RC=0
	printf '%s\n' "$token" | timeout "$TIMEOUT" "$KS" init --token - \
	    "${SB_BIND[@]}" "${cfgopt[@]}" >"$OUT" 2>"$ERR" || RC=$?
	cat "$ERR" >>"$ALL_ERR"
}

# expect_fail DESC STATUS REGEX: the last run_ks exited with STATUS and its
# stderr matches REGEX (grep -E), with the "keeper-secret: " prefix.
expect_fail() {
	expect_fail_of keeper-secret "$@"
}

# expect_fail_of NAME DESC STATUS REGEX: as expect_fail, the "NAME: " prefix
expect_fail_of() {
	local name=$1 desc=$2 want=$3 re=$4
	if [ "$RC" -eq "$want" ] && grep -q "^$name: " "$ERR" &&
	    grep -Eq -- "$re" "$ERR"; then
		ok "$desc (exit $RC)"
	else
		not_ok "$desc: want exit $want and /$re/, got exit $RC"
		diag "stderr:" "$(cat "$ERR")"
	fi
}

# expect_hint REGEX: the last stderr has a "hint: " line matching REGEX
expect_hint() {
	local re=$1
	if grep -E -- "^hint: .*$re" "$ERR" >/dev/null; then
		ok "hint matches /$re/"
	else
		not_ok "hint matches /$re/"
		diag "stderr:" "$(cat "$ERR")"
	fi
}

# verdict STATUS DESC: ok when STATUS is 0; else not ok with the last
# run's stdout and stderr
verdict() {
	if [ "$1" -eq 0 ]; then
		ok "$2"
	else
		not_ok "$2"
		diag "stdout:" "$(cat "$OUT" 2>/dev/null)" "stderr:" \
		    "$(cat "$ERR" 2>/dev/null)"
	fi
}

# out_is WANT DESC: the last run's stdout is exactly WANT
out_is() {
	[ "$(cat "$OUT")" = "$1" ]
	verdict $? "$2"
}

expect_ok() {
	local desc=$1
	if [ "$RC" -eq 0 ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $RC)"
		diag "stderr:" "$(cat "$ERR")"
	fi
}

# vault_value UID TYPE-OR-LABEL: first value of that field in the vault file
vault_value() {
	jq -r --arg u "$1" --arg f "$2" '.records[] | select(.uid == $u) |
	    [(.data.fields // []), (.data.custom // [])] | add | .[] |
	    select(.label == $f or (.label == null and .type == $f)) |
	    .value[0] | if type == "string" then . else tojson end' "$VAULT" |
	    head -n 1
}

# got_value UID TYPE-OR-LABEL: the same from `get --json` output in $OUT
got_value() {
	jq -r --arg u "$1" --arg f "$2" '.[] | select(.uid == $u) |
	    [(.fields // []), (.custom // [])] | add | .[] |
	    select(.label == $f or (.label == null and .type == $f)) |
	    .value[0] | if type == "string" then . else tojson end' "$OUT" |
	    head -n 1
}

# No secret value of the vault and no token in any stderr or sandbox log.
check_no_secrets() {
	local secret leaked="" logs=("$ALL_ERR")
	[ -f "$TMP/sandbox.log" ] && logs+=("$TMP/sandbox.log")
	[ -f "$TMP/sandbox.stderr" ] && logs+=("$TMP/sandbox.stderr")
	[ -f "$TMP/agent.err" ] && logs+=("$TMP/agent.err")
	[ -f "$KS_AGENT_LOG" ] && logs+=("$KS_AGENT_LOG")
	while IFS= read -r secret; do
		[ -n "$secret" ] || continue
		if grep -qF -- "$secret" "${logs[@]}"; then
			leaked="$leaked ${secret:0:6}..."
		fi
	done < <(jq -r '.records[].data | [(.fields // []), (.custom // [])] |
	    add | .[] | select(.type == "password" or .type == "secret" or
	    .type == "login") | .value[] | strings' "$VAULT"; cat "$TOKENS")
	if [ -z "$leaked" ]; then
		ok "no secret value or token in stderr or the sandbox log"
	else
		not_ok "secrets leaked into stderr or logs:$leaked"
	fi
}
