#!/bin/bash
# tests/bench/bench-git.sh: `git credential fill` wall time through
# git-credential-keeper with keeper-agent running (the resident session),
# and without it cold (no cache) and cached, against `git credential-store`
# (a plain file: the floor) and a helper script on the official KSM
# JavaScript SDK (tests/bench/git-credential-jssdk.mjs), interleaved round
# by round (bench-lib.sh imed).  Figures, not a test: never part of make
# check.
#
#   top_srcdir=. top_builddir=_build bash tests/bench/bench-git.sh
#   [BENCH_RUNS=20] [KSM_JSSDK=.../@keeper-security/secrets-manager-core]
#
# Alone it prints one Markdown table (medians of BENCH_RUNS rounds after a
# warm-up round).  Run by tests/bench/bench.sh (which exports KSM_JSSDK) it
# prints ROW lines instead, bench.sh's convention for sub-scripts.  Without the JS SDK installed (make check
# installs it under $top_builddir/tests/conformance) its row says so.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "cannot read lib.sh (export top_srcdir)"; exit 99; }
trap 'ks_agent_stop; sb_stop; rm -rf "$TMP"' EXIT

RUNS=${BENCH_RUNS:-20}
HELPER_DIR=$top_builddir/plugins/git
[ -x "$HELPER_DIR/git-credential-keeper" ] || bail "git-credential-keeper not built"
command -v git >/dev/null 2>&1 || bail "git is needed"
# bench.sh exports KSM_JSSDK for its sub-scripts; alone, use the one the
# test suite installed
SUB=${KSM_JSSDK:+1}
: "${KSM_JSSDK:=$top_builddir/tests/conformance/node_modules/@keeper-security/secrets-manager-core}"
export KSM_JSSDK
JS=
command -v node >/dev/null 2>&1 && [ -d "$KSM_JSSDK" ] && JS=$top_srcdir/tests/bench/git-credential-jssdk.mjs

say() { printf 'bench-git: %s\n' "$*" >&2; }

. "${top_srcdir:-.}/tests/bench/bench-lib.sh" || bail "cannot read bench-lib.sh"

v() { cat "$TMP/med-$1"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }
ROWS=$TMP/rows
: >"$ROWS"
row() { printf 'ROW\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$ROWS"; }
# prow FIGURE OURS PEER: a time row of two imed results, the paired ratio
prow() { row "$1" "$(ms "$(v "$2")")" "$(ms "$(v "$3")")" "$(pratio "$2" "$3")"; }

# ---- a sandbox serving the git test vault, a bound config ----
VAULT=$TMP/git-vault.json
sed 's/@PORT@/8080/g' "$top_srcdir/tests/integration/git-vault.json" >"$VAULT"
APP=git
CFG=$TMP/ksm-config.json
bench_bind "$CFG"
printf 'http://alice:Pw-git-alice-1@127.0.0.1:8080\n' >"$TMP/store-file"
chmod 600 "$TMP/store-file"

export KSM_CONFIG_FILE=$CFG KSM_CACHE_DIR=$TMP/cache
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0
export PATH=$HELPER_DIR:$PATH
mkdir -p "$KSM_CACHE_DIR" && chmod 700 "$KSM_CACHE_DIR"
REQ=$TMP/request
printf 'protocol=http\nhost=127.0.0.1:8080\nusername=alice\n\n' >"$REQ"
fill() { printf 'git -c credential.helper=%q credential fill <%q' "$1" "$REQ"; }

ks_agent_start "$CFG"
# credential.helper=keeper: git runs `git credential-keeper`, one more git
# process than an absolute path, which git runs through sh only
cmds=(agent "$(fill keeper)"
    agent-path "$(fill "$HELPER_DIR/git-credential-keeper")"
    keeper-cold "KSM_AGENT=0 KSM_CACHE_TTL=0 $(fill keeper)"
    keeper-cached "KSM_AGENT=0 KSM_CACHE_TTL=3600 $(fill keeper)"
    store "$(fill "store --file $TMP/store-file")")
[ -z "$JS" ] || cmds+=(jssdk "$(fill "!node $JS --config $CFG --ca-file $CA")")
say "$((${#cmds[@]} / 2)) fills interleaved (keeper-agent, by name and path; no agent: cold, cached; credential-store${JS:+; JS SDK}), $RUNS rounds ..."
a0=$(ks_agent_answers git-credential-keeper)
imed "$RUNS" "${cmds[@]}"
a1=$(ks_agent_answers git-credential-keeper)
[ $((a1 - a0)) -eq $((2 * (RUNS + 1))) ] ||
    bail "keeper-agent answered $((a1 - a0)) of the $((2 * (RUNS + 1))) fills through it"
for ((k = 0; k < ${#cmds[@]}; k += 2)); do
	grep -q '^password=' "$TMP/out-${cmds[k]}" ||
	    { cat "$TMP/err-${cmds[k]}" >&2; bail "${cmds[k]} answered no password"; }
done
ks_agent_stop

if [ -n "$JS" ]; then
	prow "git credential fill, cold: keeper vs JS SDK helper" keeper-cold jssdk
else
	row "git credential fill, cold: keeper vs JS SDK helper" "$(ms "$(v keeper-cold)")" "(JS SDK not installed)" "-"
fi
prow "git credential fill, cold: keeper vs credential-store (file)" keeper-cold store
prow "git credential fill, cached: keeper vs credential-store (file)" keeper-cached store
if [ -n "$JS" ]; then
	prow "git credential fill, cached: keeper vs JS SDK helper (no cache)" keeper-cached jssdk
fi
prow "git credential fill through keeper-agent vs credential-store (file)" agent store
prow "git credential fill through keeper-agent, helper by absolute path, vs credential-store (file)" agent-path store
prow "git credential fill through keeper-agent vs keeper cached, no agent" agent keeper-cached

if [ -n "$SUB" ]; then
	cat "$ROWS"
else
	echo "| figure | ours | peer | ratio |"
	echo "|---|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $2, $3, $4, $5 }' "$ROWS"
	echo
	echo "medians of $RUNS interleaved rounds after a warm-up round; ratio = the median of peer / ours per round"
fi
