#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Podman mode's part of the test setup (called at the end of test-setup.sh).
# Idempotent; changes only what it names, and says so.
#
# slirp4netns opens /dev/net/tun inside the tester's user namespace, where the
# device's owner (root) is not mapped: it needs the mode a Debian desktop gives
# it, 0666. Installs slirp4netns and catatonit when missing (podman's rootless
# network namespace and pause process).
set -eu

if [ "$(id -u)" != 0 ]; then
    echo "test-setup-podman: not root: the rootless network namespace tests will be skipped" >&2
    exit 0
fi

missing=""
command -v slirp4netns >/dev/null 2>&1 || missing="$missing slirp4netns"
[ -x /usr/bin/catatonit ] || [ -x /usr/libexec/podman/catatonit ] || missing="$missing catatonit"
if [ -n "$missing" ]; then
    echo "test-setup-podman: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >/dev/null
fi

if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
    echo "test-setup-podman: /dev/net/tun was mode $(stat -c %a /dev/net/tun); setting 0666 as a Debian desktop has it" >&2
    chmod 0666 /dev/net/tun
fi
echo "test-setup-podman: ready (slirp4netns at $(command -v slirp4netns), /dev/net/tun mode $(stat -c %a /dev/net/tun 2>/dev/null || echo missing))" >&2
