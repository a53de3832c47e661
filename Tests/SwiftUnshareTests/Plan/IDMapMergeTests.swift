// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import SwiftUnshare

/// The merge rule of docs/unshare.md section 4, as a table.
@Suite struct IDMapMergeTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var single: SingleID?
        var ranges: [RequestedRange]
        var expected: [String]
        var testDescription: String { name }
    }

    static func r(_ inner: UInt32?, _ outer: UInt32, _ count: UInt32) -> RequestedRange {
        RequestedRange(inner: inner, outer: outer, count: count)
    }

    static let cases: [Case] = [
        // The examples in docs/unshare.md: euid 1001, subuid 1001:100000:65536.
        Case(
            name: "-r --map-auto", single: SingleID(inner: 0, outer: 1001), ranges: [r(nil, 100000, 65536)],
            expected: ["0 1001 1", "1 100000 65536"]),
        Case(
            name: "-c --map-auto", single: SingleID(inner: 1001, outer: 1001), ranges: [r(nil, 100000, 65536)],
            expected: ["1001 1001 1", "0 100000 1001", "1002 101001 64535"]),
        Case(
            name: "-r --map-users=1:100000:1000", single: SingleID(inner: 0, outer: 1001), ranges: [r(1, 100000, 1000)],
            expected: ["0 1001 1", "1 100000 1000"]),
        Case(
            name: "-r --map-users=0:100000:1000", single: SingleID(inner: 0, outer: 1001), ranges: [r(0, 100000, 1000)],
            expected: ["0 1001 1", "1 100000 999"]),
        // Ranges alone are written as given; auto starts at 0.
        Case(
            name: "no single id", single: nil, ranges: [r(5, 100000, 10), r(nil, 200000, 3)],
            expected: ["5 100000 10", "0 200000 3"]),
        // The single outer id at a range's bottom, top, just past the top.
        Case(
            name: "outer at bottom", single: SingleID(inner: 0, outer: 100000), ranges: [r(1, 100000, 10)],
            expected: ["0 100000 1", "1 100001 9"]),
        Case(
            name: "outer at top", single: SingleID(inner: 0, outer: 100009), ranges: [r(1, 100000, 10)],
            expected: ["0 100009 1", "1 100000 9"]),
        Case(
            name: "outer just past the top (inclusive bound)", single: SingleID(inner: 0, outer: 100010),
            ranges: [r(1, 100000, 10)], expected: ["0 100010 1", "1 100000 9"]),
        Case(
            name: "outer well past the top", single: SingleID(inner: 0, outer: 100011), ranges: [r(1, 100000, 10)],
            expected: ["0 100011 1", "1 100000 10"]),
        // Inside on the outer side only: split into low and high around it.
        Case(
            name: "outer inside", single: SingleID(inner: 0, outer: 100004), ranges: [r(1, 100000, 10)],
            expected: ["0 100004 1", "1 100000 4", "5 100005 5"]),
        // Inside on the inner side only.
        Case(
            name: "inner inside", single: SingleID(inner: 5, outer: 1001), ranges: [r(1, 100000, 10)],
            expected: ["5 1001 1", "1 100000 4", "6 100004 5"]),
        // Inside on both sides, at different offsets.
        Case(
            name: "both inside", single: SingleID(inner: 3, outer: 100006), ranges: [r(1, 100000, 10)],
            expected: ["3 100006 1", "1 100000 2", "4 100002 4", "8 100007 3"]),
        // Inside on both sides at the same offset.
        Case(
            name: "both inside, same offset", single: SingleID(inner: 4, outer: 100003), ranges: [r(1, 100000, 10)],
            expected: ["4 100003 1", "1 100000 3", "5 100004 6"]),
        // -c with auto at the very bottom of the range.
        Case(
            name: "-c with auto, euid 0", single: SingleID(inner: 0, outer: 0), ranges: [r(nil, 100000, 10)],
            expected: ["0 0 1", "1 100000 10"]),
        // Several ranges, each merged in order.
        Case(
            name: "several ranges", single: SingleID(inner: 0, outer: 1001),
            ranges: [r(0, 100000, 10), r(10, 200000, 5), r(nil, 300000, 2)],
            expected: ["0 1001 1", "1 100000 9", "10 200000 5", "1 300000 2"]),
        // A range that ends up empty is dropped.
        Case(
            name: "one-id range that loses its id", single: SingleID(inner: 0, outer: 1001), ranges: [r(0, 5, 1)],
            expected: ["0 1001 1"]),
        Case(
            name: "zero-length range", single: SingleID(inner: 0, outer: 1001), ranges: [r(0, 1001, 0)],
            expected: ["0 1001 1"]),
        // Arithmetic near 2^32 does not trap.
        Case(
            name: "range at the top of the id space", single: SingleID(inner: 4_294_967_294, outer: 4_294_967_294),
            ranges: [r(4_294_967_290, 4_294_967_290, 5)],
            expected: ["4294967294 4294967294 1", "4294967290 4294967290 4"]),
        Case(
            name: "all, as root", single: SingleID(inner: 0, outer: 0), ranges: [r(0, 0, 4_294_967_295)],
            expected: ["0 0 1", "1 1 4294967294"]),
    ]

    @Test(arguments: cases)
    func merge(_ c: Case) {
        #expect(IDMapMerge.merge(single: c.single, ranges: c.ranges).map(\.description) == c.expected)
    }

    @Test func mapTextIsOneLineEach() {
        #expect(
            IDRange.mapText([IDRange(inner: 0, outer: 1001, count: 1), IDRange(inner: 1, outer: 100000, count: 65536)])
                == "0 1001 1\n1 100000 65536\n")
    }
}
