// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// scripts/test-setup.sh, on copies of /etc/subuid and /etc/subgid (SUBUID and
/// SUBGID point it at them): it says what it changes first, picks ranges that
/// overlap no other line, keeps good ones, and does nothing the second time.
@Suite("scripts/test-setup.sh", .requiresTester)
struct TestSetupTests {
    static let script = Harness.repoRoot + "/scripts/test-setup.sh"

    struct Files {
        let dir: String
        var subuid: String { dir + "/subuid" }
        var subgid: String { dir + "/subgid" }
        func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    }

    func withFiles(_ text: String, _ body: (Files) -> Void) {
        let files = Files(dir: Harness.scratch("setup"))
        defer { try? FileManager.default.removeItem(atPath: files.dir) }
        try! text.write(toFile: files.subuid, atomically: true, encoding: .utf8)
        try! text.write(toFile: files.subgid, atomically: true, encoding: .utf8)
        body(files)
    }

    func run(_ files: Files, _ args: [String] = []) -> Outcome {
        Harness.run(["sh", Self.script] + args, extraEnv: ["SUBUID": files.subuid, "SUBGID": files.subgid])
    }

    @Test("ranges overlapping another user's move to the lowest free ids; others' lines stay; said first")
    func movesOverlappingRanges() {
        let before =
            "alice:100000:65536\nunshare-tester:100000:65536\nbob:200500:100\n"
            + "unshare-tester2:200000:1000\nunshare-tester2:300000:2000\n"
        withFiles(before) { files in
            let dry = run(files, ["--dry-run"])
            #expect(dry.ending == .exit(0))
            #expect(files.read(files.subuid) == before, "--dry-run changes nothing")
            for f in [files.subuid, files.subgid] {
                #expect(
                    dry.stderr.contains(
                        "test-setup: will set unshare-tester's lines in \(f) to: 200600:65536 (now: 100000:65536)\n"))
                #expect(
                    dry.stderr.contains(
                        "test-setup: will set unshare-tester2's lines in \(f) to: "
                            + "266136:1000 300000:2000 (now: 200000:1000 300000:2000)\n"))
            }
            let real = run(files, ["--ranges-only"])
            #expect(real.ending == .exit(0))
            #expect(real.stderr.hasPrefix(dry.stderr), "the real run says the same, before doing it")
            let after =
                "alice:100000:65536\nbob:200500:100\nunshare-tester:200600:65536\n"
                + "unshare-tester2:266136:1000\nunshare-tester2:300000:2000\n"
            #expect(files.read(files.subuid) == after)
            #expect(files.read(files.subgid) == after)
            // idempotent
            let again = run(files, ["--ranges-only"])
            #expect(again.stderr.hasPrefix("test-setup: nothing to change\n"))
            #expect(files.read(files.subuid) == after)
        }
    }

    @Test("good ranges are kept; missing ones are added where nothing else is")
    func keepsAndAdds() {
        withFiles("unshare-tester:500000:65536\nroot:100000:65536\n") { files in
            #expect(run(files, ["--ranges-only"]).ending == .exit(0))
            let expected =
                "unshare-tester:500000:65536\nroot:100000:65536\n"
                + "unshare-tester2:200000:1000\nunshare-tester2:300000:2000\n"
            #expect(files.read(files.subuid) == expected)
            #expect(files.read(files.subgid) == expected)
        }
        // a range of the wrong size, or different in the two files, is replaced
        withFiles("unshare-tester:100000:10\nunshare-tester2:200000:1000\n") { files in
            #expect(run(files, ["--ranges-only"]).ending == .exit(0))
            #expect(
                files.read(files.subuid) == "unshare-tester:100000:65536\n"
                    + "unshare-tester2:200000:1000\nunshare-tester2:300000:2000\n")
        }
    }

    @Test("the script assumes no uid: useradd picks them")
    func noHardCodedUIDs() throws {
        let text = try String(contentsOfFile: Self.script, encoding: .utf8)
        #expect(!text.contains("1001") && !text.contains("1002"))
        #expect(!text.contains("--uid") && !text.contains("-u 1"))
        #expect(text.contains("useradd --create-home --shell /bin/sh \"$name\""))
    }
}
