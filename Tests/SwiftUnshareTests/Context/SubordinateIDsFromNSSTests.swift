// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// A system whose nsswitch.conf may name a `subid:` module, and whose libsubid
/// answers from a table (owner and kind → answer); every question is recorded.
final class NSSFakeSystem: PodmanSystemContext, ForwardingContext {
    var base = PodmanFakeSystem(subuid: "tester:100000:65536\n", subgid: "tester:200000:65536\n")
    var answers: [String: SubordinateIDs.LibsubidAnswer] = [:]
    var asked: [String] = []

    init(nsswitch: String?) {
        if let nsswitch { base.files["/etc/nsswitch.conf"] = Array(nsswitch.utf8) }
    }

    func fileFacts(_ path: ByteString, followLinks: Bool) -> Result<FileFacts, Errno> {
        base.fileFacts(path, followLinks: followLinks)
    }
    func readLink(_ path: ByteString) -> Result<ByteString, Errno> { base.readLink(path) }
    func mayCreateIn(_ directory: ByteString) -> Bool { base.mayCreateIn(directory) }
    func openDatabase(_ path: ByteString) -> Result<DatabaseFile, Errno> { base.openDatabase(path) }
    func libsubidRanges(owner: ByteString, users: Bool) -> SubordinateIDs.LibsubidAnswer {
        let key = "\(owner) \(users ? "uid" : "gid")"
        asked.append(key)
        return answers[key] ?? .ranges([])
    }
}

@Suite struct NSSModuleLineTests {
    func module(_ text: String) -> ByteString? { SubordinateIDs.nssModule(nsswitch: Array(text.utf8)) }

    @Test func theFirstWordOfTheSubidLine() {
        #expect(module("passwd: files\nsubid:  sss  files\n") == "sss")
        #expect(module("SubId:\tsss\n") == "sss")
        #expect(module("subid:sss\n") == "sss")
    }

    @Test func filesOrNoLineMeansTheFiles() {
        #expect(module("passwd: files\n") == nil)
        #expect(module("subid: files\n") == nil)
        #expect(module("# subid: sss\n") == nil)
        #expect(module(" subid: sss\n") == nil)  // libsubid wants the word at the start of the line
        #expect(module("subid: " + String(repeating: "x", count: 51) + "\n") == nil)
        #expect(module("") == nil)
    }

    @Test func anEmptySubidLineIsSkipped() {
        #expect(module("subid:    \nsubid: sss\n") == "sss")
    }

    @Test func libsubidsEightByteMinimumCountsTheNewline() {
        #expect(module("subid:x\n") == "x")
        #expect(module("subid:x") == nil)
        #expect(module("subid:xy") == "xy")
    }
}

@Suite struct SubordinateIDsFromNSSTests {
    let entry = { (s: UInt32, c: UInt32) in SubordinateIDs.Entry(start: s, count: c) }

    @Test func mapAutoTakesTheModulesFirstRange() {
        let system = NSSFakeSystem(nsswitch: "subid: sss\n")
        system.answers = [
            "tester uid": .ranges([entry(500000, 1000), entry(7, 7)]), "tester gid": .ranges([entry(600000, 10)]),
        ]
        let o = Options.parse(["unshare", "--map-auto", "true"], context: system)
        guard case .success(.run(let options)) = o else {
            Issue.record("\(o)")
            return
        }
        #expect(options.userRanges == [RequestedRange(inner: nil, outer: 500000, count: 1000)])
        #expect(options.groupRanges == [RequestedRange(inner: nil, outer: 600000, count: 10)])
        #expect(system.asked == ["tester uid", "tester gid"])
    }

    @Test func noSubidLineNeverAsksLibsubid() {
        let system = NSSFakeSystem(nsswitch: "passwd: files\n")
        let o = Options.parse(["unshare", "--map-subids", "true"], context: system)
        guard case .success(.run(let options)) = o else {
            Issue.record("\(o)")
            return
        }
        #expect(options.userRanges == [RequestedRange(inner: 100000, outer: 100000, count: 65536)])
        #expect(system.asked.isEmpty)
        let plain = NSSFakeSystem(nsswitch: "subid: sss\n")
        _ = Options.parse(["unshare", "-r", "true"], context: plain)
        #expect(plain.asked.isEmpty)  // no range wanted, no lookup
    }

    @Test func byNameThenByUID() {
        let system = NSSFakeSystem(nsswitch: "subid: sss\n")
        system.answers = ["1001 uid": .ranges([entry(1, 2)]), "1001 gid": .ranges([entry(3, 4)])]
        let o = Options.parse(["unshare", "--map-auto", "true"], context: system)
        guard case .success(.run(let options)) = o else {
            Issue.record("\(o)")
            return
        }
        #expect(options.userRanges == [RequestedRange(inner: nil, outer: 1, count: 2)])
        #expect(system.asked == ["tester uid", "1001 uid", "tester gid", "1001 gid"])
    }

    @Test func failuresNameTheModule() {
        let none = NSSFakeSystem(nsswitch: "subid: sss\n")
        #expect(
            Options.parse(["unshare", "--map-auto"], context: none)
                == .failure(Failure("no subordinate uid range for user \"tester\" from NSS module \"sss\"")))
        let broken = NSSFakeSystem(nsswitch: "subid: sss\n")
        broken.answers = ["tester uid": .failed]
        #expect(
            Options.parse(["unshare", "--map-auto"], context: broken)
                == .failure(Failure("cannot read subordinate uids of \"tester\" from NSS module \"sss\" (libsubid)")))
        let missing = NSSFakeSystem(nsswitch: "subid: sss\n")
        missing.answers = ["tester uid": .unavailable("libsubid.so.4: cannot open shared object file")]
        #expect(
            Options.parse(["unshare", "--map-auto"], context: missing)
                == .failure(
                    Failure(
                        "subid: sss in /etc/nsswitch.conf needs libsubid.so.4: libsubid.so.4: cannot open shared object file"
                    )))
    }

    @Test func podmanLaysOutEveryModuleRange() {
        let system = NSSFakeSystem(nsswitch: "subid: sss\n")
        system.answers = [
            "tester uid": .ranges([entry(500000, 1000), entry(100000, 10)]),
            "tester gid": .ranges([entry(600000, 5)]),
        ]
        let made = PodmanPlan.userNamespace(context: system, firstRun: false)
        func line(_ inner: UInt64, _ outer: UInt64, _ count: UInt64) -> PodmanIDMaps.Line {
            PodmanIDMaps.Line(inner: inner, outer: outer, count: count)
        }
        #expect(
            made.maps
                == .ranges(
                    uid: [line(0, 1001, 1), line(1, 500000, 1000), line(1001, 100000, 10)],
                    gid: [line(0, 1001, 1), line(1, 600000, 5)]))
        #expect(made.messages.isEmpty)
    }

    @Test func podmanWithoutAModuleRangeFallsBackAsForTheFiles() {
        let system = NSSFakeSystem(nsswitch: "subid: sss\n")
        system.answers = ["tester uid": .ranges([entry(500000, 1000)])]
        let made = PodmanPlan.userNamespace(context: system, firstRun: false)
        #expect(made.maps == .single(uid: 1001, gid: 1001))
        #expect(
            made.messages == [
                PodmanLogLine(
                    .error,
                    "cannot find UID/GID for user tester: no subgid ranges found for user \"tester\" in /etc/subgid - check rootless mode in man pages."
                ),
                PodmanLogLine(.warning, PodmanPlan.singleMappingWarning),
            ])
    }
}

/// getsubids(1)'s answer, as the static binary reads it (Getsubids.swift).
@Suite struct GetsubidsOutputTests {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func everyLineIsARangeInOrder() {
        let out = bytes("0: unshare-tester 100000 65536\n1: unshare-tester 500000 1000\n")
        #expect(
            Getsubids.answer(output: out, status: 0)
                == .ranges([.init(start: 100_000, count: 65536), .init(start: 500_000, count: 1000)]))
    }

    @Test func exitOneIsNoRangesAndOtherEndingsFail() {
        #expect(Getsubids.answer(output: [], status: 1 << 8) == .ranges([]))
        #expect(Getsubids.answer(output: [], status: 2 << 8) == .failed)
        #expect(Getsubids.answer(output: [], status: SIGSEGV) == .failed)
        #expect(Getsubids.answer(output: bytes("0: u 100000\n"), status: 0) == .failed)
        #expect(Getsubids.answer(output: bytes("u 100000 5 6\n"), status: 0) == .failed)
    }

    @Test func rangesBeyond32BitIdsAreClippedOrSkipped() {
        let out = bytes("0: u 4294967296 5\n1: u 4294967290 100\n")
        #expect(Getsubids.answer(output: out, status: 0) == .ranges([.init(start: 4_294_967_290, count: 5)]))
    }
}
