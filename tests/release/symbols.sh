#!/bin/bash
# tests/release/symbols.sh: the shared objects export only their API.
#   libksm.so        ksm_* (core/libksm.map), and every function the public
#                    headers declare with KSM_EXTERN
#   pam_keeper.so    pam_sm_* only
#   ksm-keyring.so   ksm_keyring_module_v1 only
. "$top_srcdir/tests/release/tap.sh"

command -v nm >/dev/null 2>&1 || skip_all "nm (binutils) not installed"

LIB=$top_builddir/core/.libs/libksm.so
[ -f "$LIB" ] || skip_all "no shared libksm (configured --disable-shared)"

# dynamic symbols defined by $1, one name a line, version suffix removed;
# the version node itself (KSM_0, an absolute symbol) is not a symbol of ours
exported() {
	nm -D --defined-only "$1" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' |
	    sort -u
}

# only_matching FILE REGEX DESCRIPTION
only_matching() {
	local bad
	bad=$(exported "$1" | grep -Ev "$2")
	if [ -z "$bad" ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "exported outside $2:" $bad
	fi
}

syms=$(exported "$LIB")
n=$(printf '%s\n' "$syms" | grep -c '^ksm_')
[ "$n" -ge 20 ]
verdict $? "libksm.so exports the API ($n ksm_* symbols)"
only_matching "$LIB" '^ksm_' "libksm.so exports nothing but ksm_*"

# no internal ksm__* / ksmx_* helper leaks through the ksm_* pattern
bad=$(printf '%s\n' "$syms" | grep -E '^(ksm__|ksmx_)')
[ -z "$bad" ]
verdict $? "libksm.so exports no internal ksm__/ksmx_ helper"
[ -z "$bad" ] || diag $bad

# every KSM_EXTERN declaration of include/ksm/*.h is exported
declared=$(cat "$top_srcdir"/include/ksm/*.h | perl -0777 -ne \
    'while (/KSM_EXTERN\([^()]*\)\s*(?:KSM_WARN_UNUSED\s*)?(\w+)\s*\(/g) { print "$1\n" }' |
    sort -u)
nd=$(printf '%s\n' "$declared" | grep -c .)
missing=$(comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$syms"))
[ "$nd" -ge 20 ] && [ -z "$missing" ]
verdict $? "all $nd functions declared in include/ksm/*.h are exported"
[ -z "$missing" ] || diag "declared, not exported:" $missing

# the version script keeps the same rule
grep -Eq '^[[:space:]]*global:[[:space:]]*ksm_\*;' "$top_srcdir/core/libksm.map" &&
    ! grep -E '^[[:space:]]*global:' "$top_srcdir/core/libksm.map" | grep -vq 'ksm_\*;'
verdict $? "core/libksm.map exports ksm_* only"

PAM=$top_builddir/plugins/pam/.libs/pam_keeper.so
if [ -f "$PAM" ]; then
	only_matching "$PAM" '^pam_sm_' "pam_keeper.so exports nothing but pam_sm_*"
	exported "$PAM" | grep -qx pam_sm_authenticate
	verdict $? "pam_keeper.so exports pam_sm_authenticate"
else
	skip "pam_keeper.so not built"
fi

KR=$top_builddir/keyring/.libs/ksm-keyring.so
if [ -f "$KR" ]; then
	only_matching "$KR" '^ksm_keyring_module_v1$' \
	    "ksm-keyring.so exports nothing but ksm_keyring_module_v1"
else
	skip "ksm-keyring.so not built"
fi

done_testing
