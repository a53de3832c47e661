#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Makes the Debian binary package from a tree that `make install DESTDIR=ROOT
# PREFIX=/usr` filled (make deb runs both):
#
#   sh scripts/deb.sh ROOT OUT.deb VERSION
#
# Adds what Debian's policy asks of a package and the install does not make:
# man pages compressed with gzip -9n, /usr/share/doc/swift-unshare/copyright
# (machine-readable, DEP-5) and changelog.Debian.gz in place of LICENSE and
# the install's record of directories, the lintian override for what is
# deliberate, DEBIAN/control and DEBIAN/md5sums. Reproducible: every time
# stamp is SOURCE_DATE_EPOCH (the last commit's, unless set), modes are
# fixed, and dpkg-deb --root-owner-group makes every file root's.
set -eu

usage="usage: deb.sh ROOT OUT.deb VERSION"
root=${1:?$usage}
out=${2:?$usage}
version=${3:?$usage}

die() { echo "deb: $*" >&2; exit 1; }
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (Debian's dpkg)"
[ -x "$root/usr/bin/swift-unshare" ] || die "no $root/usr/bin/swift-unshare: run make install DESTDIR=$root PREFIX=/usr"

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || stat -c %Y VERSION)
fi
export SOURCE_DATE_EPOCH
arch=$(dpkg --print-architecture)
maintainer="swift-unshare authors <dev@swift-unshare.invalid>"
doc=$root/usr/share/doc/swift-unshare
# The years of the copyright: from the first commit's to SOURCE_DATE_EPOCH's.
last=$(TZ=UTC date -d "@$SOURCE_DATE_EPOCH" +%Y)
first=$(git log --reverse --format=%cd --date=format:%Y 2>/dev/null | head -n 1)
years=${first:-$last}
[ "$years" = "$last" ] || years="$years-$last"

# Debian's documentation directory holds copyright, not the licence text (it
# points to the system's copy) nor the install's record of directories.
rm -f "$doc/LICENSE" "$doc/installed-directories"
for page in "$root"/usr/share/man/man1/*; do
    gzip -9n "$page"
done

cat >"$doc/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: swift-unshare
Upstream-Contact: $maintainer

Files: *
Copyright: $years the swift-unshare authors
License: Apache-2.0

License: Apache-2.0
 Licensed under the Apache License, Version 2.0 (the "License");
 you may not use this file except in compliance with the License.
 You may obtain a copy of the License at
 .
 http://www.apache.org/licenses/LICENSE-2.0
 .
 Unless required by applicable law or agreed to in writing, software
 distributed under the License is distributed on an "AS IS" BASIS,
 WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 See the License for the specific language governing permissions and
 limitations under the License.
 .
 On Debian systems, the complete text of the Apache License, Version 2.0
 can be found in "/usr/share/common-licenses/Apache-2.0".
EOF

date=$(LC_ALL=C TZ=UTC date -R -d "@$SOURCE_DATE_EPOCH")
cat >"$root/changelog.Debian" <<EOF
swift-unshare ($version-1) unstable; urgency=medium

  * swift-unshare $version, packaged by make deb from its own tree.

 -- $maintainer  $date
EOF
gzip -9n -c "$root/changelog.Debian" >"$doc/changelog.Debian.gz"
rm -f "$root/changelog.Debian"

mkdir -p "$root/usr/share/lintian/overrides"
cat >"$root/usr/share/lintian/overrides/swift-unshare" <<'EOF'
# swift-unshare is one static executable on purpose: the Swift runtime and
# glibc are linked in, so that it runs on machines without a Swift toolchain
# and starts without a dynamic loader or symbol binding, its fastest start
# (the project's BENCHMARKS.md). It depends on no shared library.
swift-unshare: statically-linked-binary [usr/bin/swift-unshare]
# Not a package for Debian's archive: there is no ITP bug for its first
# changelog entry to close.
swift-unshare: initial-upload-closes-no-bugs [usr/share/doc/swift-unshare/changelog.Debian.gz:1]
EOF

# Modes as Debian wants them, whatever the umask.
find "$root" -type d -exec chmod 755 {} +
find "$root" -type f -exec chmod 644 {} +
chmod 755 "$root/usr/bin/swift-unshare"

# Installed-Size as dpkg-gencontrol counts it: KiB per file or link, rounded
# up, and 1 for each directory.
size=$(find "$root" -mindepth 1 -printf '%y %s\n' | awk '
    $1 == "d" { n += 1; next } { n += int(($2 + 1023) / 1024) } END { print n }')

mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<EOF
Package: swift-unshare
Version: $version-1
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Recommends: uidmap
Suggests: podman, catatonit, slirp4netns
Section: utils
Priority: optional
Description: run a program in new namespaces, as unshare(1) and podman unshare
 swift-unshare takes the options of util-linux unshare(1) and gives the same
 messages, exit codes and id maps, so scripts that call unshare can call it
 instead; the headline use is an unprivileged user becoming root in a new user
 namespace with their /etc/subuid range mapped behind them. Invoked as
 podman-unshare, it does what podman unshare does.
 .
 With --explain it prints the namespaces, the id maps and every step it would
 take, and runs nothing; after a failure on a terminal, one hint line names
 the cause and the fix. It is one static executable, written in Swift.
EOF
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort | xargs md5sum) \
    >"$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "deb: $out"
