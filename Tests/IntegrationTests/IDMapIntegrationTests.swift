import Foundation
import Glibc
import Testing

/// Issue 3: id maps written by the three strategies, run for real.
@Suite struct IDMapIntegrationTests {
    /// The kernel's layout of a map line.
    static func line(_ inner: UInt32, _ outer: UInt32, _ count: UInt32) -> String {
        String(repeating: " ", count: max(0, 10 - String(inner).count)) + String(inner) + " "
            + String(repeating: " ", count: max(0, 10 - String(outer).count)) + String(outer) + " "
            + String(repeating: " ", count: max(0, 10 - String(count).count)) + String(count) + "\n"
    }

    static var testerUID: UInt32 { Runner.tester.passwd?.uid ?? 0 }
    static var testerGID: UInt32 { Runner.tester.passwd?.gid ?? 0 }

    @Test(.enabled(if: Harness.testerReady, Harness.testerSkipReason))
    func mapAutoAsUnprivilegedUser() {
        let uid = Self.testerUID, gid = Self.testerGID
        let r = Harness.run([Harness.swiftUnshare, "-r", "--map-auto", "cat", "/proc/self/uid_map", "/proc/self/gid_map",
                             "/proc/self/setgroups"], as: .tester)
        #expect(r == Outcome(stdout: Self.line(0, uid, 1) + Self.line(1, 100000, 65536) + Self.line(0, gid, 1)
                             + Self.line(1, 100000, 65536) + "allow\n", stderr: "", ending: .exit(0)))
    }

    @Test(.enabled(if: Harness.testerReady, Harness.testerSkipReason))
    func mapCurrentUserWithAuto() {
        let uid = Self.testerUID
        let r = Harness.run([Harness.swiftUnshare, "-c", "--map-auto", "cat", "/proc/self/uid_map"], as: .tester)
        #expect(r.stdout == Self.line(uid, uid, 1) + Self.line(0, 100000, uid) + Self.line(uid + 1, 100000 + uid, 65536 - uid))
        #expect(r.ending == .exit(0))
    }

    @Test(.enabled(if: Harness.testerReady, Harness.testerSkipReason))
    func chownInsideShowsSubordinateIDsOutside() throws {
        let dir = Harness.scratch("chown")
        let file = dir + "/f"
        FileManager.default.createFile(atPath: file, contents: Data())
        chown(file, Self.testerUID, Self.testerGID)
        let r = Harness.run([Harness.swiftUnshare, "-r", "--map-auto", "chown", "1:1", file], as: .tester)
        #expect(r == Outcome(stdout: "", stderr: "", ending: .exit(0)))
        var st = stat()
        #expect(stat(file, &st) == 0)
        #expect(st.st_uid == 100000)
        #expect(st.st_gid == 100000)
    }

    @Test(.enabled(if: Harness.testerReady, Harness.testerSkipReason))
    func subidsAndExplicitRanges() {
        let uid = Self.testerUID
        let subids = Harness.run([Harness.swiftUnshare, "--map-subids", "-r", "cat", "/proc/self/uid_map"], as: .tester)
        #expect(subids.stdout == Self.line(0, uid, 1) + Self.line(100000, 100000, 65536))
        let colon = Harness.run([Harness.swiftUnshare, "-r", "--map-users=1:100000:10", "--map-users=20:100010:5",
                                 "cat", "/proc/self/uid_map"], as: .tester)
        #expect(colon.stdout == Self.line(0, uid, 1) + Self.line(1, 100000, 10) + Self.line(20, 100010, 5))
        // 2.38.1 keeps only the last --map-users; the spec accumulates them
        let two = Harness.run([Harness.swiftUnshare, "-r", "--map-users=100000,1,10", "--map-users=100010,11,10",
                               "cat", "/proc/self/uid_map"], as: .tester)
        #expect(two.stdout == Self.line(0, uid, 1) + Self.line(1, 100000, 10) + Self.line(11, 100010, 10))
        let clipped = Harness.run([Harness.swiftUnshare, "-r", "--map-users=0:100000:1000", "cat", "/proc/self/uid_map"],
                                  as: .tester)
        #expect(clipped.stdout == Self.line(0, uid, 1) + Self.line(1, 100000, 999))
    }

    /// Ranges where util-linux 2.38.1 and the spec agree (2.38.1 reads only the
    /// legacy `outer,inner,count` form): the oracle decides.
    @Test(.enabled(if: Harness.testerReady && Harness.oracleReady, Harness.testerSkipReason),
          arguments: [
            ["-r", "--map-users=100000,1,1000", "cat", "/proc/self/uid_map", "/proc/self/gid_map"],
            ["-r", "--map-users=100000,0,1000", "--map-groups=100000,0,1000", "cat", "/proc/self/uid_map", "/proc/self/gid_map",
             "/proc/self/setgroups"],
            ["-r", "--map-users=200000,1,10", "true"],
            ["-r", "--map-users=100000,1,65537", "true"],
            ["--map-users=100000,1,10", "cat", "/proc/self/uid_map"],
            ["-c", "--map-users=100000,0,10", "cat", "/proc/self/uid_map"],
            ["--map-group=0", "--map-users=100000,1,10", "cat", "/proc/self/uid_map", "/proc/self/gid_map", "/proc/self/setgroups"],
            ["--map-users=100000,1,10", "--setgroups=deny", "-r", "cat", "/proc/self/setgroups"],
          ])
    func rangesMatchUtilLinuxAsUser(_ args: [String]) {
        let (ours, oracle) = Harness.both(args, as: .tester)
        #expect(ours == oracle)
        #expect(!ours.stdout.isEmpty || !ours.stderr.isEmpty)
    }

    /// As root the maps are written directly (2.38.1 would run newuidmap, which
    /// refuses root's ranges): exact texts.
    @Test(.enabled(if: Harness.isRoot, "needs root"))
    func rangesAsRootAreWrittenDirectly() {
        let a = Harness.run([Harness.swiftUnshare, "--map-users=0:100000:1000", "--map-groups=100000,0,1000", "-r",
                             "cat", "/proc/self/uid_map", "/proc/self/gid_map", "/proc/self/setgroups"])
        #expect(a == Outcome(stdout: Self.line(0, 0, 1) + Self.line(1, 100000, 999) + Self.line(0, 0, 1)
                             + Self.line(1, 100000, 999) + "allow\n", stderr: "", ending: .exit(0)))
        let b = Harness.run([Harness.swiftUnshare, "--map-users=100000,0,10", "--map-users=100010,10,10",
                             "cat", "/proc/self/uid_map"])
        #expect(b == Outcome(stdout: Self.line(0, 100000, 10) + Self.line(10, 100010, 10), stderr: "", ending: .exit(0)))
        let c = Harness.run([Harness.swiftUnshare, "--map-users=all", "--map-user=0", "cat", "/proc/self/uid_map"])
        #expect(c == Outcome(stdout: Self.line(0, 0, 1) + Self.line(1, 1, 4294967294), stderr: "", ending: .exit(0)))
        let d = Harness.run([Harness.swiftUnshare, "--map-groups=all", "cat", "/proc/self/gid_map"])
        #expect(d == Outcome(stdout: Self.line(0, 0, 4294967295), stderr: "", ending: .exit(0)))
    }

    @Test(.enabled(if: Harness.isRoot, "needs root"))
    func mapAutoAsRootUsesTheRootLine() {
        let r = Harness.run([Harness.swiftUnshare, "--map-users=0:100000:1000", "-r", "cat", "/proc/self/uid_map"])
        #expect(r.stdout == Self.line(0, 0, 1) + Self.line(1, 100000, 999))
    }

    @Test(.enabled(if: Harness.isRoot, "needs root"))
    func privilegedMapTooLarge() {
        let ranges = (0..<300).map { "--map-users=\($0 * 100 + 1):\($0 * 100 + 100000):10" }
        let r = Harness.run([Harness.ours] + ranges + ["true"]).normalized
        #expect(r == Outcome(stdout: "", stderr: "unshare: /proc/PID/uid_map too large for kernel 4k limit\n", ending: .exit(1)))
    }

    @Test(.enabled(if: Harness.testerReady, Harness.testerSkipReason))
    func missingNewuidmap() {
        let r = Harness.run([Harness.ours, "-r", "--map-auto", "true"], as: .tester, extraEnv: ["PATH": "/nonexistent"])
        #expect(r == Outcome(stdout: "", stderr: "unshare: failed to execute newuidmap: No such file or directory\n",
                             ending: .exit(127)))
    }

    @Test(.enabled(if: Harness.testerReady, Harness.testerSkipReason))
    func newuidmapRefusesARangeNotOwned() {
        let r = Harness.run([Harness.ours, "-r", "--map-users=1:500000:10", "true"], as: .tester)
        #expect(r == Outcome(stdout: "", stderr: "newuidmap: uid range [1-11) -> [500000-500010) not allowed\n",
                             ending: .exit(1)))
    }

    /// Fake newuidmap/newgidmap record their arguments and when they ran, then
    /// hand over to the real ones: both must have run, at the same time.
    @Test(.enabled(if: Harness.testerReady, Harness.testerSkipReason))
    func bothHelpersRunAtOnce() throws {
        let dir = Harness.scratch("fakes")
        for tool in ["newuidmap", "newgidmap"] {
            let script = """
            #!/bin/sh
            date +%s.%N > \(dir)/\(tool).start
            echo "$@" > \(dir)/\(tool).args
            sleep 0.5
            date +%s.%N > \(dir)/\(tool).end
            exec /usr/bin/\(tool) "$@"

            """
            Harness.writeExecutable("\(dir)/\(tool)", script)
        }
        let uid = Self.testerUID, gid = Self.testerGID
        let r = Harness.run([Harness.swiftUnshare, "-r", "--map-auto", "-f", "sh", "-c", "cat /proc/self/uid_map; echo $PPID"],
                            as: .tester, extraEnv: ["PATH": "\(dir):/usr/bin:/bin"])
        #expect(r.ending == .exit(0))
        let pid = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        func read(_ name: String) -> String {
            ((try? String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8)) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // the target is swift-unshare itself, the parent of the forked sh
        #expect(read("newuidmap.args") == "\(pid) 0 \(uid) 1 1 100000 65536")
        #expect(read("newgidmap.args") == "\(pid) 0 \(gid) 1 1 100000 65536")
        let uStart = Double(read("newuidmap.start")) ?? 0, uEnd = Double(read("newuidmap.end")) ?? 0
        let gStart = Double(read("newgidmap.start")) ?? 0, gEnd = Double(read("newgidmap.end")) ?? 0
        // overlapping intervals: each started before the other finished
        #expect(uStart > 0 && gStart > 0)
        #expect(uStart < gEnd && gStart < uEnd)
    }

    /// --owner: root creates the namespace for another user, who can then enter it.
    @Test(.enabled(if: Harness.testerReady, Harness.testerSkipReason))
    func ownerHandsTheNamespaceToAnotherUser() {
        let dir = Harness.scratch("owner")
        let file = dir + "/userns"
        FileManager.default.createFile(atPath: file, contents: Data())
        let uid = Self.testerUID, gid = Self.testerGID
        let made = Harness.run([Harness.swiftUnshare, "--owner=\(uid):\(gid)", "--map-users=0:100000:10",
                                "--map-groups=0:100000:10", "--user=\(file)", "true"])
        #expect(made == Outcome(stdout: "", stderr: "", ending: .exit(0)))
        defer { umount(file) }
        let entered = Harness.run(["nsenter", "--user=\(file)", "cat", "/proc/self/uid_map"], as: .tester)
        #expect(entered == Outcome(stdout: Self.line(0, 100000, 10), stderr: "", ending: .exit(0)))
        // not so for a namespace root kept
        let other = dir + "/rootns"
        FileManager.default.createFile(atPath: other, contents: Data())
        _ = Harness.run([Harness.swiftUnshare, "--map-users=0:100000:10", "--user=\(other)", "true"])
        defer { umount(other) }
        let refused = Harness.run(["nsenter", "--user=\(other)", "true"], as: .tester)
        #expect(refused.ending == .exit(1))
    }
}
