// SPDX-License-Identifier: Apache-2.0
/// A context that asks the system about each path once while podman's
/// directories are decided (docs/podman-unshare.md, steps 1 to 8): podman's
/// rules look at the same candidates again and again (the runtime directory
/// is chosen in three places, each with its stat(2)s and access(2)), and
/// within one decision the answers can only differ by a race podman has too.
/// Everything else goes to `base` as asked.
package struct RememberingContext<Base: PodmanSystemContext>: PodmanSystemContext {
    let base: Base
    private let memory = Memory()

    /// A short list searched in order: a decision asks about a dozen paths.
    private final class Memory {
        var facts: [Fact] = []
        var mayCreate: [Creatable] = []
    }
    private struct Fact {
        var path: ByteString
        var followLinks: Bool
        var answer: Result<FileFacts, Errno>
    }
    private struct Creatable {
        var directory: ByteString
        var answer: Bool
    }

    package init(_ base: Base) { self.base = base }

    package var euid: UInt32 { base.euid }
    package var egid: UInt32 { base.egid }
    package func user(named name: ByteString) -> PasswdEntry? { base.user(named: name) }
    package func user(id: UInt32) -> PasswdEntry? { base.user(id: id) }
    package func groupID(named name: ByteString) -> UInt32? { base.groupID(named: name) }
    package func readFile(_ path: String) -> Result<[UInt8], Errno> { base.readFile(path) }
    package func environment(_ name: String) -> ByteString? { base.environment(name) }
    package func libsubidRanges(owner: ByteString, users: Bool) -> SubordinateIDs.LibsubidAnswer {
        base.libsubidRanges(owner: owner, users: users)
    }
    package func readLink(_ path: ByteString) -> Result<ByteString, Errno> { base.readLink(path) }
    package func readDatabase(_ path: ByteString) -> Result<[UInt8], Errno> { base.readDatabase(path) }

    package func fileFacts(_ path: ByteString, followLinks: Bool) -> Result<FileFacts, Errno> {
        if let known = memory.facts.first(where: { $0.path == path && $0.followLinks == followLinks }) {
            return known.answer
        }
        let answer = base.fileFacts(path, followLinks: followLinks)
        memory.facts.append(Fact(path: path, followLinks: followLinks, answer: answer))
        return answer
    }

    package func mayCreateIn(_ directory: ByteString) -> Bool {
        if let known = memory.mayCreate.first(where: { $0.directory == directory }) { return known.answer }
        let answer = base.mayCreateIn(directory)
        memory.mayCreate.append(Creatable(directory: directory, answer: answer))
        return answer
    }
}
