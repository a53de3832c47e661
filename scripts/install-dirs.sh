#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The directories `make install` needs, and only those it made itself.
#
#   install-dirs.sh DESTDIR LIST DIR...       create each DIR (and missing parents)
#                                             under DESTDIR; append every directory
#                                             created to LIST (a path under DESTDIR)
#   install-dirs.sh --remove DESTDIR LIST     remove the directories LIST names, when
#                                             empty, deepest first; then LIST itself
#
# The list is only ever appended to, so installing twice keeps the first record,
# and uninstalling never removes a directory that was there before.
set -eu

if [ "${1:-}" = --remove ]; then
    destdir=$2 list=$destdir$3
    [ -f "$list" ] || exit 0
    dirs=$(sort -r "$list")   # a parent sorts before its children: reversed, children first
    rm -f "$list"
    for d in $dirs; do
        rmdir "$destdir$d" 2>/dev/null || true
    done
    exit 0
fi

destdir=$1 list=$2
shift 2
[ -z "$destdir" ] || mkdir -p "$destdir"   # the staging root is the packager's, not recorded
created=""
for dir in "$@"; do
    missing=""
    d=$dir
    while [ -n "$d" ] && [ "$d" != / ] && [ ! -d "$destdir$d" ]; do
        missing="$d $missing"
        d=$(dirname "$d")
    done
    for m in $missing; do
        mkdir "$destdir$m"
        chmod 755 "$destdir$m"
        created="$created $m"
    done
done
# The list lives in the first directory given, made above if it was missing.
for m in $created; do
    echo "$m" >> "$destdir$list"
done
