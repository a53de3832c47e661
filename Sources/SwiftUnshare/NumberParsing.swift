import Glibc

/// Number parsing with util-linux's rules (strtoul_or_err and friends), but
/// refusing what C would wrap: a value that does not fit is ERANGE.
public enum NumberParsing {
    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0d).contains(b) }
    private static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }

    /// Base-10 unsigned 32-bit: leading blanks and "+" allowed as strtoul does,
    /// nothing after the digits; "-" is out of range (EINVAL/ERANGE otherwise).
    public static func unsigned32(_ text: ByteString) -> Result<UInt32, Errno> {
        switch unsigned64(text) {
        case .success(let v): return v <= UInt64(UInt32.max) ? .success(UInt32(v)) : .failure(Errno(ERANGE))
        case .failure(let e): return .failure(e)
        }
    }

    public static func unsigned64(_ text: ByteString) -> Result<UInt64, Errno> {
        var bytes = text.bytes[...]
        while let b = bytes.first, isSpace(b) { bytes = bytes.dropFirst() }
        if bytes.first == UInt8(ascii: "-") { return .failure(Errno(ERANGE)) }
        if bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        guard !bytes.isEmpty, bytes.allSatisfy(isDigit) else { return .failure(Errno(EINVAL)) }
        var value: UInt64 = 0
        for b in bytes {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
            if o1 || o2 { return .failure(Errno(ERANGE)) }
            value = s
        }
        return .success(value)
    }

    /// Base-10 signed 64-bit (strtos64_or_err).
    public static func signed64(_ text: ByteString) -> Result<Int64, Errno> {
        var bytes = text.bytes[...]
        while let b = bytes.first, isSpace(b) { bytes = bytes.dropFirst() }
        var negative = false
        if let b = bytes.first, b == UInt8(ascii: "-") || b == UInt8(ascii: "+") {
            negative = b == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        guard !bytes.isEmpty, bytes.allSatisfy(isDigit) else { return .failure(Errno(EINVAL)) }
        var magnitude: UInt64 = 0
        for b in bytes {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
            if o1 || o2 { return .failure(Errno(ERANGE)) }
            magnitude = s
        }
        if negative {
            if magnitude > UInt64(Int64.max) + 1 { return .failure(Errno(ERANGE)) }
            return .success(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
        }
        if magnitude > UInt64(Int64.max) { return .failure(Errno(ERANGE)) }
        return .success(Int64(magnitude))
    }

    /// A sscanf("%u") field: blanks, an optional "+", digits, fitting 32 bits.
    /// Returns nil for anything else (a "-" included: C would wrap it).
    public static func scanField(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        var rest = bytes
        while let b = rest.first, isSpace(b) { rest = rest.dropFirst() }
        if rest.first == UInt8(ascii: "+") { rest = rest.dropFirst() }
        guard !rest.isEmpty, rest.allSatisfy(isDigit) else { return nil }
        guard case .success(let v) = unsigned32(ByteString(Array(rest))) else { return nil }
        return v
    }

    /// Splits `text` at `separator` into exactly `count` sscanf("%u") fields.
    public static func scanFields(_ text: ByteString, separator: UInt8, count: Int) -> [UInt32]? {
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
