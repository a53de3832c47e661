import Glibc

/// An errno value with strerror(3)'s text.
public struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's errno, right now.
    public static var current: Errno { Errno(errno) }

    public var description: String { String(cString: strerror(rawValue)) }
}

/// Why swift-unshare stops: the text after "<program>: ", the exit status,
/// and whether glibc's "Try '... --help'" line follows (usage errors only).
public struct Failure: Error, Equatable, Sendable {
    public var message: ByteString
    public var exitCode: Int32
    public var tryHelp: Bool

    public init(_ message: ByteString, exitCode: Int32 = 1, tryHelp: Bool = false) {
        self.message = message
        self.exitCode = exitCode
        self.tryHelp = tryHelp
    }

    /// A failed step: `<what>: <strerror(errno)>`, as util-linux's err(3).
    public static func system(_ what: ByteString, _ errno: Errno, exitCode: Int32 = 1) -> Failure {
        Failure("\(what): \(errno.description)", exitCode: exitCode)
    }

    public static func usage(_ message: ByteString) -> Failure {
        Failure(message, exitCode: 1, tryHelp: true)
    }

    /// What util-linux prints on stderr for this failure, named by `program`.
    /// An empty message means the failing helper already spoke for itself.
    public func rendered(program: ByteString) -> ByteString {
        if message.isEmpty { return "" }
        var text: ByteString = "\(program): \(message)\n"
        if tryHelp { text = text + "Try '\(program) --help' for more information.\n" }
        return text
    }
}
