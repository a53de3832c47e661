// SPDX-License-Identifier: Apache-2.0
/// One line of a uid_map or gid_map: `inner outer count`.
package struct IDRange: Equatable, Sendable, CustomStringConvertible {
    package var inner: UInt32
    package var outer: UInt32
    package var count: UInt32

    /// `inner outer count`: the line as a map file holds it (the one place it is spelled).
    package var line: ByteString { "\(inner) \(outer) \(count)" }
    package var description: String { line.description }

    /// A map file's text as one write puts it there: a line each, each ending in a newline.
    package static func mapText(_ lines: [IDRange]) -> ByteString {
        ByteString(lines.flatMap { $0.line.bytes + [0x0a] })
    }
}

/// A range asked for on the command line. An `auto` range has no inner start
/// until the merge puts it at 0.
package struct RequestedRange: Equatable, Sendable {
    package var inner: UInt32?
    package var outer: UInt32
    package var count: UInt32

    package init(inner: UInt32?, outer: UInt32, count: UInt32) {
        self.inner = inner
        self.outer = outer
        self.count = count
    }

    /// `inner:outer:count`, or the deprecated `outer,inner,count`; nil for anything else.
    package static func parse(_ text: ByteString) -> RequestedRange? {
        if let v = NumberParsing.scanFields(text, separator: UInt8(ascii: ":"), count: 3) {
            return RequestedRange(inner: v[0], outer: v[1], count: v[2])
        }
        if let v = NumberParsing.scanFields(text, separator: UInt8(ascii: ","), count: 3) {
            return RequestedRange(inner: v[1], outer: v[0], count: v[2])
        }
        return nil
    }
}

/// The single id of --map-user/--map-group (-r, -c): `inner` inside maps `outer`
/// (the caller's effective id) outside.
package struct SingleID: Equatable, Sendable {
    package var inner: UInt32
    package var outer: UInt32

    /// The one line that maps it: `inner outer 1`.
    package var range: IDRange { IDRange(inner: inner, outer: outer, count: 1) }
    /// What a process writes into its own map file for it: that line, without a newline (as util-linux).
    package var mapLine: ByteString { range.line }
}

package enum IDMapMerge {
    /// The merge rule (docs/unshare.md section 4): the single id comes first and has
    /// priority. An `auto` range starts at inner 0 at full length; any other range
    /// that contains the single outer or inner id (top bound inclusive) loses its
    /// topmost id; then each range is split around the single id, on both sides,
    /// into at most three pieces that step over it. Empty pieces are dropped.
    package static func merge(single: SingleID?, ranges: [RequestedRange]) -> [IDRange] {
        var lines: [IDRange] = []
        if let single { lines.append(single.range) }
        for range in ranges {
            lines += split(range, around: single)
        }
        return lines
    }

    /// All arithmetic is in 64 bits: a range may reach 2^32 at its top.
    private static func split(_ range: RequestedRange, around single: SingleID?) -> [IDRange] {
        let outerStart = UInt64(range.outer)
        var count = UInt64(range.count)
        let innerStart: UInt64
        if let inner = range.inner {
            innerStart = UInt64(inner)
        } else {
            innerStart = 0
        }
        guard let single else {
            return count == 0
                ? []
                : [
                    IDRange(
                        inner: UInt32(truncatingIfNeeded: innerStart),
                        outer: range.outer, count: range.count)
                ]
        }
        let outer = UInt64(single.outer)
        let inner = UInt64(single.inner)
        if range.inner != nil, count > 0,
            (outer >= outerStart && outer <= outerStart + count) || (inner >= innerStart && inner <= innerStart + count)
        {
            count -= 1
        }
        let outerOffset = min(outer > outerStart ? outer - outerStart : 0, count)
        let innerOffset = min(inner > innerStart ? inner - innerStart : 0, count)

        let lo = (inner: innerStart, outer: outerStart, count: min(innerOffset, outerOffset))
        var mid = (
            inner: lo.inner + lo.count, outer: lo.outer + lo.count,
            count: max(innerOffset, outerOffset) - min(innerOffset, outerOffset)
        )
        if mid.outer == outer { mid.outer += 1 }
        if mid.inner == inner { mid.inner += 1 }
        var hi = (
            inner: mid.inner + mid.count, outer: mid.outer + mid.count,
            count: count - lo.count - mid.count
        )
        if hi.outer == outer { hi.outer += 1 }
        if hi.inner == inner { hi.inner += 1 }
        // The three pieces appended one by one (an array of the tuples would
        // be one more type the runtime makes at every --map-auto start).
        var pieces: [IDRange] = []
        func add(_ p: (inner: UInt64, outer: UInt64, count: UInt64)) {
            guard p.count > 0 else { return }
            pieces.append(
                IDRange(
                    inner: UInt32(truncatingIfNeeded: p.inner), outer: UInt32(truncatingIfNeeded: p.outer),
                    count: UInt32(truncatingIfNeeded: p.count)))
        }
        add(lo)
        add(mid)
        add(hi)
        return pieces
    }
}
