// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Why a spawn failed: the core's one error value (`Failure`, the same value
/// the CLI prints, in util-linux's words) with two facts a library caller
/// branches on: the stage it failed at and the map strategy that was chosen.
/// Not a second hierarchy: every message, errno and exit status is the
/// `Failure`'s. What `spawn()` throws: a failure unshare(1) would have
/// printed and exited with for the same options.
public struct SpawnError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where the spawn failed, in the order of unshare(1)'s steps.
    public enum Stage: Equatable, Sendable {
        /// The description itself (maps, setgroups, /etc/subuid): nothing was
        /// started. unshare(1) refuses such options before it unshares.
        case request
        /// The clone: namespaces refused, or no process: unshare(1)'s
        /// `unshare failed` (and `fork failed` with `--fork`).
        case clone
        /// Maps written from outside: the parent's write, or
        /// newuidmap/newgidmap, as unshare(1)'s `--map-users` writes them.
        case idMap
        /// A step of the child before exec (its own maps, descriptors,
        /// directory): unshare(1)'s `-r` map writes and `--wd`.
        case setup
        /// The program is not there: unshare(1)'s `failed to execute` with exit status 127.
        case notFound
        /// The program is there but could not be executed: unshare(1)'s
        /// `failed to execute` with exit status 126.
        case notExecutable
    }

    /// Where it failed (`Stage`, in the order of unshare(1)'s steps).
    public var stage: Stage
    /// The map strategy that was chosen (`.none` for a bad request), as
    /// unshare(1) chooses it.
    public var strategy: MapStrategy
    /// unshare(1)'s message and the exit status it would end with.
    public var failure: Failure
    /// The system error behind it, when there is one (the failure's): the
    /// strerror(3) text unshare(1) appends.
    public var errno: Errno? { failure.errno }
    /// When newuidmap or newgidmap failed: what it was run with and how it
    /// ended, for a caller that words the failure its own way (unshare(1)
    /// prints the tool's own output).
    public var helper: IDMapperReport?

    /// An error of this stage, strategy and failure (the library makes them;
    /// a caller may, to compare with). Throws nothing; no unshare(1) option.
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

    /// The message, without a program name in front: what unshare(1) prints
    /// after `unshare: `.
    public var message: String { failure.message?.description ?? "" }
    /// The exit status unshare(1) would end with: 1, or 126 and 127 for exec failures.
    public var exitCode: Int32 { failure.exitCode }
    /// The message (`message`): what unshare(1) prints after `unshare: `.
    public var description: String { message }
}

/// The raw facts of a newuidmap or newgidmap run that failed
/// (`SpawnError.helper`): the tools unshare(1)'s `--map-users` and
/// `--map-groups` run as an unprivileged user.
public struct IDMapperReport: Equatable, Sendable {
    /// `newuidmap` (unshare(1)'s `--map-users`) or `newgidmap` (`--map-groups`).
    public var tool: ByteString
    /// Its argv, argv[0] first: the tool, the child's pid, then inner, outer,
    /// count per line, as unshare(1) runs it.
    public var arguments: [ByteString]
    /// What it wrote on its standard output and error (captured together):
    /// what unshare(1) lets through to its own standard error.
    public var output: ByteString
    /// How it ended; nil when it could not be executed. unshare(1) fails
    /// with its exit status.
    public var ending: ProcessEnding?
    /// It was killed by a signal and dumped core (unshare(1) says so too).
    public var coreDumped: Bool
    /// Why it could not be executed (execvp's errno: ENOENT when it is nowhere
    /// in PATH): unshare(1)'s `failed to execute newuidmap`.
    public var execError: Errno?

    /// A report of these facts (the library makes them; a caller may, to
    /// compare with). Throws nothing; no unshare(1) option.
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
    /// output without its trailing newlines, else how it ended; and the exit
    /// status: what unshare(1) prints and ends with when the tool fails.
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
