#!/bin/bash
# keeper-agent as the resident session (docs/agent-protocol.md): libksm's
# clients take their answers from it over its secrets socket, with nothing
# loaded but the basics; a socket that is not trustworthy is refused and the
# direct path answers; faults (agent killed in a burst, Keeper down past the
# maximum age, throttling) are survived.  Real keeper-sandbox, real
# keeper-agent, real keeper-secret processes; the sandbox's access log counts
# Keeper calls.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

# a copy (the sandbox rewrites it on writes) shared with "Can Edit"
VAULT=$TMP/vault.json
jq '.applications[0].editable = true' \
    "$top_srcdir/tests/integration/notation-vault.json" >"$VAULT" ||
    bail "cannot copy the vault"
LOGIN=NtLoginRecord000000A01
FOLDER=NtFolderRecord00000F01
UNSHARED=NtUnsharedRecord000U01
CFG=$TMP/ksm-config.json
CFG2=$TMP/other-config.json
PW=Pw-nt-login-4Rk8Zq
# the disk cache must never be what answers here
export KSM_CACHE_TTL=0

[ -x "$KS_AGENT" ] || bail "$KS_AGENT was not built"

sb_start
ks_init "$CFG"
[ "$RC" -eq 0 ] || bail "init failed: $(cat "$ERR")"
ks_init "$CFG2" "$(sb_token other)"
[ "$RC" -eq 0 ] || bail "second init failed: $(cat "$ERR")"

ks() {
	run_ks --config "$CFG" "$@"
}

# expect_out DESC TEXT: the last run succeeded and printed exactly TEXT
expect_out() {
	if [ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1 (exit $RC)"
		diag "stdout: $(cat "$OUT")" "stderr: $(cat "$ERR")"
	fi
}

# via_agent DESC: the last run succeeded and keeper-agent answered it
via_agent() {
	if [ "$RC" -eq 0 ] && grep -q 'answer from keeper-agent' "$ERR" &&
	    ! grep -q 'answer from Keeper' "$ERR"; then
		ok "$1"
	else
		not_ok "$1 (exit $RC)"
		diag "stderr: $(cat "$ERR")"
	fi
}

# via_direct DESC WHY: the agent was refused for WHY and Keeper answered
via_direct() {
	if [ "$RC" -eq 0 ] && grep -q "keeper-agent not used: .*$2" "$ERR" &&
	    grep -q 'answer from Keeper' "$ERR"; then
		ok "$1"
	else
		not_ok "$1 (exit $RC)"
		diag "stderr: $(cat "$ERR")"
	fi
}

# ---- the agent answers every client ----

ks_agent_start "$CFG"
check "the secrets socket is mode 0600" \
    test "$(stat -c %a "$KSM_AGENT_SOCK")" = 600
check "its directory is mode 0700" \
    test "$(stat -c %a "$(dirname "$KSM_AGENT_SOCK")")" = 700
check "-D prints KSM_AGENT_SOCK for the shell" \
    grep -qx "KSM_AGENT_SOCK=$KSM_AGENT_SOCK; export KSM_AGENT_SOCK;" \
    "$TMP/agent.out"

calls0=$(sb_calls get_secret)
ks --verbose get "keeper://$LOGIN/field/password"
expect_out "get by notation through the agent" "$PW"
via_agent "  ... answered by keeper-agent (--verbose says so)"
ks --verbose get "keeper://$FOLDER/field/password"
expect_out "a record reached through a shared folder" "Pw-nt-folder-9Pn7Kd"
ks --verbose list
via_agent "list through the agent"
check "  ... lists the records" grep -q "$LOGIN" "$OUT"
ks --verbose totp "$LOGIN"
via_agent "totp through the agent"
check "  ... prints a code" grep -Eq '^[0-9]{6} \([0-9]+ s left\)$' "$OUT"
printf 'P=keeper://%s/field/password\n' "$LOGIN" >"$TMP/env.in"
RC=0
P="keeper://$LOGIN/field/password" timeout "$TIMEOUT" "$KS" --config "$CFG" \
    --verbose exec -- sh -c 'printf %s "$P"' >"$OUT" 2>"$ERR" || RC=$?
cat "$ERR" >>"$ALL_ERR"
expect_out "exec hands the child a value the agent answered" "$PW"
via_agent "  ... answered by keeper-agent"
ks --verbose get "Dash notation record/field/password"
via_agent "a title lookup (every record) through the agent"
check "no Keeper call for any of them" test "$(sb_calls get_secret)" -eq "$calls0"
check "an audit line per answer, naming the peer and the record" \
    grep -q "get_secret for pid [0-9]* uid [0-9]* exe [^ ]*/keeper-secret: $LOGIN (fresh)" \
    "$KS_AGENT_LOG"

# keeper-agent --status asks the running agent, with a client's checks
RC=0
"$KS_AGENT" --status >"$OUT" 2>"$ERR" || RC=$?
if [ "$RC" -eq 0 ] && grep -q "^keeper-agent pid $KS_AGENT_PID:" "$OUT" &&
    grep -Eq '^records: +[0-9]+ records, [0-9]+ s old' "$OUT" &&
    grep -Eq '^answers: +[1-9][0-9]* served' "$OUT"; then
	ok "keeper-agent --status: its pid, the records it holds, answers served"
else
	not_ok "keeper-agent --status (exit $RC)"
	diag "$(cat "$OUT")" "$(cat "$ERR")"
fi
RC=0
KSM_AGENT_SOCK=$TMP/no-such.sock "$KS_AGENT" --status >"$OUT" 2>"$ERR" || RC=$?
check "  ... with no agent there: exit 1, saying so" \
    sh -c "test $RC -eq 1 && grep -q 'no agent at' '$ERR' && test ! -s '$OUT'"

ks --verbose get "$UNSHARED"
if [ "$RC" -ne 0 ] && grep -q "not shared with this application" "$ERR"; then
	ok "a record not shared: the usual clear error through the agent"
else
	not_ok "a record not shared (exit $RC)"
	diag "$(cat "$ERR")"
fi

ks --verbose get NtLegacyRecord00000L01
if [ "$RC" -ne 0 ] && grep -q "legacy (V2, untyped) record" "$ERR"; then
	ok "a legacy record: the usual clear error through the agent"
else
	not_ok "a legacy record (exit $RC)"
	diag "$(cat "$ERR")"
fi

# an attachment: its record and its bytes from the agent, which downloads
# it once and holds it
FILE_N="keeper://NtFileRecord000000FI01/file/hello.txt"
files0=$(sb_calls files)
ks --verbose get "$FILE_N"
expect_out "a file through the agent" "$(printf 'hello, file\n' | base64)"
via_agent "  ... its record answered by keeper-agent"
check "  ... and its bytes (download answer from keeper-agent)" \
    grep -q "download answer from keeper-agent" "$ERR"
for i in 1 2 3; do
	ks get "$FILE_N"
	[ "$RC" -eq 0 ] || not_ok "get of the file through the agent ($i): exit $RC"
done
check "four gets of the file: one download, the agent's ($(($(sb_calls files) - files0)))" \
    test "$(($(sb_calls files) - files0))" -eq 1
check "  ... an audit line per answer, naming the file UID" \
    test "$(grep -c "download for pid [0-9]* uid [0-9]* exe [^ ]*/keeper-secret: [A-Za-z0-9_-]* (fresh)" "$KS_AGENT_LOG")" -eq 4
RC=0
LD_DEBUG=files timeout "$TIMEOUT" "$KS" --config "$CFG" get "$FILE_N" \
    >"$OUT" 2>"$TMP/lddebug" || RC=$?
check "  ... with neither libcurl nor libcrypto loaded in the client" \
    sh -c "test $RC -eq 0 && ! grep -q -e libcurl -e libcrypto '$TMP/lddebug'"
RC=0
"$KS_AGENT" --status >"$OUT" 2>"$ERR" || RC=$?
check "  ... and keeper-agent --status says it holds it" \
    sh -c "test $RC -eq 0 && grep -q '^files: *1 held' '$OUT'"
# SIGHUP drops it; then 12 clients at once share one new download
kill -HUP "$KS_AGENT_PID"
none_held() { "$KS_AGENT" --status 2>/dev/null | grep -q '^files: *0 held'; }
wait_for "SIGHUP drops the attachments held" none_held
files0=$(sb_calls files)
pids=()
for i in $(seq 12); do
	timeout "$TIMEOUT" "$KS" --config "$CFG" get "$FILE_N" >"$TMP/fb.$i" 2>&1 &
	pids+=($!)
done
burst_ok=1
for i in $(seq 12); do
	wait "${pids[$((i - 1))]}" || burst_ok=0
	[ "$(cat "$TMP/fb.$i")" = "$(printf 'hello, file\n' | base64)" ] || burst_ok=0
done
check "12 concurrent gets of the file all succeed" test "$burst_ok" -eq 1
check "  ... with one download between them ($(($(sb_calls files) - files0)))" \
    test "$(($(sb_calls files) - files0))" -eq 1
# every record, whole, as the direct path prints it (files, notes, revisions)
jq -r '.records[] | select(.uid | test("Legacy|Unshared") | not) | .uid' \
    "$VAULT" >"$TMP/uids"
# shellcheck disable=SC2046 # one UID a word
ks get --json -- $(cat "$TMP/uids")
cp "$OUT" "$TMP/all-agent.json"
RC_AGENT=$RC
# shellcheck disable=SC2046
KSM_AGENT=0 ks get --json -- $(cat "$TMP/uids")
if [ "$RC_AGENT" -eq 0 ] && [ "$RC" -eq 0 ] && [ -s "$OUT" ] &&
    cmp -s "$TMP/all-agent.json" "$OUT"; then
	ok "every record through the agent is what the direct path gives"
else
	not_ok "every record through the agent vs the direct path (exit $RC_AGENT, $RC)"
	diag "$(diff "$TMP/all-agent.json" "$OUT" | head -20)" "$(cat "$ERR")"
fi
ks get NtFileRecord000000FI01
cp "$OUT" "$TMP/file-agent.txt"
KSM_AGENT=0 ks get NtFileRecord000000FI01
check "  ... files included (name, UID, size)" \
    sh -c "grep -q '^file: hello.txt (.*, 12 bytes)\$' '$OUT' && cmp -s '$TMP/file-agent.txt' '$OUT'"

# the client path loads neither libcurl nor anything TLS
RC=0
LD_DEBUG=files timeout "$TIMEOUT" "$KS" --config "$CFG" get \
    "keeper://$LOGIN/field/password" >"$OUT" 2>"$TMP/lddebug" || RC=$?
check "through the agent, libcurl is never loaded" \
    sh -c "test $RC -eq 0 && ! grep -q 'libcurl' '$TMP/lddebug'"
check "  ... nor libcrypto: the answer comes opened, the key is never parsed" \
    sh -c "test $RC -eq 0 && ! grep -q 'libcrypto' '$TMP/lddebug'"
RC=0
KSM_AGENT=0 LD_DEBUG=files timeout "$TIMEOUT" "$KS" --config "$CFG" get \
    "keeper://$LOGIN/field/password" >"$OUT" 2>"$TMP/lddebug" || RC=$?
check "  ... while the direct path (KSM_AGENT=0) loads it" \
    sh -c "test $RC -eq 0 && grep -q 'libcurl' '$TMP/lddebug'"

KSM_AGENT=0 ks --verbose get "keeper://$LOGIN/field/password"
via_direct "KSM_AGENT=0: Keeper answers" "KSM_AGENT=0"

run_ks --config "$CFG2" --verbose get NtUnsharedRecord000U01
via_direct "another config: the agent declines, Keeper answers" \
    "serves another config"

# ---- a burst of 1,000 processes: no Keeper call ----

calls0=$(sb_calls get_secret)
t0=$(date +%s%N)
seq 1000 | xargs -P 8 -I{} sh -c \
    '"$0" --config "$1" get "keeper://$2/field/password" || echo FAIL' \
    "$KS" "$CFG" "$LOGIN" >"$TMP/burst.out" 2>>"$ALL_ERR"
# the agent refreshes at 3/4 of its 60 s period while in use: a slow
# machine (or a sanitizer build) may see a refresh within the burst
allowed=$((1 + ($(date +%s%N) - t0) / 45000000000))
check "1,000 processes all answered with the value" \
    test "$(grep -cx "$PW" "$TMP/burst.out")" -eq 1000
check "  ... with at most one Keeper call per refresh period ($allowed)" \
    test "$(($(sb_calls get_secret) - calls0))" -le "$allowed"

# ---- a socket that is not trustworthy: refused, Keeper answers ----

chmod 666 "$KSM_AGENT_SOCK"
ks --verbose get "keeper://$LOGIN/field/password"
via_direct "a socket open to others is refused" "open to other users"
chmod 600 "$KSM_AGENT_SOCK"
chmod 777 "$TMP/run/keeper"
ks --verbose get "keeper://$LOGIN/field/password"
via_direct "a socket in a directory others can write is refused" \
    "directory .* not ours alone"
chmod 700 "$TMP/run/keeper"
ks --verbose get "keeper://$LOGIN/field/password"
via_agent "mode restored: the agent answers again"

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
    [ -x /usr/bin/python3 ]; then
	# a socket file of ours, but the process listening is another uid
	# (in a directory that uid can reach: $TMP is ours alone)
	FOREIGN=$(mktemp -d /tmp/ksm-foreign.XXXXXX)
	chmod 777 "$FOREIGN"
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, sys, os
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(8)
open(sys.argv[2], "w").close()
while True:
    c, _ = s.accept()
' "$FOREIGN/agent.sock" "$FOREIGN/ready" 2>>"$ALL_ERR" &
	FOREIGN_PID=$!
	for i in $(seq 300); do [ -e "$FOREIGN/ready" ] && break; sleep 0.1; done
	chown 0:0 "$FOREIGN/agent.sock"
	chmod 600 "$FOREIGN/agent.sock"
	chmod 700 "$FOREIGN"
	KSM_AGENT_SOCK=$FOREIGN/agent.sock ks --verbose get \
	    "keeper://$LOGIN/field/password"
	via_direct "a socket served by another uid (SO_PEERCRED) is refused" \
	    "served by uid 65534"
	chown 65534 "$FOREIGN/agent.sock"
	KSM_AGENT_SOCK=$FOREIGN/agent.sock ks --verbose get \
	    "keeper://$LOGIN/field/password"
	via_direct "a socket owned by another uid is refused" \
	    "belongs to uid 65534"
	kill "$FOREIGN_PID" 2>/dev/null
	wait "$FOREIGN_PID" 2>/dev/null
	rm -rf "$FOREIGN"
else
	ok "# SKIP another uid's socket: needs root, setpriv and python3"
	ok "# SKIP another uid's socket: needs root, setpriv and python3"
fi

# ---- killed in the middle of a burst: every helper still answers ----

: >"$TMP/burst.out"
answers0=$(ks_agent_answers)
seq 300 | KSM_CACHE_TTL=5 xargs -P 4 -I{} sh -c \
    '"$0" --config "$1" get "keeper://$2/field/password" || echo FAIL' \
    "$KS" "$CFG" "$LOGIN" >"$TMP/burst.out" 2>>"$ALL_ERR" &
BURST=$!
# the agent dies once it has answered some of the burst
for i in $(seq 600); do
	[ "$(($(ks_agent_answers) - answers0))" -ge 30 ] && break
	sleep 0.05
done
kill -KILL "$KS_AGENT_PID"
wait "$KS_AGENT_PID" 2>/dev/null
KS_AGENT_PID=
wait "$BURST"
check "agent killed mid-burst: all 300 helpers answered the value" \
    test "$(grep -cx "$PW" "$TMP/burst.out")" -eq 300
check "  ... some through the agent, the rest directly" \
    test "$(($(ks_agent_answers) - answers0))" -lt 300
check "the dead agent's socket is left behind" test -S "$KSM_AGENT_SOCK"
ks --verbose get "keeper://$LOGIN/field/password"
via_direct "a stale socket (nobody listening): Keeper answers" \
    "cannot connect"
ks_agent_start "$CFG"
ks --verbose get "keeper://$LOGIN/field/password"
via_agent "a new agent replaces the stale socket and answers"

# ---- a write through libksm: the agent fetches anew before answering ----

calls0=$(sb_calls get_secret)
RC=0
printf 'Pw-written-Agent7\n' | timeout "$TIMEOUT" "$KS" --config "$CFG" set \
    "keeper://$FOLDER/field/password" >"$OUT" 2>"$ERR" || RC=$?
cat "$ERR" >>"$ALL_ERR"
check "set (a write) succeeds with the agent running" test "$RC" -eq 0
check "  ... and tells the agent (its audit trail says invalidated)" \
    grep -q "invalidate for pid .*(invalidated)" "$KS_AGENT_LOG"
ks --verbose get "keeper://$FOLDER/field/password"
expect_out "the next get through the agent has the new value at once" \
    "Pw-written-Agent7"
via_agent "  ... answered by keeper-agent"
check "  ... after one new Keeper call by the agent" \
    test "$(($(sb_calls get_secret) - calls0))" -ge 1

# an upload takes the record key from the agent's opened answer: the
# direct path, and the JS-SDK-compatible download, must read it back
printf 'uploaded through the agent\n' >"$TMP/up.txt"
ks --verbose upload --name up.txt "$LOGIN" "$TMP/up.txt"
via_agent "upload with the agent running: the record came from keeper-agent"
KSM_AGENT=0 ks get "keeper://$LOGIN/file/up.txt"
check "  ... the direct path downloads and decrypts what was uploaded" \
    test "$RC" -eq 0 -a "$(cat "$OUT")" = "$(base64 <"$TMP/up.txt")"

# ---- socket activation, both sockets, the way the systemd units do it ----
if command -v systemd-socket-activate >/dev/null 2>&1; then
	ks_agent_stop
	mkdir -p "$TMP/act/keeper"
	chmod 700 "$TMP/act" "$TMP/act/keeper"
	# umask 077: the socket is the user's alone, as SocketMode=0600 makes it
	(umask 077; exec env KSM_CACHE_TTL=0 systemd-socket-activate -E HOME -E KSM_CACHE_TTL \
	    -l "$TMP/act/ssh.sock" -l "$TMP/act/keeper/agent.sock" \
	    --fdname=ssh:secrets "$KS_AGENT" -D -a "$TMP/act/ssh.sock" \
	    --secrets-socket none --config "$CFG" --log "$KS_AGENT_LOG" \
	    >/dev/null 2>>"$TMP/agent.err") &
	ACT_PID=$!
	for i in $(seq 300); do
		[ -S "$TMP/act/keeper/agent.sock" ] && break
		sleep 0.1
	done
	# what SocketMode=0600 does (systemd-socket-activate has no such option)
	chmod 600 "$TMP/act/keeper/agent.sock"
	KSM_AGENT_SOCK=$TMP/act/keeper/agent.sock ks --verbose get \
	    "keeper://$LOGIN/field/password"
	via_agent "socket activation: the first helper starts the agent and is answered"
	kill "$ACT_PID" 2>/dev/null
	wait "$ACT_PID" 2>/dev/null
	ks_agent_start "$CFG"
else
	ok "# SKIP socket activation: systemd-socket-activate not installed"
fi

# ---- an agent of another protocol version: the client says so, asks Keeper ----

# perl (perl-base: on every Debian) plays a keeper-agent of version 1: it
# reads one request and declines it in a version 1 frame
OLD_SOCK=$TMP/old-run/agent.sock
mkdir -p "$TMP/old-run"
chmod 700 "$TMP/old-run"
(umask 077; exec perl -MIO::Socket::UNIX -e '
	my $l = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0],
	    Listen => 1) or die "listen: $!";
	my $c = $l->accept or die "accept: $!";
	my $n; read($c, $n, 4) == 4 or die; read($c, my $rq, unpack("N", $n));
	my $why = "keeper-agent speaks another version of the protocol";
	print $c pack("N C C N a*", 2 + 4 + length($why), 1, 0x83,
	    length($why), $why);
	close $c;' "$OLD_SOCK") 2>>"$TMP/old-agent.err" &
OLD_PID=$!
poll_until test -S "$OLD_SOCK" || bail "the version 1 stand-in did not listen"
KSM_AGENT_SOCK=$OLD_SOCK ks --verbose get "keeper://$LOGIN/field/password"
expect_out "an agent of protocol version 1: the client asks Keeper itself" "$PW"
check "  ... and --verbose says why, with what to do" \
    grep -q "keeper-agent not used: .*speaks protocol version 1, this client 2: restart keeper-agent" "$ERR"
wait "$OLD_PID" 2>/dev/null

# ---- SIGHUP drops everything and fetches anew ----

VAULT_ORIG=$VAULT
VAULT=$TMP/vault-changed.json
jq --arg u "$LOGIN" '(.records[] | select(.uid == $u) | .data.fields[] |
    select(.type == "password") | .value) = ["Pw-changed-Hup1"]' \
    "$VAULT_ORIG" >"$VAULT"
ADDR=$SB_ADDR
sb_start --listen "$ADDR"
ks get "keeper://$LOGIN/field/password"
expect_out "before SIGHUP the agent serves what it holds" "$PW"
kill -HUP "$KS_AGENT_PID"
wait_for "after SIGHUP the agent serves the changed value" sh -c \
    "'$KS' --config '$CFG' get 'keeper://$LOGIN/field/password' 2>/dev/null |
    grep -qx Pw-changed-Hup1"
VAULT=$VAULT_ORIG
sb_start --listen "$ADDR"

# ---- Keeper down: stale answers, then a clear error past the max age ----

ks_agent_start "$CFG" --refresh 1 --max-age 6 --throttle-pause 1
ks get "keeper://$LOGIN/field/password"
expect_out "a fresh answer" "$PW"
sb_stop
wait_for "Keeper down: the agent serves the answer it holds, marked stale" \
    sh -c "'$KS' --config '$CFG' --verbose get 'keeper://$LOGIN/field/password' \
    >'$OUT' 2>'$ERR' && grep -qx '$PW' '$OUT' &&
    grep -q 'answer from keeper-agent, stale' '$ERR'"
wait_for "past --max-age: a clear error, non-zero exit" sh -c \
    "! '$KS' --config '$CFG' get 'keeper://$LOGIN/field/password' \
    >'$OUT' 2>'$ERR'"
check "  ... saying how old the agent's answer is" \
    grep -q "older than its maximum age" "$ERR"
check "  ... and nothing on stdout" test ! -s "$OUT"
sb_start --listen "$ADDR"
ks_agent_stop

# ---- Keeper out of reach when the agent starts: it runs and keeps trying ----

sb_stop
ks_agent_start "$CFG" --refresh 4 --throttle-pause 1
check "Keeper down at start: keeper-agent runs anyway" kill -0 "$KS_AGENT_PID"
check "  ... and says why on stderr" \
    grep -q "Keeper cannot be reached yet: .*trying again" "$TMP/agent.err"
ks get "keeper://$LOGIN/field/password"
if [ "$RC" -ne 0 ] && [ ! -s "$OUT" ] && grep -q "keeper-secret: " "$ERR"; then
	ok "  ... a client meanwhile gets Keeper's error, non-zero exit"
else
	not_ok "a client while the agent holds nothing (exit $RC)"
	diag "$(cat "$OUT")" "$(cat "$ERR")"
fi
diag "$(head -n 2 "$ERR")"
RC=0
"$KS_AGENT" --status >"$OUT" 2>"$ERR" || RC=$?
check "  ... --status says it holds nothing, and Keeper's error" \
    sh -c "test $RC -eq 0 && grep -q '^records: *none held' '$OUT' &&
    grep -q '^Keeper: *cannot reach' '$OUT'"
calls0=$(sb_calls get_secret)
sb_start --listen "$ADDR"
wait_for "Keeper back: the agent fetches by itself, no client asking" \
    sh -c "test \"\$(grep -c ' get_secret ' '$TMP/sandbox.log')\" -gt $calls0"
ks --verbose get "keeper://$LOGIN/field/password"
expect_out "  ... and answers from then on" "$PW"
via_agent "  ... from its memory"
ks_agent_stop

# ---- never throttled, whatever the clients do ----
# Keeper (here the sandbox) throttles after 20 calls without a 2 s pause;
# the agent refreshes every second while in use, but makes at most 5 calls
# before a 3 s pause, so it never reaches 20.  Without its guard it would
# be throttled within about 15 s of use.
sb_start --listen "$ADDR" --throttle 20 --throttle-pause 2
ks_agent_start "$CFG" --refresh 1 --throttle-burst 5 --throttle-pause 3
calls0=$(sb_calls get_secret)
throttled0=$(grep -c 'error=throttled' "$TMP/sandbox.log")
fails=0
for i in $(seq 100000); do
	"$KS" --config "$CFG" get "keeper://$LOGIN/field/password" \
	    >/dev/null 2>>"$TMP/throttle.err" || fails=$((fails + 1))
	[ "$(($(sb_calls get_secret) - calls0))" -ge 25 ] && break
done
check "25 refreshes in steady use: every client answered" test "$fails" -eq 0
check "  ... and Keeper never throttled the device" \
    test "$(grep -c 'error=throttled' "$TMP/sandbox.log")" -eq "$throttled0"
ks_agent_stop

check_no_secrets
done_testing
