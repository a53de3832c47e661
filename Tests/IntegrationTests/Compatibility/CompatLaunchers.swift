// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

// How the compatibility suites run a binary: as `unshare`, from a fixed
// working directory, with chosen signal state or a failing stdout, or with a
// namespace bound onto a file; and the fixtures those runs use.

/// Runs a binary with argv[0] exactly `unshare`.
///
/// glibc's getopt prints argv[0] verbatim in its messages ("/usr/bin/unshare:
/// unrecognized option ..."), while util-linux's own messages use the basename.
/// `Harness.both` passes full paths, so usage errors would differ by path alone;
/// here both binaries are exec'd by perl with argv[0] = "unshare" (perl leaves
/// the environment alone, unlike `bash -c 'exec -a'`, which adds `_` and SHLVL).
enum CompatRun {
    static let perl = Harness.perl
    /// @ARGV: working directory, binary, arguments.
    private static let launcher = #"chdir(shift) or exit 97; my $p = shift; exec {$p} "unshare", @ARGV; exit 98"#

    static func run(
        _ binary: String, _ args: [String], as runner: Runner = .root, cwd: String? = nil,
        extraEnv: [String: String] = [:], timeout: Double = 20
    ) -> Outcome {
        runBytes(binary, args.map { Array($0.utf8) }, as: runner, cwd: cwd, extraEnv: extraEnv, timeout: timeout)
    }

    static func runBytes(
        _ binary: String, _ args: [[UInt8]], as runner: Runner = .root, cwd: String? = nil,
        extraEnv: [String: String] = [:], timeout: Double = 20
    ) -> Outcome {
        let head = [perl, "-e", launcher, "--", cwd ?? CompatFixtures.workDir, binary].map { Array($0.utf8) }
        return Harness.runBytes(
            head + args, as: runner, env: Harness.environment(for: runner, extra: extraEnv),
            timeout: timeout
        ).normalized
    }

    /// The same launcher, first ignoring the signals named in `ignore` (as
    /// nohup does) and blocking the numbers in `block`: both survive exec.
    private static let signalLauncher = #"""
        use POSIX (); my $ign = shift; my $blk = shift;
        $SIG{$_} = 'IGNORE' for grep { length } split /,/, $ign;
        POSIX::sigprocmask(POSIX::SIG_BLOCK(), POSIX::SigSet->new(grep { length } split /,/, $blk));
        chdir(shift) or exit 97; my $p = shift; exec {$p} "unshare", @ARGV; exit 98
        """#

    static func runWithSignals(
        _ binary: String, _ args: [String], ignore: [String], block: [Int32],
        as runner: Runner = .root
    ) -> Outcome {
        let head = [
            perl, "-e", signalLauncher, "--", ignore.joined(separator: ","),
            block.map(String.init).joined(separator: ","), CompatFixtures.workDir, binary,
        ]
        return Harness.run(head + args, as: runner, timeout: 20).normalized
    }

    static func ours(_ args: [String], as runner: Runner = .root, extraEnv: [String: String] = [:]) -> Outcome {
        run(Harness.swiftUnshare, args, as: runner, extraEnv: extraEnv)
    }

    static func oracle(_ args: [String], as runner: Runner = .root, extraEnv: [String: String] = [:]) -> Outcome {
        run(Harness.oracle, args, as: runner, extraEnv: extraEnv)
    }
}

/// Runs a binary as `unshare` with its stdout somewhere that fails writes.
enum CompatStdout {
    enum Target: String { case full, closedPipe, closedPipeIgnoringSIGPIPE }

    private static let launcher = #"""
        my $mode = shift;
        if ($mode eq "full") { open(STDOUT, ">", "/dev/full") or exit 96 }
        else {
            pipe(my $r, my $w) or exit 96; close $r;
            open(STDOUT, ">&", $w) or exit 96; close $w;
            $SIG{PIPE} = $mode eq "closedPipeIgnoringSIGPIPE" ? "IGNORE" : "DEFAULT";
        }
        chdir(shift) or exit 97; my $p = shift; exec {$p} "unshare", @ARGV; exit 98
        """#

    static func run(_ binary: String, _ args: [String], stdout target: Target) -> Outcome {
        Harness.run(
            [CompatRun.perl, "-e", launcher, "--", target.rawValue, CompatFixtures.workDir, binary] + args,
            timeout: 20)
    }
}

/// Files and folders the cases use. Everything lives in scratch folders that
/// every test account can enter.
enum CompatFixtures {
    /// The working directory of every run: a core dump or a relative path lands here.
    static let workDir: String = Harness.scratch("compat-cwd")

    /// PATH-search fixtures: `foo` in each folder is something else.
    struct PathDirs: Sendable {
        let noExec: String  // foo: a readable file without execute permission
        let empty: String  // no foo
        let exec: String  // foo: an executable script
        let directory: String  // foo: a directory
        let noShebang: String  // foo: executable text without #! (execvp runs it with /bin/sh)
    }

    static let path: PathDirs = {
        let base = Harness.scratch("compat-path")
        func dir(_ name: String) -> String {
            let d = base + "/" + name
            try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
            chmod(d, 0o755)
            return d
        }
        // Through a close-on-exec descriptor (Harness.writeExecutable): no
        // process spawned meanwhile may hold a script open for writing (ETXTBSY).
        func file(_ path: String, _ text: String, mode: mode_t) {
            Harness.writeExecutable(path, text)
            chmod(path, mode)
        }
        let dirs = PathDirs(
            noExec: dir("noexec"), empty: dir("empty"), exec: dir("exec"),
            directory: dir("directory"), noShebang: dir("noshebang"))
        file(dirs.noExec + "/foo", "#!/bin/sh\necho should-not-run\n", mode: 0o644)
        file(dirs.exec + "/foo", "#!/bin/sh\necho from-exec \"$@\"\n", mode: 0o755)
        _ = dir("directory/foo")
        file(dirs.noShebang + "/foo", "echo no-shebang \"$@\"\n", mode: 0o755)
        return dirs
    }()

    static func searchPath(_ dirs: String...) -> String { dirs.joined(separator: ":") }

    /// A HOME whose .profile names the login shell that reads it ($0), and
    /// `myshell`, a link to /bin/sh, to use as $SHELL.
    static let shellHome: String = {
        let home = Harness.scratch("compat-home")
        let profile = home + "/.profile"
        precondition(FileManager.default.createFile(atPath: profile, contents: Data("echo \"profile: $0\"\n".utf8)))
        chmod(profile, 0o644)
        symlink("/bin/sh", home + "/myshell")
        return home
    }()
}

/// `--<ns>=FILE`: binds the new namespace onto a fresh file, reports what
/// happened, and unmounts it again (nothing outlives the test).
enum CompatPersist {
    struct Result: Equatable, CustomStringConvertible {
        var outcome: Outcome
        /// The file is a mount point now.
        var mounted: Bool
        /// The bound file's inode is a namespace other than the test process's own.
        var newNamespace: Bool
        /// nsenter into the file lands in the namespace the file shows (nil: not tried).
        var entered: Bool?

        var description: String {
            "\(outcome)\nmounted: \(mounted), new namespace: \(newNamespace), entered: \(String(describing: entered))"
        }
    }

    static let nsenter = "/usr/bin/nsenter"
    static let directory: String = Harness.scratch("compat-persist")

    /// `ns` is the option's name (mount, uts, ...); `link` the /proc/self/ns entry.
    static func run(_ binary: String, ns: String, link: String, extra: [String], as runner: Runner = .root) -> Result {
        let file = directory + "/\(ns)-\(UInt32.random(in: 0...UInt32.max))"
        precondition(FileManager.default.createFile(atPath: file, contents: nil))
        defer {
            while umount2(file, 2) == 0 {}  // MNT_DETACH
            unlink(file)
        }
        let outcome = CompatRun.run(binary, ["--\(ns)=\(file)"] + extra + ["true"], as: runner)
        let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        let mounted = mountinfo.split(separator: "\n").contains {
            $0.split(separator: " ").dropFirst(4).first.map(String.init) == file
        }
        var st = stat()
        var own = stat()
        let newNamespace =
            mounted && stat(file, &st) == 0 && stat("/proc/self/ns/\(link)", &own) == 0 && st.st_ino != own.st_ino
        var entered: Bool?
        if mounted && link != "pid" && link != "user" && FileManager.default.isExecutableFile(atPath: nsenter) {
            let o = Harness.run([nsenter, "--\(ns)=\(file)", "readlink", "/proc/self/ns/\(link)"])
            entered = o.ending == .exit(0) && o.stdout == "\(link.hasPrefix("time") ? "time" : link):[\(st.st_ino)]\n"
        }
        return Result(outcome: outcome, mounted: mounted, newNamespace: newNamespace, entered: entered)
    }
}
