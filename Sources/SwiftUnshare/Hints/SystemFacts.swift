// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// What a newuidmap/newgidmap on PATH looks like.
package enum MapHelperFacts: Equatable, Sendable {
    case missing
    /// Found at `path`: setuid root, and/or carrying file capabilities.
    case found(path: ByteString, setuidRoot: Bool, fileCapabilities: Bool)
}

/// The few facts of the system the failure hints look at (docs: the man page,
/// HINTS). Everything else comes from SystemContext. Tests pass plain values.
package protocol SystemFacts: SystemContext {
    /// A sysctl's value (its /proc/sys file, trimmed), e.g. "user/max_user_namespaces"; nil when absent.
    func sysctl(_ name: String) -> ByteString?
    /// Whether no_new_privs is set for this process (setuid programs cannot gain privilege).
    var noNewPrivs: Bool { get }
    /// newuidmap or newgidmap as execvp would find it on this process's PATH.
    func mapHelper(_ name: ByteString) -> MapHelperFacts
    /// Whether something is at `path` (a namespace file of /proc/self/ns, a device).
    func pathExists(_ path: String) -> Bool
}

extension LiveSystem: SystemFacts {
    package func sysctl(_ name: String) -> ByteString? {
        guard case .success(let bytes) = readFile("/proc/sys/" + name) else { return nil }
        return ByteString(Array(bytes.prefix { $0 != 0x0a && $0 != 0x20 && $0 != 0x09 }))
    }

    package func pathExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    package var noNewPrivs: Bool {
        guard case .success(let bytes) = readFile("/proc/self/status") else { return false }
        let lines = bytes.split(separator: 0x0a).map { ByteString(Array($0)) }
        return lines.contains("NoNewPrivs:\t1")
    }

    package func mapHelper(_ name: ByteString) -> MapHelperFacts {
        for candidate in ExecPath.candidates(name, path: environment("PATH")) {
            var st = stat()
            guard candidate.withCString({ stat($0, &st) }) == 0, st.st_mode & S_IFMT == S_IFREG,
                candidate.withCString({ access($0, X_OK) }) == 0
            else { continue }
            let caps = candidate.withCString { cu_file_capability($0, nil, 0) } > 0
            // After unshare(CLONE_NEWUSER) and before the maps, root's files show the overflow uid.
            let root = st.st_uid == 0 || sysctl("kernel/overflowuid") == "\(st.st_uid)"
            return .found(path: candidate, setuidRoot: root && st.st_mode & S_ISUID != 0, fileCapabilities: caps)
        }
        return .missing
    }
}
