#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The library's spawn rate against Go's os/exec and glibc's posix_spawn, as
# the unprivileged test user (make bench-library; BENCHMARKS.md). Prints a
# Markdown table of spawns per second (medians of ROUNDS interleaved rounds)
# and the ratios against Go with root maps, all from this one run.
#
#   make bench-library
#   sh scripts/bench-library.sh          (as root, from the repository)
#
# Clients: Tests/BenchLibrary (the bench-library product, built here in
# release mode, as a package depending on SwiftUnshare builds it) and
# scripts/bench-library-go (built here with Debian's golang-go; its rows are
# skipped, with the reason, when `go` is absent). Each spawns /bin/true COUNT
# times over 1 and 8 threads and waits for each:
#   root maps   a new user namespace with root inside: CLONE_NEWUSER and the
#               one-line map `0 <uid> 1` (the library: written by the child;
#               Go: by the parent while the child waits)
#   auto ranges root + the user's /etc/subuid and /etc/subgid ranges through
#               newuidmap and newgidmap (the library only: Go cannot)
#   no namespace  a plain spawn (the library; Go's os/exec; posix_spawn)
# Then the caller's memory: each client first holds 0, 1 and 4 GiB of touched
# memory in 4 KiB pages (mmap, MADV_NOHUGEPAGE, every page written, as a
# long-running server's heap) and spawns on 1 thread; each row's rates at
# 1 and 4 GiB are divided by its own rate at 0 GiB, timed seconds before in
# the same round (the medians of those ratios). One more
# library row runs as root: ranges written by the parent into
# /proc/<pid>/uid_map (the strategy a root caller with ranges gets).
# Environment: ROUNDS (default 3), COUNT (spawns per cell, default 2000; auto
# ranges COUNT / 5), BENCH_USER (default unshare-tester); MEM_SIZES (GiB,
# default "0 1 4"), MEM_COUNT (spawns per memory cell, default 1000; auto
# ranges MEM_COUNT / 2, Go with CLONE_NEWUSER MEM_COUNT / 10: it copies the
# caller's page tables at every spawn).
set -eu

rounds=${ROUNDS:-3}
count=${COUNT:-2000}
auto_count=$((count / 5))
mem_sizes=${MEM_SIZES:-0 1 4}
mem_count=${MEM_COUNT:-1000}
user=${BENCH_USER:-unshare-tester}
swift=${SWIFT:-swift}

die() { echo "bench-library: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (the clients run as $user through runuser)"
id -u "$user" >/dev/null 2>&1 || die "no user $user: run scripts/test-setup.sh"
grep -q "^$user:" /etc/subuid || die "$user has no range in /etc/subuid: run scripts/test-setup.sh"
command -v newuidmap >/dev/null || die "newuidmap is missing: apt-get install -y uidmap"

dir=$(mktemp -d /tmp/swift-unshare-bench-library.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"

echo "building the Swift client (release)" >&2
$swift build -c release --product bench-library --scratch-path .build/bench-library >&2
install -m 755 "$($swift build -c release --product bench-library --scratch-path .build/bench-library --show-bin-path)/bench-library" "$dir/swift"

have_go=false
if command -v go >/dev/null; then
    echo "building the Go client ($(go version))" >&2
    # No module, no network: the standard library only.
    (cd scripts/bench-library-go && GOCACHE="$PWD/../../.build/go/cache" GOPATH="$PWD/../../.build/go/path" \
        GOPROXY=off GO111MODULE=off go build -o "$dir/go" main.go) >&2
    have_go=true
else
    go_reason="go is not installed (apt-get install -y golang-go)"
fi

# One measurement: CLIENT MODE THREADS COUNT [GIB [USER]], run as the user
# (or USER); prints the rate.
rate() {
    runuser -u "${6:-$user}" -- "$dir/$1" "$2" "$3" "$4" ${5:+"$5"} || die "$1 $2 $3 $4 ${5:-} failed"
}

# The cells: name client mode count.
cells="lib_root swift root $count
lib_auto swift auto $auto_count
lib_none swift none $count
go_root go root $count
go_none go none $count
posix swift posix_spawn $count"

# ROUNDS rounds, each timing every cell at 1 and 8 threads in turn.
results=$dir/results
: >"$results"
r=1
while [ "$r" -le "$rounds" ]; do
    echo "round $r of $rounds" >&2
    echo "$cells" | while read -r name client mode n; do
        if [ "$client" = go ] && [ "$have_go" = false ]; then continue; fi
        for threads in 1 8; do
            echo "$name $threads $(rate "$client" "$mode" "$threads" "$n")" >>"$results"
        done
    done
    r=$((r + 1))
done

# The median of the numbers on standard input (nothing: empty).
median_of() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# The median of a cell's rounds, a whole number.
median() {
    awk -v k="$1 $2" '$1 " " $2 == k { print $3 }' "$results" | median_of | awk '{ print int($1) }'
}
ratio() {
    if [ -z "$1" ] || [ -z "$2" ]; then echo "-"; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; fi
}

go1=$(median go_root 1)
go8=$(median go_root 8)
echo "| spawns of /bin/true per second, as $user ($rounds rounds, medians) | 1 thread | 8 threads | ÷ Go root maps, 1 thread | ÷ Go root maps, 8 threads |"
echo "|---|---|---|---|---|"
row() {
    a=$(median "$1" 1)
    b=$(median "$1" 8)
    echo "| $2 | ${a:--} | ${b:--} | $(ratio "$a" "$go1") | $(ratio "$b" "$go8") |"
}
row lib_root "SwiftUnshare, root maps (self-written \`0 uid 1\`)"
row lib_auto "SwiftUnshare, \`auto\` ranges (newuidmap, newgidmap)"
row lib_none "SwiftUnshare, no namespace"
if [ "$have_go" = true ]; then
    row go_root "Go os/exec, CLONE_NEWUSER + root maps"
    row go_none "Go os/exec, no namespace"
else
    echo "| Go rows skipped: $go_reason | | | | |"
fi
row posix "posix_spawn(3), no namespace"
echo
if [ "$have_go" = true ]; then
    lib8=$(median lib_root 8)
    verdict=$(awk -v a="$lib8" -v b="$go8" 'BEGIN { print (a >= 1.3 * b) ? "met" : "missed" }')
    echo "Target: root maps at 8 threads at least 1.3× Go's rate: $(ratio "$lib8" "$go8"), $verdict."
else
    echo "Target (1.3× Go at 8 threads with root maps) not judged: $go_reason."
fi
echo "Raw rounds: $(tr '\n' ';' <"$results")"

# The caller's memory: the cells (name client mode count user). In every
# round each cell is timed at every size of MEM_SIZES back to back, one
# thread, so that a size's ratio to the first is taken from measurements
# seconds apart: the table's ratios are the medians of those per-round
# ratios (the load of a shared machine moves a cell's rate between rounds).
mem_cells="lib_root swift root $mem_count $user
lib_auto swift auto $((mem_count / 2)) $user
lib_none swift none $mem_count $user
lib_ranges swift ranges $mem_count root
go_root go root $((mem_count / 10)) $user
go_none go none $mem_count $user
posix swift posix_spawn $mem_count $user"
mem_results=$dir/mem_results
: >"$mem_results"
r=1
while [ "$r" -le "$rounds" ]; do
    echo "caller's memory: round $r of $rounds" >&2
    echo "$mem_cells" | while read -r name client mode n runner; do
        if [ "$client" = go ] && [ "$have_go" = false ]; then continue; fi
        for gib in $mem_sizes; do
            echo "$r $name $gib $(rate "$client" "$mode" 1 "$n" "$gib" "$runner")" >>"$mem_results"
        done
    done
    r=$((r + 1))
done

first=${mem_sizes%% *}
last=${mem_sizes##* }
# The median of a memory cell's rates: NAME GIB.
mem_median() {
    awk -v n="$1" -v g="$2" '$2 == n && $3 == g { print $4 }' "$mem_results" | median_of | awk '{ print int($1) }'
}
# The median over the rounds of NAME's rate at GIB divided by its rate at the
# first size in the same round, as N.NN×.
mem_ratio() {
    v=$(awk -v n="$1" -v g="$2" -v f="$first" '
        $2 == n && $3 == f { base[$1] = $4 }
        $2 == n && $3 == g { at[$1] = $4 }
        END { for (r in at) if (base[r] > 0) print at[r] / base[r] }' "$mem_results" | median_of)
    if [ -z "$v" ]; then echo "-"; else awk -v v="$v" 'BEGIN { printf "%.2f×", v }'; fi
}
echo
header="| the caller holds (1 thread, spawns per second, $rounds rounds, medians) |"
line="|---|"
for gib in $mem_sizes; do
    header="$header $gib GiB |"
    line="$line---|"
done
for gib in $mem_sizes; do
    if [ "$gib" != "$first" ]; then
        header="$header $gib GiB ÷ $first GiB, same round |"
        line="$line---|"
    fi
done
echo "$header"
echo "$line"
mem_row() {
    text="| $2 |"
    for gib in $mem_sizes; do
        v=$(mem_median "$1" "$gib")
        text="$text ${v:--} |"
    done
    for gib in $mem_sizes; do
        if [ "$gib" != "$first" ]; then text="$text $(mem_ratio "$1" "$gib") |"; fi
    done
    echo "$text"
}
mem_row lib_root "SwiftUnshare, root maps (self-written: CLONE_VM, CLONE_VFORK)"
mem_row lib_auto "SwiftUnshare, \`auto\` ranges (newuidmap, newgidmap: CLONE_VM, the child waits)"
mem_row lib_ranges "SwiftUnshare, ranges written by the parent (as root: CLONE_VM, the child waits)"
mem_row lib_none "SwiftUnshare, no namespace (CLONE_VM, CLONE_VFORK)"
if [ "$have_go" = true ]; then
    mem_row go_root "Go os/exec, CLONE_NEWUSER + root maps"
    mem_row go_none "Go os/exec, no namespace"
else
    echo "| Go rows skipped: $go_reason | | | | | |"
fi
mem_row posix "posix_spawn(3), no namespace"
echo
verdicts=""
all_met=true
for cell in lib_root:root\ maps lib_auto:auto\ ranges lib_ranges:parent-written\ ranges lib_none:no\ namespace; do
    name=${cell%%:*}
    words=${cell#*:}
    q=$(mem_ratio "$name" "$last")
    v=$(echo "$q" | awk '{ sub("×", ""); print ($1 != "-" && $1 >= 0.85) ? "met" : "missed" }')
    [ "$v" = met ] || all_met=false
    verdicts="$verdicts${verdicts:+; }$words $q $v"
done
echo "Target: at $last GiB every library strategy keeps at least 85% of its own rate at $first GiB: $verdicts ($([ "$all_met" = true ] && echo "all met" || echo "not all met"))."
echo "Raw rounds (caller's memory: round name GiB rate): $(tr '\n' ';' <"$mem_results")"
