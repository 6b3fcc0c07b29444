#!/bin/bash
# tests/integration/install.sh: install the way a distribution package is
# built, `make install prefix=/usr DESTDIR=<tmp>`, and check what a user
# and a packager get: programs and lint-clean man pages (libksm(3)'s
# example compiled and run), the documents they point to, pam_keeper.so
# where libpam looks for a module named without a path, a commented example
# stack, bash/zsh/fish completions where each shell looks, no libtool
# archive, a program built against the installed libksm through
# pkg-config; then `make uninstall` removes every file again.
#
# The prefix is given to make install, so the directories come from the
# Makefile for that prefix (make print-install-dirs).  Paths compiled into
# the programs (the systemd unit's ExecStart, the keyring module) follow
# configure's prefix: a package configures --prefix=/usr.
. "$top_srcdir/tests/release/tap.sh"

CC=${KSM_CC:-cc}
CXX=${KSM_CXX:-g++}
MAKE=${MAKE:-make}
PREFIX=/usr
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ksm-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
D=$TMP/stage

# a make of our own: not the jobserver or variables of the make check above
submake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	    $MAKE -C "$top_builddir" "$@"
}

# the directories of a prefix ("" for configure's own), as shell variables
dirs_of() {
	submake -s print-install-dirs ${1:+prefix="$1"} 2>"$TMP/dirs.err"
}
conf_bindir=$(eval "$(dirs_of "")"; echo "$bindir")
eval "$(dirs_of "$PREFIX")" ||
    { not_ok "make print-install-dirs"; diag "$(cat "$TMP/dirs.err")"; done_testing; }

submake install prefix="$PREFIX" DESTDIR="$D" >"$TMP/make.log" 2>&1
rc=$?
verdict $rc "make install prefix=$PREFIX DESTDIR=<tmp>"
if [ $rc -ne 0 ]; then
	diag "$(tail -n 20 "$TMP/make.log")"
	done_testing
fi
diag "installed: $(cd "$D" && find . -type f | wc -l) files"

# ---- programs and their man pages, lint-clean ----
have_man=0
command -v man >/dev/null 2>&1 && have_man=1

# man_ok PAGE NAME: renders, has NAME and the name, no groff warning
man_ok() {
	local page=$1 name=$2
	[ -f "$page" ] || return 1
	[ $have_man = 1 ] || { [ -s "$page" ]; return; }
	LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$page" >"$TMP/man.out" 2>/dev/null &&
	    grep -q '^NAME' "$TMP/man.out" && grep -q -- "$name" "$TMP/man.out" &&
	    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 \
	    >/dev/null | { ! grep .; }
}
lint=" and renders without warnings"
[ $have_man = 1 ] || lint=" (man not installed: not rendered)"

for p in $programs; do
	p=${p##*/}
	bin=$D$bindir/$p
	[ -x "$bin" ] && [ -f "$bin" ] && "$bin" --help </dev/null >"$TMP/help" 2>&1 &&
	    [ -s "$TMP/help" ]
	verdict $? "$p installed in $bindir and answers --help"
done
for m in $manpages; do
	m=${m##*/}
	man_ok "$D$mandir/man${m##*.}/$m" "${m%.*}"
	verdict $? "man page $m installed$lint"
done
missing=
for p in $programs; do
	p=${p##*/}
	case " $manpages " in *"/$p.1 "*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ]
verdict $? "every program has a man page${missing:+ (missing:$missing)}"

# ---- the documents, and man pages that point to them ----
missing=
for f in README.md LICENSE "$top_srcdir"/docs/*.md; do
	f=${f##*/}
	[ "$f" = LICENSE ] && [ ! -f "$top_srcdir/LICENSE" ] && continue
	[ -s "$D$docdir/$f" ] || missing="$missing $f"
done
[ -z "$missing" ]
verdict $? "README.md and every docs/*.md installed in $docdir${missing:+ (missing:$missing)}"
[ -f "$top_srcdir/LICENSE" ] || skip "no LICENSE in the source tree to install"
refs=$(cd "$D$mandir" && grep -ho '/usr/share/doc/keeper-c/[A-Za-z0-9_.-]\+' \
    man*/* | sort -u)
missing=
for r in $refs; do
	[ -f "$D$r" ] || missing="$missing $r"
done
[ -n "$refs" ] && [ -z "$missing" ]
verdict $? "each document a man page names is installed there ($(echo $refs | wc -w) names)${missing:+; missing:$missing}"
# another prefix: the installed pages name its doc directory
submake install-man install-man-docdir prefix=/opt/kc DESTDIR="$TMP/opt" \
    >"$TMP/make-opt.log" 2>&1 &&
    grep -rqF /opt/kc/share/doc/keeper-c/CONFIG.md "$TMP/opt/opt/kc/share/man" &&
    ! grep -rqF /usr/share/doc/keeper-c "$TMP/opt/opt/kc/share/man"
verdict $? "with prefix /opt/kc the man pages name /opt/kc/share/doc/keeper-c"

# libksm(3)'s EXAMPLE: compiled below, against the installed library
sed -n '/^\.SH EXAMPLE/,/^\.SH/p' "$D$mandir/man3/libksm.3" 2>/dev/null |
    sed -n '/^\.EX/,/^\.EE/p' | sed -e '1d' -e '/^\.EE/,$d' \
    -e 's/\\e/\\/g' -e 's/\\-/-/g' >"$TMP/example.c"
grep -q '^main(int argc' "$TMP/example.c"
verdict $? "libksm(3) has a C example ($(wc -l <"$TMP/example.c") lines)"

# ---- the PAM module ----
if [ -z "${KSM_ENABLE_PAM-}" ]; then
	if [ -n "$pamsystemdir" ]; then
		[ "$pamdir" = "$pamsystemdir" ]
		verdict $? "prefix $PREFIX: pam_keeper.so goes to the system's PAM directory ($pamsystemdir)"
		[ -f "$pamsystemdir/pam_unix.so" ] || [ -f "$pamsystemdir/pam_permit.so" ]
		verdict $? "that directory holds the system's own modules"
	else
		skip "configure found no system PAM directory"
	fi
	so=$D$pamdir/pam_keeper.so
	[ -f "$so" ] && nm -D --defined-only "$so" | grep -q ' pam_sm_authenticate$'
	verdict $? "pam_keeper.so installed in $pamdir"
	ex=$D$docdir/pam_keeper.example
	want=pam_keeper.so
	[ "$pamdir" = "$pamsystemdir" ] || want=$pamdir/pam_keeper.so
	[ -f "$ex" ] && ! grep -v '^#' "$ex" | grep -q . &&
	    grep -Eq "^#auth .* $want( |$)" "$ex" &&
	    grep -Eq "^#account .* $want( |$)" "$ex"
	verdict $? "a commented example stack in $docdir naming the module as '$want'"
else
	skip "pam_keeper.so not configured"
fi

# ---- shell completions, where each shell looks ----
bc=$D$bashcompletiondir/keeper-secret
[ -f "$bc" ] && [ -f "$D$bashcompletiondir/keeper-agent" ] &&
    [ "$(bash --norc --noprofile -c '. "$1"; complete -p keeper-secret' _ "$bc" 2>&1)" = \
    "complete -F _keeper_secret keeper-secret" ]
verdict $? "bash completion in $bashcompletiondir: complete -p keeper-secret after sourcing it"
if want=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null) &&
    [ -n "$want" ]; then
	[ "$want" = "$bashcompletiondir" ]
	verdict $? "that is bash-completion's own directory ($want)"
else
	skip "bash-completion not installed: its directory not compared"
fi
zc=$D$zshcompletiondir/_keeper-secret
[ -f "$zc" ] && { ! command -v zsh >/dev/null 2>&1 || zsh -n "$zc"; }
verdict $? "zsh completion in $zshcompletiondir"
if command -v zsh >/dev/null 2>&1; then
	zsh -fc 'print -l $fpath' | grep -qxF "$zshcompletiondir"
	verdict $? "zsh's fpath has $zshcompletiondir"
else
	skip "zsh not installed: its fpath not checked"
fi
fc=$D$fishcompletiondir/keeper-secret.fish
[ -f "$fc" ] && [ -f "$D$fishcompletiondir/keeper-agent.fish" ] &&
    { ! command -v fish >/dev/null 2>&1 || fish -n "$fc"; }
verdict $? "fish completions in $fishcompletiondir"
if command -v fish >/dev/null 2>&1; then
	HOME=$TMP fish -c 'printf "%s\n" $fish_complete_path' |
	    grep -qxF "$fishcompletiondir"
	verdict $? "fish's completion path has $fishcompletiondir"
else
	skip "fish not installed: its path not checked"
fi

# ---- no libtool archive anywhere ----
las=$(cd "$D" && find . -name '*.la')
[ -z "$las" ]
verdict $? "no .la file installed${las:+: $las}"

# ---- the keyring module libksm dlopen()s ----
if [ -z "${KSM_ENABLE_KEYRING-}" ]; then
	[ -f "$D$pkglibdir/ksm-keyring.so" ]
	verdict $? "ksm-keyring.so installed in $pkglibdir"
fi

# ---- systemd user units for keeper-agent ----
svc=$D$systemduserunitdir/keeper-agent.service
sock=$D$systemduserunitdir/keeper-agent.socket
ssock=$D$systemduserunitdir/keeper-agent-secrets.socket
[ -f "$svc" ] && [ -f "$sock" ] && [ -f "$ssock" ] &&
    grep -q "^ExecStart=$conf_bindir/keeper-agent " "$svc" &&
    ! grep -q '@[a-z]*@' "$svc" &&
    grep -q '^ListenStream=' "$sock" &&
    grep -qx 'ListenStream=%t/keeper/agent.sock' "$ssock" &&
    grep -qx 'FileDescriptorName=secrets' "$ssock"
verdict $? "systemd user units in $systemduserunitdir (ExecStart in configure's bindir), .socket and -secrets.socket (%t/keeper/agent.sock)"

# ---- the library, its headers and pkg-config file ----
lib=$D$libdir
[ -f "$lib/libksm.so" ] || [ -L "$lib/libksm.so" ]
rc=$?
[ $rc -eq 0 ] && [ -e "$(readlink -f "$lib/libksm.so")" ] &&
    [ "$(readlink -f "$lib/libksm.so")" != "$lib/libksm.so" ] &&
    [ -e "$lib/libksm.so.0" ]
verdict $? "libksm.so -> libksm.so.0 -> the library, in $libdir"

missing=
for h in "$top_srcdir"/include/ksm/*.h; do
	[ -f "$D$includedir/ksm/${h##*/}" ] || missing="$missing ${h##*/}"
done
[ -z "$missing" ]
verdict $? "every include/ksm/*.h installed in \$includedir/ksm"
[ -z "$missing" ] || diag "missing:$missing"

pcdir=$D$pkgconfigdir
[ -f "$pcdir/libksm.pc" ]
verdict $? "libksm.pc installed in $pkgconfigdir"

# /usr/include and /usr/lib are system directories pkg-config leaves out
pc() {
	PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
	    PKG_CONFIG_SYSROOT_DIR="$D" PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 \
	    PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 pkg-config "$@"
}
want=$(sed -n 's/^#define KSM_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]*\([0-9]*\).*/\2/p' \
    "$D$includedir/ksm/common.h" 2>/dev/null | paste -sd.)
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
*"-I$D$includedir"*"-L$lib"*) ok "pkg-config names the staged include and lib dirs" ;;
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

# shellcheck disable=SC2086
$CC -std=c11 -Wall -Wextra -Werror $san "$TMP/example.c" -o "$TMP/example" \
    $flags >"$TMP/cc.log" 2>&1
rc=$?
verdict $rc "libksm(3)'s example builds with -Wall -Wextra -Werror"
[ $rc -eq 0 ] || diag "$(cat "$TMP/cc.log")"
out=$(LD_LIBRARY_PATH="$lib" "$TMP/example" /nonexistent/ksm-config.json 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$out" = "ECONFIG: no Keeper configuration found at '/nonexistent/ksm-config.json'
hint: bind one with: keeper-secret init --token <one-time token>" ]
verdict $? "and reports a missing configuration as the page says (exit $rc)"
[ $rc -eq 1 ] || diag "$out"

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
submake uninstall prefix="$PREFIX" DESTDIR="$D" >"$TMP/make.log" 2>&1
rc=$?
left=$(cd "$D" && find . ! -type d | head -n 20)
[ $rc -eq 0 ] && [ -z "$left" ]
verdict $? "make uninstall prefix=$PREFIX DESTDIR=<tmp> removes every installed file"
[ -z "$left" ] || diag "left behind:" $left

done_testing
