#!/bin/bash
# tests/release/headers.sh: every public header of include/ksm/ compiles on
# its own, twice included, as C11 and as C++ (strict warnings, -Werror), and
# a C++ caller links every declared function by its C name (extern "C").
. "$top_srcdir/tests/release/tap.sh"

CC=${KSM_CC:-cc}
CXX=${KSM_CXX:-g++}
INC=$top_srcdir/include
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ksm-headers.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
WARN="-Wall -Wextra -Werror -pedantic -Wundef -Wshadow"

headers=$(cd "$INC" && ls ksm/*.h)
[ -n "$headers" ] || { not_ok "no headers in $INC/ksm"; done_testing; }

# compile LANG COMPILER FLAGS... < source
compile() {
	local lang=$1 cc=$2
	shift 2
	# shellcheck disable=SC2086
	$cc -x "$lang" "$@" $WARN -I"$INC" -fsyntax-only - >"$TMP/log" 2>&1
}

have_cxx=0
command -v "${CXX%% *}" >/dev/null 2>&1 && have_cxx=1

for h in $headers; do
	printf '#include <%s>\n#include <%s>\n' "$h" "$h" |
	    compile c "$CC" -std=c11 -Wstrict-prototypes -Wmissing-prototypes
	verdict $? "$h compiles alone as C11"
	[ -s "$TMP/log" ] && diag "$(cat "$TMP/log")"
	if [ $have_cxx = 1 ]; then
		printf '#include <%s>\n#include <%s>\n' "$h" "$h" |
		    compile c++ "$CXX" -std=c++11
		verdict $? "$h compiles alone as C++11"
		[ -s "$TMP/log" ] && diag "$(cat "$TMP/log")"
	else
		skip "$h as C++: no C++ compiler ($CXX; apt-get install g++)"
	fi
done

# C++: every KSM_EXTERN function is referenced by its unmangled C name
if [ $have_cxx = 1 ]; then
	declared=$(cat "$INC"/ksm/*.h | perl -0777 -ne \
	    'while (/KSM_EXTERN\([^()]*\)\s*(?:KSM_WARN_UNUSED\s*)?(\w+)\s*\(/g) { print "$1\n" }' |
	    sort -u)
	{
		echo '#include <ksm/ksm.h>'
		echo 'typedef void (*fn)(void);'
		echo 'extern fn ksm_all[];'
		echo 'fn ksm_all[] = {'
		for f in $declared; do
			echo "	reinterpret_cast<fn>(&$f),"
		done
		echo '};'
	} >"$TMP/all.cc"
	# shellcheck disable=SC2086
	if $CXX -std=c++17 $WARN -I"$INC" -c "$TMP/all.cc" -o "$TMP/all.o" \
	    >"$TMP/log" 2>&1; then
		missing=$(comm -23 <(printf '%s\n' "$declared") \
		    <(nm -u "$TMP/all.o" | awk '{ print $2 }' | sort -u))
		[ -z "$missing" ]
		verdict $? "a C++ caller references all $(echo "$declared" | wc -l) functions by their C names"
		[ -z "$missing" ] || diag "mangled or missing:" $missing
	else
		not_ok "C++ translation unit naming every function compiles"
		diag "$(cat "$TMP/log")"
	fi
else
	skip "extern \"C\" check: no C++ compiler"
fi

done_testing
