# Timing helpers shared by the tests/bench/*.sh scripts.  Sourced after
# tests/integration/lib.sh (bail); the caller sets TMP and HF (hyperfine,
# or empty for a date +%s%N loop).

# median of the numbers on stdin (one a line)
median() {
	sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1;
	    if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# med NAME RUNS CMD: median wall seconds of the shell command CMD (a
# string) over RUNS runs after one warm-up; the warm-up must succeed and
# print something; writes the median to $TMP/med-NAME (a bail in $(...)
# would only end the subshell)
med() {
	local name=$1 runs=$2 cmd=$3 i t0 t1
	bash -c "$cmd" >"$TMP/out-$name" 2>"$TMP/err-$name" ||
	    { cat "$TMP/err-$name" >&2; bail "$name failed: $cmd"; }
	[ -s "$TMP/out-$name" ] || { cat "$TMP/err-$name" >&2; bail "$name printed nothing"; }
	if [ -n "$HF" ]; then
		hyperfine --style none --warmup 1 --runs "$runs" \
		    --export-json "$TMP/hf-$name.json" "$cmd" >/dev/null 2>"$TMP/hf.err" ||
		    { cat "$TMP/hf.err" >&2; bail "hyperfine $name failed"; }
		jq -r '.results[0].median' "$TMP/hf-$name.json" >"$TMP/med-$name"
	else
		for i in $(seq "$runs"); do
			t0=$(date +%s%N)
			bash -c "$cmd" >/dev/null 2>&1 || bail "$name failed in run $i"
			t1=$(date +%s%N)
			echo "$(( (t1 - t0) / 1000 ))e-6"
		done | median >"$TMP/med-$name"
	fi
}

# ratio OURS PEER: peer / ours, as "2.5x" ("-" when ours is 0)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.1fx", b / a; else print "-" }'; }

# bench_bind CONFIG [TOKEN]: keeper-sandbox on $VAULT (app $APP, or the
# token's) with throttling out of the way, CONFIG bound to it; sets and
# exports CA (KSM_CA_FILE)
bench_bind() {
	sb_start --throttle 1000000
	CA=$(jq -r .caFile <<<"$(sb_info)")
	export KSM_CA_FILE=$CA
	ks_init "$@"
	[ "$RC" -eq 0 ] || { cat "$ERR" >&2; bail "cannot bind $1 to $VAULT"; }
}

# imed RUNS NAME CMD [NAME CMD]...: the commands interleaved on a shared,
# noisy machine: one warm-up round (each must succeed and print
# something; its stdout in $TMP/out-NAME), then RUNS rounds of A B C ...
# so that a change of load hits every command alike.  CMD is one simple
# command: environment assignments, the program and its arguments,
# redirections (quoted with printf %q).  Each run is timed by
# tests/bench/spawn-time from posix_spawn to the reaping (no shell, no
# timer process inside the interval; without it, a fork of this shell
# timed with $EPOCHREALTIME); its wall microseconds go to $TMP/runs-NAME
# (one a line, round by round) and the median in seconds to
# $TMP/med-NAME, as med writes it.  With IMED_CPU=1 each run is timed
# by `perf stat -e task-clock` instead: CPU time (user + system) of the
# program and its children, which waiting for a CPU does not inflate.
SPAWN_TIME=${top_builddir:-.}/tests/bench/spawn-time
imed() {
	local runs=$1 i k t0 t1 pre rest
	local -a names=() cmds=()
	shift
	while [ $# -ge 2 ]; do
		names+=("$1")
		cmds+=("$2")
		shift 2
	done
	if [ $# -ne 0 ] || [ "${#names[@]}" -eq 0 ]; then
		bail "imed: RUNS NAME CMD [NAME CMD]..."
	fi
	for k in "${!names[@]}"; do
		bash -c "${cmds[k]}" >"$TMP/out-${names[k]}" 2>"$TMP/err-${names[k]}" </dev/null ||
		    { cat "$TMP/err-${names[k]}" >&2; bail "${names[k]} failed: ${cmds[k]}"; }
		[ -s "$TMP/out-${names[k]}" ] ||
		    { cat "$TMP/err-${names[k]}" >&2; bail "${names[k]} printed nothing"; }
		: >"$TMP/runs-${names[k]}"
		rm -f "$TMP/perf-${names[k]}"
	done
	for ((i = 1; i <= runs; i++)); do
		for k in "${!names[@]}"; do
			# the assignments stay in front of the timer
			[[ ${cmds[k]} =~ ^(([A-Za-z_][A-Za-z0-9_]*=[^ ]*[ ]+)*)(.*)$ ]]
			pre=${BASH_REMATCH[1]}
			rest=${BASH_REMATCH[3]}
			if [ -n "${IMED_CPU:-}" ]; then
				eval "${pre}perf stat -x, -e task-clock --append -o $(printf %q "$TMP/perf-${names[k]}") $rest" \
				    >/dev/null 2>&1 </dev/null ||
				    bail "${names[k]} failed in round $i: ${cmds[k]}"
				continue
			fi
			if [ -x "$SPAWN_TIME" ]; then
				eval "$pre$(printf %q "$SPAWN_TIME") $(printf %q "$TMP/runs-${names[k]}") $rest" \
				    >/dev/null 2>&1 </dev/null ||
				    bail "${names[k]} failed in round $i: ${cmds[k]}"
				continue
			fi
			t0=$EPOCHREALTIME
			eval "${cmds[k]}" >/dev/null 2>&1 </dev/null ||
			    bail "${names[k]} failed in round $i: ${cmds[k]}"
			t1=$EPOCHREALTIME
			echo $(( ${t1/[.,]/} - ${t0/[.,]/} )) >>"$TMP/runs-${names[k]}"
		done
	done
	for k in "${!names[@]}"; do
		[ -z "${IMED_CPU:-}" ] ||	# msec, to microseconds
		    awk -F, '$3 == "task-clock" { print $1 * 1000 }' \
		    "$TMP/perf-${names[k]}" >"$TMP/runs-${names[k]}"
		median <"$TMP/runs-${names[k]}" |
		    awk '{ print $1 / 1e6 }' >"$TMP/med-${names[k]}"
	done
}

# pratio OURS PEER: the median over the rounds of imed of PEER's time /
# OURS's time in the same round (paired), as "2.5x"
pratio() {
	paste "$TMP/runs-$1" "$TMP/runs-$2" |
	    awk '$1 > 0 { print $2 / $1 }' | median |
	    awk '{ printf "%.2fx", $1 }'
}
