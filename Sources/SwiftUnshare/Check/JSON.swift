// SPDX-License-Identifier: Apache-2.0
/// A JSON value as --check=json writes it (RFC 8259), without Foundation.
/// Strings are bytes: valid UTF-8 is written as it is (with `"`, `\` and the
/// control characters escaped); a byte that is not part of valid UTF-8 (a
/// path need not be) is written as the code point of the same number,
/// `\u0080` to `\u00ff`, so the output is always valid JSON.
indirect enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(ByteString)
    case array([JSON])
    /// Members in the order written.
    case object([(String, JSON)])

    static func == (a: JSON, b: JSON) -> Bool { a.bytes == b.bytes }

    static func string(_ text: String) -> JSON { .string(ByteString(text)) }
    static func int(_ value: Int32) -> JSON { .int(Int64(value)) }
    static func int(_ value: UInt32) -> JSON { .int(Int64(value)) }
    static func int(_ value: Int) -> JSON { .int(Int64(value)) }
    static func optional(_ text: ByteString?) -> JSON { text.map(JSON.string) ?? .null }

    /// The value on one line.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        write(&out)
        return out
    }

    private func write(_ out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let v): out += Array(String(v).utf8)
        case .string(let s): Self.writeString(s.bytes, &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(&out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(Array(key.utf8), &out)
                out.append(UInt8(ascii: ":"))
                value.write(&out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private static func writeString(_ bytes: [UInt8], _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case 0x0a: out += Array(#"\n"#.utf8)
            case 0x0d: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0x08: out += Array(#"\b"#.utf8)
            case 0x0c: out += Array(#"\f"#.utf8)
            case 0..<0x20: escapeByte(b, &out)
            case 0x20..<0x80: out.append(b)
            default:
                let n = validSequenceLength(bytes, at: i)
                if n == 0 {
                    escapeByte(b, &out)
                } else {
                    out += bytes[i..<(i + n)]
                    i += n
                    continue
                }
            }
            i += 1
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func escapeByte(_ b: UInt8, _ out: inout [UInt8]) {
        out += Array(#"\u00"#.utf8) + [hex[Int(b >> 4)], hex[Int(b & 0x0f)]]
    }

    /// The length of the well-formed UTF-8 sequence of more than one byte
    /// that starts at `i` (Unicode's table 3-7: no overlong form, no
    /// surrogate, nothing past U+10FFFF), or 0.
    static func validSequenceLength(_ bytes: [UInt8], at i: Int) -> Int {
        let b0 = bytes[i]
        let (length, low, high): (Int, UInt8, UInt8)
        switch b0 {
        case 0xc2...0xdf: (length, low, high) = (2, 0x80, 0xbf)
        case 0xe0: (length, low, high) = (3, 0xa0, 0xbf)
        case 0xe1...0xec, 0xee...0xef: (length, low, high) = (3, 0x80, 0xbf)
        case 0xed: (length, low, high) = (3, 0x80, 0x9f)
        case 0xf0: (length, low, high) = (4, 0x90, 0xbf)
        case 0xf1...0xf3: (length, low, high) = (4, 0x80, 0xbf)
        case 0xf4: (length, low, high) = (4, 0x80, 0x8f)
        default: return 0
        }
        guard i + length <= bytes.count, (low...high).contains(bytes[i + 1]) else { return 0 }
        for k in 2..<length where !(0x80...0xbf).contains(bytes[i + k]) { return 0 }
        return length
    }
}
