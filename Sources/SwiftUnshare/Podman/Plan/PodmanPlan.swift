// SPDX-License-Identifier: Apache-2.0
import Glibc

/// The id maps podman gives a user namespace it creates.
package enum PodmanMaps: Equatable, Sendable {
    /// `0 <uid> 1` then every subordinate range end to end; written by newuidmap and newgidmap.
    case ranges(uid: [PodmanIDMaps.Line], gid: [PodmanIDMaps.Line])
    /// `0 <uid> 1` alone (setgroups `deny`), written by the process itself.
    case single(uid: UInt32, gid: UInt32)
}

package struct PodmanEnvVar: Equatable, Sendable {
    package var name: ByteString
    package var value: ByteString
    package init(_ name: ByteString, _ value: ByteString) {
        self.name = name
        self.value = value
    }
}

/// How to make podman's user namespace when its pause process is not running.
package struct PodmanUserNamespace: Equatable, Sendable {
    package var maps: PodmanMaps
    /// Logged when the namespace is made (podman reads the subid files only then).
    package var messages: [PodmanLogLine]
    /// Configurations podman refuses (a range holding the caller's own uid, gid).
    package var refusals: [ByteString?] = [nil, nil]
    /// podman's first run (no `alive` file yet): a failure is an `Error:` line, exit status 125.
    package var firstRun = false
}

/// Everything podman-unshare will do, decided before anything is done.
package struct PodmanPlan: Equatable, Sendable {
    package enum Namespaces: Equatable, Sendable {
        /// Join the user and mount namespaces of podman's pause process (pid in
        /// `pidFile`), or make them and the pause process when it is not running.
        case pause(pidFile: ByteString, create: PodmanUserNamespace)
        /// Already root in podman's user namespace (`_CONTAINERS_USERNS_CONFIGURED`
        /// set): the command runs in place, as podman runs nested calls.
        case nested
    }

    package var namespaces: Namespaces
    /// --rootless-netns: podman's rootless network namespace, made when absent.
    package var rootlessNetns: RootlessNetnsPlan?
    /// Variables set for the command (replacing any of the same name).
    package var environment: [PodmanEnvVar]
    /// The program and its arguments, never empty.
    package var command: [ByteString]
    /// podman's directories (docs/podman-unshare.md, steps 1 to 8), chosen as podman chooses them.
    package var directories: PodmanDirectories

    package static let singleMappingWarning: ByteString =
        "Using rootless single mapping into the namespace. This might break some images. Check /etc/subuid and /etc/subgid for adding sub*ids if not using a network user"
}
