// SPDX-License-Identifier: Apache-2.0
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
    case fork
    case killChild = "kill-child"
    case forwardSignals = "forward-signals"
    case mountProc = "mount-proc"
    case mountBinfmt = "mount-binfmt"
    case mapUser = "map-user"
    case mapUsers = "map-users"
    case mapGroup = "map-group"
    case mapGroups = "map-groups"
    case mapRootUser = "map-root-user"
    case mapCurrentUser = "map-current-user"
    case mapAuto = "map-auto"
    case mapSubids = "map-subids"
    case owner
    case propagation, setgroups
    case keepCaps = "keep-caps"
    case setuid, setgid, root, wd, monotonic, boottime
    case loadInterp = "load-interp"
    case clearEnv = "clear-env"
    case whitelistEnv = "whitelist-env"
    case explain
}

/// One row of an option table, for the getopt engine and for the docs tests:
/// the long name, its short letter, its argument kind. Generic over the id so
/// another table can use the same engine.
public struct OptionSpec<ID: Equatable & Sendable>: Sendable, Equatable {
    public let id: ID
    public let long: String
    public let short: UInt8?
    public let argument: ArgumentKind
    /// Wins an abbreviation it shares with options that are not preferred, so
    /// a prefix that was unique before newer options came keeps its meaning.
    public let preferred: Bool

    /// Matched only when spelled in full: never an abbreviation, never in an
    /// ambiguity list (swift-unshare's own options leave util-linux's messages as they are).
    public let exactOnly: Bool

    public init(
        id: ID, long: String, short: UInt8? = nil, argument: ArgumentKind, preferred: Bool = false,
        exactOnly: Bool = false
    ) {
        self.id = id
        self.long = long
        self.short = short
        self.argument = argument
        self.preferred = preferred
        self.exactOnly = exactOnly
    }

    /// A short option takes an argument exactly when its long form requires one
    /// (unshare's short string is `+fhVmuinpCTUrR:w:S:G:cl:`).
    public var shortTakesArgument: Bool { argument == .required }
}

extension OptionID {
    /// Options that util-linux 2.38.1 already had. Their abbreviations keep the
    /// meaning they had there (`--fo` is `--fork`, not ambiguous with the newer
    /// `--forward-signals`), so scripts written against it run unchanged.
    public var inUtilLinux2381: Bool {
        switch self {
        case .forwardSignals, .mountBinfmt, .mapSubids, .owner, .loadInterp, .clearEnv, .whitelistEnv, .explain:
            return false
        default: return true
        }
    }
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
    public static let unshare: [OptionSpec<OptionID>] = OptionID.allCases.map {
        OptionSpec(
            id: $0, long: $0.rawValue, short: short($0), argument: argument($0),
            preferred: $0.inUtilLinux2381, exactOnly: $0 == .explain)
    }
}
