// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// Go's os/exec as podman 4.3.1 uses it (Go 1.19): the PATH search of
/// exec.LookPath, the environment podman passes, and the texts of
/// ProcessState and of exec errors.
package enum GoExec {
    /// exec.LookPath: a name with a slash is used as it is; otherwise the first
    /// PATH entry ("" is ".") holding a non-directory with an execute bit;
    /// found relative to ".", it is refused (ErrDot).
    package static func lookPath(
        _ name: ByteString, path: ByteString?,
        isExecutableFile: (ByteString) -> Bool
    ) -> Result<ByteString, Failure> {
        if name.isEmpty { return .failure(Failure.podman("exec: no command")) }
        if name.bytes.contains(UInt8(ascii: "/")) { return .success(name) }
        let dirs = (path ?? "").isEmpty ? [] : (path ?? "").split(UInt8(ascii: ":"))
        for dir in dirs {
            let candidate = GoText.joinPath(dir.isEmpty ? "." : dir, name)
            if isExecutableFile(candidate) {
                if !candidate.hasPrefix("/") {
                    return .failure(
                        Failure.podman(
                            "exec: \(GoText.quote(name)): cannot run executable found relative to current directory"))
                }
                return .success(candidate)
            }
        }
        return .failure(
            Failure.podman("exec: \(GoText.quote(name)): executable file not found in $PATH", exitCode: 127))
    }

    /// An environment (`NAME=value` each) without the given variables, then those variables.
    package static func environment(_ base: [ByteString], adding variables: [PodmanEnvVar]) -> [ByteString] {
        // Each name compared in place: no set and no copy of each entry's name.
        var out: [ByteString] = []
        out.reserveCapacity(base.count + variables.count)
        for item in base {
            let bytes = item.bytes
            let nameEnd = bytes.firstIndex(of: UInt8(ascii: "=")) ?? bytes.count
            let replaced = variables.contains { v in
                v.name.bytes.count == nameEnd && bytes[..<nameEnd].elementsEqual(v.name.bytes)
            }
            if !replaced { out.append(item) }
        }
        for v in variables { out.append(v.name + "=" + v.value) }
        return out
    }

    /// The error podman prints when the command could not be started, and its exit status.
    package static func startFailure(_ program: ByteString, errno e: Int32) -> Failure {
        let code: Int32 = e == ENOENT ? 127 : (e == EACCES || e == EPERM ? 126 : 125)
        return Failure.podman("fork/exec \(program): \(GoText.errnoText(e))", exitCode: code)
    }

    /// podman's exit status after its command: os.ProcessState.ExitCode(),
    /// the exit status, or -1 (255) when a signal ended it.
    package static func exitCode(_ ending: ProcessEnding) -> Int32 {
        if case .exited(let code) = ending { return code }
        return 255
    }

    /// os.ProcessState.String(): "exit status N", "signal: killed",
    /// "signal: segmentation fault (core dumped)".
    package static func stateText(_ status: Int32) -> ByteString {
        if cu_wifexited(status) != 0 { return "exit status \(cu_wexitstatus(status))" }
        if cu_wifsignaled(status) != 0 {
            let core = status & 0x80 != 0 ? " (core dumped)" : ""
            return "signal: \(signalText(cu_wtermsig(status)))\(core)"
        }
        return "exit status \(status)"
    }

    /// syscall.Signal.String() on Linux.
    package static func signalText(_ signal: Int32) -> ByteString {
        let names: [ByteString] = [
            "hangup", "interrupt", "quit", "illegal instruction", "trace/breakpoint trap", "aborted", "bus error",
            "floating point exception", "killed", "user defined signal 1", "segmentation fault",
            "user defined signal 2", "broken pipe", "alarm clock", "terminated", "stack fault", "child exited",
            "continued", "stopped (signal)", "stopped", "stopped (tty input)", "stopped (tty output)",
            "urgent I/O condition", "CPU time limit exceeded", "file size limit exceeded", "virtual timer expired",
            "profiling timer expired", "window changed", "I/O possible", "power failure", "bad system call",
        ]
        if signal >= 1 && Int(signal) <= names.count { return names[Int(signal) - 1] }
        return "signal \(signal)"
    }
}
