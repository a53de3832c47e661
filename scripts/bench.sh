#!/bin/sh
# Start-up and run cost of swift-unshare against util-linux unshare (and podman
# unshare against podman-unshare), measured with hyperfine. Speed is measured
# here, never by a timed test. Usage: scripts/bench.sh [runs]   (as root)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-300}
command -v hyperfine >/dev/null || { echo "bench: install hyperfine (apt-get install hyperfine)" >&2; exit 1; }

swift build -c release --static-swift-stdlib >/dev/null
dir=$(mktemp -d /tmp/swift-unshare-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
install -m 755 .build/release/swift-unshare "$dir/swift-unshare"
ln -s swift-unshare "$dir/podman-unshare"

echo "== as $(id -un)"
hyperfine -N --warmup 20 --runs "$runs" \
    "/usr/bin/unshare -V" "$dir/swift-unshare -V" \
    "/usr/bin/unshare -r true" "$dir/swift-unshare -r true"

if [ "$(id -u)" = 0 ] && getent passwd unshare-tester >/dev/null; then
    as="setpriv --reuid=unshare-tester --regid=unshare-tester --init-groups --"
    echo "== as unshare-tester (with /etc/subuid ranges)"
    hyperfine -N --warmup 10 --runs "$runs" \
        "$as /usr/bin/unshare -r true" "$as $dir/swift-unshare -r true" \
        "$as /usr/bin/unshare -r --map-auto true" "$as $dir/swift-unshare -r --map-auto true"
    if command -v podman >/dev/null; then
        hyperfine -N --warmup 3 --runs 30 \
            "$as env HOME=/home/unshare-tester podman unshare true" "$as $dir/podman-unshare true"
    fi
fi
