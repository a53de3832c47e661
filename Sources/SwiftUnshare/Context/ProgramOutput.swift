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
        guard let path = candidates.first(where: { access($0, X_OK) == 0 }),
            case .success(let fds) = Sys.pipe()  // close-on-exec: the child keeps only its dup on fd 1
        else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds.write, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let arena = CArena()  // posix_spawn returns once the child has its own copy
        let rc = posix_spawn(&pid, path, &actions, nil, arena.array(argv), environ)
        Sys.close(fds.write)
        defer { Sys.close(fds.read) }
        guard rc == 0 else { return nil }
        let output = (try? Sys.readAll(fds.read).get()) ?? []
        let status = (try? Sys.waitStatus(pid).get()) ?? 0
        return (output, status)
    }
}
