// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// A fake whose stat(2) of every path under `under` fails with `errno`.
struct Failing: PodmanSystemContext, ForwardingContext {
    var base: PodmanFakeSystem
    var under: ByteString
    var errno: Int32
    func fileFacts(_ path: ByteString, followLinks: Bool) -> Result<FileFacts, Errno> {
        path.hasPrefix(under) ? .failure(Errno(errno)) : base.fileFacts(path, followLinks: followLinks)
    }
    func readLink(_ path: ByteString) -> Result<ByteString, Errno> { base.readLink(path) }
    func mayCreateIn(_ directory: ByteString) -> Bool { base.mayCreateIn(directory) }
    func openDatabase(_ path: ByteString) -> Result<DatabaseFile, Errno> { base.openDatabase(path) }
}

/// Steps 1 to 8 of docs/podman-unshare.md ("Where the contract is silent"), on plain values.
@Suite struct PodmanDirectoriesTests {
    func decide(_ s: PodmanFakeSystem, nested: Bool = false) -> Result<PodmanDirectories, Failure> {
        PodmanDirectories.decide(context: s, rootlessUID: s.euid, nested: nested)
    }

    func logged(_ text: ByteString) -> Result<PodmanDirectories, Failure> {
        .failure(.podmanLogged([PodmanLogLine(.error, text)]))
    }

    /// A tester whose sandbox runtime dir exists.
    func sandbox() -> PodmanFakeSystem {
        var s = PodmanFakeSystem()
        s.env["XDG_RUNTIME_DIR"] = "/sb/run"
        s.nodes["/sb/run"] = FileFacts(uid: 1001, mode: 0o40700)
        return s
    }

    @Test func anExistingRuntimeDirOfTheCallersIsUsedResolved() throws {
        var s = sandbox()
        s.links["/sb/link"] = "run"
        s.env["XDG_RUNTIME_DIR"] = "/sb/link"
        let d = try decide(s).get()
        #expect(d.runtimeDir == "/sb/run")
        #expect(d.tmpDir == "/sb/run/libpod/tmp")
        #expect(d.runroot == "/sb/run/containers")
        #expect(!d.makeRuntimeDir)
        #expect(d.firstRun)
        // Its mode is not looked at (podman takes a 0777 one of the caller's).
        s.nodes["/sb/run"] = FileFacts(uid: 1001, mode: 0o40777)
        #expect(try decide(s).get().runtimeDir == "/sb/run")
    }

    @Test func aValueThatNamesNothingIsIgnored() throws {
        for value in ["rel_x", "/nonexistent/run", "\u{1}\u{7f}"] {
            var s = PodmanFakeSystem()
            s.env["XDG_RUNTIME_DIR"] = ByteString(value)
            let d = try decide(s).get()
            #expect(d.runtimeDir == "/tmp/podman-run-1001")
            #expect(d.makeRuntimeDir)
            #expect(d.tmpDir == "/tmp/podman-run-1001/libpod/tmp")
            #expect(d.runroot == "/tmp/containers-user-1001/containers")  // containers/storage's own fallback
        }
    }

    @Test func anotherUsersRuntimeDirIsRefused() {
        var s = sandbox()
        s.nodes["/sb/run"] = FileFacts(uid: 0, mode: 0o41777)
        #expect(decide(s) == logged(#"XDG_RUNTIME_DIR directory "/sb/run" is not owned by the current user"#))
    }

    @Test func runUserAndTmpAreTakenOnlyWhenWritableByTheOwnerAlone() throws {
        var s = PodmanFakeSystem()
        s.nodes["/run/user/1001"] = FileFacts(uid: 1001, mode: 0o40700)
        #expect(try decide(s).get().runtimeDir == "/run/user/1001")
        s.nodes["/run/user/1001"] = FileFacts(uid: 1001, mode: 0o40770)
        #expect(try decide(s).get().runtimeDir == "/tmp/podman-run-1001")
        // $TMPDIR/podman-run-U made first by another user, or writable by others: $HOME/rundir.
        for facts in [FileFacts(uid: 0, mode: 0o41777), FileFacts(uid: 1001, mode: 0o40777)] {
            s.nodes["/tmp/podman-run-1001"] = facts
            #expect(decide(s) == logged("mkdir /home/tester/rundir/libpod: no such file or directory"))
            s.env["TMPDIR"] = "/var/tmp"
            s.nodes["/var/tmp"] = FileFacts(uid: 0, mode: 0o41777)
            s.writable.insert("/var/tmp")
            #expect(try decide(s).get().runtimeDir == "/var/tmp/podman-run-1001")
            s.env["TMPDIR"] = nil
        }
        s.nodes["/home/tester/rundir"] = FileFacts(uid: 1001, mode: 0o40700)
        #expect(try decide(s).get().runtimeDir == "/home/tester/rundir")
    }

    @Test func homeFailuresAreCommonsWords() {
        var s = PodmanFakeSystem()
        s.nodes["/tmp/podman-run-1001"] = FileFacts(uid: 0, mode: 0o41777)
        s.env["HOME"] = ""
        #expect(decide(s) == logged("neither XDG_RUNTIME_DIR nor HOME was set non-empty"))
        s.env["HOME"] = "/nonexistent-x"
        #expect(decide(s) == logged("cannot resolve home: lstat /nonexistent-x: no such file or directory"))
    }

    @Test func libpodIsMadeOrItsModeChanged() {
        var s = sandbox()
        s.nodes["/sb/run"] = FileFacts(uid: 1001, mode: 0o40500)
        #expect(decide(s) == logged("mkdir /sb/run/libpod: permission denied"))
        s.nodes["/sb/run"] = FileFacts(uid: 1001, mode: 0o100600)
        #expect(decide(s) == logged("mkdir /sb/run/libpod: not a directory"))
        s.nodes["/sb/run"] = FileFacts(uid: 1001, mode: 0o40700)
        s.nodes["/sb/run/libpod"] = FileFacts(uid: 0, mode: 0o40755)
        #expect(decide(s) == logged("set sticky bit on: chmod /sb/run/libpod: operation not permitted"))
    }

    @Test func storageConfIsLookedAtWithStatFirst() {
        var s = sandbox()
        s.env["HOME"] = "/root"
        s.nodes["/root"] = FileFacts(uid: 0, mode: 0o40700)
        s.files["/root/.config/containers/storage.conf"] = []
        #expect(
            PodmanDirectories.decide(
                context: Failing(base: s, under: "/root/", errno: EACCES), rootlessUID: 1001, nested: false)
                == logged("stat /root/.config/containers/storage.conf: permission denied"))
        var file = sandbox()
        file.env["XDG_CONFIG_HOME"] = "/etc/passwd"
        file.files["/etc/passwd"] = []
        #expect(
            PodmanDirectories.decide(
                context: Failing(base: file, under: "/etc/passwd/", errno: ENOTDIR), rootlessUID: 1001, nested: false)
                == logged("stat /etc/passwd/containers/storage.conf: not a directory"))
    }

    @Test func relativeStaticOrTmpDirsAreRefused() {
        var s = sandbox()
        s.env["XDG_DATA_HOME"] = "reldata"
        #expect(
            decide(s)
                == logged(
                    #"validating engine configs: static directory must be an absolute path - instead got "reldata/containers/storage/libpod""#
                ))
        s = sandbox()
        s.env["XDG_RUNTIME_DIR"] = "rel"
        s.nodes["rel"] = FileFacts(uid: 1001, mode: 0o40700)
        #expect(
            decide(s)
                == logged(
                    #"validating engine configs: temporary directory must be an absolute path - instead got "rel/libpod/tmp""#
                ))
    }

    @Test func theDatabaseRecordsTheDirectoriesOfItsFirstRun() throws {
        var s = sandbox()
        s.env["XDG_RUNTIME_DIR"] = "rel_x"  // ignored: /tmp/podman-run-1001 would be taken
        s.nodes["/home/tester/.local/share/containers/storage/libpod"] = FileFacts(uid: 1001, mode: 0o40700)
        s.nodes["/first/run"] = FileFacts(uid: 1001, mode: 0o40700)
        s.databases["/home/tester/.local/share/containers/storage/libpod/bolt_state.db"] = BoltWriter.libpod(
            tmpDir: "/first/run/libpod/tmp", runRoot: "/first/run/containers",
            staticDir: "/home/tester/.local/share/containers/storage/libpod",
            graphRoot: "/home/tester/.local/share/containers/storage")
        s.files["/first/run/libpod/tmp/alive"] = []
        let d = try decide(s).get()
        #expect(d.runtimeDir == "/tmp/podman-run-1001")
        #expect(d.tmpDir == "/first/run/libpod/tmp")
        #expect(d.pidFile == "/first/run/libpod/tmp/pause.pid")
        #expect(d.runroot == "/first/run/containers")
        #expect(d.database == "/home/tester/.local/share/containers/storage/libpod/bolt_state.db")
        #expect(!d.firstRun)
    }

    @Test func aRecordedTmpDirInAnotherUsersDirectoryIsNotTrusted() {
        var s = sandbox()
        s.nodes["/home/tester/.local/share/containers/storage/libpod"] = FileFacts(uid: 1001, mode: 0o40700)
        let db: ByteString = "/home/tester/.local/share/containers/storage/libpod/bolt_state.db"
        s.databases[db] = BoltWriter.libpod(
            tmpDir: "/tmp/podman-run-1001/libpod/tmp", runRoot: "/r", staticDir: "/s", graphRoot: "/g")
        s.nodes["/tmp/podman-run-1001"] = FileFacts(uid: 1002, mode: 0o41777)
        #expect(
            decide(s)
                == logged(
                    #"tmp dir "/tmp/podman-run-1001/libpod/tmp" recorded in \#(db) is not safe to use: "/tmp/podman-run-1001" is owned by uid 1002"#
                ))
        s.nodes["/tmp/podman-run-1001"] = FileFacts(uid: 1001, mode: 0o40777)
        #expect(
            decide(s)
                == logged(
                    #"tmp dir "/tmp/podman-run-1001/libpod/tmp" recorded in \#(db) is not safe to use: "/tmp/podman-run-1001" is writable by other users"#
                ))
        s.nodes["/tmp/podman-run-1001"] = FileFacts(uid: 1001, mode: 0o40700)
        #expect((try? decide(s).get().tmpDir) == "/tmp/podman-run-1001/libpod/tmp")
        // Not looked at when nested (no pause process is read there).
        s.nodes["/tmp/podman-run-1001"] = FileFacts(uid: 1002, mode: 0o41777)
        #expect((try? decide(s, nested: true).get().tmpDir) == "/tmp/podman-run-1001/libpod/tmp")
    }

    @Test func anUnreadableDatabaseIsPodmansError() {
        var s = sandbox()
        s.nodes["/home/tester/.local/share/containers/storage/libpod"] = FileFacts(uid: 1001, mode: 0o40700)
        let db: ByteString = "/home/tester/.local/share/containers/storage/libpod/bolt_state.db"
        s.databases[db] = Array("garbage".utf8)
        #expect(decide(s) == .failure(Failure.podman("opening database \(db): invalid database")))
        s.databases[db] = []  // bbolt starts an empty file afresh
        #expect((try? decide(s).get().database) == nil)
    }

    @Test func podmansOwnEnvironment() throws {
        var s = PodmanFakeSystem()
        s.nodes["/home/tester/.config"] = FileFacts(uid: 1001, mode: 0o40700)
        s.files["/tmp/podman-run-1001/bus"] = []
        s.nodes["/tmp/podman-run-1001"] = FileFacts(uid: 1001, mode: 0o40700)
        #expect(
            try decide(s).get().exports == [
                PodmanEnvVar("XDG_RUNTIME_DIR", "/tmp/podman-run-1001"),
                PodmanEnvVar("DBUS_SESSION_BUS_ADDRESS", "unix:path=/tmp/podman-run-1001/bus"),
                PodmanEnvVar("XDG_CONFIG_HOME", "/home/tester/.config"),
            ])
        s.env["XDG_RUNTIME_DIR"] = "/tmp/podman-run-1001"
        s.env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/else"
        s.env["XDG_CONFIG_HOME"] = "/cfg"
        #expect(try decide(s).get().exports == [])
        // $HOME that does not resolve: podman's plain line when XDG_CONFIG_HOME is unset, its Error: when empty.
        s.env["HOME"] = "/nonexistent-x"
        s.env["XDG_CONFIG_HOME"] = nil
        let text: ByteString = "cannot resolve /nonexistent-x: lstat /nonexistent-x: no such file or directory"
        #expect(decide(s) == .failure(Failure.podman(nil, exitCode: 1, stderr: text + "\n")))
        s.env["XDG_CONFIG_HOME"] = ""
        #expect(decide(s) == .failure(Failure.podman(text)))
    }

    @Test func theFirstRunIsTheMissingAliveFile() throws {
        var s = sandbox()
        s.nodes["/sb/run/libpod"] = FileFacts(uid: 1001, mode: 0o41700)
        #expect(try decide(s).get().firstRun)
        s.files["/sb/run/libpod/tmp/alive"] = []
        #expect(try !decide(s).get().firstRun)
    }
}
