#!/bin/bash
# tests/release/errors-doc.sh: docs/ERRORS.md has one row per ksm_code of
# include/ksm/error.h, with its name, the CLI exit status (10 + -code),
# ksm_strerror()'s text (core/error.c) and a fix; the CLI computes the
# status that way (cli/exitcode.c); keeper-secret(1) names the rule.
. "$top_srcdir/tests/release/tap.sh"

H=$top_srcdir/include/ksm/error.h
DOC=$top_srcdir/docs/ERRORS.md
SRC=$top_srcdir/core/error.c

if [ ! -f "$DOC" ]; then
	not_ok "docs/ERRORS.md exists (is docs/ in EXTRA_DIST?)"
	done_testing
fi

# NAME VALUE for every KSM_E* (and KSM_ERROR) in the enum
codes=$(sed -n 's/^[[:space:]]*KSM_\(E[A-Z0-9]*\|ERROR\)[[:space:]]*=[[:space:]]*\(-[0-9]*\).*/\1 \2/p' "$H")
n=$(printf '%s\n' "$codes" | grep -c .)
last=$(sed -n 's/^#define[[:space:]]*KSM_CODE_LAST[[:space:]]*KSM_\([A-Z0-9]*\).*/\1/p' "$H")
[ "$n" -ge 24 ] && printf '%s\n' "$codes" | tail -n 1 | grep -q "^$last "
verdict $? "error.h: $n codes, the last is KSM_CODE_LAST ($last)"

while read -r name val; do
	exit_status=$((10 - val))
	row=$(grep -E "^\| $val \| $name \| $exit_status \|" "$DOC")
	if [ -z "$row" ]; then
		not_ok "ERRORS.md has a row '| $val | $name | $exit_status |'"
		continue
	fi
	text=$(perl -ne "print \$1 if /\\{\\s*KSM_$name,\\s*\"$name\",\\s*\"([^\"]*)\"/" "$SRC")
	# the row has 8 cells: code name exit text message meaning fix
	cells=$(printf '%s\n' "$row" | awk -F' [|] ' '{ print NF }')
	fix=$(printf '%s\n' "$row" | awk -F' [|] ' '{ print $7 }' | sed 's/ *|$//')
	if [ -n "$text" ] && [[ "$row" == *"| $text |"* ]] && [ "$cells" -eq 7 ] &&
	    [ -n "$fix" ]; then
		ok "ERRORS.md: $name ($val) exits $exit_status, says '$text', has a fix"
	else
		not_ok "ERRORS.md: $name ($val) row complete (text '$text', $cells cells)"
		diag "$row"
	fi
done <<<"$codes"

# no row for a code error.h does not have
extra=$(grep -Eo '^\| -[0-9]+ \| [A-Z0-9]+ \|' "$DOC" | awk '{ print $4, $2 }' |
    grep -vxF -f <(printf '%s\n' "$codes"))
[ -z "$extra" ]
verdict $? "ERRORS.md has no row for an unknown code"
[ -z "$extra" ] || diag "$extra"

# the rule the table states is the one the CLI applies
grep -q 'CLI_EXIT_KSM_BASE - r' "$top_srcdir/cli/exitcode.c" &&
    grep -Eq 'define[[:space:]]+CLI_EXIT_KSM_BASE[[:space:]]+10' "$top_srcdir/cli/cli.h" &&
    grep -Eq 'define[[:space:]]+CLI_EXIT_USAGE[[:space:]]+2' "$top_srcdir/cli/cli.h"
verdict $? "cli: exit 10 + -code, usage 2 (cli/exitcode.c, cli/cli.h)"

done_testing
