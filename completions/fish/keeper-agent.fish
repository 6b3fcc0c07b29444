# fish completion for keeper-agent (keeper-c)
#
# Options come from `keeper-agent --help`, so new ones complete without a
# change here; profile names and record UIDs (from the local cache only,
# never from Keeper) from `keeper-secret __complete`.

function __keeper_agent_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l ks keeper-secret
    if string match -q '*/*' -- $tokens[1]
        and test -x (dirname -- $tokens[1])/keeper-secret
        set ks (dirname -- $tokens[1])/keeper-secret
    end
    switch "$tokens[-1]"
        case --config -a --known-hosts
            __fish_complete_path $cur
        case --profile
            $ks __complete --profile $cur 2>/dev/null
        case --record
            $ks __complete get $cur 2>/dev/null
        case --folder --refresh
        case '*'
            $tokens[1] --help 2>&1 | string match -ar -- '(?<![A-Za-z0-9-])--?[A-Za-z][A-Za-z-]*' | sort -u
    end
end

complete -c keeper-agent -f -a '(__keeper_agent_complete)'
