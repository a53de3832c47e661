// SPDX-License-Identifier: Apache-2.0
import Glibc

/// The user's storage.conf (containers-storage.conf(5)) and the small rules
/// around it; where podman keeps things is PodmanDirectories. Pure: reads
/// only through the context.
package enum PodmanStorage {
    static func nonEmpty(_ value: ByteString?) -> ByteString? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// $HOME, else the passwd entry's home.
    static func home(context: SystemContext) -> ByteString {
        if let home = nonEmpty(context.environment("HOME")) { return home }
        return context.user(id: context.euid)?.home ?? "/"
    }

    /// The user's storage.conf: $XDG_CONFIG_HOME/containers/storage.conf, else ~/.config/containers/storage.conf.
    package static func storageConfPath(context: SystemContext) -> ByteString {
        if let config = nonEmpty(context.environment("XDG_CONFIG_HOME")) {
            return GoText.joinPath(config, "containers/storage.conf")
        }
        return GoText.joinPath(home(context: context), ".config/containers/storage.conf")
    }

    /// The user's storage.conf (step 3): looked at with stat(2) first (any
    /// error but "no such file" is podman's logged `stat` error), then read
    /// and parsed; a file that cannot be read or parsed is podman's error:
    /// its words on stdout, logged, exit 1. Its values are not expanded here.
    package static func storageConf(context: PodmanSystemContext) -> Result<StorageConf.Roots, Failure> {
        let path = storageConfPath(context: context)
        switch context.fileFacts(path, followLinks: true) {
        case .failure(let e) where e.rawValue == ENOENT: return .success(StorageConf.Roots())
        case .failure(let e):
            return .failure(.podmanLogged([PodmanLogLine(.error, "stat \(path): \(GoText.errnoText(e.rawValue))")]))
        case .success: break
        }
        switch context.readFile(path.description) {
        case .failure(let e) where e.rawValue == ENOENT:
            return .success(StorageConf.Roots())
        case .failure(let e):
            return .failure(unreadable(path, reason: "open \(path): \(GoText.errnoText(e.rawValue))"))
        case .success(let text):
            return StorageConf.parse(text).mapError { unreadable(path, reason: $0.message ?? "") }
        }
    }

    /// containers/storage's report of a storage.conf it cannot use.
    static func unreadable(_ path: ByteString, reason: ByteString) -> Failure {
        Failure.podman(
            nil, exitCode: 1, log: [PodmanLogLine(.error, reason)],
            stdout: "Failed to read \(path) \(reason)\n")
    }

    /// podman 4.3.1's name for its rootless network namespace: `rootless-netns-`
    /// and the first 10 bytes (hex) of the SHA-256 of its static dir (<graphroot>/libpod,
    /// unless the database records another).
    package static func rootlessNetnsName(staticDir: ByteString) -> ByteString {
        let digest = SHA256.digest(staticDir.bytes)
        return "rootless-netns-\(SHA256.hex(Array(digest.prefix(10))))"
    }
}
