#!/bin/sh
# Prepares this machine for swift-unshare's integration tests. Idempotent.
#
# As root: installs the tools the tests drive when they are missing (uidmap for
# newuidmap/newgidmap, podman as the oracle of podman mode, zsh and fish for the
# completion tests), and creates two unprivileged accounts with subordinate ids:
#   unshare-tester   one range:  100000:65536 in /etc/subuid and /etc/subgid
#   unshare-tester2  two ranges: 200000:1000 and 300000:2000
# Not root: prints what it could not do; the tests that need it skip, saying why.
set -eu

if [ "$(id -u)" != 0 ]; then
    echo "test-setup: not root: the unprivileged-user tests will be skipped" >&2
    exit 0
fi

# /dev/null was once found replaced by a regular file on a shared machine; the
# tests (and podman) need the real device. Say so, and put it back.
if [ ! -c /dev/null ]; then
    echo "test-setup: /dev/null is not the null device; recreating it" >&2
    rm -f /dev/null && mknod -m 666 /dev/null c 1 3
fi

missing=""
command -v newuidmap >/dev/null 2>&1 || missing="$missing uidmap"
command -v podman >/dev/null 2>&1 || missing="$missing podman"
command -v zsh >/dev/null 2>&1 || missing="$missing zsh"
command -v fish >/dev/null 2>&1 || missing="$missing fish"
command -v man >/dev/null 2>&1 || missing="$missing man-db"
[ -f /usr/share/bash-completion/bash_completion ] || missing="$missing bash-completion"

if [ -n "$missing" ]; then
    echo "test-setup: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >/dev/null
fi

add_user() {
    name=$1
    if ! getent passwd "$name" >/dev/null; then
        useradd --create-home --shell /bin/sh "$name"
    fi
}

# set_ranges FILE NAME "start:count ..." : the user's lines become exactly these.
set_ranges() {
    file=$1 name=$2 ranges=$3
    touch "$file"
    want=$(for r in $ranges; do echo "$name:$r"; done)
    have=$(grep "^$name:" "$file" || true)
    if [ "$want" != "$have" ]; then
        grep -v "^$name:" "$file" > "$file.tmp" || true
        echo "$want" >> "$file.tmp"
        cat "$file.tmp" > "$file"
        rm -f "$file.tmp"
    fi
}

add_user unshare-tester
add_user unshare-tester2
for f in /etc/subuid /etc/subgid; do
    set_ranges "$f" unshare-tester "100000:65536"
    set_ranges "$f" unshare-tester2 "200000:1000 300000:2000"
done
echo "test-setup: ready (unshare-tester, unshare-tester2, newuidmap at $(command -v newuidmap))" >&2
sh "$(dirname "$0")/test-setup-podman.sh"
