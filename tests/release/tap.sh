# shellcheck shell=bash
# tests/release/tap.sh: TAP helpers for the release checks (sourced).
# The plan comes last; the verdict is in the TAP lines, so the scripts
# exit 0 after printing them.
set -u

: "${top_srcdir:?run through make check, or export top_srcdir}"
: "${top_builddir:?run through make check, or export top_builddir}"

_n=0

ok() {
	_n=$((_n + 1))
	echo "ok $_n - $*"
}

not_ok() {
	_n=$((_n + 1))
	echo "not ok $_n - $*"
}

# verdict STATUS DESCRIPTION: ok when STATUS is 0
verdict() {
	if [ "$1" -eq 0 ]; then
		ok "$2"
	else
		not_ok "$2"
	fi
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

skip() {
	_n=$((_n + 1))
	echo "ok $_n # SKIP $*"
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

done_testing() {
	echo "1..$_n"
	exit 0
}
