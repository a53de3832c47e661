// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Where rootless podman 4.3.1 keeps its things, decided as podman decides
/// them, in its order, before anything depends on them (docs/podman-unshare.md,
/// "Where the contract is silent", steps 1 to 8). Pure: reads only through
/// the context; what podman would make is recorded for the executor
/// (`makeRuntimeDir`, and the libpod and static directories it always
/// makes), and a making that would fail is podman's error here, at its
/// place in the order.
public struct PodmanDirectories: Equatable, Sendable {
    /// containers/common's runtime directory: libpod's and netns's parent.
    public var runtimeDir: ByteString
    /// podman makes it (mkdir -p, 0700) before use: /run/user/U or $TMPDIR/podman-run-U found missing.
    public var makeRuntimeDir: Bool
    /// libpod's tmp dir (pause.pid, alive, the rootless netns lock): recorded in the database, else <runtime>/libpod/tmp.
    public var tmpDir: ByteString
    /// libpod's static dir: recorded in the database, else <graphroot>/libpod.
    public var staticDir: ByteString
    public var graphroot: ByteString
    public var runroot: ByteString
    /// The database whose recorded values these are, when there was one.
    public var database: ByteString?
    /// Lines podman logs on the way and goes on.
    public var messages: [PodmanLogLine]
    /// What podman sets in its own environment (and so the command's) when
    /// unset or empty: XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS, XDG_CONFIG_HOME.
    public var exports: [PodmanEnvVar]
    /// `<tmp dir>/alive` is missing: podman's first run (its failures are `Error:` lines, exit 125).
    public var firstRun: Bool

    /// <runtime>/libpod, made with mode 01700 (or changed to it) on every run.
    public var libpodDir: ByteString { GoText.joinPath(runtimeDir, "libpod") }
    public var pidFile: ByteString { GoText.joinPath(tmpDir, "pause.pid") }
}

extension PodmanDirectories {
    /// Steps 1 to 8. `nested`: already root in podman's user namespace (no pause process to trust or make).
    static func decide(context: PodmanSystemContext, rootlessUID: UInt32, nested: Bool) -> Result<Self, Failure> {
        let env = { (name: String) in context.environment(name) }
        let tempDir = PodmanStorage.nonEmpty(env("TMPDIR")) ?? "/tmp"
        var messages: [PodmanLogLine] = []

        // 1. The runtime directory.
        let runtime: (dir: ByteString, make: Bool)
        switch commonRuntimeDirectory(context: context, uid: rootlessUID, tempDir: tempDir) {
        case .failure(let f): return .failure(f)
        case .success(let r): runtime = r
        }
        // 2. <runtime>/libpod.
        if !runtime.make, let failure = libpodFailure(GoText.joinPath(runtime.dir, "libpod"), context: context) {
            return .failure(failure)
        }
        // 3. storage.conf.
        let roots: StorageConf.Roots
        switch PodmanStorage.storageConf(context: context) {
        case .failure(let f): return .failure(f)
        case .success(let r): roots = r
        }
        // 4. The storage roots. containers/storage's runtime directory, first
        // as podman's configuration takes it (the environment podman started
        // with: its lines, its errors), then for the runroot as podman's runtime
        // takes it, after podman set an empty XDG_RUNTIME_DIR to its own choice.
        let xdg = env("XDG_RUNTIME_DIR")
        let configBase: ByteString
        switch storageRuntimeDirectory(xdg: xdg, context: context, uid: rootlessUID, tempDir: tempDir) {
        case .failure(let f): return .failure(f)
        case .success(let (dir, lines)):
            messages += lines
            configBase = dir
        }
        if let (path, e) = mkdirAllFailure(GoText.joinPath(configBase, "containers"), context: context) {
            return .failure(
                .podmanLogged(
                    messages + [
                        PodmanLogLine(.error, "unable to make rootless runtime: mkdir \(path): \(GoText.errnoText(e))")
                    ]))
        }
        var runBase = configBase
        if PodmanStorage.nonEmpty(xdg) == nil,
            let own = podmanRuntimeDirectory(context: context, uid: rootlessUID, tempDir: tempDir)
        {
            if own.make {  // made by podman by then; only its parent can hold links
                let parent = GoText.cleanPath(own.dir + "/..")
                let resolved = (try? GoText.evalSymlinks(parent, context: context).get()) ?? parent
                runBase = GoText.joinPath(resolved, own.dir.basename)
            } else if case .success(let (dir, _)) = storageRuntimeDirectory(
                xdg: own.dir, context: context, uid: rootlessUID, tempDir: tempDir)
            {
                runBase = dir
            }
        }
        var runroot = GoText.joinPath(runBase, "containers")
        let dataHome =
            PodmanStorage.nonEmpty(env("XDG_DATA_HOME"))
            ?? GoText.joinPath(PodmanStorage.home(context: context), ".local/share")
        var graphroot = GoText.joinPath(dataHome, "containers/storage")
        if let g = roots.graphroot { graphroot = expandPath(g, context: context, uid: rootlessUID) }
        if let r = roots.runroot { runroot = expandPath(r, context: context, uid: rootlessUID) }

        // 5. Validation.
        var staticDir = GoText.joinPath(graphroot, "libpod")
        var tmpDir = GoText.joinPath(runtime.dir, "libpod/tmp")
        for (what, dir) in [("static directory", staticDir), ("temporary directory", tmpDir)]
        where dir.bytes.first != UInt8(ascii: "/") {
            return .failure(
                .podmanLogged(
                    messages + [
                        PodmanLogLine(
                            .error,
                            "validating engine configs: \(what) must be an absolute path - instead got \(GoText.quote(dir))"
                        )
                    ]))
        }
        // 5b. podman's own environment.
        let exports: [PodmanEnvVar]
        switch environment(xdg: xdg, context: context, uid: rootlessUID, tempDir: tempDir) {
        case .failure(let f): return .failure(f.podmanLogging(before: messages))
        case .success(let e): exports = e
        }

        // 6 is the executor's (the static dir is made); 7. the database.
        var database: ByteString?
        let dbPath = GoText.joinPath(staticDir, "bolt_state.db")
        switch recorded(dbPath, context: context) {
        case .failure(let f): return .failure(f.podmanLogging(before: messages))
        case .success(nil): break
        case .success(let values?):
            database = dbPath
            let value = { (key: String) -> ByteString? in
                values[Array(key.utf8)].flatMap { $0.isEmpty ? nil : ByteString($0) }
            }
            staticDir = value("static-dir") ?? staticDir
            tmpDir = value("tmp-dir") ?? tmpDir
            runroot = value("run-root") ?? runroot
            graphroot = value("graph-root") ?? graphroot
        }
        if !nested, database != nil, tmpDir != GoText.joinPath(runtime.dir, "libpod/tmp"),
            let why = unsafeAncestor(of: tmpDir, context: context)
        {
            return .failure(
                .podmanLogged(
                    messages + [
                        PodmanLogLine(
                            .error,
                            "tmp dir \(GoText.quote(tmpDir)) recorded in \(dbPath) is not safe to use: \(why)")
                    ]))
        }

        // 8. The first run.
        let firstRun = !nested && context.fileFacts(GoText.joinPath(tmpDir, "alive"), followLinks: true).isFailure
        return .success(
            PodmanDirectories(
                runtimeDir: runtime.dir, makeRuntimeDir: runtime.make, tmpDir: tmpDir, staticDir: staticDir,
                graphroot: graphroot, runroot: runroot, database: database, messages: messages, exports: exports,
                firstRun: firstRun))
    }

    /// Step 5b: what podman sets for itself before its runtime starts. An
    /// unset or empty XDG_RUNTIME_DIR becomes podman's own runtime directory;
    /// DBUS_SESSION_BUS_ADDRESS, unset or empty, `unix:path=<it>/bus` when
    /// that exists; XDG_CONFIG_HOME, unset or empty, `$HOME` resolved with
    /// `/.config` when that is the caller's with at least rwx for it, else
    /// empty. $HOME not resolving is podman's plain `cannot resolve <home>:
    /// <reason>` (exit 1) when XDG_CONFIG_HOME is unset, its `Error:` when empty.
    static func environment(
        xdg: ByteString?, context: PodmanSystemContext, uid: UInt32, tempDir: ByteString
    ) -> Result<[PodmanEnvVar], Failure> {
        var exports: [PodmanEnvVar] = []
        var runtimeDir = xdg ?? ""
        if runtimeDir.isEmpty, let own = podmanRuntimeDirectory(context: context, uid: uid, tempDir: tempDir) {
            runtimeDir = own.dir
            exports.append(PodmanEnvVar("XDG_RUNTIME_DIR", own.dir))
        }
        let bus = GoText.joinPath(runtimeDir, "bus")
        if PodmanStorage.nonEmpty(context.environment("DBUS_SESSION_BUS_ADDRESS")) == nil, !runtimeDir.isEmpty,
            case .success = context.fileFacts(bus, followLinks: true)
        {
            exports.append(PodmanEnvVar("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + bus))
        }
        let configHome = context.environment("XDG_CONFIG_HOME")
        if configHome == nil || configHome == "" {
            let home = context.environment("HOME") ?? ""
            switch GoText.evalSymlinks(home, context: context) {
            case .failure(let f):
                let text: ByteString = "cannot resolve \(home): \(f.message ?? "")"
                return .failure(
                    configHome == nil ? Failure.podman(nil, exitCode: 1, stderr: text + "\n") : .podman(text))
            case .success(let resolved):
                let dir = GoText.joinPath(resolved, ".config")
                var value: ByteString = ""
                if case .success(let f) = context.fileFacts(dir, followLinks: true), f.uid == context.euid,
                    f.permissions >= 0o700
                {
                    value = dir
                }
                exports.append(PodmanEnvVar("XDG_CONFIG_HOME", value))
            }
        }
        return .success(exports)
    }

    /// containers/common's GetRuntimeDir (step 1): the directory and whether podman makes it.
    static func commonRuntimeDirectory(
        context: PodmanSystemContext, uid: UInt32, tempDir: ByteString
    ) -> Result<(dir: ByteString, make: Bool), Failure> {
        func logged(_ text: ByteString) -> Failure { .podmanLogged([PodmanLogLine(.error, text)]) }
        if let xdg = PodmanStorage.nonEmpty(context.environment("XDG_RUNTIME_DIR")),
            case .success(let resolved) = GoText.evalSymlinks(xdg, context: context)
        {
            switch context.fileFacts(resolved, followLinks: true) {
            case .failure(let e): return .failure(logged("stat \(resolved): \(GoText.errnoText(e.rawValue))"))
            case .success(let f) where f.uid != context.euid:
                return .failure(
                    logged("XDG_RUNTIME_DIR directory \(GoText.quote(resolved)) is not owned by the current user"))
            case .success: return .success((resolved, false))
            }
        }
        // Owned by the caller and writable by the owner alone.
        let candidates: [ByteString] = ["/run/user/\(uid)", GoText.joinPath(tempDir, "podman-run-\(uid)")]
        if let found = firstUsable(candidates, context: context, test: { $0.permissions & 0o722 == 0o700 }) {
            return .success(found)
        }
        guard let home = PodmanStorage.nonEmpty(context.environment("HOME")) else {
            return .failure(logged("neither XDG_RUNTIME_DIR nor HOME was set non-empty"))
        }
        switch GoText.evalSymlinks(home, context: context) {
        case .failure(let f): return .failure(logged("cannot resolve home: \(f.message ?? "")"))
        case .success(let resolved): return .success((GoText.joinPath(resolved, "rundir"), false))
        }
    }

    /// podman's own GetRuntimeDir, for an unset XDG_RUNTIME_DIR (podman sets
    /// it to this for itself): the same candidates with a weaker test (rwx for
    /// the owner), then $HOME/rundir. nil where podman would stop.
    static func podmanRuntimeDirectory(
        context: PodmanSystemContext, uid: UInt32, tempDir: ByteString
    ) -> (dir: ByteString, make: Bool)? {
        let candidates: [ByteString] = ["/run/user/\(uid)", GoText.joinPath(tempDir, "podman-run-\(uid)")]
        if let found = firstUsable(candidates, context: context, test: { $0.permissions & 0o700 == 0o700 }) {
            return found
        }
        guard let home = PodmanStorage.nonEmpty(context.environment("HOME")),
            case .success(let resolved) = GoText.evalSymlinks(home, context: context)
        else { return nil }
        return (GoText.joinPath(resolved, "rundir"), false)
    }

    /// The first candidate owned by the caller that passes `test`; one that is
    /// missing counts as made by podman (mkdir -p, 0700) when it can be.
    private static func firstUsable(
        _ candidates: [ByteString], context: PodmanSystemContext, test: (FileFacts) -> Bool
    ) -> (dir: ByteString, make: Bool)? {
        for dir in candidates {
            switch context.fileFacts(dir, followLinks: true) {
            case .success(let f) where f.uid == context.euid && test(f): return (dir, false)
            case .failure(let e) where e.rawValue == ENOENT && mkdirAllFailure(dir, context: context) == nil:
                return (dir, true)
            default: continue
            }
        }
        return nil
    }

    /// containers/storage's rootless runtime directory (step 4), and what it logs.
    static func storageRuntimeDirectory(
        xdg: ByteString?, context: PodmanSystemContext, uid: UInt32, tempDir: ByteString
    ) -> Result<(ByteString, [PodmanLogLine]), Failure> {
        if let xdg = PodmanStorage.nonEmpty(xdg),
            case .success(let resolved) = GoText.evalSymlinks(xdg, context: context)
        {
            return .success((resolved, []))
        }
        // Owned by the caller (its real uid, which is its effective one here),
        // rwx for it, nothing rw for group and others (lstat).
        func owned(_ dir: ByteString) -> Bool {
            guard case .success(let f) = context.fileFacts(dir, followLinks: false) else { return false }
            return f.uid == context.euid && f.mode & 0o700 == 0o700 && f.mode & 0o066 == 0
        }
        let comm = context.readFile("/proc/1/comm")
        if case .failure = comm, owned("/run/user/\(uid)") { return .success(("/run/user/\(uid)", [])) }
        if case .success(let text) = comm, text == Array("systemd".utf8), owned("/run/user/\(uid)") {
            return .success(("/run/user/\(uid)", []))
        }
        var lines: [PodmanLogLine] = []
        let perUser = GoText.joinPath(tempDir, "containers-user-\(uid)")
        switch context.fileFacts(perUser, followLinks: false) {
        case .failure(let e) where e.rawValue == ENOENT:
            guard let (_, why) = mkdirFailure(perUser, context: context) else { return .success((perUser, [])) }
            lines.append(
                PodmanLogLine(
                    .error, "Failed to create temp directory for user: mkdir \(perUser): \(GoText.errnoText(why))"))
        default:
            if owned(perUser) { return .success((perUser, [])) }
        }
        let home = PodmanStorage.home(context: context)
        if home.isEmpty {
            return .failure(
                .podmanLogged(
                    lines + [PodmanLogLine(.error, "neither XDG_RUNTIME_DIR nor temp dir nor HOME was set non-empty")]))
        }
        switch GoText.evalSymlinks(home, context: context) {
        case .failure(let f): return .failure(.podmanLogged(lines + [PodmanLogLine(.error, f.message ?? "")]))
        case .success(let resolved): return .success((GoText.joinPath(resolved, "rundir"), lines))
        }
    }

    /// What mkdir(2) of `path` would fail with (its path and errno), judged
    /// from its parent; nil when it would succeed or `path` is there.
    static func mkdirFailure(_ path: ByteString, context: PodmanSystemContext) -> (ByteString, Int32)? {
        if case .success = context.fileFacts(path, followLinks: false) { return nil }
        let parent = GoText.cleanPath(path + "/..")
        switch context.fileFacts(parent, followLinks: true) {
        case .failure(let e): return (path, e.rawValue)
        case .success(let f) where !f.isDirectory: return (path, ENOTDIR)
        case .success: return context.mayCreateIn(parent) ? nil : (path, EACCES)
        }
    }

    /// What os.MkdirAll(path) would fail with: the first directory it could
    /// not make (or a file in the way) and the errno; nil when it would succeed.
    static func mkdirAllFailure(_ path: ByteString, context: PodmanSystemContext) -> (ByteString, Int32)? {
        switch context.fileFacts(path, followLinks: true) {
        case .success(let f): return f.isDirectory ? nil : (path, ENOTDIR)
        case .failure(let e) where e.rawValue != ENOENT: return (path, e.rawValue)
        case .failure: break
        }
        let parent = GoText.cleanPath(path + "/..")
        if parent == path { return (path, ENOENT) }
        switch context.fileFacts(parent, followLinks: true) {
        case .success(let f) where !f.isDirectory: return (parent, ENOTDIR)
        case .success: return context.mayCreateIn(parent) ? nil : (path, EACCES)
        case .failure(let e) where e.rawValue != ENOENT: return (parent, e.rawValue)
        case .failure: return mkdirAllFailure(parent, context: context)  // made first, then this one in it
        }
    }

    /// podman's failure at step 2 for `<runtime>/libpod`, or nil.
    static func libpodFailure(_ libpod: ByteString, context: PodmanSystemContext) -> Failure? {
        func logged(_ text: ByteString) -> Failure { .podmanLogged([PodmanLogLine(.error, text)]) }
        switch context.fileFacts(libpod, followLinks: false) {
        case .success:
            // Something is there (EEXIST): podman changes its mode, following a link.
            switch context.fileFacts(libpod, followLinks: true) {
            case .failure(let e):
                return logged("set sticky bit on: chmod \(libpod): \(GoText.errnoText(e.rawValue))")
            case .success(let f) where f.uid != context.euid && context.euid != 0:
                return logged("set sticky bit on: chmod \(libpod): \(GoText.errnoText(EPERM))")
            case .success: return nil
            }
        case .failure(let e) where e.rawValue == ENOENT:
            guard let (_, why) = mkdirFailure(libpod, context: context) else { return nil }
            return logged("mkdir \(libpod): \(GoText.errnoText(why))")
        case .failure(let e):
            return logged("mkdir \(libpod): \(GoText.errnoText(e.rawValue))")
        }
    }

    /// containers/storage's expandEnvPath: `$UID` then `$VARIABLES`, then
    /// symbolic links resolved, or the path cleaned when that fails.
    static func expandPath(_ path: ByteString, context: PodmanSystemContext, uid: UInt32) -> ByteString {
        var bytes = path.bytes
        let token = Array("$UID".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i...].starts(with: token) {
                out += Array("\(uid)".utf8)
                i += token.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        bytes = out
        let expanded = GoText.expandEnv(ByteString(bytes), lookup: { context.environment($0.description) })
        if case .success(let resolved) = GoText.evalSymlinks(expanded, context: context) { return resolved }
        return GoText.cleanPath(expanded)
    }

    /// The values the database at `path` records (nil: no database, or no
    /// runtime-config bucket); a file there that cannot be read is podman's error.
    static func recorded(_ path: ByteString, context: PodmanSystemContext) -> Result<[[UInt8]: [UInt8]]?, Failure> {
        let directory = GoText.cleanPath(path + "/..")
        guard case .success(let d) = context.fileFacts(directory, followLinks: true), d.isDirectory else {
            return .success(nil)  // podman makes the directory (and the database) itself
        }
        let bytes: [UInt8]
        switch context.readDatabase(path) {
        case .failure(let e) where e.rawValue == ENOENT: return .success(nil)
        case .failure(let e):
            return .failure(Failure.podman("opening database \(path): open \(path): \(GoText.errnoText(e.rawValue))"))
        case .success(let b): bytes = b
        }
        if bytes.isEmpty { return .success(nil) }  // bbolt makes a new database in an empty file
        switch BoltDB.bucket(Array("runtime-config".utf8), in: bytes) {
        case .failure: return .failure(Failure.podman("opening database \(path): invalid database"))
        case .success(let values): return .success(values)
        }
    }

    /// Why a directory named by the database is not to be trusted: an
    /// existing directory on its way that another user (not root) owns, one
    /// of the caller's writable by group or others, or one of root's writable
    /// by others without the sticky bit. nil: every one passes.
    static func unsafeAncestor(of dir: ByteString, context: PodmanSystemContext) -> ByteString? {
        guard dir.bytes.first == UInt8(ascii: "/") else { return "it is not an absolute path" }
        var path = GoText.cleanPath(dir)
        while true {
            if case .success(let f) = context.fileFacts(path, followLinks: true) {
                let quoted = GoText.quote(path)
                if f.uid != 0 && f.uid != context.euid { return "\(quoted) is owned by uid \(f.uid)" }
                if f.uid == context.euid && context.euid != 0 && f.permissions & 0o022 != 0 {
                    return "\(quoted) is writable by other users"
                }
                if f.uid == 0 && f.permissions & 0o002 != 0 && f.mode & UInt32(S_ISVTX) == 0 {
                    return "\(quoted) is writable by other users"
                }
            }
            if path == "/" { return nil }
            path = GoText.cleanPath(path + "/..")
        }
    }
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
