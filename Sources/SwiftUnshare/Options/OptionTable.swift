// SPDX-License-Identifier: Apache-2.0
/// Whether a long option takes an argument (getopt_long's has_arg).
package enum ArgumentKind: Sendable, Equatable {
    case none
    case required
    /// Only as `--name=value`; a short option of this kind takes none.
    case optional
}

/// Every option of unshare(1). The cases are in util-linux's long-option
/// table order, which decides the order of "possibilities" in the
/// ambiguous-option message; each one's row is `OptionID.row`.
package enum OptionID: CaseIterable, Sendable {
    case help, version
    case mount, uts, ipc, net, pid, user, cgroup, time
    case fork, killChild, forwardSignals, mountProc, mountBinfmt
    case mapUser, mapUsers, mapGroup, mapGroups, mapRootUser, mapCurrentUser, mapAuto, mapSubids, owner
    case propagation, setgroups, keepCaps
    case setuid, setgid, root, wd, monotonic, boottime, loadInterp, clearEnv, whitelistEnv
    case explain, check
}

/// Where an option comes from, which decides how its abbreviations are read.
package enum OptionOrigin: Sendable, Equatable {
    /// util-linux 2.38.1 had it: its abbreviations keep the meaning they had
    /// there (`--fo` is `--fork`, not ambiguous with the newer
    /// `--forward-signals`), so scripts written against it run unchanged.
    case utilLinux2381
    /// util-linux added it after 2.38.1: it shares an abbreviation with an
    /// older option only as the loser.
    case utilLinuxLater
    /// swift-unshare's own: matched only when spelled in full, never an
    /// abbreviation nor in an ambiguity list, so util-linux's messages stay as they are.
    case swiftUnshare
}

/// One row of an option table, for the getopt engine and for the docs tests:
/// the long name, its short letter, its argument kind. Generic over the id so
/// another table can use the same engine.
package struct OptionSpec<ID: Equatable & Sendable>: Sendable, Equatable {
    package let id: ID
    package let long: String
    package let short: UInt8?
    package let argument: ArgumentKind
    /// Wins an abbreviation it shares with options that are not preferred, so
    /// a prefix that was unique before newer options came keeps its meaning.
    package let preferred: Bool

    /// Matched only when spelled in full: never an abbreviation, never in an
    /// ambiguity list (swift-unshare's own options leave util-linux's messages as they are).
    package let exactOnly: Bool

    /// A short option takes an argument exactly when its long form requires one
    /// (unshare's short string is `+fhVmuinpCTUrR:w:S:G:cl:`).
    package var shortTakesArgument: Bool { argument == .required }
}

extension OptionID {
    /// The option's row: its long name, its short letter, its argument kind
    /// and its origin. Every option gives all four here, so a new option does
    /// not compile until its row says how it is read.
    package var row: (long: String, short: Unicode.Scalar?, argument: ArgumentKind, origin: OptionOrigin) {
        switch self {
        case .help: return ("help", "h", .none, .utilLinux2381)
        case .version: return ("version", "V", .none, .utilLinux2381)
        case .mount: return ("mount", "m", .optional, .utilLinux2381)
        case .uts: return ("uts", "u", .optional, .utilLinux2381)
        case .ipc: return ("ipc", "i", .optional, .utilLinux2381)
        case .net: return ("net", "n", .optional, .utilLinux2381)
        case .pid: return ("pid", "p", .optional, .utilLinux2381)
        case .user: return ("user", "U", .optional, .utilLinux2381)
        case .cgroup: return ("cgroup", "C", .optional, .utilLinux2381)
        case .time: return ("time", "T", .optional, .utilLinux2381)
        case .fork: return ("fork", "f", .none, .utilLinux2381)
        case .killChild: return ("kill-child", nil, .optional, .utilLinux2381)
        case .forwardSignals: return ("forward-signals", nil, .none, .utilLinuxLater)
        case .mountProc: return ("mount-proc", nil, .optional, .utilLinux2381)
        case .mountBinfmt: return ("mount-binfmt", nil, .optional, .utilLinuxLater)
        case .mapUser: return ("map-user", nil, .required, .utilLinux2381)
        case .mapUsers: return ("map-users", nil, .required, .utilLinux2381)
        case .mapGroup: return ("map-group", nil, .required, .utilLinux2381)
        case .mapGroups: return ("map-groups", nil, .required, .utilLinux2381)
        case .mapRootUser: return ("map-root-user", "r", .none, .utilLinux2381)
        case .mapCurrentUser: return ("map-current-user", "c", .none, .utilLinux2381)
        case .mapAuto: return ("map-auto", nil, .none, .utilLinux2381)
        case .mapSubids: return ("map-subids", nil, .none, .utilLinuxLater)
        case .owner: return ("owner", nil, .required, .utilLinuxLater)
        case .propagation: return ("propagation", nil, .required, .utilLinux2381)
        case .setgroups: return ("setgroups", nil, .required, .utilLinux2381)
        case .keepCaps: return ("keep-caps", nil, .none, .utilLinux2381)
        case .setuid: return ("setuid", "S", .required, .utilLinux2381)
        case .setgid: return ("setgid", "G", .required, .utilLinux2381)
        case .root: return ("root", "R", .required, .utilLinux2381)
        case .wd: return ("wd", "w", .required, .utilLinux2381)
        case .monotonic: return ("monotonic", nil, .required, .utilLinux2381)
        case .boottime: return ("boottime", nil, .required, .utilLinux2381)
        case .loadInterp: return ("load-interp", "l", .required, .utilLinuxLater)
        case .clearEnv: return ("clear-env", nil, .none, .utilLinuxLater)
        case .whitelistEnv: return ("whitelist-env", nil, .required, .utilLinuxLater)
        case .explain: return ("explain", nil, .none, .swiftUnshare)
        case .check: return ("check", nil, .optional, .swiftUnshare)
        }
    }
}

package enum OptionTable {
    /// unshare's options, in util-linux's long-option table order.
    package static let unshare: [OptionSpec<OptionID>] = OptionID.allCases.map { id in
        let row = id.row
        return OptionSpec(
            id: id, long: row.long, short: row.short.map { UInt8(ascii: $0) }, argument: row.argument,
            preferred: row.origin == .utilLinux2381, exactOnly: row.origin == .swiftUnshare)
    }
}
