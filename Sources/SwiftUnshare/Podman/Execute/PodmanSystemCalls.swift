// SPDX-License-Identifier: Apache-2.0
import Glibc

/// A program run to its end, its standard output and error captured together.
package struct CapturedRun: Equatable, Sendable {
    /// Why it could not be executed (0: it ran).
    package var execError: Int32
    /// Its wait status, when it ran.
    package var status: Int32
    package var output: [UInt8]

    package init(execError: Int32 = 0, status: Int32 = 0, output: [UInt8] = []) {
        self.execError = execError
        self.status = status
        self.output = output
    }
}

/// A program started to outlive this one (slirp4netns): its own process
/// group, its output into `logFD`, `syncFD` as its descriptor 3, its stdin on
/// `devnull`, and a mount namespace of its own when asked.
package struct DetachedProgram: Equatable, Sendable {
    package var path: ByteString
    package var argv: [ByteString]
    package var environment: [ByteString]
    package var logFD: Int32
    package var syncFD: Int32
    package var devnull: Int32
    package var newMountNamespace: Bool
}

/// Every effect of podman mode's executor beyond the core's SystemCalls, and
/// what it reads while it acts (its environment, its signal mask, its
/// files). The live implementation calls the system (LiveSystemCalls,
/// LivePodmanCalls.swift); a recording fake lets unit tests pin podman
/// mode's order of effects without root, as the CLI's executor's are.
package protocol PodmanSystemCalls: SystemCalls {
    /// The effective uid.
    var euid: UInt32 { get }
    /// getenv(3).
    func variable(_ name: String) -> ByteString?
    /// setenv(3), replacing any value.
    func setVariable(_ name: String, _ value: ByteString)
    /// The whole environment, `NAME=value` each, in its order.
    func environmentList() -> [ByteString]
    func currentDirectory() -> ByteString?
    /// The signals (1 to 64) this thread has blocked.
    func blockedSignals() -> Set<Int32>
    func isTerminal(_ fd: Int32) -> Bool
    /// Now, in local time, as Go's time.RFC3339 writes it (logrus's `time=`).
    func timestamp() -> ByteString

    /// stat(2), or lstat(2) when `followLinks` is false.
    func stat(_ path: ByteString, followLinks: Bool) -> Result<FileFacts, Errno>
    func readLink(_ path: ByteString) -> Result<ByteString, Errno>
    /// exec.LookPath's test: there, not a directory, with an execute bit.
    func isExecutableFile(_ path: ByteString) -> Bool
    /// The file's security.capability attribute (empty when it has none).
    func fileCapability(_ path: ByteString) -> [UInt8]
    func mkdir(_ path: ByteString, _ mode: mode_t) -> Result<Void, Errno>
    func chmod(_ path: ByteString, _ mode: mode_t) -> Result<Void, Errno>
    func unlink(_ path: ByteString) -> Result<Void, Errno>
    /// open(2) with O_CREAT | O_CLOEXEC and `flags`.
    func create(_ path: ByteString, _ flags: Int32, _ mode: mode_t) -> Result<Int32, Errno>
    /// mkstemp(3) of `prefix` + "XXXXXX": the descriptor and the file's path.
    func makeTemporaryFile(_ prefix: ByteString) -> Result<(fd: Int32, path: ByteString), Errno>
    /// rename(2) that fails (EEXIST) when `to` is there.
    func renameNoReplace(_ from: ByteString, _ to: ByteString) -> Result<Void, Errno>
    /// A POSIX write lock on the whole file, waited for.
    func lock(_ fd: Int32) -> Result<Void, Errno>
    /// Up to `count` bytes, fewer at end of file.
    func read(_ fd: Int32, upTo count: Int) -> Result<[UInt8], Errno>
    /// lseek(2) to the start.
    func rewind(_ fd: Int32)
    /// poll(2) for input on one descriptor: true when readable within `milliseconds`.
    func readable(_ fd: Int32, milliseconds: Int32) -> Result<Bool, Errno>
    /// pipe2(O_CLOEXEC).
    func pipe() -> Result<(read: Int32, write: Int32), Errno>

    func setns(_ fd: Int32, _ type: Int32) -> Result<Void, Errno>
    /// Whether the descriptor is a namespace file.
    func isNamespace(_ fd: Int32) -> Bool
    /// setresgid(0,0,0), then setresuid(0,0,0).
    func becomeRoot() -> Result<Void, Errno>
    /// A new network namespace bound on `path`, made by a child (this process keeps its own).
    func bindNewNetns(_ path: ByteString) -> Result<Void, Errno>

    /// The library's spawn (UnshareCommand.spawn).
    func spawn(_ command: UnshareCommand) -> Result<UnsharedProcess, SpawnError>
    func send(_ signal: Int32, to process: UnsharedProcess)
    /// Blocks until it ends, and reaps it.
    func wait(for process: UnsharedProcess) -> Result<ProcessEnding, Errno>
    /// Blocks until it ends, and leaves it unreaped (its pid stays its own).
    func waitWithoutReaping(_ process: UnsharedProcess)
    /// `argv` at `path` run to its end, stdin on `devnull`.
    func runCaptured(_ path: ByteString, _ argv: [ByteString], environment: [ByteString], devnull: Int32)
        -> Result<CapturedRun, Errno>
    /// Starts a program that outlives this one; its pid.
    func spawnDetached(_ program: DetachedProgram) -> Result<Int32, Errno>
    /// waitpid(WNOHANG): the child's wait status, or nil while it runs.
    func pollChild(_ pid: Int32) -> Result<Int32?, Errno>
}
