// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import SwiftUnshare
import Testing

// Byte for byte where scripts look. Each test runs the built binary
// and, where util-linux 2.38.1 has the behaviour, compares with it.

/// Runs a sh script (for `>&-` and pipes) with `args` as $0, $1, ...
private func shell(_ script: String, _ args: [String] = [], as runner: Runner = .root) -> Outcome {
    Harness.run(["/bin/sh", "-c", script] + args, as: runner)
}

@Suite("Fidelity: messages, numbers, --version, --help")
struct FidelityTests {
    static let erange = "Numerical result out of range"

    @Test(
        "glibc's getopt messages name argv[0] as typed; the Try line uses the basename",
        .requiresProgram(Harness.oracle, package: "util-linux"))
    func getoptMessagesNameArgv0AsTyped() {
        for args in [["--bogus"], ["-Z"], ["-S"], ["--setuid"], ["--fork=1"], ["--map"]] {
            let ours = Harness.run([Harness.ours] + args)  // a full path to a file named `unshare`
            let oracle = Harness.run([Harness.oracle] + args)
            #expect(ours.ending == .exit(1))
            #expect(ours.stderr.hasPrefix(Harness.ours + ": "), "\(args)")
            #expect(ours.stderr.hasSuffix("\nTry 'unshare --help' for more information.\n"), "\(args)")
            let ourText = ours.stderr.replacingOccurrences(of: Harness.ours, with: "ARGV0")
            let oracleText = oracle.stderr.replacingOccurrences(of: Harness.oracle, with: "ARGV0")
            if args != ["--map"] {  // 2.38.1 knows fewer --map-* options
                #expect(ourText == oracleText, "\(args)")
            }
        }
        // util-linux's own messages keep the basename
        let own = Harness.run([Harness.ours, "-S", "x"])
        #expect(own == Outcome(stdout: "", stderr: "unshare: failed to parse uid: 'x'\n", ending: .exit(1)))
        let viaSwiftName = Harness.run([Harness.swiftUnshare, "--bogus"])
        #expect(
            viaSwiftName.stderr == "\(Harness.swiftUnshare): unrecognized option '--bogus'\n"
                + "Try 'swift-unshare --help' for more information.\n")
    }

    @Test(
        "numbers are read as strtoul reads them",
        .requiresRoot, .requiresReference)
    func numbersAsStrtoul() {
        // where 2.38.1 agrees with the spec (docs/unshare.md): compare byte for byte
        let agreeing: [[String]] = [
            ["-S", "-x", "true"], ["-S", "-", "true"], ["-S", "--root", "true"], ["-G", "-x", "true"],
            ["-S", "-0", "-G", "-0", "id", "-u"], ["-S", " 0", "-G", "\t0", "id", "-g"],
            ["--map-user=-0", "cat", "/proc/self/uid_map"], ["--map-user= 1", "cat", "/proc/self/uid_map"],
            ["--map-user=\t7", "cat", "/proc/self/uid_map"], ["--map-group=-0", "cat", "/proc/self/gid_map"],
            ["-S", "abc", "true"], ["-S", "", "true"], ["-S", "5x", "true"],
        ]
        for args in agreeing {
            let ours = CompatRun.ours(args)
            #expect(ours == CompatRun.oracle(args), "unshare \(args)")
            #expect(ours.stderr.isEmpty == (ours.ending == .exit(0)), "\(args): \(ours)")
        }
        #expect(
            CompatRun.ours(["-S", "-x", "true"])
                == Outcome(stdout: "", stderr: "unshare: failed to parse uid: '-x'\n", ending: .exit(1)))
        #expect(CompatRun.ours(["-S", "-0", "id", "-u"]) == Outcome(stdout: "0\n", stderr: "", ending: .exit(0)))
        // where the spec follows util-linux master: (uid_t)-1 is refused at parse
        // time (2.38.1 goes on and leaves the map empty); negative numbers name ERANGE
        #expect(
            CompatRun.ours(["--map-user=4294967295", "true"])
                == Outcome(
                    stdout: "", stderr: "unshare: failed to parse uid '4294967295': Invalid argument\n",
                    ending: .exit(1)))
        #expect(
            CompatRun.ours(["--map-group=4294967295", "true"])
                == Outcome(
                    stdout: "", stderr: "unshare: failed to parse gid '4294967295': Invalid argument\n",
                    ending: .exit(1)))
        #expect(
            CompatRun.ours(["-S", "-1", "true"])
                == Outcome(
                    stdout: "", stderr: "unshare: failed to parse uid: '-1': \(Self.erange)\n", ending: .exit(1)))
        #expect(
            CompatRun.ours(["-S", "-5x", "true"])
                == Outcome(
                    stdout: "", stderr: "unshare: failed to parse uid: '-5x': \(Self.erange)\n", ending: .exit(1)))
    }

    @Test(
        "--help and --version with stdout closed exit 0, as util-linux's close_stdout",
        .requiresProgram(Harness.oracle, package: "util-linux"))
    func closedStdout() {
        let script = #""$0" --help >&-; echo "help $?"; "$0" --version >&-; echo "version $?""#
        let expected = Outcome(stdout: "help 0\nversion 0\n", stderr: "", ending: .exit(0))
        #expect(shell(script, [Harness.ours]) == expected)
        #expect(shell(script, [Harness.oracle]) == expected)
        // a stdout that fails is still an error
        let full = shell(#""$0" --help >/dev/full; echo "rc $?""#, [Harness.ours])
        #expect(
            full
                == Outcome(
                    stdout: "rc 1\n", stderr: "unshare: write error: No space left on device\n",
                    ending: .exit(0)))
    }

    @Test("--version: util-linux's fields, named as invoked, our version after it")
    func versionLine() {
        #expect(
            Harness.run([Harness.ours, "--version"])
                == Outcome(
                    stdout: "unshare from util-linux 2.43 (swift-unshare \(Version.swiftUnshare))\n", stderr: "",
                    ending: .exit(0)))
        #expect(
            Harness.run([Harness.swiftUnshare, "-V"])
                == Outcome(
                    stdout: "swift-unshare from util-linux 2.43 (swift-unshare \(Version.swiftUnshare))\n", stderr: "",
                    ending: .exit(0)))
        // the way scripts test for --map-auto support
        let field = shell(#""$0" --version | awk '{print $4}'"#, [Harness.ours])
        #expect(field == Outcome(stdout: "2.43\n", stderr: "", ending: .exit(0)))
    }

    @Test("--whitelist-env keeps the variables in reverse order of the list, as util-linux prepends")
    func whitelistOrder() {
        let env = ["ZZ_A": "1", "ZZ_B": "2", "ZZ_C": "3", "PATH": "/usr/bin:/bin"]
        let one = Harness.run([Harness.ours, "--whitelist-env=ZZ_A,ZZ_C", "/usr/bin/env"], env: env)
        #expect(one == Outcome(stdout: "ZZ_C=3\nZZ_A=1\n", stderr: "", ending: .exit(0)))
        // every --whitelist-env adds to the list
        let two = Harness.run(
            [
                Harness.ours, "--whitelist-env=ZZ_A", "--whitelist-env=ZZ_B,NOPE,ZZ_C",
                "/usr/bin/env",
            ], env: env)
        #expect(two == Outcome(stdout: "ZZ_C=3\nZZ_B=2\nZZ_A=1\n", stderr: "", ending: .exit(0)))
    }
}

/// A copy of the binary installed setuid or setgid root by mistake.
@Suite(
    "Fidelity: a set-id install is refused",
    .requiresTester)
struct SetIDGuardTests {
    static let refusal =
        "refusing to run setuid or setgid (real and effective user or group ids differ); "
        + "install it without the set-id bits\n"

    func withCopy(mode: mode_t, _ body: (String) -> Void) {
        let dir = Harness.scratch("setid")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o755)
        let binary = dir + "/swift-unshare"
        // copied by another process: a child forked meanwhile by a parallel test
        // would hold a descriptor of ours open for writing, and exec would fail (ETXTBSY)
        let copy = Harness.run([
            "install", "-o", "root", "-g", "root", "-m", String(mode, radix: 8),
            Harness.builtBinary, binary,
        ])
        precondition(copy.ending == .exit(0), "install: \(copy)")
        symlink("swift-unshare", dir + "/podman-unshare")
        body(binary)
    }

    @Test("setuid root: unshare mode and podman mode refuse in one line, exit 1")
    func setuidRoot() {
        withCopy(mode: 0o4755) { binary in
            let asRoot = Harness.run([binary, "-S", "0", "-G", "0", "id", "-u"], as: .tester)
            #expect(asRoot == Outcome(stdout: "", stderr: "swift-unshare: " + Self.refusal, ending: .exit(1)))
            let help = Harness.run([binary, "--help"], as: .tester)
            #expect(help == Outcome(stdout: "", stderr: "swift-unshare: " + Self.refusal, ending: .exit(1)))
            let podman = Harness.run(
                [binary, "--podman", "id", "-u"], as: .tester,
                extraEnv: ["_CONTAINERS_USERNS_CONFIGURED": "done"])
            #expect(podman == Outcome(stdout: "", stderr: "Error: " + Self.refusal, ending: .exit(1)))
            let linked = Harness.run(
                [
                    URL(fileURLWithPath: binary).deletingLastPathComponent().path
                        + "/podman-unshare", "id",
                ], as: .tester)
            #expect(linked == Outcome(stdout: "", stderr: "Error: " + Self.refusal, ending: .exit(1)))
            // root running it has equal real and effective ids: it works
            #expect(
                Harness.run([binary, "-S", "0", "id", "-u"]) == Outcome(stdout: "0\n", stderr: "", ending: .exit(0)))
        }
    }

    @Test("setgid root: refused as well")
    func setgidRoot() {
        withCopy(mode: 0o2755) { binary in
            let r = Harness.run([binary, "-G", "0", "id", "-g"], as: .tester)
            #expect(r == Outcome(stdout: "", stderr: "swift-unshare: " + Self.refusal, ending: .exit(1)))
        }
    }
}
