# fish completion for swift-unshare(1) and podman-unshare (its podman mode).
#
# Signal names for --kill-child= are offered without the SIG prefix (HUP, INT,
# ..., as `kill -l` prints them), with it once the word starts with SIG, and in
# lower case when the word is typed in lower case (swift-unshare takes any case).
# Once the program word is reached, completion is handed to that program's own
# (__fish_complete_subcommand).
#
# The option list below mirrors OptionTable.unshare; DocsDriftTests checks it.

set -g __swift_unshare_longs_required map-user map-users map-group map-groups owner propagation setgroups setuid setgid root wd monotonic boottime load-interp whitelist-env
set -g __swift_unshare_longs_other help version mount uts ipc net pid user cgroup time fork kill-child forward-signals mount-proc mount-binfmt map-root-user map-current-user map-auto map-subids keep-caps clear-env explain check
set -g __swift_unshare_signals HUP INT QUIT ILL TRAP ABRT IOT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO POLL PWR SYS

# The words of the command line up to the cursor, the current (maybe empty)
# word last; for `swift-unshare --podman ...`, from --podman on.
function __swift_unshare_tokens
    set -l tokens (commandline -opc)
    set -a tokens (commandline -ct)""
    printf '%s\n' $tokens
end

# True in podman mode: `podman-unshare ...` or `swift-unshare --podman ...`.
function __swift_unshare_podman_mode
    set -l tokens (__swift_unshare_tokens)
    test (basename -- $tokens[1]) = podman-unshare; and return 0
    test (count $tokens) -gt 2; and test "$tokens[2]" = --podman
end

# Prints the program and its arguments (the current word last) once the
# program word is reached; fails while the cursor is still among the options
# or on an option's value.
function __swift_unshare_program_args
    set -l tokens (__swift_unshare_tokens)
    set -l n (count $tokens)
    set -l i 2
    set -l podman 0
    if test (basename -- $tokens[1]) = podman-unshare
        set podman 1
    else if test $n -gt 2; and test "$tokens[2]" = --podman
        set podman 1
        set i 3
    end
    set -l value 0
    while test $i -le $n
        set -l word $tokens[$i]
        if test $value = 1
            set value 0
        else if test "$word" = --
            test $i -lt $n; or return 1
            printf '%s\n' $tokens[(math $i + 1)..$n]
            return 0
        else if string match -q -- '--*=*' $word
            # a value attached with "="
        else if string match -q -- '--*' $word
            if test $podman = 0
                set -l name (string sub -s 3 -- $word)
                set -l found
                for o in $__swift_unshare_longs_required $__swift_unshare_longs_other
                    if test "$o" = "$name"
                        set found $o
                        break
                    end
                    string match -q -- "$name*" $o; and set -a found $o
                end
                if test (count $found) = 1; and contains -- $found $__swift_unshare_longs_required
                    set value 1
                end
            end
        else if test $i = $n; and string match -q -- '-*' $word
            # An option being typed.
            return 1
        else if string match -q -- '-?*' $word
            # A cluster ending in a letter that takes the next word as its value.
            if test $podman = 0; and string match -qr -- '^-[^RwSGl]*[RwSGl]$' $word
                set value 1
            end
        else
            # The first word that is not an option: the program.
            printf '%s\n' $tokens[$i..$n]
            return 0
        end
        set i (math $i + 1)
    end
    return 1
end

function __swift_unshare_in_options
    not __swift_unshare_program_args >/dev/null
end

function __swift_unshare_unshare_options
    __swift_unshare_in_options; and not __swift_unshare_podman_mode
end

function __swift_unshare_podman_options
    __swift_unshare_in_options; and __swift_unshare_podman_mode
end

function __swift_unshare_complete_program
    set -l args (__swift_unshare_program_args)
    __fish_complete_subcommand --commandline $args
end

# `--option=value` for options whose value may only be attached: the
# candidates, prefixed with the option so that they match the current word.
function __swift_unshare_attached -a option kind
    set -l cur (commandline -ct)
    string match -q -- "--$option=*" $cur; or return
    set -l value (string replace -- "--$option=" "" $cur)
    switch $kind
        case signal
            set -l names $__swift_unshare_signals
            string match -qi -- 'SIG*' $value; and set names SIG$names
            string match -qr -- '[a-z]' $value; and set names (string lower -- $names)
            printf '%s\n' --$option=$names
        case file
            __fish_complete_path "$value" | string replace -r -- '^' "--$option="
        case directory
            __fish_complete_directories "$value" | string replace -r -- '^' "--$option="
        case format
            printf '%s\n' --$option=json --$option=text
    end
end

# True when the word before the cursor is an unambiguous abbreviation of
# --$option (fish itself completes a value only after the full name).
function __swift_unshare_abbreviates -a option
    set -l prev (commandline -opc)[-1]
    string match -q -- '--*' $prev; or return 1
    string match -q -- '*=*' $prev; and return 1
    set -l name (string sub -s 3 -- $prev)
    test -n "$name"; and test "$name" != "$option"; or return 1
    string match -q -- "$name*" $option; or return 1
    set -l found
    for o in $__swift_unshare_longs_required $__swift_unshare_longs_other
        test "$o" = "$name"; and return 1
        string match -q -- "$name*" $o; and set -a found $o
    end
    test (count $found) = 1
end

set -l unshare -c swift-unshare -n __swift_unshare_unshare_options
set -l podman -n __swift_unshare_podman_options

# Namespaces: -x, the value may only be attached (--mount=FILE).
complete $unshare -s m -l mount -d 'unshare mounts namespace'
complete $unshare -s u -l uts -d 'unshare UTS namespace'
complete $unshare -s i -l ipc -d 'unshare System V IPC namespace'
complete $unshare -s n -l net -d 'unshare network namespace'
complete $unshare -s p -l pid -d 'unshare pid namespace'
complete $unshare -s U -l user -d 'unshare user namespace'
complete $unshare -s C -l cgroup -d 'unshare cgroup namespace'
complete $unshare -s T -l time -d 'unshare time namespace'
for ns in mount uts ipc net pid user cgroup time
    complete -c swift-unshare -n "__swift_unshare_unshare_options; and string match -q -- '--$ns=*' (commandline -ct)" -f -a "(__swift_unshare_attached $ns file)"
end

complete $unshare -l mount-proc -d 'mount proc filesystem first'
complete $unshare -l mount-binfmt -d 'mount binfmt filesystem first'
for dir in mount-proc mount-binfmt
    complete -c swift-unshare -n "__swift_unshare_unshare_options; and string match -q -- '--$dir=*' (commandline -ct)" -f -a "(__swift_unshare_attached $dir directory)"
end
complete $unshare -s l -l load-interp -x -d 'load binfmt definition in the namespace'
complete $unshare -l propagation -x -a 'slave shared private unchanged' -d 'modify mount propagation in mount namespace'
complete $unshare -s R -l root -x -a '(__fish_complete_directories)' -d 'run the command with root directory set to dir'
complete $unshare -s w -l wd -x -a '(__fish_complete_directories)' -d 'change working directory to dir'

complete $unshare -s S -l setuid -x -d 'set uid in entered namespace'
complete $unshare -s G -l setgid -x -d 'set gid in entered namespace'
complete $unshare -l map-user -x -a '(__fish_complete_users)' -d 'map current user to uid'
complete $unshare -l map-group -x -a '(__fish_complete_groups)' -d 'map current group to gid'
complete $unshare -s r -l map-root-user -d 'map current user to root'
complete $unshare -s c -l map-current-user -d 'map current user to itself'
complete $unshare -l map-auto -d 'map users and groups automatically'
complete $unshare -l map-subids -d 'map the first block of user IDs owned by euid'
complete $unshare -l map-users -x -a 'auto subids all' -d 'map count users from outeruid to inneruid'
complete $unshare -l map-groups -x -a 'auto subids all' -d 'map count groups from outergid to innergid'
complete $unshare -l owner -x -d 'set the user namespace owner (uid:gid)'

complete $unshare -s f -l fork -d 'fork before launching program'
complete $unshare -l kill-child -d 'when dying, kill the forked child'
complete -c swift-unshare -n "__swift_unshare_unshare_options; and string match -q -- '--kill-child=*' (commandline -ct)" -f -a "(__swift_unshare_attached kill-child signal)"
complete $unshare -l forward-signals -d 'forward SIGTERM and SIGINT to child'

complete $unshare -l setgroups -x -a 'allow deny' -d 'control the setgroups syscall in user namespaces'
complete $unshare -l keep-caps -d 'retain capabilities granted in user namespaces'

complete $unshare -l monotonic -x -d 'set clock monotonic offset (seconds) in time namespaces'
complete $unshare -l boottime -x -d 'set clock boottime offset (seconds) in time namespaces'
complete $unshare -l clear-env -d 'do not inherit environment variables'
complete $unshare -l whitelist-env -x -a '(__fish_complete_list , "set -nx")' -d 'clear environment except for specified variables'
complete $unshare -l explain -d 'print what would be done, do nothing'
complete $unshare -l check -d 'try the steps, not the program (alone: what works here)'
complete -c swift-unshare -n "__swift_unshare_unshare_options; and string match -q -- '--check=*' (commandline -ct)" -f -a "(__swift_unshare_attached check format)"

# The values of an abbreviated option: `--prop <TAB>` as `--propagation <TAB>`.
set -l abbreviates '__swift_unshare_unshare_options; and __swift_unshare_abbreviates'
complete -c swift-unshare -x -n "$abbreviates propagation" -a 'slave shared private unchanged'
complete -c swift-unshare -x -n "$abbreviates setgroups" -a 'allow deny'
complete -c swift-unshare -x -n "$abbreviates map-users" -a 'auto subids all'
complete -c swift-unshare -x -n "$abbreviates map-groups" -a 'auto subids all'
complete -c swift-unshare -x -n "$abbreviates map-user" -a '(__fish_complete_users)'
complete -c swift-unshare -x -n "$abbreviates map-group" -a '(__fish_complete_groups)'
complete -c swift-unshare -x -n "$abbreviates root" -a '(__fish_complete_directories)'
complete -c swift-unshare -x -n "$abbreviates wd" -a '(__fish_complete_directories)'

complete $unshare -s h -l help -d 'display help'
complete $unshare -s V -l version -d 'display version'
complete -c swift-unshare -n '__swift_unshare_unshare_options; and test (count (commandline -opc)) = 1' -l podman -d 'podman-unshare mode'

# podman mode: `swift-unshare --podman ...` and `podman-unshare ...`.
for cmd in swift-unshare podman-unshare
    complete -c $cmd $podman -l rootless-netns -d 'join the rootless network namespace of podman'
    complete -c $cmd $podman -l explain -d 'print what would be done, do nothing'
    complete -c $cmd $podman -l check -d 'report the path of podman mode on this machine, run nothing'
    complete -c $cmd -n "__swift_unshare_podman_options; and string match -q -- '--check=*' (commandline -ct)" -f -a "(__swift_unshare_attached check format)"
    complete -c $cmd $podman -s h -l help -d 'display help'
    # The program, then its own completion.
    complete -c $cmd -n __swift_unshare_program_args -x -a '(__swift_unshare_complete_program)'
end
