// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Recursive propagation for / in a new mount namespace: unshare(1)'s
/// `--propagation slave|shared|private|unchanged` (`UnshareCommand.propagation`).
public enum Propagation: String, Sendable, CaseIterable {
    /// `--propagation slave`: `MS_REC | MS_SLAVE`, mounts outside still reach inside, not back.
    case slave
    /// `--propagation shared`: `MS_REC | MS_SHARED`, mounts travel both ways.
    case shared
    /// `--propagation private` (the default): `MS_REC | MS_PRIVATE`, nothing
    /// travels either way.
    case `private`
    /// `--propagation unchanged`: / is left as it is.
    case unchanged
}

/// What is written to /proc/<pid>/setgroups of a new user namespace:
/// unshare(1)'s `--setgroups allow|deny` (`UnshareCommand.setgroups`).
public enum SetgroupsMode: String, Sendable {
    /// `--setgroups allow`: setgroups(2) stays possible (needs the gid map
    /// written from outside).
    case allow
    /// `--setgroups deny`: setgroups(2) is refused inside (what a
    /// self-written gid map needs).
    case deny
}

/// How --check prints what it found: lines for people, or one JSON object.
package enum CheckFormat: String, Sendable {
    case text, json
}

/// The command line of unshare(1), parsed and resolved (names looked up,
/// subordinate ranges read), with no effect on the system yet.
package struct Options: Equatable, Sendable {
    package var namespaces: Set<Namespace> = []
    /// Files to bind the new namespaces onto.
    package var persist: [Namespace: ByteString] = [:]
    package var fork = false
    package var killChildSignal: Int32?
    package var forwardSignals = false
    package var mountProc: ByteString?
    package var mountBinfmt: ByteString?
    package var loadInterp: ByteString?
    package var propagation: Propagation = .private
    package var root: ByteString?
    package var workingDirectory: ByteString?
    package var setuid: UInt32?
    package var setgid: UInt32?
    package var mapUser: UInt32?
    package var mapGroup: UInt32?
    package var userRanges: [RequestedRange] = []
    package var groupRanges: [RequestedRange] = []
    package var owner: Owner?
    package var setgroups: SetgroupsMode?
    package var keepCaps = false
    package var monotonic: Int64?
    package var boottime: Int64?
    package var clearEnvironment = false
    /// --whitelist-env: the names to keep, in the order they come out. util-linux
    /// prepends each name to its list (every --whitelist-env adds to it), so the
    /// variables come out in reverse order of the command line.
    package var keepEnvironment: [ByteString]?
    /// The program and its arguments (empty: the login shell).
    package var command: [ByteString] = []
    /// --explain: print the plan instead of carrying it out.
    package var explain = false
    /// --check[=json]: try the plan in a throwaway child instead of running
    /// the program (with no other option: report what this machine allows).
    package var check: CheckFormat?

    package init() {}
}

/// --owner uid:gid.
package struct Owner: Equatable, Sendable {
    package var uid: UInt32
    package var gid: UInt32
}

/// What a command line asks for.
package enum Invocation: Equatable, Sendable {
    case run(Options)
    case help
    case version
}

extension Options {
    /// getopt_long over `args` (args[0] is the program name), one option at a
    /// time in order, as util-linux does: the first error stops parsing, so
    /// messages come out in the same order. Lookups (names, subordinate ids,
    /// /proc/self/*_map for `all`) happen here, and nothing else.
    package static func parse(_ args: [ByteString], context: SystemContext) -> Result<Invocation, Failure> {
        var getopt = GetoptLong(options: OptionTable.unshare, args: args)
        var o = Options()
        while let event = getopt.next() {
            switch event {
            case .usageError(let message):
                return .failure(.usage(message))
            case .option(.help, _):
                return .success(.help)
            case .option(.version, _):
                return .success(.version)
            case .option(let id, let value):
                if let failure = o.apply(id, value, context: context) { return .failure(failure) }
            }
        }
        o.command = Array(args[getopt.index...])
        if o.explain && o.check != nil {
            return .failure(Failure("options --check and --explain are mutually exclusive"))
        }
        if (o.monotonic != nil || o.boottime != nil) && !o.namespaces.contains(.time) {
            return .failure(Failure("options --monotonic and --boottime require unsharing of a time namespace (-T)"))
        }
        return .success(.run(o))
    }

    /// The --check format the command line asks for, read as far as parsing
    /// goes (so that --check=json answers a command line refused later in JSON too).
    package static func checkFormat(_ args: [ByteString]) -> CheckFormat? {
        var getopt = GetoptLong(options: OptionTable.unshare, args: args)
        var format: CheckFormat?
        while case .option(let id, let value)? = getopt.next() {
            if id == .check { format = value.map { CheckFormat(rawValue: $0.description) } ?? .text }
        }
        return format
    }

    private mutating func unshareNamespace(_ ns: Namespace, persistTo file: ByteString?) {
        namespaces.insert(ns)
        if let file { persist[ns] = file }
    }

    /// Applies one option; returns the failure that stops parsing, if any.
    private mutating func apply(_ id: OptionID, _ value: ByteString?, context: SystemContext) -> Failure? {
        let arg = value ?? ""
        switch id {
        case .help, .version:
            return nil
        case .mount: unshareNamespace(.mount, persistTo: value)
        case .uts: unshareNamespace(.uts, persistTo: value)
        case .ipc: unshareNamespace(.ipc, persistTo: value)
        case .net: unshareNamespace(.net, persistTo: value)
        case .pid: unshareNamespace(.pid, persistTo: value)
        case .user: unshareNamespace(.user, persistTo: value)
        case .cgroup: unshareNamespace(.cgroup, persistTo: value)
        case .time: unshareNamespace(.time, persistTo: value)
        case .fork:
            fork = true
        case .killChild:
            fork = true
            if let value {
                guard let signal = SignalNames.number(for: value) else { return Failure("unknown signal: \(value)") }
                killChildSignal = signal
            } else {
                killChildSignal = 9
            }
        case .forwardSignals:
            fork = true
            forwardSignals = true
        case .mountProc:
            namespaces.insert(.mount)
            mountProc = value ?? "/proc"
        case .mountBinfmt:
            namespaces.formUnion([.mount, .user])
            if let value {
                mountBinfmt = value
            } else {
                if mountProc == nil { mountProc = "/proc" }
                mountBinfmt = "/proc/sys/fs/binfmt_misc"
            }
        case .loadInterp:
            namespaces.formUnion([.mount, .user])
            if mountBinfmt == nil {
                if mountProc == nil { mountProc = "/proc" }
                mountBinfmt = "/proc/sys/fs/binfmt_misc"
            }
            loadInterp = arg
        case .mapUser:
            namespaces.insert(.user)
            switch Self.lookupID(arg, kind: "uid", lookup: { context.user(named: $0)?.uid }) {
            case .success(let uid): mapUser = uid
            case .failure(let f): return f
            }
        case .mapGroup:
            namespaces.insert(.user)
            switch Self.lookupID(arg, kind: "gid", lookup: { context.groupID(named: $0) }) {
            case .success(let gid): mapGroup = gid
            case .failure(let f): return f
            }
        case .mapRootUser:
            namespaces.insert(.user)
            mapUser = 0
            mapGroup = 0
        case .mapCurrentUser:
            namespaces.insert(.user)
            mapUser = context.euid
            mapGroup = context.egid
        case .mapUsers, .mapGroups:
            namespaces.insert(.user)
            let isUser = id == .mapUsers
            switch Self.ranges(arg, users: isUser, context: context) {
            case .success(let list):
                if isUser { userRanges += list } else { groupRanges += list }
            case .failure(let f):
                return f
            }
        case .mapAuto, .mapSubids:
            namespaces.insert(.user)
            let form: ByteString = id == .mapAuto ? "auto" : "subids"
            for isUser in [true, false] {
                switch Self.ranges(form, users: isUser, context: context) {
                case .success(let list):
                    if isUser { userRanges += list } else { groupRanges += list }
                case .failure(let f):
                    return f
                }
            }
        case .owner:
            namespaces.insert(.user)
            guard let ids = NumberParsing.scanFields(arg, separator: UInt8(ascii: ":"), count: 2) else {
                return Failure("failed to parse owner")
            }
            owner = Owner(uid: ids[0], gid: ids[1])
        case .setgroups:
            guard let mode = SetgroupsMode(rawValue: arg.description), ByteString(mode.rawValue) == arg else {
                return Failure("unsupported --setgroups argument '\(arg)'")
            }
            setgroups = mode
        case .propagation:
            guard let mode = Propagation(rawValue: arg.description), ByteString(mode.rawValue) == arg else {
                return Failure("unsupported propagation mode: \(arg)")
            }
            propagation = mode
        case .keepCaps:
            keepCaps = true
        case .setuid, .setgid:
            let kind = id == .setuid ? "uid" : "gid"
            switch NumberParsing.unsigned32(arg) {
            case .success(let v):
                if id == .setuid { setuid = v } else { setgid = v }
            case .failure(let e):
                return Self.numberFailure("failed to parse \(kind)", arg, e)
            }
        case .root:
            root = arg
        case .wd:
            workingDirectory = arg
        case .monotonic, .boottime:
            let name = id == .monotonic ? "monotonic" : "boottime"
            switch NumberParsing.signed64(arg) {
            case .success(let v):
                if id == .monotonic { monotonic = v } else { boottime = v }
            case .failure(let e):
                return Self.numberFailure("failed to parse \(name) offset", arg, e)
            }
        case .clearEnv:
            clearEnvironment = true
        case .explain:
            explain = true
        case .check:
            guard let value else {
                check = .text
                return nil
            }
            guard let format = CheckFormat(rawValue: value.description), ByteString(format.rawValue) == value else {
                return Failure("unsupported --check format '\(value)'")
            }
            check = format
        case .whitelistEnv:
            let names = arg.split(UInt8(ascii: ",")).filter { !$0.isEmpty }
            keepEnvironment = names.reversed() + (keepEnvironment ?? [])
        }
        return nil
    }

    /// strtoul_or_err's two texts: "msg: 'x'" (EINVAL) and "msg: 'x': strerror" (ERANGE).
    static func numberFailure(_ message: String, _ arg: ByteString, _ e: Errno) -> Failure {
        e.rawValue == ERANGE ? .system("\(message): '\(arg)'", e) : Failure("\(message): '\(arg)'")
    }

    /// A number (read as util-linux's ul_strtou64 reads it), or else a name
    /// looked up in passwd/group. A negative or too large number is ERANGE;
    /// 4294967295 is (uid_t)-1, which util-linux refuses as `Invalid argument`.
    private static func lookupID(
        _ arg: ByteString, kind: String,
        lookup: (ByteString) -> UInt32?
    ) -> Result<UInt32, Failure> {
        switch NumberParsing.unsigned64(arg) {
        case .success(let v):
            if v > UInt64(UInt32.max) { return .failure(.system("failed to parse \(kind) '\(arg)'", Errno(ERANGE))) }
            if v == UInt64(UInt32.max) { return .failure(.system("failed to parse \(kind) '\(arg)'", Errno(EINVAL))) }
            return .success(UInt32(v))
        case .failure(let e) where e.rawValue == ERANGE:
            return .failure(.system("failed to parse \(kind) '\(arg)'", e))
        case .failure:
            if let id = lookup(arg) { return .success(id) }
            return .failure(.system("failed to parse \(kind) '\(arg)'", Errno(EINVAL)))
        }
    }

    /// The ranges one --map-users/--map-groups value stands for.
    static func ranges(_ arg: ByteString, users: Bool, context: SystemContext) -> Result<[RequestedRange], Failure> {
        let subidFile = users ? "/etc/subuid" : "/etc/subgid"
        switch arg {
        case "auto", "subids":
            let identity = arg == "subids"
            return SubordinateIDs.firstRange(file: subidFile, context: context).map {
                [RequestedRange(inner: identity ? $0.start : nil, outer: $0.start, count: $0.count)]
            }
        case "all":
            return SubordinateIDs.kernelMap(file: users ? "/proc/self/uid_map" : "/proc/self/gid_map", context: context)
        default:
            guard let range = RequestedRange.parse(arg) else { return .failure(Failure("invalid mapping '\(arg)'")) }
            return .success([range])
        }
    }
}
