// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Number parsing with util-linux's rules (strtoul_or_err and friends), but
/// refusing what C would wrap: a value that does not fit is ERANGE.
package enum NumberParsing {
    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0d).contains(b) }
    private static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }

    /// Base-10 unsigned 32-bit, as util-linux's strtoul_or_err reads it, but a
    /// value above 32 bits is ERANGE instead of wrapping.
    package static func unsigned32(_ text: ByteString) -> Result<UInt32, Errno> {
        switch unsigned64(text) {
        case .success(let v): return v <= UInt64(UInt32.max) ? .success(UInt32(v)) : .failure(Errno(ERANGE))
        case .failure(let e): return .failure(e)
        }
    }

    /// The parts strtol(3) reads: blanks, a sign, then the longest run of digits.
    private struct Scan {
        var negative = false
        var digits: ArraySlice<UInt8> = []
        var rest: ArraySlice<UInt8> = []
        /// The digits' value, nil when it does not fit 64 bits.
        var magnitude: UInt64? {
            var value: UInt64 = 0
            for b in digits {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
                if o1 || o2 { return nil }
                value = s
            }
            return value
        }
    }

    private static func scan(_ text: ByteString) -> Scan {
        var bytes = text.bytes[...]
        while let b = bytes.first, isSpace(b) { bytes = bytes.dropFirst() }
        var result = Scan()
        if let b = bytes.first, b == UInt8(ascii: "-") || b == UInt8(ascii: "+") {
            result.negative = b == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        let count = bytes.prefix(while: isDigit).count
        result.digits = bytes.prefix(count)
        result.rest = bytes.dropFirst(count)
        return result
    }

    /// util-linux's ul_strtou64: strtoul's reading (blanks, a sign, digits)
    /// where a negative value is ERANGE (checked before trailing bytes, so
    /// `-5x` is ERANGE) and `-0` is 0; no digits or bytes after them is EINVAL.
    package static func unsigned64(_ text: ByteString) -> Result<UInt64, Errno> {
        let s = scan(text)
        if s.digits.isEmpty { return .failure(Errno(EINVAL)) }
        guard let value = s.magnitude else { return .failure(Errno(ERANGE)) }
        if s.negative && value != 0 { return .failure(Errno(ERANGE)) }
        if !s.rest.isEmpty { return .failure(Errno(EINVAL)) }
        return .success(value)
    }

    /// Base-10 signed 64-bit (util-linux's strtos64_or_err): out of range is
    /// ERANGE even with bytes after the digits; no digits or trailing bytes is EINVAL.
    package static func signed64(_ text: ByteString) -> Result<Int64, Errno> {
        let s = scan(text)
        if s.digits.isEmpty { return .failure(Errno(EINVAL)) }
        guard let magnitude = s.magnitude else { return .failure(Errno(ERANGE)) }
        let value: Int64
        if s.negative {
            if magnitude > UInt64(Int64.max) + 1 { return .failure(Errno(ERANGE)) }
            value = magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        } else {
            if magnitude > UInt64(Int64.max) { return .failure(Errno(ERANGE)) }
            value = Int64(magnitude)
        }
        if !s.rest.isEmpty { return .failure(Errno(EINVAL)) }
        return .success(value)
    }

    /// A sscanf("%u") field: blanks, an optional "+", digits, fitting 32 bits.
    /// Returns nil for anything else (a "-" included: C would wrap it).
    package static func scanField(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        var rest = bytes
        while let b = rest.first, isSpace(b) { rest = rest.dropFirst() }
        if rest.first == UInt8(ascii: "+") { rest = rest.dropFirst() }
        guard !rest.isEmpty, rest.allSatisfy(isDigit) else { return nil }
        guard case .success(let v) = unsigned32(ByteString(Array(rest))) else { return nil }
        return v
    }

    /// Splits `text` at `separator` into exactly `count` sscanf("%u") fields.
    package static func scanFields(_ text: ByteString, separator: UInt8, count: Int) -> [UInt32]? {
        let parts = text.bytes.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == count else { return nil }
        var values: [UInt32] = []
        for part in parts {
            guard let v = scanField(part) else { return nil }
            values.append(v)
        }
        return values
    }
}
