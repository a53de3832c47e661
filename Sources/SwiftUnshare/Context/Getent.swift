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
        guard !key.isEmpty, let (output, _) = ProgramOutput.capture(candidates, ["getent", database, "--", key]),
            let line = output.split(separator: UInt8(ascii: "\n")).first
        else { return nil }
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
