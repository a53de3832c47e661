import Foundation
import Glibc
import Testing

// Issue 2: swift-unshare, run under the name `unshare`, against Debian's
// util-linux 2.38.1 on every argument vector where that release and the spec
// agree. Cases where they differ are in SpecDifferenceTests.swift.

/// Runs a binary with argv[0] exactly `unshare`.
///
/// glibc's getopt prints argv[0] verbatim in its messages ("/usr/bin/unshare:
/// unrecognized option ..."), while util-linux's own messages use the basename.
/// `Harness.both` passes full paths, so usage errors would differ by path alone;
/// here both binaries are exec'd by perl with argv[0] = "unshare" (perl leaves
/// the environment alone, unlike `bash -c 'exec -a'`, which adds `_` and SHLVL).
enum CompatRun {
    static let perl = "/usr/bin/perl"
    /// @ARGV: working directory, binary, arguments.
    private static let launcher = #"chdir(shift) or exit 97; my $p = shift; exec {$p} "unshare", @ARGV; exit 98"#

    /// Root (to switch users), util-linux, perl.
    static let ready = Harness.isRoot && Harness.oracleReady && FileManager.default.isExecutableFile(atPath: perl)
    static let skipReason: Comment = "needs root, /usr/bin/unshare (util-linux) and /usr/bin/perl"

    static func run(_ binary: String, _ args: [String], as runner: Runner = .root, cwd: String? = nil,
                    extraEnv: [String: String] = [:], timeout: Double = 20) -> Outcome {
        runBytes(binary, args.map { Array($0.utf8) }, as: runner, cwd: cwd, extraEnv: extraEnv, timeout: timeout)
    }

    static func runBytes(_ binary: String, _ args: [[UInt8]], as runner: Runner = .root, cwd: String? = nil,
                         extraEnv: [String: String] = [:], timeout: Double = 20) -> Outcome {
        let head = [perl, "-e", launcher, "--", cwd ?? CompatFixtures.workDir, binary].map { Array($0.utf8) }
        return Harness.runBytes(head + args, as: runner, env: Harness.environment(for: runner, extra: extraEnv),
                                timeout: timeout).normalized
    }

    /// The same launcher, first ignoring the signals named in `ignore` (as
    /// nohup does) and blocking the numbers in `block`: both survive exec.
    private static let signalLauncher = #"""
        use POSIX (); my $ign = shift; my $blk = shift;
        $SIG{$_} = 'IGNORE' for grep { length } split /,/, $ign;
        POSIX::sigprocmask(POSIX::SIG_BLOCK(), POSIX::SigSet->new(grep { length } split /,/, $blk));
        chdir(shift) or exit 97; my $p = shift; exec {$p} "unshare", @ARGV; exit 98
        """#

    static func runWithSignals(_ binary: String, _ args: [String], ignore: [String], block: [Int32],
                               as runner: Runner = .root) -> Outcome {
        let head = [perl, "-e", signalLauncher, "--", ignore.joined(separator: ","),
                    block.map(String.init).joined(separator: ","), CompatFixtures.workDir, binary]
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
        Harness.run([CompatRun.perl, "-e", launcher, "--", target.rawValue, CompatFixtures.workDir, binary] + args,
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
        let noExec: String      // foo: a readable file without execute permission
        let empty: String       // no foo
        let exec: String        // foo: an executable script
        let directory: String   // foo: a directory
        let noShebang: String   // foo: executable text without #! (execvp runs it with /bin/sh)
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
        let dirs = PathDirs(noExec: dir("noexec"), empty: dir("empty"), exec: dir("exec"),
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

        var description: String { "\(outcome)\nmounted: \(mounted), new namespace: \(newNamespace), entered: \(String(describing: entered))" }
    }

    static let nsenter = "/usr/bin/nsenter"
    static let directory: String = Harness.scratch("compat-persist")

    /// `ns` is the option's name (mount, uts, ...); `link` the /proc/self/ns entry.
    static func run(_ binary: String, ns: String, link: String, extra: [String], as runner: Runner = .root) -> Result {
        let file = directory + "/\(ns)-\(UInt32.random(in: 0...UInt32.max))"
        precondition(FileManager.default.createFile(atPath: file, contents: nil))
        defer {
            while umount2(file, 2 /* MNT_DETACH */) == 0 {}
            unlink(file)
        }
        let outcome = CompatRun.run(binary, ["--\(ns)=\(file)"] + extra + ["true"], as: runner)
        let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        let mounted = mountinfo.split(separator: "\n").contains { $0.split(separator: " ").dropFirst(4).first.map(String.init) == file }
        var st = stat(), own = stat()
        let newNamespace = mounted && stat(file, &st) == 0 && stat("/proc/self/ns/\(link)", &own) == 0 && st.st_ino != own.st_ino
        var entered: Bool?
        if mounted && link != "pid" && link != "user" && FileManager.default.isExecutableFile(atPath: nsenter) {
            let o = Harness.run([nsenter, "--\(ns)=\(file)", "readlink", "/proc/self/ns/\(link)"])
            entered = o.ending == .exit(0) && o.stdout == "\(link.hasPrefix("time") ? "time" : link):[\(st.st_ino)]\n"
        }
        return Result(outcome: outcome, mounted: mounted, newNamespace: newNamespace, entered: entered)
    }
}

/// /proc/self/uid_map and gid_map lines as the kernel prints them (`%10u %10u %10u`).
enum CompatMaps {
    static func line(_ inner: UInt32, _ outer: UInt32, _ count: UInt32) -> String {
        func pad(_ v: UInt32) -> String {
            let s = String(v)
            return String(repeating: " ", count: max(0, 10 - s.count)) + s
        }
        return "\(pad(inner)) \(pad(outer)) \(pad(count))\n"
    }

    static var testerUID: UInt32 { Runner.tester.passwd?.uid ?? 1001 }
    static var testerGID: UInt32 { Runner.tester.passwd?.gid ?? 1001 }
}

/// One argument vector and what it must end with, whoever runs it.
struct CompatCase: Sendable, CustomTestStringConvertible {
    var args: [String]
    /// How the run ends (ours and util-linux alike).
    var ending: Ending
    /// Exact texts, when they do not depend on the machine.
    var stdout: String?
    var stderr: String?
    /// Variables set for the run on top of Harness.environment (PATH for the
    /// execvp search cases, SHELL and HOME for the login shell).
    var env: [String: String] = [:]

    var testDescription: String {
        let words = args.map { a -> String in
            if a.isEmpty { return "''" }
            return a.contains(where: { " $'\"\\*;<>|".contains($0) }) ? "'\(a)'" : a
        }
        let vars = env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value) " }.joined()
        return vars + "unshare " + words.joined(separator: " ")
    }

    /// A usage error: glibc's message and the "Try" line, exit 1.
    static func usage(_ args: [String], _ message: String) -> CompatCase {
        CompatCase(args: args, ending: .exit(1), stdout: "",
                   stderr: "unshare: \(message)\nTry 'unshare --help' for more information.\n")
    }

    /// An error of unshare's own: one line, exit 1 (126/127 for exec failures).
    static func error(_ args: [String], _ message: String, exit code: Int32 = 1, path: String? = nil) -> CompatCase {
        CompatCase(args: args, ending: .exit(code), stdout: "", stderr: "unshare: \(message)\n",
                   env: path.map { ["PATH": $0] } ?? [:])
    }

    /// Success with nothing on stderr; `stdout` when it is known exactly.
    static func ok(_ args: [String], _ stdout: String? = nil, path: String? = nil) -> CompatCase {
        CompatCase(args: args, ending: .exit(0), stdout: stdout, stderr: "", env: path.map { ["PATH": $0] } ?? [:])
    }

    static func ends(_ args: [String], _ ending: Ending, stdout: String? = nil, stderr: String? = nil,
                     env: [String: String] = [:]) -> CompatCase {
        CompatCase(args: args, ending: ending, stdout: stdout, stderr: stderr, env: env)
    }
}

/// Checks that hold for any run of ours, whatever util-linux does: so that an
/// equality test cannot pass on two identical crashes.
enum CompatSanity {
    /// Signals that mean a crash (a Swift trap is SIGILL or SIGTRAP).
    static let crashSignals: Set<Int32> = [SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGSYS]
    static let crashTexts = ["Fatal error", "Backtrace", "Stack dump", "Current stack trace", "Illegal instruction",
                             "Segmentation fault", "💣"]

    static func check(_ o: Outcome, allowing expected: Ending? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(o.ending != .timedOut, "timed out", sourceLocation: sourceLocation)
        if case .signal(let s) = o.ending, expected != o.ending {
            #expect(!crashSignals.contains(s), "crashed with signal \(s)\n\(o)", sourceLocation: sourceLocation)
        }
        for text in crashTexts {
            #expect(!o.stderr.contains(text), "stderr has \(text):\n\(o.stderr)", sourceLocation: sourceLocation)
        }
    }
}

enum CompatTable {
    static let uidMap = "/proc/self/uid_map", gidMap = "/proc/self/gid_map", setgroups = "/proc/self/setgroups"
    static let noSuchProgram = "swift-unshare-no-such-program"

    /// Parsing and values: the same for root and for an unprivileged user
    /// (nothing here reaches unshare(2), or it fails before any privilege matters).
    static let parsing: [CompatCase] = [
        // Unrecognized and invalid options.
        .usage(["--bogus"], "unrecognized option '--bogus'"),
        .usage(["--bogus=1", "true"], "unrecognized option '--bogus=1'"),
        .usage(["--bogus", "value"], "unrecognized option '--bogus'"),
        .usage(["---x"], "unrecognized option '---x'"),
        .usage(["---"], "unrecognized option '---'"),
        .usage(["-x"], "invalid option -- 'x'"),
        .usage(["-rx", "true"], "invalid option -- 'x'"),
        .usage(["-r", "-fx", "true"], "invalid option -- 'x'"),
        .usage(["-m/x"], "invalid option -- '/'"),
        .usage(["-f=1", "true"], "invalid option -- '='"),
        .usage(["-Z"], "invalid option -- 'Z'"),
        // Missing required arguments, short and long.
        .usage(["-S"], "option requires an argument -- 'S'"),
        .usage(["-rS"], "option requires an argument -- 'S'"),
        .usage(["-G"], "option requires an argument -- 'G'"),
        .usage(["-R"], "option requires an argument -- 'R'"),
        .usage(["-w"], "option requires an argument -- 'w'"),
        .usage(["--setuid"], "option '--setuid' requires an argument"),
        .usage(["--setgid"], "option '--setgid' requires an argument"),
        .usage(["--map-user"], "option '--map-user' requires an argument"),
        .usage(["--map-users"], "option '--map-users' requires an argument"),
        .usage(["--map-group"], "option '--map-group' requires an argument"),
        .usage(["--map-groups"], "option '--map-groups' requires an argument"),
        .usage(["--propagation"], "option '--propagation' requires an argument"),
        .usage(["--setgroups"], "option '--setgroups' requires an argument"),
        .usage(["--monotonic"], "option '--monotonic' requires an argument"),
        .usage(["--boottime"], "option '--boottime' requires an argument"),
        .usage(["--root"], "option '--root' requires an argument"),
        .usage(["--wd"], "option '--wd' requires an argument"),
        .usage(["--ro"], "option '--root' requires an argument"),
        // Arguments where none is allowed.
        .usage(["--fork=1", "true"], "option '--fork' doesn't allow an argument"),
        .usage(["--map-root-user=1", "true"], "option '--map-root-user' doesn't allow an argument"),
        .usage(["--map-current-user=", "true"], "option '--map-current-user' doesn't allow an argument"),
        .usage(["--keep-caps=x", "true"], "option '--keep-caps' doesn't allow an argument"),
        .usage(["--map-auto=x", "true"], "option '--map-auto' doesn't allow an argument"),
        .usage(["--help=1"], "option '--help' doesn't allow an argument"),
        .usage(["--map-ro=1", "true"], "option '--map-root-user' doesn't allow an argument"),
        // Ambiguous prefixes whose candidates are the same in both option tables.
        .usage(["--se", "0"], "option '--se' is ambiguous; possibilities: '--setgroups' '--setuid' '--setgid'"),
        .usage(["--s"], "option '--s' is ambiguous; possibilities: '--setgroups' '--setuid' '--setgid'"),
        .usage(["--map-u"], "option '--map-u' is ambiguous; possibilities: '--map-user' '--map-users'"),
        .usage(["--map-g=0"], "option '--map-g=0' is ambiguous; possibilities: '--map-group' '--map-groups'"),
        .usage(["--k"], "option '--k' is ambiguous; possibilities: '--kill-child' '--keep-caps'"),
        .usage(["--k=1", "true"], "option '--k=1' is ambiguous; possibilities: '--kill-child' '--keep-caps'"),
        .usage(["--p"], "option '--p' is ambiguous; possibilities: '--pid' '--propagation'"),
        .usage(["--u"], "option '--u' is ambiguous; possibilities: '--uts' '--user'"),
        // The first error stops parsing.
        .usage(["--bogus", "-S", "abc"], "unrecognized option '--bogus'"),
        .error(["-S", "abc", "--bogus"], "failed to parse uid: 'abc'"),
        .error(["--propagation", "bogus", "--setgroups", "maybe", "true"], "unsupported propagation mode: bogus"),
        // Bad values.
        .error(["--propagation", "bogus", "true"], "unsupported propagation mode: bogus"),
        .error(["--propagation=Private", "true"], "unsupported propagation mode: Private"),
        .error(["--propagation=", "true"], "unsupported propagation mode: "),
        .error(["--setgroups", "maybe", "true"], "unsupported --setgroups argument 'maybe'"),
        .error(["--setgroups=ALLOW", "true"], "unsupported --setgroups argument 'ALLOW'"),
        .error(["--kill-child=NOPE", "true"], "unknown signal: NOPE"),
        .error(["--kill-child=15", "true"], "unknown signal: 15"),
        .error(["--kill-child=0", "true"], "unknown signal: 0"),
        .error(["--kill-child=", "true"], "unknown signal: "),
        .error(["--kill-child=SIG", "true"], "unknown signal: SIG"),
        .error(["--kill-child=RTMIN+99", "true"], "unknown signal: RTMIN+99"),
        .error(["-S", "abc", "true"], "failed to parse uid: 'abc'"),
        .error(["-S", "", "true"], "failed to parse uid: ''"),
        .error(["-S0x10", "true"], "failed to parse uid: '0x10'"),
        .ok(["-S", " 0", "-r", "id", "-u"], "0\n"),
        .ok(["-S", "+0", "-r", "id", "-u"], "0\n"),
        .ok(["-S", "000000000000000000000000000", "-r", "id", "-u"], "0\n"),
        .error(["--setuid=1.5", "true"], "failed to parse uid: '1.5'"),
        .error(["-G", "abc", "true"], "failed to parse gid: 'abc'"),
        .error(["-G", "12x", "true"], "failed to parse gid: '12x'"),
        .error(["--monotonic", "x", "true"], "failed to parse monotonic offset: 'x'"),
        .error(["--monotonic=", "true"], "failed to parse monotonic offset: ''"),
        .error(["--boottime", "x", "true"], "failed to parse boottime offset: 'x'"),
        .error(["-T", "--boottime=999999999999999999999", "true"],
               "failed to parse boottime offset: '999999999999999999999': Numerical result out of range"),
        .error(["-T", "--monotonic=-999999999999999999999", "true"],
               "failed to parse monotonic offset: '-999999999999999999999': Numerical result out of range"),
        .error(["-r", "--setgroups=allow", "true"], "options --setgroups=allow and --map-group are mutually exclusive"),
        .error(["--setgroups=allow", "--map-group=0", "true"],
               "options --setgroups=allow and --map-group are mutually exclusive"),
        // Exec failures: 127 for ENOENT, 126 otherwise.
        .error([noSuchProgram], "failed to execute \(noSuchProgram): No such file or directory", exit: 127),
        .error([noSuchProgram, "-r", "--bogus"], "failed to execute \(noSuchProgram): No such file or directory", exit: 127),
        .error(["/nonexistent/program"], "failed to execute /nonexistent/program: No such file or directory", exit: 127),
        .error(["./foo"], "failed to execute ./foo: No such file or directory", exit: 127),
        .error([""], "failed to execute : No such file or directory", exit: 127),
        .error(["-"], "failed to execute -: No such file or directory", exit: 127),
        .error(["--", "-r"], "failed to execute -r: No such file or directory", exit: 127),
        .error(["--", "--", "true"], "failed to execute --: No such file or directory", exit: 127),
        .error(["/"], "failed to execute /: Permission denied", exit: 126),
        .error(["/tmp"], "failed to execute /tmp: Permission denied", exit: 126),
        .error(["/etc/passwd"], "failed to execute /etc/passwd: Permission denied", exit: 126),
        // Exit statuses pass through.
        .ok(["true"], ""),
        .ok(["--", "true"], ""),
        .ends(["false"], .exit(1), stdout: "", stderr: ""),
        .ends(["sh", "-c", "exit 42"], .exit(42), stdout: "", stderr: ""),
        .ends(["sh", "-c", "echo out; echo err >&2; exit 3"], .exit(3), stdout: "out\n", stderr: "err\n"),
        // The program's own death (no --fork: unshare became it).
        .ends(["sh", "-c", "kill -TERM $$"], .signal(SIGTERM), stdout: "", stderr: ""),
        .ends(["sh", "-c", "kill -USR1 $$"], .signal(SIGUSR1), stdout: "", stderr: ""),
        // The environment, descriptors and signal state reach the program unchanged.
        .ok(["env"]),
        .ok(["-r", "-f", "env"]),
        .ok(["sh", "-c", "ls /proc/$$/fd"]),
        .ok(["-r", "-f", "sh", "-c", "ls /proc/$$/fd"]),
        .ok(["-f", "grep", "^Sig[BI]", "/proc/self/status"]),
        .ok(["--kill-child", "-r", "grep", "^Sig[BI]", "/proc/self/status"]),
        // No program: the login shell (stdin is /dev/null, so it ends at once).
        .ends([], .exit(0)),
        .ends(["--"], .exit(0)),
    ]

    /// $SHELL, run as a login shell named "-" + its basename.
    static var loginShell: [CompatCase] {
        let home = CompatFixtures.shellHome
        return [
            .ends([], .exit(0), stdout: "profile: -myshell\n", stderr: "",
                  env: ["HOME": home, "SHELL": home + "/myshell"]),
            .ends(["-r"], .exit(0), stdout: "profile: -myshell\n", stderr: "",
                  env: ["HOME": home, "SHELL": home + "/myshell"]),
            .ends(["-f", "--"], .exit(0), stdout: "profile: -myshell\n", stderr: "",
                  env: ["HOME": home, "SHELL": home + "/myshell"]),
            .ends([], .exit(127), stdout: "", stderr: "unshare: failed to execute /nonexistent/sh: No such file or directory\n",
                  env: ["HOME": home, "SHELL": "/nonexistent/sh"]),
            // execv, not execvp: a bare name is not searched in PATH.
            .ends([], .exit(127), stdout: "", stderr: "unshare: failed to execute myshell: No such file or directory\n",
                  env: ["HOME": home, "SHELL": "myshell", "PATH": home + ":/usr/bin:/bin"]),
        ]
    }

    /// PATH search as execvp(3) does it (the same for every user).
    static var pathSearch: [CompatCase] {
        let p = CompatFixtures.path
        let denied = "failed to execute foo: Permission denied"
        let missing = "failed to execute foo: No such file or directory"
        return [
            .error(["foo"], denied, exit: 126, path: CompatFixtures.searchPath(p.noExec, p.empty)),
            .error(["foo"], denied, exit: 126, path: CompatFixtures.searchPath(p.empty, p.noExec)),
            .error(["foo"], denied, exit: 126, path: p.noExec),
            .error(["foo"], missing, exit: 127, path: p.empty),
            .error(["foo"], missing, exit: 127, path: CompatFixtures.searchPath("/nonexistent-dir", p.empty)),
            .error(["foo"], denied, exit: 126, path: CompatFixtures.searchPath(p.directory, p.empty)),
            .error(["foo"], denied, exit: 126, path: CompatFixtures.searchPath(p.empty, p.directory)),
            .ok(["foo", "x"], "from-exec x\n", path: CompatFixtures.searchPath(p.noExec, p.exec)),
            .ok(["foo", "x"], "from-exec x\n", path: CompatFixtures.searchPath(p.directory, p.exec)),
            .ok(["foo", "y"], "no-shebang y\n", path: p.noShebang),
            .ok(["-r", "foo", "x"], "from-exec x\n", path: CompatFixtures.searchPath(p.empty, p.exec)),
            .error(["-r", "foo"], denied, exit: 126, path: CompatFixtures.searchPath(p.noExec, p.empty)),
            .error([p.noExec + "/foo"], "failed to execute \(p.noExec)/foo: Permission denied", exit: 126,
                   path: p.exec),
        ]
    }

    static var root: [CompatCase] {
        let m = CompatMaps.line
        return parsing + pathSearch + loginShell + [
            // --, + and clusters.
            .ok(["-r", "sh", "-c", "echo $0 $1", "-x", "-y"], "-x -y\n"),
            .ok(["-r", "echo", "-r", "--bogus"], "-r --bogus\n"),
            .ok(["-r", "--", "sh", "-c", "echo $#", "--", "--"], "1\n"),
            .ok(["-r", "--", "id", "-u"], "0\n"),
            .ok(["-rfu", "id", "-u"], "0\n"),
            .ok(["-fr", "id", "-u"], "0\n"),
            .ok(["-rfuinm", "id", "-u"], "0\n"),
            // Attached and separate arguments.
            .ok(["-S0", "-r", "id", "-u"], "0\n"),
            .ok(["-S", "0", "-r", "id", "-u"], "0\n"),
            .ok(["-rS0", "id", "-u"], "0\n"),
            .ok(["-rS", "0", "id", "-u"], "0\n"),
            .ok(["--setuid=0", "-r", "id", "-u"], "0\n"),
            .ok(["--setuid", "0", "-r", "id", "-u"], "0\n"),
            .ok(["-S", "1", "-S", "0", "-r", "id", "-u"], "0\n"),
            .ok(["-S", "0", "-G", "0", "id", "-u"], "0\n"),
            .ok(["-S", "1", "-G", "1", "id"]),
            .ok(["-G", "1", "id", "-G"], "1\n"),
            // Optional arguments only with "=".
            .error(["--mount", "/x"], "failed to execute /x: No such file or directory", exit: 127),
            .error(["--uts", "/x"], "failed to execute /x: No such file or directory", exit: 127),
            .error(["--kill-child", "TERM"], "failed to execute TERM: No such file or directory", exit: 127),
            // Abbreviations. A prefix unique among 2.38.1's options keeps its
            // meaning even where a newer option shares it (--fo: --forward-signals,
            // --mount-: --mount-binfmt, --c: --clear-env, --w: --whitelist-env).
            .ok(["--fo", "true"], ""),
            .ends(["--f", "sh", "-c", "exit 4"], .exit(4), stdout: "", stderr: ""),
            .ok(["--mount-", "-fp", "readlink", "/proc/self"], "1\n"),
            .ok(["--mount-=/proc", "-fp", "readlink", "/proc/self"], "1\n"),
            .ok(["--c", "true"], ""),
            .ok(["--w", "/tmp", "pwd"], "/tmp\n"),
            .ok(["--w=/tmp", "pwd"], "/tmp\n"),
            .ok(["--map-ro", "id", "-u"], "0\n"),
            .ok(["--map-root", "id", "-u"], "0\n"),
            .ok(["--map-cu", "id", "-u"], "0\n"),
            .ok(["--us", "id", "-u"], "65534\n"),
            .ok(["--ne", "true"], ""),
            .ok(["--keep", "-U", "true"], ""),
            .ok(["--kill=TERM", "true"], ""),
            .ok(["--prop=private", "-m", "true"], ""),
            .ok(["--propagation", "private", "-m", "true"], ""),
            .ok(["--propagation=slave", "true"], ""),
            // --kill-child names.
            .ok(["--kill-child", "true"], ""),
            .ok(["--kill-child=term", "true"], ""),
            .ok(["--kill-child=SIGTERM", "true"], ""),
            .ok(["--kill-child=sigterm", "true"], ""),
            .ok(["--kill-child=RTMIN+1", "true"], ""),
            .ok(["--kill-child=RTMAX-2", "true"], ""),
            .ends(["--kill-child=TERM", "sh", "-c", "exit 3"], .exit(3), stdout: "", stderr: ""),
            // --fork: the child's end is unshare's.
            .ends(["-f", "sh", "-c", "exit 42"], .exit(42), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "exit 255"], .exit(255), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -TERM $$"], .signal(SIGTERM), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -INT $$"], .signal(SIGINT), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -HUP $$"], .signal(SIGHUP), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -USR1 $$"], .signal(SIGUSR1), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -PIPE $$"], .signal(SIGPIPE), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -SEGV $$"], .signal(SIGSEGV), stdout: "", stderr: ""),
            .ends(["-f", "sh", "-c", "kill -ABRT $$"], .signal(SIGABRT), stdout: "", stderr: ""),
            .ends(["-r", "-f", "sh", "-c", "kill -TERM $$"], .signal(SIGTERM), stdout: "", stderr: ""),
            // User namespaces and single maps.
            .ok(["-U", "id", "-u"], "65534\n"),
            .ok(["-U", "id", "-g"], "65534\n"),
            .ok(["-U", "grep", "^CapEff", "/proc/self/status"], "CapEff:\t0000000000000000\n"),
            .ok(["--keep-caps", "-U", "grep", "^CapAmb", "/proc/self/status"]),
            .ok(["-r", "id", "-u"], "0\n"),
            .ok(["-r", "cat", uidMap, gidMap, setgroups], m(0, 0, 1) + m(0, 0, 1) + "deny\n"),
            .ok(["-c", "cat", uidMap, gidMap, setgroups], m(0, 0, 1) + m(0, 0, 1) + "deny\n"),
            .ok(["--map-user=0", "--map-group=0", "cat", uidMap, gidMap], m(0, 0, 1) + m(0, 0, 1)),
            .ok(["--map-user=root", "cat", uidMap, gidMap, setgroups], m(0, 0, 1) + "allow\n"),
            .ok(["--map-group=root", "cat", uidMap, gidMap, setgroups], m(0, 0, 1) + "deny\n"),
            .ok(["--map-user=unshare-tester", "cat", uidMap], m(CompatMaps.testerUID, 0, 1)),
            .ok(["--map-group=unshare-tester", "cat", gidMap], m(CompatMaps.testerGID, 0, 1)),
            .ok(["--map-user", "7", "cat", uidMap], m(7, 0, 1)),
            .ok(["-r", "--map-user=7", "cat", uidMap], m(7, 0, 1)),
            .ok(["--map-user=7", "-r", "cat", uidMap], m(0, 0, 1)),
            .ok(["-U", "--map-user=0", "--map-group=0", "id", "-u"], "0\n"),
            .ok(["--setgroups=allow", "-U", "--map-user=0", "cat", setgroups, uidMap], "allow\n" + m(0, 0, 1)),
            .ok(["--setgroups=deny", "-U", "cat", setgroups], "deny\n"),
            .error(["-r", "--setgroups=deny", "true"], "write failed /proc/self/setgroups: Operation not permitted"),
            .ok(["-r", "-f", "id", "-u"], "0\n"),
            .error(["-r", "-S", "0", "-G", "0", "id"], "setgroups failed: Operation not permitted"),
            // Root directory and working directory.
            .ok(["-R", "/", "-w", "/tmp", "pwd"], "/tmp\n"),
            .ok(["-w", "/tmp", "-R", "/", "pwd"], "/tmp\n"),
            .ok(["-R", "/", "pwd"], "/\n"),
            .ok(["--root", "/", "pwd"], "/\n"),
            .ok(["-w", "/tmp", "pwd"], "/tmp\n"),
            .ok(["--wd=/tmp", "pwd"], "/tmp\n"),
            .error(["-R", "/nonexistent", "pwd"], "cannot change root directory to '/nonexistent': No such file or directory"),
            // Other namespaces.
            .ok(["-fp", "sh", "-c", "echo $$"], "1\n"),
            .ok(["-fp", "--mount-proc", "readlink", "/proc/self"], "1\n"),
            .ok(["--mount-proc", "-fp", "readlink", "/proc/self"], "1\n"),
            .error(["--mount-proc=/nonexistent", "-f", "true"], "mount /nonexistent failed: No such file or directory"),
            .ok(["-u", "sh", "-c", "hostname swift-unshare-test; hostname"], "swift-unshare-test\n"),
            .ok(["-n", "sh", "-c", "wc -l < /proc/net/dev"], "3\n"),
            .ok(["-i", "true"], ""),
            .ok(["-C", "true"], ""),
            .ok(["-T", "--monotonic=86400", "--boottime=-5", "cat", "/proc/self/timens_offsets"],
                "monotonic       86400         0\nboottime           -5         0\n"),
            .ok(["-T", "--monotonic", "-1", "true"], ""),
            .ok(["-T", "--monotonic=+5", "--monotonic= 7", "cat", "/proc/self/timens_offsets"],
                "monotonic           7         0\nboottime            0         0\n"),
            .error(["-T", "--monotonic=9223372036854775807", "true"],
                   "failed to write to /proc/self/timens_offsets: Numerical result out of range"),
            .ok(["-m", "--propagation", "shared", "findmnt", "-no", "PROPAGATION", "/"], "shared\n"),
            .ok(["-m", "--propagation", "private", "findmnt", "-no", "PROPAGATION", "/"], "private\n"),
            .ok(["-m", "findmnt", "-no", "PROPAGATION", "/"], "private\n"),
            .ok(["-m", "--propagation", "slave", "findmnt", "-no", "PROPAGATION", "/"]),
            .ok(["-m", "--propagation", "unchanged", "findmnt", "-no", "PROPAGATION", "/"]),
            // Persistent namespaces onto files that are not there (nothing persists).
            .error(["--mount=/nonexistent/f", "true"],
                   "mount /proc/PID/ns/mnt on /nonexistent/f failed: No such file or directory"),
            .error(["--mount=", "true"], "mount /proc/PID/ns/mnt on  failed: No such file or directory"),
            .error(["--uts=/nonexistent/f", "true"],
                   "mount /proc/PID/ns/uts on /nonexistent/f failed: No such file or directory"),
            .error(["--ipc=/nonexistent/f", "true"],
                   "mount /proc/PID/ns/ipc on /nonexistent/f failed: No such file or directory"),
            .error(["--net=/nonexistent/f", "true"],
                   "mount /proc/PID/ns/net on /nonexistent/f failed: No such file or directory"),
            .error(["--pid=/nonexistent/f", "-f", "true"],
                   "mount /proc/PID/ns/pid_for_children on /nonexistent/f failed: No such file or directory"),
            .error(["--user=/nonexistent/f", "true"],
                   "mount /proc/PID/ns/user on /nonexistent/f failed: No such file or directory"),
            .error(["--cgroup=/nonexistent/f", "true"],
                   "mount /proc/PID/ns/cgroup on /nonexistent/f failed: No such file or directory"),
        ]
    }

    static var tester: [CompatCase] {
        let m = CompatMaps.line
        let u = CompatMaps.testerUID, g = CompatMaps.testerGID
        return parsing + pathSearch + loginShell + [
            .ok(["-r", "sh", "-c", "echo $0 $1", "-x", "-y"], "-x -y\n"),
            .ok(["-rfu", "id", "-u"], "0\n"),
            .ok(["-S0", "-r", "id", "-u"], "0\n"),
            .ok(["-S", "1", "-S", "0", "-r", "id", "-u"], "0\n"),
            .ok(["--map-ro", "id", "-u"], "0\n"),
            .ok(["--us", "id", "-u"], "65534\n"),
            .ok(["--fo", "-r", "id", "-u"], "0\n"),
            .error(["--mount-", "true"], "unshare failed: Operation not permitted"),
            .ok(["-r", "--mount-", "-fp", "readlink", "/proc/self"], "1\n"),
            .ok(["-r", "--w", "/", "pwd"], "/\n"),
            .error(["-r", "--mount", "/x"], "failed to execute /x: No such file or directory", exit: 127),
            // Privilege.
            .error(["-m", "true"], "unshare failed: Operation not permitted"),
            .error(["-n", "true"], "unshare failed: Operation not permitted"),
            .error(["-R", "/", "pwd"], "cannot change root directory to '/': Operation not permitted"),
            .ok(["-r", "-R", "/", "pwd"], "/\n"),
            // Single maps.
            .ok(["-U", "id", "-u"], "65534\n"),
            .ok(["-r", "id", "-u"], "0\n"),
            .ok(["-r", "cat", uidMap, gidMap, setgroups], m(0, u, 1) + m(0, g, 1) + "deny\n"),
            .ok(["-c", "cat", uidMap, gidMap, setgroups], m(u, u, 1) + m(g, g, 1) + "deny\n"),
            .ok(["--map-user=0", "--map-group=0", "cat", uidMap, gidMap], m(0, u, 1) + m(0, g, 1)),
            .ok(["--map-user=root", "cat", uidMap, gidMap], m(0, u, 1)),
            .ok(["--map-group=root", "cat", uidMap, gidMap, setgroups], m(0, g, 1) + "deny\n"),
            .ok(["--map-user=unshare-tester", "cat", uidMap], m(u, u, 1)),
            .ok(["-r", "--map-user=7", "cat", uidMap], m(7, u, 1)),
            .ok(["--setgroups=allow", "-U", "--map-user=0", "cat", setgroups, uidMap], "allow\n" + m(0, u, 1)),
            .error(["-r", "--setgroups=deny", "true"], "write failed /proc/self/setgroups: Operation not permitted"),
            .ok(["-r", "-f", "id", "-u"], "0\n"),
            .ends(["-r", "-f", "sh", "-c", "kill -TERM $$"], .signal(SIGTERM), stdout: "", stderr: ""),
            .ends(["-r", "-f", "sh", "-c", "exit 7"], .exit(7), stdout: "", stderr: ""),
            .error(["-r", "-S", "0", "-G", "0", "id"], "setgroups failed: Operation not permitted"),
            .ok(["-r", "--keep-caps", "grep", "^CapAmb", "/proc/self/status"]),
            // Range maps through newuidmap/newgidmap (util-linux 2.38.1's comma form: outer,inner,count).
            .ok(["--map-users=100000,1,1000", "-r", "cat", uidMap, gidMap], m(0, u, 1) + m(1, 100000, 1000) + m(0, g, 1)),
            .ok(["--map-users=100000,0,1000", "-r", "cat", uidMap], m(0, u, 1) + m(1, 100000, 999)),
            .ok(["--map-users=100000,0,1000", "cat", uidMap, gidMap], m(0, 100000, 1000)),
            .ok(["--map-users=100000,0,1000", "-c", "cat", uidMap], m(u, u, 1) + m(0, 100000, 1000)),
            .ok(["--map-users=100000,0,1000", "--map-groups=100000,0,1000", "cat", uidMap, gidMap, setgroups],
                m(0, 100000, 1000) + m(0, 100000, 1000) + "allow\n"),
            .ok(["-r", "--map-groups=100000,1,10", "cat", uidMap, gidMap, setgroups],
                m(0, u, 1) + m(0, g, 1) + m(1, 100000, 10) + "allow\n"),
            .ok(["--map-users=100000,0,65536", "--setgroups=deny", "cat", uidMap, setgroups],
                m(0, 100000, 65536) + "deny\n"),
            .ends(["--map-users=100000,0,70000", "true"], .exit(1), stdout: "",
                  stderr: "newuidmap: uid range [0-70000) -> [100000-170000) not allowed\n"),
            .ends(["--map-users=200000,0,1000", "true"], .exit(1), stdout: "",
                  stderr: "newuidmap: uid range [0-1000) -> [200000-201000) not allowed\n"),
            // auto ranges with no single id: the same in 2.38.1 and the spec.
            .ok(["--map-auto", "cat", uidMap, gidMap, setgroups], m(0, 100000, 65536) + m(0, 100000, 65536) + "allow\n"),
            .ok(["--map-users=auto", "--map-groups=auto", "cat", uidMap, gidMap], m(0, 100000, 65536) + m(0, 100000, 65536)),
            .ok(["--map-users=auto", "cat", uidMap, gidMap], m(0, 100000, 65536)),
            // Other namespaces inside the user's own.
            .ok(["-r", "-fp", "--mount-proc", "readlink", "/proc/self"], "1\n"),
            .ok(["-r", "-u", "sh", "-c", "hostname swift-unshare-test; hostname"], "swift-unshare-test\n"),
            .ok(["-r", "-n", "sh", "-c", "wc -l < /proc/net/dev"], "3\n"),
            .ok(["-r", "-i", "-C", "true"], ""),
            .ok(["-r", "-T", "--monotonic=5", "--boottime=-3", "cat", "/proc/self/timens_offsets"],
                "monotonic           5         0\nboottime           -3         0\n"),
            .ok(["-r", "-m", "--propagation", "slave", "true"], ""),
            .ok(["--map-auto", "sh", "-c", "ls /proc/$$/fd"]),
            .ok(["-f", "--map-auto", "sh", "-c", "ls /proc/$$/fd"]),
            .ok(["--map-auto", "env"]),
            .ends(["-r", "--kill-child=TERM", "sh", "-c", "exit 3"], .exit(3), stdout: "", stderr: ""),
        ]
    }
}

/// A namespace flag and the /proc/self/ns link that must change.
struct CompatNamespaceCase: Sendable, CustomTestStringConvertible {
    var args: [String]
    var link: String
    var runner: Runner

    var testDescription: String { "\(runner): unshare \(args.joined(separator: " ")) readlink /proc/self/ns/\(link)" }

    static let all: [CompatNamespaceCase] = {
        let flags: [([String], String)] = [
            (["-m"], "mnt"), (["-u"], "uts"), (["-i"], "ipc"), (["-n"], "net"), (["-f", "-p"], "pid"),
            (["-U"], "user"), (["-C"], "cgroup"), (["-T"], "time"),
            (["--mount"], "mnt"), (["--uts"], "uts"), (["--ipc"], "ipc"), (["--net"], "net"),
            (["--fork", "--pid"], "pid"), (["--user"], "user"), (["--cgroup"], "cgroup"), (["--time"], "time"),
        ]
        var cases = flags.map { CompatNamespaceCase(args: $0.0, link: $0.1, runner: .root) }
        // An unprivileged user needs its own user namespace for the others.
        cases += flags.map { CompatNamespaceCase(args: $0.1 == "user" ? $0.0 : ["-r"] + $0.0, link: $0.1, runner: .tester) }
        return cases
    }()
}

@Suite(.enabled(if: CompatRun.ready, CompatRun.skipReason))
struct CompatibilityTests {
    static func compare(_ c: CompatCase, as runner: Runner) {
        let ours = CompatRun.ours(c.args, as: runner, extraEnv: c.env)
        let oracle = CompatRun.oracle(c.args, as: runner, extraEnv: c.env)
        #expect(ours == oracle, "\(runner): unshare \(c.args)\n=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        // What ours must do on its own, so that two equal failures cannot pass.
        CompatSanity.check(ours, allowing: c.ending)
        #expect(ours.ending == c.ending, "\(ours)")
        if let stdout = c.stdout { #expect(ours.stdout == stdout) }
        if let stderr = c.stderr { #expect(ours.stderr == stderr) }
        if case .exit(let code) = c.ending, code != 0, c.stderr == nil {
            #expect(!ours.stderr.isEmpty)
        }
    }

    @Test("as root: ours and util-linux agree", arguments: CompatTable.root)
    func asRoot(_ c: CompatCase) {
        Self.compare(c, as: .root)
    }

    @Test("as unshare-tester: ours and util-linux agree", .enabled(if: Harness.testerReady, Harness.testerSkipReason),
          arguments: CompatTable.tester)
    func asTester(_ c: CompatCase) {
        Self.compare(c, as: .tester)
    }

    /// A persistent namespace: bound onto the file from outside when a mount
    /// namespace is new too (a helper), directly otherwise.
    @Test("persistent namespaces", arguments: [
        ["uts", "uts"], ["ipc", "ipc"], ["net", "net"], ["cgroup", "cgroup"], ["mount", "mnt"], ["time", "time", "--monotonic=7"],
        ["pid", "pid", "-f"], ["uts", "uts", "-m"], ["net", "net", "--mount-proc", "-f", "-p"], ["ipc", "ipc", "-m", "-f"],
    ] as [[String]])
    func persist(_ c: [String]) {
        let (ns, link, extra) = (c[0], c[1], Array(c.dropFirst(2)))
        let ours = CompatPersist.run(Harness.swiftUnshare, ns: ns, link: link, extra: extra)
        let oracle = CompatPersist.run(Harness.oracle, ns: ns, link: link, extra: extra)
        #expect(ours == oracle, "=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        CompatSanity.check(ours.outcome)
        // A shared / (systemd's default) refuses --mount=FILE for both; here it must work.
        if oracle.outcome.ending == .exit(0) {
            #expect(ours.outcome == Outcome(stdout: "", stderr: "", ending: .exit(0)), "\(ours)")
            #expect(ours.mounted && ours.newNamespace, "\(ours)")
            #expect(ours.entered ?? true, "\(ours)")
        }
    }

    /// --kill-child: when unshare dies, the child gets the signal (it writes
    /// a file from its trap); without it, the child lives on.
    @Test("--kill-child signals the child when unshare dies", arguments: [
        ["--kill-child=USR1"], ["--kill-child=usr1"], ["--kill-child=SIGUSR1"], ["-f"],
    ] as [[String]])
    func killChild(_ flags: [String]) throws {
        let expectSignal = flags != ["-f"]
        func attempt(_ binary: String) -> (Outcome, String?) {
            let file = CompatFixtures.workDir + "/kill-child-\(UInt32.random(in: 0...UInt32.max))"
            defer { unlink(file) }
            let script = "trap 'echo got-usr1 > \(file); exit 0' USR1; kill -KILL $PPID; sleep 0.3; echo lived-on > \(file)"
            let o = CompatRun.run(binary, flags + ["sh", "-c", script])
            var text: String?
            for _ in 0..<200 {   // up to 2 s for the orphan to write
                if let t = try? String(contentsOfFile: file, encoding: .utf8), t.hasSuffix("\n") {
                    text = t
                    break
                }
                usleep(10_000)
            }
            return (o, text)
        }
        let ours = attempt(Harness.swiftUnshare), oracle = attempt(Harness.oracle)
        #expect(ours.0 == Outcome(stdout: "", stderr: "", ending: .signal(SIGKILL)), "\(ours.0)")
        #expect(oracle.0 == ours.0)
        #expect(ours.1 == (expectSignal ? "got-usr1\n" : "lived-on\n"))
        #expect(oracle.1 == ours.1)
    }

    /// unshare's own stdout (--help) into a pipe nobody reads, SIGPIPE at its
    /// default: both die of it.
    @Test("--help into a closed pipe", arguments: [["--help"], ["-h"]] as [[String]])
    func helpIntoClosedPipe(_ args: [String]) {
        let ours = CompatStdout.run(Harness.swiftUnshare, args, stdout: .closedPipe)
        let oracle = CompatStdout.run(Harness.oracle, args, stdout: .closedPipe)
        #expect(ours == oracle, "=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        #expect(ours == Outcome(stdout: "", stderr: "", ending: .signal(SIGPIPE)))
    }

    /// close_stdout(): a write error names errno ("write error: No space left
    /// on device"), exit 1.
    @Test("--help to a full disk",
          arguments: [["--help"], ["-V"]] as [[String]])
    func helpToFullDisk(_ args: [String]) {
        let ours = CompatStdout.run(Harness.swiftUnshare, args, stdout: .full)
        let oracle = CompatStdout.run(Harness.oracle, args, stdout: .full)
        #expect(ours == oracle, "=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        #expect(ours == Outcome(stdout: "", stderr: "unshare: write error: No space left on device\n", ending: .exit(1)))
    }

    /// close_stdout() ignores EPIPE: with SIGPIPE ignored, --help into a
    /// closed pipe is silent and exits 0.
    @Test("--help into a closed pipe, SIGPIPE ignored",
          arguments: [["--help"], ["-V"]] as [[String]])
    func helpIntoClosedPipeIgnoringSIGPIPE(_ args: [String]) {
        let ours = CompatStdout.run(Harness.swiftUnshare, args, stdout: .closedPipeIgnoringSIGPIPE)
        let oracle = CompatStdout.run(Harness.oracle, args, stdout: .closedPipeIgnoringSIGPIPE)
        #expect(ours == oracle, "=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        #expect(ours == Outcome(stdout: "", stderr: "", ending: .exit(0)))
    }

    /// Bytes that are not UTF-8, in options and values: getopt and unshare
    /// print them back as they are.
    @Test("non-UTF-8 arguments", arguments: [
        [Array("-".utf8) + [0xff]],
        [Array("-r".utf8) + [0xfe, 0x41]],
        [Array("--".utf8) + [0xff, 0xfe]],
        [Array("--bogus=".utf8) + [0xc3, 0x28]],
        [Array("-S".utf8), [0xff]],
        [Array("--propagation".utf8), [0xe2, 0x82]],
        [Array("--kill-child=".utf8) + [0xff]],
        [Array("--setgroups=".utf8) + [0x80]],
        [[0xff, 0xfe]],
        [Array("--".utf8), [0x80]],
    ] as [[[UInt8]]])
    func nonUTF8(_ args: [[UInt8]]) {
        let ours = CompatRun.runBytes(Harness.swiftUnshare, args)
        let oracle = CompatRun.runBytes(Harness.oracle, args)
        #expect(ours == oracle, "\(args)\n=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        CompatSanity.check(ours)
        #expect(ours.ending == .exit(1) || ours.ending == .exit(127), "\(ours)")
        #expect(ours.stderr.hasPrefix("unshare: "), "\(ours)")
    }

    /// Ignored signals and the blocked mask pass through unshare to the
    /// program, with or without --fork; only SIGCHLD's disposition is reset.
    @Test("inherited signal dispositions and mask", arguments: [
        [], ["-f"], ["--kill-child"], ["-r", "-f"], ["-r"],
    ] as [[String]])
    func inheritedSignals(_ flags: [String]) {
        let args = flags + ["grep", "^Sig[BI]", "/proc/self/status"]
        let ignore = ["INT", "TERM", "HUP", "PIPE", "CHLD"], block = [SIGINT, SIGTERM, SIGUSR1, SIGCHLD]
        let ours = CompatRun.runWithSignals(Harness.swiftUnshare, args, ignore: ignore, block: block)
        let oracle = CompatRun.runWithSignals(Harness.oracle, args, ignore: ignore, block: block)
        #expect(ours == oracle, "\(args)\n=== ours:\n\(ours)\n=== util-linux:\n\(oracle)")
        CompatSanity.check(ours)
        #expect(ours.ending == .exit(0) && ours.stderr == "", "\(ours)")
        // Signals 1-31 only: the test process hands 32 and 33 (glibc's own, which
        // posix_spawn cannot reset) down ignored.
        func standard(_ field: String) -> UInt64? {
            let line = ours.stdout.split(separator: "\n").first { $0.hasPrefix(field + ":\t") }
            return line.flatMap { UInt64($0.dropFirst(field.count + 2), radix: 16) }.map { $0 & 0x7fff_ffff }
        }
        // Blocked: INT, USR1, TERM, CHLD. Ignored: HUP, INT, PIPE, TERM (CHLD back to default).
        #expect(standard("SigBlk") == 0x14202, "\(ours)")
        #expect(standard("SigIgn") == 0x5003, "\(ours)")
    }

    /// Namespace inode numbers differ from run to run (and a freed one is
    /// reused), so the check is: both print a link of the right kind that is
    /// not the one the test process (in the initial namespaces) has.
    @Test("every namespace flag gives a new namespace", arguments: CompatNamespaceCase.all)
    func namespaceFlag(_ c: CompatNamespaceCase) throws {
        if c.runner == .tester { try #require(Harness.testerReady, "\(Harness.testerSkipReason)") }
        var buffer = [CChar](repeating: 0, count: 256)
        let n = readlink("/proc/self/ns/\(c.link)", &buffer, buffer.count - 1)
        try #require(n > 0)
        let parent = String(cString: buffer) + "\n"
        let kind = c.link.hasPrefix("pid") ? "pid" : c.link.hasPrefix("time") ? "time" : c.link
        let args = c.args + ["readlink", "/proc/self/ns/\(c.link)"]
        for (who, outcome) in [("ours", CompatRun.ours(args, as: c.runner)), ("util-linux", CompatRun.oracle(args, as: c.runner))] {
            CompatSanity.check(outcome)
            #expect(outcome.ending == .exit(0), "\(who): \(outcome)")
            #expect(outcome.stderr == "", "\(who): \(outcome)")
            #expect(outcome.stdout.hasPrefix("\(kind):[") && outcome.stdout.hasSuffix("]\n"), "\(who): \(outcome)")
            #expect(outcome.stdout != parent, "\(who): still in the parent's namespace \(parent)")
        }
    }
}
