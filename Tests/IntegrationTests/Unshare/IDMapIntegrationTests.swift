// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// Id maps written by the three strategies, run for real. The
/// tester's ids and subordinate ranges are looked up (TestAccount), never assumed.
@Suite struct IDMapIntegrationTests {
    static func line(_ inner: UInt32, _ outer: UInt32, _ count: UInt32) -> String { MapText.line(inner, outer, count) }

    /// unshare-tester, present whenever `.requiresTester` lets a test run.
    static func tester() throws -> TestAccount { try #require(TestAccount.tester) }

    @Test(.requiresTester)
    func mapAutoAsUnprivilegedUser() throws {
        let t = try Self.tester()
        let r = Harness.run(
            [
                Harness.swiftUnshare, "-r", "--map-auto", "cat", "/proc/self/uid_map", "/proc/self/gid_map",
                "/proc/self/setgroups",
            ], as: .tester)
        #expect(
            r
                == Outcome(
                    stdout: Self.line(0, t.uid, 1) + Self.line(1, t.subuid.start, t.subuid.count)
                        + Self.line(0, t.gid, 1) + Self.line(1, t.subgid.start, t.subgid.count) + "allow\n",
                    stderr: "", ending: .exit(0)))
    }

    @Test(.requiresTester)
    func mapCurrentUserWithAuto() throws {
        let t = try Self.tester()
        let r = Harness.run([Harness.swiftUnshare, "-c", "--map-auto", "cat", "/proc/self/uid_map"], as: .tester)
        #expect(
            r
                == Outcome(
                    stdout: MapText.singleBesideAuto(inner: t.uid, outer: t.uid, t.subuid), stderr: "",
                    ending: .exit(0)))
    }

    @Test(.requiresTester)
    func chownInsideShowsSubordinateIDsOutside() throws {
        let t = try Self.tester()
        try Harness.withScratch("chown") { dir in
            let file = dir + "/f"
            try #require(FileManager.default.createFile(atPath: file, contents: Data()))
            chown(file, t.uid, t.gid)
            let r = Harness.run([Harness.swiftUnshare, "-r", "--map-auto", "chown", "1:1", file], as: .tester)
            #expect(r == Outcome(stdout: "", stderr: "", ending: .exit(0)))
            var st = stat()
            #expect(stat(file, &st) == 0)
            // inner 1 is the first id of each subordinate range
            #expect(st.st_uid == t.subuid.start)
            #expect(st.st_gid == t.subgid.start)
        }
    }

    @Test(.requiresTester)
    func subidsAndExplicitRanges() throws {
        let t = try Self.tester()
        let (u, s, n) = (t.uid, t.subuid.start, t.subuid.count)
        let subids = Harness.run(
            [Harness.swiftUnshare, "--map-subids", "-r", "cat", "/proc/self/uid_map"], as: .tester)
        #expect(subids.stdout == Self.line(0, u, 1) + Self.line(s, s, n))
        let colon = Harness.run(
            [
                Harness.swiftUnshare, "-r", "--map-users=1:\(s):10", "--map-users=20:\(s + 10):5",
                "cat", "/proc/self/uid_map",
            ], as: .tester)
        #expect(colon.stdout == Self.line(0, u, 1) + Self.line(1, s, 10) + Self.line(20, s + 10, 5))
        // 2.38.1 keeps only the last --map-users; the spec (docs/unshare.md) accumulates them
        let two = Harness.run(
            [
                Harness.swiftUnshare, "-r", "--map-users=\(s),1,10", "--map-users=\(s + 10),11,10",
                "cat", "/proc/self/uid_map",
            ], as: .tester)
        #expect(two.stdout == Self.line(0, u, 1) + Self.line(1, s, 10) + Self.line(11, s + 10, 10))
        let clipped = Harness.run(
            [Harness.swiftUnshare, "-r", "--map-users=0:\(s):1000", "cat", "/proc/self/uid_map"],
            as: .tester)
        #expect(clipped.stdout == Self.line(0, u, 1) + Self.line(1, s, 999))
    }

    /// Ranges where util-linux 2.38.1 and the spec agree (2.38.1 reads only the
    /// legacy `outer,inner,count` form): the oracle decides. S and N are the
    /// tester's range; O is a range unshare-tester2 owns.
    static var rangesForTheOracle: [[String]] {
        guard let t = TestAccount.tester, let other = TestAccount.tester2 else { return [] }
        let (s, n, sg, o) = (t.subuid.start, t.subuid.count, t.subgid.start, other.subuid.start)
        return [
            ["-r", "--map-users=\(s),1,1000", "cat", "/proc/self/uid_map", "/proc/self/gid_map"],
            [
                "-r", "--map-users=\(s),0,1000", "--map-groups=\(sg),0,1000", "cat", "/proc/self/uid_map",
                "/proc/self/gid_map",
                "/proc/self/setgroups",
            ],
            ["-r", "--map-users=\(o),1,10", "true"],
            ["-r", "--map-users=\(s),1,\(n + 1)", "true"],
            ["--map-users=\(s),1,10", "cat", "/proc/self/uid_map"],
            ["-c", "--map-users=\(s),0,10", "cat", "/proc/self/uid_map"],
            [
                "--map-group=0", "--map-users=\(s),1,10", "cat", "/proc/self/uid_map", "/proc/self/gid_map",
                "/proc/self/setgroups",
            ],
            ["--map-users=\(s),1,10", "--setgroups=deny", "-r", "cat", "/proc/self/setgroups"],
        ]
    }

    @Test(.requiresTester, .requiresProgram(Harness.oracle, package: "util-linux"), arguments: rangesForTheOracle)
    func rangesMatchUtilLinuxAsUser(_ args: [String]) {
        let (ours, oracle) = Harness.both(args, as: .tester)
        #expect(ours == oracle)
        #expect(!ours.stdout.isEmpty || !ours.stderr.isEmpty)
    }

    /// As root the maps are written directly (2.38.1 would run newuidmap, which
    /// refuses root's ranges): exact texts. Root may map any outer ids; these
    /// are no one's subordinate ranges.
    @Test(.requiresRoot)
    func rangesAsRootAreWrittenDirectly() {
        let a = Harness.run([
            Harness.swiftUnshare, "--map-users=0:100000:1000", "--map-groups=100000,0,1000", "-r",
            "cat", "/proc/self/uid_map", "/proc/self/gid_map", "/proc/self/setgroups",
        ])
        #expect(
            a
                == Outcome(
                    stdout: Self.line(0, 0, 1) + Self.line(1, 100000, 999) + Self.line(0, 0, 1)
                        + Self.line(1, 100000, 999) + "allow\n", stderr: "", ending: .exit(0)))
        let b = Harness.run([
            Harness.swiftUnshare, "--map-users=100000,0,10", "--map-users=100010,10,10",
            "cat", "/proc/self/uid_map",
        ])
        #expect(
            b == Outcome(stdout: Self.line(0, 100000, 10) + Self.line(10, 100010, 10), stderr: "", ending: .exit(0)))
        let c = Harness.run([Harness.swiftUnshare, "--map-users=all", "--map-user=0", "cat", "/proc/self/uid_map"])
        #expect(c == Outcome(stdout: Self.line(0, 0, 1) + Self.line(1, 1, 4_294_967_294), stderr: "", ending: .exit(0)))
        let d = Harness.run([Harness.swiftUnshare, "--map-groups=all", "cat", "/proc/self/gid_map"])
        #expect(d == Outcome(stdout: Self.line(0, 0, 4_294_967_295), stderr: "", ending: .exit(0)))
    }

    @Test(.requiresRoot)
    func mapAutoAsRootUsesTheRootLine() {
        let r = Harness.run([Harness.swiftUnshare, "--map-users=0:100000:1000", "-r", "cat", "/proc/self/uid_map"])
        #expect(r.stdout == Self.line(0, 0, 1) + Self.line(1, 100000, 999))
    }

    @Test(.requiresRoot)
    func privilegedMapTooLarge() {
        let ranges = (0..<300).map { "--map-users=\($0 * 100 + 1):\($0 * 100 + 100000):10" }
        let r = Harness.run([Harness.ours] + ranges + ["true"]).normalized
        #expect(
            r
                == Outcome(
                    stdout: "", stderr: "unshare: /proc/PID/uid_map too large for kernel 4k limit\n", ending: .exit(1)))
    }

    @Test(.requiresTester)
    func missingNewuidmap() {
        let r = Harness.run(
            [Harness.ours, "-r", "--map-auto", "true"], as: .tester, extraEnv: ["PATH": "/nonexistent"])
        #expect(
            r
                == Outcome(
                    stdout: "", stderr: "unshare: failed to execute newuidmap: No such file or directory\n",
                    ending: .exit(127)))
    }

    /// unshare-tester2's range, which unshare-tester does not own.
    @Test(.requiresTester)
    func newuidmapRefusesARangeNotOwned() throws {
        let o = try #require(TestAccount.tester2).subuid.start
        let r = Harness.run([Harness.ours, "-r", "--map-users=1:\(o):10", "true"], as: .tester)
        #expect(
            r
                == Outcome(
                    stdout: "", stderr: "newuidmap: uid range [1-11) -> [\(o)-\(o + 10)) not allowed\n",
                    ending: .exit(1)))
    }

    /// Fake newuidmap and newgidmap record their arguments, then meet at a
    /// named pipe before they hand over to the real ones: one opens it for
    /// writing, the other for reading, and each open waits for the other. Run
    /// one after the other, the first would wait for ever (and the run time out).
    @Test(.requiresTester)
    func bothHelpersRunAtOnce() throws {
        let t = try Self.tester()
        try Harness.withScratch("fakes") { dir in
            let meet = dir + "/meet"
            try #require(mkfifo(meet, 0o666) == 0)
            chmod(meet, 0o666)
            for (tool, end) in [("newuidmap", ">"), ("newgidmap", "<")] {
                let script = """
                    #!/bin/sh
                    echo "$@" > \(dir)/\(tool).args
                    exec 3\(end) \(meet)
                    exec 3>&- /usr/bin/\(tool) "$@"

                    """
                Harness.writeExecutable("\(dir)/\(tool)", script)
            }
            let r = Harness.run(
                [Harness.swiftUnshare, "-r", "--map-auto", "-f", "sh", "-c", "cat /proc/self/uid_map; echo $PPID"],
                as: .tester, extraEnv: ["PATH": "\(dir):/usr/bin:/bin"], timeout: 20)
            #expect(r.ending == .exit(0), "\(r)")
            let pid = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
            func read(_ name: String) -> String {
                ((try? String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8)) ?? "")
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            // the target is swift-unshare itself, the parent of the forked sh
            #expect(read("newuidmap.args") == "\(pid) 0 \(t.uid) 1 1 \(t.subuid.start) \(t.subuid.count)")
            #expect(read("newgidmap.args") == "\(pid) 0 \(t.gid) 1 1 \(t.subgid.start) \(t.subgid.count)")
        }
    }

    /// --owner: root creates the namespace for another user, who can then enter it.
    @Test(.requiresTester)
    func ownerHandsTheNamespaceToAnotherUser() throws {
        let t = try Self.tester()
        let s = t.subuid.start
        let sg = t.subgid.start
        try Harness.withScratch("owner") { dir in
            let file = dir + "/userns"
            try #require(FileManager.default.createFile(atPath: file, contents: Data()))
            let made = Harness.run([
                Harness.swiftUnshare, "--owner=\(t.uid):\(t.gid)", "--map-users=0:\(s):10",
                "--map-groups=0:\(sg):10", "--user=\(file)", "true",
            ])
            #expect(made == Outcome(stdout: "", stderr: "", ending: .exit(0)))
            defer { umount(file) }
            let entered = Harness.run(["nsenter", "--user=\(file)", "cat", "/proc/self/uid_map"], as: .tester)
            #expect(entered == Outcome(stdout: Self.line(0, s, 10), stderr: "", ending: .exit(0)))
            // not so for a namespace root kept
            let other = dir + "/rootns"
            try #require(FileManager.default.createFile(atPath: other, contents: Data()))
            _ = Harness.run([Harness.swiftUnshare, "--map-users=0:\(s):10", "--user=\(other)", "true"])
            defer { umount(other) }
            let refused = Harness.run(["nsenter", "--user=\(other)", "true"], as: .tester)
            #expect(refused.ending == .exit(1))
        }
    }
}
