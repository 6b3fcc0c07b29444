#!/bin/bash
# pam_keeper.so under real Linux-PAM: tests/pam/pam-driver runs services
# from a private directory (pam_start_confdir, no /etc/pam.d edits)
# against keeper-sandbox on 127.0.0.1.  The module insists on root-owned
# configuration files in root-owned directories, so everything past the
# export and refusal checks needs root (CI runs as root).
. "$top_srcdir/tests/integration/lib.sh"

DRIVER=$top_builddir/tests/pam/pam-driver
MODULE=$top_builddir/plugins/pam/.libs/pam_keeper.so
[ -x "$DRIVER" ] && [ -f "$MODULE" ] ||
    skip_all "pam_keeper.so not built (configure found no libpam0g-dev)"
PAMLIB=$(pkg-config --variable=libdir pam 2>/dev/null)/security
[ -f "$PAMLIB/pam_debug.so" ] ||
    skip_all "pam_debug.so not found in $PAMLIB (apt-get install libpam-modules)"

# our own copy: the rotation test rewrites it, the sandbox reloads it
cp "$top_srcdir/tests/integration/pam-vault.json" "$TMP/vault.json"
VAULT=$TMP/vault.json
APP=pam
DEPLOY=PamDeployRecord0000001
SESSION=PamSessionRecord000002
CONFD=$TMP/pam.d
mkdir -p "$CONFD"

# service NAME OPTIONS...: pam_keeper decides; PAM_IGNORE falls through to
# pam_debug (auth: PAM_USER_UNKNOWN) so it can be told from the rest.
service() {
	local name=$1
	shift
	cat >"$CONFD/$name" <<EOT
auth    [success=done ignore=ignore default=die] $MODULE $*
auth    requisite $PAMLIB/pam_debug.so auth=user_unknown
account [success=ok ignore=ignore default=bad] $MODULE $*
account required $PAMLIB/pam_permit.so
session [success=ok ignore=ignore default=bad] $MODULE $*
session required $PAMLIB/pam_permit.so
EOT
}

# drive PASSWORD SERVICE USER STEPS...: run the driver (password in the
# environment, never argv); its stdout in $OUT, stderr in $ERR
drive() {
	local pw=$1
	shift
	RC=0
	PAM_DRIVER_PASSWORD=$pw timeout "$TIMEOUT" "$DRIVER" "$CONFD" "$@" \
	    >"$OUT" 2>"$ERR" </dev/null || RC=$?
	cat "$ERR" >>"$ALL_ERR"
}

# expect DESC LINE...: the driver ran and printed exactly these lines
expect() {
	local desc=$1 want
	shift
	want=$(printf '%s\n' "$@")
	if [ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc (driver exit $RC)"
		diag "want:" "$want" "got:" "$(cat "$OUT")" "stderr:" "$(cat "$ERR")"
	fi
}

requests() {
	grep -c . "$TMP/sandbox.log" 2>/dev/null || echo 0
}

# ---- the module's exports (no root needed) ----

RC=0
"$DRIVER" --exports "$MODULE" >"$OUT" 2>&1 || RC=$?
if [ "$RC" -eq 0 ] && grep -qx 'exports ok' "$OUT"; then
	ok "dlopen(RTLD_NOW) resolves every pam_sm_* and no internal symbol"
else
	not_ok "dlopen export check"
	diag "$(cat "$OUT")"
fi
others=$(nm -D --defined-only "$MODULE" | awk '{print $3}' |
    grep -v '^pam_sm_' | grep -v '^$' || true)
check "nm -D: the module defines only pam_sm_* symbols" test -z "$others"

# ---- refusal of a configuration that is not root's alone ----

sb_start
if [ "$(id -u)" -ne 0 ]; then
	# the file is ours, in /tmp: refused however the files are set
	printf '{"ksm_config":"%s","users":{"kp-deploy":{"password":"x"}}}\n' \
	    "$TMP/ksm.json" >"$TMP/pam.json"
	service kp-user "config=$TMP/pam.json"
	n0=$(requests)
	drive whatever kp-user kp-deploy auth
	expect "config not owned by root: refused" "auth PAM_SERVICE_ERR"
	check "refused with no request to Keeper" test "$(requests)" = "$n0"
	echo "ok $((_n + 1)) # SKIP not root: the module only trusts root-owned configuration, the rest runs as root in CI"
	_n=$((_n + 1))
	done_testing
	exit 0
fi

# root: the configuration lives in a fresh root-owned 0700 directory under
# a root-owned, non-writable parent (/tmp is world-writable: refused)
SEC=$(mktemp -d /run/keeper-pam-test.XXXXXX) ||
    bail "cannot create a directory under /run"
trap 'rm -rf "$SEC"; cleanup' EXIT
KSMCFG=$SEC/ksm-config.json
PAMCFG=$SEC/pam.json

ks_init "$KSMCFG"
expect_ok "bind a KSM config for application '$APP'"
[ "$RC" -eq 0 ] || bail "cannot bind: $(cat "$ERR")"
chmod 600 "$KSMCFG"

cat >"$PAMCFG" <<EOT
{
  "ksm_config": "$KSMCFG",
  "users": {
    "kp-deploy": {
      "password": "keeper://$DEPLOY/field/password",
      "check_account": true,
      "keyring": { "db-password": "$SESSION/field/password" },
      "keyring_timeout": 600,
      "env": {
        "KP_DB_PASSWORD": "$SESSION/field/password",
        "KP_API_TOKEN": "keeper://deploy session secrets/custom_field/api token"
      }
    },
    "kp-gone": {
      "password": "keeper://PamUnsharedRecord00003/field/password",
      "check_account": true
    },
    "kp-nopass": { "env": { "KP_X": "$SESSION/field/login" } }
  }
}
EOT
chmod 600 "$PAMCFG"
service kp "config=$PAMCFG" timeout=3
service kp-safe "config=$PAMCFG" timeout=3 failmode=safe
service kp-only "config=$PAMCFG" only_if=sshd,sudo
service kp-bogus "config=$PAMCFG" no_such_option timeout=0 failmode=maybe

# login_folders: users found by the login field of the records in a folder
FOLDERCFG=$SEC/pam-folders.json
cat >"$FOLDERCFG" <<EOT
{
  "ksm_config": "$KSMCFG",
  "users": {},
  "login_folders": [
    { "folder": "PamLoginFolder00000004", "check_account": true,
      "users": ["kp-folder", "kp-dup", "kp-nofolder-*"] },
    { "folder": "pam logins", "users": ["kp-byname-*", "kp-sshd-test"] }
  ]
}
EOT
chmod 600 "$FOLDERCFG"
service kp-folders "config=$FOLDERCFG" timeout=3
service kp-folders-safe "config=$FOLDERCFG" timeout=3 failmode=safe

# the opt-in offline cache: the main config plus a root-only directory
CACHECFG=$SEC/pam-cache.json
CACHEDIR=$SEC/cache
mkdir -m 700 "$CACHEDIR"
jq --arg d "$CACHEDIR" '. + {offline_cache: {dir: $d, ttl: 3600}}' \
    "$PAMCFG" >"$CACHECFG"
chmod 600 "$CACHECFG"
service kp-cache "config=$CACHECFG" timeout=3
cache_files() { find "$CACHEDIR" -type f | wc -l; }

PW=$(vault_value "$DEPLOY" password)
check "the test password has a space, quotes, a backslash and non-ASCII" \
    grep -q ' .*".*\\' <<<"$PW"

# ---- auth ----

n0=$(requests)
drive "$PW" kp kp-deploy auth acct
expect "right password: auth and account succeed" \
    "auth PAM_SUCCESS" "acct PAM_SUCCESS"
check "a managed user's login is logged by the sandbox" \
    test "$(requests)" -gt "$n0"

drive "${PW}x" kp kp-deploy auth
expect "wrong password (one byte longer)" "auth PAM_AUTH_ERR"
drive "${PW%?}" kp kp-deploy auth
expect "wrong password (a prefix)" "auth PAM_AUTH_ERR"
drive "" kp kp-deploy auth
expect "empty password" "auth PAM_AUTH_ERR"

RC=0
printf '%s\n' "$PW" | timeout "$TIMEOUT" "$DRIVER" "$CONFD" kp kp-deploy auth \
    >"$OUT" 2>"$ERR" || RC=$?
expect "password answered from stdin by the conversation" "auth PAM_SUCCESS"

drive "$PW" kp-bogus kp-deploy auth
expect "invalid options are skipped, the defaults stay" "auth PAM_SUCCESS"

n0=$(requests)
drive "$PW" kp kp-nobody auth acct open
expect "unmanaged user: ignored by every stage" \
    "auth PAM_USER_UNKNOWN" "acct PAM_SUCCESS" "open PAM_SUCCESS"
check "unmanaged user: no request reached the sandbox" test "$(requests)" = "$n0"

drive "$PW" kp kp-nopass auth
expect "managed user without a password notation: auth ignored" \
    "auth PAM_USER_UNKNOWN"
check "still no request" test "$(requests)" = "$n0"

drive "$PW" kp-only kp-deploy auth
expect "only_if=sshd,sudo: another service is ignored" "auth PAM_USER_UNKNOWN"
check "only_if: no request reached the sandbox" test "$(requests)" = "$n0"

drive "Unshared-pw-0003" kp kp-gone auth
expect "record not shared with the application: service error" \
    "auth PAM_SERVICE_ERR"
drive "" kp kp-gone acct
expect "account: the mapped record is gone" "acct PAM_ACCT_EXPIRED"
drive "Unshared-pw-0003" kp-safe kp-gone auth
expect "record not shared, failmode=safe: ignored" "auth PAM_USER_UNKNOWN"

n0=$(requests)
drive "$PW" kp kp-deploy auth acct
expect "auth then account in one handle" "auth PAM_SUCCESS" "acct PAM_SUCCESS"
check "account reused what auth fetched (pam_set_data): one request" \
    test "$(( $(requests) - n0 ))" = 1

# ---- profile=NAME: a keeper-secret profile instead of ksm_config ----

PROFCFG=$SEC/pam-profile.json
jq '.ksm_config = "/nonexistent/ksm-config.json"' "$PAMCFG" >"$PROFCFG"
chmod 600 "$PROFCFG"
export XDG_CONFIG_HOME=$SEC/xdg	# root's profiles, in a trusted directory
run_ks profile import kp <"$KSMCFG"
expect_ok "the KSM config imported as root's profile 'kp'"
service kp-profile "config=$PROFCFG" profile=kp timeout=3
service kp-noprofile "config=$PROFCFG" timeout=3
service kp-badprofile "config=$PROFCFG" profile=nope timeout=3
drive "$PW" kp-profile kp-deploy auth acct
expect "profile=kp: its configuration answers (ksm_config is not used)" \
    "auth PAM_SUCCESS" "acct PAM_SUCCESS"
drive "$PW" kp-noprofile kp-deploy auth
expect "the same without profile=: the missing ksm_config fails" \
    "auth PAM_SERVICE_ERR"
drive "$PW" kp-badprofile kp-deploy auth
expect "profile=nope, a profile that does not exist: service error" \
    "auth PAM_SERVICE_ERR"
chmod 770 "$SEC/xdg/keeper/profiles"
drive "$PW" kp-profile kp-deploy auth
expect "a profile directory the group may write: refused" "auth PAM_SERVICE_ERR"
chmod 700 "$SEC/xdg/keeper/profiles"
unset XDG_CONFIG_HOME

# ---- login_folders: the record in a folder whose login is the user ----

FPW=$(vault_value PamFolderRecord0000006 password)
drive "$FPW" kp-folders kp-folder auth acct
expect "folder (by UID): the record with login kp-folder has the password" \
    "auth PAM_SUCCESS" "acct PAM_SUCCESS"
drive "$PW" kp-folders kp-folder auth
expect "folder: another record's password is wrong" "auth PAM_AUTH_ERR"
drive "$(vault_value PamSshdRecord000000005 password)" kp-folders \
    kp-sshd-test auth
expect "folder by name ('pam logins'): kp-sshd-test's record" \
    "auth PAM_SUCCESS"
drive "Dup-pw-A-0007" kp-folders kp-dup auth
expect "folder: two records with login kp-dup: refused as ambiguous" \
    "auth PAM_SERVICE_ERR"
drive "Dup-pw-A-0007" kp-folders-safe kp-dup auth
expect "folder: ambiguous, failmode=safe: ignored" "auth PAM_USER_UNKNOWN"
drive "whatever" kp-folders kp-nofolder-1 auth
expect "folder: a user the glob matches but no record has: ignored" \
    "auth PAM_USER_UNKNOWN"
drive "" kp-folders kp-nofolder-1 acct
expect "folder with check_account: account of a user without a record refused" \
    "acct PAM_ACCT_EXPIRED"
n0=$(requests)
drive "$FPW" kp-folders kp-unlisted auth acct open
expect "folder: a user no glob matches: ignored by every stage" \
    "auth PAM_USER_UNKNOWN" "acct PAM_SUCCESS" "open PAM_SUCCESS"
check "folder: a user no glob matches: no request reached the sandbox" \
    test "$(requests)" = "$n0"

# ---- the offline cache is written by a confirmed login ----

drive "$PW" kp-cache kp-deploy auth
expect "offline cache configured: online login" "auth PAM_SUCCESS"
CACHEFILE=$(find "$CACHEDIR" -type f)
check "offline cache: one entry, root's, mode 0600" \
    test "$(cache_files)" = 1 -a "$(stat -c %u:%a "$CACHEFILE" 2>/dev/null)" = 0:600
check "offline cache: the entry does not hold the password" \
    test -z "$(grep -F -- "$PW" "$CACHEFILE")"
check "offline cache: a salted scrypt hash with an expiry" \
    grep -Eq '^pkc1 [0-9]+ 15 [0-9a-f]{32} [0-9a-f]{64}$' "$CACHEFILE"

RC=0
PAM_DRIVER_PASSWORD= "$DRIVER" "$CONFD" kp kp-deploy key:probe >"$OUT" 2>&1 </dev/null || RC=$?
if grep -qx 'key probe unsupported' "$OUT"; then
	echo "ok $((_n + 1)) # SKIP session keys: built without libkeyutils (apt-get install libkeyutils-dev)"
	_n=$((_n + 1))
else
	drive "" kp kp-deploy open key:db-password close key:db-password
	expect "session: open adds keeper:db-password to the session keyring, close revokes it" \
	    "open PAM_SUCCESS" \
	    "key db-password=$(vault_value "$SESSION" password)" \
	    "close PAM_SUCCESS" "key db-password absent"
fi

# ---- a password stored by an earlier module (pam_unix asks first) ----

first() {
	cat >"$CONFD/$1" <<EOT
auth    optional $PAMLIB/pam_unix.so
auth    [success=done ignore=ignore default=die] $MODULE config=$PAMCFG $2
auth    requisite $PAMLIB/pam_debug.so auth=user_unknown
EOT
}
first kp-use use_first_pass
first kp-try try_first_pass
drive "$PW" kp-use kp-deploy auth
expect "use_first_pass: the password typed for pam_unix is used" \
    "auth PAM_SUCCESS"
PAM_DRIVER_PASSWORD2=$PW drive "wrong" kp-use kp-deploy auth
expect "use_first_pass: a wrong stored password fails, no second prompt" \
    "auth PAM_AUTH_ERR"
PAM_DRIVER_PASSWORD2=$PW drive "wrong" kp-try kp-deploy auth
expect "try_first_pass: a wrong stored password, then the right one" \
    "auth PAM_SUCCESS"
PAM_DRIVER_PASSWORD2=wrong2 drive "wrong" kp-try kp-deploy auth
expect "try_first_pass: wrong twice fails" "auth PAM_AUTH_ERR"

# ---- session ----

drive "" kp kp-deploy open env:KP_DB_PASSWORD env:KP_API_TOKEN \
    close env:KP_DB_PASSWORD env:KP_API_TOKEN
expect "session: open exports the configured notations, close removes them" \
    "open PAM_SUCCESS" \
    "env KP_DB_PASSWORD=$(vault_value "$SESSION" password)" \
    "env KP_API_TOKEN=$(vault_value "$SESSION" "api token")" \
    "close PAM_SUCCESS" "env KP_DB_PASSWORD unset" "env KP_API_TOKEN unset"

# ---- an unmodified PAM application: pamtester (needs /etc/pam.d) ----

if command -v pamtester >/dev/null 2>&1 && [ -d /etc/pam.d ]; then
	PT=keeper-pam-test-$$
	# pamtester is not instrumented: under --enable-sanitizers the module
	# needs the ASan/UBSan runtimes loaded first, and pamtester's own
	# allocations are not ours to leak-check (pam-driver covers the module)
	PT_PRELOAD=$(ldd "$MODULE" | awk '$1 ~ /^lib(asan|ubsan)\.so/ { printf "%s ", $3 }')
	PT_ENV=(env LD_PRELOAD="$PT_PRELOAD"
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
	trap 'rm -f "/etc/pam.d/$PT"; rm -rf "$SEC"; cleanup' EXIT
	cp "$CONFD/kp" "/etc/pam.d/$PT"
	RC=0
	printf '%s\n' "$PW" | timeout "$TIMEOUT" "${PT_ENV[@]}" pamtester -v "$PT" kp-deploy \
	    authenticate acct_mgmt >"$OUT" 2>"$ERR" || RC=$?
	if [ "$RC" -eq 0 ] && grep -q 'successfully authenticated' "$OUT" "$ERR"; then
		ok "pamtester: right password authenticated"
	else
		not_ok "pamtester: right password (exit $RC)"
		diag "$(cat "$OUT" "$ERR")"
	fi
	RC=0
	printf 'not-it\n' | timeout "$TIMEOUT" "${PT_ENV[@]}" pamtester "$PT" kp-deploy \
	    authenticate >"$OUT" 2>"$ERR" || RC=$?
	if [ "$RC" -ne 0 ] && grep -q 'Authentication failure' "$OUT" "$ERR"; then
		ok "pamtester: wrong password is an authentication failure"
	else
		not_ok "pamtester: wrong password (exit $RC)"
		diag "$(cat "$OUT" "$ERR")"
	fi
	rm -f "/etc/pam.d/$PT"
else
	echo "ok $((_n + 1)) # SKIP pamtester not installed (apt-get install pamtester)"
	_n=$((_n + 1))
fi

# ---- rotation: the sandbox reloads the vault, the old password stops ----

OLD=$PW
NEW="Rotated-2 new password / longer"
jq --arg u "$DEPLOY" --arg p "$NEW" '(.records[] | select(.uid == $u) |
    .data.fields[] | select(.type == "password") | .value) = [$p]' \
    "$VAULT" >"$TMP/vault.new" && mv "$TMP/vault.new" "$VAULT"
drive "$NEW" kp kp-deploy auth
expect "after rotation in the vault: the new password works" "auth PAM_SUCCESS"
drive "$OLD" kp kp-deploy auth
expect "after rotation: the old password fails" "auth PAM_AUTH_ERR"
drive "$OLD" kp-cache kp-deploy auth
expect "after rotation, cache configured: the old password fails" \
    "auth PAM_AUTH_ERR"
check "the old password was recognised as rotated: its cache entry is gone" \
    test "$(cache_files)" = 0
drive "$NEW" kp-cache kp-deploy auth
expect "after rotation: the new password is cached" "auth PAM_SUCCESS"
PW=$NEW

# ---- unsafe configuration: refused, no request ----

n0=$(requests)
chmod 666 "$PAMCFG"
drive "$PW" kp kp-deploy auth
expect "pam.json writable by others: refused" "auth PAM_SERVICE_ERR"
drive "$PW" kp-safe kp-deploy auth
expect "pam.json writable by others, failmode=safe: ignored" \
    "auth PAM_USER_UNKNOWN"
drive "$PW" kp kp-nobody auth
expect "pam.json writable by others: refused even for other users" \
    "auth PAM_SERVICE_ERR"
chmod 600 "$PAMCFG"

chmod 777 "$SEC"
drive "$PW" kp kp-deploy auth
expect "parent directory writable by others: refused" "auth PAM_SERVICE_ERR"
chmod 700 "$SEC"

chown nobody "$PAMCFG"
drive "$PW" kp kp-deploy auth
expect "pam.json owned by another user: refused" "auth PAM_SERVICE_ERR"
chown root "$PAMCFG"

ln -s "$PAMCFG" "$SEC/link.json"
service kp-link "config=$SEC/link.json"
drive "$PW" kp-link kp-deploy auth
expect "pam.json reached through a symbolic link: refused" \
    "auth PAM_SERVICE_ERR"

chmod 620 "$KSMCFG"
drive "$PW" kp kp-deploy auth
expect "KSM config writable by group: refused" "auth PAM_SERVICE_ERR"
chmod 644 "$KSMCFG"
drive "$PW" kp kp-deploy auth
expect "KSM config readable by others: refused by libksm" \
    "auth PAM_SERVICE_ERR"
chmod 600 "$KSMCFG"
check "none of the refusals sent a request" test "$(requests)" = "$n0"

drive "$PW" kp kp-deploy auth
expect "permissions restored: accepted again" "auth PAM_SUCCESS"

# ---- Keeper unreachable ----

# a server that accepts the connection and never answers: the module's
# timeout=1, not libksm's 30 s default, must end it
cat >"$TMP/silent.py" <<'EOT'
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(300)
EOT
python3 "$TMP/silent.py" "$TMP/silent.port" &
SILENT=$!
for _ in $(seq 300); do
	[ -s "$TMP/silent.port" ] && break
	kill -0 "$SILENT" 2>/dev/null || break
	sleep 0.1
done
service kp-fast "config=$PAMCFG" timeout=1
RC=0
KSM_HOSTNAME=127.0.0.1:$(cat "$TMP/silent.port") PAM_DRIVER_PASSWORD=$PW \
    timeout 20 "$DRIVER" "$CONFD" kp-fast kp-deploy auth >"$OUT" 2>"$ERR" ||
    RC=$?
expect "server that never answers, timeout=1: AUTHINFO_UNAVAIL (well within 20 s)" \
    "auth PAM_AUTHINFO_UNAVAIL"
kill "$SILENT" 2>/dev/null
wait "$SILENT" 2>/dev/null

sb_stop
drive "$PW" kp kp-deploy auth
expect "sandbox stopped: AUTHINFO_UNAVAIL" "auth PAM_AUTHINFO_UNAVAIL"
drive "$PW" kp-safe kp-deploy auth
expect "sandbox stopped, failmode=safe: ignored" "auth PAM_USER_UNKNOWN"
drive "" kp kp-deploy open
expect "sandbox stopped: open_session fails" "open PAM_SESSION_ERR"
drive "" kp-safe kp-deploy open
expect "sandbox stopped, failmode=safe: open_session ignored" \
    "open PAM_SUCCESS"
drive "$PW" kp kp-nobody auth
expect "sandbox stopped: an unmanaged user is still ignored at once" \
    "auth PAM_USER_UNKNOWN"

drive "$PW" kp-cache kp-deploy auth acct
expect "sandbox stopped, offline cache: the last confirmed password logs in" \
    "auth PAM_SUCCESS" "acct PAM_SUCCESS"
drive "$OLD" kp-cache kp-deploy auth
expect "sandbox stopped, offline cache: the rotated-out password fails" \
    "auth PAM_AUTH_ERR"
drive "${PW}x" kp-cache kp-deploy auth
expect "sandbox stopped, offline cache: a wrong password fails" \
    "auth PAM_AUTH_ERR"
chmod 755 "$CACHEDIR"
drive "$PW" kp-cache kp-deploy auth
expect "offline cache directory readable by others: not used" \
    "auth PAM_AUTHINFO_UNAVAIL"
chmod 700 "$CACHEDIR"
CACHEFILE=$(find "$CACHEDIR" -type f)
sed -i 's/^pkc1 [0-9]*/pkc1 1000000000/' "$CACHEFILE"
drive "$PW" kp-cache kp-deploy auth acct
expect "sandbox stopped, expired cache entry: AUTHINFO_UNAVAIL" \
    "auth PAM_AUTHINFO_UNAVAIL" "acct PAM_AUTHINFO_UNAVAIL"

check_no_secrets
done_testing
