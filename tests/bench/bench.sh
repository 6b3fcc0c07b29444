#!/bin/bash
# tests/bench/bench.sh: `make bench` (never part of make check).  Needs a
# built tree (make bench builds the check programs), node and npm (the
# pinned JS SDK is installed like tests/integration/notation-jssdk.sh does),
# hyperfine (else a date +%s%N loop), /usr/bin/time; /usr/bin/aws and root
# (PAM) for their rows.  Prints ONE Markdown table on stdout:
#
#   | figure | ours | peer | ratio |
#
# ratio = peer / ours (> 1: ours is faster or smaller).  Times are medians
# of BENCH_RUNS runs (after a warm-up) unless the figure says otherwise.
#
# ---- convention for sub-scripts (tests/bench/bench-*.sh) ----
# Every executable-or-not tests/bench/bench-*.sh is run with bash, with
# top_srcdir, top_builddir, BENCH_RUNS and KSM_JSSDK exported and stdin
# /dev/null.  Lines it prints on stdout of the form
#
#   ROW<TAB>figure<TAB>ours<TAB>peer<TAB>ratio
#
# become rows of the table (cells as printed: put the unit in them, e.g.
# "12.3 ms", "8100/s"); every other stdout line is printed after the
# table, under the script's name; stderr passes through (progress).  A
# failing sub-script (non-zero exit) gets one row saying so; the bench
# goes on.
#
#   make bench [BENCH_RUNS=20] [BENCH_RECORDS=10000] [BENCH_NOTATIONS=1000]
#              [BENCH_BURST=1000] [BENCH_NO_HYPERFINE=1] [BENCH_ONLY=a,b]
# BENCH_ONLY limits the sections: cold,cache,aws,pam,burst,vault,sub (sub:
# every bench-*.sh; a single one by its name: git, agent, session).
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "cannot read lib.sh (export top_srcdir)"; exit 99; }
trap 'sb_stop; rm -rf "$TMP"' EXIT

RUNS=${BENCH_RUNS:-20}
N_REC=${BENCH_RECORDS:-10000}
N_NOT=${BENCH_NOTATIONS:-1000}
N_BURST=${BENCH_BURST:-1000}
ONLY=,${BENCH_ONLY:-cold,cache,aws,pam,burst,vault,sub},
NC=$top_builddir/tests/integration/notation-client
AWSCP=$top_builddir/plugins/aws/keeper-aws-credential-process
DRIVER=$top_builddir/tests/pam/pam-driver
MODULE=$top_builddir/plugins/pam/.libs/pam_keeper.so
HF=
[ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null 2>&1 && HF=hyperfine
CONF_SRC=$top_srcdir/tests/conformance
SDKDIR=$top_builddir/tests/conformance/notation
JSN=$CONF_SRC/jssdk-notation.mjs
JSB=$top_srcdir/tests/bench/jssdk-bench.mjs
ROWS=$TMP/rows
EXTRA=$TMP/extra
: >"$ROWS"
: >"$EXTRA"

command -v node >/dev/null 2>&1 || bail "node is needed (apt-get install nodejs npm)"
[ -x "$NC" ] || bail "$NC not built: run make bench (it builds the check programs)"
[ -x /usr/bin/time ] || bail "/usr/bin/time missing (apt-get install time)"

say() { printf 'bench: %s\n' "$*" >&2; }
want() { case $ONLY in *,$1,*) return 0 ;; esac; return 1; }

# ---- the SDK (as notation-jssdk.sh installs it) ----
mkdir -p "$SDKDIR" || bail "cannot create $SDKDIR"
for f in package.json package-lock.json; do
	cmp -s "$CONF_SRC/$f" "$SDKDIR/$f" || cp "$CONF_SRC/$f" "$SDKDIR/$f" || bail "cannot copy $f"
done
if ! cmp -s "$SDKDIR/package-lock.json" "$SDKDIR/node_modules/.ksm-installed-lock"; then
	say "installing the JS SDK (npm ci) ..."
	(cd "$SDKDIR" && timeout 300 env \
	    npm_config_cache="$top_builddir/tests/conformance/npm-cache" \
	    npm_config_update_notifier=false \
	    npm ci --no-audit --no-fund --prefer-offline) >"$TMP/npm.log" 2>&1 ||
	    { cat "$TMP/npm.log" >&2; bail "npm ci in $SDKDIR failed"; }
	cp "$SDKDIR/package-lock.json" "$SDKDIR/node_modules/.ksm-installed-lock"
fi
export KSM_JSSDK=$SDKDIR/node_modules/@keeper-security/secrets-manager-core

# ---- measuring ----

. "${top_srcdir:-.}/tests/bench/bench-lib.sh" || bail "cannot read bench-lib.sh"

# rss NAME CMD: peak RSS (KiB, to $TMP/rssv-NAME) and wall seconds (to
# $TMP/med-NAME) of one run of the shell command CMD; its stdout in
# $TMP/out-NAME
rss() {
	local name=$1 cmd=$2
	/usr/bin/time -f '%M %e' -o "$TMP/rss-$name" bash -c "$cmd" >"$TMP/out-$name" 2>"$TMP/err-$name" ||
	    { cat "$TMP/err-$name" >&2; bail "$name failed: $cmd"; }
	tail -n 1 "$TMP/rss-$name" | awk '{ print $1 }' >"$TMP/rssv-$name"
	tail -n 1 "$TMP/rss-$name" | awk '{ print $2 }' >"$TMP/med-$name"
}

v() { cat "$TMP/$1"; }
ms() { awk -v s="$1" 'BEGIN { if (s < 0.1) printf "%.2f ms", s * 1000; else printf "%.0f ms", s * 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
row() { printf 'ROW\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$ROWS"; }
# trow FIGURE NAME-OURS NAME-PEER: a time row from two med results
trow() { row "$1" "$(ms "$(v "med-$2")")" "$(ms "$(v "med-$3")")" "$(ratio "$(v "med-$2")" "$(v "med-$3")")"; }
q() { printf '%q' "$1"; }
calls() { grep -c ' get_secret \| get_folders ' "$TMP/sandbox.log" 2>/dev/null || echo 0; }

HAVE_CACHE=
grep -q KSM_CACHE_TTL "$top_builddir/core/.libs/libksm.so" "$KS" 2>/dev/null && HAVE_CACHE=1
# the cache (issue 4) must not serve the cold figures
export KSM_CACHE_TTL=0
export KSM_CACHE_DIR=$TMP/cache
mkdir -p "$KSM_CACHE_DIR" && chmod 700 "$KSM_CACHE_DIR"

# ---- 1. demo vault: cold get, cached get, aws, PAM ----
VAULT=$top_srcdir/sandbox/demo-vault.json
APP=demo
UID1=ugx5tPRTMb6qaULWYa7H5A
AWSUID=yNyR_d4nvqZZ0_BPIvkuxg
CFG=$TMP/demo-config.json
bench_bind "$CFG"
printf '%s\n' "$UID1/field/password" >"$TMP/one"
GET="$(q "$KS") --config $(q "$CFG") get keeper://$UID1/field/password"
JSGET="node $(q "$JSN") --config $(q "$CFG") --ca-file $(q "$CA") <$(q "$TMP/one")"

if want cold || want cache; then
	say "cold get: $RUNS runs each ..."
	med ks-cold "$RUNS" "$GET"
	med js-cold "$RUNS" "$JSGET"
	trow "cold \`get\` of 1 notation (fresh process, TLS, 1 call)" ks-cold js-cold
fi
if want cache; then
	if [ -n "$HAVE_CACHE" ]; then
		say "cached get ..."
		KSM_CACHE_TTL=3600 bash -c "$GET" >/dev/null 2>&1 || bail "cached get failed"
		n0=$(calls)
		KSM_CACHE_TTL=3600 med ks-cached "$RUNS" "$GET"
		n1=$(calls)
		[ "$n1" = "$n0" ] || say "warning: the cached get reached the sandbox $((n1 - n0)) times"
		row "cached \`get\` (KSM_CACHE_TTL; peer: JS SDK, no cache, cold)" \
		    "$(ms "$(v med-ks-cached)")" "$(ms "$(v med-js-cold)")" \
		    "$(ratio "$(v med-ks-cached)" "$(v med-js-cold)")"
	else
		row "cached \`get\`" "n/a (no KSM_CACHE_TTL in this build)" "n/a" "-"
	fi
	# what no process can go below on this machine, and the same gets
	# inside one process (tests/bench/get-bench.c, libksm's public API)
	med floor-true "$RUNS" "/bin/echo ."
	med floor-version "$RUNS" "$(q "$KS") --version"
	row "(floor: \`/bin/echo\`, a process start on this machine)" "$(ms "$(v med-floor-true)")" "" ""
	row "(floor: \`keeper-secret --version\`: start + libcrypto)" "$(ms "$(v med-floor-version)")" "" ""
	CLB=$top_builddir/tests/bench/curl-load-bench
	if [ -x "$CLB" ]; then
		for i in $(seq "$RUNS"); do "$CLB" || bail "curl-load-bench failed"; done |
		    median >"$TMP/curl-load"
		row "(of a cold get: loading + initialising libcurl, dlopen + curl_global_init)" \
		    "$(awk -v u="$(cat "$TMP/curl-load")" 'BEGIN { printf "%.2f ms", u / 1000 }')" "" ""
	fi
	GB=$top_builddir/tests/bench/get-bench
	if [ -x "$GB" ]; then
		KSM_CACHE_TTL=3600 "$GB" "$CFG" "keeper://$UID1/field/password" 1000 >"$TMP/gb-cached" ||
		    bail "get-bench (cached) failed"
		"$GB" "$CFG" "keeper://$UID1/field/password" "$RUNS" >"$TMP/gb-cold" ||
		    bail "get-bench (cold) failed"
		gb() { awk -F '\t' -v k="$2" '$1 == k { printf "%.3f ms", $2 / 1000 }' "$TMP/gb-$1"; }
		row "in-process cached get: open client + get + free (libksm API, median of 1000)" "$(gb cached open-get)" "" ""
		row "in-process cached get on an open client" "$(gb cached get)" "" ""
		row "in-process get, no cache: open client + get + free (TLS handshake each)" "$(gb cold open-get)" "" ""
		row "in-process get, no cache, open client (connection reused)" "$(gb cold get)" "" ""
	fi
fi

if want aws; then
	if [ -x /usr/bin/aws ] && [ -x "$AWSCP" ]; then
		say "aws configure export-credentials ..."
		mkdir -p "$TMP/aws"
		cat >"$TMP/aws/config" <<EOF
[profile ours]
credential_process = $AWSCP --config $CFG --record $AWSUID
[profile js]
credential_process = node $JSB aws --config $CFG --ca-file $CA $AWSUID
EOF
		AWSENV="env AWS_CONFIG_FILE=$(q "$TMP/aws/config") AWS_SHARED_CREDENTIALS_FILE=$(q "$TMP/aws/credentials") AWS_EC2_METADATA_DISABLED=true"
		AWSRUNS=$(( RUNS < 10 ? RUNS : 10 ))
		med aws-ks "$AWSRUNS" "$AWSENV /usr/bin/aws configure export-credentials --profile ours"
		med aws-js "$AWSRUNS" "$AWSENV /usr/bin/aws configure export-credentials --profile js"
		grep -q AKIASANDBOXEXAMPLE01 "$TMP/out-aws-ks" || bail "aws (ours) did not print the key: $(cat "$TMP/err-aws-ks")"
		grep -q AKIASANDBOXEXAMPLE01 "$TMP/out-aws-js" || bail "aws (js) did not print the key"
		trow "\`aws configure export-credentials\`, cold (median of $AWSRUNS)" aws-ks aws-js
		if [ -n "$HAVE_CACHE" ]; then
			KSM_CACHE_TTL=3600 med aws-ks-c "$AWSRUNS" "$AWSENV /usr/bin/aws configure export-credentials --profile ours"
			row "\`aws configure export-credentials\`, cached (peer: no cache)" \
			    "$(ms "$(v med-aws-ks-c)")" "$(ms "$(v med-aws-js)")" \
			    "$(ratio "$(v med-aws-ks-c)" "$(v med-aws-js)")"
		fi
		med aws-none "$AWSRUNS" "/usr/bin/aws --version"
		row "(\`aws --version\` alone: the AWS CLI's own start-up)" "$(ms "$(v med-aws-none)")" "" ""
	else
		row "\`aws configure export-credentials\`" "n/a (no /usr/bin/aws)" "n/a" "-"
	fi
fi

if want pam; then
	PAMLIB=$(pkg-config --variable=libdir pam 2>/dev/null)/security
	if [ "$(id -u)" -eq 0 ] && [ -x "$DRIVER" ] && [ -f "$MODULE" ] &&
	    [ -f "$PAMLIB/pam_unix.so" ]; then
		say "PAM auth ..."
		# pam_keeper trusts only root-owned files in root-owned directories
		SEC=$(mktemp -d /run/keeper-bench.XXXXXX) || bail "cannot create a directory under /run"
		trap 'sb_stop; rm -rf "$TMP" "$SEC"' EXIT
		cp "$CFG" "$SEC/ksm.json" && chmod 600 "$SEC/ksm.json"
		printf '{"ksm_config":"%s","users":{"kb-user":{"password":"keeper://%s/field/password"}}}\n' \
		    "$SEC/ksm.json" "$UID1" >"$SEC/pam.json"
		chmod 600 "$SEC/pam.json"
		mkdir -p "$SEC/pam.d"
		echo "auth required $MODULE config=$SEC/pam.json" >"$SEC/pam.d/kb"
		PW=$(vault_value "$UID1" password)
		printf '%s\n' "$PW" >"$SEC/pw"
		med pam "$RUNS" "$(q "$DRIVER") $(q "$SEC/pam.d") kb kb-user auth <$(q "$SEC/pw")"
		grep -qx 'auth PAM_SUCCESS' "$TMP/out-pam" || bail "PAM auth did not succeed: $(cat "$TMP/out-pam" "$TMP/err-pam")"
		row "PAM auth (pam-driver + pam_keeper.so, cold)" "$(ms "$(v med-pam)")" "" ""
	else
		row "PAM auth" "n/a (needs root, pam-driver and pam_keeper.so)" "" ""
	fi
fi
sb_stop

# ---- 2. burst: N_BURST gets against the default throttle (200 calls) ----
if want burst; then
	say "burst of $N_BURST gets (sandbox throttle at its default) ..."
	rm -f "$TMP/sandbox.log"
	sb_start
	CFGB1=$TMP/burst-ours.json
	CFGB2=$TMP/burst-js.json
	ks_init "$CFGB1"
	[ "$RC" -eq 0 ] || bail "cannot bind for the burst"
	ks_init "$CFGB2"
	[ "$RC" -eq 0 ] || bail "cannot bind for the burst"
	# ours: N_BURST fresh `keeper-secret get` processes, 2 at a time, the
	# cache at its default; a throttled call fails at once (exit 20)
	n0=$(calls)
	t0=$(date +%s%N)
	pids=()
	for w in 1 2; do
		(
			unset KSM_CACHE_TTL
			for i in $(seq $((N_BURST / 2))); do
				KSM_MAX_THROTTLE_WAIT_MS=0 "$KS" --config "$CFGB1" \
				    get "keeper://$UID1/field/password" >/dev/null 2>&1
				echo $?
			done >"$TMP/burst-$w"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"	# not the sandbox
	t1=$(date +%s%N)
	b_time=$(awk -v n=$((t1 - t0)) 'BEGIN { print n / 1e9 }')
	b_calls=$(( $(calls) - n0 ))
	b_thr=$(cat "$TMP/burst-1" "$TMP/burst-2" | grep -cx 20)
	b_bad=$(cat "$TMP/burst-1" "$TMP/burst-2" | grep -cvx '0\|20')
	[ "$b_bad" -eq 0 ] || say "warning: $b_bad burst calls failed otherwise"
	# peer: the JS SDK in ONE node process (its best case: no process
	# start per call); a throttled call fails at once
	n0=$(calls)
	t0=$(date +%s%N)
	node "$JSB" burst "$N_BURST" "$UID1/field/password" --config "$CFGB2" --ca-file "$CA" \
	    >"$TMP/burst-js" || bail "JS burst failed"
	t1=$(date +%s%N)
	j_time=$(awk -v n=$((t1 - t0)) 'BEGIN { print n / 1e9 }')
	j_calls=$(( $(calls) - n0 ))
	j_thr=$(awk '{ print $4 }' "$TMP/burst-js")
	sb_stop
	row "burst of $N_BURST gets: wall time (ours: $N_BURST processes, 2 at a time; peer: 1 node process)" \
	    "$(ms "$b_time")" "$(ms "$j_time")" "$(ratio "$b_time" "$j_time")"
	row "burst: calls throttled (sandbox default: 200 per 10 s)" "$b_thr" "$j_thr" "-"
	row "burst: calls that reached the sandbox (--log)" "$b_calls" "$j_calls" "$(ratio "$b_calls" "$j_calls")"
fi

# ---- 3. an N_REC-record vault ----
if want vault; then
	say "generating a $N_REC-record vault ..."
	VAULT=$TMP/bench-vault.json
	APP=bench
	node "$top_srcdir/tests/bench/gen-vault.mjs" "$N_REC" "$TMP/many" "$N_NOT" >"$VAULT" ||
	    bail "gen-vault.mjs failed"
	rm -rf "$STATE"
	CFG=$TMP/bench-config.json
	bench_bind "$CFG"
	VRUNS=$(( RUNS < 5 ? RUNS : 5 ))
	say "$N_REC records: fetch + decrypt all ..."
	med v-ks "$VRUNS" "$(q "$KS") --config $(q "$CFG") list"
	med v-js "$VRUNS" "node $(q "$JSB") all --config $(q "$CFG") --ca-file $(q "$CA")"
	[ "$(grep -c . "$TMP/out-v-ks")" -eq $((N_REC + 1)) ] || bail "keeper-secret list printed $(wc -l <"$TMP/out-v-ks") lines"
	grep -qx "records $N_REC" "$TMP/out-v-js" || bail "JS SDK: $(cat "$TMP/out-v-js")"
	rss vr-ks "$(q "$KS") --config $(q "$CFG") list"
	rss vr-js "node $(q "$JSB") all --config $(q "$CFG") --ca-file $(q "$CA")"
	trow "$N_REC-record vault: fetch + decrypt all (\`list\`; peer: getSecrets; median of $VRUNS)" v-ks v-js
	row "same: peak RSS" "$(mib "$(v rssv-vr-ks)")" "$(mib "$(v rssv-vr-js)")" \
	    "$(ratio "$(v rssv-vr-ks)" "$(v rssv-vr-js)")"

	head -n 1 "$TMP/many" >"$TMP/one"
	med v1-ks "$RUNS" "$(q "$NC") $(q "$CFG") <$(q "$TMP/one")"
	med v1-js "$RUNS" "node $(q "$JSN") --config $(q "$CFG") --ca-file $(q "$CA") <$(q "$TMP/one")"
	trow "$N_REC-record vault: cold get of 1 notation by UID" v1-ks v1-js

	say "$N_NOT notations, one process each side (one run each) ..."
	rss n-ks "$(q "$NC") $(q "$CFG") <$(q "$TMP/many")"
	rss n-js "node $(q "$JSN") --config $(q "$CFG") --ca-file $(q "$CA") <$(q "$TMP/many")"
	[ "$(grep -c '"values"' "$TMP/out-n-ks")" -eq "$N_NOT" ] || bail "libksm did not resolve all $N_NOT notations"
	cmp -s "$TMP/out-n-ks" <(jq -c '{values}' "$TMP/out-n-js") ||
	    bail "libksm and the JS SDK resolved the $N_NOT notations differently"
	trow "$N_NOT notations by UID in one process, $N_REC-record vault (1 run)" n-ks n-js
	row "same: peak RSS" "$(mib "$(v rssv-n-ks)")" "$(mib "$(v rssv-n-js)")" \
	    "$(ratio "$(v rssv-n-ks)" "$(v rssv-n-js)")"
	sb_stop
fi

# ---- 4. the other helpers' benches ----
# (a sub-script runs for "sub" or for its own name: bench-git.sh for "git")
for s in "$top_srcdir"/tests/bench/bench-*.sh; do
	[ -f "$s" ] || continue
	name=$(basename "$s")
	sub=${name#bench-}
	want sub || want "${sub%.sh}" || continue
	say "running $name ..."
	if (export top_srcdir top_builddir KSM_JSSDK BENCH_RUNS=$RUNS
	    unset KSM_CACHE_TTL KSM_CACHE_DIR KSM_CA_FILE
	    bash "$s" </dev/null) >"$TMP/sub.out"; then
		:
	else
		row "$name" "failed (exit $?)" "" ""
	fi
	grep -P '^ROW\t' "$TMP/sub.out" >>"$ROWS"
	if grep -vqP '^ROW\t' "$TMP/sub.out"; then
		{ echo; echo "### $name"; echo; grep -vP '^ROW\t' "$TMP/sub.out"; } >>"$EXTRA"
	fi
done

# ---- the table ----
tool="own loop (date +%s%N)"
[ -n "$HF" ] && tool="hyperfine $(hyperfine --version | awk '{print $2}')"
cat <<EOF

keeper-c bench, $(date -u +%Y-%m-%dT%H:%MZ): $(nproc) CPU $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), Linux $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null), load $(cut -d' ' -f1-3 /proc/loadavg); node $(node --version), JS SDK $(jq -r .version "$KSM_JSSDK/package.json"); timing: $tool, medians of $RUNS unless noted; ratio = peer / ours (rows of bench-git.sh and bench-session.sh: commands interleaved round by round, ratio = median of the per-round ratios)

| figure | ours | peer | ratio |
|---|---|---|---|
EOF
awk -F'\t' '$1 == "ROW" { printf "| %s | %s | %s | %s |\n", $2, $3, $4, $5 }' "$ROWS"
cat "$EXTRA"
