#!/bin/bash
# tests/bench/bench-git.sh: `git credential fill` wall time through
# git-credential-keeper, cold (no cache) and cached, against
# `git credential-store` (a plain file: the floor) and a helper script on
# the official KSM JavaScript SDK (tests/bench/git-credential-jssdk.mjs).
# Figures, not a test: never part of make check.
#
#   top_srcdir=. top_builddir=_build bash tests/bench/bench-git.sh
#   [BENCH_RUNS=20] [KSM_JSSDK=.../@keeper-security/secrets-manager-core]
#
# Alone it prints one Markdown table (medians of BENCH_RUNS runs after a
# warm-up).  Run by tests/bench/bench.sh (which exports KSM_JSSDK) it
# prints ROW lines instead, bench.sh's convention for sub-scripts.  Without the JS SDK installed (make check
# installs it under $top_builddir/tests/conformance) its row says so.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "cannot read lib.sh (export top_srcdir)"; exit 99; }
trap 'sb_stop; rm -rf "$TMP"' EXIT

RUNS=${BENCH_RUNS:-20}
HELPER_DIR=$top_builddir/plugins/git
[ -x "$HELPER_DIR/git-credential-keeper" ] || bail "git-credential-keeper not built"
command -v git >/dev/null 2>&1 || bail "git is needed"
HF=
[ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null 2>&1 && HF=hyperfine
# bench.sh exports KSM_JSSDK for its sub-scripts; alone, use the one the
# test suite installed
SUB=${KSM_JSSDK:+1}
: "${KSM_JSSDK:=$top_builddir/tests/conformance/node_modules/@keeper-security/secrets-manager-core}"
export KSM_JSSDK
JS=
command -v node >/dev/null 2>&1 && [ -d "$KSM_JSSDK" ] && JS=$top_srcdir/tests/bench/git-credential-jssdk.mjs

say() { printf 'bench-git: %s\n' "$*" >&2; }

. "${top_srcdir:-.}/tests/bench/bench-lib.sh" || bail "cannot read bench-lib.sh"

# fmed NAME CMD: med over RUNS runs of a fill that must answer a password
fmed() {
	med "$1" "$RUNS" "$2"
	grep -q '^password=' "$TMP/out-$1" ||
	    { cat "$TMP/err-$1" >&2; bail "$1 answered no password"; }
}
v() { cat "$TMP/med-$1"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }
ROWS=$TMP/rows
: >"$ROWS"
row() { printf 'ROW\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$ROWS"; }
trow() { row "$1" "$(ms "$(v "$2")")" "$(ms "$(v "$3")")" "$(ratio "$(v "$2")" "$(v "$3")")"; }

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

say "cold: git-credential-keeper (KSM_CACHE_TTL=0) ..."
fmed keeper-cold "KSM_CACHE_TTL=0 $(fill keeper)"
say "cached: git-credential-keeper (KSM_CACHE_TTL=3600, warm) ..."
fmed keeper-cached "KSM_CACHE_TTL=3600 $(fill keeper)"
say "git credential-store --file ..."
fmed store "$(fill "store --file $TMP/store-file")"
if [ -n "$JS" ]; then
	say "a helper on the JS SDK ..."
	fmed jssdk "$(fill "!node $JS --config $CFG --ca-file $CA")"
fi

if [ -n "$JS" ]; then
	trow "git credential fill, cold: keeper vs JS SDK helper" keeper-cold jssdk
else
	row "git credential fill, cold: keeper vs JS SDK helper" "$(ms "$(v keeper-cold)")" "(JS SDK not installed)" "-"
fi
trow "git credential fill, cold: keeper vs credential-store (file)" keeper-cold store
trow "git credential fill, cached: keeper vs credential-store (file)" keeper-cached store
if [ -n "$JS" ]; then
	trow "git credential fill, cached: keeper vs JS SDK helper (no cache)" keeper-cached jssdk
fi

if [ -n "$SUB" ]; then
	cat "$ROWS"
else
	echo "| figure | ours | peer | ratio |"
	echo "|---|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $2, $3, $4, $5 }' "$ROWS"
	echo
	echo "medians of $RUNS runs after a warm-up${HF:+ (hyperfine)}; ratio = peer / ours"
fi
