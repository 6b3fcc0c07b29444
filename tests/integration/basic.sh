#!/bin/bash
# init, list and get against keeper-sandbox; values checked against the vault.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

LOGIN=ItLoginRecord0000000A1
DASH=-ItDashRecord000000AB2
FOLDER=ItFolderRecord00000AF6
CFG=$TMP/ksm-config.json

sb_start

ks_init "$CFG"
expect_ok "init binds with a token read from stdin"
check "config written with mode 0600" \
    test "$(stat -c %a "$CFG" 2>/dev/null)" = 600
check "config has no clientKey after binding" \
    test "$(jq -r 'has("clientKey")' "$CFG")" = false

info=$(sb_info)
KSM_TOKEN=$(sb_token) run_ks init --config "$TMP/env-token.json" \
    --host "$(jq -r .hostname <<<"$info")" \
    --server-key "$(jq -r '.serverPublicKeyId + ":" + .serverPublicKey' <<<"$info")" \
    --ca-file "$(jq -r .caFile <<<"$info")"
expect_ok "init with the token in \$KSM_TOKEN"
run_ks --config "$TMP/env-token.json" list
expect_ok "list with the config bound through \$KSM_TOKEN"

run_ks list
expect_fail "no config at the default path yet: ECONFIG" 26 \
    "$HOME/.config/keeper/ksm-config.json"
ks_init ""
expect_ok "init without --config"
check "init wrote the default path with mode 0600" \
    test "$(stat -c %a "$HOME/.config/keeper/ksm-config.json" 2>/dev/null)" = 600
run_ks list
expect_ok "list with the default config"

run_ks --config "$CFG" list
expect_ok "list"
check "list shows the login record with its type and title" \
    grep -Eq "^$LOGIN +login +Integration login\$" "$OUT"
check "list shows the record in the shared folder" \
    grep -q "^$FOLDER " "$OUT"
check "list does not show a record shared with another application" \
    sh -c "! grep -q ItUnsharedRecord000AE5 '$OUT'"
check "list prints no secret value" \
    sh -c "! grep -q Pw- '$OUT'"

run_ks --config "$CFG" list --json
expect_ok "list --json"
check "list --json has the records of the application" \
    test "$(jq -r '[.[].uid] | sort | join(" ")' "$OUT")" = \
    "$(echo "$LOGIN $DASH $FOLDER ItLegacyRecord00000AC3" | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"

run_ks --config "$CFG" get --json "$LOGIN"
expect_ok "get --json of a directly shared record"
for f in login password url Environment "API key"; do
	want=$(vault_value "$LOGIN" "$f")
	got=$(got_value "$LOGIN" "$f")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		ok "get --json: '$f' matches the vault"
	else
		not_ok "get --json: '$f' matches the vault"
	fi
done
check "get --json: title and uid" \
    test "$(jq -r '.[0].title + "|" + .[0].uid' "$OUT")" = "Integration login|$LOGIN"

run_ks get --config "$CFG" "$LOGIN"
expect_ok "get (human)"
check "get prints title, type and uid first" \
    test "$(head -n 3 "$OUT" | tr '\n' '|')" = "title: Integration login|type: login|uid: $LOGIN|"
check "get prints the password field" \
    grep -qx "password: $(vault_value "$LOGIN" password)" "$OUT"
check "get prints a custom field with its label and type" \
    grep -qx "API key (secret): $(vault_value "$LOGIN" "API key")" "$OUT"

run_ks --config "$CFG" get --json "$FOLDER"
expect_ok "get of a record reached through a shared folder"
check "folder record: password matches the vault" \
    test "$(got_value "$FOLDER" password)" = "$(vault_value "$FOLDER" password)"
check "folder record: host object matches the vault" \
    test "$(jq -c '.[0].fields[] | select(.type == "host") | .value[0]' "$OUT")" = \
    "$(jq -c --arg u "$FOLDER" '.records[] | select(.uid == $u) | .data.fields[] | select(.type == "host") | .value[0]' "$VAULT")"

run_ks --config "$CFG" get --json -- "$DASH"
expect_ok "get -- UID that starts with '-'"
check "dash record: password matches the vault" \
    test "$(got_value "$DASH" password)" = "$(vault_value "$DASH" password)"

run_ks --config "$CFG" get "$DASH"
expect_fail "a UID starting with '-' without '--' is a usage error" 2 \
    "looks like a record UID.*get -- $DASH"

run_ks --config "$CFG" get --json "$LOGIN" "$FOLDER"
expect_ok "get of two records"
check "get of two records returns both, in order" \
    test "$(jq -r '[.[].uid] | join(" ")' "$OUT")" = "$LOGIN $FOLDER"

run_ks --config "$CFG" get "$LOGIN" --json
expect_fail "an option after the UIDs is a usage error" 2 "options go first"

run_ks --config "$CFG" get
expect_fail "get without a UID is a usage error" 2 "no record UID"

run_ks frobnicate
expect_fail "unknown command" 2 "unknown command 'frobnicate'"

run_ks get --bogus "$LOGIN"
expect_fail "unknown option" 2 "unknown option '--bogus'"

for v in "" init list get; do
	# shellcheck disable=SC2086
	run_ks $v --help
	if [ "$RC" -eq 0 ] && grep -q "^usage: keeper-secret $v" "$OUT"; then
		ok "keeper-secret $v --help"
	else
		not_ok "keeper-secret $v --help (exit $RC)"
	fi
done
run_ks --version
check "--version" grep -Eq '^keeper-secret \(keeper-c\) [0-9]' "$OUT"

# ---- libcrypto is loaded on the first cryptographic operation ----
# (core/crypto-load.c), not at start: the ld.so trace names every library
# loaded, libc always
for a in --version --help; do
	RC=0
	LD_DEBUG=libs timeout "$TIMEOUT" "$KS" $a >"$OUT" 2>"$TMP/lddebug" ||
	    RC=$?
	check "keeper-secret $a loads no libcrypto" sh -c "test $RC -eq 0 &&
	    grep -q 'libc\.so' '$TMP/lddebug' &&
	    ! grep -q libcrypto '$TMP/lddebug'"
done
RC=0
KSM_CACHE_TTL=0 LD_DEBUG=libs timeout "$TIMEOUT" "$KS" --config "$CFG" get \
    "$LOGIN" >"$OUT" 2>"$TMP/lddebug" || RC=$?
check "  ... while a get from Keeper loads it, and works" sh -c "test $RC -eq 0 &&
    grep -q 'calling init: .*libcrypto' '$TMP/lddebug' &&
    grep -qx 'uid: $LOGIN' '$OUT'"

# none of the client programs (nor libksm.so) is linked with libcrypto
if command -v readelf >/dev/null 2>&1; then
	for p in cli/keeper-secret plugins/git/git-credential-keeper \
	    plugins/aws/keeper-aws-credential-process keyring/keeper-keyring \
	    core/.libs/libksm.so.0; do
		f=$top_builddir/$p
		if [ ! -e "$f" ]; then
			ok "# SKIP $p was not built"
			continue
		fi
		readelf -d "$f" >"$TMP/dynamic" 2>&1
		check "$p: no DT_NEEDED libcrypto" sh -c "
		    grep -q 'NEEDED.*libc\.so' '$TMP/dynamic' &&
		    ! grep -q 'NEEDED.*libcrypto' '$TMP/dynamic'"
	done
else
	ok "# SKIP readelf not installed"
fi

check_no_secrets
done_testing
