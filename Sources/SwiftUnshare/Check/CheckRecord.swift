// SPDX-License-Identifier: Apache-2.0
/// How a step of a check went.
package enum StepOutcome: Equatable, Sendable {
    case ok
    case failed(CheckFailure)
    /// An earlier step failed, so this one was not tried.
    case notReached
}

/// A step that failed, as the command would have failed there.
package struct CheckFailure: Equatable, Sendable {
    /// What failed, as the hints read it.
    package var operation: FailedOperation
    /// util-linux's text after "<program>: ", or nil when a helper
    /// (newuidmap, say) already printed its own message.
    package var message: ByteString?
    /// The exit status the command would have ended with.
    package var exitCode: Int32

    package init(operation: FailedOperation, message: ByteString?, exitCode: Int32) {
        self.operation = operation
        self.message = message
        self.exitCode = exitCode
    }

    package init(_ failure: Failure) {
        self.init(operation: FailedOperation(failure), message: failure.message, exitCode: failure.exitCode)
    }
}

/// One line a trial writes back for each step it carried out: the step's
/// index, its outcome, and for a failure the operation, the message and the
/// exit status, tab-separated (a tab, a newline or a backslash inside a field
/// is escaped). A line is written with one write(2) to a file every process of
/// the trial shares, so lines from a fork parent and its child never mix.
enum CheckRecord {
    static func line(_ index: Int, _ outcome: StepOutcome) -> [UInt8] {
        var fields: [ByteString] = ["\(index)"]
        switch outcome {
        case .ok, .notReached:
            fields.append("ok")
        case .failed(let f):
            let (kind, errno, name) = encode(f.operation)
            let said: ByteString = f.message == nil ? "-" : "+"
            fields += ["failed", "\(f.exitCode)", ByteString(kind), "\(errno)", name, said, f.message ?? ""]
        }
        return Array(fields.map { escape($0.bytes) }.joined(separator: [0x09])) + [0x0a]
    }

    /// Every step's outcome from the lines of a trial (`count` steps): a step
    /// with no line was not reached; a step any line says failed, failed (a
    /// fork parent and its child both speak for the fork).
    static func outcomes(_ text: [UInt8], count: Int) -> [StepOutcome] {
        var outcomes = [StepOutcome](repeating: .notReached, count: count)
        for line in text.split(separator: 0x0a) {
            let fields = line.split(separator: 0x09, omittingEmptySubsequences: false).map { unescape(Array($0)) }
            guard let index = Int(String(decoding: fields[0], as: UTF8.self)), outcomes.indices.contains(index)
            else { continue }
            if fields.count >= 8, fields[1] == Array("failed".utf8),
                let code = Int32(String(decoding: fields[2], as: UTF8.self)),
                let errno = Int32(String(decoding: fields[4], as: UTF8.self))
            {
                let operation = decode(String(decoding: fields[3], as: UTF8.self), Errno(errno), ByteString(fields[5]))
                let message = fields[6] == [UInt8(ascii: "+")] ? ByteString(fields[7]) : nil
                outcomes[index] = .failed(CheckFailure(operation: operation, message: message, exitCode: code))
            } else if outcomes[index] == .notReached {
                outcomes[index] = .ok
            }
        }
        return outcomes
    }

    private static func encode(_ op: FailedOperation) -> (String, Int32, ByteString) {
        switch op {
        case .unshare(let e): return ("unshare", e.rawValue, "")
        case .mapWrite(let e): return ("map-write", e.rawValue, "")
        case .helperExec(let tool, let e): return ("helper-exec", e.rawValue, tool)
        case .helperRefused: return ("helper-refused", 0, "")
        case .exec(let program, let e): return ("exec", e.rawValue, program)
        case .noSubordinateRange: return ("no-subordinate-range", 0, "")
        case .propagation(let e): return ("propagation", e.rawValue, "")
        case .mount(let object, let e): return ("mount", e.rawValue, object)
        case .timeOffsets(let e): return ("time-offsets", e.rawValue, "")
        case .other: return ("other", 0, "")
        }
    }

    private static func decode(_ kind: String, _ e: Errno, _ name: ByteString) -> FailedOperation {
        switch kind {
        case "unshare": return .unshare(e)
        case "map-write": return .mapWrite(e)
        case "helper-exec": return .helperExec(name, e)
        case "helper-refused": return .helperRefused
        case "exec": return .exec(name, e)
        case "no-subordinate-range": return .noSubordinateRange
        case "propagation": return .propagation(e)
        case "mount": return .mount(name, e)
        case "time-offsets": return .timeOffsets(e)
        default: return .other
        }
    }

    private static func escape(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for b in bytes {
            switch b {
            case 0x09: out += Array(#"\t"#.utf8)
            case 0x0a: out += Array(#"\n"#.utf8)
            case 0x5c: out += Array(#"\\"#.utf8)
            default: out.append(b)
            }
        }
        return out
    }

    private static func unescape(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x5c && i + 1 < bytes.count {
                let next = bytes[i + 1]
                out.append(next == UInt8(ascii: "t") ? 0x09 : next == UInt8(ascii: "n") ? 0x0a : next)
                i += 2
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }
}
