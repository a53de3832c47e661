// SPDX-License-Identifier: Apache-2.0
import Glibc

/// The name-service fallback of the static release binary. There glibc reads
/// /etc/passwd and /etc/group itself (its built-in "files" service); the other
/// services nsswitch.conf may list (systemd, sss, ldap...) are shared objects a
/// static program cannot load. So a name or id the files do not have is asked
/// of getent(1), a dynamically linked program that has them all. Only misses
/// pay for it: names in /etc/passwd and /etc/group never start a process.
enum Getent {
    static let candidates = ["/usr/bin/getent", "/bin/getent"]

    /// The fields of the first line `getent <database> -- <key>` prints, or nil
    /// when it finds nothing (or cannot be run).
    static func lookup(_ database: ByteString, _ key: ByteString) -> [ByteString]? {
        guard !key.isEmpty, let path = candidates.first(where: { access($0, X_OK) == 0 }) else { return nil }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }  // the child keeps only its dup on fd 1
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = CArrays.array(["getent", database, "--", key])
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
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
        guard let line = output.split(separator: UInt8(ascii: "\n")).first else { return nil }
        return ByteString(Array(line)).split(UInt8(ascii: ":"))
    }

    /// A passwd entry from getent's line `name:password:uid:gid:gecos:home:shell`.
    static func passwd(_ key: ByteString) -> PasswdEntry? {
        guard let f = lookup("passwd", key), f.count >= 7,
            case .success(let uid) = NumberParsing.unsigned32(f[2]),
            case .success(let gid) = NumberParsing.unsigned32(f[3])
        else { return nil }
        return PasswdEntry(name: f[0], uid: uid, gid: gid, home: f[5], shell: f[6])
    }

    /// A group id from getent's line `name:password:gid:members`.
    static func groupID(_ name: ByteString) -> UInt32? {
        guard let f = lookup("group", name), f.count >= 3,
            case .success(let gid) = NumberParsing.unsigned32(f[2])
        else { return nil }
        return gid
    }
}
