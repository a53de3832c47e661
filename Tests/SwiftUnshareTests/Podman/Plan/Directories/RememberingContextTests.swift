// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import SwiftUnshare

/// A fake system that counts what it is asked (the rest forwarded: FakeSystem.swift).
final class CountingSystem: ForwardingContext, PodmanSystemContext {
    let base: PodmanFakeSystem
    var factsAsked: [String] = []
    var createAsked: [String] = []
    init(_ base: PodmanFakeSystem) { self.base = base }

    func readLink(_ path: ByteString) -> Result<ByteString, Errno> { base.readLink(path) }
    func openDatabase(_ path: ByteString) -> Result<DatabaseFile, Errno> { base.openDatabase(path) }
    func fileFacts(_ path: ByteString, followLinks: Bool) -> Result<FileFacts, Errno> {
        factsAsked.append("\(path) \(followLinks)")
        return base.fileFacts(path, followLinks: followLinks)
    }
    func mayCreateIn(_ directory: ByteString) -> Bool {
        createAsked.append(directory.description)
        return base.mayCreateIn(directory)
    }
}

@Suite struct RememberingContextTests {
    func plan(_ context: some PodmanSystemContext) -> Result<PodmanPlan, Failure> {
        PodmanPlan.build(PodmanOptions(rootlessNetns: false, command: ["id"]), context: context)
    }

    /// The same plan, with each path asked about once where podman's rules ask again.
    @Test func eachPathIsAskedOnceAndThePlanIsTheSame() {
        var fake = PodmanFakeSystem()
        fake.nodes["/run/user"] = FileFacts(uid: 0, mode: 0o40755)  // no /run/user/1001 to make
        let direct = CountingSystem(fake)
        let remembered = CountingSystem(fake)
        let expected = plan(direct)
        #expect(plan(RememberingContext(remembered)) == expected)
        #expect(Set(remembered.factsAsked) == Set(direct.factsAsked))
        #expect(remembered.factsAsked.count == Set(remembered.factsAsked).count, "\(remembered.factsAsked)")
        #expect(remembered.createAsked.count == Set(remembered.createAsked).count)
        #expect(direct.factsAsked.count > remembered.factsAsked.count, "the rules ask again: \(direct.factsAsked)")
    }
}
