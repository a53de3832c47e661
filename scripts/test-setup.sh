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
#   man-db, bash-completion;
# - two unprivileged accounts, made with useradd (which picks free uids; nothing
#   here or in the tests assumes which): unshare-tester and unshare-tester2;
# - their lines in /etc/subuid and /etc/subgid: unshare-tester gets one range
#   of 65536 ids, unshare-tester2 two ranges (1000 and 2000 ids). Ranges already
#   there are kept when they have those sizes and overlap no other line; new
#   ones are the lowest free ids from 100000 up (the same numbers in both files),
#   overlapping no line of another user. Other users' lines are never touched.
# Not root: prints what it could not do; the tests that need it skip, saying why.
# SUBUID and SUBGID name other files to read and write (for the script's own tests).
set -eu

SUBUID=${SUBUID:-/etc/subuid}
SUBGID=${SUBGID:-/etc/subgid}

dry_run=0 ranges_only=0
case ${1:-} in
    --dry-run) dry_run=1 ;;
    --ranges-only) ranges_only=1 ;;
esac

say() { echo "test-setup: $*" >&2; }

if [ "$(id -u)" != 0 ] && [ $dry_run = 0 ]; then
    say "not root: the unprivileged-user tests will be skipped (--dry-run shows what root would change)"
    exit 0
fi

TESTERS="unshare-tester unshare-tester2"
# The sizes of each account's ranges, and the starts tried first.
sizes() { case $1 in unshare-tester) echo 65536 ;; unshare-tester2) echo "1000 2000" ;; esac; }
preferred() { case $1 in unshare-tester) echo 100000 ;; unshare-tester2) echo "200000 300000" ;; esac; }

# Every "start count" range of lines in /etc/subuid and /etc/subgid that do
# not belong to the test accounts (comments and malformed lines skipped).
others() {
    cat "$SUBUID" "$SUBGID" 2>/dev/null | awk -F: -v skip=" $TESTERS " '
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

# --- what is to change ---------------------------------------------------

missing=""
if [ $ranges_only = 0 ]; then
    command -v newuidmap >/dev/null 2>&1 || missing="$missing uidmap"
    command -v podman >/dev/null 2>&1 || missing="$missing podman"
    command -v zsh >/dev/null 2>&1 || missing="$missing zsh"
    command -v fish >/dev/null 2>&1 || missing="$missing fish"
    command -v man >/dev/null 2>&1 || missing="$missing man-db"
    [ -f /usr/share/bash-completion/bash_completion ] || missing="$missing bash-completion"
fi

new_accounts=""
for name in $TESTERS; do
    getent passwd "$name" >/dev/null || new_accounts="$new_accounts $name"
done
if [ $ranges_only = 1 ] && [ -n "$new_accounts" ]; then
    say "--ranges-only: missing accounts:$new_accounts"
    exit 1
fi

# Ranges: keep an account's current ones when they are the same in both files,
# have the wanted sizes and overlap nothing taken so far; else choose new ones.
taken=$(others)
plan=""      # lines "name start:count start:count ..."
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
    taken=$(others; printf '%s' "$plan" | awk '{ for (i = 2; i <= NF; i++) { split($i, r, ":"); print r[1], r[2] } }')
    chosen=""
    set -- $(preferred "$name")
    for count in $(sizes "$name"); do
        start=$(free "${1:-100000}" "$count" "$taken")
        [ $# -gt 0 ] && shift
        chosen="$chosen$start:$count "
        taken="$taken
$start $count"
    done
    plan="$plan$name $chosen
"
done

range_changes=""
for name in $TESTERS; do
    want=$(printf '%s' "$plan" | awk -v n="$name" '$1 == n { $1 = ""; sub(/^ /, ""); print }')
    for f in "$SUBUID" "$SUBGID"; do
        have=$(ranges_of "$f" "$name" | tr '\n' ' ' | sed 's/ $//')
        [ "$have" = "$want" ] || range_changes="$range_changes$f $name $want|$have
"
    done
done

# --- say it ---------------------------------------------------------------

changes=0
[ $ranges_only = 0 ] && [ ! -c /dev/null ] && { say "will recreate /dev/null, which is not the null device"; changes=1; }
[ -n "$missing" ] && { say "will install packages:$missing (apt-get)"; changes=1; }
for name in $new_accounts; do
    say "will create account $name (useradd --create-home; it picks a free uid)"
    changes=1
done
printf '%s' "$range_changes" | while IFS='|' read -r left was; do
    set -- $left
    f=$1 name=$2
    shift 2
    say "will set $name's lines in $f to: $* (now: ${was:-none})"
done
[ -n "$range_changes" ] && changes=1
if [ $changes = 0 ]; then
    say "nothing to change"
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

for name in $new_accounts; do
    useradd --create-home --shell /bin/sh "$name"
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

say "ready ($(for n in $TESTERS; do printf '%s uid %s; ' "$n" "$(id -u "$n")"; done)newuidmap at $(command -v newuidmap))"
sh "$(dirname "$0")/test-setup-podman.sh"
