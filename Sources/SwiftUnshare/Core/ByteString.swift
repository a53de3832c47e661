// SPDX-License-Identifier: Apache-2.0
/// Bytes as they came from argv or a file: paths and names on Linux are not
/// always UTF-8, and swift-unshare must pass them on and print them unchanged,
/// as unshare(1) passes its program operand and arguments. None of its
/// members throws (`withCString` rethrows its body's error).
public struct ByteString: Hashable, Sendable, ExpressibleByStringLiteral,
    ExpressibleByStringInterpolation, CustomStringConvertible
{
    /// The bytes themselves, without a terminating NUL (no unshare(1) option).
    public var bytes: [UInt8]

    /// These bytes (no unshare(1) option).
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    /// The string's UTF-8 bytes (no unshare(1) option).
    public init(_ string: String) { self.bytes = Array(string.utf8) }
    /// A literal's UTF-8 bytes: `let program: ByteString = "cat"` (no unshare(1) option).
    public init(stringLiteral value: String) { self.init(value) }

    /// Copies a NUL-terminated C string, as unshare(1) takes its argv (no option).
    public init(cString pointer: UnsafePointer<CChar>) {
        let length = strlenBytes(pointer)
        self.bytes = pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// No bytes at all (no unshare(1) option).
    public var isEmpty: Bool { bytes.isEmpty }
    /// A readable rendering (invalid UTF-8 repaired); for tests and numbers
    /// only (no unshare(1) option).
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// The bytes of both, one after the other (no unshare(1) option).
    public static func + (lhs: ByteString, rhs: ByteString) -> ByteString {
        ByteString(lhs.bytes + rhs.bytes)
    }

    /// Whether the bytes start with `prefix`'s (no unshare(1) option).
    public func hasPrefix(_ prefix: ByteString) -> Bool {
        bytes.count >= prefix.bytes.count && bytes.starts(with: prefix.bytes)
    }

    /// The part after the last "/" (the whole string when there is none):
    /// the name unshare(1) gives itself in its messages.
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

    /// Splits at every occurrence of `separator`, keeping empty pieces (no
    /// unshare(1) option).
    public func split(_ separator: UInt8) -> [ByteString] {
        // Scanned by hand: the standard library's split makes an array of
        // slices, a type the runtime would build at start-up for this alone.
        var parts: [ByteString] = []
        var start = 0
        for i in bytes.indices where bytes[i] == separator {
            parts.append(ByteString(Array(bytes[start..<i])))
            start = i + 1
        }
        parts.append(ByteString(Array(bytes[start...])))
        return parts
    }

    /// Calls `body` with a NUL-terminated copy; rethrows what `body` throws,
    /// nothing else (no unshare(1) option).
    public func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        try (bytes + [0]).withUnsafeBufferPointer { buffer in
            try buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                try body($0)
            }
        }
    }

    /// Builds a `ByteString` from a literal with interpolations: bytes stay
    /// bytes, strings and numbers become their UTF-8 text (no unshare(1) option).
    public struct StringInterpolation: StringInterpolationProtocol {
        var bytes: [UInt8] = []
        /// An empty buffer, its room reserved (no unshare(1) option).
        public init(literalCapacity: Int, interpolationCount: Int) {
            bytes.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }
        /// The literal part's UTF-8 bytes (no unshare(1) option).
        public mutating func appendLiteral(_ literal: String) { bytes += literal.utf8 }
        /// The bytes as they are (no unshare(1) option).
        public mutating func appendInterpolation(_ value: ByteString) { bytes += value.bytes }
        /// The string's UTF-8 bytes (no unshare(1) option).
        public mutating func appendInterpolation(_ value: String) { bytes += value.utf8 }
        // Numbers and described values are rendered through their static
        // conformances: String(describing:) would search the program's
        // protocol conformances at run time, the largest single cost of a
        // start (see BENCHMARKS.md). Numbers are written here, in decimal:
        // String(value) goes through the standard library's unspecialised
        // integer printing, pages of it on every start.
        /// The number in decimal (no unshare(1) option).
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
        /// The value's description (no unshare(1) option).
        public mutating func appendInterpolation<T: CustomStringConvertible>(_ value: T) {
            bytes += value.description.utf8
        }
        /// `String(describing:)` of the value (no unshare(1) option).
        public mutating func appendInterpolation<T>(_ value: T) { bytes += String(describing: value).utf8 }
    }

    /// The bytes the interpolation built (no unshare(1) option).
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
