#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerates scripts/startup-order.txt: the functions a release binary runs,
# and the data it reads and writes, on its common command lines. `make
# release` hands that list to the linker (lld's --symbol-ordering-file), which
# puts those functions side by side at the start of the text, and that data
# side by side at the start of each data section. The kernel maps a binary's
# pages in 64 KiB windows around each page fault, so a start that touches a
# few packed windows instead of dozens of scattered ones needs about 1.4 MB
# less memory for `-r true`, and fewer page faults (BENCHMARKS.md, "Start-up
# order").
#
#   make startup-order        (as root; needs valgrind and the test user)
#
# The linker moves whole input sections. Most of the Swift standard library's
# code comes as one 1.6 MB section, so its functions go last in the list:
# listed early, they would drag that section in front of everything after.
# A stale list is harmless: names the linker does not find are skipped, and
# what is missing from the list only lands where the linker puts it anyway.
set -eu

user=${BENCH_USER:-unshare-tester}
usage="usage: startup-order.sh OUT UNSTRIPPED-BINARY LINK-MAP"
out=${1:?$usage}
bin=${2:?$usage}
map=${3:?$usage}

die() { echo "startup-order: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (the traced commands run as $user through runuser)"
command -v valgrind >/dev/null || die "valgrind is missing: apt-get install -y valgrind"
command -v newuidmap >/dev/null || die "newuidmap is missing: apt-get install -y uidmap"
id -u "$user" >/dev/null 2>&1 || die "no user $user: run scripts/test-setup.sh"

dir=$(mktemp -d /tmp/swift-unshare-order.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
# valgrind reads the symbol table, but gives up on this toolchain's debug info.
cp "$bin" "$dir/swift-unshare"
strip --strip-debug "$dir/swift-unshare"
mkdir "$dir/out"
chown "$user" "$dir/out"

# Runs the binary under a valgrind tool as the test user, once per command
# line of a group: "cli" (the util-linux command lines) or "podman" (podman
# mode: --explain, its plan, podman's directories, storage.conf and libpod's
# database; then a real run, which joins podman's pause process, started
# first with `podman unshare true` where podman is installed: valgrind has no
# pidfd_open, and podman mode then opens the namespaces as podman does). The
# traced build ends the process where it would exec the program (make
# startup-order builds it with SWIFT_UNSHARE_TRACE_EXIT_AT_EXEC), so the tool
# writes its report (one per process) for the path of a successful run.
home=$(getent passwd "$user" | cut -d: -f6)
trace() {
    group=$1
    shift
    case $group in
    cli) lines='-r|-r --map-auto|-rfp --mount-proc|-U|-c' ;;
    *) lines='--podman --explain|--podman' ;;
    esac
    old_ifs=$IFS
    IFS='|'
    for args in $lines; do
        IFS=$old_ifs
        # shellcheck disable=SC2086
        runuser -u "$user" -- env -i PATH=/usr/bin:/bin HOME="$home" USER="$user" valgrind "$@" \
            "$dir/swift-unshare" $args true >/dev/null 2>&1 || true
    done
    IFS=$old_ifs
}

if command -v podman >/dev/null; then
    runuser -u "$user" -- env -i PATH=/usr/bin:/bin HOME="$home" USER="$user" podman unshare true >/dev/null 2>&1 || true
fi
nm -n -S --defined-only "$dir/swift-unshare" | awk 'NF == 4 && $3 ~ /^[dDbBrRvV]$/ { print $1, "S", $2, $4 }' \
    >"$dir/symbols"
for group in cli podman; do
    rm -f "$dir"/out/*
    # Functions: callgrind's "fn=(id) name" lines name each function the first
    # time it is met. Recursion marks ('2) and unnamed addresses are dropped.
    trace $group --tool=callgrind --demangle=no --callgrind-out-file="$dir/out/cg.%p"
    for f in $(ls -tr "$dir"/out/cg.*); do
        sed -n -E "s/^c?fn=\([0-9]+\) (.*)/\1/p" "$f"
    done | sed -E "s/'[0-9]+$//" | grep -v -E '^(0x[0-9a-f]+|\(below main\))$' >>"$dir/functions"

    # Data: every address lackey saw loaded, stored or modified, matched against
    # the binary's data symbols (nm: address, size, type, name). Both lists are
    # merged in address order (16 hex digits compare as text; at one address the
    # symbol, S, sorts before the touch, T) and swept once.
    trace $group --tool=lackey --trace-mem=yes --log-file="$dir/out/lackey.%p"
    cat "$dir"/out/lackey.* | awk '$1 ~ /^[LSM]$/ { a = $2; sub(/,.*/, "", a); while (length(a) < 16) a = "0" a; print a, "T" }' |
        sort -u >"$dir/addresses"
    sort "$dir/symbols" "$dir/addresses" | awk '
        function hex(s,    i, n) { n = 0; for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return n }
        $2 == "S" { name = $4; end = hex($1) + hex($3); next }
        $2 == "T" && name != "" && hex($1) < end && !(name in seen) { seen[name] = 1; print name }' >>"$dir/data"
done
# Each name once, where it was first listed: the CLI's command lines come
# first, so podman mode's functions and data do not spread theirs out.
awk '!seen[$0]++' "$dir/functions" >"$dir/functions.once"
awk '!seen[$0]++' "$dir/data" >"$dir/data.once"
# glibc picks each string function's variant by the CPU at start (IFUNC), and
# under valgrind's CPU it picks the AVX2 ones, where this class of machine
# (AVX-512) runs the EVEX and AVX-512 ones: each variant traced brings those
# of its name, listed right after it.
nm --defined-only "$dir/swift-unshare" | awk '$2 ~ /^[tTwW]$/ { print $3 }' >"$dir/text-names"
awk -v variants='^(evex|avx512)' '
    NR == FNR { names[++n] = $0; next }
    { print }
    match($0, /^__[a-z0-9]+_(sse2|ssse3|sse4|avx|evex)/) {
        base = $0; sub(/_(sse2|ssse3|sse4|avx|evex).*$/, "_", base)
        for (i = 1; i <= n; i++)
            if (index(names[i], base) == 1 && substr(names[i], length(base) + 1) ~ variants) print names[i]
    }' "$dir/text-names" "$dir/functions.once" | awk '!seen[$0]++' >"$dir/functions"
rm "$dir/functions.once"
mv "$dir/data.once" "$dir/data"

# The link map (lld's -Map): an input section's line ("VMA LMA Size Align
# file:(section)") is followed by the lines of its symbols. Symbols of sections
# of 64 KiB or more (five hex digits) are listed last.
awk '$5 ~ /:\(/ { big = (length($3) >= 5); next }
     NF == 5 && big { print $5 }' "$map" | sort -u >"$dir/big"
cat "$dir/functions" "$dir/data" >"$dir/all"
awk 'NR == FNR { big[$0] = 1; next } !($0 in big)' "$dir/big" "$dir/all" >"$out"
awk 'NR == FNR { big[$0] = 1; next } ($0 in big)' "$dir/big" "$dir/all" >>"$out"
echo "startup-order: $(wc -l <"$dir/functions") functions and $(wc -l <"$dir/data") data symbols in $out" >&2
