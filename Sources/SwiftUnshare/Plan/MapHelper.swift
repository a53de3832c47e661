// SPDX-License-Identifier: Apache-2.0
/// How range maps get written from outside the new user namespace.
package enum MapHelper: Equatable, Sendable {
    /// Effective uid 0: one helper writes /proc/<pid>/uid_map and gid_map.
    case privileged(uid: [IDRange]?, gid: [IDRange]?)
    /// Unprivileged: newuidmap and newgidmap, both at once.
    case newIDMap(uid: [IDRange]?, gid: [IDRange]?)

    package var uidMap: [IDRange]? {
        switch self {
        case .privileged(let uid, _), .newIDMap(let uid, _): return uid
        }
    }
    package var gidMap: [IDRange]? {
        switch self {
        case .privileged(_, let gid), .newIDMap(_, let gid): return gid
        }
    }
}
