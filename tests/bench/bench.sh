#!/bin/bash
# tests/bench/bench.sh: `make bench` (never part of make check).  Needs a
# built tree, node, and the pinned JS SDK (installed like
# tests/integration/notation-jssdk.sh does, into the same place).
#
#  1. cold resolution of one notation from a fresh process, libksm
#     (tests/integration/notation-client) vs a node script on the official
#     JS SDK (tests/conformance/jssdk-notation.mjs): median of BENCH_RUNS
#     runs (hyperfine when installed, else a date +%s%N loop) and the ratio;
#  2. 1,000 notations (by UID) in one process against a generated
#     10,000-record vault: wall time and peak RSS (/usr/bin/time -v);
#  3. cached get: not implemented yet, "n/a".
# Prints a Markdown table; docs/performance.md has measured results.
#
#   make bench [BENCH_RUNS=20] [BENCH_RECORDS=10000] [BENCH_NOTATIONS=1000]
#              [BENCH_NO_HYPERFINE=1]
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "cannot read lib.sh (export top_srcdir)"; exit 99; }

RUNS=${BENCH_RUNS:-20}
N_REC=${BENCH_RECORDS:-10000}
N_NOT=${BENCH_NOTATIONS:-1000}
NC=$top_builddir/tests/integration/notation-client
HF=
[ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null 2>&1 && HF=hyperfine
CONF_SRC=$top_srcdir/tests/conformance
SDKDIR=$top_builddir/tests/conformance/notation
JS=$CONF_SRC/jssdk-notation.mjs

command -v node >/dev/null 2>&1 || bail "node is needed (apt-get install nodejs npm)"
[ -x "$NC" ] || bail "$NC not built: run make check (or make tests/integration/notation-client) first"
[ -x /usr/bin/time ] || bail "/usr/bin/time missing (apt-get install time)"

# ---- the SDK (as notation-jssdk.sh installs it) ----
mkdir -p "$SDKDIR" || bail "cannot create $SDKDIR"
for f in package.json package-lock.json; do
	cmp -s "$CONF_SRC/$f" "$SDKDIR/$f" || cp "$CONF_SRC/$f" "$SDKDIR/$f" || bail "cannot copy $f"
done
if ! cmp -s "$SDKDIR/package-lock.json" "$SDKDIR/node_modules/.ksm-installed-lock"; then
	(cd "$SDKDIR" && timeout 300 env \
	    npm_config_cache="$top_builddir/tests/conformance/npm-cache" \
	    npm_config_update_notifier=false \
	    npm ci --no-audit --no-fund --prefer-offline) >"$TMP/npm.log" 2>&1 ||
	    { cat "$TMP/npm.log" >&2; bail "npm ci in $SDKDIR failed"; }
	cp "$SDKDIR/package-lock.json" "$SDKDIR/node_modules/.ksm-installed-lock"
fi
export KSM_JSSDK=$SDKDIR/node_modules/@keeper-security/secrets-manager-core

say() { printf '%s\n' "$*" >&2; }

# median of the numbers on stdin (one a line)
median() {
	sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1;
	    if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# cold NAME INPUT CMD...: median wall seconds of CMD <INPUT over $RUNS runs
# (after one warm-up run); every run must succeed
cold() {
	local name=$1 input=$2 i t0 t1
	shift 2
	"$@" <"$input" >"$TMP/cold.out" 2>"$TMP/cold.err" ||
	    { cat "$TMP/cold.err" >&2; bail "$name failed"; }
	grep -q '"values"' "$TMP/cold.out" || bail "$name did not resolve: $(cat "$TMP/cold.out")"
	if [ -n "$HF" ]; then
		local cmd
		printf -v cmd '%q ' "$@"
		hyperfine --style none --warmup 1 --runs "$RUNS" \
		    --export-json "$TMP/hf-$name.json" \
		    "$cmd <$(printf '%q' "$input")" >/dev/null 2>"$TMP/hf.err" ||
		    { cat "$TMP/hf.err" >&2; bail "hyperfine $name failed"; }
		jq -r '.results[0].median' "$TMP/hf-$name.json"
	else
		for i in $(seq "$RUNS"); do
			t0=$(date +%s%N)
			"$@" <"$input" >/dev/null 2>&1 || bail "$name failed in run $i"
			t1=$(date +%s%N)
			echo "$(( (t1 - t0) / 1000 ))e-6"
		done | median
	fi
}

# timed NAME INPUT CMD...: "seconds maxrss_kib" of one run of CMD <INPUT
timed() {
	local name=$1 input=$2
	shift 2
	/usr/bin/time -v -o "$TMP/time-$name" "$@" <"$input" >"$TMP/out-$name" 2>"$TMP/err-$name" ||
	    { cat "$TMP/err-$name" >&2; bail "$name failed"; }
	local got
	got=$(grep -c '"values"' "$TMP/out-$name")
	[ "$got" -eq "$(wc -l <"$input")" ] || bail "$name resolved only $got of $(wc -l <"$input") notations"
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
	    for (i = 1; i <= n; i++) s = s * 60 + p[i]; w = s }
	    /Maximum resident set size/ { r = $2 } END { print w, r }' "$TMP/time-$name"
}

# ---- 1. cold resolution, demo vault ----
VAULT=$top_srcdir/sandbox/demo-vault.json
APP=demo
sb_start --throttle 1000000
CA=$(jq -r .caFile <<<"$(sb_info)")
CFG=$TMP/demo-config.json
ks_init "$CFG"
[ "$RC" -eq 0 ] || { cat "$ERR" >&2; bail "cannot bind to the demo vault"; }
printf '%s\n' 'ugx5tPRTMb6qaULWYa7H5A/field/password' >"$TMP/one"
export KSM_CA_FILE=$CA
say "cold resolution: $RUNS runs each ..."
# (each step writes a file first: a bail in $(...) would only end the subshell)
cold ksm "$TMP/one" "$NC" "$CFG" >"$TMP/r-cold-ksm" || exit 99
cold jssdk "$TMP/one" node "$JS" --config "$CFG" --ca-file "$CA" >"$TMP/r-cold-js" || exit 99
c_cold=$(cat "$TMP/r-cold-ksm")
j_cold=$(cat "$TMP/r-cold-js")
sb_stop

# ---- 2. N_NOT notations against an N_REC-record vault ----
say "generating a $N_REC-record vault ..."
VAULT=$TMP/bench-vault.json
APP=bench
node "$top_srcdir/tests/bench/gen-vault.mjs" "$N_REC" "$TMP/many" "$N_NOT" >"$VAULT" ||
    bail "gen-vault.mjs failed"
rm -rf "$STATE"
sb_start --throttle 1000000
CA=$(jq -r .caFile <<<"$(sb_info)")
export KSM_CA_FILE=$CA
CFG=$TMP/bench-config.json
ks_init "$CFG"
[ "$RC" -eq 0 ] || { cat "$ERR" >&2; bail "cannot bind to the generated vault"; }
say "$N_NOT notations, libksm ..."
timed ksm "$TMP/many" "$NC" "$CFG" >"$TMP/r-many-ksm" || exit 99
read -r c_many c_rss <"$TMP/r-many-ksm"
say "$N_NOT notations, JS SDK ..."
timed jssdk "$TMP/many" node "$JS" --config "$CFG" --ca-file "$CA" >"$TMP/r-many-js" || exit 99
read -r j_many j_rss <"$TMP/r-many-js"
cmp -s "$TMP/out-ksm" <(jq -c '{values}' "$TMP/out-jssdk") ||
    bail "libksm and the JS SDK resolved the $N_NOT notations differently"
sb_stop

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", b / a }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

tool="own loop (date +%s%N)"
[ -n "$HF" ] && tool="hyperfine $(hyperfine --version | awk '{print $2}')"
cat <<EOF

keeper-c bench ($(date -u +%Y-%m-%dT%H:%MZ); $(nproc) CPU $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1); node $(node --version); JS SDK $(jq -r .version "$KSM_JSSDK/package.json"); timing: $tool)

| benchmark | libksm (notation-client) | JS SDK (node) | JS / libksm |
|---|---|---|---|
| cold: 1 notation, fresh process, median of $RUNS | $(ms "$c_cold") | $(ms "$j_cold") | $(ratio "$c_cold" "$j_cold") |
| $N_NOT notations by UID, $N_REC-record vault: wall time | $(ms "$c_many") | $(ms "$j_many") | $(ratio "$c_many" "$j_many") |
| same: peak RSS | $(mib "$c_rss") | $(mib "$j_rss") | $(ratio "$c_rss" "$j_rss") |
| cached get | n/a | n/a | n/a |
EOF
_n=0
_failed=0
