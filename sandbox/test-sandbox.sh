#!/bin/sh
# keeper-sandbox end to end: CLI, state, TLS, error bodies, and (when
# KSM_JSSDK names an installed @keeper-security/secrets-manager-core) the
# official JS SDK binding and reading the demo vault.  Prints TAP.
set -u

SB="${top_builddir:-.}/sandbox/keeper-sandbox"
SRC="${top_srcdir:-.}"
VAULT="$SRC/sandbox/demo-vault.json"
W=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-test.XXXXXX")
ST="$W/state"
PID=
n=0
fails=0

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

ok() {	# ok DESCRIPTION COMMAND...
	n=$((n + 1)); d=$1; shift
	if "$@" >"$W/out" 2>&1; then
		echo "ok $n - $d"
	else
		echo "not ok $n - $d"; sed 's/^/# /' "$W/out"; fails=$((fails + 1))
	fi
}
rc_is() {	# rc_is WANT COMMAND...
	want=$1; shift
	"$@" >/dev/null 2>&1; got=$?
	[ "$got" -eq "$want" ] || { echo "exit $got, want $want"; return 1; }
}
has() { grep -q -- "$1" "$2" || { echo "'$1' not in $2:"; cat "$2"; return 1; }; }

start() {	# start LISTEN [serve options]
	l=$1; shift
	rm -f "$ST/listen"
	"$SB" serve --state "$ST" --vault "$VAULT" --listen "$l" \
	    --log "$W/log" "$@" &
	PID=$!
	i=0
	while [ ! -s "$ST/listen" ] && [ $i -lt 200 ]; do
		kill -0 "$PID" 2>/dev/null || return 1
		sleep 0.05; i=$((i + 1))
	done
	[ -s "$ST/listen" ] && HOSTPORT=$(cat "$ST/listen")
}
stop() {
	kill -TERM "$PID" && wait "$PID"; rc=$?; PID=
	[ $rc -eq 0 ] && [ ! -e "$ST/listen" ]
}
post() {	# post ENDPOINT [curl args] -> body in $W/body, status in $W/status
	ep=$1; shift
	curl -sS --cacert "$ST/ca.pem" -o "$W/body" -w '%{http_code}' \
	    -X POST "$@" "https://$HOSTPORT/api/rest/sm/v1/$ep" >"$W/status"
}
status_is() { [ "$(cat "$W/status")" = "$1" ] || { echo "status $(cat "$W/status")"; cat "$W/body"; return 1; }; }

if [ ! -x "$SB" ]; then
	echo "1..0 # SKIP keeper-sandbox not built"; exit 0
fi

# ---- command line ----
ok "--help exits 0" "$SB" --help
ok "serve --help" "$SB" serve --help
ok "token --help" "$SB" token --help
ok "info --help" "$SB" info --help
ok "no command: usage error" rc_is 2 "$SB"
ok "unknown command: usage error" rc_is 2 "$SB" frobnicate
ok "serve without --listen: usage error" rc_is 2 "$SB" serve --state "$ST" --vault "$VAULT"
ok "bad --throttle-status: usage error" rc_is 2 "$SB" serve --state "$ST" --vault "$VAULT" --listen 127.0.0.1:0 --throttle-status 500
ok "bad --fault: usage error" rc_is 2 "$SB" serve --state "$ST" --vault "$VAULT" --listen 127.0.0.1:0 --fault nope
ok "unknown option: usage error" rc_is 2 "$SB" token --state "$ST" --app demo --bogus
printf '{"applications": [{"name": "x", "records": ["nope"]}]}' >"$W/bad.json"
ok "invalid vault refused" rc_is 1 "$SB" serve --state "$ST" --vault "$W/bad.json" --listen 127.0.0.1:0
printf '{"applications": [{"name": "x", "records": [], "readOnly": ["nope"]}]}' >"$W/bad.json"
ok "readOnly naming an unknown share refused" rc_is 1 "$SB" serve --state "$ST" --vault "$W/bad.json" --listen 127.0.0.1:0
ok "token for an app not in the vault refused" rc_is 1 "$SB" token --state "$ST" --app nosuch --vault "$VAULT"

# ---- state, listen, info ----
ok "serve starts on port 0" start 127.0.0.1:0
ok "listen file holds 127.0.0.1:PORT" sh -c "grep -Eqx '127\\.0\\.0\\.1:[0-9]+' '$ST/listen'"
ok "state directory is 0700" sh -c "[ \"\$(stat -c %a '$ST')\" = 700 ]"
ok "private keys are 0600" sh -c "for f in server-key.der owner-key.der master.key ca-key.pem tls-key.pem; do [ \"\$(stat -c %a '$ST'/\$f)\" = 600 ] || exit 1; done"
"$SB" info --state "$ST" --json >"$W/info" 2>&1
ok "info: hostname" has "\"hostname\":[[:space:]]*\"$HOSTPORT\"" "$W/info"
ok "info: serverPublicKeyId" has '"serverPublicKeyId":[[:space:]]*"101"' "$W/info"
ok "info: 87-char url-safe serverPublicKey" sh -c "grep -Eq '\"serverPublicKey\":[[:space:]]*\"B[A-Za-z0-9_-]{86}\"' '$W/info'"
ok "info: absolute caFile" has "\"caFile\":[[:space:]]*\"$ST/ca.pem\"" "$W/info"
"$SB" token --state "$ST" --app demo --vault "$VAULT" >"$W/t1" 2>&1
"$SB" token --state "$ST" --app demo >"$W/t2" 2>&1
ok "token is 43 url-safe characters" sh -c "grep -Eqx '[A-Za-z0-9_-]{43}' '$W/t1'"
ok "tokens differ" sh -c "! cmp -s '$W/t1' '$W/t2'"
ok "clients.json is 0600" sh -c "[ \"\$(stat -c %a '$ST/clients.json')\" = 600 ]"

# ---- TLS and error bodies ----
ok "TLS verifies for 127.0.0.1 with the CA" post get_secret
ok "TLS verifies for localhost with the CA" curl -sS --cacert "$ST/ca.pem" -o /dev/null -X POST "https://localhost:${HOSTPORT#*:}/api/rest/sm/v1/get_secret"
if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
	ok "TLS fails without the CA" rc_is 60 curl -sS --cacert /etc/ssl/certs/ca-certificates.crt -o /dev/null "https://$HOSTPORT/"
else
	n=$((n + 1)); echo "ok $n # SKIP no system CA bundle"
fi
post get_secret
ok "no PublicKeyId: 401" status_is 401
ok "no PublicKeyId: key error with key_id" has '"error":"key".*"key_id":101' "$W/body"
post get_secret -H 'PublicKeyId: 7' -H 'TransmissionKey: AAAA'
ok "foreign key id: key error" has '"error":"key"' "$W/body"
post get_secret -H 'PublicKeyId: 101' -H 'TransmissionKey: AAAA' --data-binary 'x'
ok "undecryptable transmission key: key error" has '"error":"key"' "$W/body"
post request_upload
ok "request_upload: 400" status_is 400
ok "request_upload: not supported" has '"message":"request_upload is not supported by keeper-sandbox"' "$W/body"
ok "error body has Keeper's fields" has '"path":"https://.*"additional_info":"","location":"default exception manager - api validation exception"' "$W/body"
curl -sS --cacert "$ST/ca.pem" -o "$W/body" -w '%{http_code}' "https://$HOSTPORT/files/AAAAAAAAAAAAAAAAAAAAAA?t=bad" >"$W/status"
ok "file with a bad token: 403" status_is 403
curl -sS --cacert "$ST/ca.pem" -o "$W/body" -w '%{http_code}' "https://$HOSTPORT/nothing" >"$W/status"
ok "unknown path: 404" status_is 404
post update_secret
ok "update_secret is an API endpoint: the key check comes first" has '"error":"key"' "$W/body"
ok "SIGTERM stops cleanly and removes listen" stop
ok "log has one line per request" has 'request_upload client=- status=400 error=bad_request' "$W/log"
ok "log holds no token" sh -c "! grep -qF \"\$(cat '$W/t1')\" '$W/log'"

# ---- the official JS SDK ----
# installed from the committed lockfile unless KSM_JSSDK names one already
if [ -z "${KSM_JSSDK:-}" ]; then
	KSM_JSSDK=$("$SRC/tests/conformance/jssdk-install.sh" \
	    "$SRC/tests/conformance" "${top_builddir:-.}/tests/conformance" \
	    2>"$W/npm.log")
	case $? in
	0) ;;
	2) KSM_JSSDK= ;;
	*) n=$((n + 1)); echo "not ok $n - JS SDK install"
	   sed 's/^/# /' "$W/npm.log"; fails=$((fails + 1)); KSM_JSSDK= ;;
	esac
fi
if [ -z "${KSM_JSSDK:-}" ] || ! command -v node >/dev/null 2>&1; then
	n=$((n + 1)); echo "ok $n # SKIP JS SDK conformance (no node: apt-get install nodejs npm)"
else
	js() { NODE_EXTRA_CA_CERTS="$ST/ca.pem" SB="$SB" KSM_JSSDK="$KSM_JSSDK" \
	    node "$SRC/sandbox/jssdk/conformance.js" "$@"; }
	ok "JS SDK: start" start 127.0.0.1:0
	T=$("$SB" token --state "$ST" --app demo)	# minted while serving
	port=$HOSTPORT
	ok "JS SDK binds and reads the demo vault" js bind "$ST" "$W/c1.json" "$T"
	ok "JS SDK reads again from its saved config" js bound "$ST" "$W/c1.json"
	ok "JS SDK: a used token is refused" js reuse "$ST" "$W/c2.json" "$T"
	ok "JS SDK: a bad signature is refused" js badsig "$ST" "$W/c1.json"
	ok "JS SDK: server stops cleanly" stop
	for f in "tamper --fault tamper" "version --fault version" "rotate --rotate-key" "throttle --throttle 3"; do
		set -- $f
		mode=$1; shift
		ok "JS SDK: $mode: start" start "$port" "$@"
		ok "JS SDK: $mode" js "$mode" "$ST" "$W/c1.json"
		ok "JS SDK: $mode: server stops cleanly" stop
	done
	# update_secret: a writable copy with the demo application editable
	# and one directly shared record read-only
	jq '(.applications[] | select(.name == "demo")) |= (.editable = true |
	    .readOnly = ["Wg0HFfTOJa69J9557saKPA"])' "$VAULT" >"$W/rw-vault.json"
	VAULT_RO=$VAULT
	VAULT=$W/rw-vault.json
	ok "JS SDK: update: start" start "$port"
	ok "JS SDK: updateSecret, a stale revision, a read-only share" js update "$ST" "$W/c1.json"
	ok "JS SDK: update: server stops cleanly" stop
	ok "update_secret rewrote the vault file" sh -c "jq -e '.records[] | select(.uid == \"ugx5tPRTMb6qaULWYa7H5A\") | select(.revision == 2) | .data.fields[] | select(.type == \"password\") | .value[0] == \"Updated-by-JS-1\"' '$W/rw-vault.json' >/dev/null"
	ok "the read-only record is unchanged" sh -c "jq -e '.records[] | select(.uid == \"Wg0HFfTOJa69J9557saKPA\") | .revision == null' '$W/rw-vault.json' >/dev/null"
	VAULT=$VAULT_RO
fi

echo "1..$n"
[ $fails -eq 0 ]
