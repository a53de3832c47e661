// SPDX-License-Identifier: Apache-2.0
/// Why a spawn failed: the core's one error value (`Failure`, the same value
/// the CLI prints, in util-linux's words) with two facts a library caller
/// branches on: the stage it failed at and the map strategy that was chosen.
/// Not a second hierarchy: every message, errno and exit status is the
/// `Failure`'s.
public struct SpawnError: Error, Equatable, Sendable, CustomStringConvertible {
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

    public var stage: Stage
    public var strategy: MapStrategy
    /// util-linux's message and the exit status the CLI would end with.
    public var failure: Failure
    /// The system error behind it, when there is one.
    public var errno: Errno?

    public init(_ stage: Stage, strategy: MapStrategy, failure: Failure, errno: Errno? = nil) {
        self.stage = stage
        self.strategy = strategy
        self.failure = failure
        self.errno = errno
    }

    /// `<what>: <strerror>`, as the CLI's err(3)-style messages.
    static func system(
        _ stage: Stage, _ strategy: MapStrategy, _ what: ByteString, _ e: Errno,
        exitCode: Int32 = 1
    ) -> SpawnError {
        SpawnError(stage, strategy: strategy, failure: .system(what, e, exitCode: exitCode), errno: e)
    }

    /// The message, without a program name in front.
    public var message: String { failure.message?.description ?? "" }
    public var exitCode: Int32 { failure.exitCode }
    public var description: String { message }
}
