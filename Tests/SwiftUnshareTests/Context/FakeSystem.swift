// SPDX-License-Identifier: Apache-2.0
import Glibc

@testable import SwiftUnshare

/// A SystemContext made of plain values.
struct FakeSystem: SystemContext {
    var euid: UInt32 = 1001
    var egid: UInt32 = 1001
    var users: [PasswdEntry] = [
        PasswdEntry(name: "root", uid: 0, gid: 0, home: "/root", shell: "/bin/bash"),
        PasswdEntry(name: "tester", uid: 1001, gid: 1001, home: "/home/tester", shell: "/bin/zsh"),
    ]
    var groups: [ByteString: UInt32] = ["root": 0, "tester": 1001, "users": 100]
    var files: [String: String] = [
        "/etc/subuid": "tester:100000:65536\n",
        "/etc/subgid": "tester:200000:65536\n",
        "/proc/self/uid_map": "         0          0 4294967295\n",
        "/proc/self/gid_map": "         0          0 4294967295\n",
    ]
    var env: [String: String] = ["SHELL": "/bin/bash"]

    func user(named name: ByteString) -> PasswdEntry? { users.first { $0.name == name } }
    func user(id: UInt32) -> PasswdEntry? { users.first { $0.uid == id } }
    func groupID(named name: ByteString) -> UInt32? { groups[name] }
    func readFile(_ path: String) -> Result<[UInt8], Errno> {
        files[path].map { .success(Array($0.utf8)) } ?? .failure(Errno(ENOENT))
    }
    func environment(_ name: String) -> ByteString? { env[name].map { ByteString($0) } }
}

/// Parses `words` as the arguments after the program name "unshare".
func parse(_ words: [String], _ system: FakeSystem = FakeSystem()) -> Result<Invocation, Failure> {
    Options.parse((["unshare"] + words).map { ByteString($0) }, context: system)
}

/// The options of a successful parse (nil on failure or help/version).
func options(_ words: [String], _ system: FakeSystem = FakeSystem()) -> Options? {
    if case .success(.run(let o)) = parse(words, system) { return o }
    return nil
}

/// The failure's message of a parse ("" if it did not fail).
func failure(_ words: [String], _ system: FakeSystem = FakeSystem()) -> Failure? {
    if case .failure(let f) = parse(words, system) { return f }
    return nil
}

/// A fake that answers the SystemContext questions from another fake (`base`)
/// and adds or overrides what its tests are about.
protocol ForwardingContext: SystemContext {
    associatedtype Base: SystemContext
    var base: Base { get }
}

extension ForwardingContext {
    var euid: UInt32 { base.euid }
    var egid: UInt32 { base.egid }
    func user(named name: ByteString) -> PasswdEntry? { base.user(named: name) }
    func user(id: UInt32) -> PasswdEntry? { base.user(id: id) }
    func groupID(named name: ByteString) -> UInt32? { base.groupID(named: name) }
    func readFile(_ path: String) -> Result<[UInt8], Errno> { base.readFile(path) }
    func environment(_ name: String) -> ByteString? { base.environment(name) }
}
