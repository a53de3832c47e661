// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// A scratch world of the tester's for one run of podman or of
/// podman-unshare: `home`, `cwd` (the working directory), `tmp` (TMPDIR),
/// `run` (a runtime directory of its own, mode 0700), `bin` (for fakes).
/// In environment values, "@" stands for the world's path.
final class PodmanWorld {
    let base: String

    init() {
        base = Harness.scratch("podman-world")
        let p = Runner.tester.passwd!
        for sub in ["home", "cwd", "tmp", "run", "bin"] {
            mkdir(base + "/" + sub, 0o755)
            chown(base + "/" + sub, p.uid, p.gid)
        }
        chmod(base, 0o755)
        chmod(base + "/run", 0o700)
    }

    func path(_ value: String) -> [UInt8] { Array(value.replacingOccurrences(of: "@", with: base).utf8) }

    /// The tester's plain environment with `env` over it (nil: unset); TMPDIR is the world's unless given.
    func environment(_ env: [String: [UInt8]?]) -> [[UInt8]] {
        var all: [String: [UInt8]?] = [
            "PATH": Array("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".utf8), "LANG": Array("C".utf8),
            "LC_ALL": Array("C".utf8), "USER": Array("unshare-tester".utf8), "LOGNAME": Array("unshare-tester".utf8),
            "TMPDIR": path("@/tmp"),
        ]
        for (k, v) in env { all[k] = v }
        let at = UInt8(ascii: "@")
        let expand = { (value: [UInt8]) in value.flatMap { $0 == at ? Array(self.base.utf8) : [$0] } }
        return all.sorted(by: { $0.key < $1.key }).compactMap { k, v in v.map { Array((k + "=").utf8) + expand($0) } }
    }

    /// Runs `argv` as the tester in `cwd` (as root when `asRoot`: the argv switches user itself).
    func run(_ argv: [String], env: [String: [UInt8]?], asRoot: Bool = false) -> Outcome {
        let r = Harness.runBytes(
            argv.map { Array($0.utf8) }, as: asRoot ? .root : .tester, environment: environment(env), cwd: base + "/cwd"
        )
        func norm(_ s: String) -> String { untimed(s).replacingOccurrences(of: base, with: "@") }
        return Outcome(stdout: norm(r.stdout), stderr: norm(r.stderr), ending: r.ending)
    }

    /// Every path under the world, relative to it (links not followed), with
    /// what names the world itself made alike: its own path (podman mirrors
    /// the runtime dir under rootless-netns) as "@", and the rootless netns's
    /// name, a hash of the static dir.
    func tree() -> Set<String> {
        var paths: Set<String> = []
        let e = FileManager.default.enumerator(atPath: base)
        while let p = e?.nextObject() as? String {
            paths.insert(
                p.replacingOccurrences(of: String(base.dropFirst()), with: "@")
                    .replacingOccurrences(
                        of: #"rootless-netns-[0-9a-f]{20}"#, with: "rootless-netns-HASH", options: .regularExpression))
        }
        return paths
    }

    /// The processes (not zombies) whose environment names this world: what a run left running.
    func processes() -> [(pid: Int32, name: String)] {
        let mark = Data(base.utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).compactMap { pid in
            guard pid != getpid(), let env = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                env.range(of: mark) != nil,
                let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)
            else { return nil }
            return (pid, comm.trimmingCharacters(in: .newlines))
        }.sorted { $0.pid < $1.pid }
    }

    /// Stops what was left running here, then removes the world.
    func finish() {
        for p in processes() {
            kill(p.pid, SIGKILL)
            while (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(p.pid)/ns/user")) != nil {
                usleep(1000)
            }
        }
        try? FileManager.default.removeItem(atPath: base)
    }
}

/// What one run left: its outcome, the world's paths and the names of the processes left running.
struct PodmanRunResult {
    var outcome: Outcome
    var tree: Set<String>
    var processes: [String]
}

/// podman and podman-unshare, each in a fresh world prepared by `setup`, with
/// the same environment and command; afterwards, ours must have left nothing
/// (no path, no process) that podman did not.
func podmanAndOurs(
    setup: (PodmanWorld) -> Void = { _ in }, env: [String: [UInt8]?], _ args: [String],
    launcher: [String] = [], asRoot: Bool = false,
    sourceLocation: SourceLocation = #_sourceLocation
) -> (podman: PodmanRunResult, ours: PodmanRunResult) {
    let results = [[PodmanOracle.path, "unshare"], [Harness.binDir + "/podman-unshare"]].map { tool in
        let world = PodmanWorld()
        defer { world.finish() }
        setup(world)
        let outcome = world.run(launcher + tool + args, env: env, asRoot: asRoot)
        // A pause process the tool started goes by the tool's name until it
        // has exec'd catatonit, which on a loaded machine can come after the
        // tool has ended (seen once, under a parallel build): look, with a
        // bound, until no process of the world has that name.
        let name = String(tool[0].split(separator: "/").last ?? "").prefix(15)
        let deadline = Date().addingTimeInterval(10)
        while world.processes().contains(where: { $0.name == name }) && Date() < deadline { usleep(1000) }
        return PodmanRunResult(outcome: outcome, tree: world.tree(), processes: world.processes().map(\.name).sorted())
    }
    let extraPaths = results[1].tree.subtracting(results[0].tree)
    #expect(
        extraPaths.isEmpty, "podman-unshare left paths podman did not: \(extraPaths.sorted())",
        sourceLocation: sourceLocation)
    var podmans = results[0].processes
    for name in results[1].processes {
        if let i = podmans.firstIndex(of: name) {
            podmans.remove(at: i)
        } else {
            Issue.record("podman-unshare left a process podman did not: \(name)", sourceLocation: sourceLocation)
        }
    }
    return (results[0], results[1])
}

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// The cases of docs/podman-unshare.md ("Where the contract is silent") and
/// the corrected contract, each against podman 4.3.1 as the tester: exit
/// status, stdout and the error lines (time stamps aside), then what was left.
@Suite(.serialized) struct PodmanDirectoryCaseTests {
    private var podmanUnshare: String { Harness.binDir + "/podman-unshare" }

    /// $TMPDIR/podman-run-<uid> made first by another user (root here),
    /// writable by all, with a pause.pid naming one of the tester's processes
    /// in another user namespace: podman refuses the directory ($HOME/rundir
    /// then, which is missing); so does podman-unshare, reading nothing there.
    @Test(.requiresPodman)
    func aRuntimeDirAnotherUserMadeIsRefused() throws {
        let uid = try #require(Runner.tester.passwd).uid
        let decoy = PodmanBackground(["/usr/bin/unshare", "-r", "--", "sleep", "1000"], as: .tester)
        defer {
            kill(decoy.pid, SIGKILL)
            _ = decoy.wait()
        }
        let r = podmanAndOurs(
            setup: { w in
                let dir = w.base + "/tmp/podman-run-\(uid)"
                try? FileManager.default.createDirectory(atPath: dir + "/libpod/tmp", withIntermediateDirectories: true)
                for d in [dir, dir + "/libpod", dir + "/libpod/tmp"] { chmod(d, 0o1777) }
                FileManager.default.createFile(
                    atPath: dir + "/libpod/tmp/pause.pid", contents: Data("\(decoy.pid)".utf8))
                chmod(dir + "/libpod/tmp/pause.pid", 0o666)
            }, env: ["HOME": bytes("@/home"), "XDG_RUNTIME_DIR": nil], ["id", "-u"])
        let expected = Outcome(
            stdout: "",
            stderr: #"time="T" level=error msg="mkdir @/home/rundir/libpod: no such file or directory""# + "\n",
            ending: .exit(1))
        #expect(r.podman.outcome == expected)
        #expect(r.ours.outcome == expected)
        #expect(r.ours.processes == [])
    }

    /// Once the database records a tmp dir, an XDG_RUNTIME_DIR that names
    /// nothing (missing, relative, bytes), an empty one or another directory
    /// of the caller's makes nothing under the working directory and starts
    /// no second pause process: every call joins the one it always uses.
    @Test(.requiresPodman)
    func anUnusableRuntimeDirJoinsThePauseProcessItAlwaysUses() throws {
        let world = PodmanWorld()
        defer { world.finish() }
        let first = world.run(
            [PodmanOracle.path, "unshare", "true"], env: ["HOME": bytes("@/home"), "XDG_RUNTIME_DIR": bytes("@/run")])
        #expect(first.ending == .exit(0), "\(first)")
        let pause = try #require(PodmanSandbox.pid(world.base + "/run/libpod/tmp/pause.pid"))
        let ns = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pause)/ns/user")
        mkdir(world.base + "/other", 0o700)
        chown(world.base + "/other", Runner.tester.passwd!.uid, Runner.tester.passwd!.gid)
        let values: [[UInt8]] = [
            bytes("rel_x"), bytes(world.base + "/nonexistent/run"), [0xff, 0x01], [], bytes(world.base + "/other"),
        ]
        for value in values {
            for tool in [[PodmanOracle.path, "unshare"], [podmanUnshare]] {
                let r = world.run(
                    tool + ["sh", "-c", "readlink /proc/self/ns/user; echo $CONTAINERS_RUNROOT"],
                    env: ["HOME": bytes("@/home"), "XDG_RUNTIME_DIR": value])
                #expect(r.stdout == ns + "\n@/run/containers\n", "\(tool[0]) with XDG_RUNTIME_DIR=\(value): \(r)")
                #expect(r.ending == .exit(0))
                #expect(world.processes().map(\.pid) == [pause], "\(tool[0]) with XDG_RUNTIME_DIR=\(value)")
                #expect((try? FileManager.default.contentsOfDirectory(atPath: world.base + "/cwd")) == [])
            }
        }
    }

    /// An existing relative XDG_RUNTIME_DIR: podman's validation error; podman
    /// makes `libpod` and `containers` in it first, podman-unshare nothing.
    @Test(.requiresPodman)
    func anExistingRelativeRuntimeDirIsPodmansError() throws {
        let p = try #require(Runner.tester.passwd)
        let r = podmanAndOurs(
            setup: { w in
                mkdir(w.base + "/cwd/rel", 0o700)
                chown(w.base + "/cwd/rel", p.uid, p.gid)
            }, env: ["HOME": bytes("@/home"), "XDG_RUNTIME_DIR": bytes("rel")], ["true"])
        let expected = Outcome(
            stdout: "",
            stderr:
                #"time="T" level=error msg="validating engine configs: temporary directory must be an absolute path - instead got \"rel/libpod/tmp\"""#
                + "\n", ending: .exit(1))
        #expect(r.podman.outcome == expected)
        #expect(r.ours.outcome == expected)
        #expect(r.podman.tree.contains("cwd/rel/libpod"))
        #expect(!r.ours.tree.contains(where: { $0.hasPrefix("cwd/rel/") }))
    }

    /// The first run (a fresh HOME and XDG_RUNTIME_DIR: no `alive` yet) with
    /// a failing newuidmap: podman's `Error:` line, exit status 125, and no
    /// pause process or pid file left.
    @Test(.requiresPodman)
    func theFirstRunReportsAHelperFailureAsPodmanDoes() {
        let r = podmanAndOurs(
            setup: { w in
                Harness.writeExecutable(
                    w.base + "/bin/newuidmap", "#!/bin/sh\necho 'newuidmap: fake failure' >&2\nexit 1\n")
            },
            env: ["HOME": bytes("@/home"), "XDG_RUNTIME_DIR": bytes("@/run"), "PATH": bytes("@/bin:/usr/bin:/bin")],
            ["true"])
        #expect(r.ours.outcome == r.podman.outcome)
        #expect(r.ours.outcome.ending == .exit(125))
        #expect(
            r.ours.outcome.stderr.hasSuffix(
                #"newuidmap: fake failure\n""# + "\n"
                    + #"Error: cannot set up namespace using "@/bin/newuidmap": should have setuid or have filecaps setuid: exit status 1"#
                    + "\n"), "\(r.ours.outcome)")
        #expect(r.ours.processes == [])
        #expect(!r.ours.tree.contains("run/libpod/tmp/pause.pid"))
    }

    /// A subordinate range newuidmap refuses (`<tester>:<start>:0`, in a
    /// private mount namespace's /etc/subuid, so nothing else sees it): podman
    /// passes it and fails as for any helper failure, on a later run (exit 1)
    /// and on the first (exit 125); so does podman-unshare.
    @Test(.requiresRoot, .requiresPodman, arguments: [false, true])
    func aRangeNewuidmapRefusesFailsAsPodmanFails(firstRun: Bool) throws {
        let p = try #require(Runner.tester.passwd)
        let t = try #require(TestAccount.tester)
        let text = try String(contentsOfFile: "/etc/subuid", encoding: .utf8)
        let refused =
            text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                let f = line.split(separator: ":", omittingEmptySubsequences: false)
                return f.count == 3 && (f[0] == "unshare-tester" || f[0] == "\(p.uid)")
                    ? "\(f[0]):\(f[1]):0" : String(line)
            }.joined(separator: "\n")
        let copy = Harness.scratch("podman-refused") + "/subuid"
        try refused.write(toFile: copy, atomically: false, encoding: .utf8)
        chmod(copy, 0o644)
        let env: [String: [UInt8]?] = ["HOME": bytes("@/home"), "XDG_RUNTIME_DIR": bytes("@/run")]
        let launcher = [
            "/usr/bin/unshare", "--mount", "/bin/sh", "-c",
            "mount --bind \(copy) /etc/subuid && exec setpriv --reuid=\(p.uid) --regid=\(p.gid) --init-groups -- \"$@\"",
            "sh",
        ]
        let r = podmanAndOurs(
            setup: { w in
                guard !firstRun else { return }
                // A first run with the real ranges leaves podman's alive file; its pause process is stopped.
                _ = w.run([PodmanOracle.path, "unshare", "true"], env: env)
                if let pid = PodmanSandbox.pid(w.base + "/run/libpod/tmp/pause.pid") {
                    kill(pid, SIGKILL)
                    while (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/user")) != nil {
                        usleep(1000)
                    }
                }
            }, env: env, ["true"], launcher: launcher, asRoot: true)
        #expect(r.ours.outcome == r.podman.outcome)
        let running =
            #"level=error msg="running `/usr/bin/newuidmap PID 0 \#(p.uid) 1 1 \#(t.subuid.start) 0`: newuidmap: uid range [1-1) -> [\#(t.subuid.start)-\#(t.subuid.start)) not allowed\n""#
        #expect(r.ours.outcome.stderr.contains(running), "\(r.ours.outcome)")
        if firstRun {
            #expect(r.ours.outcome.ending == .exit(125))
            #expect(
                r.ours.outcome.stderr.hasSuffix(
                    #"Error: cannot set up namespace using "/usr/bin/newuidmap": exit status 1"# + "\n"))
        } else {
            #expect(r.ours.outcome.ending == .exit(1))
            #expect(
                r.ours.outcome.stderr.hasSuffix(
                    #"cannot set up namespace using \"/usr/bin/newuidmap\": exit status 1""# + "\n"))
        }
        #expect(r.ours.processes == [])
    }

    /// A home the caller cannot read: podman's stat(2) words for storage.conf.
    @Test(.requiresPodman)
    func anUnreadableHomeIsPodmansStatError() {
        let r = podmanAndOurs(env: ["HOME": bytes("/root"), "XDG_RUNTIME_DIR": bytes("@/run")], ["true"])
        let expected = Outcome(
            stdout: "",
            stderr: #"time="T" level=error msg="stat /root/.config/containers/storage.conf: permission denied""# + "\n",
            ending: .exit(1))
        #expect(r.podman.outcome == expected)
        #expect(r.ours.outcome == expected)
    }

    /// Inherited blocked signals: the command keeps those podman does not handle itself.
    @Test(
        .requiresPodman, .requiresProgram(Harness.perl, package: "perl-base"),
        arguments: ["10, 15", "grep { $_ != 9 && $_ != 19 && $_ != 32 && $_ != 33 } 1..64"])
    func theCommandKeepsTheSignalsPodmanLeavesBlocked(signals: String) {
        let launcher = [
            Harness.perl, "-MPOSIX", "-e", "sigprocmask(SIG_BLOCK, POSIX::SigSet->new(\(signals))) or die; exec @ARGV",
        ]
        let r = podmanAndOurs(
            env: ["HOME": bytes("@/home"), "XDG_RUNTIME_DIR": bytes("@/run")], ["grep", "SigBlk", "/proc/self/status"],
            launcher: launcher)
        #expect(r.ours.outcome.stdout == r.podman.outcome.stdout)
        #expect(r.ours.outcome.ending == .exit(0))
        #expect(
            r.ours.outcome.stdout
                == (signals == "10, 15" ? "SigBlk:\t0000000000000200\n" : "SigBlk:\tfffffffc3bba3a00\n"))
    }
}
