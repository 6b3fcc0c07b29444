#!/bin/bash
# tests/release/man-help.sh: every program's --help and its man page agree.
#
# Generic: the programs and man pages come from the Makefile (make
# print-install-dirs), so a new program or option is checked without
# touching this file.  For each program with a man page:
#   - every option --help shows (and each command's --help, for programs
#     whose --help lists "commands:") appears in the man page;
#   - every option the man page documents (its SYNOPSIS, and the tag of
#     each tagged paragraph) appears in some --help of the program;
#   - per command: the command has a SYNOPSIS line, the long options its
#     --help defines (usage lines, option list) are on its SYNOPSIS lines,
#     and those lines name no option its --help does not know (--help
#     itself is everywhere, so it is left out).
# Options are words like -x, --long-name; text is compared as rendered by
# man(1) on one long line, so line breaks and hyphenation never split one.
. "$top_srcdir/tests/release/tap.sh"

MAKE=${MAKE:-make}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ksm-manhelp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

command -v man >/dev/null 2>&1 || skip_all "man not installed (apt-get install man-db)"
eval "$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
    $MAKE -s -C "$top_builddir" print-install-dirs 2>/dev/null)"
[ -n "${programs-}" ] || { not_ok "make print-install-dirs"; done_testing; }

# options WORDS...: the option words of stdin, one a line, sorted, unique
options() {
	grep -oE '(^|[^A-Za-z0-9_-])--?[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*' |
	    sed -E 's/^[^-]//' | sort -u
}

# defined: the options a --help text on stdin defines: those of its usage
# lines and those that start a line of its option list (not the ones its
# prose or examples mention)
defined() {
	awk '/^usage:/ { u = 1 } u && /^$/ { u = 0 } u || /^[ \t]+-/' |
	    options
}

# render PAGE: the man page as text, each paragraph on one line
render() {
	LC_ALL=C MANWIDTH=5000 man -l "$1" 2>/dev/null | col -b
}

# section TEXT-FILE NAME: the lines of one section of rendered text
section() {
	awk -v s="$2" '/^[A-Z]/ { on = ($0 == s) ; next } on' "$1"
}

# tags PAGE: the tags of the page's tagged paragraphs (.TP), as text
tags() {
	awk '/^\.TP/ { getline; print }' "$1" |
	    sed -E -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/^\.[A-Z]+ //'
}

# missing LIST-FILE IN-FILE: the words of LIST-FILE that IN-FILE lacks
missing() {
	local w out=
	while IFS= read -r w; do
		grep -qxF -- "$w" "$2" || out="$out $w"
	done <"$1"
	printf '%s' "$out"
}

# help PROGRAM [COMMAND]: its --help text (stdout and stderr)
help() {
	timeout 20 "$@" --help </dev/null 2>&1
}

checked=0
for prog in $programs; do
	name=${prog##*/}
	page=
	for m in $manpages; do
		[ "${m##*/}" = "$name.1" ] && page=$top_srcdir/$m
	done
	[ -n "$page" ] || continue	# install.sh says so
	checked=$((checked + 1))
	bin=$top_builddir/$prog
	W=$TMP/$name
	mkdir -p "$W"
	render "$page" >"$W/man.txt"
	options <"$W/man.txt" >"$W/man.all"
	section "$W/man.txt" SYNOPSIS >"$W/synopsis"
	{ options <"$W/synopsis"; tags "$page" | options; } | sort -u >"$W/man.doc"

	help "$bin" >"$W/help0.txt"
	cp "$W/help0.txt" "$W/help.txt"
	options <"$W/help0.txt" >"$W/hglobal"
	commands=$(awk '/^commands:/ { on = 1; next } on && /^$/ { exit }
	    on && /^  [a-z]/ { print $1 }' "$W/help0.txt")
	for c in $commands; do
		help "$bin" "$c" >"$W/help-$c.txt"
		cat "$W/help-$c.txt" >>"$W/help.txt"
	done
	options <"$W/help.txt" >"$W/help.all"

	out=$(missing "$W/help.all" "$W/man.all")
	[ -z "$out" ]
	verdict $? "$name: every option of its --help is in $name(1)${out:+; missing:$out}"
	out=$(missing "$W/man.doc" "$W/help.all")
	[ -z "$out" ]
	verdict $? "$name: every option $name(1) documents is in its --help${out:+; missing:$out}"

	for c in $commands; do
		# the SYNOPSIS lines of "NAME C ..."
		grep -E "^ *$name $c( |$)" "$W/synopsis" >"$W/syn-$c"
		if [ ! -s "$W/syn-$c" ]; then
			not_ok "$name $c: no SYNOPSIS line in $name(1)"
			continue
		fi
		defined <"$W/help-$c.txt" | grep -v -e '^-h$' -e '^--help$' |
		    grep '^--' >"$W/hc-$c"
		options <"$W/syn-$c" >"$W/sc-$c"
		out=$(missing "$W/hc-$c" "$W/sc-$c")
		[ -z "$out" ]
		verdict $? "$name $c: the options of its --help are on its SYNOPSIS lines${out:+; missing:$out}"
		grep '^--' "$W/sc-$c" >"$W/scl-$c"
		options <"$W/help-$c.txt" | cat - "$W/hglobal" | sort -u \
		    >"$W/known-$c"
		out=$(missing "$W/scl-$c" "$W/known-$c")
		[ -z "$out" ]
		verdict $? "$name $c: its SYNOPSIS lines name no option its --help lacks${out:+; unknown:$out}"
	done
done
[ "$checked" -gt 0 ]
verdict $? "checked $checked programs against their man pages"

done_testing
