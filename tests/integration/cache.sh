#!/bin/bash
# The cross-process cache end to end (docs/cache.md): real keeper-secret
# processes against keeper-sandbox, the sandbox's request log as the count
# of calls.  Bursts and parallel runs make one call; answers survive the
# server going away (bounded by KSM_CACHE_MAX_AGE); tampered and swapped
# entries are discarded and refetched; no secret is ever in a cache file;
# `cache status|clear` end to end.  Ages are steered with KSM_CACHE_TTL and
# KSM_CACHE_MAX_AGE, never with sleeps.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

CACHE=$HOME/.cache/keeper	# lib.sh unsets XDG_RUNTIME_DIR/XDG_CACHE_HOME
REC=ItLoginRecord0000000A1
REC2=ItFolderRecord00000AF6
PW=$(vault_value "$REC" password)
PW2=$(vault_value "$REC2" password)
[ -n "$PW" ] && [ -n "$PW2" ] || bail "no password in the vault for $REC/$REC2"

# verdict STATUS DESC: ok when STATUS is 0
verdict() {
	if [ "$1" -eq 0 ]; then
		ok "$2"
	else
		not_ok "$2"
	fi
}

# calls: get_secret requests in the sandbox log so far
calls() {
	grep -c ' get_secret ' "$TMP/sandbox.log" 2>/dev/null || true
}

# burst N PARALLEL NAME ARGS...: N keeper-secret runs, PARALLEL at a time;
# sets FAILED (non-zero exits) and WRONG (stdout not the password $WANT)
burst() {
	local n=$1 par=$2 name=$3 dir
	shift 3
	dir=$TMP/$name
	mkdir -p "$dir"
	seq "$n" | xargs -P "$par" -I{} sh -c \
	    'timeout 60 "$0" "$@" >"'"$dir"'/{}.out" 2>"'"$dir"'/{}.err"; echo $? >"'"$dir"'/{}.rc"' \
	    "$KS" "$@"
	cat "$dir"/*.err >>"$ALL_ERR"
	FAILED=$(grep -lvx 0 "$dir"/*.rc | wc -l)
	WRONG=0
	for f in "$dir"/*.out; do
		[ "$(cat "$f")" = "$WANT" ] || WRONG=$((WRONG + 1))
	done
}

# one_call N PARALLEL NAME LABEL: a cached burst (TTL 600) of gets of the
# password; checks that none fails, every answer is right, and the
# sandbox saw one get_secret call
one_call() {
	local c0 c1
	c0=$(calls)
	WANT=$PW
	KSM_CACHE_TTL=600 burst "$1" "$2" "$3" --config "$CFG" get "$REC/field/password"
	c1=$(calls)
	check "$4: no failure ($FAILED)" [ "$FAILED" -eq 0 ]
	check "$4: every answer is the password ($WRONG wrong)" [ "$WRONG" -eq 0 ]
	check "$4: one get_secret call ($((c1 - c0)))" [ $((c1 - c0)) -eq 1 ]
}

# entry_files: the cache entries, newest first
entry_files() {
	ls -t "$CACHE"/*.kc 2>/dev/null
}

sb_start --throttle 50
CFG=$TMP/ksm-config.json
ks_init "$CFG"
expect_ok "init"

# ---- a burst past the throttle: one call ----
one_call 300 8 burst1 "300 gets, 8 at a time, throttle 50"

# the same burst without the cache is throttled: the test can fail
KSM_CACHE_TTL=0 KSM_MAX_THROTTLE_WAIT_MS=0 burst 60 4 nocache \
    --config "$CFG" get "$REC/field/password"
check "without the cache the same burst is throttled ($FAILED failed)" \
    [ "$FAILED" -gt 0 ]
grep -qh throttled "$TMP"/nocache/*.err
check "... with ETHROTTLED" [ $? -eq 0 ]

# ---- the files ----
check "cache directory is 0700" [ "$(stat -c %a "$CACHE")" = 700 ]
modes=$(stat -c %a "$CACHE"/* | sort -u | tr '\n' ' ')
check "cache files are 0600 ($modes)" [ "$modes" = "600 " ]
leaked=""
while IFS= read -r secret; do
	[ "${#secret}" -ge 4 ] || continue
	if grep -rqF -- "$secret" "$CACHE"; then
		leaked="$leaked ${secret:0:4}..."
	fi
done < <(jq -r '.records[].data | .. | strings' "$VAULT" | sort -u;
    jq -r '.clientId, .privateKey, .appKey' "$CFG")
check "no value, title or key of the vault or config in any cache file$leaked" \
    [ -z "$leaked" ]
if ls "$CACHE" | grep -qF -- "$(jq -r .clientId "$CFG" | tr -d '=/+' | head -c 8)"; then
	not_ok "cache file names reveal the client id"
else
	ok "cache file names do not reveal the client id"
fi

# ---- --verbose ----
KSM_CACHE_TTL=600 run_ks --config "$CFG" --verbose get "$REC/field/password"
expect_ok "get --verbose"
check "--verbose: stderr says the answer came from cache, and its age" \
    grep -Eq '^keeper-secret: get_secret answer from cache, [0-9]+\.[0-9] s old$' "$ERR"
check "--verbose: stdout is just the password" [ "$(cat "$OUT")" = "$PW" ]
KSM_CACHE_TTL=600 run_ks --config "$CFG" get "$REC/field/password"
check "without --verbose: stderr is empty" [ ! -s "$ERR" ]

# ---- the server goes away ----
sb_stop
KSM_CACHE_TTL=600 run_ks --config "$CFG" get "$REC/field/password"
[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "$PW" ]
verdict $? "sandbox stopped: a fresh entry answers"
KSM_CACHE_TTL=0.001 KSM_CACHE_MAX_AGE=3600 run_ks --config "$CFG" -v get "$REC/field/password"
[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "$PW" ]
verdict $? "sandbox stopped, entry past the TTL: the stale answer (exit $RC)"
check "... and --verbose says Keeper failed and how old the answer is" \
    grep -Eq 'Keeper failed \(ENETWORK\); get_secret answer from cache, [0-9.]+ s old' "$ERR"
KSM_CACHE_TTL=0.001 KSM_CACHE_MAX_AGE=0 run_ks --config "$CFG" get "$REC/field/password"
expect_fail "sandbox stopped, entry older than the max age: ENETWORK" 23 \
    "cannot reach"
expect_hint "KSM_CACHE_MAX_AGE"
check "... and nothing on stdout" [ ! -s "$OUT" ]

# ---- tampered and swapped entries (a new sandbox: a new port) ----
sb_start
export KSM_HOSTNAME=$SB_ADDR
run_ks cache clear --all
expect_ok "cache clear --all"
c0=$(calls)
KSM_CACHE_TTL=600 run_ks --config "$CFG" get "$REC/field/password"
entry=$(entry_files | head -n 1)
[ -n "$entry" ] && [ "$(entry_files | wc -l)" -eq 1 ]
verdict $? "one entry written"
size=$(stat -c %s "$entry")
# flip one bit of the middle byte (writing a fixed byte would change
# nothing one time in 256)
old=$(od -An -tu1 -j $((size / 2)) -N 1 "$entry" | tr -d ' ')
printf "\\$(printf %03o $((old ^ 1)))" |
    dd of="$entry" bs=1 seek=$((size / 2)) conv=notrunc status=none
[ "$(od -An -tu1 -j $((size / 2)) -N 1 "$entry" | tr -d ' ')" = $((old ^ 1)) ] ||
    bail "could not alter the cache entry"
KSM_CACHE_TTL=600 run_ks --config "$CFG" -v get "$REC/field/password"
[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "$PW" ]
verdict $? "tampered entry: the right password (exit $RC)"
check "... discarded (--verbose says so)" grep -q 'failed authentication and was discarded' "$ERR"
c1=$(calls)
check "... and refetched ($((c1 - c0)) calls)" [ $((c1 - c0)) -eq 2 ]
KSM_CACHE_TTL=600 run_ks --config "$CFG" get "$REC/field/password"
[ "$RC" -eq 0 ] && [ "$(calls)" -eq "$c1" ]
verdict $? "the refetched entry serves"

# one record's entry copied over another's: the name is authenticated
KSM_CACHE_TTL=600 run_ks --config "$CFG" get "$REC2/field/password"
[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "$PW2" ]
verdict $? "second record fetched"
first=$(entry_files | sed -n 2p)
second=$(entry_files | sed -n 1p)
cp "$first" "$second"
c0=$(calls)
KSM_CACHE_TTL=600 run_ks --config "$CFG" -v get "$REC2/field/password"
[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "$PW2" ]
verdict $? "swapped entry: the right record, not the other one"
grep -q 'discarded' "$ERR" && [ $(($(calls) - c0)) -eq 1 ]
verdict $? "... discarded and refetched"

# garbage where an entry was, with the server down: an error, no crash
head -c 100 /dev/urandom >"$second"
sb_stop
KSM_CACHE_TTL=600 run_ks --config "$CFG" get "$REC2/field/password"
expect_fail "garbage entry, sandbox stopped: ENETWORK, never a wrong value" \
    23 "cannot reach"
check "... the garbage is gone" [ ! -e "$second" ]

# ---- coalescing: 20 processes at once, one call ----
sb_start
export KSM_HOSTNAME=$SB_ADDR
run_ks cache clear --all
one_call 20 20 parallel "20 parallel gets on an empty cache"

# ---- cache status | clear ----
run_ks --config "$CFG" cache status
expect_ok "cache status"
check "status names the directory" grep -qF "directory: $CACHE" "$OUT"
check "status counts the entry" grep -q '^entries: 1 ' "$OUT"
run_ks --config "$CFG" cache status --json
check "status --json" [ "$(jq -r '.entries, .usable, .ttlMs' "$OUT" | tr '\n' ' ')" = "1 true 5000 " ]
run_ks --config "$CFG" cache clear
expect_ok "cache clear"
check "clear says what it removed" grep -qx 'removed 1 cached answer' "$OUT"
check "clear left no entry" [ -z "$(entry_files)" ]
c0=$(calls)
KSM_CACHE_TTL=600 run_ks --config "$CFG" get "$REC/field/password"
[ "$RC" -eq 0 ] && [ $(($(calls) - c0)) -eq 1 ]
verdict $? "after clear: fetched again"

# ---- TTL 0: no cache at all ----
run_ks cache clear --all
c0=$(calls)
KSM_CACHE_TTL=0 run_ks --config "$CFG" get "$REC/field/password"
KSM_CACHE_TTL=0 run_ks --config "$CFG" get "$REC/field/password"
check "KSM_CACHE_TTL=0: every get asks Keeper" [ $(($(calls) - c0)) -eq 2 ]
check "KSM_CACHE_TTL=0: nothing written" [ -z "$(entry_files)" ]

# ---- a directory open to others is not used ----
chmod 755 "$CACHE"
c0=$(calls)
KSM_CACHE_TTL=600 run_ks --config "$CFG" get "$REC/field/password"
KSM_CACHE_TTL=600 run_ks --config "$CFG" get "$REC/field/password"
[ "$RC" -eq 0 ] && [ $(($(calls) - c0)) -eq 2 ] && [ -z "$(entry_files)" ]
verdict $? "0755 cache directory: answers come from Keeper"
run_ks --config "$CFG" cache status
expect_fail "cache status on a 0755 directory: EPERM" 27 "open to group or other"
expect_hint "chmod 700"
chmod 700 "$CACHE"
if [ "$(id -u)" -eq 0 ]; then
	chown nobody "$CACHE"
	c0=$(calls)
	KSM_CACHE_TTL=600 run_ks --config "$CFG" get "$REC/field/password"
	KSM_CACHE_TTL=600 run_ks --config "$CFG" get "$REC/field/password"
	[ "$RC" -eq 0 ] && [ $(($(calls) - c0)) -eq 2 ] && [ -z "$(entry_files)" ]
	verdict $? "foreign-owned cache directory: not used"
	chown root "$CACHE"
else
	echo "ok $((_n + 1)) # SKIP foreign-owned directory needs root"
	_n=$((_n + 1))
fi

# ---- the default location: $XDG_RUNTIME_DIR/keeper ----
mkdir -m 700 "$TMP/run"
XDG_RUNTIME_DIR=$TMP/run KSM_CACHE_TTL=600 run_ks --config "$CFG" get "$REC/field/password"
[ "$RC" -eq 0 ] && ls "$TMP/run/keeper/"*.kc >/dev/null 2>&1
verdict $? "XDG_RUNTIME_DIR/keeper is used first"

sb_stop
check_no_secrets
done_testing
