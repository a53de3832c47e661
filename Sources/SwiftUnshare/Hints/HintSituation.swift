import Glibc

/// What went wrong, as far as the hints care: the failed operation and its errno.
/// (Derived from the failure's text today; the one error value carries it directly.)
public enum FailedOperation: Equatable, Sendable {
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
    case other

    /// Recognizes util-linux's texts (Failure.message) for the operations above.
    public static func classify(_ failure: Failure) -> FailedOperation {
        let text = failure.message.description
        if text.isEmpty { return .helperRefused }
        func errno(after prefix: String) -> Errno? {
            guard text.hasPrefix(prefix) else { return nil }
            let rest = text.dropFirst(prefix.count)
            return knownErrnos.first { rest.hasSuffix(": \($0.description)") }
        }
        if let e = errno(after: "unshare failed") { return .unshare(e) }
        for tool in ["newuidmap", "newgidmap"] {
            if let e = errno(after: "failed to execute \(tool)") { return .helperExec(ByteString(tool), e) }
        }
        if let e = errno(after: "failed to execute ") {
            let program = text.dropFirst("failed to execute ".count).dropLast(": \(e.description)".count)
            return .exec(ByteString(String(program)), e)
        }
        for prefix in ["write failed /proc/self/", "failed to write /proc/", "cannot open /proc/self/", "failed to open /proc/"] {
            if let e = errno(after: prefix) { return .mapWrite(e) }
        }
        if text.hasPrefix("no line matching user") || text.hasPrefix("no subordinate ") { return .noSubordinateRange }
        return .other
    }

    static let knownErrnos = [EPERM, ENOSPC, EUSERS, EINVAL, ENOENT, EACCES, ENOEXEC, ENOTDIR].map(Errno.init)
}

/// Everything a hint detector looks at: the command line, what it parsed and
/// planned into (when it got that far), and what failed (nil: --explain, which
/// asks the detectors to predict).
public struct HintSituation: Sendable {
    public var arguments: [ByteString]
    public var options: Options?
    public var plan: Plan?
    public var failure: FailedOperation?

    public init(arguments: [ByteString], options: Options?, plan: Plan?, failure: FailedOperation?) {
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
