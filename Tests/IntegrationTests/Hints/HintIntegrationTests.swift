// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// The failure hints for real: each cause this machine can produce, run with
/// stderr on a terminal (script(1) gives the command a pty); and the same
/// failures without a terminal keep util-linux's exact bytes.
@Suite(.requiresTester, .requiresProgram("/usr/bin/script", package: "bsdutils"))
struct HintIntegrationTests {

    static func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }

    /// Runs `argv` (as root, or as `user` through setpriv) on a pseudo-terminal;
    /// the terminal's output (stdout and stderr together) with plain newlines.
    static func onTerminal(
        _ argv: [String], as user: String? = nil, noNewPrivs: Bool = false,
        path: String? = nil
    ) -> Outcome {
        var words = argv
        if let user {
            let group = user == "nobody" ? "nogroup" : user
            words =
                ["/usr/bin/setpriv"] + (noNewPrivs ? ["--no-new-privs"] : [])
                + ["--reuid=\(user)", "--regid=\(group)", user == "nobody" ? "--clear-groups" : "--init-groups", "--"]
                + words
        }
        if let path { words = ["env", "PATH=\(path)"] + words }
        let r = Harness.run(["script", "-q", "-e", "-c", words.map(quoted).joined(separator: " "), "/dev/null"])
        return Outcome(
            stdout: r.stdout.replacingOccurrences(of: "\r\n", with: "\n"), stderr: r.stderr, ending: r.ending)
    }

    static let prefix = "unshare: hint: "

    @Test
    func anOptionalValueWithoutEquals() {
        let r = Self.onTerminal([Harness.ours, "--kill-child", "9"])
        #expect(
            r
                == Outcome(
                    stdout: """
                        unshare: failed to execute 9: No such file or directory
                        \(Self.prefix)--kill-child takes a value only as --kill-child=9: '9' was taken for the program

                        """, stderr: "", ending: .exit(127)))
        let m = Self.onTerminal([Harness.ours, "-r", "--mount", "/nonexistent-x"])
        #expect(
            m.stdout.hasSuffix(
                "\(Self.prefix)--mount takes a value only as --mount=/nonexistent-x: '/nonexistent-x' was taken for the program\n"
            ), "\(m)")
    }

    @Test(.requiresProgram(Harness.oracle, package: "util-linux"))
    func withoutATerminalTheBytesAreUtilLinuxs() {
        let (ours, oracle) = Harness.both(["--kill-child", "9"])
        #expect(ours == oracle)
        #expect(!ours.stderr.contains("hint"))
        let (mOurs, mOracle) = Harness.both(["-m", "true"], as: .tester)
        #expect(mOurs == mOracle && mOurs.stderr == "unshare: unshare failed: Operation not permitted\n", "\(mOurs)")
    }

    @Test
    func aNamespaceWithoutAUserNamespaceAsAUser() {
        let r = Self.onTerminal([Harness.ours, "-m", "true"], as: "unshare-tester")
        #expect(
            r
                == Outcome(
                    stdout: """
                        unshare: unshare failed: Operation not permitted
                        \(Self.prefix)only root may unshare a mount namespace: as a user add -r (--map-root-user) to make it inside a new user namespace

                        """, stderr: "", ending: .exit(1)))
    }

    @Test
    func maxUserNamespacesIsZero() {
        // The limit is per user namespace: set to 0 inside a new one, nothing outside changes.
        let r = Self.onTerminal([
            Harness.ours, "-r", "sh", "-c",
            "echo 0 > /proc/sys/user/max_user_namespaces && exec \(Harness.ours) -U true",
        ])
        #expect(
            r
                == Outcome(
                    stdout: """
                        unshare: unshare failed: No space left on device
                        \(Self.prefix)user.max_user_namespaces is 0, so no user namespace can be made: raise it (sysctl -w user.max_user_namespaces=15000)

                        """, stderr: "", ending: .exit(1)))
    }

    @Test
    func nestedTooDeep() {
        let r = Self.onTerminal(Array(repeating: [Harness.ours, "-r"], count: 40).flatMap { $0 } + ["true"])
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[0] == "unshare: unshare failed: No space left on device", "\(r)")
        #expect(
            lines.count > 1
                && lines[1].hasPrefix(
                    "\(Self.prefix)no user namespace can be made here: user namespaces nest at most 32 deep (is this process that deep?), and at most user.max_user_namespaces ("
                ), "\(r)")
        #expect(r.ending == .exit(1))
    }

    @Test
    func noNewPrivsStopsTheSetuidHelper() {
        let r = Self.onTerminal([Harness.ours, "--map-auto", "true"], as: "unshare-tester", noNewPrivs: true)
        #expect(
            r.stdout
                == "newuidmap: write to uid_map failed: Operation not permitted\n"
                + "\(Self.prefix)no_new_privs is set for this process, so the setuid newuidmap cannot gain privilege: run outside what sets it (NoNewPrivileges=, setpriv --no-new-privs, a container)\n",
            "\(r)")
        #expect(r.ending == .exit(1))
    }

    @Test
    func theHelpersAreMissing() {
        let r = Self.onTerminal([Harness.ours, "--map-auto", "true"], as: "unshare-tester", path: "/nonexistent")
        // Both helpers fail; newuidmap's failure is the one reported, as util-linux runs it first.
        #expect(
            r.stdout
                == "unshare: failed to execute newuidmap: No such file or directory\n"
                + "\(Self.prefix)newuidmap is not installed (or not on PATH): install the package uidmap\n",
            "\(r)")
        #expect(r.ending == .exit(127))  // util-linux's status when the helper cannot be found
    }

    @Test
    func theHelpersAreNotSetuid() throws {
        let dir = Harness.scratch("helpers")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for tool in ["newuidmap", "newgidmap"] {
            try FileManager.default.copyItem(atPath: "/usr/bin/" + tool, toPath: "\(dir)/\(tool)")
            chmod("\(dir)/\(tool)", 0o755)  // a copy without setuid and without file capabilities
        }
        let r = Self.onTerminal(
            [Harness.ours, "--map-auto", "true"], as: "unshare-tester", path: dir + ":/usr/bin:/bin")
        #expect(
            r.stdout
                == "newuidmap: write to uid_map failed: Operation not permitted\n"
                + "\(Self.prefix)\(dir)/newuidmap is neither setuid root nor given file capabilities, so it cannot write the map: chmod u+s \(dir)/newuidmap (or setcap cap_setuid+ep \(dir)/newuidmap), as the package uidmap installs it\n",
            "\(r)")
    }

    /// The range the hint proposes is the one useradd would hand out next,
    /// free in each file: on a machine made by scripts/test-setup.sh the decoy
    /// holds the first block (100000-165535 by Debian's defaults), so the
    /// hint must not propose it.
    @Test(.requiresUser("nobody"))
    func noSubordinateIDsForTheUser() throws {
        let uids = try #require(FreeBlock.first(in: "/etc/subuid", prefix: "SUB_UID"))
        let gids = try #require(FreeBlock.first(in: "/etc/subgid", prefix: "SUB_GID"))
        let decoy = TestAccount.subordinateRanges(in: "/etc/subuid", name: "unshare-decoy", id: UInt32.max)
        #expect(!decoy.contains { uids.lowerBound < $0.end && $0.start <= uids.upperBound }, "\(uids) \(decoy)")
        let r = Self.onTerminal([Harness.ours, "--map-auto", "true"], as: "nobody")
        #expect(
            r
                == Outcome(
                    stdout: """
                        unshare: no line matching user "nobody" in /etc/subuid
                        \(Self.prefix)/etc/subuid and /etc/subgid give nobody no subordinate ids: ask root to add them (usermod --add-subuids \(uids.lowerBound)-\(uids.upperBound) --add-subgids \(gids.lowerBound)-\(gids.upperBound) nobody)

                        """, stderr: "", ending: .exit(1)))
    }

    @Test
    func aRangeHoldingTheCallersOwnUID() throws {
        let uid = try #require(Runner.tester.passwd).uid
        let r = Self.onTerminal([Harness.ours, "--map-users=0:\(uid):10", "true"], as: "unshare-tester")
        #expect(
            r
                == Outcome(
                    stdout: """
                        newuidmap: uid range [0-10) -> [\(uid)-\(uid + 10)) not allowed
                        \(Self.prefix)the uid range 0 \(uid) 10 holds your own uid \(uid), which newuidmap maps only as a single id: map it alone (-r, -c, --map-user) and take the range from /etc/subuid

                        """, stderr: "", ending: .exit(1)))
    }

    /// Two lines of the tester's own range that overlap: newuidmap allows each,
    /// the kernel refuses the pair.
    @Test
    func overlappingRanges() throws {
        let s = try #require(TestAccount.tester).subuid.start
        let r = Self.onTerminal(
            [Harness.ours, "--map-users=0:\(s):10", "--map-users=5:\(s + 5):10", "true"], as: "unshare-tester")
        #expect(
            r
                == Outcome(
                    stdout: """
                        newuidmap: write to uid_map failed: Invalid argument
                        \(Self.prefix)the uid map lines 0 \(s) 10 and 5 \(s + 5) 10 overlap (outside ids \(s + 5)-\(s + 9)): the kernel refuses overlapping ranges, make them disjoint

                        """, stderr: "", ending: .exit(1)))
    }
}

/// The first block of SUB_UID_COUNT ids between SUB_UID_MIN and SUB_UID_MAX
/// (SUB_GID_* for /etc/subgid; shadow's defaults where /etc/login.defs has
/// none) that no line of the file holds: what useradd gives a new account,
/// worked out here on its own from the files as this machine has them.
enum FreeBlock {
    static func setting(_ key: String, _ fallback: UInt64) -> UInt64 {
        let text = (try? String(contentsOfFile: "/etc/login.defs", encoding: .utf8)) ?? ""
        var value = fallback
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.count >= 2, words[0] == key, let v = UInt64(words[1]) { value = v }
        }
        return value
    }

    static func first(in file: String, prefix: String) -> ClosedRange<UInt64>? {
        let low = setting(prefix + "_MIN", 100_000)
        let high = setting(prefix + "_MAX", 600_100_000)
        let count = setting(prefix + "_COUNT", 65536)
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        let held: [ClosedRange<UInt64>] = text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count == 3, let s = UInt64(f[1]), let c = UInt64(f[2]), c > 0 else { return nil }
            return s...(s + c - 1)
        }
        var start = low
        while start + count - 1 <= high {
            let block = start...(start + count - 1)
            guard let clash = held.filter({ $0.overlaps(block) }).max(by: { $0.upperBound < $1.upperBound }) else {
                return block
            }
            start = clash.upperBound + 1
        }
        return nil
    }
}
