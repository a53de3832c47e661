// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import SwiftUnshare

/// The --explain renderer over plans built from a fake system (no root needed).
@Suite struct ExplainTests {
    func explained(_ words: [String], _ system: FakeSystem = FakeSystem()) -> String? {
        guard let o = options(words, system), case .success(let plan) = Plan.build(o, context: system, pid: 42) else {
            return nil
        }
        return Explain.render(plan, pid: 42).description
    }

    @Test func mapLayoutIsTheKernels() {
        #expect(
            Explain.mapLayout([
                IDRange(inner: 0, outer: 1001, count: 1), IDRange(inner: 1, outer: 4_294_967_294, count: 1),
            ])
                == "         0       1001          1\n         1 4294967294          1\n")
    }

    @Test func quoting() {
        #expect(Explain.quoted("a/b-c.d") == "a/b-c.d")
        #expect(Explain.quoted("it's x") == #"'it'\''s x'"#)
        #expect(Explain.quoted("") == "''")
    }

    @Test func newuidmapLinesCarryThePidAndEveryRange() {
        #expect(
            explained(["-r", "--map-users=1:100000:10", "--map-groups=1:200000:10", "id"]) == """
                namespaces: user
                uid_map:
                         0       1001          1
                         1     100000         10
                gid_map:
                         0       1001          1
                         1     200000         10
                maps: newuidmap and newgidmap, each in a child forked before unshare, run once the namespace exists:
                  newuidmap 42 0 1001 1 1 100000 10
                  newgidmap 42 0 1001 1 1 200000 10
                setgroups: allow (left as the kernel starts it)
                steps:
                  fork the children for newuidmap and newgidmap (they stay outside, held until the namespace exists)
                  unshare user
                  release them: they execute newuidmap and newgidmap at once, and this process waits for both
                  execute id (searched on PATH)

                """)
    }

    @Test func persistBinfmtAndTheLoginShell() {
        var root = FakeSystem()
        root.euid = 0
        root.egid = 0
        #expect(
            explained(
                [
                    "--net=/run/n", "--mount-binfmt=/b", "-l", ":x:E::x::/i:F", "--setgroups=deny",
                    "--owner=5:6",
                ], root) == """
                    namespaces: mount net user
                    uid_map: empty (every id shows as the overflow id, 65534)
                    gid_map: empty (every id shows as the overflow id, 65534)
                    maps: none written
                    setgroups: deny
                    persist: net namespace (/proc/42/ns/net) bound onto /run/n
                    steps:
                      fork the bind helper (it stays outside, to bind the namespace files)
                      drop supplementary groups, setgid(6), setuid(5): the new user namespace's owner
                      unshare mount net user
                      the bind helper, released, binds the namespace files onto their targets
                      write "deny" to /proc/self/setgroups
                      make / and everything under it private (mount propagation)
                      mount binfmt_misc on /b (nosuid, noexec, nodev)
                      register :x:E::x::/i:F in /b/register
                      execute the login shell /bin/bash ($SHELL) as -bash

                    """)
    }

    /// Without $SHELL the shell is not known before exec: the step says whose entry is read then.
    @Test func theLoginShellWithoutSHELL() {
        var noShell = FakeSystem()
        noShell.env = [:]
        #expect(
            explained(["-r"], noShell)?.hasSuffix(
                "  execute the login shell of getuid()'s passwd entry as it is then, inside the namespace "
                    + "(else /bin/sh), as - and its name\n") == true)
    }
}
