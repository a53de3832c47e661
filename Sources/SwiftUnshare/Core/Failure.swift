// SPDX-License-Identifier: Apache-2.0
/// Why swift-unshare stops: what it was doing (the operation and the object
/// it acted on), the errno if a call failed, the exit status, and an optional
/// hint line. One value, rendered in two dialects: util-linux's
/// (`unshare: <text>[: strerror]` + "Try" line for usage errors) and
/// podman's (`Error: <text>[: go errno text]`, plus what podman prints before
/// it: see `Operation.podman` and Podman/PodmanFailure.swift). The only error
/// type of the CLI; the library's `SpawnError` is this value plus the stage.
/// What unshare(1) prints and exits with when it fails; no option of its own.
public struct Failure: Error, Sendable {
    package var operation: Operation
    /// The system error behind it, when a call failed: the strerror(3) text
    /// unshare(1) appends.
    public var errno: Errno?
    /// The exit status unshare(1) ends with for it (1; 126 or 127 for exec failures).
    public var exitCode: Int32
    /// A line of advice printed after the message (Hints/Hints.swift: the cause and its fix).
    package var hint: ByteString?

    package init(_ operation: Operation, _ errno: Errno? = nil, exitCode: Int32 = 1, hint: ByteString? = nil) {
        self.operation = operation
        self.errno = errno
        self.exitCode = exitCode
        self.hint = hint
    }

    /// A message in the pure layers' own words (parsing and planning), as
    /// unshare(1) words it; `tryHelp` adds its `Try 'unshare --help'` line.
    /// Throws nothing.
    public init(_ message: ByteString, exitCode: Int32 = 1, tryHelp: Bool = false) {
        self.init(tryHelp ? .usage(message) : .message(message), exitCode: exitCode)
    }

    /// `<what>: <strerror(errno)>`, as util-linux's err(3).
    package static func system(_ what: ByteString, _ errno: Errno, exitCode: Int32 = 1) -> Failure {
        Failure(.message(what), errno, exitCode: exitCode)
    }

    package static func usage(_ message: ByteString) -> Failure {
        Failure(.usage(message))
    }

    package var tryHelp: Bool {
        if case .usage = operation { return true }
        return false
    }

    /// The text unshare(1) prints after "<program>: ", or nil when the
    /// failing helper (newuidmap, say) already printed its own message.
    public var message: ByteString? {
        guard let text = operation.text else { return nil }
        guard let errno else { return text }
        return "\(text): \(errno.description)"
    }

    /// What util-linux prints on stderr for this failure, named by `program`.
    /// The hint line follows even when the helper spoke for itself.
    package func rendered(program: ByteString) -> ByteString {
        var text: ByteString = ""
        if let message {
            text = "\(program): \(message)\n"
            if tryHelp { text = text + "Try '\(program) --help' for more information.\n" }
        }
        if let hint { text = text + "\(program): \(hint)\n" }
        return text
    }

    /// podman's dialect: the text of `Error: <text>`, with Go's errno words
    /// (`errnoText` is GoText.errnoText in podman mode).
    package func podmanText(errnoText: (Int32) -> String) -> ByteString {
        if case .podman(let output) = operation { return output.message ?? "" }
        guard let text = operation.text else {
            if case .helperExited(_, let status) = operation {
                return "newuidmap or newgidmap exited with status \(status)"
            }
            return ""
        }
        guard let errno else { return text }
        return text + ": " + ByteString(errnoText(errno.rawValue))
    }
}

extension Failure: Equatable {
    /// Equal when they say the same thing: the same text, status and lines
    /// that unshare(1) would print (no option).
    public static func == (a: Failure, b: Failure) -> Bool {
        a.message == b.message && a.exitCode == b.exitCode && a.tryHelp == b.tryHelp && a.hint == b.hint
            && (a.message != nil || a.operation == b.operation) && a.podmanOutput == b.podmanOutput
    }
}

extension Failure {
    /// What was being done, with the object it was done to. `text` is the one
    /// message table of the executor and the helpers.
    package enum Operation: Equatable, Sendable {
        /// The pure layers' own words.
        case message(ByteString)
        /// A usage error: the "Try ... --help" line follows.
        case usage(ByteString)
        /// A call named as util-linux names it: `<call> failed` ("unshare", "setgroups", "setgid()").
        case call(ByteString)
        case openFile(ByteString)
        case writeFile(ByteString)
        case openTimeOffsets(ByteString)
        case writeTimeOffsets(ByteString)
        /// Propagation of a mount point; nil: the root filesystem.
        case changePropagation(ByteString?)
        case changeRoot(ByteString)
        case changeDirectory(ByteString)
        case mount(ByteString)
        case execute(ByteString)
        /// `auto` or `subids`: no line of `file` (/etc/subuid, /etc/subgid) names the user.
        case noSubordinateRange(user: ByteString, file: ByteString)
        /// The same, from an NSS `subid:` module: no `kind` ("uid", "gid") range for the user.
        case noSubordinateRangeFromNSS(kind: ByteString, user: ByteString, module: ByteString)
        /// A helper child reported a failed step.
        case helper(HelperStep, object: ByteString)
        /// A helper (newuidmap, say) exited non-zero after printing its own message.
        case helperExited(tool: ByteString, status: Int32)
        /// A helper was ended by a signal.
        case helperKilled(tool: ByteString, signal: Int32)
        /// The fork parent could not end as its child did.
        case childExit
        case writeError
        /// One of podman's own failures, in podman's words (podman mode).
        case podman(PodmanOutput)

        /// util-linux's words, or nil when the helper already printed its own.
        package var text: ByteString? {
            switch self {
            case .message(let text), .usage(let text): return text
            case .call(let name): return "\(name) failed"
            case .openFile(let path): return "cannot open \(path)"
            case .writeFile(let path): return "write failed \(path)"
            case .openTimeOffsets(let path): return "failed to open \(path)"
            case .writeTimeOffsets(let path): return "failed to write to \(path)"
            case .changePropagation(nil): return "cannot change root filesystem propagation"
            case .changePropagation(let dir?): return "cannot change \(dir) filesystem propagation"
            case .changeRoot(let dir): return "cannot change root directory to '\(dir)'"
            case .changeDirectory(let dir): return "cannot change directory to \(dir)"
            case .mount(let what): return "mount \(what) failed"
            case .execute(let program): return "failed to execute \(program)"
            case .noSubordinateRange(let user, let file): return "no line matching user \"\(user)\" in \(file)"
            case .noSubordinateRangeFromNSS(let kind, let user, let module):
                return "no subordinate \(kind) range for user \"\(user)\" from NSS module \"\(module)\""
            case .helper(let step, let object): return step.text(object)
            case .helperExited: return nil
            case .helperKilled(let tool, let signal): return "\(tool): terminated by signal \(signal)"
            case .childExit: return "child exit failed"
            case .writeError: return "write error"
            case .podman(let output): return output.message
            }
        }
    }
}

/// The steps a helper child reports, as CUnshareSys's `enum cu_step` numbers them.
package enum HelperStep: Int32, Sendable, CaseIterable {
    case openUIDMap = 1
    case writeUIDMap = 2
    case openGIDMap = 3
    case writeGIDMap = 4
    case executeNewuidmap = 5
    case executeNewgidmap = 6
    case bind = 8

    /// The message for this step acting on `object` (a map file, a program, "source on target").
    func text(_ object: ByteString) -> ByteString {
        switch self {
        case .openUIDMap, .openGIDMap: return "failed to open \(object)"
        case .writeUIDMap, .writeGIDMap: return "failed to write \(object)"
        case .executeNewuidmap, .executeNewgidmap: return "failed to execute \(object)"
        case .bind: return "mount \(object) failed"
        }
    }
}
