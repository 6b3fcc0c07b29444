#!/bin/bash
# keeper-agent's access control under real OpenSSH, with two sshd on
# 127.0.0.1 with their own host keys: "jump" (ECDSA host key) and "target"
# (RSA host key).  Verified session-bind: a login goes only to a record's
# hosts; through a jump host with agent forwarding only when the record
# says forward=jump; a forged session-bind from the jump host (or locally)
# is refused and hides the restricted keys on that connection; ProxyJump
# needs no forwarding.  Confirmation through a scripted SSH_ASKPASS that
# accepts, refuses and hangs (timeout), with the destination, forwarding
# and the asking program in the prompt; no-local; lock/unlock (ssh-add
# -x/-X); lifetimes (record and --lifetime, SIGHUP re-arms); the audit log
# line per signature.  Keys come from tests/integration/agent-vault.json;
# this script gives them host fields and keeper-agent options.
. "$top_srcdir/tests/integration/lib.sh"

AGENT=$top_builddir/plugins/ssh-agent/keeper-agent
VAULT_SRC=$top_srcdir/tests/integration/agent-vault.json
VAULT=$TMP/vault.json
APP=agent
CFG=$TMP/ksm-config.json
SOCK=$TMP/agent/agent.sock
SOCKB=$TMP/agent/agent-b.sock
KNOWN=$TMP/known_hosts
LOG=$TMP/audit.log
LOGB=$TMP/audit-b.log
AGENT_PID=
AGENTB_PID=
SSHD_PIDS=

[ -x "$AGENT" ] || bail "$AGENT was not built"
command -v ssh-add >/dev/null 2>&1 || skip_all "openssh-client not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
[ "$(id -u)" -eq 0 ] || skip_all "not root: the sshd logins need root (CI runs as root)"
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || skip_all "sshd not installed (apt-get install openssh-server)"

stop_all() {
	local p
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	[ -n "$AGENTB_PID" ] && kill "$AGENTB_PID" 2>/dev/null
	for p in $SSHD_PIDS; do kill "$p" 2>/dev/null; done
	cleanup
}
trap stop_all EXIT

uid_of() {
	jq -r --arg t "$1" '.records[] | select(.data.title == $t) | .uid' \
	    "$VAULT_SRC"
}
JUMPK=$(uid_of "agent ecdsa")		# host jump.test: logs in to jump
TNOF=$(uid_of "agent ed25519")		# host target.test, no forwarding
TFWD=$(uid_of "agent restricted")	# host target.test, forward=jump.test
CONF=$(uid_of "agent p384 pkcs8")	# confirm, any host
NOLOC=$(uid_of "agent p521")		# host target.test, no-local
BAD=$(uid_of "agent rsa pkcs8 encrypted")	# a misspelt option
LIFE=$(uid_of "agent rsa")		# lifetime=6 (agent B)
PLAIN=$(uid_of "agent encrypted")	# no options (agent B)

# the vault: host fields and a "keeper-agent" text field per record
jq --arg jump "$JUMPK" --arg tnof "$TNOF" --arg tfwd "$TFWD" \
    --arg conf "$CONF" --arg noloc "$NOLOC" --arg bad "$BAD" \
    --arg life "$LIFE" --arg plain "$PLAIN" '
def hosts($h): .data.fields |= (map(select(.type != "host")) +
    (if $h == [] then [] else [{type: "host",
    value: ($h | map({hostName: ., port: "22"}))}] end));
def opts($o): .data.custom = (if $o == "" then [] else
    [{type: "text", label: "keeper-agent", value: [$o]}] end);
.records |= map(
	if .uid == $jump then hosts(["jump.test"]) | opts("")
	elif .uid == $tnof then hosts(["target.test"]) | opts("")
	elif .uid == $tfwd then hosts(["target.test"]) | opts("forward=jump.test")
	elif .uid == $conf then hosts([]) | opts("confirm")
	elif .uid == $noloc then hosts(["target.test"]) | opts("no-local")
	elif .uid == $bad then hosts([]) | opts("confrm")
	elif .uid == $life then hosts([]) | opts("lifetime=6")
	elif .uid == $plain then hosts([]) | opts("")
	else . end)' "$VAULT_SRC" >"$VAULT"

sb_start
ks_init "$CFG"
[ "$RC" -eq 0 ] || bail "init failed: $(cat "$ERR")"

mkdir -p "$TMP/pub" "$TMP/agent"
chmod 700 "$TMP/agent"
for u in "$JUMPK" "$TNOF" "$TFWD" "$CONF" "$NOLOC" "$BAD" "$LIFE" "$PLAIN"; do
	vault_value "$u" keyPair | jq -r .publicKey >"$TMP/pub/$u.pub"
done
cp "$top_srcdir/tests/integration/agent-forge.py" "$TMP/forge.py"

# ---- two sshd on 127.0.0.1 ----
# start_sshd NAME KEYTYPE: sets PORT; the host key is $TMP/NAME/hostkey
start_sshd() {
	local d=$TMP/$1 i
	mkdir -p "$d" /run/sshd
	ssh-keygen -q -t "$2" -N '' -f "$d/hostkey" </dev/null ||
	    bail "ssh-keygen -t $2 failed"
	cat "$TMP"/pub/*.pub >"$d/authorized"
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$d/config" <<EOC
Port $PORT
ListenAddress 127.0.0.1
HostKey $d/hostkey
AuthorizedKeysFile $d/authorized
PermitRootLogin yes
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowAgentForwarding yes
PubkeyAcceptedAlgorithms ssh-ed25519,rsa-sha2-256,rsa-sha2-512,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521
PidFile $d/sshd.pid
EOC
	"$SSHD" -D -f "$d/config" -E "$d/log" &
	SSHD_PIDS="$SSHD_PIDS $!"
	for i in $(seq 300); do
		grep -q "Server listening" "$d/log" 2>/dev/null && return 0
		kill -0 "$!" 2>/dev/null || bail "sshd $1 exited: $(cat "$d/log")"
		sleep 0.1
	done
	bail "sshd $1 did not listen within 30 s"
}
start_sshd jump ecdsa
JPORT=$PORT
start_sshd target rsa
TPORT=$PORT
# the agent's known_hosts (ssh itself keeps none: UserKnownHostsFile)
{
	printf 'jump.test %s\n' "$(cut -d' ' -f1,2 "$TMP/jump/hostkey.pub")"
	printf 'target.test %s\n' "$(cut -d' ' -f1,2 "$TMP/target/hostkey.pub")"
} >"$KNOWN"

# ---- a scripted SSH_ASKPASS: logs its prompt, answers as told ----
ASKPASS=$TMP/askpass.sh
cat >"$ASKPASS" <<EOS
#!/bin/sh
echo \$\$ >"$TMP/askpass.pid"
{ echo "PROMPT=\$SSH_ASKPASS_PROMPT"; echo "\$1"; echo ---; } >>"$TMP/askpass.log"
case \$(cat "$TMP/askpass.mode") in
yes)	echo yes ;;
empty)	;;
no)	exit 1 ;;
maybe)	echo maybe ;;
hang)	sleep 1000 & echo \$! >"$TMP/askpass.child"; wait ;;
esac
EOS
chmod 755 "$ASKPASS"
echo yes >"$TMP/askpass.mode"
: >"$TMP/askpass.log"

# ---- agent A: the access control ----
RC=0
SSH_ASKPASS=$ASKPASS timeout "$TIMEOUT" "$AGENT" -a "$SOCK" --config "$CFG" \
    --known-hosts "$KNOWN" --log "$LOG" --confirm-timeout 2 \
    --record "$JUMPK" --record "$TNOF" --record "$TFWD" --record "$CONF" \
    --record "$NOLOC" --record "$BAD" >"$OUT" 2>"$ERR" || RC=$?
cat "$ERR" >>"$ALL_ERR"
expect_ok "keeper-agent starts"
AGENT_PID=$(sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' "$OUT")
check "a misspelt keeper-agent option names the record and the option" \
    grep -q "record $BAD: invalid 'keeper-agent' option 'confrm'" "$ERR"
export SSH_AUTH_SOCK=$SOCK

SSHO=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes)
# to PORT PUB [ssh options...] -- COMMAND: ssh root@127.0.0.1 with one key
to() {
	local port=$1 pub=$2
	shift 2
	timeout "$TIMEOUT" ssh "${SSHO[@]}" -o IdentityFile="$pub" -p "$port" \
	    "$@" 2>>"$ALL_ERR"
}
# the ssh command line run on the jump host, to the target with one key
inner() {
	echo "ssh ${SSHO[*]} -o IdentityFile=$TMP/pub/$1.pub -p ${2:-$TPORT} root@127.0.0.1 echo target-ok"
}

# ---- local, unbound ----
timeout "$TIMEOUT" ssh-add -l >"$TMP/l" 2>>"$ALL_ERR"
check "unbound (ssh-add -l): restricted keys listed, no-local and misspelt not" \
    sh -c "test \$(wc -l <'$TMP/l') -eq 4 && ! grep -q ' agent p521 ' '$TMP/l' &&
    ! grep -q ' agent rsa pkcs8 encrypted ' '$TMP/l'"
printf 'commit message\n' >"$TMP/msg"
rm -f "$TMP/msg.sig"
check "ssh-keygen -Y sign with a host-restricted key on an unbound connection" \
    timeout "$TIMEOUT" ssh-keygen -q -Y sign -n git -f "$TMP/pub/$TNOF.pub" "$TMP/msg"
FP=$(ssh-keygen -lf "$TMP/pub/$TNOF.pub" | awk '{print $2}')
check "the audit line: record, fingerprint, peer executable, sshsig, no host" \
    sh -c "grep -F 'sign ok record=$TNOF key=$FP title=\"agent ed25519\" peer=\"pid ' '$LOG' |
    grep -qE ' uid 0 exe /usr/bin/ssh-keygen\" for=sshsig namespace=git dest=- forwarded=no\$'"
rm -f "$TMP/msg.sig"
check "no-local: ssh-keygen -Y sign refused" \
    sh -c "! timeout $TIMEOUT ssh-keygen -q -Y sign -n git -f '$TMP/pub/$NOLOC.pub' '$TMP/msg' 2>/dev/null"

# ---- direct logins: only to the record's hosts ----
check "login to target.test with its key" \
    test "$(to "$TPORT" "$TMP/pub/$TNOF.pub" root@127.0.0.1 echo ok)" = ok
check "the audit line names the login, the user and the host" \
    grep -qE "sign ok record=$TNOF .* peer=\"pid [0-9]+ uid 0 exe /usr/bin/ssh\" for=login user=root dest=target.test forwarded=no$" "$LOG"
check "no login to jump.test with a key for target.test" \
    test "$(to "$JPORT" "$TMP/pub/$TNOF.pub" root@127.0.0.1 echo ok)" != ok
check "no-local key: login to its host works" \
    test "$(to "$TPORT" "$TMP/pub/$NOLOC.pub" root@127.0.0.1 echo ok)" = ok
check "login to jump.test with its own key" \
    test "$(to "$JPORT" "$TMP/pub/$JUMPK.pub" root@127.0.0.1 echo ok)" = ok
check "the RSA host key's session-bind verified (target): logged as target.test" \
    grep -q "record=$NOLOC .* dest=target.test" "$LOG"
check "the ECDSA host key's session-bind verified (jump)" \
    grep -q "record=$JUMPK .* dest=jump.test forwarded=no" "$LOG"

# ---- through the jump host with agent forwarding ----
jump() {	# jump COMMAND: run it on jump with the agent forwarded
	to "$JPORT" "$TMP/pub/$JUMPK.pub" -A root@127.0.0.1 "$1"
}
jump "ssh-add -l" >"$TMP/fwd-l"
check "forwarded to jump: lists the keys allowed beyond it" \
    sh -c "listed() { grep -q \" \$1 (\" '$TMP/fwd-l'; }
    listed 'agent restricted' && listed 'agent p384 pkcs8' &&
    ! listed 'agent ed25519' && ! listed 'agent ecdsa' && ! listed 'agent p521'"
check "jump -> target with a key whose record does not allow forwarding: refused" \
    test "$(jump "$(inner "$TNOF")")" != target-ok
check "jump -> target with forward=jump.test: logged in" \
    test "$(jump "$(inner "$TFWD")")" = target-ok
check "the audit line: forwarded through jump.test to target.test" \
    grep -qE "sign ok record=$TFWD .* for=login user=root dest=target.test forwarded=yes via=jump.test$" "$LOG"
check "jump -> jump with forward=jump.test: refused (jump is not its host)" \
    test "$(jump "$(inner "$TFWD" "$JPORT")")" != target-ok
check "ProxyJump (no forwarding): target with the key for target.test" \
    test "$(to "$TPORT" "$TMP/pub/$TNOF.pub" -o ProxyCommand="ssh ${SSHO[*]} -o IdentityFile=$TMP/pub/$JUMPK.pub -p $JPORT -W %h:%p root@127.0.0.1" root@127.0.0.1 echo ok)" = ok

# ---- forged session-binds ----
jump "python3 $TMP/forge.py $TMP/target/hostkey.pub" >"$TMP/forge-fwd"
check "forged bind from the jump host (target's key, no signature): refused" \
    grep -qx "bind 5" "$TMP/forge-fwd"
check "after it the connection lists no restricted key, only the unrestricted" \
    sh -c "grep -qx 'key agent p384 pkcs8' '$TMP/forge-fwd' &&
    ! grep -q 'key agent restricted' '$TMP/forge-fwd'"
timeout "$TIMEOUT" python3 "$TMP/forge.py" "$TMP/target/hostkey.pub" >"$TMP/forge-l"
check "forged bind on a local connection: refused, restricted keys hidden" \
    sh -c "grep -qx 'bind 5' '$TMP/forge-l' && grep -qx 'key agent p384 pkcs8' '$TMP/forge-l' &&
    test \$(grep -c '^key' '$TMP/forge-l') -eq 1"
timeout "$TIMEOUT" python3 "$TMP/forge.py" "$TMP/jump/hostkey.pub" 1 >"$TMP/forge-f"
check "forged forwarding bind (jump's key): refused" grep -qx "bind 5" "$TMP/forge-f"

# ---- confirmation through SSH_ASKPASS ----
sign_conf() {	# ssh-keygen -Y sign with the confirm key
	rm -f "$TMP/msg.sig"
	timeout "$TIMEOUT" ssh-keygen -q -Y sign -n git -f "$TMP/pub/$CONF.pub" \
	    "$TMP/msg" 2>/dev/null
}
printf 'signer %s\n' "$(cut -d' ' -f1,2 "$TMP/pub/$CONF.pub")" >"$TMP/allowed"
: >"$TMP/askpass.log"
echo yes >"$TMP/askpass.mode"
check "confirm, askpass says yes: signed" sign_conf
check "... and the signature verifies" sh -c "ssh-keygen -q -Y verify -f '$TMP/allowed' \
    -I signer -n git -s '$TMP/msg.sig' <'$TMP/msg' >/dev/null 2>&1"
check "askpass ran with SSH_ASKPASS_PROMPT=confirm" grep -qx "PROMPT=confirm" "$TMP/askpass.log"
check "the prompt names the key, what is signed, where and who asks" \
    sh -c "grep -q '^Allow use of key \"agent p384 pkcs8\" (SHA256:' '$TMP/askpass.log' &&
    grep -q '^To sign data (ssh-keygen -Y sign, namespace git), on this machine, no host binding.' '$TMP/askpass.log' &&
    grep -qE '^Asked by /usr/bin/ssh-keygen \(pid [0-9]+, uid 0\).' '$TMP/askpass.log'"
check "the audit line says confirmed" grep -q "sign ok (confirmed) record=$CONF " "$LOG"
echo empty >"$TMP/askpass.mode"
check "askpass exits 0 printing nothing: signed (as ssh-agent)" sign_conf
echo no >"$TMP/askpass.mode"
check "askpass exits 1: refused" eval '! sign_conf'
check "refusal logged" grep -q "sign refused (confirmation refused: .* exited 1) record=$CONF" "$LOG"
echo maybe >"$TMP/askpass.mode"
check "askpass answers something else: refused" eval '! sign_conf'
echo hang >"$TMP/askpass.mode"
rm -f "$TMP/askpass.child"
check "askpass hangs: refused after --confirm-timeout" eval '! sign_conf'
check "the timeout logged" grep -q "sign refused (confirmation refused: no answer from '$ASKPASS' within 2 s) record=$CONF" "$LOG"
gone() {	# gone PID: no such process, or only its zombie is left
	[ ! -e "/proc/$1/stat" ] || grep -q ') Z ' "/proc/$1/stat"
}
check "the hanging askpass and its child were killed" eval \
    'gone "$(cat "$TMP/askpass.pid")" && gone "$(cat "$TMP/askpass.child")"'
echo yes >"$TMP/askpass.mode"
: >"$TMP/askpass.log"
check "confirm over a forwarded agent: jump -> target logged in" \
    test "$(jump "$(inner "$CONF")")" = target-ok
check "the prompt: the login, the user, the host and the jump host" \
    grep -q "^To log in as root to target.test, agent forwarded through jump.test.$" "$TMP/askpass.log"
check "the prompt: the asking program is the local ssh" \
    grep -qE "^Asked by /usr/bin/ssh \(pid [0-9]+, uid 0\).$" "$TMP/askpass.log"
echo no >"$TMP/askpass.mode"
check "confirm refused: no login" \
    test "$(to "$TPORT" "$TMP/pub/$CONF.pub" root@127.0.0.1 echo ok)" != ok

# ---- lock / unlock (ssh-add -x / -X) ----
PASS=$TMP/pass.sh
printf '#!/bin/sh\necho "lock passphrase 42"\n' >"$PASS"
printf '#!/bin/sh\necho "not it"\n' >"$TMP/wrong.sh"
chmod 755 "$PASS" "$TMP/wrong.sh"
askpass_run() {	# askpass_run SCRIPT ssh-add ARGS...
	local s=$1
	shift
	SSH_ASKPASS=$s SSH_ASKPASS_REQUIRE=force timeout "$TIMEOUT" \
	    "$@" </dev/null >/dev/null 2>&1
}
check "ssh-add -x locks" askpass_run "$PASS" ssh-add -x
check "locked: ssh-add -l shows no identities" \
    sh -c "ssh-add -l 2>&1 | grep -q 'The agent has no identities'"
rm -f "$TMP/msg.sig"
check "locked: ssh-keygen -Y sign refused" eval \
    "! timeout $TIMEOUT ssh-keygen -q -Y sign -n git -f '$TMP/pub/$TNOF.pub' '$TMP/msg' 2>/dev/null"
check "locked: no login" \
    test "$(to "$TPORT" "$TMP/pub/$TNOF.pub" root@127.0.0.1 echo ok)" != ok
check "ssh-add -x again: refused while locked" eval "! askpass_run '$PASS' ssh-add -x"
check "ssh-add -X with a wrong passphrase: refused" eval "! askpass_run '$TMP/wrong.sh' ssh-add -X"
check "still locked" sh -c "ssh-add -l 2>&1 | grep -q 'The agent has no identities'"
check "ssh-add -X with the passphrase unlocks" askpass_run "$PASS" ssh-add -X
check "unlocked: keys listed again" test "$(ssh-add -l | wc -l)" -eq 4
check "unlocked: login works again" \
    test "$(to "$TPORT" "$TMP/pub/$TNOF.pub" root@127.0.0.1 echo ok)" = ok
check "lock, the wrong passphrase and unlock logged" sh -c \
    "grep -q 'lock: agent locked by pid' '$LOG' && grep -q 'unlock refused: wrong passphrase' '$LOG' &&
    grep -q 'unlock: agent unlocked by pid' '$LOG'"

# ---- agent B: --lifetime, a record lifetime, --confirm ----
echo yes >"$TMP/askpass.mode"
: >"$TMP/askpass.log"
SSH_ASKPASS=$ASKPASS "$AGENT" -D -a "$SOCKB" --config "$CFG" --log "$LOGB" \
    --lifetime 60 --confirm --record "$LIFE" --record "$PLAIN" \
    >"$TMP/agent-b.out" 2>"$TMP/agent-b.err" &
AGENTB_PID=$!
for i in $(seq 300); do [ -S "$SOCKB" ] && break; sleep 0.1; done
SSH_AUTH_SOCK=$SOCKB timeout "$TIMEOUT" ssh-add -l >"$TMP/b-l" 2>>"$ALL_ERR"
check "agent B serves both keys (lifetime=6 not over yet)" test "$(wc -l <"$TMP/b-l")" -eq 2
rm -f "$TMP/msg.sig"
check "--confirm: a key without options asks too" sh -c \
    "SSH_AUTH_SOCK='$SOCKB' timeout $TIMEOUT ssh-keygen -q -Y sign -n git -f '$TMP/pub/$PLAIN.pub' '$TMP/msg' &&
    grep -q 'Allow use of key \"agent encrypted\"' '$TMP/askpass.log'"
n=2
for i in $(seq 300); do	# bounded wait for the 6 s lifetime to end
	n=$(SSH_AUTH_SOCK=$SOCKB ssh-add -l | wc -l)
	[ "$n" -eq 1 ] && break
	sleep 0.1
done
check "lifetime=6: the key is dropped, the other (--lifetime 60) stays" \
    sh -c "test $n -eq 1 && SSH_AUTH_SOCK='$SOCKB' ssh-add -l | grep -q ' agent encrypted '"
check "its expiry logged" grep -q "key expired record=$LIFE " "$LOGB"
kill -HUP "$AGENTB_PID"
check "SIGHUP: loaded again, a new lifetime" \
    test "$(SSH_AUTH_SOCK=$SOCKB ssh-add -l | wc -l)" -eq 2
kill "$AGENTB_PID"
wait "$AGENTB_PID" 2>/dev/null
AGENTB_PID=

# ---- the log holds no key material ----
leak=0
for u in "$JUMPK" "$TNOF" "$TFWD" "$CONF" "$NOLOC" "$LIFE" "$PLAIN"; do
	vault_value "$u" keyPair | jq -r .privateKey | sed -n 2p >"$TMP/k"
	grep -qF -f "$TMP/k" "$LOG" "$LOGB" && leak=1
done
check "no private key text in the audit logs" test "$leak" -eq 0
check "every audit line is one line with a time stamp" \
    sh -c "! grep -qvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z keeper-agent\[[0-9]+\]: ' '$LOG'"

kill -TERM "$AGENT_PID"
AGENT_PID=
check_no_secrets
done_testing
