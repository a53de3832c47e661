#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Prepares this machine for swift-unshare's integration tests. Idempotent.
#
#   sh scripts/test-setup.sh             as root: say what will change, then change it
#   sh scripts/test-setup.sh --dry-run   only say what would change (any user)
#   sh scripts/test-setup.sh --ranges-only   only the subordinate ranges (no packages,
#                                        no accounts; for the script's own tests)
#
# What it may change, each said before it is done:
# - packages, when their commands are missing: uidmap (newuidmap, newgidmap),
#   podman (the oracle of podman mode), zsh and fish (completion tests),
#   man-db, bash-completion, lintian (the Debian package test);
# - the decoy: what a fresh `useradd` hands out first on Debian (uid 1001 for the
#   second account, and the subordinate range 100000:65536) must belong to an
#   account other than the test accounts, so that a test assuming them fails on
#   every machine. Where no other account holds them, the account unshare-decoy
#   (no home, no login shell) takes them: the uid when it is free, and in each of
#   /etc/subuid and /etc/subgid the ids of 100000-165535 that no other line holds.
#   A test account that holds the uid is removed (with its home) and made again,
#   after the decoy has taken it;
# - two unprivileged accounts, made with useradd (which picks free uids; nothing
#   here or in the tests assumes which): unshare-tester and unshare-tester2;
# - their lines in /etc/subuid and /etc/subgid: unshare-tester gets one range
#   of 65536 ids, unshare-tester2 two ranges (1000 and 2000 ids). Ranges already
#   there are kept when they have those sizes and overlap no other line (the
#   decoy's included); new ones are the lowest free ids from the preferred starts
#   below up (the same numbers in both files), overlapping no line of another
#   user. Other users' lines are never touched. useradd is told to add no lines
#   of its own (SUB_UID_COUNT and SUB_GID_COUNT 0): the script writes them.
# Not root: prints what it could not do; the tests that need it skip, saying why.
# SUBUID and SUBGID name other files to read and write, and PASSWD a passwd file
# to read accounts from instead of the passwd database (with --dry-run or
# --ranges-only only): for the script's own tests.
set -eu

SUBUID=${SUBUID:-/etc/subuid}
SUBGID=${SUBGID:-/etc/subgid}
PASSWD=${PASSWD:-}

dry_run=0 ranges_only=0
case ${1:-} in
    --dry-run) dry_run=1 ;;
    --ranges-only) ranges_only=1 ;;
esac

say() { echo "test-setup: $*" >&2; }

if [ -n "$PASSWD" ] && [ $dry_run = 0 ] && [ $ranges_only = 0 ]; then
    say "PASSWD is read only with --dry-run or --ranges-only (accounts are changed in the real database)"
    exit 2
fi
if [ "$(id -u)" != 0 ] && [ $dry_run = 0 ]; then
    say "not root: the unprivileged-user tests will be skipped (--dry-run shows what root would change)"
    exit 0
fi

TESTERS="unshare-tester unshare-tester2"
# The sizes of each account's ranges, and the starts tried first: unshare-tester
# right after the decoy's range, unshare-tester2 clear of it.
sizes() { case $1 in unshare-tester) echo 65536 ;; unshare-tester2) echo "1000 2000" ;; esac; }
preferred() { case $1 in unshare-tester) echo 165536 ;; unshare-tester2) echo "300000 400000" ;; esac; }

# The decoy, and what it holds when no other account does.
DECOY=unshare-decoy
DECOY_UID=1001
DECOY_START=100000 DECOY_COUNT=65536
# useradd without subordinate lines of its own.
NO_SUBIDS="-K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0"

# uid_of NAME: the account's uid, or nothing. name_of UID: the account with that uid, or nothing.
uid_of() {
    if [ -n "$PASSWD" ]; then
        awk -F: -v n="$1" '$1 == n { print $3; exit }' "$PASSWD"
    else
        getent passwd "$1" | cut -d: -f3
    fi
}
name_of() {
    if [ -n "$PASSWD" ]; then
        awk -F: -v u="$1" '$3 == u { print $1; exit }' "$PASSWD"
    else
        getent passwd "$1" | cut -d: -f1
    fi
}

# Every "start count" range of lines in /etc/subuid and /etc/subgid that belong
# to neither the test accounts nor the decoy (comments and malformed lines skipped).
others() {
    cat "$@" 2>/dev/null | awk -F: -v skip=" $TESTERS $DECOY " '
        NF == 3 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ && index(skip, " " $1 " ") == 0 { print $2, $3 }'
}

# The "start:count" ranges of account $2 in file $1, in file order.
ranges_of() {
    [ -f "$1" ] || return 0
    awk -F: -v name="$2" '$1 == name { print $2 ":" $3 }' "$1"
}

# free START COUNT TAKEN: START if [START, START+COUNT) overlaps none of the
# "start count" lines in $TAKEN, else the lowest start above it that does not.
free() {
    printf '%s\n' "$3" | awk -v s="$1" -v n="$2" '
        NF == 2 { a[++k] = $1; c[k] = $2 }
        END {
            do {
                moved = 0
                for (i = 1; i <= k; i++)
                    if (s < a[i] + c[i] && a[i] < s + n) { s = a[i] + c[i]; moved = 1 }
            } while (moved)
            print s
        }'
}

# gaps FILE: the parts of the decoy's range that no line of FILE holds, other
# than the test accounts' and the decoy's own, as "start:count ..." (maybe none).
gaps() {
    others "$1" | awk -v s="$DECOY_START" -v n="$DECOY_COUNT" '
        { a[++k] = $1; e[k] = $1 + $2 }
        END {
            pos = s; end = s + n; out = ""
            while (pos < end) {
                covered = 0
                for (i = 1; i <= k; i++)
                    if (a[i] <= pos && pos < e[i]) { pos = e[i]; covered = 1 }
                if (covered) continue
                stop = end
                for (i = 1; i <= k; i++)
                    if (a[i] > pos && a[i] < stop) stop = a[i]
                out = out (out == "" ? "" : " ") pos ":" (stop - pos)
                pos = stop
            }
            print out
        }'
}

# --- what is to change ---------------------------------------------------

missing=""
if [ $ranges_only = 0 ]; then
    command -v newuidmap >/dev/null 2>&1 || missing="$missing uidmap"
    command -v podman >/dev/null 2>&1 || missing="$missing podman"
    command -v zsh >/dev/null 2>&1 || missing="$missing zsh"
    command -v fish >/dev/null 2>&1 || missing="$missing fish"
    command -v man >/dev/null 2>&1 || missing="$missing man-db"
    command -v lintian >/dev/null 2>&1 || missing="$missing lintian"
    [ -f /usr/share/bash-completion/bash_completion ] || missing="$missing bash-completion"
fi

new_accounts=""
for name in $TESTERS; do
    [ -n "$(uid_of "$name")" ] || new_accounts="$new_accounts $name"
done
if [ $ranges_only = 1 ] && [ -n "$new_accounts" ]; then
    say "--ranges-only: missing accounts:$new_accounts"
    exit 1
fi

# The decoy's lines: what no other account holds of its range, in each file.
decoy_subuid=$(gaps "$SUBUID")
decoy_subgid=$(gaps "$SUBGID")

# The decoy's account (not with --ranges-only): it takes the uid when no
# account but a test account holds it; it is made when it takes anything.
recreate=""      # the test account to remove first: it holds the decoy's uid
decoy_create=""  # "uid" (made with the decoy's uid) or "any" (useradd picks)
decoy_set_uid=0  # the decoy exists and is to take its uid
busy=""          # processes of the account to remove
if [ $ranges_only = 0 ]; then
    holder=$(name_of "$DECOY_UID")
    take_uid=0
    case " $TESTERS " in
        *" $holder "*) [ -n "$holder" ] && { recreate=$holder take_uid=1; } ;;
    esac
    [ -z "$holder" ] && take_uid=1
    decoy_now=$(uid_of "$DECOY")
    if [ -z "$decoy_now" ]; then
        if [ $take_uid = 1 ]; then
            decoy_create=uid
        elif [ -n "$decoy_subuid$decoy_subgid" ]; then
            decoy_create=any
        fi
    elif [ $take_uid = 1 ]; then
        decoy_set_uid=1
    fi
    new_accounts="$new_accounts${recreate:+ $recreate}"
    if [ -n "$recreate" ] && [ -z "$PASSWD" ]; then
        busy=$(ps -o pid= -u "$DECOY_UID" 2>/dev/null | tr -s ' \n' '  ' | sed 's/^ //; s/ $//')
    fi
fi

# Ranges: keep an account's current ones when they are the same in both files,
# have the wanted sizes and overlap nothing taken so far; else choose new ones.
# The decoy's lines, as they will be, are taken before any.
decoy_taken=$(printf '%s %s\n' "$decoy_subuid" "$decoy_subgid" | tr ' ' '\n' | awk -F: 'NF == 2 { print $1, $2 }')
base() { others "$SUBUID" "$SUBGID"; printf '%s\n' "$decoy_taken"; }
taken=$(base)
plan="$DECOY-uid $decoy_subuid
$DECOY-gid $decoy_subgid
"      # lines "name start:count start:count ..." (the decoy's per file)
for name in $TESTERS; do
    have_uid=$(ranges_of "$SUBUID" "$name" | tr '\n' ' ')
    have_gid=$(ranges_of "$SUBGID" "$name" | tr '\n' ' ')
    keep=1
    [ "$have_uid" = "$have_gid" ] || keep=0
    [ "$(printf '%s' "$have_uid" | tr ' ' '\n' | awk -F: 'NF { printf "%s ", $2 }')" = "$(sizes "$name") " ] || keep=0
    if [ $keep = 1 ]; then
        for r in $have_uid; do
            start=${r%%:*} count=${r#*:}
            [ "$(free "$start" "$count" "$taken")" = "$start" ] || keep=0
            taken="$taken
$start $count"
        done
    fi
    if [ $keep = 1 ]; then
        plan="$plan$name $have_uid
"
        continue
    fi
    # drop what was added for this account, then choose afresh
    taken=$(base; printf '%s' "$plan" | awk '$1 !~ /^'"$DECOY"'-/ { for (i = 2; i <= NF; i++) { split($i, r, ":"); print r[1], r[2] } }')
    chosen=""
    set -- $(preferred "$name")
    for count in $(sizes "$name"); do
        start=$(free "$1" "$count" "$taken")
        [ $# -gt 1 ] && shift
        chosen="$chosen$start:$count "
        taken="$taken
$start $count"
    done
    plan="$plan$name $chosen
"
done

# want NAME FILE: the planned "start:count ..." of NAME in FILE.
want() {
    key=$1
    [ "$1" = "$DECOY" ] && { [ "$2" = "$SUBUID" ] && key=$DECOY-uid || key=$DECOY-gid; }
    printf '%s' "$plan" | awk -v n="$key" '$1 == n { $1 = ""; sub(/^ /, ""); print }'
}

# An account made again has no lines left (userdel removes them): its are written anew.
range_changes=""
for name in $DECOY $TESTERS; do
    for f in "$SUBUID" "$SUBGID"; do
        w=$(want "$name" "$f")
        have=$(ranges_of "$f" "$name" | tr '\n' ' ' | sed 's/ $//')
        if [ "$have" != "$w" ] || [ "$name" = "$recreate" ]; then
            range_changes="$range_changes$f $name $w|$have
"
        fi
    done
done

# --- say it ---------------------------------------------------------------

changes=0
[ $ranges_only = 0 ] && [ ! -c /dev/null ] && { say "will recreate /dev/null, which is not the null device"; changes=1; }
[ -n "$missing" ] && { say "will install packages:$missing (apt-get)"; changes=1; }
if [ -n "$recreate" ]; then
    say "will remove account $recreate (userdel --remove) and make it again below: it holds uid $DECOY_UID, which goes to $DECOY"
    changes=1
fi
case $decoy_create in
    uid) say "will create account $DECOY with uid $DECOY_UID (no home, no login shell)"; changes=1 ;;
    any) say "will create account $DECOY (no home, no login shell; useradd picks its uid: $DECOY_UID is $holder's)"; changes=1 ;;
esac
if [ $decoy_set_uid = 1 ]; then
    say "will change $DECOY's uid from $decoy_now to $DECOY_UID (usermod --uid)"
    changes=1
fi
for name in $new_accounts; do
    say "will create account $name (useradd --create-home; it picks a free uid)"
    changes=1
done
printf '%s' "$range_changes" | while IFS='|' read -r left was; do
    set -- $left
    f=$1 name=$2
    shift 2
    say "will set $name's lines in $f to: ${*:-none} (now: ${was:-none})"
done
[ -n "$range_changes" ] && changes=1
if [ $changes = 0 ]; then
    say "nothing to change"
fi
if [ -n "$busy" ]; then
    say "cannot remove $recreate: it has processes running ($busy); stop them, then run this again"
    [ $dry_run = 1 ] || exit 1
fi
if [ $dry_run = 1 ]; then
    exit 0
fi

# --- do it ----------------------------------------------------------------

if [ $ranges_only = 0 ] && [ ! -c /dev/null ]; then
    rm -f /dev/null && mknod -m 666 /dev/null c 1 3
fi

if [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >/dev/null
fi

if [ -n "$recreate" ]; then
    userdel --remove "$recreate"
    # podman's run and storage directories of that uid, which would be the decoy's
    for d in "/tmp/podman-run-$DECOY_UID" "/tmp/containers-user-$DECOY_UID"; do
        [ -d "$d" ] && [ "$(stat -c %u "$d")" = "$DECOY_UID" ] && rm -rf "$d"
    done
fi
# shellcheck disable=SC2086
case $decoy_create in
    uid) useradd --uid "$DECOY_UID" --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin $NO_SUBIDS "$DECOY" ;;
    any) useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin $NO_SUBIDS "$DECOY" ;;
esac
[ $decoy_set_uid = 1 ] && usermod --uid "$DECOY_UID" "$DECOY"

for name in $new_accounts; do
    # a group of the account's name that outlived it (it had other members) is its group again
    group=""
    getent group "$name" >/dev/null && group="--gid $name"
    # shellcheck disable=SC2086
    useradd --create-home --shell /bin/sh $NO_SUBIDS $group "$name"
done

# set_ranges FILE NAME "start:count ...": the account's lines become exactly
# these, in place of its old ones; other lines stay as they are.
set_ranges() {
    file=$1 name=$2
    shift 2
    touch "$file"
    {
        awk -F: -v name="$name" '$1 != name' "$file"
        for r in "$@"; do echo "$name:$r"; done
    } > "$file.test-setup"
    cat "$file.test-setup" > "$file"
    rm -f "$file.test-setup"
}

printf '%s' "$range_changes" | while IFS='|' read -r left was; do
    # shellcheck disable=SC2086
    set_ranges $left
done

[ $ranges_only = 1 ] && exit 0
say "ready ($(for n in $TESTERS; do printf '%s uid %s; ' "$n" "$(id -u "$n")"; done)uid $DECOY_UID is $(name_of "$DECOY_UID"); newuidmap at $(command -v newuidmap))"
sh "$(dirname "$0")/test-setup-podman.sh"
