// SPDX-License-Identifier: Apache-2.0
/// One line of --check's report: a thing this machine allows this user, or not.
package struct Capability: Equatable, Sendable {
    package enum Status: String, Sendable {
        /// It works (tried, where it can be tried).
        case ok
        /// It is there but does not work for this user: `reason` and `fix` say why.
        case no
        /// This machine does not have it (and nothing here needs it to).
        case absent
    }

    /// The line's name (stable: scripts key on it).
    package var name: String
    package var status: Status
    /// For `ok` and `absent`: what was found (a path, a value, a count).
    package var detail: ByteString?
    /// For `no`: the cause, in a hint's words when a detector names it, else util-linux's message.
    package var reason: ByteString?
    /// For `no`: what to do (empty when nothing is known to help).
    package var fix: ByteString?
    /// The hint whose words these are, when one is.
    package var hint: Hint.Cause?

    package static func ok(_ name: String, _ detail: ByteString? = nil) -> Capability {
        Capability(name: name, status: .ok, detail: detail)
    }

    package static func absent(_ name: String, _ detail: ByteString? = nil) -> Capability {
        Capability(name: name, status: .absent, detail: detail)
    }

    package static func no(_ name: String, _ hint: Hint) -> Capability {
        Capability(name: name, status: .no, reason: hint.reason, fix: hint.fix, hint: hint.cause)
    }

    package static func no(_ name: String, reason: ByteString, fix: ByteString = "") -> Capability {
        Capability(name: name, status: .no, reason: reason, fix: fix)
    }

    init(
        name: String, status: Status, detail: ByteString? = nil, reason: ByteString? = nil, fix: ByteString? = nil,
        hint: Hint.Cause? = nil
    ) {
        self.name = name
        self.status = status
        self.detail = detail
        self.reason = reason
        self.fix = fix
        self.hint = hint
    }

    /// `<name>: ok (<detail>)`, `<name>: no: <reason>; <fix>` or `<name>: absent (<detail>)`.
    package var line: ByteString {
        var text: ByteString = "\(name): \(status.rawValue)"
        switch status {
        case .ok, .absent:
            if let detail { text = text + " (" + detail + ")" }
        case .no:
            text = text + ": " + (reason ?? "")
            if let fix, !fix.isEmpty { text = text + "; " + fix }
        }
        return text + "\n"
    }

    var json: JSON {
        .object([
            ("name", .string(name)), ("status", .string(status.rawValue)), ("detail", .optional(detail)),
            ("reason", .optional(reason)), ("fix", .optional(fix)),
            ("hint", .optional(hint.map { ByteString($0.rawValue) })),
        ])
    }
}

extension CheckOutput {
    /// The report as lines.
    package static func reportText(_ lines: [Capability]) -> ByteString {
        ByteString(Array(lines.map(\.line.bytes).joined()))
    }

    /// The report as one JSON object (`mode` "report", or "podman" for podman-unshare --check).
    package static func reportJSON(_ lines: [Capability], mode: String, user: PasswdEntry?, uid: UInt32, gid: UInt32)
        -> ByteString
    {
        line(
            schema + [
                ("mode", .string(mode)),
                (
                    "user",
                    .object([("name", .optional(user?.name)), ("uid", .int(uid)), ("gid", .int(gid))])
                ),
                ("ok", .bool(lines.allSatisfy { $0.status != .no })),
                ("capabilities", .array(lines.map(\.json))),
            ])
    }
}
