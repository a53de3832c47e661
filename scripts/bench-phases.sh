#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Where the time of one command goes, beside its floor (scripts/bench-floor.c):
# the kernel's scheduler tracepoints (exec, fork, exit) and the namespace
# calls (unshare, setns), recorded system-wide with perf(1) while the
# unprivileged test user runs each command RUNS times (in ROUNDS alternating
# rounds, as make bench times its rows), then the median time of each phase
# from the command's exec. Prints a Markdown table; the
# "against its floor" rows of make bench say how far a path is from its
# floor, this says in which phase. Tracing costs something: while a system
# call tracepoint is on, every system call of every process takes the
# kernel's slow path, so a program that makes more calls loses more (ours
# makes more than the floor): a phase's difference here is at most what it
# is untraced.
#
#   make bench-phases                 (builds the release binary first)
#   sh scripts/bench-phases.sh [BINARY]   (as root)
#
# Environment: RUNS (default 200), ROUNDS (default 5), BENCH_USER (default
# unshare-tester).
set -eu

bin=${1:-.build/release/swift-unshare}
runs=${RUNS:-200}
rounds=${ROUNDS:-5}
per_round=$(( (runs + rounds - 1) / rounds ))
user=${BENCH_USER:-unshare-tester}

die() { echo "bench-phases: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (the commands run as $user through runuser)"
command -v perf >/dev/null || die "perf is missing: apt-get install -y linux-perf"
command -v python3 >/dev/null || die "python3 is missing: apt-get install -y python3"
[ -x "$bin" ] || die "no binary at $bin: run make release (or make bench-phases)"
uid=$(id -u "$user" 2>/dev/null) || die "no user $user: run scripts/test-setup.sh"
home=$(getent passwd "$user" | cut -d: -f6)
cc=$(command -v cc || command -v clang || command -v gcc) || die "no C compiler for scripts/bench-floor.c"

dir=$(mktemp -d /tmp/swift-unshare-phases.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
install -m 755 "$bin" "$dir/swift-unshare"
ln -s swift-unshare "$dir/podman-unshare"
"$cc" -O2 -static -o "$dir/floor" "$(dirname "$0")/bench-floor.c" 2>/dev/null || die "scripts/bench-floor.c did not build"
cat >"$dir/loop" <<'EOF'
#!/bin/sh
n=$1; shift
while [ "$n" -gt 0 ]; do "$@" >/dev/null 2>&1; n=$((n - 1)); done
EOF
chmod 755 "$dir/loop"

as_user() {
    runuser -u "$user" -- env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME="$home" USER="$user" LOGNAME="$user" LANG=C "$@"
}

# Records one round's runs of the command (its program named NAME in $dir),
# added to $dir/NAME.txt: one line per event, "comm pid time event details".
record() {
    name=$1; shift
    perf record -q -o "$dir/$name.data" -a \
        -e sched:sched_process_exec,sched:sched_process_fork,sched:sched_process_exit \
        -e syscalls:sys_enter_unshare,syscalls:sys_enter_setns \
        -- runuser -u "$user" -- env -i PATH=/usr/bin:/bin HOME="$home" USER="$user" LOGNAME="$user" LANG=C \
        "$dir/loop" "$per_round" "$@" 2>/dev/null
    perf script -i "$dir/$name.data" -F comm,pid,time,event,trace 2>/dev/null >>"$dir/$name.txt"
    rm -f "$dir/$name.data"
}

start=$(awk -F: -v u="$user" '$1 == u { print $2; exit }' /etc/subuid)
count=$(awk -F: -v u="$user" '$1 == u { print $3; exit }' /etc/subuid)
gstart=$(awk -F: -v u="$user" '$1 == u { print $2; exit }' /etc/subgid)
gcount=$(awk -F: -v u="$user" '$1 == u { print $3; exit }' /etc/subgid)
cd "$dir"
pid_file=
if command -v podman >/dev/null; then
    as_user podman unshare true >/dev/null 2>&1 || true   # podman's pause process up
    for d in "/run/user/$uid" "/tmp/podman-run-$uid"; do
        if [ -s "$d/libpod/tmp/pause.pid" ]; then pid_file=$d/libpod/tmp/pause.pid; break; fi
    done
fi
round=0
while [ "$round" -lt "$rounds" ]; do
    record floor-r ./floor true
    record ours-r ./swift-unshare -r true
    if [ -n "$count" ] && [ -n "$gcount" ]; then
        record floor-auto ./floor "$start" "$count" "$gstart" "$gcount" true
        record floor-lookup ./floor --map-auto true
        record ours-auto ./swift-unshare -r --map-auto true
    fi
    if [ -n "$pid_file" ]; then
        record floor-join ./floor --join "$pid_file" true
        record floor-join-wait ./floor --join-wait "$pid_file" true
        record ours-podman ./podman-unshare true
    fi
    round=$((round + 1))
done

python3 - "$dir" <<'EOF'
import os, re, statistics, sys

folder = sys.argv[1]
EVENT = re.compile(r'\s*(\S+)\s+(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)')


def runs(name, program):
    """Each run: its events (ms from the command's exec, comm, pid, event, details)."""
    found, run = [], None
    for line in open(os.path.join(folder, name + '.txt')):
        m = EVENT.match(line)
        if not m:
            continue
        comm, pid, t, event, details = m.groups()
        t = float(t) * 1000
        if event == 'sched:sched_process_exec' and details.startswith('filename=./' + program + ' '):
            run = {'pid': pid, 't0': t, 'events': []}
            found.append(run)
            continue
        if run is not None:
            run['events'].append((t - run['t0'], comm, pid, event, details))
            if event == 'sched:sched_process_exit' and pid == run['pid']:
                run = None
    return found


def first(run, test):
    return next((e[0] for e in run['events'] if test(e)), None)


def last(run, test):
    hits = [e[0] for e in run['events'] if test(e)]
    return hits[-1] if hits else None


def is_exec_of(names):
    return lambda e: e[3] == 'sched:sched_process_exec' and any(('/' + n + ' ') in e[4] for n in names)


def is_exit_of(names):
    return lambda e: e[3] == 'sched:sched_process_exit' and e[1] in names


def phases(run, main_pid):
    """The marks of one run, in ms from its exec; None where a mark is missing."""
    own = lambda e: e[2] == main_pid
    marks = {
        'namespace call': first(run, lambda e: own(e) and e[3] in ('syscalls:sys_enter_unshare', 'syscalls:sys_enter_setns')),
        'first child started': first(run, lambda e: own(e) and e[3] == 'sched:sched_process_fork'),
        'helpers exec': last(run, is_exec_of(['newuidmap', 'newgidmap'])),
        'helpers ended': last(run, is_exit_of(['newuidmap', 'newgidmap'])),
        'program exec': first(run, is_exec_of(['true'])),
        'program ended': first(run, is_exit_of(['true'])),
        'command ended': first(run, lambda e: own(e) and e[3] == 'sched:sched_process_exit'),
    }
    return marks


rows = [
    ('`-r true`', [('floor-r', 'floor', 'the floor'), ('ours-r', 'swift-unshare', 'ours')]),
    ('`-r --map-auto true`', [('floor-auto', 'floor', 'the floor (ranges given)'),
                              ('floor-lookup', 'floor', 'the floor, looking its ranges up (reference)'),
                              ('ours-auto', 'swift-unshare', 'ours')]),
    ('`podman-unshare true`', [('floor-join', 'floor', 'the floor (`--join`)'),
                               ('floor-join-wait', 'floor', 'the floor that stays the parent (`--join-wait`)'),
                               ('ours-podman', 'podman-unshare', 'ours')]),
]
columns = ['namespace call', 'first child started', 'helpers exec', 'helpers ended', 'program exec',
           'program ended', 'command ended']
print('| command | program | runs | ' + ' | '.join(columns) + ' |')
print('|---|---|---|' + '---|' * len(columns))
for command, programs in rows:
    for name, program, label in programs:
        if not os.path.exists(os.path.join(folder, name + '.txt')):
            continue
        all_runs = runs(name, program)
        marks = [phases(r, r['pid']) for r in all_runs]
        cells = []
        for c in columns:
            values = [m[c] for m in marks if m[c] is not None]
            # a mark that only the loop's next command gives (the floor's own
            # fork is the program it waits for) is left out when rare
            cells.append('%.3f' % statistics.median(values) if len(values) > len(marks) // 2 else '')
        print('| %s | %s | %d | %s |' % (command, label, len(all_runs), ' | '.join(cells)))
print()
print('Medians in ms from the exec of the command, recorded system-wide with perf in alternating '
      'rounds: the namespace call (unshare or setns, as it is entered), the first process it starts, '
      'the last newuidmap/newgidmap exec and end, the exec and end of the program (`true`), and the '
      'end of the command itself (the same as the program\'s when the command becomes it).')
EOF
