#!/bin/bash
# keeper-aws-credential-process under the real AWS CLI v2 (Debian awscli),
# offline: `aws configure export-credentials` runs the whole credential
# chain, our helper talks to keeper-sandbox on 127.0.0.1.
. "$top_srcdir/tests/integration/lib.sh"

AWS=/usr/bin/aws	# not the PATH one: pip's v1 lacks export-credentials
HELPER=$top_builddir/plugins/aws/keeper-aws-credential-process
VAULT=$top_srcdir/tests/integration/aws-vault.json
APP=aws

KEYS=AwsKeysRecord000000001	# custom "Access Key ID"/"Secret Access Key"
LOGIN=AwsLoginRecord00000002	# login/password only
TOKEN=AwsTokenRecord00000003	# aws_* labels + "Session Token"
UNSHARED=AwsUnsharedRecord00005	# shared with another application

[ -x "$HELPER" ] || bail "$HELPER was not built"
[ -x "$AWS" ] || skip_all "AWS CLI v2 not installed (apt-get install awscli)"
"$AWS" --version 2>&1 | grep -q '^aws-cli/2' ||
    skip_all "$AWS is not AWS CLI v2"

# Nothing from the caller's environment may pick the credentials.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID \
    AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION \
    KSM_CONFIG KSM_CONFIG_FILE KSM_HOSTNAME KSM_CA_FILE XDG_CONFIG_HOME
export HOME=$TMP/home
export AWS_CONFIG_FILE=$TMP/aws-config
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=
mkdir -p "$HOME"
CFG=$TMP/ksm-config.json

# profile NAME ARGS...: a [profile NAME] whose credential_process runs
# the helper with ARGS (quoted for the CLI's shell-style split).
profile() {
	local name=$1 arg line=$HELPER
	shift
	for arg in "$@"; do
		line="$line \"$arg\""
	done
	printf '[profile %s]\ncredential_process = %s\nregion = us-east-1\n\n' \
	    "$name" "$line" >>"$AWS_CONFIG_FILE"
}

# run_aws PROFILE: export-credentials in the "process" format; RC OUT ERR.
run_aws() {
	RC=0
	timeout "$TIMEOUT" "$AWS" configure export-credentials \
	    --profile "$1" --format process >"$OUT" 2>"$ERR" || RC=$?
	cat "$ERR" >>"$ALL_ERR"
}

# run_helper ARGS...: the helper alone, as the CLI would run it.
run_helper() {
	run_prog "$HELPER" "$@"
}

# got KEY: that member of the JSON in $OUT ("" when absent)
got() {
	jq -r --arg k "$1" '.[$k] // ""' "$OUT" 2>/dev/null
}

# expect_creds DESC KEY SECRET [TOKEN]: the CLI exported exactly these
expect_creds() {
	local desc=$1 key=$2 secret=$3 token=${4:-}
	if [ "$RC" -eq 0 ] && [ "$(got AccessKeyId)" = "$key" ] &&
	    [ "$(got SecretAccessKey)" = "$secret" ] &&
	    [ "$(got SessionToken)" = "$token" ] &&
	    [ "$(jq -r .Version "$OUT")" = 1 ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $RC)"
		diag "stderr:" "$(cat "$ERR")"
	fi
}

# expect_cli_fail DESC REGEX: the CLI failed (253) and shows our message
expect_cli_fail() {
	local desc=$1 re=$2
	if [ "$RC" -eq 253 ] &&
	    grep -q 'keeper-aws-credential-process: ' "$ERR" &&
	    grep -Eq -- "$re" "$ERR" && [ ! -s "$OUT" ]; then
		ok "$desc: the AWS CLI shows our message"
	else
		not_ok "$desc: want CLI exit 253 and /$re/, got exit $RC"
		diag "stderr:" "$(cat "$ERR")"
	fi
}

# expect_helper_fail DESC STATUS REGEX: the helper alone exited with
# STATUS, stdout empty, first stderr line ours and matching REGEX
expect_helper_fail() {
	local desc=$1 want=$2 re=$3
	if [ "$RC" -eq "$want" ] && [ ! -s "$OUT" ] &&
	    head -n 1 "$ERR" | grep -Eq -- "^keeper-aws-credential-process: .*$re"; then
		ok "$desc: exit $want, nothing on stdout"
	else
		not_ok "$desc: want exit $want, empty stdout, /$re/; got exit $RC"
		diag "stdout:" "$(cat "$OUT")" "stderr:" "$(cat "$ERR")"
	fi
}

# fail_both NAME DESC CLI_REGEX STATUS REGEX ARGS...: profile NAME with
# ARGS fails through the AWS CLI (expect_cli_fail DESC CLI_REGEX), and the
# helper alone with ARGS too (expect_helper_fail DESC STATUS REGEX)
fail_both() {
	local name=$1 desc=$2 cli_re=$3 want=$4 re=$5
	shift 5
	profile "$name" "$@"
	run_aws "$name"
	expect_cli_fail "$desc" "$cli_re"
	run_helper "$@"
	expect_helper_fail "$desc" "$want" "$re"
}

sb_start
ks_init "$CFG"
expect_ok "bind a config for application '$APP'"
[ "$RC" -eq 0 ] || bail "cannot bind: $(cat "$ERR")"

KEY1=$(vault_value "$KEYS" "Access Key ID")
SECRET1=$(vault_value "$KEYS" "Secret Access Key")

# ---- success through the real CLI ----

profile rec --config "$CFG" --record "AWS Prod"
run_aws rec
expect_creds "--record TITLE: custom fields 'Access Key ID'/'Secret Access Key'" \
    "$KEY1" "$SECRET1"
check "the secret really has quotes, a backslash and non-ASCII" \
    grep -q '["\\].*é' <<<"$SECRET1"
check "no Expiration without --expiration" test -z "$(got Expiration)"

profile uid --config "$CFG" --uid "$KEYS"
run_aws uid
expect_creds "--uid UID (Keeper's Go tool)" "$KEY1" "$SECRET1"

profile gouid --config "$CFG" -uid "$KEYS"
run_aws gouid
expect_creds "-uid UID (Go flag spelling)" "$KEY1" "$SECRET1"

profile recnot --config "$CFG" \
    --record "keeper://AWS Prod/custom_field/Access Key ID"
run_aws recnot
expect_creds "--record keeper://TITLE/custom_field/...: the record part" \
    "$KEY1" "$SECRET1"

profile login --config "$CFG" --record "$LOGIN"
run_aws login
expect_creds "--record UID: login/password as the last convention" \
    "$(vault_value "$LOGIN" login)" "$(vault_value "$LOGIN" password)"

profile explicit --config "$CFG" \
    --access-key-id "keeper://AWS login style/field/login" \
    --secret-access-key "keeper://$KEYS/custom_field/Secret Access Key"
run_aws explicit
expect_creds "explicit notations, one by title and one by UID" \
    "$(vault_value "$LOGIN" login)" "$SECRET1"

profile explicit-token --config "$CFG" \
    --access-key-id "keeper://$TOKEN/custom_field/aws_access_key_id" \
    --secret-access-key "keeper://$TOKEN/custom_field/aws_secret_access_key" \
    --session-token "keeper://$TOKEN/custom_field/Session Token"
run_aws explicit-token
expect_creds "explicit notations with --session-token" \
    "$(vault_value "$TOKEN" aws_access_key_id)" \
    "$(vault_value "$TOKEN" aws_secret_access_key)" \
    "$(vault_value "$TOKEN" "Session Token")"

profile token --config "$CFG" --record "$TOKEN" --expiration 3600
before=$(date +%s)
run_aws token
after=$(date +%s)
expect_creds "aws_* labels and a Session Token, with --expiration" \
    "$(vault_value "$TOKEN" aws_access_key_id)" \
    "$(vault_value "$TOKEN" aws_secret_access_key)" \
    "$(vault_value "$TOKEN" "Session Token")"
exp=$(got Expiration)
exp_s=$(date -u -d "$exp" +%s 2>/dev/null || echo 0)
if [[ $exp =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2} ]] &&
    [ "$exp_s" -ge $((before + 3600)) ] && [ "$exp_s" -le $((after + 3600)) ]; then
	ok "Expiration is RFC 3339 and 3600 s after the call ($exp)"
else
	not_ok "Expiration 3600 s ahead: got '$exp' ($before..$after)"
fi

RC=0
timeout "$TIMEOUT" "$AWS" configure export-credentials --profile token \
    --format env >"$OUT" 2>"$ERR" || RC=$?
check "--format env exports the session token" \
    grep -qx "export AWS_SESSION_TOKEN=$(vault_value "$TOKEN" "Session Token")" "$OUT"

# ---- keeper-secret profiles: --profile NAME, KSM_PROFILE ----

cp "$CFG" "$TMP/cfg-copy.json"
run_ks profile import awsprof <"$TMP/cfg-copy.json"
expect_ok "the config imported as keeper-secret profile 'awsprof'"
profile byprofile --profile awsprof --record "AWS Prod"
run_aws byprofile
expect_creds "--profile NAME in credential_process" "$KEY1" "$SECRET1"
KSM_PROFILE=awsprof run_helper --record "AWS Prod"
expect_ok "KSM_PROFILE=awsprof, no --config"
run_helper --profile nope --record "AWS Prod"
expect_helper_fail "--profile of a profile that does not exist" 26 \
    "there is no Keeper profile 'nope'"
run_helper --profile awsprof --config "$CFG" --record "AWS Prod"
expect_helper_fail "--profile with --config" 2 "give one"

# ---- the cross-invocation cache: one request for a burst of commands ----

run_ks --config "$CFG" cache clear
expect_ok "keeper-secret cache clear: nothing cached to begin with"
n0=$(grep -c ' get_secret ' "$TMP/sandbox.log")
for i in 1 2 3; do
	KSM_CACHE_TTL=600 run_aws rec
done
expect_creds "three CLI commands in a row (KSM_CACHE_TTL=600)" "$KEY1" "$SECRET1"
n1=$(grep -c ' get_secret ' "$TMP/sandbox.log")
check "they made one request to Keeper between them ($((n1 - n0)))" \
    test $((n1 - n0)) -eq 1

# ---- what the helper itself prints ----

run_helper --config "$CFG" --record "AWS Prod" --expiration 900
expect_ok "helper alone"
check "helper stdout is exactly one line of JSON" \
    test "$(wc -l <"$OUT")" = 1 -a "$(jq -c . "$OUT" | wc -l)" = 1
check "helper stdout has Version 1 as a number" \
    test "$(jq -r '.Version | type' "$OUT")" = number
check "helper stderr is empty on success" test ! -s "$ERR"

# ---- config locations ----

mkdir -p "$HOME/.config/keeper"
cp "$CFG" "$HOME/.config/keeper/ksm-config.json"
printf 'not a config\n' >"$HOME/.config/keeper/aws-credential-process.json"
chmod 600 "$HOME/.config/keeper/"*
profile shared --record "AWS Prod"
run_aws shared
expect_creds "no --config: the shared ~/.config/keeper/ksm-config.json wins" \
    "$KEY1" "$SECRET1"

rm "$HOME/.config/keeper/ksm-config.json"
cp "$CFG" "$HOME/.config/keeper/aws-credential-process.json"
chmod 600 "$HOME/.config/keeper/aws-credential-process.json"
run_aws shared
expect_creds "only Keeper's ~/.config/keeper/aws-credential-process.json: used" \
    "$KEY1" "$SECRET1"
rm "$HOME/.config/keeper/aws-credential-process.json"

# ---- failures through the real CLI, and the helper alone ----

fail_both unshared "record of another application" "not shared" \
    19 "'$UNSHARED' is not shared" --config "$CFG" --record "$UNSHARED"
expect_hint "share the record"

fail_both nosecret "record without a secret" "no AWS secret access key" \
    14 "no AWS secret access key" --config "$CFG" --record "AWS half"
expect_hint "Secret Access Key"

fail_both nofield "explicit notation naming a missing field" \
    "no custom field 'Secret Access Key'" 14 "no custom field" \
    --config "$CFG" --access-key-id "keeper://$LOGIN/field/login" \
    --secret-access-key "keeper://$LOGIN/custom_field/Secret Access Key"

fail_both twin "a title shared by two records" \
    "2 records are titled 'AWS twin'" 15 "titled 'AWS twin'" \
    --config "$CFG" --record "AWS twin"

profile notitle --config "$CFG" --record "No such title"
run_helper --config "$CFG" --record "No such title"
expect_helper_fail "unknown title" 14 "no record titled 'No such title'"

fail_both short "--expiration under 15 minutes" "at least|from 900" 2 "900" \
    --config "$CFG" --record "AWS Prod" --expiration 600

run_helper --config "$TMP/missing.json" --record "AWS Prod"
expect_helper_fail "missing config file" 26 "configuration|config"

# Keeper throttles: one call passes, the next is refused at once.  A
# restarted sandbox has a new port: KSM_HOSTNAME overrides the config's.
# The transport, not the cache (which would answer the second call).
export KSM_CACHE_TTL=0
sb_start --throttle 1 --throttle-pause 3600
export KSM_HOSTNAME=$SB_ADDR
profile throttled --config "$CFG" --record "$KEYS" --max-throttle-wait 0
run_aws throttled
expect_creds "first call under --throttle 1 passes" "$KEY1" "$SECRET1"
run_aws throttled
expect_cli_fail "throttled by Keeper" "throttl"
run_helper --config "$CFG" --record "$KEYS" --max-throttle-wait 0
expect_helper_fail "throttled by Keeper" 20 "throttl"
unset KSM_CACHE_TTL

# A response that fails authentication is never turned into keys.
sb_start --fault tamper
export KSM_HOSTNAME=$SB_ADDR
run_helper --config "$CFG" --record "$KEYS"
if [ "$RC" -eq 25 ] || [ "$RC" -eq 33 ]; then
	expect_helper_fail "tampered response" "$RC" ""
else
	not_ok "tampered response: want exit 25 or 33, got $RC"
	diag "stderr:" "$(cat "$ERR")"
fi

sb_stop
run_aws rec
expect_cli_fail "sandbox down" "keeper-aws-credential-process"
run_helper --config "$CFG" --record "AWS Prod"
expect_helper_fail "sandbox down" 23 ""

# ---- keeper-agent answers the helper under the CLI; killed, Keeper ----
# The disk cache is off: an answer the sandbox did not see came from the
# agent.  --refresh 3600: no background fetch of its own meanwhile.
export KSM_CACHE_TTL=0
sb_start
export KSM_HOSTNAME=$SB_ADDR
ks_agent_start "$CFG" --refresh 3600
run_helper --config "$CFG" --record "AWS Prod"	# the agent's first fetch
expect_creds "keeper-agent running: the helper answers" "$KEY1" "$SECRET1"
check "... through the agent (its audit trail)" \
    test "$(ks_agent_answers keeper-aws-credential-process)" -eq 1
calls=$(sb_calls get_secret)
run_aws rec
expect_creds "the AWS CLI with the agent answering" "$KEY1" "$SECRET1"
check "... the agent's audit trail gained an answer for the helper" \
    test "$(ks_agent_answers keeper-aws-credential-process)" -eq 2
check "... and the sandbox saw no get_secret ($calls before, $(sb_calls get_secret) after)" \
    test "$(sb_calls get_secret)" -eq "$calls"

ks_agent_kill
calls=$(sb_calls get_secret)
run_aws rec
expect_creds "agent killed: the AWS CLI still gets the keys" "$KEY1" "$SECRET1"
check "... the helper asked Keeper itself" test "$(sb_calls get_secret)" -gt "$calls"
ks_agent_stop
unset KSM_CACHE_TTL

check_no_secrets
done_testing
