// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Where rootless podman 4.3.1 keeps its things, decided as podman decides
/// them, in its order, before anything depends on them (docs/podman-unshare.md,
/// "Where the contract is silent", steps 1 to 8). Pure: reads only through
/// the context; what podman would make is recorded for the executor
/// (`makeRuntimeDir`, and the libpod and static directories it always
/// makes), and a making that would fail is podman's error here, at its
/// place in the order.
package struct PodmanDirectories: Equatable, Sendable {
    /// containers/common's runtime directory: libpod's and netns's parent.
    package var runtimeDir: ByteString
    /// podman makes it (mkdir -p, 0700) before use: /run/user/U or $TMPDIR/podman-run-U found missing.
    package var makeRuntimeDir: Bool
    /// libpod's tmp dir (pause.pid, alive, the rootless netns lock): recorded in the database, else <runtime>/libpod/tmp.
    package var tmpDir: ByteString
    /// libpod's static dir: recorded in the database, else <graphroot>/libpod.
    package var staticDir: ByteString
    package var graphroot: ByteString
    package var runroot: ByteString
    /// The database whose recorded values these are, when there was one.
    package var database: ByteString?
    /// Lines podman logs on the way and goes on.
    package var messages: [PodmanLogLine]
    /// What podman sets in its own environment (and so the command's) when
    /// unset or empty: XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS, XDG_CONFIG_HOME.
    package var exports: [PodmanEnvVar]
    /// `<tmp dir>/alive` is missing: podman's first run (its failures are `Error:` lines, exit 125).
    package var firstRun: Bool

    /// <runtime>/libpod, made with mode 01700 (or changed to it) on every run.
    package var libpodDir: ByteString { GoText.joinPath(runtimeDir, "libpod") }
    package var pidFile: ByteString { GoText.joinPath(tmpDir, "pause.pid") }
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
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
