// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import SwiftUnshare

/// The library's spawn description resolves through the CLI's own code: the
/// same strategy, the same merged maps, the same order of the child's writes.
@Suite struct SpawnPlanTests {
    func resolve(
        _ mapping: IDMapping, namespaces: Set<Namespace> = [], setgroups: SetgroupsMode? = nil,
        _ system: FakeSystem = FakeSystem()
    ) -> Result<SpawnPlan, Failure> {
        var c = UnshareCommand("id")
        c.idMapping = mapping
        c.namespaces = namespaces
        c.setgroups = setgroups
        return SpawnPlan.resolve(c, context: system)
    }

    /// The CLI's plan for the same request on the command line.
    func cli(_ words: [String], _ system: FakeSystem = FakeSystem()) throws -> Plan {
        let o = try #require(options(words + ["id"], system))
        return try Plan.build(o, context: system, pid: 4321).get()
    }

    @Test func singleIDsAreWrittenByTheChildInTheCLIsOrder() throws {
        let p = try resolve(.root).get()
        #expect(p.strategy == .selfWrite)
        #expect(p.namespaces == [.user])
        #expect(p.uidMap == nil && p.gidMap == nil)
        #expect(
            p.childWrites == [
                SelfWrite(.uidMap, "0 1001 1"),
                SelfWrite(.setgroups, "deny"),
                SelfWrite(.gidMap, "0 1001 1"),
            ])
    }

    @Test func rangesGoToNewuidmapUnprivilegedAndToTheParentAsRoot() throws {
        let p = try resolve(.root + .auto).get()
        #expect(p.strategy == .newIDMapHelpers)
        #expect(p.uidMap == [IDRange(inner: 0, outer: 1001, count: 1), IDRange(inner: 1, outer: 100000, count: 65536)])
        #expect(p.gidMap == [IDRange(inner: 0, outer: 1001, count: 1), IDRange(inner: 1, outer: 200000, count: 65536)])
        #expect(p.childWrites.isEmpty)
        var root = FakeSystem()
        root.euid = 0
        root.egid = 0
        let r = try resolve(IDMapping(userRanges: [.range(inner: 0, outer: 100000, count: 10)]), root).get()
        #expect(r.strategy == .privilegedHelper)
        #expect(r.uidMap == [IDRange(inner: 0, outer: 100000, count: 10)])
        #expect(r.gidMap == nil)
    }

    @Test(arguments: [
        (IDMapping.root + .auto, ["-r", "--map-auto"]),
        (IDMapping(user: 1001, group: 1001) + .auto, ["-c", "--map-auto"]),
        (IDMapping.subids + .root, ["--map-subids", "-r"]),
        (
            IDMapping(
                user: 5,
                userRanges: [.range(inner: 0, outer: 100000, count: 10), .range(inner: 20, outer: 100010, count: 5)]),
            ["--map-user=5", "--map-users=0:100000:10", "--map-users=20:100010:5"]
        ),
        (IDMapping(userRanges: [.all], groupRanges: [.all]), ["--map-users=all", "--map-groups=all"]),
    ])
    func sameMapsAsTheCommandLine(mapping: IDMapping, words: [String]) throws {
        let p = try resolve(mapping).get()
        let plan = try cli(words)
        #expect(p.strategy == plan.strategy)
        #expect(p.uidMap == plan.uidMap)
        #expect(p.gidMap == plan.gidMap)
    }

    @Test func failuresAreTheCLIs() {
        #expect(throws: Failure("options --setgroups=allow and --map-group are mutually exclusive")) {
            try resolve(.root, setgroups: .allow).get()
        }
        var nobody = FakeSystem()
        nobody.files["/etc/subuid"] = "someone:100000:65536\n"
        #expect(throws: Failure("no line matching user \"tester\" in /etc/subuid")) { try resolve(.auto, nobody).get() }
    }

    @Test func mountNamespaceIsMadePrivateUnlessAskedOtherwise() throws {
        #expect(try resolve(.none, namespaces: [.mount]).get().propagation == Propagation.private.mountFlags)
        var c = UnshareCommand("id")
        c.namespaces = [.mount]
        c.propagation = .unchanged
        #expect(try SpawnPlan.resolve(c, context: FakeSystem()).get().propagation == 0)
        #expect(try resolve(.none, namespaces: [.net]).get().propagation == 0)
    }
}
