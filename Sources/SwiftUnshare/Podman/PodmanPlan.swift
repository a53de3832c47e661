import Glibc

/// What podman mode may read from the system besides SystemContext: the owner
/// and permission bits of a directory (for /run/user/<uid>).
public protocol PodmanSystemContext: SystemContext {
    /// stat(2) of `path`, following symlinks: owner uid and mode bits, or nil.
    func ownerAndMode(of path: ByteString) -> (uid: UInt32, mode: UInt32)?
}

extension LiveSystem: PodmanSystemContext {
    public func ownerAndMode(of path: ByteString) -> (uid: UInt32, mode: UInt32)? {
        var st = stat()
        guard path.withCString({ fstatat(AT_FDCWD, $0, &st, 0) }) == 0 else { return nil }
        return (st.st_uid, UInt32(st.st_mode))
    }
}

/// The id maps of a new user namespace in podman mode.
public enum PodmanMaps: Equatable, Sendable {
    /// `0 <uid> 1` then every subordinate range end to end; written by newuidmap and newgidmap.
    case ranges(uid: [IDRange], gid: [IDRange])
    /// `0 <uid> 1` alone (setgroups `deny`), written by the process itself.
    case single(uid: UInt32, gid: UInt32)
}

/// A message podman would log with logrus before running the command.
public struct PodmanLogLine: Equatable, Sendable {
    public enum Level: String, Sendable { case error, warning }
    public var level: Level
    public var message: ByteString

    public init(_ level: Level, _ message: ByteString) {
        self.level = level
        self.message = message
    }
}

public struct PodmanEnvVar: Equatable, Sendable {
    public var name: ByteString
    public var value: ByteString
    public init(_ name: ByteString, _ value: ByteString) {
        self.name = name
        self.value = value
    }
}

/// Everything podman-unshare will do, decided before anything is done.
public struct PodmanPlan: Equatable, Sendable {
    public enum Namespaces: Equatable, Sendable {
        /// A new user namespace with these maps, and a new mount namespace.
        case newUser(PodmanMaps)
        /// Already root in podman's user namespace (`_CONTAINERS_USERNS_CONFIGURED`
        /// set): only a new mount namespace, as podman runs nested calls in place.
        case nested
        /// --rootless-netns: join the user and mount namespaces of podman's pause
        /// process, then the network namespace bound at `netns` there, then a new
        /// mount namespace.
        case rootlessNetns(pausePidFile: ByteString, netns: ByteString)
    }

    public var namespaces: Namespaces
    /// Variables set for the command (replacing any of the same name).
    public var environment: [PodmanEnvVar]
    /// The program and its arguments, never empty.
    public var command: [ByteString]
    /// Logged on stderr before the namespaces are made.
    public var messages: [PodmanLogLine]
    /// The caller's ids (for the single mapping a failed newuidmap falls back to).
    public var uid: UInt32
    public var gid: UInt32

    public init(namespaces: Namespaces, environment: [PodmanEnvVar], command: [ByteString],
                messages: [PodmanLogLine], uid: UInt32, gid: UInt32) {
        self.namespaces = namespaces
        self.environment = environment
        self.command = command
        self.messages = messages
        self.uid = uid
        self.gid = gid
    }

    public static let singleMappingWarning: ByteString =
        "Using rootless single mapping into the namespace. This might break some images. Check /etc/subuid and /etc/subgid for adding sub*ids if not using a network user"
}

extension PodmanPlan {
    /// Decides everything from the options, reading only through `context`.
    public static func build(_ o: PodmanOptions, context: PodmanSystemContext) -> Result<PodmanPlan, PodmanError> {
        let configured = nonEmpty(context.environment("_CONTAINERS_USERNS_CONFIGURED")) != nil
        let nested = context.euid == 0 && configured
        if context.euid == 0 && !nested {
            return .failure(PodmanError("please use unshare with rootless"))
        }
        var command = o.command
        if command.isEmpty {
            guard let shell = context.environment("SHELL") else {
                return .failure(PodmanError("no command specified and no $SHELL specified"))
            }
            command = [shell]
        }

        // podman's rootless ids: the caller's, or, nested, the ones the outer call recorded.
        var rootlessUID = context.euid, rootlessGID = context.egid
        if nested {
            let uidText = nonEmpty(context.environment("_CONTAINERS_ROOTLESS_UID"))
            let gidText = nonEmpty(context.environment("_CONTAINERS_ROOTLESS_GID"))
            if let t = uidText, case .success(let v) = NumberParsing.unsigned32(t) { rootlessUID = v }
            if let t = gidText ?? uidText, case .success(let v) = NumberParsing.unsigned32(t) { rootlessGID = v }
        }

        var messages: [PodmanLogLine] = []
        let storage = storageLocations(context: context, rootlessUID: rootlessUID, messages: &messages)
        let environment = [
            PodmanEnvVar("_CONTAINERS_USERNS_CONFIGURED", "done"),
            PodmanEnvVar("_CONTAINERS_ROOTLESS_UID", "\(rootlessUID)"),
            PodmanEnvVar("_CONTAINERS_ROOTLESS_GID", "\(rootlessGID)"),
            PodmanEnvVar("CONTAINERS_GRAPHROOT", storage.graphroot),
            PodmanEnvVar("CONTAINERS_RUNROOT", storage.runroot),
        ]

        let namespaces: Namespaces
        if o.rootlessNetns {
            namespaces = .rootlessNetns(pausePidFile: GoText.joinPath(storage.runtimeDir, "libpod/tmp/pause.pid"),
                                        netns: GoText.joinPath(storage.runtimeDir, "netns/" + rootlessNetnsName(graphroot: storage.graphroot)))
        } else if nested {
            namespaces = .nested
        } else {
            namespaces = .newUser(subordinateMaps(context: context, messages: &messages))
        }
        return .success(PodmanPlan(namespaces: namespaces, environment: environment, command: command,
                                   messages: messages, uid: context.euid, gid: context.egid))
    }

    static func nonEmpty(_ value: ByteString?) -> ByteString? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    // MARK: Storage locations

    public struct StorageLocations: Equatable, Sendable {
        public var graphroot: ByteString
        public var runroot: ByteString
        public var runtimeDir: ByteString
    }

    /// $HOME, else the passwd entry's home.
    static func home(context: SystemContext) -> ByteString {
        if let home = nonEmpty(context.environment("HOME")) { return home }
        return context.user(id: context.euid)?.home ?? "/"
    }

    /// podman's rootless runtime directory: $XDG_RUNTIME_DIR, else /run/user/<uid>
    /// when it is ours (owner and rwx for the owner), else /tmp/podman-run-<uid>.
    public static func runtimeDirectory(context: PodmanSystemContext, rootlessUID: UInt32) -> ByteString {
        if let dir = nonEmpty(context.environment("XDG_RUNTIME_DIR")) { return dir }
        let run: ByteString = "/run/user/\(rootlessUID)"
        if let st = context.ownerAndMode(of: run), st.uid == context.euid, st.mode & 0o700 == 0o700 { return run }
        return "/tmp/podman-run-\(rootlessUID)"
    }

    /// The user's storage.conf: $XDG_CONFIG_HOME/containers/storage.conf, else ~/.config/containers/storage.conf.
    public static func storageConfPath(context: SystemContext) -> ByteString {
        if let config = nonEmpty(context.environment("XDG_CONFIG_HOME")) {
            return GoText.joinPath(config, "containers/storage.conf")
        }
        return GoText.joinPath(home(context: context), ".config/containers/storage.conf")
    }

    /// Graph root and run root: storage.conf's values (with $VARIABLES expanded,
    /// as podman does) over the rootless defaults. A file that cannot be read or
    /// parsed is reported in `messages` and ignored.
    public static func storageLocations(context: PodmanSystemContext, rootlessUID: UInt32,
                                        messages: inout [PodmanLogLine]) -> StorageLocations {
        let runtimeDir = runtimeDirectory(context: context, rootlessUID: rootlessUID)
        let dataHome = nonEmpty(context.environment("XDG_DATA_HOME"))
            ?? GoText.joinPath(home(context: context), ".local/share")
        var locations = StorageLocations(graphroot: GoText.joinPath(dataHome, "containers/storage"),
                                         runroot: GoText.joinPath(runtimeDir, "containers"),
                                         runtimeDir: runtimeDir)
        let path = storageConfPath(context: context)
        let defaults: ByteString = "; using the default graphroot and runroot"
        switch context.readFile(path.description) {
        case .failure(let e):
            if e.rawValue != ENOENT && e.rawValue != ENOTDIR {
                messages.append(PodmanLogLine(.warning, "Failed to read \(path): \(GoText.errnoText(e.rawValue))" + defaults))
            }
        case .success(let text):
            switch StorageConf.parse(text) {
            case .failure(let malformed):
                messages.append(PodmanLogLine(.warning, "Failed to read \(path) toml: \(malformed.description)" + defaults))
            case .success(let roots):
                let lookup = { (name: ByteString) in context.environment(name.description) }
                if let g = roots.graphroot { locations.graphroot = StorageConf.expandEnv(g, lookup: lookup) }
                if let r = roots.runroot { locations.runroot = StorageConf.expandEnv(r, lookup: lookup) }
            }
        }
        return locations
    }

    /// podman 4.3.1's name for its rootless network namespace: `rootless-netns-`
    /// and the first 10 bytes (hex) of the SHA-256 of its static dir, <graphroot>/libpod.
    public static func rootlessNetnsName(graphroot: ByteString) -> ByteString {
        let digest = SHA256.digest(GoText.joinPath(graphroot, "libpod").bytes)
        return "rootless-netns-\(SHA256.hex(Array(digest.prefix(10))))"
    }

    // MARK: Maps

    /// `0 <id> 1`, then each range in order, end to end from inner id 1, at full
    /// length. A range that holds `id` itself is split around it by the merge
    /// rule (the id is already inner 0). Ranges are clipped where inner or outer
    /// ids would pass 2^32-1; empty ones are skipped.
    public static func layout(id: UInt32, ranges: [SubordinateIDs.Entry]) -> [IDRange] {
        var lines = [IDRange(inner: 0, outer: id, count: 1)]
        let limit = UInt64(UInt32.max)
        var next: UInt64 = 1
        for range in ranges {
            let outer = UInt64(range.start)
            let count = min(UInt64(range.count), limit - next, limit - outer)
            if count == 0 { continue }
            let pieces: [IDRange]
            if UInt64(id) >= outer && UInt64(id) < outer + count {
                pieces = Array(IDMapMerge.merge(single: SingleID(inner: 0, outer: id),
                                                ranges: [RequestedRange(inner: UInt32(next), outer: range.start,
                                                                        count: UInt32(count))]).dropFirst())
            } else {
                pieces = [IDRange(inner: UInt32(next), outer: range.start, count: UInt32(count))]
            }
            lines += pieces
            next += pieces.reduce(0) { $0 + UInt64($1.count) }
            if next >= limit { break }
        }
        return lines
    }

    /// The caller's ranges in /etc/subuid and /etc/subgid (or from the NSS
    /// `subid:` module), laid out; or, when
    /// either file has none for the caller, the single mapping with podman's messages.
    static func subordinateMaps(context: SystemContext, messages: inout [PodmanLogLine]) -> PodmanMaps {
        let entry = context.user(id: context.euid)
        let name = entry?.name ?? nonEmpty(context.environment("USER")) ?? ""
        let user = PasswdEntry(name: name, uid: context.euid, gid: context.egid)
        var found: [[SubordinateIDs.Entry]] = []
        let module = SubordinateIDs.nssModule(context: context)   // nil: the files
        for (file, kind) in [("/etc/subuid", "subuid"), ("/etc/subgid", "subgid")] {
            var problem: ByteString?
            let read: Result<[SubordinateIDs.Entry], Failure>
            if let module {
                read = SubordinateIDs.nssRanges(module: module, user: user, users: kind == "subuid", context: context)
            } else {
                switch context.readFile(file) {
                case .failure(let e):
                    read = .failure(Failure(e.rawValue == ENOENT ? "" : "open \(file): \(GoText.errnoText(e.rawValue))"))
                case .success(let text):
                    read = SubordinateIDs.ranges(in: text, file: file, user: user)
                }
            }
            // With NSS too, podman names the file when no range is found.
            let none: ByteString = "no \(kind) ranges found for user \(GoText.quote(name)) in \(file)"
            switch read {
            case .failure(let f): problem = f.message.flatMap { $0.isEmpty ? nil : $0 } ?? none
            case .success(let list):
                let usable = list.filter { $0.count > 0 }
                if usable.isEmpty { problem = none }
                found.append(usable)
            }
            if let problem {
                messages.append(PodmanLogLine(.error,
                    "cannot find UID/GID for user \(name): \(problem) - check rootless mode in man pages."))
                messages.append(PodmanLogLine(.warning, singleMappingWarning))
                return .single(uid: context.euid, gid: context.egid)
            }
        }
        return .ranges(uid: layout(id: context.euid, ranges: found[0]), gid: layout(id: context.egid, ranges: found[1]))
    }
}
