// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import SwiftUnshare
import Testing

/// The spawn API as the unprivileged test user, through Tests/SpawnProbe:
/// each strategy's maps as that user gets them, with its own ids and ranges.
extension LibrarySpawnTests {
    static var tester:
        (uid: UInt32, gid: UInt32, sub: (start: UInt32, count: UInt32), subg: (start: UInt32, count: UInt32))?
    {
        guard let p = Runner.tester.passwd, let s = subordinate("/etc/subuid", Runner.tester.rawValue),
            let g = subordinate("/etc/subgid", Runner.tester.rawValue)
        else { return nil }
        return (p.uid, p.gid, s, g)
    }

    @Test(.requiresTester)
    func testerSingleIDsWrittenByTheChild() throws {
        let t = try #require(Self.tester)
        let r = Harness.run(
            [
                Self.probe, "run", "root", "--", "cat", "/proc/self/uid_map", "/proc/self/gid_map",
                "/proc/self/setgroups",
            ], as: .tester)
        #expect(
            r
                == Outcome(
                    stdout: Self.line(0, t.uid, 1) + Self.line(0, t.gid, 1) + "deny\n"
                        + "strategy: selfWrite\nending: exited 0\n", stderr: "", ending: .exit(0)))
    }

    @Test(.requiresTester)
    func testerRangesThroughNewuidmap() throws {
        let t = try #require(Self.tester)
        let r = Harness.run(
            [Self.probe, "run", "root", "auto", "--", "cat", "/proc/self/uid_map", "/proc/self/gid_map"],
            as: .tester)
        #expect(
            r
                == Outcome(
                    stdout: Self.line(0, t.uid, 1) + Self.line(1, t.sub.start, t.sub.count)
                        + Self.line(0, t.gid, 1) + Self.line(1, t.subg.start, t.subg.count)
                        + "strategy: newIDMapHelpers\nending: exited 0\n", stderr: "", ending: .exit(0)))
    }

    @Test(.requiresTester)
    func testerFailingHelperIsOneError() throws {
        let dir = Harness.scratch("fakemap")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Its standard output and error are captured together.
        Harness.writeExecutable(
            dir + "/newuidmap", "#!/bin/sh\necho 'said on stdout'\necho 'newuidmap: refused by the test' >&2\nexit 3\n")
        let r = Harness.run(
            [Self.probe, "run", "auto", "--", "/bin/cat", "/proc/self/uid_map"], as: .tester,
            extraEnv: ["PATH": dir + ":/usr/bin:/bin"])
        let t = try #require(Self.tester)
        #expect(
            r
                == Outcome(
                    stdout: "error: idMap 3 said on stdout\nnewuidmap: refused by the test\n"
                        + "helper: newuidmap argv0=newuidmap maps=0 \(t.sub.start) \(t.sub.count) exited 3 "
                        + #"output="said on stdout\nnewuidmap: refused by the test\n""# + "\n",
                    stderr: "", ending: .exit(3)))
        let empty = Harness.scratch("nomap")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let missing = Harness.run(
            [Self.probe, "run", "auto", "--", "/bin/cat", "/proc/self/uid_map"], as: .tester,
            extraEnv: ["PATH": empty])
        #expect(
            missing
                == Outcome(
                    stdout: "error: idMap 127 failed to execute newuidmap: No such file or directory\n"
                        + "helper: newuidmap argv0=newuidmap maps=0 \(t.sub.start) \(t.sub.count) exec errno 2 output=\"\"\n",
                    stderr: "", ending: .exit(3)))
    }

    @Test(.requiresTester)
    func testerNamespaceWithoutUserNamespaceIsRefused() {
        let r = Harness.run([Self.probe, "run", "ns=net", "--", "true"], as: .tester)
        #expect(
            r
                == Outcome(
                    stdout: "error: clone 1 unshare failed: Operation not permitted\n", stderr: "",
                    ending: .exit(3)))
    }
}
