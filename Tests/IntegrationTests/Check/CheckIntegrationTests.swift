// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// --check for real (docs/check.md, the man page's CHECK), as root and as an
/// unprivileged user, for each outcome: everything works, a map helper
/// without privilege, no subordinate ids, user.max_user_namespaces at 0, a
/// refused --mount-proc, persistent targets; and the report of --check alone.
/// Each check's text is compared with the command's own run, its JSON decoded
/// and compared member by member, and around every check the processes it
/// could leave (found by a mark in their environment), the mounts and the
/// files are compared before and after.
@Suite(.requiresTester, .requiresProgram("/usr/bin/script", package: "bsdutils"))
struct CheckIntegrationTests {
    /// Who runs a check: root, unshare-tester, or nobody (no subordinate ids).
    enum Who: String, CustomStringConvertible, CaseIterable {
        case root
        case tester = "unshare-tester"
        case nobody

        var description: String { rawValue }

        /// The words that switch to this user (setpriv), none for root.
        var prefix: [String] {
            switch self {
            case .root: return []
            case .tester: return ["setpriv", "--reuid=unshare-tester", "--regid=unshare-tester", "--init-groups", "--"]
            case .nobody: return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
            }
        }

        var passwd: (name: String, uid: UInt32, gid: UInt32)? {
            guard let p = getpwnam(rawValue) else { return nil }
            return (rawValue, p.pointee.pw_uid, p.pointee.pw_gid)
        }
    }

    static let program = Harness.swiftUnshare
    static let hint = "swift-unshare: hint: "
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    // MARK: What a check could leave behind

    /// The processes that carry `mark` in their environment (every process a
    /// run starts inherits it), the mounts on or under `places` or on a
    /// temporary file of a check, and every file under `places` and /tmp's
    /// temporary folders of a check.
    struct Traces: Equatable, CustomStringConvertible {
        var processes: [String]
        var mounts: [String]
        var files: [String]

        var description: String {
            "processes: \(processes)\nmounts: \(mounts)\nfiles: \(files)"
        }
    }

    static func traces(_ mark: String, _ places: [String]) -> Traces {
        let fm = FileManager.default
        var processes: [String] = []
        for name in (try? fm.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(name) != nil {
            guard let environ = fm.contents(atPath: "/proc/\(name)/environ"),
                environ.range(of: Data(mark.utf8) + [0]) != nil
            else { continue }
            let comm = (try? String(contentsOfFile: "/proc/\(name)/comm", encoding: .utf8)) ?? "?\n"
            processes.append("\(name) \(comm.dropLast())")
        }
        let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        let mounts = mountinfo.split(separator: "\n").map(String.init).filter { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return false }
            let point = String(fields[4])
            return point.hasPrefix("/tmp/swift-unshare-check-") || places.contains { point.hasPrefix($0) }
        }
        var files: [String] = []
        let checkFolders = ((try? fm.contentsOfDirectory(atPath: "/tmp")) ?? [])
            .filter { $0.hasPrefix("swift-unshare-check-") }.map { "/tmp/" + $0 }
        for place in places + checkFolders {
            var st = stat()
            if lstat(place, &st) == 0 { files.append("\(place) \(st.st_ino) \(st.st_mode) \(st.st_size)") }
            for entry in (fm.enumerator(atPath: place)?.allObjects as? [String] ?? []).sorted() {
                let path = place + "/" + entry
                guard lstat(path, &st) == 0 else { continue }
                files.append("\(path) \(st.st_ino) \(st.st_mode) \(st.st_size)")
            }
        }
        return Traces(processes: processes, mounts: mounts, files: files.sorted())
    }

    /// The guard can fail: it sees a process that carries the mark, a file
    /// and a mount under a watched place.
    @Test(.requiresRoot)
    func theTracesSeeWhatIsLeft() throws {
        try Harness.withScratch("check-traces") { dir in
            let value = "\(UInt64.random(in: 1...UInt64.max))"
            let mark = "SWIFT_UNSHARE_CHECK_MARK=\(value)"
            let before = Self.traces(mark, [dir])
            var env = Harness.environment(for: .root)
            env["SWIFT_UNSHARE_CHECK_MARK"] = value
            let pid = Harness.spawn(["sleep", "60"], env: env)
            defer {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }
            // posix_spawn returns once the child's exec has begun, a moment before
            // /proc shows the new program's environment: look until it does.
            var seen = Self.traces(mark, [dir]).processes
            let deadline = Date().addingTimeInterval(10)
            while seen != ["\(pid) sleep"] && Date() < deadline {
                usleep(1000)
                seen = Self.traces(mark, [dir]).processes
            }
            #expect(seen == ["\(pid) sleep"])
            #expect(Self.traces(mark + "0", [dir]).processes.isEmpty)  // the whole value, not a prefix
            #expect(FileManager.default.createFile(atPath: dir + "/left", contents: nil))
            try FileManager.default.createDirectory(atPath: dir + "/on", withIntermediateDirectories: false)
            #expect(Harness.run(["mount", "-t", "tmpfs", "none", dir + "/on"]).ending == .exit(0))
            defer { umount2(dir + "/on", Int32(MNT_DETACH)) }
            let after = Self.traces(mark, [dir])
            #expect(after.files.count == before.files.count + 2, "\(after)")
            #expect(after.mounts.count == before.mounts.count + 1 && after.mounts.last?.contains(dir + "/on") == true)
        }
    }

    // MARK: Running a check

    /// Runs `words` (after the program) as `who`, its stdout and stderr
    /// apart, or together on a pseudo-terminal (script(1)) with `terminal`;
    /// TMPDIR is `tmpdir`, else a fresh folder of its own. Whatever it leaves (processes,
    /// mounts, files under TMPDIR and `places`) is a failure of the test.
    static func run(
        _ words: [String], as who: Who, path: String = defaultPath, terminal: Bool = false,
        places: [String] = [], program: String = program, tmpdir: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Outcome {
        Harness.withScratch("check-tmp") { fresh in
            let tmp = tmpdir ?? fresh
            let mark = "SWIFT_UNSHARE_CHECK_MARK=\(UInt64.random(in: 1...UInt64.max))"
            let home = who == .root ? "/root" : String(cString: getpwnam(who.rawValue).pointee.pw_dir)
            let env = [
                "PATH": path, "LANG": "C", "LC_ALL": "C", "HOME": home, "USER": who.rawValue,
                "LOGNAME": who.rawValue, "TMPDIR": tmp,
            ]
            let argv = ["env", mark] + who.prefix + [program] + words
            let watched = [tmp] + places
            let before = traces(mark, watched)
            let outcome: Outcome
            if terminal {
                let line = argv.map(HintIntegrationTests.quoted).joined(separator: " ")
                let r = Harness.run(["script", "-q", "-e", "-c", line, "/dev/null"], env: env)
                outcome = Outcome(
                    stdout: r.stdout.replacingOccurrences(of: "\r\n", with: "\n"), stderr: r.stderr, ending: r.ending)
            } else {
                outcome = Harness.run(argv, env: env)
            }
            let after = traces(mark, watched)
            #expect(after == before, "\(words) left something behind", sourceLocation: sourceLocation)
            #expect(after.processes.isEmpty, "\(after.processes)", sourceLocation: sourceLocation)
            return outcome
        }
    }

    /// The command itself (no --check), as `who`: what the check must agree with.
    static func command(_ words: [String], as who: Who, path: String = defaultPath) -> Outcome {
        Harness.run(["env", "PATH=\(path)"] + who.prefix + [program] + words)
    }

    /// The steps --explain lists for `words`: the texts the JSON's steps carry.
    static func explainedSteps(_ words: [String], as who: Who, path: String = defaultPath) -> [String] {
        let r = Harness.run(["env", "PATH=\(path)"] + who.prefix + [program, "--explain"] + words)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        guard let start = lines.firstIndex(of: "steps:") else { return [] }
        return lines[(start + 1)...].map { String($0.dropFirst(2)) }
    }

    // MARK: The JSON, decoded

    struct CommandJSON: Decodable, Equatable {
        var schema: String
        var version: Int
        var mode: String
        var stage: String
        var arguments: [String]
        var ok: Bool
        var exitStatus: Int
        var strategy: String?
        var namespaces: [String]
        var steps: [StepJSON]
        var failure: FailureJSON?
        var persist: [PersistJSON]
        var output: String
    }

    struct StepJSON: Decodable, Equatable {
        var step: String
        var text: String
        var status: String
        var message: String?
        var exitStatus: Int?
    }

    struct FailureJSON: Decodable, Equatable {
        var step: Int?
        var message: String?
        var exitStatus: Int
        var hint: HintJSON?
    }

    struct HintJSON: Decodable, Equatable {
        var cause: String
        var reason: String
        var fix: String
        var text: String
    }

    struct PersistJSON: Decodable, Equatable {
        var namespace: String
        var target: String
        var triedOnTemporaryFile: Bool
    }

    struct ReportJSON: Decodable, Equatable {
        var schema: String
        var version: Int
        var mode: String
        var user: UserJSON
        var ok: Bool
        var capabilities: [CapabilityJSON]
    }

    struct UserJSON: Decodable, Equatable {
        var name: String?
        var uid: Int
        var gid: Int
    }

    struct CapabilityJSON: Decodable, Equatable {
        var name: String
        var status: String
        var detail: String?
        var reason: String?
        var fix: String?
        var hint: String?
    }

    static let commandMembers = [
        "schema", "version", "mode", "stage", "arguments", "ok", "exit_status", "strategy", "namespaces", "steps",
        "failure", "persist", "output",
    ]
    static let stepMembers = ["step", "text", "status", "message", "exit_status"]

    /// The one line of JSON decoded; every documented member present (a null
    /// one too), and no other.
    static func decode<T: Decodable>(
        _ type: T.Type, _ outcome: Outcome, members: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> T {
        #expect(outcome.stderr == "", sourceLocation: sourceLocation)
        #expect(outcome.stdout.hasSuffix("}\n") && outcome.stdout.filter { $0 == "\n" }.count == 1)
        let data = Data(outcome.stdout.utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == Set(members), "\(object.keys.sorted())", sourceLocation: sourceLocation)
        if let steps = object["steps"] as? [[String: Any]] {
            for step in steps {
                #expect(Set(step.keys) == Set(stepMembers), "\(step)", sourceLocation: sourceLocation)
            }
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: data)
    }

    /// "/proc/1234/" reads "/proc/PID/" (the trial's pid differs from run to run).
    static func withoutPIDs(_ text: String) -> String {
        text.replacing(/\/proc\/[0-9]+\//, with: "/proc/PID/")
    }

    /// The object of a command's check, its steps' texts and messages without pids.
    static func command(json outcome: Outcome, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> CommandJSON
    {
        var json = try decode(CommandJSON.self, outcome, members: commandMembers, sourceLocation: sourceLocation)
        for i in json.steps.indices {
            json.steps[i].text = withoutPIDs(json.steps[i].text)
            json.steps[i].message = json.steps[i].message.map(withoutPIDs)
        }
        if let message = json.failure?.message { json.failure?.message = withoutPIDs(message) }
        return json
    }

    /// The steps of `words` as --explain words them, each with a status: ok
    /// up to `failed`, then that step's failure, then not reached.
    static func steps(
        _ words: [String], kinds: [String], as who: Who, path: String = defaultPath,
        failed: (index: Int, message: String?, status: Int)? = nil
    ) -> [StepJSON] {
        let texts = explainedSteps(words, as: who, path: path).map(withoutPIDs)
        #expect(texts.count == kinds.count, "\(texts)")
        return zip(kinds, texts).enumerated().map { i, pair in
            guard let failed, i >= failed.index else {
                return StepJSON(step: pair.0, text: pair.1, status: "ok", message: nil, exitStatus: nil)
            }
            if i == failed.index {
                return StepJSON(
                    step: pair.0, text: pair.1, status: "failed", message: failed.message, exitStatus: failed.status)
            }
            return StepJSON(step: pair.0, text: pair.1, status: "not-reached", message: nil, exitStatus: nil)
        }
    }

    // MARK: Everything works

    @Test(arguments: [Who.root, .tester])
    func everythingWorks(_ who: Who) throws {
        let words =
            who == .root
            ? ["-m", "-u", "-i", "-n", "-p", "-f", "--mount-proc", "true"]
            : ["-r", "--map-auto", "-m", "-u", "-i", "-n", "-p", "-f", "--mount-proc", "true"]
        #expect(Self.command(words, as: who) == Outcome(stdout: "", stderr: "", ending: .exit(0)))
        #expect(Self.run(["--check"] + words, as: who) == Outcome(stdout: "", stderr: "", ending: .exit(0)))
        #expect(
            Self.run(["--check"] + words, as: who, terminal: true) == Outcome(stdout: "", stderr: "", ending: .exit(0)))
        let json = try Self.command(json: Self.run(["--check=json"] + words, as: who))
        let kinds =
            who == .root
            ? ["unshare", "fork", "propagation", "mount-proc", "exec"]
            : ["start-map-helper", "unshare", "release-map-helper", "fork", "propagation", "mount-proc", "exec"]
        #expect(
            json
                == CommandJSON(
                    schema: "swift-unshare-check", version: 1, mode: "command", stage: "execute",
                    arguments: ["--check=json"] + words, ok: true, exitStatus: 0,
                    strategy: who == .root ? "none" : "newuidmap",
                    namespaces: ["mount", "uts", "ipc", "net", "pid"] + (who == .root ? [] : ["user"]),
                    steps: Self.steps(words, kinds: kinds, as: who), failure: nil, persist: [], output: ""))
    }

    // MARK: A map helper without privilege first on PATH

    @Test(arguments: [Who.root, .tester])
    func aMapHelperWithoutPrivilege(_ who: Who) throws {
        let tester = try #require(TestAccount.tester)
        try Harness.withScratch("check-helpers") { dir in
            for tool in ["newuidmap", "newgidmap"] {
                try FileManager.default.copyItem(atPath: "/usr/bin/" + tool, toPath: "\(dir)/\(tool)")
                chmod("\(dir)/\(tool)", 0o755)  // neither setuid nor file capabilities
            }
            let path = dir + ":" + Self.defaultPath
            if who == .root {
                // Root writes its maps itself: the helpers are not used, and the check agrees.
                let s = tester.subuid.start
                let words = ["--map-users=0:\(s):10", "--map-groups=0:\(tester.subgid.start):10", "true"]
                #expect(Self.command(words, as: who, path: path) == Outcome(stdout: "", stderr: "", ending: .exit(0)))
                #expect(
                    Self.run(["--check"] + words, as: who, path: path)
                        == Outcome(stdout: "", stderr: "", ending: .exit(0)))
                let json = try Self.command(json: Self.run(["--check=json"] + words, as: who, path: path))
                #expect(
                    json
                        == CommandJSON(
                            schema: "swift-unshare-check", version: 1, mode: "command", stage: "execute",
                            arguments: ["--check=json"] + words, ok: true, exitStatus: 0, strategy: "parent-written",
                            namespaces: ["user"],
                            steps: Self.steps(
                                words, kinds: ["start-map-helper", "unshare", "release-map-helper", "exec"], as: who,
                                path: path),
                            failure: nil, persist: [], output: ""))
                return
            }
            let words = ["--map-auto", "true"]
            let said = "newuidmap: write to uid_map failed: Operation not permitted\n"
            let real = Self.command(words, as: who, path: path)
            #expect(real == Outcome(stdout: "", stderr: said, ending: .exit(1)))
            #expect(Self.run(["--check"] + words, as: who, path: path) == real)
            let reason =
                "\(dir)/newuidmap is neither setuid root nor given file capabilities, so it cannot write the map"
            let fix =
                "chmod u+s \(dir)/newuidmap (or setcap cap_setuid+ep \(dir)/newuidmap), as the package uidmap installs it"
            #expect(
                Self.run(["--check"] + words, as: who, path: path, terminal: true)
                    == Outcome(stdout: said + Self.hint + reason + ": " + fix + "\n", stderr: "", ending: .exit(1)))
            let json = try Self.command(json: Self.run(["--check=json"] + words, as: who, path: path))
            #expect(
                json
                    == CommandJSON(
                        schema: "swift-unshare-check", version: 1, mode: "command", stage: "execute",
                        arguments: ["--check=json"] + words, ok: false, exitStatus: 1, strategy: "newuidmap",
                        namespaces: ["user"],
                        steps: Self.steps(
                            words, kinds: ["start-map-helper", "unshare", "release-map-helper", "exec"], as: who,
                            path: path, failed: (2, nil, 1)),
                        failure: FailureJSON(
                            step: 2, message: nil, exitStatus: 1,
                            hint: HintJSON(
                                cause: "mapHelperUnprivileged", reason: reason, fix: fix, text: reason + ": " + fix)),
                        persist: [], output: said))
        }
    }

    // MARK: No line in /etc/subuid

    @Test(.requiresUser("nobody"), arguments: [Who.root, .nobody])
    func noSubordinateIDs(_ who: Who) throws {
        let uids = try #require(FreeBlock.first(in: "/etc/subuid", prefix: "SUB_UID"))
        let gids = try #require(FreeBlock.first(in: "/etc/subgid", prefix: "SUB_GID"))
        let words = ["--map-auto", "true"]
        let message = "no line matching user \"\(who)\" in /etc/subuid"
        let real = Self.command(words, as: who)
        #expect(real == Outcome(stdout: "", stderr: "swift-unshare: \(message)\n", ending: .exit(1)))
        #expect(Self.run(["--check"] + words, as: who) == real)
        let reason = "/etc/subuid and /etc/subgid give \(who) no subordinate ids"
        let usermod =
            "usermod --add-subuids \(uids.lowerBound)-\(uids.upperBound) --add-subgids \(gids.lowerBound)-\(gids.upperBound) \(who)"
        let fix = who == .root ? "add them (\(usermod))" : "ask root to add them (\(usermod))"
        #expect(
            Self.run(["--check"] + words, as: who, terminal: true)
                == Outcome(
                    stdout: "swift-unshare: \(message)\n" + Self.hint + reason + ": " + fix + "\n", stderr: "",
                    ending: .exit(1)))
        // --map-auto reads the files while the options are read: refused before any step.
        let json = try Self.command(json: Self.run(["--check=json"] + words, as: who))
        #expect(
            json
                == CommandJSON(
                    schema: "swift-unshare-check", version: 1, mode: "command", stage: "parse",
                    arguments: ["--check=json"] + words, ok: false, exitStatus: 1, strategy: nil, namespaces: [],
                    steps: [],
                    failure: FailureJSON(
                        step: nil, message: message, exitStatus: 1,
                        hint: HintJSON(cause: "noSubordinateIDs", reason: reason, fix: fix, text: reason + ": " + fix)
                    ),
                    persist: [], output: ""))
    }

    // MARK: user.max_user_namespaces reached

    /// The limit is per user namespace: set to 0 inside one this test makes
    /// (with -r), nothing outside it changes; the check runs in there.
    static func insideZeroLimit(_ words: [String]) -> [String] {
        let inner = ([program] + words).map(HintIntegrationTests.quoted).joined(separator: " ")
        return ["-r", "sh", "-c", "echo 0 > /proc/sys/user/max_user_namespaces && exec \(inner)"]
    }

    @Test(arguments: [Who.root, .tester])
    func maxUserNamespacesIsZero(_ who: Who) throws {
        let words = ["-U", "true"]
        let message = "unshare failed: No space left on device"
        let real = Self.command(Self.insideZeroLimit(words), as: who)
        #expect(real == Outcome(stdout: "", stderr: "swift-unshare: \(message)\n", ending: .exit(1)))
        #expect(Self.run(Self.insideZeroLimit(["--check"] + words), as: who) == real)
        let reason = "user.max_user_namespaces is 0, so no user namespace can be made"
        let fix = "raise it (sysctl -w user.max_user_namespaces=15000)"
        #expect(
            Self.run(Self.insideZeroLimit(["--check"] + words), as: who, terminal: true)
                == Outcome(
                    stdout: "swift-unshare: \(message)\n" + Self.hint + reason + ": " + fix + "\n", stderr: "",
                    ending: .exit(1)))
        let json = try Self.command(json: Self.run(Self.insideZeroLimit(["--check=json"] + words), as: who))
        #expect(
            json
                == CommandJSON(
                    schema: "swift-unshare-check", version: 1, mode: "command", stage: "execute",
                    arguments: ["--check=json"] + words, ok: false, exitStatus: 1, strategy: "none",
                    namespaces: ["user"],
                    steps: [
                        StepJSON(
                            step: "unshare", text: "unshare user", status: "failed", message: message, exitStatus: 1),
                        StepJSON(
                            step: "exec", text: "execute true (searched on PATH)", status: "not-reached", message: nil,
                            exitStatus: nil),
                    ],
                    failure: FailureJSON(
                        step: 0, message: message, exitStatus: 1,
                        hint: HintJSON(
                            cause: "maxUserNamespacesZero", reason: reason, fix: fix, text: reason + ": " + fix)
                    ),
                    persist: [], output: ""))
        // The report in there: every line that needs a new user namespace says why not.
        let report = Self.run(Self.insideZeroLimit(["--check"]), as: who)
        #expect(report.ending == .exit(0) && report.stderr == "", "\(report)")
        let lines = Set(report.stdout.split(separator: "\n").map(String.init))
        for name in [
            "user-namespace", "mount-namespace", "single-map", "setgroups", "time-offsets", "max-user-namespaces",
            "nesting-depth", "userns-capabilities",
        ] {
            #expect(lines.contains("\(name): no: \(reason); \(fix)"), "\(name): \(report)")
        }
    }

    // MARK: A refused --mount-proc

    /// Without a pid namespace of its own, the new user namespace may not
    /// mount proc: root's check fails as a user's does.
    @Test(arguments: [Who.root, .tester])
    func aRefusedMountProc(_ who: Who) throws {
        let words = ["-r", "--mount-proc", "true"]
        let message = "mount /proc failed: Operation not permitted"
        let real = Self.command(words, as: who)
        #expect(real == Outcome(stdout: "", stderr: "swift-unshare: \(message)\n", ending: .exit(1)))
        #expect(Self.run(["--check"] + words, as: who) == real)
        let reason =
            "proc cannot be mounted on /proc for the pid namespace this process is in: only its owner may, and that is not the new user namespace"
        let fix = "add -p -f (--pid --fork) so that proc shows a new pid namespace the new user namespace owns"
        #expect(
            Self.run(["--check"] + words, as: who, terminal: true)
                == Outcome(
                    stdout: "swift-unshare: \(message)\n" + Self.hint + reason + ": " + fix + "\n", stderr: "",
                    ending: .exit(1)))
        let json = try Self.command(json: Self.run(["--check=json"] + words, as: who))
        let kinds = [
            "unshare", "write-uid-map", "write-setgroups", "write-gid-map", "propagation", "mount-proc", "exec",
        ]
        #expect(
            json
                == CommandJSON(
                    schema: "swift-unshare-check", version: 1, mode: "command", stage: "execute",
                    arguments: ["--check=json"] + words, ok: false, exitStatus: 1, strategy: "self-written",
                    namespaces: ["mount", "user"],
                    steps: Self.steps(words, kinds: kinds, as: who, failed: (5, message, 1)),
                    failure: FailureJSON(
                        step: 5, message: message, exitStatus: 1,
                        hint: HintJSON(
                            cause: "procNeedsPidNamespace", reason: reason, fix: fix, text: reason + ": " + fix)
                    ),
                    persist: [], output: ""))
    }

    // MARK: Persistent namespaces

    /// A target that is there is tried on a temporary file and left as it
    /// was (not a mount point afterwards); one that is not there fails as the
    /// command fails, and is not made.
    @Test(arguments: [Who.root, .tester])
    func persistentTargetsAreNotKept(_ who: Who) throws {
        try Harness.withScratch("check-persist") { dir in
            let option = who == .root ? "--uts" : "--user"
            let namespace = who == .root ? "uts" : "user"
            let prefix = who == .root ? [] : ["-r"]
            let target = dir + "/ns"
            #expect(FileManager.default.createFile(atPath: target, contents: nil))
            chmod(target, 0o666)
            let words = prefix + ["\(option)=\(target)", "true"]
            // A user may not bind onto a file outside (util-linux fails there too): the check agrees.
            var works = Outcome(stdout: "", stderr: "", ending: .exit(0))
            if who != .root {
                works = Self.command(words, as: who).normalized
                #expect(
                    works
                        == Outcome(
                            stdout: "",
                            stderr:
                                "swift-unshare: mount /proc/PID/ns/\(namespace) on \(target) failed: Operation not permitted\n",
                            ending: .exit(1)))
            }
            #expect(Self.run(["--check"] + words, as: who, places: [dir]).normalized == works)
            let json = try Self.command(json: Self.run(["--check=json"] + words, as: who, places: [dir]))
            #expect(json.ok == (who == .root) && json.exitStatus == (who == .root ? 0 : 1), "\(json)")
            #expect(json.persist == [PersistJSON(namespace: namespace, target: target, triedOnTemporaryFile: true)])
            if who == .root {
                #expect(json.failure == nil && json.steps.allSatisfy { $0.status == "ok" }, "\(json)")
            } else {
                let message = works.stderr.dropFirst("swift-unshare: ".count).dropLast()
                #expect(json.failure?.message == String(message), "\(json)")
            }

            try FileManager.default.removeItem(atPath: target)
            let real = Self.command(words, as: who).normalized
            #expect(
                real.stderr.hasPrefix("swift-unshare: mount /proc/PID/ns/\(namespace) on \(target) failed: ")
                    && real.ending == .exit(1), "\(real)")
            #expect(Self.run(["--check"] + words, as: who, places: [dir]).normalized == real)
            let absent = try Self.command(json: Self.run(["--check=json"] + words, as: who, places: [dir]))
            #expect(
                absent.persist == [PersistJSON(namespace: namespace, target: target, triedOnTemporaryFile: false)])
            #expect(absent.failure?.exitStatus == 1 && absent.exitStatus == 1, "\(absent)")
            #expect(!FileManager.default.fileExists(atPath: target))
        }
    }

    // MARK: The report of --check alone

    static let reportNames = [
        "user-namespace", "mount-namespace", "uts-namespace", "ipc-namespace", "net-namespace", "pid-namespace",
        "cgroup-namespace", "time-namespace", "single-map", "setgroups", "newuidmap", "newgidmap", "subordinate-ids",
        "map-auto", "mount-proc", "binfmt-misc", "time-offsets", "max-user-namespaces", "nesting-depth",
        "unprivileged-userns-clone", "apparmor-userns-restriction", "userns-capabilities", "podman-mode",
    ]

    @Test(arguments: [Who.root, .tester])
    func theReport(_ who: Who) throws {
        let me = try #require(who.passwd)
        // One TMPDIR for the text and the JSON: podman mode's runtime folder is under it.
        let tmp = Harness.scratch("check-report")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let r = Self.run(["--check"], as: who, tmpdir: tmp)
        #expect(r.ending == .exit(0) && r.stderr == "", "\(r)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let names = lines.map { String($0.prefix { $0 != ":" }) }
        #expect(Array(names.prefix(Self.reportNames.count)) == Self.reportNames, "\(r)")
        #expect(names.dropFirst(Self.reportNames.count).allSatisfy { $0.hasPrefix("podman-") }, "\(r)")
        for line in lines {
            let rest = line.drop { $0 != ":" }
            #expect(rest.hasPrefix(": ok") || rest.hasPrefix(": no: ") || rest.hasPrefix(": absent"), "\(line)")
        }
        var expected =
            Self.reportNames.prefix(8).map { "\($0): ok" } + [
                "single-map: ok (uid 0 \(me.uid) 1, gid 0 \(me.gid) 1, written by the process itself)",
                "setgroups: ok (deny)", "mount-proc: ok (with -f -p)", "time-offsets: ok (monotonic and boottime)",
                "userns-capabilities: ok",
            ]
        if who == .tester {
            let tester = try #require(TestAccount.tester)
            expected += [
                "subordinate-ids: ok (/etc/subuid \(tester.subuid), /etc/subgid \(tester.subgid); newuidmap and newgidmap accept them)",
                "map-auto: ok",
            ]
        } else {
            expected.append("subordinate-ids: absent (root maps any ids without them)")
        }
        for line in expected { #expect(lines.contains(line), "\(line)\n\(r)") }
        let limit = try String(contentsOfFile: "/proc/sys/user/max_user_namespaces", encoding: .utf8).dropLast()
        #expect(lines.contains("max-user-namespaces: ok (\(limit))"), "\(r)")

        // The same lines as JSON, member by member.
        let json = try Self.decode(
            ReportJSON.self, Self.run(["--check=json"], as: who, tmpdir: tmp),
            members: ["schema", "version", "mode", "user", "ok", "capabilities"])
        #expect(json.schema == "swift-unshare-check" && json.version == 1 && json.mode == "report")
        #expect(json.user == UserJSON(name: me.name, uid: Int(me.uid), gid: Int(me.gid)))
        #expect(json.capabilities.map(\.name) == names)
        #expect(json.ok == !lines.contains { $0.contains(": no: ") })
        for (line, c) in zip(lines, json.capabilities) {
            var text = "\(c.name): \(c.status)"
            if c.status == "no" {
                text += ": " + (c.reason ?? "")
                if let fix = c.fix, !fix.isEmpty { text += "; " + fix }
            } else if let detail = c.detail {
                text += " (\(detail))"
            }
            // A pid (the pause process's, the nesting count) may change between the runs.
            if !["podman-pause", "podman-maps", "nesting-depth"].contains(c.name) {
                #expect(text == line, "\(c)")
            }
        }
    }

    /// podman mode's part, as the rootless user: only podman's lines, and
    /// nothing left (with no pause process running, podman's maps are tried
    /// on one that is killed at once).
    @Test
    func podmanModesReport() throws {
        let r = Self.run(["--check"], as: .tester, program: Harness.binDir + "/podman-unshare")
        #expect(r.ending == .exit(0) && r.stderr == "", "\(r)")
        let names = r.stdout.split(separator: "\n").map { String($0.prefix { $0 != ":" }) }
        #expect(names.first == "podman-mode" && names.allSatisfy { $0.hasPrefix("podman-") }, "\(r)")
        #expect(r.stdout.hasPrefix("podman-mode: ok (runtime "), "\(r)")
    }
}
