#!/bin/bash
# The official KSM JavaScript SDK (@keeper-security/secrets-manager-core,
# pinned in tests/conformance/package-lock.json) as a second client of
# keeper-sandbox, compared with keeper-secret:
#   (a) each binds with its own token; both read every record; compared
#       field by field;
#   (b) keeper-secret reads with the config the JS SDK wrote;
#   (c) the JS SDK reads with the config keeper-secret wrote.
# tests/conformance/jssdk-client.mjs fails on any console output of the SDK
# (it skips undecryptable records with only a console.error), on thrown
# errors, and on responses whose shape differs from the real server's.
#
# The SDK is installed by tests/conformance/jssdk-install.sh (lib.sh's
# jssdk_install); the client script runs from the source tree with
# KSM_JSSDK naming that install.  Skipped only without node.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

VAULT=$top_srcdir/sandbox/demo-vault.json	# files, folders, legacy, '-' UID
APP=demo

jssdk_install	# sets KSM_JSSDK, CONF_SRC (skips without node)
JS=$CONF_SRC/jssdk-client.mjs

# run_js ARGS...: run the JS SDK client with a timeout; sets RC, OUT, ERR
# like run_ks.  Standard input is /dev/null unless the caller redirects it.
run_js() {
	run_prog node "$JS" "$@"
}

sb_start
sb_client_info		# HOST, SKEY, CA
JS_CFG=$TMP/jssdk-config.json
KS_CFG=$TMP/ksm-config.json

# ---- (a) two clients, two tokens, the same records ----

token=$(sb_token)
printf '%s\n' "$token" | run_js --config "$JS_CFG" --token - --host "$HOST" \
    --server-key "$SKEY" --ca-file "$CA"
expect_ok "JS SDK binds with a one-time token and reads every record"
cp "$OUT" "$TMP/js-a.json"
[ "$RC" -eq 0 ] || bail "the JS SDK could not bind; nothing to compare"

ks_init "$KS_CFG"
expect_ok "keeper-secret binds with another token"
[ "$RC" -eq 0 ] || bail "keeper-secret could not bind; nothing to compare"

run_ks --config "$KS_CFG" list --json
expect_ok "keeper-secret list --json"
jq -S 'map({uid, title, type}) | sort_by(.uid)' "$OUT" >"$TMP/ks-list.json"
jq -S 'to_entries | map({uid: .key, title: .value.title,
    type: (.value.type // "")}) | sort_by(.uid)' "$TMP/js-a.json" \
    >"$TMP/js-list.json"
same_json "same UIDs, titles and types: keeper-secret list vs JS SDK" \
    "$TMP/js-list.json" "$TMP/ks-list.json"
# keeper-secret get refuses legacy (V2) records; compare every typed one
jq '[.[] | select(.legacy | not) | .uid]' "$OUT" >"$TMP/typed-uids.json"
mapfile -t TYPED < <(jq -r '.[]' "$TMP/typed-uids.json")
n_legacy=$(jq '[.[] | select(.legacy)] | length' "$OUT")
[ "${#TYPED[@]}" -ge 5 ] || bail "only ${#TYPED[@]} typed records listed"

run_ks --config "$KS_CFG" get --json -- "${TYPED[@]}"
expect_ok "keeper-secret get --json of the ${#TYPED[@]} typed records"
ks_records "$OUT" >"$TMP/ks-a.json"
js_records "$TMP/js-a.json" "$TMP/typed-uids.json" >"$TMP/js-a-typed.json"
same_json "get --json equals the JS SDK's decrypted data, field by field (${#TYPED[@]} records; $n_legacy legacy not comparable)" \
    "$TMP/js-a-typed.json" "$TMP/ks-a.json"

# attachments: keeper-secret has no file command yet; names vs the vault
jq -S '[.records[] | select(.files) | {key: .uid, value: [.files[].name]}]
    | from_entries' "$VAULT" >"$TMP/vault-files.json"
jq -S 'with_entries(select(.value.files)) | map_values(.files)' \
    "$TMP/js-a.json" >"$TMP/js-files.json"
same_json "file names decrypted by the JS SDK equal the vault's" \
    "$TMP/vault-files.json" "$TMP/js-files.json"

# ---- (b) the JS SDK's config used by keeper-secret ----

KSM_CA_FILE=$CA run_ks --config "$JS_CFG" get --json -- "${TYPED[@]}"
expect_ok "keeper-secret get with the config the JS SDK wrote"
ks_records "$OUT" >"$TMP/ks-b.json"
same_json "get --json with the JS SDK's config equals the JS SDK's records" \
    "$TMP/js-a-typed.json" "$TMP/ks-b.json"

run_js --config "$JS_CFG" --ca-file "$CA"
expect_ok "JS SDK still reads with its config after keeper-secret used it"
cp "$OUT" "$TMP/js-b.json"
same_json "JS SDK reads the same records again (bound path)" \
    "$TMP/js-a.json" "$TMP/js-b.json"

# ---- (c) keeper-secret's config used by the JS SDK ----

# no --server-key: the server key must come from keeper-secret's config
run_js --config "$KS_CFG" --ca-file "$CA"
expect_ok "JS SDK getSecrets with the config keeper-secret wrote"
cp "$OUT" "$TMP/js-c.json"
same_json "JS SDK with keeper-secret's config reads the same records" \
    "$TMP/js-a.json" "$TMP/js-c.json"

run_ks --config "$KS_CFG" get --json -- "${TYPED[@]}"
expect_ok "keeper-secret still reads with its config after the JS SDK used it"

check_no_secrets
done_testing
