// SPDX-License-Identifier: Apache-2.0
/// Bytes as they came from argv or a file: paths and names on Linux are not
/// always UTF-8, and swift-unshare must pass them on and print them unchanged.
public struct ByteString: Hashable, Sendable, ExpressibleByStringLiteral,
    ExpressibleByStringInterpolation, CustomStringConvertible
{
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }
    public init(stringLiteral value: String) { self.init(value) }

    /// Copies a NUL-terminated C string.
    public init(cString pointer: UnsafePointer<CChar>) {
        let length = strlenBytes(pointer)
        self.bytes = pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    public var isEmpty: Bool { bytes.isEmpty }
    /// A readable rendering (invalid UTF-8 repaired); for tests and numbers only.
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    public static func + (lhs: ByteString, rhs: ByteString) -> ByteString {
        ByteString(lhs.bytes + rhs.bytes)
    }

    public func hasPrefix(_ prefix: ByteString) -> Bool {
        bytes.count >= prefix.bytes.count && bytes.starts(with: prefix.bytes)
    }

    /// The part after the last "/" (the whole string when there is none).
    public var basename: ByteString {
        if let slash = bytes.lastIndex(of: UInt8(ascii: "/")) {
            return ByteString(Array(bytes[(slash + 1)...]))
        }
        return self
    }

    /// The items with `separator` between them.
    static func join(_ items: [ByteString], _ separator: ByteString) -> ByteString {
        var out: [UInt8] = []
        for (i, item) in items.enumerated() {
            if i > 0 { out += separator.bytes }
            out += item.bytes
        }
        return ByteString(out)
    }

    /// Splits at every occurrence of `separator`, keeping empty pieces.
    public func split(_ separator: UInt8) -> [ByteString] {
        bytes.split(separator: separator, omittingEmptySubsequences: false).map { ByteString(Array($0)) }
    }

    /// Calls `body` with a NUL-terminated copy.
    public func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        try (bytes + [0]).withUnsafeBufferPointer { buffer in
            try buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                try body($0)
            }
        }
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var bytes: [UInt8] = []
        public init(literalCapacity: Int, interpolationCount: Int) {
            bytes.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }
        public mutating func appendLiteral(_ literal: String) { bytes += literal.utf8 }
        public mutating func appendInterpolation(_ value: ByteString) { bytes += value.bytes }
        public mutating func appendInterpolation(_ value: String) { bytes += value.utf8 }
        // Numbers and described values are rendered through their static
        // conformances: String(describing:) would search the program's
        // protocol conformances at run time, the largest single cost of a
        // start (see BENCHMARKS.md). Numbers are written here, in decimal:
        // String(value) goes through the standard library's unspecialised
        // integer printing, pages of it on every start.
        public mutating func appendInterpolation<T: BinaryInteger>(_ value: T) {
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            var rest = UInt64(value.magnitude)
            var width = 1
            var probe = rest
            while probe >= 10 {
                probe /= 10
                width += 1
            }
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width))
            var at = start + width - 1
            repeat {
                bytes[at] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                at -= 1
            } while rest > 0
        }
        public mutating func appendInterpolation<T: CustomStringConvertible>(_ value: T) {
            bytes += value.description.utf8
        }
        public mutating func appendInterpolation<T>(_ value: T) { bytes += String(describing: value).utf8 }
    }

    public init(stringInterpolation: StringInterpolation) { self.bytes = stringInterpolation.bytes }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes.
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        for i in 0...(count - needle.count) where Array(self[i..<(i + needle.count)]) == needle { return true }
        return false
    }
}

private func strlenBytes(_ pointer: UnsafePointer<CChar>) -> Int {
    var n = 0
    while pointer[n] != 0 { n += 1 }
    return n
}
