#!/bin/bash
# keeper-agent under real OpenSSH: ssh-add lists the vault's keys,
# ssh-keygen -Y signs through it, a real sshd on 127.0.0.1 accepts logins
# with every key type, and another uid is refused.  Keys live only in
# tests/integration/agent-vault.json (made once with ssh-keygen).
. "$top_srcdir/tests/integration/lib.sh"

AGENT=$top_builddir/plugins/ssh-agent/keeper-agent
VAULT=$top_srcdir/tests/integration/agent-vault.json
APP=agent
CFG=$TMP/ksm-config.json
SOCK=$TMP/agent/agent.sock
AGENT_PID=
SSHD_PID=

[ -x "$AGENT" ] || bail "$AGENT was not built"
command -v ssh-add >/dev/null 2>&1 || skip_all "openssh-client not installed"

stop_all() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	cleanup
}
trap stop_all EXIT

sb_start
ks_init "$CFG"
[ "$RC" -eq 0 ] || bail "init failed: $(cat "$ERR")"

# the public keys of the vault, one file per record title
mkdir -p "$TMP/pub" "$TMP/agent"
chmod 700 "$TMP/agent"
jq -r '.records[] | select(.data.type == "sshKeys") | .uid' "$VAULT" |
    while read -r uid; do
	vault_value "$uid" keyPair | jq -r .publicKey >"$TMP/pub/$uid.pub"
done
ENC=$(jq -r '.records[] | select(.data.title == "agent encrypted") | .uid' "$VAULT")
ED=$(jq -r '.records[] | select(.data.title == "agent ed25519") | .uid' "$VAULT")
RSA=$(jq -r '.records[] | select(.data.title == "agent rsa") | .uid' "$VAULT")
EC=$(jq -r '.records[] | select(.data.title == "agent ecdsa") | .uid' "$VAULT")

# ---- start: the daemon prints the ssh-agent lines and forks ----
RC=0
timeout "$TIMEOUT" "$AGENT" -a "$SOCK" --config "$CFG" >"$OUT" 2>"$ERR" || RC=$?
cat "$ERR" >>"$ALL_ERR"
expect_ok "keeper-agent starts"
check "prints SSH_AUTH_SOCK for sh" \
    grep -qx "SSH_AUTH_SOCK=$SOCK; export SSH_AUTH_SOCK;" "$OUT"
AGENT_PID=$(sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' "$OUT")
check "prints SSH_AGENT_PID" kill -0 "${AGENT_PID:-0}"
check "socket is mode 0600" test "$(stat -c %a "$SOCK")" = 600
check "encrypted OpenSSH key refused with a clear line" \
    grep -q "record $ENC: passphrase-protected OpenSSH keys" "$ERR"
export SSH_AUTH_SOCK=$SOCK

# ---- ssh-add -l / -L ----
timeout "$TIMEOUT" ssh-add -l >"$TMP/l" 2>>"$ALL_ERR"
timeout "$TIMEOUT" ssh-add -L >"$TMP/L" 2>>"$ALL_ERR"
check "ssh-add -l lists five keys" test "$(wc -l <"$TMP/l")" -eq 5
n_fp=0
for f in "$TMP"/pub/*.pub; do
	[ "$(basename "$f" .pub)" = "$ENC" ] && continue
	fp=$(ssh-keygen -lf "$f" | awk '{print $2}')
	grep -qF " $fp " "$TMP/l" && n_fp=$((n_fp + 1))
done
check "every fingerprint equals ssh-keygen -lf of the vault's key" \
    test "$n_fp" -eq 5
check "comment is the record title" grep -q " agent rsa (RSA)$" "$TMP/l"
check "ssh-add -L shows the ed25519 public key" \
    grep -qF "$(cut -d' ' -f1,2 "$TMP/pub/$ED.pub")" "$TMP/L"

# ---- read-only agent: add/remove/lock refused, keys still served ----
check "ssh-add -D refused" sh -c '! ssh-add -D 2>/dev/null'
check "ssh-add -d (remove) refused" sh -c "! ssh-add -d '$TMP/pub/$ED.pub' 2>/dev/null"
check "still five keys after refused requests" \
    test "$(ssh-add -l | wc -l)" -eq 5

# ---- ssh-keygen -Y sign / verify through the agent ----
printf 'commit message\n' >"$TMP/msg"
for u in "$ED" "$RSA" "$EC"; do
	rm -f "$TMP/msg.sig"
	t=$(jq -r --arg u "$u" '.records[] | select(.uid == $u) | .data.title' "$VAULT")
	printf 'signer %s\n' "$(cut -d' ' -f1,2 "$TMP/pub/$u.pub")" >"$TMP/allowed"
	if timeout "$TIMEOUT" ssh-keygen -q -Y sign -n git -f "$TMP/pub/$u.pub" \
	    "$TMP/msg" 2>>"$ALL_ERR" &&
	    ssh-keygen -q -Y verify -f "$TMP/allowed" -I signer -n git \
	    -s "$TMP/msg.sig" <"$TMP/msg" >/dev/null 2>&1; then
		ok "ssh-keygen -Y sign via agent, -Y verify: $t"
	else
		not_ok "ssh-keygen -Y sign via agent, -Y verify: $t"
	fi
done
verify_other() {
	echo other | ssh-keygen -q -Y verify -f "$TMP/allowed" -I signer \
	    -n git -s "$TMP/msg.sig" >/dev/null 2>&1
}
check "a signature does not verify other data" eval '! verify_other'


# ---- sshd on 127.0.0.1 ----
if [ "$(id -u)" -ne 0 ] || [ ! -x /usr/sbin/sshd ]; then
	ok "# SKIP sshd logins and other-uid refusal need root and openssh-server"
else
	mkdir -p /run/sshd "$TMP/sshd"
	ssh-keygen -q -t ed25519 -N '' -f "$TMP/sshd/hostkey"
	cat "$TMP"/pub/*.pub >"$TMP/sshd/authorized"
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$TMP/sshd/config" <<EOC
Port $PORT
ListenAddress 127.0.0.1
HostKey $TMP/sshd/hostkey
AuthorizedKeysFile $TMP/sshd/authorized
PermitRootLogin yes
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAcceptedAlgorithms ssh-ed25519,rsa-sha2-256,rsa-sha2-512,ecdsa-sha2-nistp256
PidFile $TMP/sshd/sshd.pid
EOC
	/usr/sbin/sshd -D -f "$TMP/sshd/config" -E "$TMP/sshd/log" &
	SSHD_PID=$!
	for i in $(seq 100); do
		grep -q "Server listening" "$TMP/sshd/log" 2>/dev/null && break
		sleep 0.1
	done
	login() {	# login PUBFILE [ssh options...]
		local pub=$1
		shift
		timeout "$TIMEOUT" ssh -o IdentityAgent="$SOCK" \
		    -o IdentitiesOnly=yes -o IdentityFile="$pub" \
		    -o BatchMode=yes -o StrictHostKeyChecking=no \
		    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		    -p "$PORT" "$@" root@127.0.0.1 echo logged-in 2>>"$ALL_ERR"
	}
	check "ssh login with ed25519 from Keeper" \
	    test "$(login "$TMP/pub/$ED.pub")" = logged-in
	check "ssh login with ecdsa P-256 from Keeper" \
	    test "$(login "$TMP/pub/$EC.pub")" = logged-in
	for alg in rsa-sha2-256 rsa-sha2-512; do
		check "ssh login with rsa as $alg" test "$(login "$TMP/pub/$RSA.pub" \
		    -o PubkeyAcceptedAlgorithms=$alg)" = logged-in
	done
	check "sshd refuses a key not in the agent" \
	    test "$(login "$TMP/pub/$ENC.pub")" != logged-in

	# another uid: the agent closes the connection
	chmod 711 "$TMP" "$TMP/agent"
	chmod 666 "$SOCK"
	if command -v setpriv >/dev/null 2>&1; then
		RC=0
		SSH_AUTH_SOCK=$SOCK setpriv --reuid=nobody --regid=nogroup \
		    --clear-groups ssh-add -l >/dev/null 2>&1 || RC=$?
		# 1 or 141 (SIGPIPE): connected, then dropped by the agent;
		# 2 would mean it could not even connect
		check "a client running as nobody is refused (ssh-add exit $RC)" \
		    test "$RC" -eq 1 -o "$RC" -eq 141
		check "root still served after the refusal" \
		    test "$(ssh-add -l | wc -l)" -eq 5
	fi
	chmod 600 "$SOCK"
	chmod 700 "$TMP/agent"
fi

# ---- SIGHUP refresh with Keeper gone keeps the keys; SIGTERM cleans up ----
sb_stop
kill -HUP "$AGENT_PID"
check "Keeper unreachable after SIGHUP: keys still served" \
    test "$(ssh-add -l | wc -l)" -eq 5
kill -TERM "$AGENT_PID"
for i in $(seq 100); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM: agent exits" sh -c "! kill -0 $AGENT_PID 2>/dev/null"
check "SIGTERM: socket removed" test ! -e "$SOCK"
AGENT_PID=

check_no_secrets
done_testing
