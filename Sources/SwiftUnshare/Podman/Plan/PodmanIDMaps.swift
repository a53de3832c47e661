// SPDX-License-Identifier: Apache-2.0
/// podman's view of /etc/subuid and /etc/subgid, and the maps it asks
/// newuidmap/newgidmap for. podman 4.3.1 reads the files through shadow's
/// libsubid: a line is `owner:start:count`, fields after the third are
/// ignored, a line with an empty or non-numeric field is skipped; a count of
/// any size is passed on to newuidmap, which judges it. Pure.
package enum PodmanIDMaps {
    /// One subordinate range, at full width (libsubid's unsigned long).
    package struct Range: Equatable, Sendable {
        package var start: UInt64
        package var count: UInt64
    }

    /// One line of a map: inner, outer, count (64 bits: podman's Go ints).
    package struct Line: Equatable, Sendable, CustomStringConvertible {
        package var inner: UInt64
        package var outer: UInt64
        package var count: UInt64
        package var description: String { "\(inner) \(outer) \(count)" }
    }

    /// The ranges of `user` (by name, else by the uid written in the owner field), in file order.
    package static func ranges(in text: [UInt8], name: ByteString, uid: UInt32) -> [Range] {
        var byName: [Range] = []
        var byID: [Range] = []
        for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let fields = line.split(separator: UInt8(ascii: ":"), maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count >= 3, !fields[0].isEmpty,
                let start = decimal(fields[1]), let count = decimal(fields[2])
            else { continue }
            let owner = ByteString(Array(fields[0]))
            let range = Range(start: start, count: count)
            if owner == name { byName.append(range) }
            if owner == "\(uid)" { byID.append(range) }
        }
        return byName.isEmpty ? byID : byName
    }

    /// An unsigned decimal that fits in 64 bits (strtoul's range).
    static func decimal(_ field: ArraySlice<UInt8>) -> UInt64? {
        guard !field.isEmpty else { return nil }
        var value: UInt64 = 0
        for c in field {
            guard (0x30...0x39).contains(c) else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(c - 0x30))
            if o1 || o2 { return nil }
            value = s
        }
        return value
    }

    /// `0 <id> 1`, then every range end to end from inner id 1, at full length.
    package static func layout(id: UInt32, ranges: [Range]) -> [Line] {
        var lines = [Line(inner: 0, outer: UInt64(id), count: 1)]
        var next: UInt64 = 1
        for range in ranges {
            lines.append(Line(inner: next, outer: range.start, count: range.count))
            next = next &+ range.count
        }
        return lines
    }

    /// podman's refusal of a range that holds the caller's own id.
    package static func overlap(id: UInt32, ranges: [Range], file: String, what: String) -> ByteString? {
        for r in ranges where UInt64(id) >= r.start && UInt64(id) - r.start < r.count {
            return
                "invalid configuration: the specified mapping \(r.start):\(r.count) in \"\(file)\" includes the user \(what)"
        }
        return nil
    }

    /// The argument words of newuidmap/newgidmap after the pid.
    package static func arguments(_ lines: [Line]) -> [ByteString] {
        lines.flatMap { ["\($0.inner)", "\($0.outer)", "\($0.count)"].map { ByteString($0) } }
    }
}
