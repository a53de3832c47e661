// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

@Suite struct PodmanMapTests {
    private func line(_ inner: UInt64, _ outer: UInt64, _ count: UInt64) -> PodmanIDMaps.Line {
        PodmanIDMaps.Line(inner: inner, outer: outer, count: count)
    }

    @Test func everyRangeEndToEndAtFullWidth() {
        let ranges = [
            PodmanIDMaps.Range(start: 300000, count: 2000), PodmanIDMaps.Range(start: 200000, count: 1000),
            PodmanIDMaps.Range(start: 400000, count: 4_294_967_295),
        ]
        #expect(
            PodmanIDMaps.layout(id: 1002, ranges: ranges)
                == [
                    line(0, 1002, 1), line(1, 300000, 2000), line(2001, 200000, 1000),
                    line(3001, 400000, 4_294_967_295),
                ])
        #expect(
            PodmanIDMaps.arguments([line(0, 1002, 1), line(1, 400000, 4_294_967_295)])
                == ["0", "1002", "1", "1", "400000", "4294967295"])
    }

    /// podman's lines are newuidmap's words as they are: a count of 0, or
    /// one past 32 bits, is passed on for the tool to judge.
    @Test func podmansLinesAreTheToolsWordsAsTheyAre() {
        let s = PodmanFakeSystem(subuid: "tester:100000:0\n", subgid: "tester:100000:4294967296\n")
        guard case .ranges(let uid, let gid) = PodmanPlan.userNamespace(context: s, firstRun: false).maps else {
            Issue.record("no ranges")
            return
        }
        #expect(PodmanIDMaps.arguments(uid) == ["0", "1001", "1", "1", "100000", "0"])
        #expect(PodmanIDMaps.arguments(gid) == ["0", "1001", "1", "1", "100000", "4294967296"])
    }

    /// shadow's libsubid, as podman reads the files: extra fields ignored,
    /// blank or non-numeric fields skip the line, the name before the uid.
    @Test func subidLinesAsLibsubidReadsThem() {
        let text = Array("tester:100000:65536:extra\nbad::1\ntester:x:1\n1001:5:5\ntester:7:4294967295\n".utf8)
        #expect(
            PodmanIDMaps.ranges(in: text, name: "tester", uid: 1001)
                == [
                    PodmanIDMaps.Range(start: 100000, count: 65536), PodmanIDMaps.Range(start: 7, count: 4_294_967_295),
                ])
        #expect(PodmanIDMaps.ranges(in: text, name: "other", uid: 1001) == [PodmanIDMaps.Range(start: 5, count: 5)])
        #expect(PodmanIDMaps.ranges(in: Array("t:1:99999999999999999999\n".utf8), name: "t", uid: 1).isEmpty)
    }

    @Test func aRangeHoldingTheCallerIsRefused() {
        #expect(
            PodmanIDMaps.overlap(
                id: 1500, ranges: [PodmanIDMaps.Range(start: 1000, count: 1000)], file: "/etc/subuid", what: "UID")
                == #"invalid configuration: the specified mapping 1000:1000 in "/etc/subuid" includes the user UID"#)
        #expect(
            PodmanIDMaps.overlap(
                id: 2000, ranges: [PodmanIDMaps.Range(start: 1000, count: 1000)], file: "/etc/subuid", what: "UID")
                == nil)
    }

    @Test func planUsesEveryRangeOfTheCaller() {
        var s = PodmanFakeSystem(
            subuid: "other:5:5\ntester:200000:1000\ntester:300000:2000\n",
            subgid: "tester:200000:1000\n")
        s.env["USER"] = "tester"
        guard let create = podmanUserNamespace(s) else {
            Issue.record("no plan")
            return
        }
        #expect(
            create.maps
                == .ranges(
                    uid: [line(0, 1001, 1), line(1, 200000, 1000), line(1001, 300000, 2000)],
                    gid: [line(0, 1001, 1), line(1, 200000, 1000)]))
        #expect(create.messages.isEmpty)
    }

    @Test func noRangesFallsBackToTheSingleMappingWithPodmansWords() {
        for s in [
            PodmanFakeSystem(subuid: "other:1:2\n"), PodmanFakeSystem(subgid: ""),
            {
                var s = PodmanFakeSystem()
                s.files["/etc/subuid"] = nil
                return s
            }(),
        ] {
            guard let create = podmanUserNamespace(s) else {
                Issue.record("no plan")
                continue
            }
            #expect(create.maps == .single(uid: 1001, gid: 1001))
            #expect(create.messages.count == 2)
            #expect(create.messages.last == PodmanLogLine(.warning, PodmanPlan.singleMappingWarning))
        }
        guard let create = podmanUserNamespace(PodmanFakeSystem(subuid: "")) else {
            Issue.record("no plan")
            return
        }
        #expect(
            create.messages.first
                == PodmanLogLine(
                    .error,
                    #"cannot find UID/GID for user tester: no subuid ranges found for user "tester" in /etc/subuid - check rootless mode in man pages."#
                ))
    }
}
