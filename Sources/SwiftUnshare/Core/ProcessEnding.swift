// SPDX-License-Identifier: Apache-2.0
import CUnshareSys

/// How a process ended: the CLI's fork child and helpers, and a program the
/// library spawned. One type for both paths: what the executor mirrors, what
/// `UnsharedProcess.wait` returns and what podman mode ends with. unshare(1)
/// ends as its `--fork` child ended (`shellStatus`).
public enum ProcessEnding: Equatable, Sendable, CustomStringConvertible {
    /// It exited with this status (0...255): unshare(1) `--fork` exits with it too.
    case exited(Int32)
    /// It was killed by this signal: unshare(1) `--fork` kills itself with it.
    case signaled(Int32)

    /// The ending a waitpid(2) status stands for (a stopped or continued
    /// child, which the waits here never ask for, reads as exit status 1).
    /// Throws nothing; no unshare(1) option.
    public init(status: Int32) {
        if cu_wifexited(status) != 0 {
            self = .exited(cu_wexitstatus(status))
        } else if cu_wifsignaled(status) != 0 {
            self = .signaled(cu_wtermsig(status))
        } else {
            self = .exited(1)
        }
    }

    /// The status a shell reports: the exit status, or 128 + the signal; what
    /// `$?` is after unshare(1) `--fork`.
    public var shellStatus: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }

    /// `exited 3`, `killed by signal 9` (no unshare(1) option).
    public var description: String {
        switch self {
        case .exited(let code): return "exited \(code)"
        case .signaled(let signal): return "killed by signal \(signal)"
        }
    }
}
