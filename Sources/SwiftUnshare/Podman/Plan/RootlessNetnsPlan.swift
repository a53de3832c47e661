// SPDX-License-Identifier: Apache-2.0
/// podman 4.3.1's rootless network namespace (`--rootless-netns`): where it lives.
package struct RootlessNetnsPlan: Equatable, Sendable {
    package var runtimeDir: ByteString
    /// libpod's tmp dir: the lock, podman's folder for the namespace, slirp4netns's log.
    package var tmpDir: ByteString
    /// <runtime>/netns, where the namespace is bound.
    package var nsDir: ByteString
    /// <runtime>/netns/rootless-netns-<hash of the static dir>.
    package var path: ByteString

    package init(runtimeDir: ByteString, tmpDir: ByteString, staticDir: ByteString) {
        self.runtimeDir = runtimeDir
        self.tmpDir = tmpDir
        nsDir = GoText.joinPath(runtimeDir, "netns")
        path = GoText.joinPath(nsDir, PodmanStorage.rootlessNetnsName(staticDir: staticDir))
    }

    var lockFile: ByteString { GoText.joinPath(tmpDir, "rootless-netns.lock") }
    var dir: ByteString { GoText.joinPath(tmpDir, "rootless-netns") }
    func inDir(_ path: ByteString) -> ByteString { GoText.joinPath(dir, path) }
}
