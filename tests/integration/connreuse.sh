#!/bin/bash
# One HTTPS connection per ksm_client: successive requests of one client
# reuse the connection (the same established TCP socket, seen in
# /proc/PID/fd and /proc/PID/net/tcp), and a request after the server
# closed that connection (the sandbox restarted on the same port) opens a
# new one and works.  The client is tests/integration/notation-client,
# driven one line at a time (it answers and flushes each line).
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

NC=$top_builddir/tests/integration/notation-client
VAULT=$top_srcdir/tests/integration/notation-vault.json
LOGIN=NtLoginRecord000000A01
WANT='{"values":["Pw-nt-login-4Rk8Zq"]}'
CFG=$TMP/ksm-config.json

[ -x "$NC" ] || bail "$NC was not built"
[ -r /proc/self/net/tcp ] || skip_all "no /proc/PID/net/tcp"

sb_start
ks_init "$CFG"
[ "$RC" -eq 0 ] || bail "init failed: $(cat "$ERR")"
KSM_CA_FILE=$(jq -r .caFile <<<"$(sb_info)")
export KSM_CA_FILE KSM_CACHE_TTL=0

# conns PID: inodes of PID's established TCP sockets to the sandbox's port
conns() {
	local pid=$1 port=${SB_ADDR##*:} f
	for f in /proc/"$pid"/fd/*; do
		readlink "$f"
	done 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' |
	    sort >"$TMP/fd-inodes"
	cat /proc/"$pid"/net/tcp /proc/"$pid"/net/tcp6 2>/dev/null |
	    awk -v p="$(printf ':%04X' "$port")" \
	    'substr($3, length($3) - 4) == p && $4 == "01" { print $10 }' |
	    sort >"$TMP/tcp-inodes"
	comm -12 "$TMP/fd-inodes" "$TMP/tcp-inodes" | tr '\n' ' '
}

# ask [NOTATION]: one notation through the running client; sets ANSWER
ask() {
	ANSWER=
	printf '%s\n' "${1:-$LOGIN/field/password}" >&"${NCP[1]}"
	IFS= read -r -t "$TIMEOUT" ANSWER <&"${NCP[0]}" || ANSWER="(no answer)"
}

# every read is bounded by $TIMEOUT, and closing its input ends the client
coproc NCP { exec "$NC" "$CFG" 2>"$TMP/nc.err"; }
NC_CHILD=$NCP_PID
# libcurl is loaded by the first request, not by ksm_client_new()
ask "$LOGIN/no-such-selector"
[ "$ANSWER" = '{"error":"ENOTATION"}' ] && ok "a bad notation fails before any request" ||
    not_ok "a bad notation fails before any request: $ANSWER"
grep -q 'libcurl' /proc/"$NC_CHILD"/maps &&
    not_ok "libcurl is not loaded before the first request" ||
    ok "libcurl is not loaded before the first request"
ask
[ "$ANSWER" = "$WANT" ] && ok "first request answered" ||
    not_ok "first request answered: $ANSWER"
grep -q 'libcurl' /proc/"$NC_CHILD"/maps && ok "the first request loaded libcurl" ||
    not_ok "the first request loaded libcurl"
c1=$(conns "$NC_CHILD")
[ "$(wc -w <<<"$c1")" -eq 1 ] && ok "the connection stays open after a request" ||
    not_ok "the connection stays open after a request (established: '$c1')"

ask
[ "$ANSWER" = "$WANT" ] && ok "second request answered" ||
    not_ok "second request answered: $ANSWER"
c2=$(conns "$NC_CHILD")
[ -n "$c1" ] && [ "$c2" = "$c1" ] && ok "the second request reused the connection" ||
    not_ok "the second request reused the connection ('$c1' then '$c2')"

# the server goes away (closing the idle connection) and comes back on the
# same port, with the same state
port=${SB_ADDR##*:}
sb_start --listen "127.0.0.1:$port"
[ "${SB_ADDR##*:}" = "$port" ] || bail "the sandbox came back on ${SB_ADDR##*:}, not $port"
ask
[ "$ANSWER" = "$WANT" ] && ok "a request after the server closed the connection works" ||
    not_ok "a request after the server closed the connection works: $ANSWER ($(cat "$TMP/nc.err"))"
c3=$(conns "$NC_CHILD")
[ "$(wc -w <<<"$c3")" -eq 1 ] && [ "$c3" != "$c1" ] &&
    ok "it opened a new connection" ||
    not_ok "it opened a new connection ('$c1' then '$c3')"
ask
c4=$(conns "$NC_CHILD")
[ "$ANSWER" = "$WANT" ] && [ -n "$c3" ] && [ "$c4" = "$c3" ] &&
    ok "and reuses the new one" ||
    not_ok "and reuses the new one: $ANSWER ('$c3' then '$c4')"

# end of input: the client frees itself (closing the connection) and exits 0
eval "exec ${NCP[1]}>&-"
rc=0
wait "$NC_CHILD" || rc=$?
[ "$rc" -eq 0 ] && ok "notation-client exits 0" ||
    not_ok "notation-client exits 0 (exit $rc: $(cat "$TMP/nc.err"))"

done_testing
