// SPDX-License-Identifier: Apache-2.0
/// What parsing and planning may read from the system, and nothing more:
/// the caller's ids, passwd and group entries, and whole small files
/// (/etc/subuid, /etc/subgid, /proc/self/uid_map). Tests pass plain values.
package protocol SystemContext {
    var euid: UInt32 { get }
    var egid: UInt32 { get }
    /// passwd entry by name.
    func user(named name: ByteString) -> PasswdEntry?
    /// passwd entry by uid.
    func user(id: UInt32) -> PasswdEntry?
    /// group id by name.
    func groupID(named name: ByteString) -> UInt32?
    /// A whole file's bytes.
    func readFile(_ path: String) -> Result<[UInt8], Errno>
    /// An environment variable of the calling process.
    func environment(_ name: String) -> ByteString?
    /// Subordinate ranges from shadow's libsubid (asked only when nsswitch.conf
    /// names a `subid:` module).
    func libsubidRanges(owner: ByteString, users: Bool) -> SubordinateIDs.LibsubidAnswer
}

extension SystemContext {
    package func libsubidRanges(owner: ByteString, users: Bool) -> SubordinateIDs.LibsubidAnswer {
        .unavailable("not loaded in this context")
    }
}

package struct PasswdEntry: Equatable, Sendable {
    package var name: ByteString
    package var uid: UInt32
    package var gid: UInt32
    package var home: ByteString
    package var shell: ByteString

    package init(name: ByteString, uid: UInt32, gid: UInt32, home: ByteString = "/", shell: ByteString = "") {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.home = home
        self.shell = shell
    }
}
