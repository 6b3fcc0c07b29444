#!/bin/bash
# tests/bench/bench-session.sh: keeper-agent as the resident session
# (docs/agent-protocol.md), in one run on one keeper-sandbox:
#
#  1. `keeper-secret get` of a notation, a fresh process, through a running
#     agent, interleaved round by round (A B C ...) with the official JS
#     SDK's cold get, `keeper-secret --version`, the same get without the
#     agent (KSM_AGENT=0) from a warm disk cache and cold, and /bin/echo;
#     then the get of an attachment through the agent and without it;
#  2. a burst of BENCH_BURST gets (two processes at a time, over every
#     typed record of the application) through the agent, and the same
#     burst without it (the disk cache at its default TTL): wall time, and
#     the Keeper calls counted in the sandbox's access log;
#  3. keeper-agent holding a BENCH_RECORDS-record vault (gen-vault.mjs):
#     its peak RSS (VmHWM) once loaded and across one background refresh,
#     and a get through it (the agent cuts one record from the whole
#     answer), interleaved with the direct cold get and the JS SDK's.
#
# The git figure (git credential fill through the agent) is in
# bench-git.sh.  Figures, not a test: never part of make check.
#
#   top_srcdir=. top_builddir=_build bash tests/bench/bench-session.sh
#   [BENCH_RUNS=20] [BENCH_BURST=1000] [BENCH_RECORDS=10000]
#
# Alone it prints one Markdown table; run by tests/bench/bench.sh (which
# exports KSM_JSSDK) it prints ROW lines, that script's convention for
# sub-scripts, and its notes.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "cannot read lib.sh (export top_srcdir)"; exit 99; }
trap 'ks_agent_stop; sb_stop; rm -rf "$TMP"' EXIT

RUNS=${BENCH_RUNS:-20}
N_BURST=${BENCH_BURST:-1000}
N_REC=${BENCH_RECORDS:-10000}
SUB=${KSM_JSSDK:+1}
: "${KSM_JSSDK:=$top_builddir/tests/conformance/node_modules/@keeper-security/secrets-manager-core}"
export KSM_JSSDK
JSN=$top_srcdir/tests/conformance/jssdk-notation.mjs
[ -x "$KS_AGENT" ] || bail "keeper-agent not built"
command -v node >/dev/null 2>&1 || bail "node is needed"
[ -d "$KSM_JSSDK" ] || bail "the JS SDK is not installed (make check or make bench installs it)"

say() { printf 'bench-session: %s\n' "$*" >&2; }

. "${top_srcdir:-.}/tests/bench/bench-lib.sh" || bail "cannot read bench-lib.sh"

ROWS=$TMP/rows
NOTES=$TMP/notes
: >"$ROWS"
: >"$NOTES"
v() { cat "$TMP/med-$1"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }
row() { printf 'ROW\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$ROWS"; }
# prow FIGURE OURS PEER: a time row of two imed results, the paired ratio
prow() { row "$1" "$(ms "$(v "$2")")" "$(ms "$(v "$3")")" "$(pratio "$2" "$3")"; }
note() { printf '%s\n' "$*" >>"$NOTES"; }
q() { printf '%q' "$1"; }
calls() { grep -c ' get_secret \| get_folders ' "$TMP/sandbox.log" 2>/dev/null || echo 0; }
# rss PID: "VmHWM VmRSS" of a process, in KiB
rss() { awk '$1 == "VmHWM:" { h = $2 } $1 == "VmRSS:" { r = $2 } END { print h, r }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
# CPU time (perf stat task-clock) when perf can count it
PERF=
perf stat -x, -e task-clock true >/dev/null 2>&1 && PERF=1
# agent_cpu: nanoseconds on a CPU so far, every thread of keeper-agent
agent_cpu() { cat "/proc/$KS_AGENT_PID/task/"*/schedstat | awk '{ s += $1 } END { print s }'; }
# verbose: what `keeper-secret --verbose $ARGS` says on stderr
# shellcheck disable=SC2069 # stderr to the pipe, stdout to /dev/null
verbose() { bash -c "$(q "$KS") --verbose $ARGS" 2>&1 >/dev/null; }
# answered_by_agent: `keeper-secret $ARGS` is answered by keeper-agent
answered_by_agent() {
	verbose | grep -q 'answer from keeper-agent' ||
	    bail "not answered by keeper-agent: keeper-secret $ARGS"
}

export KSM_CACHE_DIR=$TMP/cache
mkdir -p "$KSM_CACHE_DIR" && chmod 700 "$KSM_CACHE_DIR"

# ---- 1. one get, a fresh process: through the agent and without ----
VAULT=$top_srcdir/sandbox/demo-vault.json
APP=demo
UID1=ugx5tPRTMb6qaULWYa7H5A
CFG=$TMP/demo-config.json
bench_bind "$CFG"
ks_agent_start "$CFG"
printf '%s\n' "$UID1/field/password" >"$TMP/one"
ARGS="--config $(q "$CFG") get keeper://$UID1/field/password"
GET="$(q "$KS") $ARGS"
answered_by_agent
KSM_AGENT=0 KSM_CACHE_TTL=3600 bash -c "$GET" >/dev/null || bail "cannot warm the disk cache"
a0=$(ks_agent_answers keeper-secret)
say "one get, 6 commands interleaved, $RUNS rounds ..."
imed "$RUNS" \
    agent "$GET" \
    js "node $(q "$JSN") --config $(q "$CFG") --ca-file $(q "$CA") <$(q "$TMP/one")" \
    version "$(q "$KS") --version" \
    cached "KSM_AGENT=0 KSM_CACHE_TTL=3600 $GET" \
    direct "KSM_AGENT=0 KSM_CACHE_TTL=0 $GET" \
    echo "/bin/echo ."
a1=$(ks_agent_answers keeper-secret)
[ $((a1 - a0)) -eq $((RUNS + 1)) ] ||
    bail "the agent answered $((a1 - a0)) of the $((RUNS + 1)) gets through it"
PW=$(vault_value "$UID1" password)
for n in agent cached direct; do
	[ "$(cat "$TMP/out-$n")" = "$PW" ] || bail "$n printed another value"
done
grep -qF "\"$PW\"" "$TMP/out-js" || bail "the JS SDK printed $(cat "$TMP/out-js")"
prow "session: \`get\` of 1 notation through keeper-agent (fresh process) vs JS SDK cold get" agent js
prow "session: the same get vs \`keeper-secret --version\`" agent version
prow "session: the same vs no agent, warm disk cache (KSM_AGENT=0, KSM_CACHE_TTL=3600)" agent cached
prow "session: the same vs no agent, no cache (KSM_AGENT=0, KSM_CACHE_TTL=0)" agent direct
row "session: (floor: \`/bin/echo\`, a process start, same rounds)" "$(ms "$(v echo)")" "" ""
note "get through the agent / \`keeper-secret --version\`, paired: $(pratio version agent)"
if [ -n "$PERF" ]; then
	say "CPU time of one process (perf stat), 4 commands interleaved, $RUNS rounds ..."
	IMED_CPU=1 imed "$RUNS" \
	    cpu-agent "$GET" \
	    cpu-version "$(q "$KS") --version" \
	    cpu-cached "KSM_AGENT=0 KSM_CACHE_TTL=3600 $GET" \
	    cpu-echo "/bin/echo ."
	prow "session: CPU time (perf stat task-clock) of the get through keeper-agent vs \`--version\`" cpu-agent cpu-version
	prow "session: CPU time of the get through keeper-agent vs no agent, warm disk cache" cpu-agent cpu-cached
	row "session: (CPU time of \`/bin/echo\`, same rounds)" "$(ms "$(v cpu-echo)")" "" ""
	note "CPU time, get through the agent / \`keeper-secret --version\`, paired: $(pratio cpu-version cpu-agent)"
else
	row "session: CPU time (perf stat)" "n/a (perf stat cannot count here)" "" ""
fi
# an attachment: through the agent (downloaded once, then held) vs the
# direct path, which downloads it at every get (records from the warm cache)
FGET="$(q "$KS") --config $(q "$CFG") get keeper://0I9FLZr7Xc3RCIdcc-k7iw/file/service.conf"
bash -c "$(q "$KS") --verbose --config $(q "$CFG") get keeper://0I9FLZr7Xc3RCIdcc-k7iw/file/service.conf" 2>&1 >/dev/null |
    grep -q 'download answer from keeper-agent' ||
    bail "the attachment was not answered by keeper-agent"
say "one attachment, 3 commands interleaved, $RUNS rounds ..."
imed "$RUNS" \
    fagent "$FGET" \
    fcached "KSM_AGENT=0 KSM_CACHE_TTL=3600 $FGET" \
    fversion "$(q "$KS") --version"
if [ ! -s "$TMP/out-fagent" ] || ! cmp -s "$TMP/out-fagent" "$TMP/out-fcached"; then
	bail "the attachment through the agent differs from the direct download"
fi
prow "session: \`get\` of an attachment through keeper-agent vs no agent, warm disk cache (a download each time)" fagent fcached
prow "session: the same attachment through keeper-agent vs \`keeper-secret --version\`" fagent fversion
ks_agent_stop

# ---- 2. a burst of processes: Keeper calls per refresh period ----
# burst NAME [VAR=VALUE]: N_BURST `keeper-secret get` processes, two at a
# time, over the notations in $TMP/burst-notations (round robin), VAR
# exported to them; wall seconds to $TMP/bt-NAME, Keeper calls to
# $TMP/bc-NAME, the exit statuses to $TMP/bs-NAME
burst() {
	local name=$1 n0 t0 t1 w pids=()
	n0=$(calls)
	t0=$EPOCHREALTIME
	for w in 0 1; do
		awk -v w="$w" -v n="$N_BURST" '
		    { a[NR] = $0 } END { for (i = w; i < n; i += 2) print a[i % NR + 1] }' \
		    "$TMP/burst-notations" |
		    (
			# shellcheck disable=SC2163 # $2 is VAR=VALUE
			[ $# -lt 2 ] || export "$2"
			while read -r nt; do
				"$KS" --config "$CFG" get "keeper://$nt" >/dev/null 2>&1
				echo $?
			done
		    ) >"$TMP/bs-$name-$w" &
		pids+=($!)
	done
	wait "${pids[@]}"
	t1=$EPOCHREALTIME
	echo $(( ${t1/[.,]/} - ${t0/[.,]/} )) | awk '{ print $1 / 1e6 }' >"$TMP/bt-$name"
	echo $(( $(calls) - n0 )) >"$TMP/bc-$name"
	cat "$TMP/bs-$name-0" "$TMP/bs-$name-1" >"$TMP/bs-$name"
	[ "$(grep -cx 0 "$TMP/bs-$name")" -eq "$N_BURST" ] ||
	    bail "burst $name: $(grep -cvx 0 "$TMP/bs-$name") of $N_BURST gets failed"
}
# the typed records (a legacy record has no type to print)
"$KS" --config "$CFG" list | awk 'NR > 1 && $2 != "(legacy)" { print $1 "/type" }' \
    >"$TMP/burst-notations"
n_recs=$(grep -c . "$TMP/burst-notations")
[ "$n_recs" -gt 0 ] || bail "no records to burst over"
REFRESH=60
say "burst of $N_BURST gets over $n_recs records through keeper-agent ..."
c0=$(calls)
ks_agent_start "$CFG" --refresh "$REFRESH"
c_start=$(( $(calls) - c0 ))
u0=$(agent_cpu)
a0=$(ks_agent_answers keeper-secret)
burst agent
a1=$(ks_agent_answers keeper-secret)
u1=$(agent_cpu)
[ $((a1 - a0)) -eq "$N_BURST" ] ||
    bail "the agent answered $((a1 - a0)) of the $N_BURST gets of the burst"
ks_agent_stop
say "the same burst without the agent (disk cache at its default TTL) ..."
burst direct KSM_AGENT=0
bt=$(cat "$TMP/bt-agent")
# the agent's budget: one call (every record) per refresh period begun
allowed=$(awk -v t="$bt" -v p="$REFRESH" 'BEGIN { n = int(t / p); if (n < t / p) n++; print n }')
row "session: burst of $N_BURST gets over $n_recs records, 2 processes at a time: wall time (peer: no agent, disk cache at its default TTL)" \
    "$(ms "$bt")" "$(ms "$(cat "$TMP/bt-direct")")" "$(ratio "$bt" "$(cat "$TMP/bt-direct")")"
row "session: same burst: Keeper calls (sandbox log; ours: agent started before it, its start-up fetch: $c_start)" \
    "$(cat "$TMP/bc-agent")" "$(cat "$TMP/bc-direct")" "-"
row "session: same burst: keeper-agent's own CPU per answer (schedstat)" \
    "$(awk -v n=$((u1 - u0)) -v b="$N_BURST" 'BEGIN { printf "%.3f ms", n / b / 1e6 }')" "" ""
note "burst through the agent: $(cat "$TMP/bc-agent") Keeper calls during $(ms "$bt") ($c_start at the agent's start); budget at one call per record per ${REFRESH}s period: $((n_recs * allowed)) (the agent takes every record in one call: $allowed)"
sb_stop

# ---- 3. the agent holding an N_REC-record vault ----
say "generating a $N_REC-record vault ..."
VAULT=$TMP/bench-vault.json
APP=bench
node "$top_srcdir/tests/bench/gen-vault.mjs" "$N_REC" "$TMP/many" 1 >"$VAULT" ||
    bail "gen-vault.mjs failed"
rm -rf "$STATE"
CFG=$TMP/bench-config.json
bench_bind "$CFG"
head -n 1 "$TMP/many" >"$TMP/one"
ARGS="--config $(q "$CFG") get keeper://$(cat "$TMP/one")"
GET="$(q "$KS") $ARGS"
ks_agent_start "$CFG"
read -r hwm_load rss_load <<<"$(rss "$KS_AGENT_PID")"
answered_by_agent
say "$N_REC records: a get through the agent, interleaved, $RUNS rounds ..."
u0=$(agent_cpu)
imed "$RUNS" \
    vagent "$GET" \
    vdirect "KSM_AGENT=0 KSM_CACHE_TTL=0 $GET" \
    vjs "node $(q "$JSN") --config $(q "$CFG") --ca-file $(q "$CA") <$(q "$TMP/one")"
read -r hwm_used rss_used <<<"$(rss "$KS_AGENT_PID")"
u1=$(agent_cpu)
ks_agent_stop
prow "session: $N_REC-record vault: \`get\` of 1 notation through keeper-agent vs no agent, no cache" vagent vdirect
prow "session: same vs JS SDK cold get" vagent vjs
row "session: same: keeper-agent's own CPU per answer (schedstat, $((RUNS + 1)) answers)" \
    "$(awk -v n=$((u1 - u0)) -v b=$((RUNS + 1)) 'BEGIN { printf "%.3f ms", n / b / 1e6 }')" "" ""
# one background refresh (at 3/4 of a 4 s period while in use) holds the
# old answer and the new one at once: wait (bounded) until a get sees a
# younger answer than the one before
ks_agent_start "$CFG" --refresh 4
age() { verbose | sed -n 's/.*answer from keeper-agent, \([0-9.]*\) s old.*/\1/p'; }
prev=$(age)
refreshed=
for i in $(seq 200); do
	a=$(age)
	[ -n "$a" ] || bail "a get was not answered by the agent"
	if awk -v a="$a" -v p="$prev" 'BEGIN { exit !(a < p) }'; then
		refreshed=1
		break
	fi
	prev=$a
done
[ -n "$refreshed" ] || bail "the agent did not refresh within $i gets"
read -r hwm_ref rss_ref <<<"$(rss "$KS_AGENT_PID")"
ks_agent_stop
row "session: keeper-agent holding $N_REC records: peak RSS (VmHWM) after start-up (RSS then: $(mib "$rss_load"))" "$(mib "$hwm_load")" "" ""
row "session: same, after the $((RUNS + 1)) gets (RSS now: $(mib "$rss_used"))" "$(mib "$hwm_used")" "" ""
row "session: same, across one background refresh (RSS after: $(mib "$rss_ref"))" "$(mib "$hwm_ref")" "" ""
sb_stop

if [ -n "$SUB" ]; then
	cat "$ROWS" "$NOTES"
else
	echo "| figure | ours | peer | ratio |"
	echo "|---|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $2, $3, $4, $5 }' "$ROWS"
	echo
	echo "medians of $RUNS interleaved rounds after a warm-up round; ratio = the median of peer / ours per round; load $(cut -d' ' -f1-3 /proc/loadavg)"
	cat "$NOTES"
fi
