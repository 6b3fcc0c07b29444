# fish completion for keeper-secret (keeper-c)
#
# The candidates come from `keeper-secret __complete WORDS... CUR`, which
# reads the program's own command table and usage texts, and takes record
# UIDs from the local cache of Keeper's answers only: completing never
# talks to Keeper.

function __keeper_secret_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l out ($tokens[1] __complete $tokens[2..-1] $cur 2>/dev/null)
    switch "$out[1]"
        case :file
            __fish_complete_path $cur
        case :command
            __fish_complete_command
        case '*'
            printf '%s\n' $out
    end
end

complete -c keeper-secret -f -a '(__keeper_secret_complete)'
