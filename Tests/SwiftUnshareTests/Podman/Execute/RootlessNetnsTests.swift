// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// --rootless-netns through the recording fake: after the pause process is
/// joined, podman's rootless network namespace is joined (made first, with
/// slirp4netns, when it is not there), then a new mount namespace gets
/// podman's binds, and only then is the command spawned.
@Suite struct RootlessNetnsTests {
    static let tmp = "/tmp/podman-run-1001/libpod/tmp"
    static let netns =
        "/tmp/podman-run-1001/netns/"
        + PodmanStorage.rootlessNetnsName(staticDir: "/home/tester/.local/share/containers/storage/libpod").description

    /// The calls after the pause process was joined, up to the command.
    func netnsCalls(_ sys: RecordingPodmanCalls) -> [String] {
        Array(
            sys.calls.drop { $0 != "close /proc/4242/ns/mnt" }.dropFirst().prefix { $0 != "executable? /usr/bin/id" })
    }

    @Test func anExistingNamespaceIsJoinedUnderTheLockThenTheMountsAreMade() {
        let sys = PodmanExecutorTests.running()
        sys.namespaceFiles = [ByteString(Self.netns)]
        sys.nodes["/etc"] = FileFacts(uid: 0, mode: 0o40755)
        sys.nodes["/etc/resolv.conf"] = FileFacts(uid: 0, mode: 0o100644)
        sys.nodes["/var"] = FileFacts(uid: 0, mode: 0o40755)
        sys.nodes["/var/lib"] = FileFacts(uid: 0, mode: 0o40755)
        #expect(executePodman(sys, rootlessNetns: true) == .exit(0))
        let inDir = Self.tmp + "/rootless-netns"
        #expect(
            netnsCalls(sys) == [
                "stat \(Self.tmp)", "stat /tmp/podman-run-1001/libpod", "mkdir \(Self.tmp) 700",
                "create \(Self.tmp)/rootless-netns.lock 644", "lock \(Self.tmp)/rootless-netns.lock",
                "stat \(inDir)", "stat \(Self.tmp)", "mkdir \(inDir) 700",
                "open \(Self.netns)", "close \(Self.netns)",  // it is a namespace: nothing is made
                "setenv PATH=/usr/bin:/bin:/usr/sbin",
                "close \(Self.tmp)/rootless-netns.lock",  // unlocked before the command runs
                "open \(Self.netns)", "setns \(Self.netns)", "close \(Self.netns)", "unshare mount",
                "mount /tmp/podman-run-1001 \(inDir)/tmp/podman-run-1001 none",
                "stat /run/systemd", "lstat /etc", "lstat /etc/resolv.conf",
                "mount \(inDir)/resolv.conf /etc/resolv.conf none",
                "stat /var/lib/cni", "stat /var/lib", "mount \(inDir)/var/lib /var/lib none",
                "mount \(inDir)/run /run none",
            ])
    }

    @Test func aMissingNamespaceIsMadeWithSlirp4netnsFirst() {
        let sys = PodmanExecutorTests.running()
        sys.executables.insert("/usr/bin/slirp4netns")
        sys.contents["output of /usr/bin/slirp4netns"] = Array("--enable-ipv6 --mtu --enable-sandbox".utf8)
        sys.contents["pipe (read)"] = [1]  // it is ready
        sys.nodes["/etc"] = FileFacts(uid: 0, mode: 0o40755)
        sys.nodes["/etc/resolv.conf"] = FileFacts(uid: 0, mode: 0o100644)
        sys.contents["/etc/resolv.conf"] = Array("nameserver 127.0.0.53\nnameserver 192.0.2.1\nsearch example\n".utf8)
        sys.nodes["/var"] = FileFacts(uid: 0, mode: 0o40755)
        #expect(executePodman(sys, rootlessNetns: true) == .exit(0))
        let calls = netnsCalls(sys)
        let made = calls.drop { $0 != "open \(Self.netns)" }.dropFirst(2).prefix(24)
        #expect(
            Array(made) == [
                "stat /tmp/podman-run-1001/netns", "stat /tmp/podman-run-1001", "mkdir /tmp/podman-run-1001/netns 755",
                "mount  /tmp/podman-run-1001/netns none",  // made a shared mount
                "create \(Self.netns) 666", "write \(Self.netns): ", "close \(Self.netns)",
                "bind a new network namespace on \(Self.netns)",
                "executable? /usr/bin/slirp4netns", "open /dev/null", "run /usr/bin/slirp4netns --help", "pipe",
                "create \(Self.tmp)/slirp4netns-rootless-netns.log 666",
                "unlink \(Self.tmp)/slirp4netns-rootless-netns.log",
                "start detached /usr/bin/slirp4netns --mtu=65520 --enable-sandbox --enable-ipv6 -c -r 3 --netns-type=path \(Self.netns) tap0 (log \(Self.tmp)/slirp4netns-rootless-netns.log)",
                "create \(Self.tmp)/rootless-netns/rootless-netns-slirp4netns.pid 700",
                "write \(Self.tmp)/rootless-netns/rootless-netns-slirp4netns.pid: 5001",
                "close \(Self.tmp)/rootless-netns/rootless-netns-slirp4netns.pid",
                "poll pipe (read) for 1000 ms", "read pipe (read) up to 1",
                "close \(Self.tmp)/slirp4netns-rootless-netns.log", "close pipe (read)", "close pipe (write)",
                "close /dev/null",
            ])
        // slirp4netns's DNS first, then the host's other servers and its search domains.
        #expect(
            calls.contains(
                "write \(Self.tmp)/rootless-netns/resolv.conf: search example\nnameserver 10.0.2.3\nnameserver 192.0.2.1\n"
            ))
        #expect(
            calls.suffix(3) == [
                "stat /var", "mount \(Self.tmp)/rootless-netns/var /var none",
                "mount \(Self.tmp)/rootless-netns/run /run none",
            ])
    }
}
