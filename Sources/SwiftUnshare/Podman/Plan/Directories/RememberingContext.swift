// SPDX-License-Identifier: Apache-2.0
/// A context that asks the system about each path once while podman's
/// directories are decided (docs/podman-unshare.md, steps 1 to 8): podman's
/// rules look at the same candidates again and again (the runtime directory
/// is chosen in three places, each with its stat(2)s and access(2)), and
/// within one decision the answers can only differ by a race podman has too.
/// Everything else goes to `base` as asked. Not generic, and with one list of
/// one plain type, so that no metadata is made for it at run time.
package struct RememberingContext: PodmanSystemContext {
    let base: any PodmanSystemContext
    private let memory = Memory()

    /// A short list searched in order: a decision asks about a dozen paths.
    private final class Memory {
        var answers: [Answer] = []
    }
    /// stat(2) (`kind` 1), lstat(2) (2) or access(2) for W_OK and X_OK (3) of `path`.
    private struct Answer {
        var path: ByteString
        var kind: UInt8
        var facts: Result<FileFacts, Errno>
        var mayCreate: Bool
    }

    package init(_ base: any PodmanSystemContext) { self.base = base }

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
    package func openDatabase(_ path: ByteString) -> Result<DatabaseFile, Errno> { base.openDatabase(path) }

    private func known(_ path: ByteString, _ kind: UInt8) -> Answer? {
        for answer in memory.answers where answer.kind == kind && answer.path == path { return answer }
        return nil
    }

    package func fileFacts(_ path: ByteString, followLinks: Bool) -> Result<FileFacts, Errno> {
        let kind: UInt8 = followLinks ? 1 : 2
        if let answer = known(path, kind) { return answer.facts }
        let facts = base.fileFacts(path, followLinks: followLinks)
        memory.answers.append(Answer(path: path, kind: kind, facts: facts, mayCreate: false))
        return facts
    }

    package func mayCreateIn(_ directory: ByteString) -> Bool {
        if let answer = known(directory, 3) { return answer.mayCreate }
        let may = base.mayCreateIn(directory)
        memory.answers.append(Answer(path: directory, kind: 3, facts: .failure(Errno(0)), mayCreate: may))
        return may
    }
}
