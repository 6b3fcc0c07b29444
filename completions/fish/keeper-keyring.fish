# fish completion for keeper-keyring (keeper-c)
#
# Commands and their options come from the usage lines of
# `keeper-keyring --help`, so new ones complete without a change here.

function __keeper_keyring_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l usage ($tokens[1] --help 2>&1 | string replace -r '^(usage:)? *keeper-keyring ' '')
    if test (count $tokens) -eq 1
        for line in $usage
            string split -f1 ' ' -- $line
        end | sort -u
    else if test "$tokens[-1]" = --profile
        keeper-secret __complete --profile $cur 2>/dev/null
    else if string match -q -- '-*' $cur
        for line in $usage
            if test (string split -f1 ' ' -- $line) = $tokens[2]
                string match -ar -- '(?<![A-Za-z0-9-])--?[A-Za-z][A-Za-z-]*' $line
            end
        end | sort -u
    end
end

complete -c keeper-keyring -f -a '(__keeper_keyring_complete)'
