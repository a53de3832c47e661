// SPDX-License-Identifier: Apache-2.0
/// Decoding TOML string contents and telling number types apart, as the TOML
/// library podman 4.3.1 uses does. Pure.
enum TOMLStrings {
    /// A basic string's escapes resolved (the lexer has checked them); in a
    /// multi-line one, the first newline dropped and line-ending backslashes
    /// joining the lines.
    static func unescape(_ raw: [UInt8], multiline: Bool = false) -> [UInt8] {
        let b = multiline ? trimFirstNewline(raw) : raw
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            let c = b[i]
            guard c == UInt8(ascii: "\\"), i + 1 < b.count else {
                out.append(c)
                i += 1
                continue
            }
            let e = b[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(e)
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let n = e == UInt8(ascii: "u") ? 4 : 8
                var value: UInt32 = 0
                for h in b[i..<min(i + n, b.count)] { value = value << 4 | hex(h) }
                i += n
                out += Array(String(Unicode.Scalar(value).map(Character.init) ?? "\u{fffd}").utf8)
            case 0x0a, 0x0d, 0x20, 0x09:
                guard multiline else {
                    out += [c, e]
                    break
                }
                // A line-ending backslash: the newline and the blanks after it go.
                i -= 1
                while i < b.count, [0x0a, 0x0d, 0x20, 0x09].contains(b[i]) { i += 1 }
            default:
                out += [c, e]
            }
        }
        return out
    }

    static func trimFirstNewline(_ raw: [UInt8]) -> [UInt8] {
        if raw.first == 0x0a { return Array(raw.dropFirst()) }
        if raw.starts(with: [0x0d, 0x0a]) { return Array(raw.dropFirst(2)) }
        return raw
    }

    private static func hex(_ c: UInt8) -> UInt32 {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return 0
        }
    }

    /// Go's %T of a number or date the decoder made: int64, float64 or time.Time.
    static func numberType(_ token: [UInt8]) -> String {
        let text = String(decoding: token, as: UTF8.self)
        if text.contains(":") { return "time.Time" }
        let body = text.hasPrefix("+") || text.hasPrefix("-") ? String(text.dropFirst()) : text
        if body.hasPrefix("0x") || body.hasPrefix("0o") || body.hasPrefix("0b") { return "int64" }
        if body.contains("-") { return "time.Time" }
        if body.contains(".") || body.contains("e") || body.contains("E") || body == "inf" || body == "nan" {
            return "float64"
        }
        return "int64"
    }
}
