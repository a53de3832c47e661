// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// scripts/test-setup.sh, on copies of /etc/subuid and /etc/subgid (SUBUID and
/// SUBGID point it at them) and, for what it would do to accounts, a passwd
/// file of its own (PASSWD, with --dry-run): it says what it changes first,
/// gives what a fresh useradd hands out first (uid 1001, 100000:65536) to an
/// account other than the test accounts (the decoy, where no other account has
/// them), picks ranges that overlap no other line, keeps good ones, and does
/// nothing the second time.
@Suite("scripts/test-setup.sh", .requiresTester)
struct TestSetupTests {
    static let script = Harness.repoRoot + "/scripts/test-setup.sh"

    struct Files {
        let dir: String
        var subuid: String { dir + "/subuid" }
        var subgid: String { dir + "/subgid" }
        var passwd: String { dir + "/passwd" }
        func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    }

    func withFiles(_ text: String, gid: String? = nil, passwd: String = "", _ body: (Files) -> Void) {
        let files = Files(dir: Harness.scratch("setup"))
        defer { try? FileManager.default.removeItem(atPath: files.dir) }
        try! text.write(toFile: files.subuid, atomically: true, encoding: .utf8)
        try! (gid ?? text).write(toFile: files.subgid, atomically: true, encoding: .utf8)
        try! passwd.write(toFile: files.passwd, atomically: true, encoding: .utf8)
        body(files)
    }

    func run(_ files: Files, _ args: [String] = [], passwd: Bool = false) -> Outcome {
        var env = ["SUBUID": files.subuid, "SUBGID": files.subgid]
        if passwd { env["PASSWD"] = files.passwd }
        return Harness.run(["sh", Self.script] + args, extraEnv: env)
    }

    /// The message for one account's lines in both files, as the script words it.
    func sets(_ files: Files, _ name: String, _ to: String, now: String = "none", gid: (String, String)? = nil)
        -> String
    {
        "test-setup: will set \(name)'s lines in \(files.subuid) to: \(to) (now: \(now))\n"
            + "test-setup: will set \(name)'s lines in \(files.subgid) to: \(gid?.0 ?? to) (now: \(gid?.1 ?? now))\n"
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
            #expect(files.read(files.subgid) == before, "--dry-run changes nothing")
            // alice holds the decoy's range: no decoy lines
            let said =
                sets(files, "unshare-tester", "200600:65536", now: "100000:65536")
                + sets(files, "unshare-tester2", "300000:1000 400000:2000", now: "200000:1000 300000:2000")
            #expect(dry == Outcome(stdout: "", stderr: said, ending: .exit(0)), "\(dry)")
            let real = run(files, ["--ranges-only"])
            #expect(real == Outcome(stdout: "", stderr: said, ending: .exit(0)), "the real run says the same, first")
            let after =
                "alice:100000:65536\nbob:200500:100\nunshare-tester:200600:65536\n"
                + "unshare-tester2:300000:1000\nunshare-tester2:400000:2000\n"
            #expect(files.read(files.subuid) == after)
            #expect(files.read(files.subgid) == after)
            // idempotent
            let again = run(files, ["--ranges-only"])
            #expect(again == Outcome(stdout: "", stderr: "test-setup: nothing to change\n", ending: .exit(0)))
            #expect(files.read(files.subuid) == after)
        }
    }

    @Test("the decoy takes 100000:65536 from test accounts that held it; they move past it")
    func decoyTakesTheFirstRange() {
        let before = "unshare-tester:100000:65536\nunshare-tester2:200000:1000\nunshare-tester2:300000:2000\n"
        withFiles(before) { files in
            let real = run(files, ["--ranges-only"])
            #expect(
                real
                    == Outcome(
                        stdout: "",
                        stderr: sets(files, "unshare-decoy", "100000:65536")
                            + sets(files, "unshare-tester", "165536:65536", now: "100000:65536")
                            + sets(files, "unshare-tester2", "300000:1000 400000:2000", now: "200000:1000 300000:2000"),
                        ending: .exit(0)), "\(real)")
            let after =
                "unshare-decoy:100000:65536\nunshare-tester:165536:65536\n"
                + "unshare-tester2:300000:1000\nunshare-tester2:400000:2000\n"
            #expect(files.read(files.subuid) == after)
            #expect(files.read(files.subgid) == after)
            #expect(run(files, ["--ranges-only"]).stderr == "test-setup: nothing to change\n")
        }
    }

    @Test("partly held: the decoy takes the rest of 100000-165535, in each file apart; a stale decoy line goes")
    func decoyTakesWhatOthersLeave() {
        let uid = "alice:100000:1000\nbob:150000:10\nunshare-decoy:90000:20000\n"
        let gid = "alice:120000:65536\n"
        withFiles(uid, gid: gid) { files in
            let real = run(files, ["--ranges-only"])
            #expect(
                real
                    == Outcome(
                        stdout: "",
                        stderr: sets(
                            files, "unshare-decoy", "101000:49000 150010:15526", now: "90000:20000",
                            gid: ("100000:20000", "none"))
                            + sets(files, "unshare-tester", "185536:65536")
                            + sets(files, "unshare-tester2", "300000:1000 400000:2000"),
                        ending: .exit(0)), "\(real)")
            let testers = "unshare-tester:185536:65536\nunshare-tester2:300000:1000\nunshare-tester2:400000:2000\n"
            #expect(
                files.read(files.subuid)
                    == "alice:100000:1000\nbob:150000:10\nunshare-decoy:101000:49000\nunshare-decoy:150010:15526\n"
                    + testers)
            #expect(files.read(files.subgid) == "alice:120000:65536\nunshare-decoy:100000:20000\n" + testers)
            #expect(run(files, ["--ranges-only"]).stderr == "test-setup: nothing to change\n")
        }
    }

    @Test("good ranges are kept; missing ones are added where nothing else is")
    func keepsAndAdds() {
        withFiles("unshare-tester:500000:65536\nroot:100000:65536\n") { files in
            #expect(run(files, ["--ranges-only"]).ending == .exit(0))
            let expected =
                "unshare-tester:500000:65536\nroot:100000:65536\n"
                + "unshare-tester2:300000:1000\nunshare-tester2:400000:2000\n"
            #expect(files.read(files.subuid) == expected)
            #expect(files.read(files.subgid) == expected)
        }
        // a range of the wrong size, or different in the two files, is replaced
        withFiles("unshare-tester:165536:10\nunshare-tester2:300000:1000\n") { files in
            #expect(run(files, ["--ranges-only"]).ending == .exit(0))
            #expect(
                files.read(files.subuid) == "unshare-decoy:100000:65536\nunshare-tester:165536:65536\n"
                    + "unshare-tester2:300000:1000\nunshare-tester2:400000:2000\n")
        }
    }

    // MARK: Accounts (--dry-run with a passwd file of the test's own)

    static let root = "root:x:0:0:root:/root:/bin/bash\n"
    static let testers =
        "unshare-tester:x:1002:1002::/home/unshare-tester:/bin/sh\n"
        + "unshare-tester2:x:1003:1003::/home/unshare-tester2:/bin/sh\n"
    static let testerLines = "unshare-tester:165536:65536\nunshare-tester2:300000:1000\nunshare-tester2:400000:2000\n"

    /// What --dry-run prints with this passwd file and these lines, the
    /// machine's own state aside (the tests run after the setup, so nothing
    /// else is to change).
    func dryRun(passwd: String, lines: String) -> (Files, Outcome)? {
        var result: (Files, Outcome)?
        withFiles(lines, passwd: passwd) { files in
            result = (files, run(files, ["--dry-run"], passwd: true))
            #expect(files.read(files.subuid) == lines, "--dry-run changes nothing")
        }
        return result
    }

    @Test("a machine like a developer's: a test account holds uid 1001 and 100000:65536; it is made again")
    func testAccountHoldsTheDecoysUID() throws {
        let passwd =
            Self.root + "cloudsdk:x:1000:1000::/home/cloudsdk:/bin/bash\n"
            + "unshare-tester:x:1001:1001::/home/unshare-tester:/bin/sh\n"
            + "unshare-tester2:x:1002:1002::/home/unshare-tester2:/bin/sh\n"
        let lines = "unshare-tester:100000:65536\nunshare-tester2:200000:1000\nunshare-tester2:300000:2000\n"
        let (files, r) = try #require(dryRun(passwd: passwd, lines: lines))
        #expect(
            r
                == Outcome(
                    stdout: "",
                    stderr: """
                        test-setup: will remove account unshare-tester (userdel --remove) and make it again below: it holds uid 1001, which goes to unshare-decoy
                        test-setup: will create account unshare-decoy with uid 1001 (no home, no login shell)
                        test-setup: will create account unshare-tester (useradd --create-home; it picks a free uid)

                        """
                            + sets(files, "unshare-decoy", "100000:65536")
                            // made again: its lines are written anew
                            + sets(files, "unshare-tester", "165536:65536", now: "100000:65536")
                            + sets(files, "unshare-tester2", "300000:1000 400000:2000", now: "200000:1000 300000:2000"),
                    ending: .exit(0)), "\(r)")
    }

    @Test("a fresh machine: the decoy takes uid 1001 and 100000:65536, the test accounts come after")
    func freshMachine() throws {
        let (files, r) = try #require(dryRun(passwd: Self.root, lines: ""))
        #expect(
            r
                == Outcome(
                    stdout: "",
                    stderr: """
                        test-setup: will create account unshare-decoy with uid 1001 (no home, no login shell)
                        test-setup: will create account unshare-tester (useradd --create-home; it picks a free uid)
                        test-setup: will create account unshare-tester2 (useradd --create-home; it picks a free uid)

                        """
                            + sets(files, "unshare-decoy", "100000:65536")
                            + sets(files, "unshare-tester", "165536:65536")
                            + sets(files, "unshare-tester2", "300000:1000 400000:2000"),
                    ending: .exit(0)), "\(r)")
    }

    @Test("another account already holds uid 1001 and 100000:65536: no decoy")
    func anotherAccountHoldsBoth() throws {
        let passwd = Self.root + "alice:x:1001:1001::/home/alice:/bin/bash\n" + Self.testers
        let (_, r) = try #require(dryRun(passwd: passwd, lines: "alice:100000:65536\n" + Self.testerLines))
        #expect(r == Outcome(stdout: "", stderr: "test-setup: nothing to change\n", ending: .exit(0)), "\(r)")
    }

    @Test("another account holds uid 1001 but only part of the range: a decoy with any uid takes the rest")
    func anotherAccountHoldsTheUIDOnly() throws {
        let passwd = Self.root + "alice:x:1001:1001::/home/alice:/bin/bash\n" + Self.testers
        let (files, r) = try #require(dryRun(passwd: passwd, lines: "alice:100000:1000\n" + Self.testerLines))
        #expect(
            r
                == Outcome(
                    stdout: "",
                    stderr:
                        "test-setup: will create account unshare-decoy (no home, no login shell; useradd picks its uid: 1001 is alice's)\n"
                        + sets(files, "unshare-decoy", "101000:64536"), ending: .exit(0)), "\(r)")
    }

    @Test("the decoy takes uid 1001 back once it is free")
    func decoyTakesTheUIDBack() throws {
        let passwd = Self.root + "unshare-decoy:x:1005:1005::/nonexistent:/usr/sbin/nologin\n" + Self.testers
        let (_, r) = try #require(dryRun(passwd: passwd, lines: "unshare-decoy:100000:65536\n" + Self.testerLines))
        #expect(
            r
                == Outcome(
                    stdout: "",
                    stderr: "test-setup: will change unshare-decoy's uid from 1005 to 1001 (usermod --uid)\n",
                    ending: .exit(0)), "\(r)")
        let settled = Self.root + "unshare-decoy:x:1001:1001::/nonexistent:/usr/sbin/nologin\n" + Self.testers
        let (_, again) = try #require(dryRun(passwd: settled, lines: "unshare-decoy:100000:65536\n" + Self.testerLines))
        #expect(again.stderr == "test-setup: nothing to change\n", "\(again)")
    }

    @Test("PASSWD is for --dry-run and --ranges-only only")
    func passwdOnlyForDryRuns() {
        withFiles("") { files in
            #expect(
                run(files, [], passwd: true)
                    == Outcome(
                        stdout: "",
                        stderr:
                            "test-setup: PASSWD is read only with --dry-run or --ranges-only (accounts are changed in the real database)\n",
                        ending: .exit(2)))
        }
    }

    // MARK: This machine, as the setup left it

    /// Whether every id of `range` is held by a line of `file` that belongs to
    /// neither test account.
    static func heldByOthers(_ range: Range<UInt64>, in file: String) -> Bool {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        var lines: [Range<UInt64>] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count == 3, f[0] != "unshare-tester", f[0] != "unshare-tester2", let s = UInt64(f[1]),
                let n = UInt64(f[2])
            else { continue }
            lines.append(s..<(s + n))
        }
        var next = range.lowerBound
        while next < range.upperBound {
            guard let holder = lines.first(where: { $0.contains(next) }) else { return false }
            next = holder.upperBound
        }
        return true
    }

    @Test("here: uid 1001 and 100000-165535 belong to an account other than the test accounts")
    func thisMachineHasTheDecoysIDs() throws {
        let tester = try #require(TestAccount.tester)
        let tester2 = try #require(TestAccount.tester2)
        let holder = try #require(getpwuid(1001), "uid 1001 belongs to an account").pointee
        let name = String(cString: holder.pw_name)
        #expect(name != tester.name && name != tester2.name)
        for file in ["/etc/subuid", "/etc/subgid"] {
            #expect(Self.heldByOthers(100000..<165536, in: file), "\(file)")
        }
        for range in tester.subuids + tester.subgids + tester2.subuids + tester2.subgids {
            #expect(range.end <= 100000 || range.start >= 165536, "\(range)")
        }
        #expect(tester.uid != 1001 && tester2.uid != 1001)
        // the setup has nothing left to do
        let dry = Harness.run(["sh", Self.script, "--dry-run"])
        #expect(dry == Outcome(stdout: "", stderr: "test-setup: nothing to change\n", ending: .exit(0)), "\(dry)")
    }

    @Test("the script assumes no uid but the decoy's: useradd picks the test accounts'")
    func noHardCodedUIDs() throws {
        let text = try String(contentsOfFile: Self.script, encoding: .utf8)
        let code = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
        #expect(code.components(separatedBy: "1001").count == 2, "1001 appears once, as the decoy's uid")
        #expect(code.contains("\nDECOY_UID=1001\n"))
        #expect(!text.contains("1002"))
        let givingUIDs = code.split(separator: "\n").filter { $0.contains("--uid") }
        #expect(
            givingUIDs.count == 3 && givingUIDs.allSatisfy { $0.contains("DECOY") }, "only the decoy is given a uid")
        #expect(!text.contains("-u 1"))
        #expect(code.contains("useradd --uid \"$DECOY_UID\" --no-create-home"))
        #expect(code.contains("useradd --create-home --shell /bin/sh $NO_SUBIDS $group \"$name\""))
        #expect(code.contains("NO_SUBIDS=\"-K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0\""))
    }
}
