// SPDX-License-Identifier: Apache-2.0
/// A /proc/self file this process writes for itself once its user namespace
/// exists: a single-id map or setgroups. The CLI's executor and the library's
/// child write the same bytes (the library hands these to its child).
package struct SelfWrite: Equatable, Sendable {
    package enum File: Equatable, Sendable, CaseIterable {
        case uidMap, gidMap, setgroups

        package var path: ByteString {
            switch self {
            case .uidMap: return "/proc/self/uid_map"
            case .gidMap: return "/proc/self/gid_map"
            case .setgroups: return "/proc/self/setgroups"
            }
        }
    }
    package var file: File
    package var text: ByteString

    package init(_ file: File, _ text: ByteString) {
        self.file = file
        self.text = text
    }

    /// Every path such a write may have.
    package static var paths: [ByteString] { File.allCases.map { $0.path } }

    package var path: ByteString { file.path }
    /// A map, not setgroups.
    package var isMap: Bool { file != .setgroups }
    /// A setgroups file that is not there (before Linux 3.19) is no error.
    package var ignoreMissing: Bool { file == .setgroups }
}

extension Step {
    /// The file this step writes itself; nil for every other step (each one
    /// named: a new step must say whether it is such a write).
    package var selfWrite: SelfWrite? {
        switch self {
        case .writeUIDMap(let id): return SelfWrite(.uidMap, id.mapLine)
        case .writeGIDMap(let id): return SelfWrite(.gidMap, id.mapLine)
        case .writeSetgroups(let mode): return SelfWrite(.setgroups, ByteString(mode.rawValue))
        case .startBindHelper, .startMapHelper, .becomeOwner, .unshare, .releaseMapHelper, .setTimeOffset, .fork,
            .persist, .setPropagation, .loadFixedInterpreterBeforeChroot, .chroot, .chdir, .makeMountPointPrivate,
            .mountProc, .mountBinfmt, .loadInterpreter, .setgid, .setuid, .keepCapabilities, .clearEnvironment,
            .exec, .execShell:
            return nil
        }
    }
}
