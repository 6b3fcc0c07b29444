#!/bin/bash
# pam_keeper.so in a full login stack: a private sshd on 127.0.0.1 with
# UsePAM yes, a test user whose password lives only in Keeper (its shadow
# entry stays locked), sshpass typing it.  Root only (CI runs as root).
#
# The real /etc/pam.d/sshd is never touched: OpenSSH uses the name it was
# started under as its PAM service, so sshd runs through a symbolic link
# named keeper-pam-sshd-PID and the test installs /etc/pam.d/ under that
# name only, removed again at exit with the user, the link and sshd.
. "$top_srcdir/tests/integration/lib.sh"

MODULE=$(realpath -e "$top_builddir/plugins/pam/.libs/pam_keeper.so" 2>/dev/null)
[ -n "$MODULE" ] ||
    skip_all "pam_keeper.so not built (configure found no libpam0g-dev)"
[ "$(id -u)" -eq 0 ] ||
    skip_all "not root: the sshd login stack needs root (CI runs as root)"
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || skip_all "sshd not installed (apt-get install openssh-server)"
command -v ssh >/dev/null 2>&1 ||
    skip_all "ssh not installed (apt-get install openssh-client)"
command -v sshpass >/dev/null 2>&1 ||
    skip_all "sshpass not installed (apt-get install sshpass)"
command -v useradd >/dev/null 2>&1 || skip_all "useradd not found (passwd)"
[ -d /etc/pam.d ] || skip_all "no /etc/pam.d"
# a module built with ASan cannot be loaded into an uninstrumented sshd
# (its runtime must come first, and sshd re-executes and chroots itself);
# the plain build runs this test
if ldd "$MODULE" | grep -q 'libasan\.so'; then
	skip_all "sanitizer build: sshd is not instrumented (the plain build runs this)"
fi

# a throw-away user; its name only has to be unique (the config maps it)
TUSER=kp-sshd-$$
RECORD=PamSshdRecord000000005
SESSION=PamSessionRecord000002
NAME=keeper-pam-sshd-$$
PAMSVC=/etc/pam.d/$NAME
getent passwd "$TUSER" >/dev/null &&
    bail "user $TUSER exists already: remove it with userdel -r $TUSER"
[ ! -e "$PAMSVC" ] || bail "$PAMSVC exists already"

cp "$top_srcdir/tests/integration/pam-vault.json" "$TMP/vault.json"
VAULT=$TMP/vault.json
APP=pam

SEC=
SSHD_PID=
USER_MADE=
teardown() {
	if [ -n "$SSHD_PID" ]; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
	fi
	[ -n "$USER_MADE" ] && userdel -r "$TUSER" 2>/dev/null
	rm -f "$PAMSVC"
	[ -n "$SEC" ] && rm -rf "$SEC"
	cleanup
}
trap teardown EXIT

sb_start

# the module trusts only a root-owned path: a fresh 0700 directory in /run
SEC=$(mktemp -d /run/keeper-pam-sshd.XXXXXX) ||
    bail "cannot create a directory under /run"
KSMCFG=$SEC/ksm-config.json
PAMCFG=$SEC/pam.json
ks_init "$KSMCFG"
[ "$RC" -eq 0 ] || bail "cannot bind: $(cat "$ERR")"
chmod 600 "$KSMCFG"
cat >"$PAMCFG" <<EOT
{
  "ksm_config": "$KSMCFG",
  "users": {
    "$TUSER": {
      "password": "keeper://$RECORD/field/password",
      "check_account": true,
      "env": { "KP_DB_PASSWORD": "$SESSION/field/password" },
      "keyring": { "db-password": "$SESSION/field/password" },
      "keyring_timeout": 600
    }
  }
}
EOT
chmod 600 "$PAMCFG"

# the login stack: Keeper alone decides for this user, nothing else
# could let it in (the shadow password is locked)
cat >"$PAMSVC" <<EOT
# keeper-c tests/integration/pam-sshd.sh (pid $$): removed at exit
auth     [success=done ignore=ignore default=die] $MODULE config=$PAMCFG timeout=5
auth     requisite pam_deny.so
account  [success=ok ignore=ignore default=bad] $MODULE config=$PAMCFG timeout=5
account  required pam_permit.so
session  optional pam_keyinit.so force revoke
session  [success=ok ignore=ignore default=bad] $MODULE config=$PAMCFG timeout=5
session  required pam_permit.so
EOT

useradd --create-home --shell /bin/sh --comment "keeper-c pam test" "$TUSER" ||
    bail "useradd $TUSER failed"
USER_MADE=1
check "the test user's own password is locked (only Keeper knows one)" \
    grep -q "^$TUSER:[!*]" /etc/shadow

# ---- a private sshd ----

mkdir -p "$TMP/sshd" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$TMP/sshd/host_key" </dev/null ||
    bail "ssh-keygen failed"
ln -s "$SSHD" "$TMP/sshd/$NAME"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$TMP/sshd/sshd_config" <<EOT
ListenAddress 127.0.0.1
Port $PORT
HostKey $TMP/sshd/host_key
PidFile none
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication yes
PubkeyAuthentication no
PermitRootLogin no
AllowUsers $TUSER
MaxAuthTries 3
LogLevel VERBOSE
EOT
"$TMP/sshd/$NAME" -t -f "$TMP/sshd/sshd_config" >"$OUT" 2>&1 ||
    bail "sshd -t: $(cat "$OUT")"
"$TMP/sshd/$NAME" -D -e -f "$TMP/sshd/sshd_config" 2>"$TMP/sshd.log" &
SSHD_PID=$!
for _ in $(seq 300); do
	grep -q "Server listening on 127.0.0.1 port $PORT" "$TMP/sshd.log" && break
	kill -0 "$SSHD_PID" 2>/dev/null ||
	    bail "sshd exited: $(cat "$TMP/sshd.log")"
	sleep 0.1
done
grep -q "Server listening" "$TMP/sshd.log" || bail "sshd did not listen within 30 s"
ok "sshd listens on 127.0.0.1:$PORT with PAM service $NAME"

# login METHOD PASSWORD COMMAND: sshpass types the password (given in the
# environment, never argv); stdout in $OUT, stderr in $ERR, status in RC
login() {
	local method=$1 pw=$2
	shift 2
	RC=0
	SSHPASS=$pw timeout "$TIMEOUT" sshpass -e ssh -F /dev/null \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o PreferredAuthentications="$method" -o PubkeyAuthentication=no \
	    -o NumberOfPasswordPrompts=1 -o ConnectTimeout=20 -o LogLevel=ERROR \
	    -p "$PORT" "$TUSER@127.0.0.1" "$@" >"$OUT" 2>"$ERR" </dev/null || RC=$?
	# the user name is a record's login field: the secret scan would flag
	# ssh's "user@host: Permission denied"
	sed "s/$TUSER/<user>/g" "$ERR" >>"$ALL_ERR"
}

# expect_login DESC METHOD PASSWORD: logged in and ran a command as the user
expect_login() {
	login "$2" "$3" id -un
	if [ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "$TUSER" ]; then
		ok "$1"
	else
		not_ok "$1 (exit $RC)"
		diag "stdout:" "$(cat "$OUT")" "stderr:" "$(cat "$ERR")" \
		    "sshd:" "$(tail -n 15 "$TMP/sshd.log")"
	fi
}

# expect_refused DESC METHOD PASSWORD: ssh was denied (sshpass's 5 when
# it sees a second prompt, ssh's 255 otherwise) and no command ran
expect_refused() {
	login "$2" "$3" echo SHOULD-NOT-RUN
	if { [ "$RC" -eq 5 ] || { [ "$RC" -eq 255 ] &&
	    grep -q 'Permission denied' "$ERR"; }; } &&
	    ! grep -q SHOULD-NOT-RUN "$OUT"; then
		ok "$1"
	else
		not_ok "$1 (exit $RC)"
		diag "stdout:" "$(cat "$OUT")" "stderr:" "$(cat "$ERR")" \
		    "sshd:" "$(tail -n 15 "$TMP/sshd.log")"
	fi
}

PW=$(vault_value "$RECORD" password)
SESS_PW=$(vault_value "$SESSION" password)

expect_login "keyboard-interactive: the Keeper password logs in" \
    keyboard-interactive "$PW"
expect_login "password authentication (through PAM): the Keeper password logs in" \
    password "$PW"
expect_refused "keyboard-interactive: a wrong password is refused" \
    keyboard-interactive "${PW}x"
expect_refused "password authentication: a wrong password is refused" \
    password "not-it"
check "sshd logged the accepted and the failed logins" \
    grep -q "Accepted keyboard-interactive/pam for $TUSER" "$TMP/sshd.log"

# ---- the session the login opened ----

# shellcheck disable=SC2016 # expanded by the login shell
login keyboard-interactive "$PW" \
    'printf "env=%s\n" "$KP_DB_PASSWORD"; id=$(keyctl search @s user keeper:db-password) && printf "id=%s\n" "$id" && printf "key=%s\n" "$(keyctl pipe "$id")" && keyctl link "$id" @u'
if [ "$RC" -eq 0 ] && grep -qxF "env=$SESS_PW" "$OUT"; then
	ok "session: pam_putenv's variable reaches the login shell"
else
	not_ok "session: KP_DB_PASSWORD in the login shell (exit $RC)"
	diag "stderr:" "$(cat "$ERR")" "sshd:" "$(tail -n 15 "$TMP/sshd.log")"
fi
if command -v keyctl >/dev/null 2>&1 && grep -q '^id=' "$OUT"; then
	check "session: the user reads keeper:db-password from its session keyring" \
	    grep -qxF "key=$SESS_PW" "$OUT"
	KEYID=$(sed -n 's/^id=//p' "$OUT")
	# the user linked the key into its user keyring, which outlives the
	# session: only close_session's revocation ends it (a key that exists
	# and is not revoked can be described; a revoked one cannot)
	for _ in $(seq 100); do
		keyctl describe "$KEYID" >/dev/null 2>&1 || break
		sleep 0.1
	done
	if keyctl describe "$KEYID" >/dev/null 2>&1; then
		keyctl revoke "$KEYID"
		not_ok "logout: the session key is revoked"
	else
		ok "logout: the session key is revoked"
	fi
else
	not_ok "session: keeper:db-password in the session keyring"
	diag "stdout:" "$(sed 's/=.*/=.../' "$OUT")" "stderr:" "$(cat "$ERR")"
fi

# ---- rotation in the vault: the sandbox reloads it ----

NEW="Ssh-pw-2 rotated $(date +%s)"
jq --arg u "$RECORD" --arg p "$NEW" '(.records[] | select(.uid == $u) |
    .data.fields[] | select(.type == "password") | .value) = [$p]' \
    "$VAULT" >"$TMP/vault.new" && mv "$TMP/vault.new" "$VAULT"
expect_login "after rotation: the new password logs in" \
    keyboard-interactive "$NEW"
expect_refused "after rotation: the old password is refused" \
    keyboard-interactive "$PW"
expect_refused "after rotation: the old password is refused (password auth)" \
    password "$PW"

# ---- Keeper unreachable: the stack says no, quickly ----

sb_stop
expect_refused "sandbox stopped: even the right password is refused (failmode=secure)" \
    keyboard-interactive "$NEW"

check_no_secrets
if grep -qF -- "$NEW" "$TMP/sshd.log" || grep -qF -- "$PW" "$TMP/sshd.log"; then
	not_ok "no password in sshd's log"
else
	ok "no password in sshd's log"
fi
done_testing
