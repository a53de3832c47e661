// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Synchronization
import Testing

/// How a process ended.
enum Ending: Equatable, CustomStringConvertible {
    case exit(Int32)
    case signal(Int32)
    case timedOut

    var description: String {
        switch self {
        case .exit(let c): return "exit \(c)"
        case .signal(let s): return "signal \(s)"
        case .timedOut: return "timed out"
        }
    }
}

/// What a run printed and how it ended.
struct Outcome: Equatable, CustomStringConvertible {
    var stdout: String
    var stderr: String
    var ending: Ending

    var description: String { "\(ending)\n--- stdout:\n\(stdout)--- stderr:\n\(stderr)" }

    /// pids differ between runs: "/proc/1234/" reads "/proc/PID/".
    var normalized: Outcome {
        func norm(_ s: String) -> String {
            s.replacingOccurrences(of: #"/proc/[0-9]+/"#, with: "/proc/PID/", options: .regularExpression)
        }
        return Outcome(stdout: norm(stdout), stderr: norm(stderr), ending: ending)
    }
}

/// Who runs a command: root (the test process) or one of the accounts that
/// scripts/test-setup.sh creates.
enum Runner: String, CustomStringConvertible {
    case root
    case tester = "unshare-tester"
    case tester2 = "unshare-tester2"

    var description: String { rawValue }

    var passwd: (uid: UInt32, gid: UInt32, home: String)? {
        guard let p = getpwnam(rawValue) else { return nil }
        return (p.pointee.pw_uid, p.pointee.pw_gid, String(cString: p.pointee.pw_dir))
    }
}

enum Harness {
    static let isRoot = geteuid() == 0
    /// The repository root: the nearest folder above this file that holds Package.swift.
    static let repoRoot: String = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/", !FileManager.default.fileExists(atPath: dir.path + "/Package.swift") {
            dir = dir.deletingLastPathComponent()
        }
        return dir.path
    }()

    /// Tests that run as an unprivileged user need root (to switch to it), the
    /// accounts with their subordinate ranges, and newuidmap.
    static let testerProblem: String? = {
        if !isRoot { return "needs root, to run commands as unshare-tester" }
        if TestAccount.tester == nil || TestAccount.tester2 == nil {
            return "needs the accounts unshare-tester (one range in /etc/subuid and /etc/subgid) and unshare-tester2 "
                + "(two): run scripts/test-setup.sh as root"
        }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/newuidmap") {
            return "needs /usr/bin/newuidmap (Debian package uidmap): run scripts/test-setup.sh as root"
        }
        return nil
    }()
    static let testerReady = testerProblem == nil
    static let testerSkipReason = Comment(rawValue: testerProblem ?? "")
    static let oracle = "/usr/bin/unshare"
    static let oracleReady = FileManager.default.isExecutableFile(atPath: oracle)
    static let perl = "/usr/bin/perl"
    /// util-linux's unshare to compare with, and perl to start it as `unshare`.
    static let referenceReady = oracleReady && FileManager.default.isExecutableFile(atPath: perl)
    static let referenceSkipReason =
        "needs util-linux's unshare at /usr/bin/unshare (the reference) and /usr/bin/perl (which starts it as `unshare`)"

    /// The built binary: $SWIFT_UNSHARE_BIN, else beside the test bundle.
    static let builtBinary: String = {
        if let path = ProcessInfo.processInfo.environment["SWIFT_UNSHARE_BIN"] { return path }
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [bundleDir, bundleDir.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("swift-unshare").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return repoRoot + "/.build/debug/swift-unshare"
    }()

    /// A world-readable folder with the binary as `swift-unshare`, and links
    /// named `unshare` and `podman-unshare`, so every test user can run it and
    /// its messages can be compared with util-linux's under the same name.
    /// Removed when the test process exits.
    static let binDir: String = {
        Leftovers.removeStale()
        let dir = "/tmp/swift-unshare-tests-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        Leftovers.removeAtExit(dir)
        chmod(dir, 0o755)
        // Written through a close-on-exec descriptor (as writeExecutable does): a
        // process another test spawns meanwhile must not inherit it open for
        // writing, or exec of the copy fails with ETXTBSY.
        let binary = try! Data(contentsOf: URL(fileURLWithPath: builtBinary))
        writeExecutable(dir + "/swift-unshare", binary)
        symlink("swift-unshare", dir + "/unshare")
        symlink("swift-unshare", dir + "/podman-unshare")
        return dir
    }()

    static var ours: String { binDir + "/unshare" }
    static var swiftUnshare: String { binDir + "/swift-unshare" }

    /// A scratch folder every test user can write to, for fixtures that live
    /// as long as the test process: removed when it exits. A single test
    /// uses `withScratch`.
    static func scratch(_ name: String = "t") -> String {
        let dir = makeScratch(name)
        Leftovers.removeAtExit(dir)
        return dir
    }

    /// Runs `body` with a fresh scratch folder every test user can write to,
    /// and removes the folder, whatever it holds, when `body` returns.
    static func withScratch<R>(_ name: String, _ body: (String) throws -> R) rethrows -> R {
        let dir = makeScratch(name)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try body(dir)
    }

    private static func makeScratch(_ name: String) -> String {
        let dir = "/tmp/swift-unshare-scratch-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max))"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o1777)
        return dir
    }

    static func environment(for runner: Runner, extra: [String: String] = [:]) -> [String: String] {
        var env = ["PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "LC_ALL": "C"]
        if let p = runner.passwd {
            env["HOME"] = p.home
            env["USER"] = runner.rawValue
            env["LOGNAME"] = runner.rawValue
        }
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// Runs `argv` as `runner` with `env`, stdin from /dev/null, and collects its output.
    /// A run that takes longer than `timeout` seconds is killed (with its process group).
    static func run(
        _ argv: [String], as runner: Runner = .root, env: [String: String]? = nil,
        extraEnv: [String: String] = [:], cwd: String? = nil, timeout: Double = 30
    ) -> Outcome {
        runBytes(
            argv.map { Array($0.utf8) }, as: runner, env: env ?? environment(for: runner, extra: extraEnv),
            cwd: cwd, timeout: timeout)
    }

    /// The same with raw bytes, for arguments that are not UTF-8.
    static func runBytes(
        _ argv: [[UInt8]], as runner: Runner = .root, env: [String: String],
        cwd: String? = nil, timeout: Double = 30
    ) -> Outcome {
        runBytes(
            argv, as: runner,
            environment: env.sorted(by: { $0.key < $1.key }).map { Array("\($0.key)=\($0.value)".utf8) },
            cwd: cwd, timeout: timeout)
    }

    /// The same with the environment as raw `NAME=value` entries.
    static func runBytes(
        _ argv: [[UInt8]], as runner: Runner = .root, environment env: [[UInt8]],
        cwd: String? = nil, timeout: Double = 30
    ) -> Outcome {
        var full = argv
        if let cwd { full = ["env", "-C", cwd, "--"].map { Array($0.utf8) } + full }
        if runner != .root {
            full =
                ["setpriv", "--reuid=\(runner.rawValue)", "--regid=\(runner.rawValue)", "--init-groups", "--"]
                .map { Array($0.utf8) } + full
        }
        let outPath = "/tmp/swift-unshare-out-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let errPath = outPath + ".err"
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        // A spawn that fails is this run's outcome (exit 127, as a shell says),
        // not a crash of the test process, which would skip every cleanup.
        let pid: pid_t
        switch trySpawn(full, environment: env, stdout: outPath, stderr: errPath) {
        case .success(let p): pid = p
        case .failure(let e):
            return Outcome(
                stdout: "", stderr: "posix_spawnp \(String(decoding: full[0], as: UTF8.self)): \(e)\n",
                ending: .exit(127))
        }

        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        var ending: Ending = .timedOut
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                if status & 0x7f == 0 {
                    ending = .exit((status >> 8) & 0xff)
                } else {
                    ending = .signal(status & 0x7f)
                }
                break
            }
            if Date() > deadline {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            usleep(2000)
        }
        let out = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
        let err = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
        return Outcome(
            stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self),
            ending: ending)
    }

    /// Runs the same arguments through swift-unshare (named `unshare`) and util-linux.
    static func both(_ args: [String], as runner: Runner = .root, cwd: String? = nil) -> (
        ours: Outcome, oracle: Outcome
    ) {
        (run([ours] + args, as: runner, cwd: cwd).normalized, run([oracle] + args, as: runner, cwd: cwd).normalized)
    }
}

extension Harness {
    /// Writes an executable file so that no process spawned meanwhile by a
    /// parallel test holds it open for writing (which would make exec fail
    /// with ETXTBSY). Close-on-exec is not enough: a child between its fork
    /// and its exec still has the descriptor. So writing and `trySpawn` (whose
    /// posix_spawnp returns once the child has exec'd) exclude each other.
    static func writeExecutable(_ path: String, _ text: String) {
        writeExecutable(path, Data(text.utf8))
    }

    static let writingExecutable = Mutex(())

    static func writeExecutable(_ path: String, _ bytes: Data) {
        writingExecutable.withLock { _ in writeExecutableUnlocked(path, bytes) }
    }

    private static func writeExecutableUnlocked(_ path: String, _ bytes: Data) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        precondition(fd >= 0, "open \(path)")
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            precondition(n > 0 || (n < 0 && errno == EINTR), "write \(path)")
            if n > 0 { written += n }
        }
        close(fd)
        chmod(path, 0o755)
    }
}

extension Harness {
    /// Starts `argv` in the background with a clean signal state (empty mask,
    /// default dispositions), whatever the test runner's thread has, and returns its pid.
    static func spawn(_ argv: [String], env: [String: String] = environment(for: .root)) -> pid_t {
        launch(argv.map { Array($0.utf8) }, env: env, stdout: nil, stderr: nil, newProcessGroup: false)
    }

    /// posix_spawnp with stdin from /dev/null, stdout and stderr to the given
    /// files (nil: inherited), an empty signal mask and default dispositions.
    static func launch(
        _ argv: [[UInt8]], env: [String: String], stdout: String?, stderr: String?,
        newProcessGroup: Bool = true
    ) -> pid_t {
        switch trySpawn(argv, env: env, stdout: stdout, stderr: stderr, newProcessGroup: newProcessGroup) {
        case .success(let pid): return pid
        case .failure(let e): preconditionFailure("posix_spawnp \(String(decoding: argv[0], as: UTF8.self)): \(e)")
        }
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34 and later), which
    /// the Glibc module does not show to Swift.
    private static let addCloseFrom:
        (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? =
            dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
                unsafeBitCast(
                    $0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
            }

    /// `launch`, returning the failure instead of stopping the test process.
    static func trySpawn(
        _ argv: [[UInt8]], env: [String: String], stdout: String?, stderr: String?,
        newProcessGroup: Bool = true
    ) -> Result<pid_t, SpawnFailure> {
        trySpawn(
            argv, environment: env.sorted(by: { $0.key < $1.key }).map { Array("\($0.key)=\($0.value)".utf8) },
            stdout: stdout, stderr: stderr, newProcessGroup: newProcessGroup)
    }

    /// The same with the environment as raw `NAME=value` entries (values that are not UTF-8).
    static func trySpawn(
        _ argv: [[UInt8]], environment: [[UInt8]], stdout: String?, stderr: String?,
        newProcessGroup: Bool = true
    ) -> Result<pid_t, SpawnFailure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // never O_CREAT a device path: a missing /dev/null must not become a regular file
        func flags(_ path: String) -> Int32 { path.hasPrefix("/dev/") ? O_WRONLY : O_WRONLY | O_CREAT | O_TRUNC }
        if let stdout { posix_spawn_file_actions_addopen(&actions, 1, stdout, flags(stdout), 0o644) }
        if let stderr { posix_spawn_file_actions_addopen(&actions, 2, stderr, flags(stderr), 0o644) }
        // Only 0, 1 and 2: a descriptor a parallel test holds open without
        // close-on-exec (a pipe, a file being written) must not reach the child,
        // where it shows in /proc/self/fd or makes an exec fail with ETXTBSY.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newProcessGroup { flags |= POSIX_SPAWN_SETPGROUP }
        posix_spawnattr_setflags(&attr, Int16(flags))
        posix_spawnattr_setpgroup(&attr, 0)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attr, &all)
        /// NUL-terminated copies and a final NULL, for the C call.
        func cStrings(_ list: [[UInt8]]) -> [UnsafeMutablePointer<CChar>?] {
            list.map { bytes -> UnsafeMutablePointer<CChar>? in
                let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
                for (i, b) in bytes.enumerated() { p[i] = CChar(bitPattern: b) }
                p[bytes.count] = 0
                return p
            } + [nil]
        }
        let cArgs = cStrings(argv)
        let cEnv = cStrings(environment)
        defer {
            for arg in cArgs { arg?.deallocate() }
            for variable in cEnv { variable?.deallocate() }
        }
        var pid: pid_t = 0
        let rc = writingExecutable.withLock { _ in posix_spawnp(&pid, cArgs[0]!, &actions, &attr, cArgs, cEnv) }
        if rc != 0 { return .failure(SpawnFailure(code: rc)) }
        return .success(pid)
    }
}

/// posix_spawnp's error number, shown as strerror words.
struct SpawnFailure: Error, CustomStringConvertible {
    let code: Int32
    var description: String { String(cString: strerror(code)) }
}
