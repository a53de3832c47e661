#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# swift-unshare against util-linux unshare and podman unshare, as the
# unprivileged test user, from one run: hyperfine medians and their ratios,
# peak RSS, and shadow's time-to-unshare race. Prints a Markdown table to
# paste into BENCHMARKS.md. Speed is measured here, never by a timed test.
#
#   make bench                                  (builds the release binary first)
#   make bench PIE_COMPARE=1                    (and the static PIE, as CANDIDATE)
#   sh scripts/bench.sh [BINARY [CANDIDATE]]    (as root; default .build/release/swift-unshare)
#
# With CANDIDATE (another build of swift-unshare), a second table times it
# beside BINARY on `-r true` and `-r --map-auto true` in the same alternating
# rounds, with the minor page faults of each and the relocations each
# program applies to itself at start (readelf: RELA entries and RELR offsets)
# and the pages they write.
#
# Reference rows time scripts/bench-floor.c (built with cc, clang or gcc,
# -static), the least a glibc program does for `-r true`, for
# `-r --map-auto true` and for podman mode's join of the pause process; the
# "against its floor" rows time ours beside each floor in the same rounds.
# Environment: RUNS (hyperfine runs per fast command, default 300),
# PODMAN_RUNS (default 30), ROUNDS (hyperfine calls they are split into, each
# timing both commands, default 5), RSS_RUNS (default 9), RACES (default 30),
# BENCH_USER (default unshare-tester: an account with an /etc/subuid range,
# as scripts/test-setup.sh creates).
set -eu

bin=${1:-.build/release/swift-unshare}
candidate=${2:-}
runs=${RUNS:-300}
podman_runs=${PODMAN_RUNS:-30}
rounds=${ROUNDS:-5}
rss_runs=${RSS_RUNS:-9}
races=${RACES:-30}
user=${BENCH_USER:-unshare-tester}

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (the commands run as $user through runuser)"
command -v hyperfine >/dev/null || die "hyperfine is missing: apt-get install -y hyperfine"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing: apt-get install -y time"
[ -x /usr/bin/unshare ] || die "/usr/bin/unshare (util-linux) is missing"
command -v newuidmap >/dev/null || die "newuidmap is missing: apt-get install -y uidmap"
[ -x "$bin" ] || die "no binary at $bin: run make release (or make bench)"
[ -z "$candidate" ] || [ -x "$candidate" ] || die "no binary at $candidate: run make release-pie (or make bench PIE_COMPARE=1)"
[ -z "$candidate" ] || command -v readelf >/dev/null || die "readelf is missing: apt-get install -y binutils"
uid=$(id -u "$user" 2>/dev/null) || die "no user $user: run scripts/test-setup.sh"
home=$(getent passwd "$user" | cut -d: -f6)
start=$(awk -F: -v u="$user" '$1 == u { print $2; exit }' /etc/subuid)
count=$(awk -F: -v u="$user" '$1 == u { print $3; exit }' /etc/subuid)
gstart=$(awk -F: -v u="$user" '$1 == u { print $2; exit }' /etc/subgid)
gcount=$(awk -F: -v u="$user" '$1 == u { print $3; exit }' /etc/subgid)
[ -n "$start" ] || die "$user has no range in /etc/subuid: run scripts/test-setup.sh"
have_podman=false; command -v podman >/dev/null && have_podman=true
have_bwrap=false; command -v bwrap >/dev/null && have_bwrap=true

# The binary as make install puts it: a copy, with the podman-unshare link.
dir=$(mktemp -d /tmp/swift-unshare-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
install -m 755 "$bin" "$dir/swift-unshare"
ln -s swift-unshare "$dir/podman-unshare"
mkdir "$dir/out"
chown "$user" "$dir/out"
ours=$dir/swift-unshare
if [ -n "$candidate" ]; then
    mkdir "$dir/candidate"
    chmod 755 "$dir/candidate"
    install -m 755 "$candidate" "$dir/candidate/swift-unshare"
fi

# Run as the test user, with a plain login-like environment.
as_user() {
    runuser -u "$user" -- env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME="$home" USER="$user" LOGNAME="$user" LANG=C "$@"
}

# Every time (seconds) hyperfine recorded in a JSON export, as "<command number> <time>".
all_times() {
    awk '/"command":/ { n++ } /"times": \[/ { inside = 1; next }
         inside && /\]/ { inside = 0; next } inside { gsub(/[ ,]/, ""); print n, $0 }' "$1"
}

# The median of the times of command number $1 in file $2.
median_of() {
    awk -v n="$1" '$1 == n { print $2 }' "$2" | sort -g |
        awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# Times a reference command and ours, in `rounds` alternating hyperfine runs of
# n/rounds each (a machine whose load drifts then weighs on both alike), and
# sets ref_med and our_med: the medians of all their times (seconds).
pair() {
    n=$1; shift
    per=$(( (n + rounds - 1) / rounds ))
    : >"$dir/times"
    r=0
    while [ "$r" -lt "$rounds" ]; do
        json=$dir/out/pair.json
        tries=0
        # Another session's tests on a shared machine can upset one run (podman's
        # pause process stopped, say): a round is tried three times, then the bench stops.
        until as_user hyperfine -N --style none --warmup 5 --runs "$per" --export-json "$json" "$1" "$2" \
            >"$dir/hyperfine.out" 2>&1; do
            tries=$((tries + 1))
            [ "$tries" -lt 3 ] || die "'$1' or '$2' failed three times: $(tail -n 3 "$dir/hyperfine.out")"
            echo "bench: '$1' or '$2' failed; trying that round again" >&2
        done
        all_times "$json" >>"$dir/times"
        r=$((r + 1))
    done
    ref_med=$(median_of 1 "$dir/times")
    our_med=$(median_of 2 "$dir/times")
}

# The median of one /usr/bin/time figure (format $1: %M peak RSS in kB, %R
# minor page faults) of a command ($2) over rss_runs runs.
time_median() {
    i=0
    : >"$dir/figures"
    while [ "$i" -lt "$rss_runs" ]; do
        # shellcheck disable=SC2086
        as_user /usr/bin/time -f "$1" -o "$dir/out/figure1" $2 >/dev/null 2>&1 || true
        tail -n 1 "$dir/out/figure1" >>"$dir/figures"
        i=$((i + 1))
    done
    sort -n "$dir/figures" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
rss() { time_median %M "$1"; }
faults() { time_median %R "$1"; }

# "N relocations, P pages": what a binary relocates in itself at start (RELA
# entries, R_X86_64_IRELATIVE among them, and RELR offsets) and the distinct
# 4 KiB pages those writes touch.
relocations() {
    # the page of an address: its hex digits but the last three (4 KiB pages)
    readelf -r -W "$1" 2>/dev/null | awk '
        /^Relocation section .*\.relr\./ { relr = 1; next }
        /^Relocation section/ { relr = 0; next }
        relr && /^[0-9a-f]+$/ { n++; page[substr($1, 1, length($1) - 3)] = 1; next }
        !relr && /^[0-9a-f]+ +[0-9a-f]+ +R_/ { n++; page[substr($1, 1, length($1) - 3)] = 1 }
        END { p = 0; for (k in page) p++; printf "%d relocations, %d pages", n, p }'
}

# shadow's test: newuidmap must find the process already in its new user namespace.
race() {
    as_user sh -c '
        won=0 i=0
        while [ "$i" -lt "$4" ]; do
            "$1" -U sleep 10 & p=$!
            if newuidmap "$p" 0 "$2" 1 1 "$3" 1000 2>/dev/null; then won=$((won + 1)); fi
            kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true
            i=$((i + 1))
        done
        echo "$won"' race "$1" "$uid" "$start" "$races"
}

ms() { awk -v s="$1" 'BEGIN { printf "%.2f ms", s * 1000 }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }
verdict() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { print (a / b <= t ? "met" : "missed") }'; }

rows=$dir/rows
: >"$rows"
row() {   # label reference-cmd our-cmd runs time-target rss-target
    pair "$4" "$2" "$3"
    r_rss=$(rss "$2"); o_rss=$(rss "$3")
    t_target=$5; m_target=$6
    t_col="$(ratio "$our_med" "$ref_med")"
    [ "$t_target" = - ] || t_col="$t_col (≤ ${t_target}×: $(verdict "$our_med" "$ref_med" "$t_target"))"
    m_col="$(ratio "$o_rss" "$r_rss")"
    [ "$m_target" = - ] || m_col="$m_col (≤ ${m_target}×: $(verdict "$o_rss" "$r_rss" "$m_target"))"
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(ms "$ref_med")" "$(ms "$our_med")" "$t_col" \
        "$(mb "$r_rss")" "$(mb "$o_rss")" "$m_col" >>"$rows"
}

echo "bench: as $user (uid $uid, subuid $start); $runs runs each, podman $podman_runs" >&2
row '`-r true`' "/usr/bin/unshare -r true" "$ours -r true" "$runs" 0.80 1.3
# The floor (scripts/bench-floor.c): the least a static glibc program does for
# `-r true` and `-r --map-auto true`, timed the same way, for reference.
cc=$(command -v "${CC:-cc}" || command -v clang || command -v gcc || true)
have_floor=false
if [ -n "$cc" ] && "$cc" -O2 -static -o "$dir/floor" "$(dirname "$0")/bench-floor.c" 2>/dev/null; then
    chmod 755 "$dir/floor"
    have_floor=true
fi
no_floor='| the floor (`scripts/bench-floor.c`) | no C compiler with a static libc here | | | | | |'
if $have_floor; then
    row '`-r true` / the floor: `scripts/bench-floor.c`, static (reference)' "/usr/bin/unshare -r true" \
        "$dir/floor true" "$runs" - -
else
    echo "$no_floor" >>"$rows"
fi
row '`-r --map-auto true`' "/usr/bin/unshare -r --map-auto true" "$ours -r --map-auto true" "$runs" 0.65 -
if $have_floor && [ -n "$count" ] && [ -n "$gstart" ] && [ -n "$gcount" ]; then
    row '`-r --map-auto true` / the floor, the same way (reference)' "/usr/bin/unshare -r --map-auto true" \
        "$dir/floor $start $count $gstart $gcount true" "$runs" - -
else
    echo "$no_floor" >>"$rows"
fi
row '`-rfp --mount-proc true`' "/usr/bin/unshare -rfp --mount-proc true" "$ours -rfp --mount-proc true" "$runs" - -
if $have_podman; then
    as_user podman unshare true >/dev/null 2>&1   # podman's pause process up, as users have it
    row '`podman unshare true` / `podman-unshare true`' "podman unshare true" "$dir/podman-unshare true" \
        "$podman_runs" 0.04 -
else
    echo '| `podman unshare true` | podman not installed (apt-get install -y podman) | | | | | |' >>"$rows"
fi
# Ours against each floor directly, in the same alternating rounds: the
# targets are ratios to the floor (the RSS columns compare with the floor too).
if $have_floor; then
    row '`-r true` against its floor (`scripts/bench-floor.c true`)' "$dir/floor true" "$ours -r true" \
        "$runs" 1.00 -
    if [ -n "$count" ] && [ -n "$gstart" ] && [ -n "$gcount" ]; then
        row '`-r --map-auto true` against its floor' "$dir/floor $start $count $gstart $gcount true" \
            "$ours -r --map-auto true" "$runs" 1.05 -
    fi
    # The floor that also looks the ranges up (passwd, subuid, subgid), as
    # every implementation of --map-auto must: the one above is given them.
    row '`-r --map-auto true` against the floor that looks its ranges up (`--map-auto`)' \
        "$dir/floor --map-auto true" "$ours -r --map-auto true" "$runs" 1.05 -
    # podman's pause pid file, where podman 4.3.1 keeps it for this login-like
    # environment (no XDG_RUNTIME_DIR): /run/user/UID when usable, else $TMPDIR's.
    pid_file=
    for d in "/run/user/$uid" "/tmp/podman-run-$uid"; do
        if [ -s "$d/libpod/tmp/pause.pid" ]; then pid_file=$d/libpod/tmp/pause.pid; break; fi
    done
    if $have_podman && [ -n "$pid_file" ]; then
        row '`podman-unshare true` against its floor (`scripts/bench-floor.c --join`)' \
            "$dir/floor --join $pid_file true" "$dir/podman-unshare true" "$runs" 1.10 -
        # The same floor staying the parent, as podman unshare does (vfork, wait): for reference.
        row '`podman-unshare true` against the floor that stays the parent (`--join-wait`, reference)' \
            "$dir/floor --join-wait $pid_file true" "$dir/podman-unshare true" "$runs" - -
    else
        echo '| `podman-unshare true` against its floor | no pause process (podman not installed) | | | | | |' >>"$rows"
    fi
fi
if $have_bwrap; then
    bw="bwrap --unshare-user --uid 0 --gid 0 --bind / / true"
    row "\`$bw\` (reference) / ours \`-r true\`" "$bw" "$ours -r true" "$runs" - -
else
    echo '| `bwrap` (reference) | not installed (apt-get install -y bubblewrap) | | | | | |' >>"$rows"
fi
# --check: the report of `--check` alone, whose target is a time (under 50 ms),
# beside the command it is most often asked about; and a check of that command
# beside the command itself, which it must not outlast (≤ 1.00×).
pair "$runs" "$ours -r --map-auto true" "$ours --check"
check_rss=$(rss "$ours --check"); cmd_rss=$(rss "$ours -r --map-auto true")
printf '| %s | %s | %s | %s | %s | %s | %s |\n' \
    '`--check` alone (the report) / ours `-r --map-auto true` (reference)' "$(ms "$ref_med")" "$(ms "$our_med")" \
    "$(ratio "$our_med" "$ref_med") (< 50 ms: $(awk -v t="$our_med" 'BEGIN { print (t < 0.050 ? "met" : "missed") }'))" \
    "$(mb "$cmd_rss")" "$(mb "$check_rss")" "$(ratio "$check_rss" "$cmd_rss")" >>"$rows"
row '`--check -r --map-auto true` / ours `-r --map-auto true` (the command itself)' "$ours -r --map-auto true" \
    "$ours --check -r --map-auto true" "$runs" 1.00 -
crows=$dir/compare-rows
: >"$crows"
crow() {   # label arguments: ours as the reference, the candidate second
    cand=$dir/candidate/swift-unshare
    pair "$runs" "$ours $2" "$cand $2"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(ms "$ref_med")" "$(ms "$our_med")" \
        "$(ratio "$our_med" "$ref_med")" "$(faults "$ours $2")" "$(faults "$cand $2")" \
        "$(mb "$(rss "$ours $2")")" "$(mb "$(rss "$cand $2")")" >>"$crows"
}
if [ -n "$candidate" ]; then
    crow '`-r true`' "-r true"
    crow '`-r --map-auto true`' "-r --map-auto true"
fi

race_ref=$(race /usr/bin/unshare)
race_ours=$(race "$ours")
race_target=$((races * 28 / 30))   # the target: 28 of 30

cat <<EOF
Run $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); as $user.
Binary: $(wc -c <"$bin" | tr -d ' ') bytes, $(file -b "$bin" | cut -d, -f1-2 | tr -d '\n'). util-linux $(/usr/bin/unshare -V | awk '{ print $NF }')$($have_podman && podman --version | awk '{ printf ", podman %s", $NF }').
Medians of $runs hyperfine runs ($podman_runs for podman) in $rounds alternating rounds; peak RSS is the median of $rss_runs runs of \`/usr/bin/time -f %M\`.

| command | util-linux / podman / bwrap | swift-unshare | time ratio | peak RSS, theirs | peak RSS, ours | RSS ratio |
|---|---|---|---|---|---|---|
$(cat "$rows")
| shadow race: \`unshare -U sleep 10 & newuidmap \$! 0 $uid 1 1 $start 1000\` | won $race_ref of $races | won $race_ours of $races | (≥ $race_target: $([ "$race_ours" -ge "$race_target" ] && echo met || echo missed)) | | | |
EOF
[ -n "$candidate" ] || exit 0
cat <<EOF

The candidate beside ours, in the same alternating rounds: ours is $(file -b "$bin" | cut -d, -f1,4 | tr -d '\n'), $(wc -c <"$bin" | tr -d ' ') bytes, $(relocations "$bin") at start; the candidate is $(file -b "$candidate" | cut -d, -f1,4 | tr -d '\n'), $(wc -c <"$candidate" | tr -d ' ') bytes, $(relocations "$candidate") at start. Minor page faults and peak RSS are medians of $rss_runs runs of \`/usr/bin/time\`.

| command | ours | the candidate | time ratio, candidate / ours | minor faults, ours | minor faults, candidate | peak RSS, ours | peak RSS, candidate |
|---|---|---|---|---|---|---|---|
$(cat "$crows")
EOF
