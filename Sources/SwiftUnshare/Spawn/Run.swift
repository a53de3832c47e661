// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

extension UnshareCommand {
    /// Where a run's standard input comes from (`runBlocking`, and `run` in
    /// SwiftUnshareAsync). Named as swift-subprocess names its inputs.
    /// unshare(1) has no option for it: its program reads the shell's input.
    public enum Input: Equatable, Sendable {
        /// Nothing: the program reads end of file (/dev/null), as after
        /// `unshare ... </dev/null` in a shell (unshare(1) has no option).
        case none
        /// The caller's own standard input, as unshare(1)'s program reads the shell's.
        case inherit
        /// These bytes, written to the program through a pipe that is closed
        /// after the last byte, while its output is read (no deadlock against a
        /// program that writes a lot before it reads). A program that stops
        /// reading early is no error: the rest is dropped. In a shell:
        /// `printf ... | unshare ...` (unshare(1) has no option).
        case bytes([UInt8])
        /// This descriptor of the caller (it stays open in the caller): `unshare ... <file`
        /// in a shell (unshare(1) has no option).
        case fileDescriptor(Int32)

        /// The text's UTF-8 bytes (`.bytes`). No unshare(1) option: see `.bytes`.
        public static func string(_ text: String) -> Input { .bytes(Array(text.utf8)) }
    }

    /// Where a run's standard output or error goes. unshare(1) has no option
    /// for it: its program writes to the shell's descriptors.
    public enum Output: Equatable, Sendable {
        /// Nowhere (/dev/null): `unshare ... >/dev/null` in a shell (unshare(1) has no option).
        case discarded
        /// The caller's own descriptor of the same number, as unshare(1)'s program writes to the shell's.
        case inherit
        /// This descriptor of the caller (it stays open in the caller): `unshare ... >file`
        /// in a shell (unshare(1) has no option).
        case fileDescriptor(Int32)
        /// Collected through a pipe, at most `limit` bytes: a program that
        /// writes more is killed (SIGKILL) and the run throws
        /// `RunError.outputLimitExceeded` naming the stream and the limit. The
        /// result has the bytes and their UTF-8 text (`CollectedOutput`).
        /// In a shell: `out=$(unshare ...)`, without the limit (unshare(1) has no option).
        case bytes(limit: Int)

        /// The same collection as `.bytes(limit:)` (swift-subprocess's
        /// spelling for text): read the result's `.string`. No unshare(1)
        /// option: see `.bytes(limit:)`.
        public static func string(limit: Int) -> Output { .bytes(limit: limit) }
    }

    /// Runs the program to its end with the given standard streams, in the
    /// calling thread, and returns how it ended and what it wrote. The
    /// spawn is `spawn()`'s (the same namespaces, maps and strategy; the
    /// command's own `standardInput`, `standardOutput` and `standardError`
    /// are replaced by these), then one poll(2) loop over the pipes and the
    /// program's pidfd writes the input and reads both outputs together
    /// until the program has ended. Output a program's own children write
    /// after it has ended is not collected. Blocks the calling thread; the
    /// `async` form is `run(input:output:error:)` in SwiftUnshareAsync.
    ///
    /// Throws `RunError.spawn` when the program could not be started (the
    /// `SpawnError` of `spawn()`), `.outputLimitExceeded` when it wrote more
    /// than a limit allows, `.system` when a pipe or the wait failed. A
    /// non-zero exit status is no error: see `terminationStatus`.
    ///
    /// Corresponds to unshare(1) run from a shell that captures its output
    /// (`out=$(unshare -r program)`): the options are the command's.
    public func runBlocking(
        input: Input = .none, output: Output = .bytes(limit: 128 * 1024), error: Output = .discarded
    ) throws(RunError) -> CollectedResult {
        let collector = try startRun(input: input, output: output, error: error)
        return try collector.runBlocking().get()
    }

    /// The program started with its pipes, ready to be driven (blocking
    /// here, or by the library's waiter thread for `run() async`).
    package func startRun(input: Input, output: Output, error: Output) throws(RunError) -> RunCollector {
        var opened = OpenedStreams()
        var command = self
        do {
            command.standardInput = try opened.input(input)
            command.standardOutput = try opened.output(output, stream: .standardOutput)
            command.standardError = try opened.output(error, stream: .standardError)
        } catch {
            opened.closeAll()
            throw error
        }
        let child: UnsharedProcess
        do {
            child = try command.spawn()
        } catch {
            opened.closeAll()
            throw .spawn(error)
        }
        opened.closeChildEnds()
        return RunCollector(process: child, streams: opened)
    }
}

/// How a run ended and what was collected (`runBlocking`, `run`): the
/// counterpart of swift-subprocess's collected `ExecutionResult`. What a
/// shell has after `out=$(unshare ...)` (unshare(1) has no option for it):
/// the status in `$?` and the output.
/// Makes no system call and throws nothing.
public struct CollectedResult: Equatable, Sendable {
    /// The program's pid, as the caller saw it (it has been reaped): `$!` of
    /// `unshare ... &` (unshare(1) has no option).
    public var processIdentifier: pid_t
    /// How it ended: `.exited(code)` or `.signaled(signal)`; its
    /// `shellStatus` is the exit status unshare(1) itself would end with.
    public var terminationStatus: ProcessEnding
    /// How its id maps were written, as unshare(1) would have written them
    /// for the same options (`MapStrategy`).
    public var strategy: MapStrategy
    /// What it wrote on its standard output (empty when not collected):
    /// `$(unshare ...)` in a shell (unshare(1) has no option).
    public var standardOutput: CollectedOutput
    /// What it wrote on its standard error (empty when not collected):
    /// `$(unshare ... 2>&1 >/dev/null)` in a shell (unshare(1) has no option).
    public var standardError: CollectedOutput

    /// A result with these fields (the library makes them; a caller may, for
    /// its own tests). Throws nothing; no unshare(1) option.
    public init(
        processIdentifier: pid_t, terminationStatus: ProcessEnding, strategy: MapStrategy,
        standardOutput: CollectedOutput, standardError: CollectedOutput
    ) {
        self.processIdentifier = processIdentifier
        self.terminationStatus = terminationStatus
        self.strategy = strategy
        self.standardOutput = standardOutput
        self.standardError = standardError
    }
}

/// The bytes collected from one stream, and their text: what a shell's
/// `$(unshare ...)` holds (unshare(1) has no option). Throws nothing.
public struct CollectedOutput: Equatable, Sendable, CustomStringConvertible {
    /// Exactly what the program wrote (no unshare(1) option).
    public var bytes: [UInt8]

    /// These bytes as collected output. Throws nothing; no unshare(1) option.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The bytes as UTF-8 text (an invalid sequence becomes U+FFFD). No
    /// unshare(1) option.
    public var string: String { String(decoding: bytes, as: UTF8.self) }
    /// The text (`string`): `print(result.standardOutput, terminator: "")`.
    /// No unshare(1) option.
    public var description: String { string }
}

/// Why a run (`runBlocking`, `run`) failed: what they throw. unshare(1)
/// fails only as `.spawn` does; the others are the collecting's own.
public enum RunError: Error, Equatable, Sendable, CustomStringConvertible {
    /// One of the two output streams a run collects (no unshare(1) option).
    public enum Stream: Equatable, Sendable, CustomStringConvertible {
        /// The program's descriptor 1 (no unshare(1) option).
        case standardOutput
        /// The program's descriptor 2 (no unshare(1) option).
        case standardError

        /// `standard output`, `standard error`. No unshare(1) option.
        public var description: String {
            self == .standardOutput ? "standard output" : "standard error"
        }
    }

    /// The program could not be started: the `SpawnError` of `spawn()`, with
    /// the message and exit status unshare(1) fails with.
    case spawn(SpawnError)
    /// The program wrote more than `limit` bytes on `stream`; it was killed
    /// (SIGKILL) and reaped, and nothing it wrote is returned. unshare(1)
    /// has no limit and no such failure.
    case outputLimitExceeded(stream: Stream, limit: Int)
    /// A system call of the run itself failed (`what` names it): a pipe, a
    /// read or write on one, the poll, the wait. The program, if it was
    /// started, was killed and reaped. unshare(1) has no such failure.
    case system(what: String, errno: Errno)

    /// One line saying what went wrong (for `.spawn`, the message unshare(1)
    /// prints after `unshare: `).
    public var description: String {
        switch self {
        case .spawn(let e): return e.message
        case .outputLimitExceeded(let stream, let limit):
            return "\(stream) went past its limit of \(limit) bytes: the program was killed"
        case .system(let what, let e): return "\(what): \(e)"
        }
    }
}

/// The descriptors of a run: the parent's ends it reads and writes
/// (non-blocking, close-on-exec) and the child's ends it hands to the spawn
/// and closes once the program runs.
package struct OpenedStreams {
    var inputBytes: [UInt8] = []
    var inputFD: Int32 = -1
    var outputFD: Int32 = -1
    var outputLimit = 0
    var errorFD: Int32 = -1
    var errorLimit = 0
    var childEnds: [Int32] = []

    mutating func input(_ i: UnshareCommand.Input) throws(RunError) -> StandardIO {
        switch i {
        case .inherit: return .inherit
        case .fileDescriptor(let fd): return .fd(fd)
        case .none: return .fd(try devNull(O_RDONLY))
        case .bytes(let bytes):
            let (read, write) = try pipe(parentEnd: 1)
            inputFD = write
            inputBytes = bytes
            return .fd(read)
        }
    }

    mutating func output(_ o: UnshareCommand.Output, stream: RunError.Stream) throws(RunError) -> StandardIO {
        switch o {
        case .inherit: return .inherit
        case .fileDescriptor(let fd): return .fd(fd)
        case .discarded: return .fd(try devNull(O_WRONLY))
        case .bytes(let limit):
            let (read, write) = try pipe(parentEnd: 0)
            if stream == .standardOutput {
                outputFD = read
                outputLimit = max(0, limit)
            } else {
                errorFD = read
                errorLimit = max(0, limit)
            }
            return .fd(write)
        }
    }

    private mutating func devNull(_ flags: Int32) throws(RunError) -> Int32 {
        switch valueOrErrno({ open("/dev/null", flags | O_CLOEXEC) }) {
        case .success(let fd):
            childEnds.append(fd)
            return fd
        case .failure(let e): throw .system(what: "cannot open /dev/null", errno: e)
        }
    }

    /// A close-on-exec pipe whose parent end (0: read, 1: write) is non-blocking.
    private mutating func pipe(parentEnd: Int) throws(RunError) -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        if case .failure(let e) = nothingOrErrno({ cu_pipe_cloexec(&fds) }) {
            throw .system(what: "pipe failed", errno: e)
        }
        childEnds.append(fds[1 - parentEnd])
        let flags = fcntl(fds[parentEnd], F_GETFL)
        if case .failure(let e) = nothingOrErrno({ fcntl(fds[parentEnd], F_SETFL, flags | O_NONBLOCK) }) {
            close(fds[0])
            close(fds[1])
            childEnds.removeLast()
            throw .system(what: "fcntl failed", errno: e)
        }
        return (fds[0], fds[1])
    }

    mutating func closeChildEnds() {
        for fd in childEnds { close(fd) }
        childEnds = []
    }

    mutating func closeAll() {
        closeChildEnds()
        for fd in [inputFD, outputFD, errorFD] where fd >= 0 { close(fd) }
        inputFD = -1
        outputFD = -1
        errorFD = -1
    }
}
