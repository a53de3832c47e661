// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Why a spawn failed: the core's one error value (`Failure`, the same value
/// the CLI prints, in util-linux's words) with two facts a library caller
/// branches on: the stage it failed at and the map strategy that was chosen.
/// Not a second hierarchy: every message, errno and exit status is the
/// `Failure`'s.
public struct SpawnError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where the spawn failed.
    public enum Stage: Equatable, Sendable {
        /// The description itself (maps, setgroups, /etc/subuid): nothing was started.
        case request
        /// The clone: namespaces refused, or no process.
        case clone
        /// Maps written from outside: the parent's write, or newuidmap/newgidmap.
        case idMap
        /// A step of the child before exec (its own maps, descriptors, directory).
        case setup
        /// The program is not there (exit status 127 in a shell).
        case notFound
        /// The program is there but could not be executed (126).
        case notExecutable
    }

    /// Where it failed.
    public var stage: Stage
    /// The map strategy that was chosen (`.none` for a bad request).
    public var strategy: MapStrategy
    /// util-linux's message and the exit status the CLI would end with.
    public var failure: Failure
    /// The system error behind it, when there is one (the failure's).
    public var errno: Errno? { failure.errno }
    /// When newuidmap or newgidmap failed: what it was run with and how it
    /// ended, for a caller that words the failure its own way.
    public var helper: IDMapperReport?

    /// An error of this stage, strategy and failure (the library makes them;
    /// a caller may, to compare with).
    public init(
        _ stage: Stage, strategy: MapStrategy, failure: Failure, helper: IDMapperReport? = nil
    ) {
        self.stage = stage
        self.strategy = strategy
        self.failure = failure
        self.helper = helper
    }

    /// `<what>: <strerror>`, as the CLI's err(3)-style messages.
    static func system(
        _ stage: Stage, _ strategy: MapStrategy, _ what: ByteString, _ e: Errno,
        exitCode: Int32 = 1
    ) -> SpawnError {
        SpawnError(stage, strategy: strategy, failure: .system(what, e, exitCode: exitCode))
    }

    /// The message, without a program name in front.
    public var message: String { failure.message?.description ?? "" }
    /// The exit status unshare(1) would end with: 1, or 126 and 127 for exec failures.
    public var exitCode: Int32 { failure.exitCode }
    /// The message.
    public var description: String { message }
}

/// The raw facts of a newuidmap or newgidmap run that failed (`SpawnError.helper`).
public struct IDMapperReport: Equatable, Sendable {
    /// `newuidmap` or `newgidmap`.
    public var tool: ByteString
    /// Its argv, argv[0] first: the tool, the child's pid, then inner, outer, count per line.
    public var arguments: [ByteString]
    /// What it wrote on its standard output and error (captured together).
    public var output: ByteString
    /// How it ended; nil when it could not be executed.
    public var ending: ProcessEnding?
    /// It was killed by a signal and dumped core.
    public var coreDumped: Bool
    /// Why it could not be executed (execvp's errno: ENOENT when it is nowhere in PATH).
    public var execError: Errno?

    /// A report of these facts (the library makes them; a caller may, to compare with).
    public init(
        tool: ByteString, arguments: [ByteString], output: ByteString, ending: ProcessEnding?,
        coreDumped: Bool = false, execError: Errno? = nil
    ) {
        self.tool = tool
        self.arguments = arguments
        self.output = output
        self.ending = ending
        self.coreDumped = coreDumped
        self.execError = execError
    }

    /// The message a failed run gives (util-linux's words): the tool's own
    /// output without its trailing newlines, else how it ended; and the exit status.
    public var failure: Failure? {
        if let e = execError {
            return .system("failed to execute \(tool)", e, exitCode: e.rawValue == ENOENT ? 127 : 126)
        }
        guard let ending, ending != .exited(0) else { return nil }
        var message = ByteString(Array(output.bytes.reversed().drop(while: { $0 == 0x0a }).reversed()))
        let exitCode: Int32
        switch ending {
        case .exited(let code):
            exitCode = code
            if message.isEmpty { message = "\(tool) failed with exit status \(code)" }
        case .signaled(let signal):
            exitCode = 1
            if message.isEmpty { message = "\(tool) killed by signal \(signal)" }
        }
        return Failure(message, exitCode: exitCode)
    }
}
