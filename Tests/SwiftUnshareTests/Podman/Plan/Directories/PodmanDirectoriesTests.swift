// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// bbolt's file format, written as bbolt lays it out, for the reader's tests.
enum BoltWriter {
    static let pageSize = 4096

    static func le(_ v: UInt64, _ n: Int) -> [UInt8] {
        (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
    }

    /// A page header and leaf elements (flags, key, value), keys and values after the elements.
    static func leaf(_ items: [(UInt32, [UInt8], [UInt8])], id: UInt64 = 0) -> [UInt8] {
        var head = le(id, 8) + le(0x02, 2) + le(UInt64(items.count), 2) + le(0, 4)
        var data: [UInt8] = []
        for (i, item) in items.enumerated() {
            let pos = (items.count - i) * 16 + data.count
            head +=
                le(UInt64(item.0), 4) + le(UInt64(pos), 4) + le(UInt64(item.1.count), 4) + le(UInt64(item.2.count), 4)
            data += item.1 + item.2
        }
        return head + data
    }

    /// A branch page over (first key, child page) pairs.
    static func branch(_ items: [([UInt8], UInt64)], id: UInt64) -> [UInt8] {
        var head = le(id, 8) + le(0x01, 2) + le(UInt64(items.count), 2) + le(0, 4)
        var data: [UInt8] = []
        for (i, item) in items.enumerated() {
            let pos = (items.count - i) * 16 + data.count
            head += le(UInt64(pos), 4) + le(UInt64(item.0.count), 4) + le(item.1, 8)
            data += item.0
        }
        return head + data
    }

    /// An inline bucket's value: the bucket header (root 0) and its leaf page.
    static func inlineBucket(_ items: [(String, String)]) -> [UInt8] {
        le(0, 16) + leaf(items.map { (0, Array($0.0.utf8), Array($0.1.utf8)) })
    }

    static func meta(id: UInt64, root: UInt64, txid: UInt64, magic: UInt32 = 0xED0C_DAED) -> [UInt8] {
        var m = le(UInt64(magic), 4) + le(2, 4) + le(UInt64(pageSize), 4) + le(0, 4)
        m += le(root, 8) + le(0, 8) + le(2, 8) + le(8, 8) + le(txid, 8)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in m { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        return le(id, 8) + le(0x04, 2) + le(0, 2) + le(0, 4) + m + le(hash, 8)
    }

    /// Pages in order, each padded to the page size.
    static func file(_ pages: [[UInt8]]) -> [UInt8] {
        pages.flatMap { $0 + [UInt8](repeating: 0, count: pageSize - $0.count % pageSize) }
    }

    /// libpod's database as podman 4.3.1 writes it: buckets in the root leaf, runtime-config inline.
    static func libpod(tmpDir: String, runRoot: String, staticDir: String, graphRoot: String) -> [UInt8] {
        let config = inlineBucket([
            ("graph-driver-name", "vfs"), ("graph-root", graphRoot), ("os", "linux"), ("run-root", runRoot),
            ("static-dir", staticDir), ("tmp-dir", tmpDir), ("volume-path", graphRoot + "/volumes"),
        ])
        let root = leaf(
            [
                (1, Array("all-ctrs".utf8), le(0, 16) + leaf([])), (1, Array("ctr".utf8), le(0, 16) + leaf([])),
                (1, Array("runtime-config".utf8), config), (1, Array("vol".utf8), le(0, 16) + leaf([])),
            ], id: 3)
        let freelist = le(2, 8) + le(0x10, 2) + le(0, 2) + le(0, 4)
        return file([meta(id: 0, root: 3, txid: 4), meta(id: 1, root: 3, txid: 3), freelist, root])
    }
}

@Suite struct BoltDBTests {
    let config = Array("runtime-config".utf8)

    func strings(_ values: [[UInt8]: [UInt8]]?) -> [String: String]? {
        values.map {
            Dictionary(
                uniqueKeysWithValues: $0.map {
                    (String(decoding: $0.key, as: UTF8.self), String(decoding: $0.value, as: UTF8.self))
                })
        }
    }

    @Test func readsLibpodsRuntimeConfig() throws {
        let file = BoltWriter.libpod(tmpDir: "/run/t", runRoot: "/run/r", staticDir: "/g/libpod", graphRoot: "/g")
        let values = try BoltDB.bucket(config, in: file).get()
        #expect(strings(values)?["tmp-dir"] == "/run/t")
        #expect(strings(values)?["run-root"] == "/run/r")
        #expect(strings(values)?["static-dir"] == "/g/libpod")
        #expect(strings(values)?["graph-root"] == "/g")
        #expect(try BoltDB.bucket(Array("no-such".utf8), in: file).get() == nil)
    }

    @Test func theNewerValidMetaPageWins() throws {
        let older = BoltWriter.leaf([(1, config, BoltWriter.inlineBucket([("tmp-dir", "/old")]))], id: 2)
        let newer = BoltWriter.leaf([(1, config, BoltWriter.inlineBucket([("tmp-dir", "/new")]))], id: 3)
        let pages = [BoltWriter.meta(id: 0, root: 2, txid: 7), BoltWriter.meta(id: 1, root: 3, txid: 8), older, newer]
        #expect(strings(try BoltDB.bucket(config, in: BoltWriter.file(pages)).get()) == ["tmp-dir": "/new"])
        // A torn newer meta (bad checksum) leaves the older one.
        var torn = BoltWriter.meta(id: 1, root: 3, txid: 8)
        torn[40] ^= 0xff
        let file = BoltWriter.file([pages[0], torn, older, newer])
        #expect(strings(try BoltDB.bucket(config, in: file).get()) == ["tmp-dir": "/old"])
    }

    @Test func branchPagesAndBucketsOnTheirOwnPages() throws {
        // Root: a branch over two leaves; the bucket has its own page (5).
        let bucketPage = BoltWriter.leaf([(0, Array("tmp-dir".utf8), Array("/t".utf8))], id: 5)
        let left = BoltWriter.leaf([(1, Array("ctr".utf8), BoltWriter.le(0, 16) + BoltWriter.leaf([]))], id: 3)
        let right = BoltWriter.leaf([(1, config, BoltWriter.le(5, 8) + BoltWriter.le(0, 8))], id: 4)
        let root = BoltWriter.branch([(Array("ctr".utf8), 3), (Array("pod".utf8), 4)], id: 2)
        let m = BoltWriter.meta(id: 0, root: 2, txid: 1)
        let file = BoltWriter.file([m, BoltWriter.meta(id: 1, root: 2, txid: 0), root, left, right, bucketPage])
        #expect(strings(try BoltDB.bucket(config, in: file).get()) == ["tmp-dir": "/t"])
    }

    @Test func garbageIsAnInvalidDatabase() {
        #expect(BoltDB.bucket(config, in: [UInt8](repeating: 7, count: 9000)) == .failure(BoltDB.Invalid()))
        #expect(BoltDB.bucket(config, in: Array("not a database".utf8)) == .failure(BoltDB.Invalid()))
        // A root page past the end of the file.
        let file = BoltWriter.file([BoltWriter.meta(id: 0, root: 9, txid: 1), BoltWriter.meta(id: 1, root: 9, txid: 0)])
        #expect(BoltDB.bucket(config, in: file) == .failure(BoltDB.Invalid()))
        // An element whose key runs past its page.
        var bad = BoltWriter.libpod(tmpDir: "/t", runRoot: "/r", staticDir: "/s", graphRoot: "/g")
        bad.replaceSubrange(
            (3 * BoltWriter.pageSize + 16 + 8)..<(3 * BoltWriter.pageSize + 16 + 11), with: [0xff, 0xff, 0xff])
        #expect(BoltDB.bucket(config, in: bad) == .failure(BoltDB.Invalid()))
    }
}

@Suite struct GoEvalSymlinksTests {
    func eval(_ path: ByteString, _ s: PodmanFakeSystem) -> String {
        switch GoText.evalSymlinks(path, context: s) {
        case .success(let p): return p.description
        case .failure(let f): return "error: " + (f.message?.description ?? "")
        }
    }

    @Test func followsEveryLinkAsGoDoes() {
        var s = PodmanFakeSystem()
        s.nodes["/data/real"] = FileFacts(uid: 1001, mode: 0o40700)
        s.links["/data/abs"] = "/data/real"
        s.links["/data/rel"] = "real"
        s.links["/data/up"] = "../data/./real/"
        s.links["/home/tester/run"] = "/data/rel"
        #expect(eval("/data/abs", s) == "/data/real")
        #expect(eval("/data/rel//", s) == "/data/real")
        #expect(eval("/data/up", s) == "/data/real")
        #expect(eval("/home/tester/run", s) == "/data/real")
        #expect(eval("/data/real/../abs", s) == "/data/real")
        #expect(eval("/data/./real", s) == "/data/real")
        #expect(eval("", s) == ".")
    }

    @Test func relativePathsStayRelative() {
        var s = PodmanFakeSystem()
        s.nodes["cwd"] = FileFacts(uid: 1001, mode: 0o40700)
        s.links["ln"] = "cwd"
        s.links["abs"] = "/data/real"
        s.nodes["/data/real"] = FileFacts(uid: 1001, mode: 0o40700)
        #expect(eval("cwd", s) == "cwd")
        #expect(eval("ln", s) == "cwd")
        #expect(eval("./ln/", s) == "cwd")
        #expect(eval("abs", s) == "/data/real")
    }

    @Test func errorsAreGos() {
        var s = PodmanFakeSystem()
        s.files["/etc/file"] = []
        s.links["/loop"] = "/loop"
        #expect(eval("/nonexistent/x", s) == "error: lstat /nonexistent: no such file or directory")
        #expect(eval("rel_x", s) == "error: lstat rel_x: no such file or directory")
        #expect(eval("/etc/file/x", s) == "error: not a directory")
        #expect(eval("/loop", s) == "error: EvalSymlinks: too many links")
        #expect(eval(ByteString([0xff, 0x01]), s) == "error: lstat \u{FFFD}\u{1}: no such file or directory")
    }
}

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
    func readDatabase(_ path: ByteString) -> Result<[UInt8], Errno> { base.readDatabase(path) }
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

@Suite struct PodmanExplainDirectoriesTests {
    @Test func saysWhereAndWhatIsMade() {
        let d = PodmanDirectories(
            runtimeDir: "/tmp/podman-run-1001", makeRuntimeDir: true, tmpDir: "/first/libpod/tmp",
            staticDir: "/g/libpod", graphroot: "/g", runroot: "/first/containers", database: "/g/libpod/bolt_state.db",
            messages: [PodmanLogLine(.error, "Failed to create temp directory for user: mkdir /x: permission denied")],
            exports: [], firstRun: false)
        #expect(
            PodmanExplain.directories(d) == [
                "directories: runtime /tmp/podman-run-1001, tmp dir /first/libpod/tmp, static dir /g/libpod",
                "  tmp dir, static dir and storage roots as recorded in /g/libpod/bolt_state.db",
                "  made when missing: /tmp/podman-run-1001 (0700), /tmp/podman-run-1001/libpod (01700), /g/libpod (0700)",
                #"log: level=error msg="Failed to create temp directory for user: mkdir /x: permission denied""#,
            ])
    }
}
