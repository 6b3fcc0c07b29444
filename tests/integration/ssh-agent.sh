#!/bin/bash
# keeper-agent under real OpenSSH: ssh-add lists the vault's keys,
# ssh-keygen -Y and git commit -S sign through it, a real sshd on 127.0.0.1
# accepts logins with every key type, the session-bind host restriction
# hides a key meant for another host, another uid is refused, SIGHUP and
# --refresh reload from Keeper and an unreachable Keeper keeps the keys.
# Keys live only in tests/integration/agent-vault.json (made once with
# ssh-keygen).
. "$top_srcdir/tests/integration/lib.sh"

AGENT=$top_builddir/plugins/ssh-agent/keeper-agent
VAULT=$top_srcdir/tests/integration/agent-vault.json
APP=agent
CFG=$TMP/ksm-config.json
SOCK=$TMP/agent/agent.sock
KNOWN=$TMP/known_hosts
AGENT_PID=
AGENT2_PID=
SSHD_PID=
HOLD_PID=
NKEYS=9

[ -x "$AGENT" ] || bail "$AGENT was not built"
command -v ssh-add >/dev/null 2>&1 || skip_all "openssh-client not installed"

stop_all() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	[ -n "$AGENT2_PID" ] && kill "$AGENT2_PID" 2>/dev/null
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	[ -n "${HOLD_PID:-}" ] && kill "$HOLD_PID" 2>/dev/null
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
P384=$(jq -r '.records[] | select(.data.title == "agent p384 pkcs8") | .uid' "$VAULT")
P521=$(jq -r '.records[] | select(.data.title == "agent p521") | .uid' "$VAULT")
RSAENC=$(jq -r '.records[] | select(.data.title == "agent rsa pkcs8 encrypted") | .uid' "$VAULT")
RESTR=$(jq -r '.records[] | select(.data.title == "agent restricted") | .uid' "$VAULT")
RSAOENC=$(jq -r '.records[] | select(.data.title == "agent rsa openssh encrypted") | .uid' "$VAULT")
: >"$KNOWN"

# ---- start: the daemon prints the ssh-agent lines and forks ----
# It is also the resident session: its secrets socket answers libksm
# clients (keeper-secret below), KSM_AGENT_SOCK set only for those.
SECRETS=$TMP/agent/keeper/agent.sock
RC=0
timeout "$TIMEOUT" "$AGENT" -a "$SOCK" --config "$CFG" --known-hosts "$KNOWN" \
    --secrets-socket "$SECRETS" --log "$KS_AGENT_LOG" \
    >"$OUT" 2>"$ERR" || RC=$?
cat "$ERR" >>"$ALL_ERR"
expect_ok "keeper-agent starts"
check "prints SSH_AUTH_SOCK for sh" \
    grep -qx "SSH_AUTH_SOCK=$SOCK; export SSH_AUTH_SOCK;" "$OUT"
check "prints KSM_AGENT_SOCK for sh" \
    grep -qx "KSM_AGENT_SOCK=$SECRETS; export KSM_AGENT_SOCK;" "$OUT"
AGENT_PID=$(sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' "$OUT")
check "prints SSH_AGENT_PID" kill -0 "${AGENT_PID:-0}"
check "socket is mode 0600" test "$(stat -c %a "$SOCK")" = 600
check "secrets socket is mode 0600 in a 0700 directory" \
    test "$(stat -c %a "$SECRETS" "$(dirname "$SECRETS")" | tr '\n' ' ')" = "600 700 "
check "every key loads, passphrase-protected OpenSSH ones included" \
    sh -c "! grep -q 'record ' '$ERR'"
export SSH_AUTH_SOCK=$SOCK

# ks_via_agent DESC: keeper-secret --verbose get of the ed25519 record
# through the secrets socket (the disk cache off), answered by the agent
ks_via_agent() {
	KSM_AGENT_SOCK=$SECRETS KSM_CACHE_TTL=0 run_ks --verbose --config "$CFG" \
	    get --json "$ED"
	if [ "$RC" -eq 0 ] && grep -q 'get_secret answer from keeper-agent' "$ERR" &&
	    [ "$(jq -r '.[0].title' "$OUT" 2>/dev/null)" = "agent ed25519" ]; then
		ok "$1"
	else
		not_ok "$1 (exit $RC)"
		diag "stderr:" "$(cat "$ERR")"
	fi
}
ks_via_agent "keeper-secret get: the agent answers on its secrets socket"
check "... and its audit trail names keeper-secret" \
    test "$(ks_agent_answers keeper-secret)" -eq 1

# ---- ssh-add -l / -L ----
timeout "$TIMEOUT" ssh-add -l >"$TMP/l" 2>>"$ALL_ERR"
timeout "$TIMEOUT" ssh-add -L >"$TMP/L" 2>>"$ALL_ERR"
check "ssh-add -l lists $NKEYS keys" test "$(wc -l <"$TMP/l")" -eq "$NKEYS"
n_fp=0
n_L=0
for f in "$TMP"/pub/*.pub; do
	u=$(basename "$f" .pub)
	t=$(jq -r --arg u "$u" '.records[] | select(.uid == $u) | .data.title' "$VAULT")
	fp=$(ssh-keygen -lf "$f" | awk '{print $2}')
	# "BITS SHA256:... title (TYPE)": fingerprint and comment together
	grep -qF " $fp $t (" "$TMP/l" && n_fp=$((n_fp + 1))
	grep -qxF "$(cut -d' ' -f1,2 "$f") $t" "$TMP/L" && n_L=$((n_L + 1))
done
check "ssh-add -l: every fingerprint (ssh-keygen -lf of the vault's key) with its record title" \
    test "$n_fp" -eq "$NKEYS"
check "ssh-add -L: every public key with its record title" \
    test "$n_L" -eq "$NKEYS"
check "ssh-add -l names the types" \
    grep -q " agent p521 (ECDSA)$" "$TMP/l"

# ---- read-only agent: add/remove/lock refused, keys still served ----
check "ssh-add -D refused" sh -c '! ssh-add -D 2>/dev/null'
check "ssh-add -d (remove) refused" sh -c "! ssh-add -d '$TMP/pub/$ED.pub' 2>/dev/null"
check "still $NKEYS keys after refused requests" \
    test "$(ssh-add -l | wc -l)" -eq "$NKEYS"

# ---- ssh-keygen -Y sign / verify through the agent ----
# twice per key: the first signature parses the key, the second uses the
# parsed key the agent kept
printf 'commit message\n' >"$TMP/msg"
for u in "$ED" "$RSA" "$EC" "$P384" "$P521" "$RSAENC" "$ENC" "$RSAOENC"; do
	t=$(jq -r --arg u "$u" '.records[] | select(.uid == $u) | .data.title' "$VAULT")
	printf 'signer %s\n' "$(cut -d' ' -f1,2 "$TMP/pub/$u.pub")" >"$TMP/allowed"
	for again in "" ", again (kept key)"; do
		rm -f "$TMP/msg.sig"
		if timeout "$TIMEOUT" ssh-keygen -q -Y sign -n git \
		    -f "$TMP/pub/$u.pub" "$TMP/msg" 2>>"$ALL_ERR" &&
		    ssh-keygen -q -Y verify -f "$TMP/allowed" -I signer -n git \
		    -s "$TMP/msg.sig" <"$TMP/msg" >/dev/null 2>&1; then
			ok "ssh-keygen -Y sign via agent, -Y verify: $t$again"
		else
			not_ok "ssh-keygen -Y sign via agent, -Y verify: $t$again"
		fi
	done
done
verify_other() {
	echo other | ssh-keygen -q -Y verify -f "$TMP/allowed" -I signer \
	    -n git -s "$TMP/msg.sig" >/dev/null 2>&1
}
check "a signature does not verify other data" eval '! verify_other'
check "the RSA SSHSIG is rsa-sha2-512, never ssh-rsa (SHA-1)" sh -c \
    "ssh-keygen -q -Y sign -n git -f '$TMP/pub/$RSA.pub' <'$TMP/msg' |
    sed '1d;\$d' | base64 -d | grep -qa rsa-sha2-512"

# ---- git commit -S with gpg.format=ssh, verified by git verify-commit ----
if command -v git >/dev/null 2>&1; then
	G=$TMP/repo
	git init -q "$G"
	printf 'signer@example.com %s\n' "$(cut -d' ' -f1,2 "$TMP/pub/$ED.pub")" \
	    >"$TMP/allowed_signers"
	echo a >"$G/a"
	git -C "$G" add a
	check "git commit -S signs through the agent" \
	    timeout "$TIMEOUT" git -C "$G" -c user.name=Signer \
	    -c user.email=signer@example.com -c gpg.format=ssh \
	    -c user.signingKey="$TMP/pub/$ED.pub" commit -q -S -m signed
	check "git verify-commit: good signature" sh -c \
	    "git -C '$G' -c gpg.format=ssh -c gpg.ssh.allowedSignersFile='$TMP/allowed_signers' verify-commit HEAD >/dev/null 2>&1"
	check "git log shows the signer" sh -c \
	    "git -C '$G' -c gpg.format=ssh -c gpg.ssh.allowedSignersFile='$TMP/allowed_signers' log --format=%G? -1 | grep -qx G"
	printf 'signer@example.com %s\n' "$(cut -d' ' -f1,2 "$TMP/pub/$EC.pub")" \
	    >"$TMP/allowed_signers"
	check "git verify-commit fails when another key is the allowed signer" \
	    sh -c "! git -C '$G' -c gpg.format=ssh -c gpg.ssh.allowedSignersFile='$TMP/allowed_signers' verify-commit HEAD 2>/dev/null"
else
	ok "# SKIP git commit -S: git not installed"
fi


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
PubkeyAcceptedAlgorithms ssh-ed25519,rsa-sha2-256,rsa-sha2-512,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521
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
		timeout "$TIMEOUT" ssh -F /dev/null -o IdentityAgent="$SOCK" \
		    -o IdentitiesOnly=yes -o IdentityFile="$pub" \
		    -o BatchMode=yes -o StrictHostKeyChecking=no \
		    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		    -p "$PORT" "$@" root@127.0.0.1 echo logged-in 2>>"$ALL_ERR"
	}
	check "host-restricted key (record host 127.0.0.1) not offered while known_hosts lacks this sshd" \
	    test "$(login "$TMP/pub/$ED.pub")" != logged-in
	printf '127.0.0.1 %s\n' "$(cut -d' ' -f1,2 "$TMP/sshd/hostkey.pub")" >"$KNOWN"
	check "ssh login with ed25519 from Keeper, once known_hosts knows the host" \
	    test "$(login "$TMP/pub/$ED.pub")" = logged-in
	check "ssh login with ecdsa P-256 from Keeper" \
	    test "$(login "$TMP/pub/$EC.pub")" = logged-in
	check "ssh login with ecdsa P-384 (PKCS#8) from Keeper" \
	    test "$(login "$TMP/pub/$P384.pub")" = logged-in
	check "ssh login with ecdsa P-521 from Keeper" \
	    test "$(login "$TMP/pub/$P521.pub")" = logged-in
	for alg in rsa-sha2-256 rsa-sha2-512; do
		check "ssh login with rsa as $alg" test "$(login "$TMP/pub/$RSA.pub" \
		    -o PubkeyAcceptedAlgorithms=$alg)" = logged-in
		check "sshd logged $alg" grep -q "Accepted publickey for root .* RSA SHA256" "$TMP/sshd/log"
	done
	check "ssh login with a passphrase-protected PKCS#8 RSA key" \
	    test "$(login "$TMP/pub/$RSAENC.pub")" = logged-in
	check "ssh login with a passphrase-protected OpenSSH Ed25519 key" \
	    test "$(login "$TMP/pub/$ENC.pub")" = logged-in
	check "ssh login with a passphrase-protected OpenSSH RSA key" \
	    test "$(login "$TMP/pub/$RSAOENC.pub")" = logged-in

	# session-bind host restriction: the ed25519 record's host is
	# 127.0.0.1, the restricted one's git.example.com; known_hosts knows
	# this sshd as 127.0.0.1
	check "key restricted to git.example.com: no login on 127.0.0.1" \
	    test "$(login "$TMP/pub/$RESTR.pub")" != logged-in
	timeout "$TIMEOUT" ssh -F /dev/null -v -o IdentityAgent="$SOCK" -o BatchMode=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -p "$PORT" root@127.0.0.1 true >/dev/null 2>"$TMP/ssh-v" || true
	check "ssh sees the agent's other keys" \
	    grep -q "Will attempt key: agent ed25519 " "$TMP/ssh-v"
	check "ssh is not offered the restricted key" \
	    sh -c "! grep -q 'Will attempt key: agent restricted ' '$TMP/ssh-v'"
	check "unbound (ssh-add -l) still lists the restricted key" \
	    grep -q " agent restricted (ED25519)$" "$TMP/l"
	printf 'git.example.com,127.0.0.1 %s\n' \
	    "$(cut -d' ' -f1,2 "$TMP/sshd/hostkey.pub")" >"$KNOWN"
	check "once known_hosts names this host git.example.com, it logs in" \
	    test "$(login "$TMP/pub/$RESTR.pub")" = logged-in

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
		    test "$(ssh-add -l | wc -l)" -eq "$NKEYS"
	else
		ok "# SKIP other-uid refusal: setpriv (util-linux) not installed"
	fi
	chmod 600 "$SOCK"
	chmod 700 "$TMP/agent"
fi

# ---- a flood of idle connections keeps no real client out ----
# One python3 process opens FLOOD connections to the SSH socket and as many
# to the secrets socket, says nothing on any, prints how many it holds and
# waits; the agent evicts the longest idle to admit each new one.  Every
# connection it made is queued before ssh-add connects, so ssh-add is served
# only once the agent has taken them all.
FLOOD=300
cat >"$TMP/hold.py" <<'EOF_PY'
import resource, signal, socket, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
if soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
held = []
for path in sys.argv[2:]:
    for _ in range(int(sys.argv[1])):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        held.append(s)
print(len(held), flush=True)
signal.pause()
EOF_PY
coproc HOLD { exec timeout $((4 * TIMEOUT)) python3 "$TMP/hold.py" \
    "$FLOOD" "$SOCK" "$SECRETS" 2>>"$ALL_ERR"; }
held=0
read -r -t "$TIMEOUT" held <&"${HOLD[0]}" || held=0
check "flood: $FLOOD idle connections held open to each socket ($held)" \
    test "$held" -eq $((2 * FLOOD))
check "flood: ssh-add -l still lists the $NKEYS keys" \
    test "$(timeout "$TIMEOUT" ssh-add -l 2>>"$ALL_ERR" | wc -l)" -eq "$NKEYS"
ks_via_agent "flood: keeper-secret get still answered by the agent"
if [ -n "$SSHD_PID" ]; then
	check "flood: ssh login through the agent" \
	    test "$(login "$TMP/pub/$ED.pub")" = logged-in
fi
check "flood: the agent is alive" kill -0 "$AGENT_PID"
# the agent holds at most its bounds (128 SSH, 64 secrets), not the flood
# (its fd table is readable as root only: it is not dumpable)
if nfd=$(ls "/proc/$AGENT_PID/fd" 2>/dev/null | wc -l) && [ "$nfd" -gt 0 ]; then
	check "flood: the agent holds $nfd descriptors, not $((2 * FLOOD))" \
	    test "$nfd" -lt $((128 + 64 + 32))
else
	ok "# SKIP the agent's descriptors cannot be counted"
fi
# (bash unsets HOLD_PID as soon as the coprocess has ended)
hold=${HOLD_PID:-}
[ -z "$hold" ] || { kill "$hold" 2>/dev/null; wait "$hold" 2>/dev/null; }
HOLD_PID=
check "after the flood: ssh-add -l lists the $NKEYS keys" \
    test "$(timeout "$TIMEOUT" ssh-add -l 2>>"$ALL_ERR" | wc -l)" -eq "$NKEYS"
ks_via_agent "after the flood: keeper-secret get answered by the agent"

# ---- refresh: SIGHUP and --refresh reload, Keeper gone keeps the keys ----
# the vault loses one key record; the signal is queued before ssh-add
# connects, and the agent handles signals before new connections
VAULT_FULL=$VAULT
VAULT=$TMP/vault-less.json
jq --arg u "$P521" '.applications[0].records -= [$u]' "$VAULT_FULL" >"$VAULT"
ADDR=$SB_ADDR	# the agents' config names this address: keep it
sb_start --listen "$ADDR"
kill -HUP "$AGENT_PID"
check "SIGHUP: reloads from Keeper (one record fewer)" \
    test "$(ssh-add -l | wc -l)" -eq $((NKEYS - 1))
check "SIGHUP: the removed key is gone" \
    sh -c "! ssh-add -l | grep -q ' agent p521 '"

# a second agent in the foreground (-D), csh lines (-c), --refresh 1
SOCK2=$TMP/agent/agent2.sock
"$AGENT" -D -c -a "$SOCK2" --config "$CFG" --refresh 1 >"$TMP/agent2.out" \
    2>"$TMP/agent2.err" &
AGENT2_PID=$!
for i in $(seq 300); do [ -S "$SOCK2" ] && break; sleep 0.1; done
check "-D -c: prints setenv SSH_AUTH_SOCK" \
    grep -qx "setenv SSH_AUTH_SOCK $SOCK2;" "$TMP/agent2.out"
check "-D: stays in the foreground (SSH_AGENT_PID is the started process)" \
    grep -qx "setenv SSH_AGENT_PID $AGENT2_PID;" "$TMP/agent2.out"
check "second agent serves $((NKEYS - 1)) keys" \
    test "$(SSH_AUTH_SOCK=$SOCK2 ssh-add -l | wc -l)" -eq $((NKEYS - 1))
VAULT=$VAULT_FULL
sb_start --listen "$ADDR"
n=0
for i in $(seq 300); do	# bounded wait for the next interval reload
	n=$(SSH_AUTH_SOCK=$SOCK2 ssh-add -l | wc -l)
	[ "$n" -eq "$NKEYS" ] && break
	sleep 0.1
done
check "--refresh 1: reloads on its own ($n keys)" test "$n" -eq "$NKEYS"
RC=0
SSH_AGENT_PID=$AGENT2_PID "$AGENT" -k >"$TMP/kill.out" 2>>"$ALL_ERR" || RC=$?
check "-k: stops the agent named by SSH_AGENT_PID" \
    sh -c "test $RC -eq 0 && grep -qx 'unset SSH_AUTH_SOCK;' '$TMP/kill.out'"
wait "$AGENT2_PID" 2>/dev/null
check "-k: agent gone and socket removed" \
    sh -c "! kill -0 $AGENT2_PID 2>/dev/null && test ! -e '$SOCK2'"
AGENT2_PID=

# socket activation the way keeper-agent.socket does it (LISTEN_FDS)
if command -v systemd-socket-activate >/dev/null 2>&1; then
	SOCK3=$TMP/agent/agent3.sock
	KSM_CACHE_TTL=0 systemd-socket-activate -E HOME -E KSM_CACHE_TTL \
	    -l "$SOCK3" "$AGENT" -D -a "$SOCK3" \
	    --config "$CFG" >/dev/null 2>"$TMP/agent3.err" &
	ACT_PID=$!
	for i in $(seq 300); do [ -S "$SOCK3" ] && break; sleep 0.1; done
	check "socket activation: the first client starts the agent and is served" \
	    test "$(SSH_AUTH_SOCK=$SOCK3 timeout "$TIMEOUT" ssh-add -l | wc -l)" -eq "$NKEYS"
	kill "$ACT_PID" 2>/dev/null
	wait "$ACT_PID" 2>/dev/null
else
	ok "# SKIP socket activation: systemd-socket-activate not installed"
fi

sb_stop
kill -HUP "$AGENT_PID"
check "Keeper unreachable after SIGHUP: keys still served" \
    test "$(ssh-add -l | wc -l)" -eq $((NKEYS - 1))
kill -TERM "$AGENT_PID"
for i in $(seq 100); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM: agent exits" sh -c "! kill -0 $AGENT_PID 2>/dev/null"
check "SIGTERM: socket removed" test ! -e "$SOCK"
check "SIGTERM: secrets socket removed" test ! -e "$SECRETS"
AGENT_PID=

check_no_secrets
done_testing
