// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// A system for podman mode's pure layers: plain values, no effects. Its
/// file system: `nodes` (owner and st_mode), `links`, the `files`, and every
/// directory above any of them (root's, 0755, unless listed); `writable`
/// directories take new entries.
struct PodmanFakeSystem: PodmanSystemContext {
    var euid: UInt32 = 1001
    var egid: UInt32 = 1001
    var users: [PasswdEntry] = [
        PasswdEntry(name: "tester", uid: 1001, gid: 1001, home: "/home/tester", shell: "/bin/sh")
    ]
    var files: [String: [UInt8]] = [:]
    var env: [String: ByteString] = ["HOME": "/home/tester", "SHELL": "/bin/bash"]
    var nodes: [ByteString: FileFacts] = [
        "/tmp": FileFacts(uid: 0, mode: 0o41777), "/home/tester": FileFacts(uid: 1001, mode: 0o40755),
    ]
    var links: [ByteString: ByteString] = [:]
    var writable: Set<ByteString> = ["/tmp", "/home/tester"]
    var databases: [ByteString: [UInt8]] = [:]

    init(subuid: String = "tester:100000:65536\n", subgid: String = "tester:100000:65536\n") {
        files["/etc/subuid"] = Array(subuid.utf8)
        files["/etc/subgid"] = Array(subgid.utf8)
    }

    func user(named name: ByteString) -> PasswdEntry? { users.first { $0.name == name } }
    func user(id: UInt32) -> PasswdEntry? { users.first { $0.uid == id } }
    func groupID(named name: ByteString) -> UInt32? { nil }
    func readFile(_ path: String) -> Result<[UInt8], Errno> {
        files[path].map { .success($0) } ?? .failure(Errno(ENOENT))
    }
    func environment(_ name: String) -> ByteString? { env[name] }

    func fileFacts(_ path: ByteString, followLinks: Bool) -> Result<FileFacts, Errno> {
        var path = GoText.cleanPath(path)
        for _ in 0..<8 {
            guard followLinks, let target = links[path] else { break }
            path = target.bytes.first == UInt8(ascii: "/") ? target : GoText.joinPath(path + "/..", target)
        }
        if let node = nodes[path] { return .success(node) }
        if links[path] != nil { return .success(FileFacts(uid: euid, mode: 0o120777)) }
        if files[path.description] != nil || databases[path] != nil {
            return .success(FileFacts(uid: euid, mode: 0o100644))
        }
        let under = path == "/" ? path : path + "/"
        let all = Array(nodes.keys) + Array(links.keys) + files.keys.map { ByteString($0) } + Array(databases.keys)
        if all.contains(where: { $0.hasPrefix(under) }) { return .success(FileFacts(uid: 0, mode: 0o40755)) }
        return .failure(Errno(ENOENT))
    }
    func readLink(_ path: ByteString) -> Result<ByteString, Errno> {
        links[GoText.cleanPath(path)].map { .success($0) } ?? .failure(Errno(EINVAL))
    }
    /// Listed as writable, or a directory node whose mode lets the caller write (owner or others' bit).
    func mayCreateIn(_ directory: ByteString) -> Bool {
        if writable.contains(directory) { return true }
        guard let n = nodes[directory], n.isDirectory else { return false }
        return (n.uid == euid && n.mode & 0o300 == 0o300) || n.mode & 0o003 == 0o003
    }
    func openDatabase(_ path: ByteString) -> Result<DatabaseFile, Errno> {
        databases[path].map { .success(DatabaseFile(bytes: $0)) } ?? .failure(Errno(ENOENT))
    }
}

/// The plan for `args` against `system`.
func podmanPlan(
    _ system: PodmanFakeSystem, args: [ByteString] = ["id"],
    rootlessNetns: Bool = false
) -> Result<PodmanPlan, Failure> {
    PodmanPlan.build(PodmanOptions(rootlessNetns: rootlessNetns, command: args), context: system)
}

/// How the plan for `system` would make podman's user namespace (nil: no pause-process plan).
func podmanUserNamespace(_ system: PodmanFakeSystem) -> PodmanUserNamespace? {
    guard case .success(let p) = podmanPlan(system), case .pause(_, let firstRun) = p.namespaces else { return nil }
    return PodmanPlan.userNamespace(context: system, firstRun: firstRun)
}

func env(_ p: PodmanPlan, _ name: ByteString) -> ByteString? {
    p.environment.first { $0.name == name }?.value
}
