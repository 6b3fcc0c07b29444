#!/bin/bash
# tests/integration/install.sh: `make install DESTDIR=...` into a temporary
# directory installs what a user and a packager need, a program builds
# against the installed libksm through pkg-config and runs, and
# `make uninstall` removes every file again.
#
# The install directories, compiler and switches come from the Makefile
# (AM_TESTS_ENVIRONMENT in tests/local.mk: KSM_INST_*, KSM_CC, ...).
. "$top_srcdir/tests/release/tap.sh"

: "${KSM_INST_bindir:?run through make check (KSM_INST_* are set there)}"
CC=${KSM_CC:-cc}
CXX=${KSM_CXX:-g++}
MAKE=${MAKE:-make}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ksm-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
D=$TMP/stage

# a make of our own: not the jobserver or variables of the make check above
submake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	    $MAKE -C "$top_builddir" "$@" >"$TMP/make.log" 2>&1
}

submake install DESTDIR="$D"
rc=$?
verdict $rc "make install DESTDIR=<tmp>"
if [ $rc -ne 0 ]; then
	diag "$(tail -n 20 "$TMP/make.log")"
	done_testing
fi
diag "installed: $(cd "$D" && find . -type f | wc -l) files"

# ---- programs and their man pages ----
progs="keeper-secret git-credential-keeper keeper-aws-credential-process
	keeper-agent"
[ -z "${KSM_ENABLE_SANDBOX-}" ] && progs="$progs keeper-sandbox"
[ -z "${KSM_ENABLE_KEYRING-}" ] && progs="$progs keeper-keyring"

have_man=0
command -v man >/dev/null 2>&1 && have_man=1

# man_ok PAGE NAME: renders, has NAME and the program's name, no warning
man_ok() {
	local page=$1 name=$2
	[ -f "$page" ] || return 1
	LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$page" >"$TMP/man.out" 2>/dev/null &&
	    grep -q '^NAME' "$TMP/man.out" && grep -q -- "$name" "$TMP/man.out" &&
	    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 \
	    >/dev/null | { ! grep .; }
}

for p in $progs; do
	bin=$D$KSM_INST_bindir/$p
	[ -x "$bin" ] && [ -f "$bin" ] && "$bin" --help </dev/null >"$TMP/help" 2>&1 &&
	    [ -s "$TMP/help" ]
	verdict $? "$p installed in bindir and answers --help"
	page=$D$KSM_INST_mandir/man1/$p.1
	if [ $have_man = 1 ]; then
		man_ok "$page" "$p"
		verdict $? "man page $p(1) installed and renders without warnings"
	else
		[ -s "$page" ]
		verdict $? "man page $p(1) installed (man not installed: not rendered)"
	fi
done

# ---- the PAM module ----
if [ -z "${KSM_ENABLE_PAM-}" ]; then
	so=$D$KSM_INST_pamdir/pam_keeper.so
	[ -f "$so" ] && nm -D --defined-only "$so" | grep -q ' pam_sm_authenticate$'
	verdict $? "pam_keeper.so installed in the PAM directory ($KSM_INST_pamdir)"
	[ ! -e "$D$KSM_INST_pamdir/pam_keeper.la" ]
	verdict $? "no libtool archive beside pam_keeper.so"
	page=$D$KSM_INST_mandir/man8/pam_keeper.8
	if [ $have_man = 1 ]; then
		man_ok "$page" pam_keeper
		verdict $? "man page pam_keeper(8) installed and renders without warnings"
	else
		[ -s "$page" ]
		verdict $? "man page pam_keeper(8) installed"
	fi
else
	skip "pam_keeper.so not configured"
fi

# ---- the keyring module libksm dlopen()s ----
if [ -z "${KSM_ENABLE_KEYRING-}" ]; then
	[ -f "$D$KSM_INST_pkglibdir/ksm-keyring.so" ]
	verdict $? "ksm-keyring.so installed in $KSM_INST_pkglibdir"
	[ ! -e "$D$KSM_INST_pkglibdir/ksm-keyring.la" ]
	verdict $? "no libtool archive beside ksm-keyring.so"
fi

# ---- systemd user units for keeper-agent ----
svc=$D$KSM_INST_systemduserunitdir/keeper-agent.service
sock=$D$KSM_INST_systemduserunitdir/keeper-agent.socket
ssock=$D$KSM_INST_systemduserunitdir/keeper-agent-secrets.socket
[ -f "$svc" ] && [ -f "$sock" ] && [ -f "$ssock" ] &&
    grep -q "^ExecStart=$KSM_INST_bindir/keeper-agent " "$svc" &&
    ! grep -q '@[a-z]*@' "$svc" &&
    grep -q '^ListenStream=' "$sock" &&
    grep -qx 'ListenStream=%t/keeper/agent.sock' "$ssock" &&
    grep -qx 'FileDescriptorName=secrets' "$ssock"
verdict $? "systemd user units keeper-agent.service (ExecStart in bindir), .socket and -secrets.socket (%t/keeper/agent.sock)"

# ---- the library, its headers and pkg-config file ----
lib=$D$KSM_INST_libdir
[ -f "$lib/libksm.so" ] || [ -L "$lib/libksm.so" ]
rc=$?
[ $rc -eq 0 ] && [ -e "$(readlink -f "$lib/libksm.so")" ] &&
    [ "$(readlink -f "$lib/libksm.so")" != "$lib/libksm.so" ] &&
    [ -e "$lib/libksm.so.0" ]
verdict $? "libksm.so -> libksm.so.0 -> the library, in libdir"

missing=
for h in "$top_srcdir"/include/ksm/*.h; do
	[ -f "$D$KSM_INST_includedir/ksm/${h##*/}" ] || missing="$missing ${h##*/}"
done
[ -z "$missing" ]
verdict $? "every include/ksm/*.h installed in \$includedir/ksm"
[ -z "$missing" ] || diag "missing:$missing"

pcdir=$D$KSM_INST_pkgconfigdir
[ -f "$pcdir/libksm.pc" ]
verdict $? "libksm.pc installed in $KSM_INST_pkgconfigdir"

pc() {
	PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
	    PKG_CONFIG_SYSROOT_DIR="$D" pkg-config "$@"
}
want=$(sed -n 's/^#define KSM_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]*\([0-9]*\).*/\2/p' \
    "$D$KSM_INST_includedir/ksm/common.h" 2>/dev/null | paste -sd.)
got=$(pc --modversion libksm 2>&1)
[ -n "$want" ] && [ "$got" = "$want" ]
verdict $? "pkg-config --modversion libksm ($got) matches ksm/common.h ($want)"

# a tiny program: TOTP of RFC 6238's SHA-1 vector at T=59, and the error a
# missing config gives
cat >"$TMP/prog.c" <<'PROG'
#include <ksm/ksm.h>
#include <stdio.h>
#include <string.h>

int
main(void)
{
	ksm_client_options o = KSM_CLIENT_OPTIONS_INIT;
	ksm_client *c = NULL;
	char code[KSM_TOTP_CODE_MAX];
	int r;

	r = ksm_totp_code(code, NULL, "otpauth://totp/x?secret="
	    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8", 59);
	if (r != 0 || strcmp(code, "94287082") != 0)
		return 1;
	o.config_path = "/nonexistent/ksm-config.json";
	r = ksm_client_new(&c, &o);
	printf("%s %s %s\n", code, ksm_code_name(r), ksm_strerror(r));
	ksm_client_free(c);
	return r == KSM_ECONFIG ? 0 : 2;
}
PROG
cp "$TMP/prog.c" "$TMP/prog.cc"
# an ASan build's libksm needs the sanitizer runtime first
san=$(printf '%s\n' ${KSM_BUILD_CFLAGS-} | grep '^-fsanitize' | paste -sd' ')

flags=$(pc --cflags --libs libksm 2>&1)
rc=$?
verdict $rc "pkg-config --cflags --libs libksm: $flags"
case $flags in
*"-I$D$KSM_INST_includedir"*"-L$lib"*) ok "pkg-config names the staged include and lib dirs" ;;
*) not_ok "pkg-config names the staged include and lib dirs" ;;
esac

# shellcheck disable=SC2086
$CC -std=c11 -Wall -Wextra -Werror $san "$TMP/prog.c" -o "$TMP/prog" $flags \
    >"$TMP/cc.log" 2>&1
rc=$?
verdict $rc "a C11 program builds against the installed headers and libksm"
[ $rc -eq 0 ] || diag "$(cat "$TMP/cc.log")"
out=$(LD_LIBRARY_PATH="$lib" "$TMP/prog" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$out" = "94287082 ECONFIG configuration missing or corrupt" ]
verdict $? "it runs on the installed libksm: $out"
LD_LIBRARY_PATH="$lib" ldd "$TMP/prog" 2>/dev/null | grep -q "libksm.so.0 => $lib/"
verdict $? "the dynamic linker picks the installed libksm.so.0"

if command -v "${CXX%% *}" >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	$CXX -Wall -Wextra -Werror $san "$TMP/prog.cc" -o "$TMP/prog++" $flags \
	    >"$TMP/cxx.log" 2>&1 &&
	    out=$(LD_LIBRARY_PATH="$lib" "$TMP/prog++" 2>&1) &&
	    [ "$out" = "94287082 ECONFIG configuration missing or corrupt" ]
	rc=$?
	verdict $rc "the same program as C++ builds, links and runs"
	[ $rc -eq 0 ] || diag "$(cat "$TMP/cxx.log")" "$out"
else
	skip "no C++ compiler ($CXX)"
fi

# ---- uninstall leaves nothing behind ----
submake uninstall DESTDIR="$D"
rc=$?
left=$(cd "$D" && find . ! -type d | head -n 20)
[ $rc -eq 0 ] && [ -z "$left" ]
verdict $? "make uninstall DESTDIR=<tmp> removes every installed file"
[ -z "$left" ] || diag "left behind:" $left

done_testing
