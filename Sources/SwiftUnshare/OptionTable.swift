/// Whether a long option takes an argument (getopt_long's has_arg).
public enum ArgumentKind: Sendable, Equatable {
    case none
    case required
    /// Only as `--name=value`; a short option of this kind takes none.
    case optional
}

/// Every option of unshare(1). The cases are in util-linux's long-option
/// table order, which decides the order of "possibilities" in the
/// ambiguous-option message.
public enum OptionID: String, CaseIterable, Sendable {
    case help, version
    case mount, uts, ipc, net, pid, user, cgroup, time
    case fork, killChild = "kill-child", forwardSignals = "forward-signals"
    case mountProc = "mount-proc", mountBinfmt = "mount-binfmt"
    case mapUser = "map-user", mapUsers = "map-users", mapGroup = "map-group", mapGroups = "map-groups"
    case mapRootUser = "map-root-user", mapCurrentUser = "map-current-user"
    case mapAuto = "map-auto", mapSubids = "map-subids", owner
    case propagation, setgroups, keepCaps = "keep-caps"
    case setuid, setgid, root, wd, monotonic, boottime
    case loadInterp = "load-interp", clearEnv = "clear-env", whitelistEnv = "whitelist-env"
    case explain
}

/// One row of an option table: the long name, its short letter and argument kind.
public struct OptionSpec: Sendable, Equatable {
    public let id: OptionID
    public let long: String
    public let short: UInt8?
    public let argument: ArgumentKind

    /// Options that util-linux 2.38.1 already had. Their abbreviations keep the
    /// meaning they had there (`--fo` is `--fork`, not ambiguous with the newer
    /// `--forward-signals`), so scripts written against it run unchanged.
    public var inUtilLinux2381: Bool {
        switch id {
        case .forwardSignals, .mountBinfmt, .mapSubids, .owner, .loadInterp, .clearEnv, .whitelistEnv, .explain: return false
        default: return true
        }
    }

    /// A short option takes an argument exactly when its long form requires one
    /// (unshare's short string is `+fhVmuinpCTUrR:w:S:G:cl:`).
    public var shortTakesArgument: Bool { argument == .required }
}

public enum OptionTable {
    private static func short(_ id: OptionID) -> UInt8? {
        switch id {
        case .help: return UInt8(ascii: "h")
        case .version: return UInt8(ascii: "V")
        case .mount: return UInt8(ascii: "m")
        case .uts: return UInt8(ascii: "u")
        case .ipc: return UInt8(ascii: "i")
        case .net: return UInt8(ascii: "n")
        case .pid: return UInt8(ascii: "p")
        case .user: return UInt8(ascii: "U")
        case .cgroup: return UInt8(ascii: "C")
        case .time: return UInt8(ascii: "T")
        case .fork: return UInt8(ascii: "f")
        case .mapRootUser: return UInt8(ascii: "r")
        case .mapCurrentUser: return UInt8(ascii: "c")
        case .root: return UInt8(ascii: "R")
        case .wd: return UInt8(ascii: "w")
        case .setuid: return UInt8(ascii: "S")
        case .setgid: return UInt8(ascii: "G")
        case .loadInterp: return UInt8(ascii: "l")
        default: return nil
        }
    }

    private static func argument(_ id: OptionID) -> ArgumentKind {
        switch id {
        case .mount, .uts, .ipc, .net, .pid, .user, .cgroup, .time, .killChild, .mountProc, .mountBinfmt:
            return .optional
        case .mapUser, .mapUsers, .mapGroup, .mapGroups, .owner, .propagation, .setgroups,
             .setuid, .setgid, .root, .wd, .monotonic, .boottime, .loadInterp, .whitelistEnv:
            return .required
        case .help, .version, .fork, .forwardSignals, .mapRootUser, .mapCurrentUser, .mapAuto,
             .mapSubids, .keepCaps, .clearEnv, .explain:
            return .none
        }
    }

    /// unshare's options, in util-linux's long-option table order.
    public static let unshare: [OptionSpec] = OptionID.allCases.map {
        OptionSpec(id: $0, long: $0.rawValue, short: short($0), argument: argument($0))
    }
}
