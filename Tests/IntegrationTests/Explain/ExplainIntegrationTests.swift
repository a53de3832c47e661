// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// --explain for real: the output pinned for each way of writing the maps and
/// for podman mode, and proof that nothing is made and nothing runs.
@Suite struct ExplainIntegrationTests {
    /// A map line as the kernel prints it, without its newline (for the
    /// tester's looked-up ids and ranges inside a multi-line expectation).
    static func row(_ inner: UInt32, _ outer: UInt32, _ count: UInt32) -> String {
        String(MapText.line(inner, outer, count).dropLast())
    }

    /// The pid the helpers would act on differs per run: "newuidmap 1234" reads "newuidmap PID".
    static func normalized(_ o: Outcome) -> Outcome {
        var out = o.normalized
        out.stdout = out.stdout.replacingOccurrences(
            of: #"(newuidmap|newgidmap) [0-9]+ "#, with: "$1 PID ",
            options: .regularExpression)
        return out
    }

    static func explain(_ args: [String], as runner: Runner = .root) -> Outcome {
        normalized(Harness.run([Harness.ours, "--explain"] + args, as: runner))
    }

    @Test(.requiresRoot)
    func noMapsAtAll() {
        #expect(
            Self.explain(["-U", "-u", "true"])
                == Outcome(
                    stdout: """
                        namespaces: uts user
                        uid_map: empty (every id shows as the overflow id, 65534)
                        gid_map: empty (every id shows as the overflow id, 65534)
                        maps: none written
                        setgroups: allow (left as the kernel starts it)
                        steps:
                          unshare uts user
                          execute true (searched on PATH)

                        """, stderr: "", ending: .exit(0)))
    }

    @Test(.requiresRoot)
    func selfWritten() {
        #expect(
            Self.explain(["-r", "--mount-proc", "--clear-env", "sh", "-c", "touch /tmp/F"])
                == Outcome(
                    stdout: """
                        namespaces: mount user
                        uid_map:
                                 0          0          1
                        gid_map:
                                 0          0          1
                        maps: self-written: after unshare this process writes /proc/self/uid_map and gid_map
                        setgroups: deny
                        steps:
                          unshare mount user
                          write "0 0 1" to /proc/self/uid_map
                          write "deny" to /proc/self/setgroups
                          write "0 0 1" to /proc/self/gid_map
                          make / and everything under it private (mount propagation)
                          mount proc on /proc (nosuid, noexec, nodev)
                          clear the environment
                          execute sh -c 'touch /tmp/F' (searched on PATH)

                        """, stderr: "", ending: .exit(0)))
    }

    @Test(.requiresRoot)
    func parentWritten() throws {
        // A target of this test's own, absent before: --explain must not make it.
        let target = Harness.scratch("explain") + "/persist"
        try #require(!FileManager.default.fileExists(atPath: target))
        let r = Self.explain([
            "--map-users=0:100000:10", "--map-groups=0:100000:10", "-f", "--mount=\(target)",
            "--keep-caps", "-S", "0", "-G", "0", "--root=/", "--wd=/tmp", "true",
        ])
        #expect(
            r
                == Outcome(
                    stdout: """
                        namespaces: mount user
                        uid_map:
                                 0     100000         10
                        gid_map:
                                 0     100000         10
                        maps: parent-written: a helper forked before unshare writes /proc/PID/uid_map and gid_map once the namespace exists
                        setgroups: allow (left as the kernel starts it)
                        persist: mount namespace (/proc/PID/ns/mnt) bound onto \(target)
                        steps:
                          fork the bind helper (it stays outside, to bind the namespace files)
                          fork the map helper (it stays outside, to write the maps)
                          unshare mount user
                          release the map helper: it writes /proc/PID/uid_map and gid_map, and this process waits for it
                          fork: the parent waits for the child and ends as it ends; first the bind helper, released, binds the namespace files onto their targets; the child goes on
                          make / and everything under it private (mount propagation)
                          chroot /
                          chdir /tmp
                          drop supplementary groups, setgid(0)
                          setuid(0)
                          raise the permitted capabilities into the ambient set (--keep-caps)
                          execute true (searched on PATH)

                        """, stderr: "", ending: .exit(0)))
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test(.requiresTester)
    func newuidmapAndNewgidmap() throws {
        let p = try #require(Runner.tester.passwd)
        let t = try #require(TestAccount.tester)
        let r = Self.explain(
            [
                "--map-auto", "-r", "-fp", "--mount-proc", "--kill-child=TERM", "--forward-signals",
                "--whitelist-env=PATH,HOME", "-T", "--monotonic=5", "id",
            ], as: .tester)
        #expect(
            r
                == Outcome(
                    stdout: """
                        namespaces: mount pid user time
                        uid_map:
                        \(Self.row(0, p.uid, 1))
                        \(Self.row(1, t.subuid.start, t.subuid.count))
                        gid_map:
                        \(Self.row(0, p.gid, 1))
                        \(Self.row(1, t.subgid.start, t.subgid.count))
                        maps: newuidmap and newgidmap, each in a child forked before unshare, run once the namespace exists:
                          newuidmap PID 0 \(p.uid) 1 1 \(t.subuid.start) \(t.subuid.count)
                          newgidmap PID 0 \(p.gid) 1 1 \(t.subgid.start) \(t.subgid.count)
                        setgroups: allow (left as the kernel starts it)
                        steps:
                          fork the children for newuidmap and newgidmap (they stay outside, held until the namespace exists)
                          unshare mount pid user time
                          release them: they execute newuidmap and newgidmap at once, and this process waits for both
                          write "1 5 0" to /proc/self/timens_offsets (monotonic clock)
                          fork: the parent waits for the child and ends as it ends; the child gets signal 15 when the parent dies; SIGINT and SIGTERM are forwarded to the child; the child goes on
                          make / and everything under it private (mount propagation)
                          mount proc on /proc (nosuid, noexec, nodev)
                          clear the environment, keeping HOME, PATH
                          execute id (searched on PATH)

                        """, stderr: "", ending: .exit(0)))
    }

    @Test(.requiresTester)
    func podmanMode() throws {
        let p = try #require(Runner.tester.passwd)
        let t = try #require(TestAccount.tester)
        let box = PodmanSandbox()
        defer { box.finish() }
        let r = box.run([Harness.binDir + "/podman-unshare", "--explain", "id", "-u"])
        let run = box.base + "/run"
        let graph = box.base + "/data/containers/storage"
        #expect(
            r
                == Outcome(
                    stdout: """
                        directories: runtime \(run), tmp dir \(run)/libpod/tmp, static dir \(graph)/libpod
                          made when missing: \(run)/libpod (01700), \(graph)/libpod (0700)
                        namespaces: join the user and mount namespaces of podman's pause process (pid in \(run)/libpod/tmp/pause.pid)
                          when it is not running: spawn the pause process (catatonit -P) in new ones, with the maps below, and join it
                        uid_map:
                        \(Self.row(0, p.uid, 1))
                        \(Self.row(1, t.subuid.start, t.subuid.count))
                        gid_map:
                        \(Self.row(0, p.gid, 1))
                        \(Self.row(1, t.subgid.start, t.subgid.count))
                        maps: newuidmap and newgidmap, run for the new pause process (PID) while it waits:
                          newuidmap PID 0 \(p.uid) 1 1 \(t.subuid.start) \(t.subuid.count)
                          newgidmap PID 0 \(p.gid) 1 1 \(t.subgid.start) \(t.subgid.count)
                          (if either fails: podman's first-run error (no alive file yet), exit status 125; no fallback while ranges are configured)
                        setgroups: allow (left as the kernel starts it)
                        environment:
                          _CONTAINERS_USERNS_CONFIGURED=done
                          _CONTAINERS_ROOTLESS_UID=\(p.uid)
                          _CONTAINERS_ROOTLESS_GID=\(p.gid)
                          CONTAINERS_GRAPHROOT=\(graph)
                          CONTAINERS_RUNROOT=\(run)/containers
                        program: id -u (searched on PATH)

                        """, stderr: "", ending: .exit(0)))
        // Nothing was made.
        #expect((try? FileManager.default.contentsOfDirectory(atPath: run)) == [])
        #expect((try? FileManager.default.contentsOfDirectory(atPath: box.base + "/data")) == [])
    }

    @Test(.requiresRoot)
    func anInvalidPlanGivesUtilLinuxsMessageAndStatus() {
        #expect(
            Self.explain(["--map-group=0", "--setgroups=allow", "true"])
                == Outcome(
                    stdout: "",
                    stderr: "unshare: options --setgroups=allow and --map-group are mutually exclusive\n",
                    ending: .exit(1)))
        #expect(
            Self.explain(["--propagation=x"])
                == Outcome(
                    stdout: "",
                    stderr: "unshare: unsupported propagation mode: x\n", ending: .exit(1)))
    }

    @Test(.requiresTester)
    func predictedHintsGoToStderrWithoutATerminal() throws {
        let p = try #require(Runner.tester.passwd)
        let r = Self.explain(["-pr", "--kill-child", "9"], as: .tester)
        #expect(r.ending == .exit(0))
        #expect(
            r.stdout == """
                namespaces: pid user
                uid_map:
                \(Self.row(0, p.uid, 1))
                gid_map:
                \(Self.row(0, p.gid, 1))
                maps: self-written: after unshare this process writes /proc/self/uid_map and gid_map
                setgroups: deny
                steps:
                  unshare pid user
                  fork: the parent waits for the child and ends as it ends; the child gets signal 9 when the parent dies; the child goes on
                  write "0 \(p.uid) 1" to /proc/self/uid_map
                  write "deny" to /proc/self/setgroups
                  write "0 \(p.gid) 1" to /proc/self/gid_map
                  execute 9 (searched on PATH)

                """, "\(r)")
        #expect(
            r.stderr
                == "unshare: hint: --kill-child takes a value only as --kill-child=9: '9' was taken for the program\n")
        let m = Self.explain(["-m", "-p", "true"], as: .tester)
        #expect(
            m.stderr == """
                unshare: hint: only root may unshare a mount namespace: as a user add -r (--map-root-user) to make it inside a new user namespace
                unshare: hint: -p without -f: the program stays outside the new pid namespace and its first child becomes pid 1 there; once that child exits no process can be made in it (fork: Cannot allocate memory): add -f

                """, "\(m)")
    }

    /// Under strace: the one execve of the binary itself, and no fork, clone,
    /// unshare, setns or mount; the file the program would create is not there.
    @Test(
        .requiresTester, .requiresProgram("/usr/bin/strace", package: "strace"),
        arguments: [["--map-auto", "-r", "-fp", "--mount-proc"], ["-r", "--mount=/tmp/explain-persist"]])
    func nothingIsMadeAndNothingRuns(_ options: [String]) throws {
        let dir = Harness.scratch("explain")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/created"
        let trace = dir + "/trace"
        let asRoot = ["-r", "--mount=/tmp/explain-persist"]
        for (runner, podman) in [(Runner.tester, false), (.tester, true), (.root, false)] {
            let argv =
                podman
                ? [Harness.binDir + "/podman-unshare", "--explain", "touch", file]
                : [Harness.ours, "--explain"] + (runner == .root ? asRoot : options) + ["touch", file]
            let r = Harness.run(
                [
                    "strace", "-f", "-qq", "-o", trace, "-e",
                    "trace=process,unshare,setns,mount,umount2,pivot_root,chroot",
                ] + argv, as: runner)
            #expect(r.ending == .exit(0), "\(r)")
            let calls = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
                .map { line in String(line.drop(while: { $0 != " " }).drop(while: { $0 == " " })) }  // the pid dropped
            #expect(calls.count == 2, "\(calls)")
            #expect(calls.first?.hasPrefix("execve(\"\(argv[0])\"") == true, "\(calls)")
            #expect(calls.last?.hasPrefix("exit_group(0)") == true, "\(calls)")
            #expect(!FileManager.default.fileExists(atPath: file))
            #expect(!FileManager.default.fileExists(atPath: "/tmp/explain-persist"))
        }
    }
}
