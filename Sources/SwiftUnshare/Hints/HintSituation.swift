// SPDX-License-Identifier: Apache-2.0
import Glibc

/// What went wrong, as far as the hints care: the failed operation and its
/// errno, read from the one error value (Core/Failure.swift).
package enum FailedOperation: Equatable, Sendable {
    /// unshare(2) itself.
    case unshare(Errno)
    /// Writing a uid_map, gid_map or setgroups file ourselves (or our privileged helper).
    case mapWrite(Errno)
    /// newuidmap or newgidmap could not be executed.
    case helperExec(ByteString, Errno)
    /// newuidmap or newgidmap ran, said why on stderr, and failed.
    case helperRefused
    /// The program could not be executed.
    case exec(ByteString, Errno)
    /// `auto` or `subids` found no range for the caller.
    case noSubordinateRange
    /// Changing the propagation of / in the new mount namespace.
    case propagation(Errno)
    /// A mount: proc or binfmt_misc on a directory, or a namespace file bound
    /// onto a target (`object` is the directory, or "source on target").
    case mount(ByteString, Errno)
    /// Opening or writing /proc/self/timens_offsets.
    case timeOffsets(Errno)
    case other

    /// What the one error value says was being done: read from the
    /// operation (its case, never its words), each one named, so that a new
    /// operation does not compile until it says whether a hint may follow it.
    package init(_ failure: Failure) {
        let e = failure.errno ?? Errno(0)
        switch failure.operation {
        case .call("unshare") where failure.errno != nil:
            self = .unshare(e)
        case .helper(.executeNewuidmap, _) where failure.errno != nil:
            self = .helperExec("newuidmap", e)
        case .helper(.executeNewgidmap, _) where failure.errno != nil:
            self = .helperExec("newgidmap", e)
        case .helper(.openUIDMap, _), .helper(.writeUIDMap, _), .helper(.openGIDMap, _), .helper(.writeGIDMap, _):
            self = .mapWrite(e)
        case .openFile(let path), .writeFile(let path):
            self = SelfWrite.paths.contains(path) ? .mapWrite(e) : .other
        case .execute(let program) where failure.errno != nil:
            self = .exec(program, e)
        case .helperExited:
            self = .helperRefused
        case .noSubordinateRange, .noSubordinateRangeFromNSS:
            self = .noSubordinateRange
        case .changePropagation(nil) where failure.errno != nil:
            self = .propagation(e)
        case .mount(let object) where failure.errno != nil, .helper(.bind, let object) where failure.errno != nil:
            self = .mount(object, e)
        case .openTimeOffsets, .writeTimeOffsets:
            self = .timeOffsets(e)
        case .message, .usage, .call, .changePropagation, .changeRoot, .changeDirectory, .mount, .execute, .helper,
            .helperKilled, .childExit, .writeError, .podman:
            self = .other
        }
    }
}

/// Everything a hint detector looks at: the command line, what it parsed and
/// planned into (when it got that far), and what failed (nil: --explain, which
/// asks the detectors to predict).
package struct HintSituation: Sendable {
    package var arguments: [ByteString]
    package var options: Options?
    package var plan: Plan?
    package var failure: FailedOperation?

    package init(arguments: [ByteString], options: Options?, plan: Plan?, failure: FailedOperation?) {
        self.arguments = arguments
        self.options = options
        self.plan = plan
        self.failure = failure
    }

    /// The namespaces asked for (none known when parsing failed).
    var namespaces: Set<Namespace> { options?.namespaces ?? [] }
    var wantsUser: Bool { namespaces.contains(.user) }

    /// The failure is one of these, or we are predicting.
    func failed(_ matches: (FailedOperation) -> Bool) -> Bool {
        failure.map(matches) ?? true
    }

    /// The maps a helper writes (uid, gid), from the plan.
    var helperMaps: [(kind: String, lines: [IDRange])] {
        guard let plan else { return [] }
        return [("uid", plan.uidMap), ("gid", plan.gidMap)].compactMap { k, l in l.map { (k, $0) } }
    }
}
