// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import SwiftUnshare

@Suite struct SubordinateIDsTests {
    let tester = PasswdEntry(name: "tester", uid: 1001, gid: 1001)

    func ranges(_ text: String, firstOnly: Bool = false) -> Result<[SubordinateIDs.Entry], Failure> {
        SubordinateIDs.ranges(in: Array(text.utf8), file: "/etc/subuid", user: tester, firstOnly: firstOnly)
    }

    @Test func matchesByNameOrNumericUID() {
        let text = "other:1:2\ntester:100000:65536\n1001:300000:10\n10010:5:5\n"
        #expect(ranges(text) == .success([.init(start: 100000, count: 65536), .init(start: 300000, count: 10)]))
        #expect(ranges(text, firstOnly: true) == .success([.init(start: 100000, count: 65536)]))
    }

    @Test func aNameIsNotANumber() {
        // util-linux compares strtoul(name) with the uid, so "tester2" would match uid 0; not here.
        let root = PasswdEntry(name: "root", uid: 0, gid: 0)
        let r = SubordinateIDs.ranges(in: Array("tester:100000:65536\n".utf8), file: "/etc/subuid", user: root)
        #expect(r == .success([]))
    }

    @Test func linesWithoutTheFieldsAreSkipped() {
        #expect(ranges("tester\ntester:5\n\n# comment\ntester:7:8\n") == .success([.init(start: 7, count: 8)]))
    }

    @Test func malformedNumbersInUtilLinuxWords() {
        #expect(ranges("tester:abc:10\n") == .failure(Failure("failed to parse subid map: 'abc'")))
        #expect(
            ranges("tester:1:99999999999\n")
                == .failure(Failure("failed to parse subid map: '99999999999': Numerical result out of range")))
        #expect(
            ranges("tester:-1:10\n")
                == .failure(Failure("failed to parse subid map: '-1': Numerical result out of range")))
        #expect(ranges("tester:1:2:3\n") == .failure(Failure("failed to parse subid map: '2:3'")))
        #expect(ranges("tester:1:\n") == .failure(Failure("failed to parse subid map: ''")))
        // strtoul's reading: blanks, a sign, "-0"
        #expect(ranges("tester: 7:+8\n") == .success([.init(start: 7, count: 8)]))
        #expect(ranges("tester:-0:8\n") == .success([.init(start: 0, count: 8)]))
        // lines of other users are not read
        #expect(ranges("other:abc:10\ntester:1:2\n") == .success([.init(start: 1, count: 2)]))
    }

    /// --map-auto's lookup: the caller's first line only (a bad line after it
    /// is never read), util-linux's words when there is none.
    @Test func theFirstRangeOfTheCaller() {
        var system = FakeSystem()
        system.files["/etc/subuid"] = "other:1:2\n1001:300000:10\ntester:100000:65536\ntester:abc:1\n"
        #expect(
            SubordinateIDs.firstRange(file: "/etc/subuid", context: system) == .success(.init(start: 300000, count: 10))
        )
        system.files["/etc/subuid"] = "tester:abc:1\ntester:1:2\n"
        #expect(
            SubordinateIDs.firstRange(file: "/etc/subuid", context: system)
                == .failure(Failure("failed to parse subid map: 'abc'")))
        system.files["/etc/subuid"] = "other:1:2\n"
        guard case .failure(let none) = SubordinateIDs.firstRange(file: "/etc/subuid", context: system) else {
            Issue.record("a range for a user with no line")
            return
        }
        #expect(none.message == #"no line matching user "tester" in /etc/subuid"#)
    }

    @Test func kernelMapLines() {
        var system = FakeSystem()
        system.files["/proc/self/uid_map"] = "         0       1001          1\n         1     100000      65536\n"
        #expect(
            SubordinateIDs.kernelMap(file: "/proc/self/uid_map", context: system)
                == .success([
                    RequestedRange(inner: 0, outer: 0, count: 1), RequestedRange(inner: 1, outer: 1, count: 65536),
                ]))
    }
}
