#!/bin/bash
# tests/bench/bench-agent.sh: keeper-agent against OpenSSH's own ssh-agent
# holding the same keys, in one run: list latency (one open connection, and
# connect + list + close like `ssh-add -l`), signatures per second per key
# type (tests/bench/agent-bench, a small C client on both agent sockets),
# and the wall time of one `ssh-keygen -Y sign -n git` through each agent.
# Interleaved (requests, signing rounds and ssh-keygen runs alternate
# between the agents), so a shared machine's load falls on both alike; a
# signing ratio is the median of its rounds' ratios.
# Figures, not a test: never part of make check.
#
#   top_srcdir=. top_builddir=_build bash tests/bench/bench-agent.sh
#   [BENCH_RUNS=20] [BENCH_SIGN_SECONDS=2] [BENCH_SIGN_ROUNDS=8]
#   [BENCH_AGENT=path/to/another/keeper-agent]
#
# Alone it prints one Markdown table; run by tests/bench/bench.sh it
# prints ROW lines (that script's convention for sub-scripts).
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "cannot read lib.sh (export top_srcdir)"; exit 99; }

RUNS=${BENCH_RUNS:-20}
SECS=${BENCH_SIGN_SECONDS:-2}
ROUNDS=${BENCH_SIGN_ROUNDS:-8}
LISTS=$((RUNS * 50))
SUB=${KSM_JSSDK:+1}
AGENT=${BENCH_AGENT:-$top_builddir/plugins/ssh-agent/keeper-agent}
CLIENT=$top_builddir/tests/bench/agent-bench
VAULT=$top_srcdir/tests/integration/agent-vault.json
OURS=$TMP/ours.sock
PEER=$TMP/peer.sock
OURS_PID=
PEER_PID=
[ -x "$AGENT" ] || bail "keeper-agent not built"
[ -x "$CLIENT" ] || bail "tests/bench/agent-bench not built (make all)"
command -v ssh-agent >/dev/null 2>&1 || bail "openssh-client is needed"
trap '[ -n "$OURS_PID" ] && kill "$OURS_PID"; [ -n "$PEER_PID" ] && kill "$PEER_PID"; sb_stop; rm -rf "$TMP"' EXIT
say() { printf 'bench-agent: %s\n' "$*" >&2; }

# the unencrypted key records: both agents hold exactly these
mapfile -t UIDS < <(jq -r '.records[] | select(.data.type == "sshKeys") |
    select(([.data.fields[] | select(.type == "password") | .value[0]] |
    .[0] // "") == "") | .uid' "$VAULT")
sb_start --throttle 1000000
ks_init "$TMP/ksm-config.json" "$(sb_token agent)"
[ "$RC" -eq 0 ] || { cat "$ERR" >&2; bail "cannot bind"; }
rec=()
for u in "${UIDS[@]}"; do rec+=(--record "$u"); done
"$AGENT" -a "$OURS" --config "$TMP/ksm-config.json" "${rec[@]}" >"$TMP/ours.env" ||
    bail "keeper-agent did not start"
OURS_PID=$(sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' "$TMP/ours.env")
ssh-agent -a "$PEER" >"$TMP/peer.env" || bail "ssh-agent did not start"
PEER_PID=$(sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' "$TMP/peer.env")
mkdir -p "$TMP/keys" && chmod 700 "$TMP/keys"
for u in "${UIDS[@]}"; do
	jq -r --arg u "$u" '.records[] | select(.uid == $u) | .data.fields[] |
	    select(.type == "keyPair") | .value[0].privateKey' "$VAULT" >"$TMP/keys/$u"
	chmod 600 "$TMP/keys/$u"
	t=$(jq -r --arg u "$u" '.records[] | select(.uid == $u) | .data.title' "$VAULT")
	# the same comment as keeper-agent's: the record title
	cp "$TMP/keys/$u" "$TMP/keys/k" && ssh-keygen -q -c -C "$t" -f "$TMP/keys/k" >/dev/null 2>&1
	SSH_AUTH_SOCK=$PEER ssh-add -q "$TMP/keys/k" 2>/dev/null ||
	    SSH_AUTH_SOCK=$PEER ssh-add -q "$TMP/keys/$u" || bail "ssh-add $t failed"
done
n_ours=$(SSH_AUTH_SOCK=$OURS ssh-add -l | wc -l)
n_peer=$(SSH_AUTH_SOCK=$PEER ssh-add -l | wc -l)
[ "$n_ours" -eq "$n_peer" ] || bail "agents hold $n_ours and $n_peer keys"
say "both agents hold $n_ours keys; $LISTS list requests, ${SECS}s of signing per key and agent in $ROUNDS rounds ..."
"$CLIENT" "$OURS" "$PEER" "$LISTS" "$SECS" "$ROUNDS" >"$TMP/bench.out" ||
    bail "agent-bench failed"

# one ssh-keygen -Y sign (process start included), median of RUNS
ED=$(jq -r '.records[] | select(.data.title == "agent ed25519") | .uid' "$VAULT")
jq -r --arg u "$ED" '.records[] | select(.uid == $u) | .data.fields[] |
    select(.type == "keyPair") | .value[0].publicKey' "$VAULT" >"$TMP/ed.pub"
echo msg >"$TMP/msg"
ysign() {	# µs of one ssh-keygen -Y sign through socket $1
	local t0 t1
	rm -f "$TMP/msg.sig"
	t0=$(date +%s%N)
	SSH_AUTH_SOCK=$1 ssh-keygen -q -Y sign -n git -f "$TMP/ed.pub" "$TMP/msg" ||
	    return 1
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000 ))
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
: >"$TMP/y.ours"
: >"$TMP/y.peer"
for i in $(seq "$RUNS"); do	# alternating, who goes first too
	if [ $((i % 2)) -eq 0 ]; then order="ours peer"; else order="peer ours"; fi
	for w in $order; do
		if [ "$w" = ours ]; then sock=$OURS; else sock=$PEER; fi
		ysign "$sock" >>"$TMP/y.$w" || bail "ssh-keygen -Y sign via the $w agent failed"
	done
done
y_ours=$(median <"$TMP/y.ours")
y_peer=$(median <"$TMP/y.peer")

row() { printf 'ROW\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"; }
get() {	# get ours|peer list|connlist
	awk -F'\t' -v k="$2" -v c="$([ "$1" = ours ] && echo 2 || echo 3)" \
	    '$1 == k { print $c }' "$TMP/bench.out"
}
us() { awk -v v="$1" 'BEGIN { printf "%.1f µs", v }'; }
tratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", b / a }'; }
{
	for k in list connlist; do
		case $k in
		list) what="list identities ($n_ours keys), open connection" ;;
		connlist) what="connect + list + close (ssh-add -l)" ;;
		esac
		row "agent: $what" "$(us "$(get ours $k)")" "$(us "$(get peer $k)")" \
		    "$(tratio "$(get ours $k)" "$(get peer $k)")"
	done
	awk -F'\t' '$1 == "sign" { print $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6 }' "$TMP/bench.out" |
	    while IFS=$'\t' read -r c ty rate peer ratio; do
		[ "$ty" = ssh-rsa ] && ty="ssh-rsa, rsa-sha2-512"
		row "agent: signatures/s, $c ($ty)" "$rate/s" "$peer/s" \
		    "$(awk -v r="$ratio" 'BEGIN { printf "%.2fx", r }')"
	done
	row "agent: ssh-keygen -Y sign -n git, ed25519 (process)" \
	    "$(awk -v v="$y_ours" 'BEGIN { printf "%.1f ms", v / 1000 }')" \
	    "$(awk -v v="$y_peer" 'BEGIN { printf "%.1f ms", v / 1000 }')" \
	    "$(tratio "$y_ours" "$y_peer")"
} >"$TMP/rows"

if [ -n "$SUB" ]; then
	cat "$TMP/rows"
else
	echo "| figure (ours: keeper-agent, peer: OpenSSH ssh-agent $(ssh -V 2>&1 | cut -d, -f1)) | ours | peer | ratio |"
	echo "|---|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $2, $3, $4, $5 }' "$TMP/rows"
	echo
	echo "latencies: medians of $LISTS requests each, alternating; signatures: ${SECS}s per key and"
	echo "agent on one connection, in $ROUNDS alternating rounds (rates: medians of the rounds; ratio:"
	echo "median of the rounds' ratios); ssh-keygen: median of $RUNS runs each, alternating."
	echo "ratio > 1: ours is faster."
fi
