// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// The real system, read through glibc: passwd and group through NSS, files
/// with open/read. Only what parsing and planning are allowed to read.
/// In the static release binary glibc serves passwd and group from the /etc
/// files only, and a miss is asked of getent(1) (see Getent.swift).
package struct LiveSystem: SystemContext {
    package let euid: UInt32 = geteuid()
    package let egid: UInt32 = getegid()

    /// What --map-auto asks once for /etc/subuid and again for /etc/subgid:
    /// the caller's passwd entry (the last one found by uid) and nsswitch.conf
    /// (where the subordinate ids come from), each read once.
    private final class Remembered {
        var entry: PasswdEntry?
        var nsswitch: Result<[UInt8], Errno>?
    }
    private let last = Remembered()

    package init() {}

    package func user(named name: ByteString) -> PasswdEntry? {
        let filesOnly = cu_nss_files_only() != 0
        if let entry = name.withCString({ n in Self.lookupPasswd { getpwnam_r(n, &$0, $1, $2, &$3) } }) {
            return entry
        }
        return filesOnly ? Getent.passwd(name) : nil
    }

    package func user(id: UInt32) -> PasswdEntry? {
        if let entry = last.entry, entry.uid == id { return entry }
        let filesOnly = cu_nss_files_only() != 0
        let entry =
            Self.lookupPasswd({ getpwuid_r(id, &$0, $1, $2, &$3) }) ?? (filesOnly ? Getent.passwd("\(id)") : nil)
        if entry != nil { last.entry = entry }
        return entry
    }

    private static func lookupPasswd(
        _ call: (inout Glibc.passwd, UnsafeMutablePointer<CChar>, Int, inout UnsafeMutablePointer<Glibc.passwd>?) ->
            Int32
    ) -> PasswdEntry? {
        var size = 1024
        while size <= 1 << 20 {
            var entry = Glibc.passwd()
            var result: UnsafeMutablePointer<Glibc.passwd>?
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            let rc = call(&entry, buffer, size, &result)
            if rc == ERANGE {
                size *= 4
                continue
            }
            guard rc == 0, result != nil else { return nil }
            return PasswdEntry(
                name: ByteString(cString: entry.pw_name), uid: entry.pw_uid, gid: entry.pw_gid,
                home: entry.pw_dir.map { ByteString(cString: $0) } ?? "/",
                shell: entry.pw_shell.map { ByteString(cString: $0) } ?? "")
        }
        return nil
    }

    package func groupID(named name: ByteString) -> UInt32? {
        let filesOnly = cu_nss_files_only() != 0
        if let gid = Self.lookupGroup(name) { return gid }
        return filesOnly ? Getent.groupID(name) : nil
    }

    private static func lookupGroup(_ name: ByteString) -> UInt32? {
        var size = 1024
        while size <= 1 << 20 {
            var entry = group()
            var result: UnsafeMutablePointer<group>?
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            let rc = name.withCString { getgrnam_r($0, &entry, buffer, size, &result) }
            if rc == ERANGE {
                size *= 4
                continue
            }
            guard rc == 0, result != nil else { return nil }
            return entry.gr_gid
        }
        return nil
    }

    package func readFile(_ path: String) -> Result<[UInt8], Errno> {
        guard path == SubordinateIDs.nsswitchFile else { return Sys.readFile(ByteString(path)) }
        if let text = last.nsswitch { return text }
        let text = Sys.readFile(ByteString(path))
        last.nsswitch = text
        return text
    }

    /// Through getsubids(1) in the static binary, libsubid itself otherwise (Getsubids.swift).
    package func libsubidRanges(owner: ByteString, users: Bool) -> SubordinateIDs.LibsubidAnswer {
        cu_is_static() != 0 ? Getsubids.ranges(owner: owner, users: users) : Libsubid.ranges(owner: owner, users: users)
    }

    package func environment(_ name: String) -> ByteString? {
        getenv(name).map { ByteString(cString: $0) }
    }
}
