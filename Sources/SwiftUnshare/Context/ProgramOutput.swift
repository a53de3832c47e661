// SPDX-License-Identifier: Apache-2.0
import Glibc

/// What a short helper program printed: the static release binary asks
/// dynamically linked tools (getent(1), getsubids(1)) for what a static glibc
/// cannot load itself. Started with posix_spawn (no thread, nothing of ours
/// runs in the child), stdin and stderr on /dev/null, our environment.
enum ProgramOutput {
    /// The standard output and wait status of the first of `candidates` that
    /// is executable, run with `argv`; nil when none is, or it cannot start.
    static func capture(_ candidates: [String], _ argv: [ByteString]) -> (output: [UInt8], status: Int32)? {
        guard let path = candidates.first(where: { access($0, X_OK) == 0 }) else { return nil }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }  // the child keeps only its dup on fd 1
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, CArrays.array(argv), environ)
        close(fds[1])
        defer { close(fds[0]) }
        guard rc == 0 else { return nil }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output += chunk[..<n]
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (output, status)
    }
}
