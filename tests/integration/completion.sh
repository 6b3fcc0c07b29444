#!/bin/bash
# The shell completions (completions/) and `keeper-secret __complete`:
# commands, options, sub-commands and profiles from the programs' own
# tables and usage texts; record UIDs and titles from the cache of
# Keeper's answers only (the sandbox's request log proves no request is
# ever sent, with the sandbox up and down).  bash runs the real
# completion functions; zsh runs them with compadd/_describe recorded;
# fish asks `complete -C`.  zsh and fish are checked when installed.
. "${top_srcdir:-.}/tests/integration/lib.sh" || { echo "Bail out! cannot read lib.sh (export top_srcdir)"; exit 99; }

VAULT=$top_srcdir/sandbox/demo-vault.json	# records with titles
APP=demo
COMP=$top_srcdir/completions
AGENT=$top_builddir/plugins/ssh-agent/keeper-agent
KK=$top_builddir/keyring/keeper-keyring
LOGIN=ugx5tPRTMb6qaULWYa7H5A	# "Example.com Login"
PG=olMELd8JVNHyUe7UoHeBeg	# "Postgres Staging"
# the programs as the shells find them: on PATH, by name
export PATH=$top_builddir/cli:$top_builddir/plugins/ssh-agent:$top_builddir/keyring:$PATH

# comp ARGS... CUR: keeper-secret __complete, words only, into $OUT
comp() {
	run_ks __complete "$@"
	cut -f1 "$OUT" >"$TMP/words" && mv "$TMP/words" "$OUT"
}

# has WORD...: $OUT holds each WORD as a line
has() {
	local w
	for w in "$@"; do
		grep -qxF -- "$w" "$OUT" || return 1
	done
}

# bash_comp LINE: run the bash completion of LINE (cursor at the end) in a
# fresh bash that sourced the three scripts; COMPREPLY into $OUT.  As bash
# does, the current word starts after the last ':' or '=' (COMP_WORDBREAKS).
bash_comp() {
	bash --norc --noprofile -c '
	    for f in "$1"/bash/*; do . "$f"; done
	    COMP_LINE=$2 COMP_POINT=${#2}
	    read -ra COMP_WORDS <<<"$2"
	    [[ $2 == *" " ]] && COMP_WORDS+=("")
	    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	    COMP_WORDS[COMP_CWORD]=${COMP_WORDS[COMP_CWORD]##*[:=]}
	    f=$(complete -p "${COMP_WORDS[0]}" | sed -n "s/.* -F \([^ ]*\) .*/\1/p")
	    "$f"
	    [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' \
	    _ "$COMP" "$1" >"$OUT" 2>"$ERR"
}

# what keeper-secret --help says of the profile command
PROFILE_SUMMARY=$("$KS" --help | sed -n 's/^  profile  *//p')

requests() {
	grep -c ' get_secret ' "$TMP/sandbox.log" 2>/dev/null || echo 0
}

# ---- commands, options, sub-commands: from the program itself ----

comp ""
want=$("$KS" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
[ -n "$want" ] && [ "$(cat "$OUT")" = "$want" ]
verdict $? "commands: exactly those of keeper-secret --help, in its order"
comp pro
out_is profile "a prefix picks one command"
comp --
has --config --profile --verbose --help --version
verdict $? "global options"
comp init --
has --token --host --server-key --ca-file --config --keyring --help
verdict $? "init's options, from its usage text"
comp cache ""
[ "$(cat "$OUT" | paste -sd' ')" = "status clear" ]
verdict $? "cache's sub-commands"
comp profile ""
[ "$(cat "$OUT" | paste -sd' ')" = "init list use export import rm" ]
verdict $? "profile's sub-commands"
comp download -o ""
[ "$(head -n 1 "$OUT")" = ":file" ]
verdict $? "download -o FILE: file names"
comp exec -- ""
[ "$(head -n 1 "$OUT")" = ":command" ]
verdict $? "exec -- COMMAND: command names"
comp __complete ""
[ ! -s "$OUT" ]
verdict $? "the hidden verb does not complete itself"

# ---- profiles ----
mkdir -p "$HOME/.config/keeper/profiles"
printf '{}\n' >"$HOME/.config/keeper/profiles/ci.json"
printf '{}\n' >"$HOME/.config/keeper/profiles/work.json"
chmod 600 "$HOME/.config/keeper/profiles"/*.json
comp --profile ""
[ "$(cat "$OUT" | paste -sd' ')" = "default ci work" ]
verdict $? "--profile NAME: the profiles"
comp profile use w
out_is work "profile use NAME: the profiles"

# ---- records: from the cache only ----
sb_start
ks_init ""
expect_ok "bind the default configuration (application demo)"
n0=$(requests)
comp get ""
[ ! -s "$OUT" ] && [ "$(requests)" = "$n0" ]
verdict $? "nothing cached yet: no record, and no request to Keeper"
run_ks list
expect_ok "keeper-secret list fills the cache"
n0=$(requests)
comp get ""
has "$LOGIN" "$PG"
verdict $? "get UID: the record UIDs from the cache"
run_ks __complete get ""
grep -qxF "$PG	Postgres Staging" "$OUT"
verdict $? "with the title as description"
comp get post
out_is "$PG" "a title prefix (any case) completes to its UID"
comp totp keeper://ugx
out_is "keeper://$LOGIN/" "keeper://UID/ for a notation"
check "completing records sent no request to Keeper" test "$(requests)" = "$n0"
sb_stop
comp get ""
has "$LOGIN" "$PG"
verdict $? "Keeper down: still the cached UIDs"
KSM_CACHE_TTL=0 run_ks __complete get ""
[ "$RC" -eq 0 ] && [ ! -s "$OUT" ] && [ ! -s "$ERR" ]
verdict $? "cache off: nothing, silently"
comp --profile nope get ""
[ ! -s "$OUT" ]
verdict $? "a profile that does not exist: nothing, silently"

# ---- bash: the installed scripts, sourced ----
bash --norc --noprofile -c 'for f in "$1"/bash/*; do . "$f"; done; complete -p keeper-secret keeper-agent keeper-keyring' \
    _ "$COMP" >"$OUT" 2>&1
[ "$(grep -c '^complete -F ' "$OUT")" -eq 3 ]
verdict $? "bash: complete -p names a function for each program"
bash_comp "keeper-secret pro"
out_is profile "bash: keeper-secret pro<TAB>"
bash_comp "keeper-secret --profile ci get P"
[ ! -s "$OUT" ]
verdict $? "bash: --profile before the command is passed on (ci has nothing cached)"
bash_comp "keeper-secret get P"
out_is "$PG" "bash: get P<TAB> completes the title to its UID"
bash_comp "keeper-secret get keeper://ugx"
out_is "//$LOGIN/" \
    "bash: keeper://… (bash's own word starts after the colon)"
bash_comp "keeper-agent --pro"
out_is "--profile" "bash: keeper-agent options from its --help"
bash_comp "keeper-agent --record P"
out_is "$PG" "bash: keeper-agent --record UID from the cache"
if [ -x "$KK" ]; then
	bash_comp "keeper-keyring config-s"
	[ "$(cat "$OUT" | sort | paste -sd' ')" = "config-show config-store" ]
	verdict $? "bash: keeper-keyring commands from its --help"
	bash_comp "keeper-keyring sync --"
	has --profile --as --remove
	verdict $? "bash: keeper-keyring sync's options"
fi

# ---- zsh: the function, with compadd and _describe recorded ----
if command -v zsh >/dev/null 2>&1; then
	zsh_comp() {
		zsh -f -c '
		    _describe() { local a=$4; print -rl -- ${(P)a}; }
		    compadd() { while [[ $1 == -* ]]; do
		        [[ $1 == -a ]] && { local a=$2; print -rl -- ${(P)a}; return; }
		        shift; done; print -rl -- "$@"; }
		    _files() { print :files; }
		    source "$1"
		    service=$2; shift 2; words=("$@"); CURRENT=$#words
		    PREFIX=$words[CURRENT]
		    _keeper-secret' _ "$COMP/zsh/_keeper-secret" "$@" \
		    >"$OUT" 2>"$ERR"
	}
	zsh -n "$COMP/zsh/_keeper-secret"
	verdict $? "zsh: _keeper-secret parses"
	head -n 1 "$COMP/zsh/_keeper-secret" | grep -qx '#compdef keeper-secret keeper-agent keeper-keyring'
	verdict $? "zsh: #compdef names the three programs"
	zsh_comp keeper-secret keeper-secret pro
	out_is "profile:$PROFILE_SUMMARY" \
	    "zsh: keeper-secret pro<TAB>, with its description"
	zsh_comp keeper-secret keeper-secret get P
	out_is "$PG:Postgres Staging" \
	    "zsh: get P<TAB>: the UID, its title as description"
	zsh_comp keeper-agent keeper-agent --profile ""
	has default ci work
	verdict $? "zsh: keeper-agent --profile NAME"
else
	ok "# SKIP zsh not installed"
fi

# ---- fish: complete -C ----
if command -v fish >/dev/null 2>&1; then
	fish_comp() {
		fish --no-config -c 'for f in $argv[1]/fish/*.fish; source $f; end
		    complete -C$argv[2]' "$COMP" "$1" >"$OUT" 2>"$ERR"
	}
	fish_comp "keeper-secret pro"
	out_is "profile	$PROFILE_SUMMARY" "fish: keeper-secret pro<TAB>"
	fish_comp "keeper-secret get $PG"
	[ "$(cut -f1 "$OUT")" = "$PG" ]
	verdict $? "fish: record UIDs"
	fish_comp "keeper-agent --pro"
	out_is "--profile" "fish: keeper-agent options"
	if [ -x "$KK" ]; then
		fish_comp "keeper-keyring config-s"
		[ "$(cat "$OUT" | sort | paste -sd' ')" = "config-show config-store" ]
		verdict $? "fish: keeper-keyring commands"
	fi
else
	ok "# SKIP fish not installed"
fi

check_no_secrets
done_testing
