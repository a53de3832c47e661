// SPDX-License-Identifier: Apache-2.0
import Glibc

/// The few Go formatting rules podman's messages are made of, so that
/// podman-unshare prints the same bytes: `%q` quoting, filepath.Clean and
/// syscall.Errno texts.
package enum GoText {
    /// strconv.Quote: double quotes; `"` and `\` escaped; \a \b \f \n \r \t \v;
    /// other control bytes and invalid UTF-8 as \xNN; C1 controls and U+FFFE/U+FFFF as \uNNNN.
    package static func quote(_ text: ByteString) -> ByteString {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        var i = 0
        let b = text.bytes
        while i < b.count {
            let c = b[i]
            if c < 0x80 {
                out += escapeASCII(c, quote: UInt8(ascii: "\""))
                i += 1
                continue
            }
            if let (scalar, length) = decodeUTF8(b, at: i) {
                if isPrintable(scalar) {
                    out += b[i..<(i + length)]
                } else {
                    out += unicodeEscape(scalar)
                }
                i += length
            } else {
                out += hexEscape(c)
                i += 1
            }
        }
        out.append(UInt8(ascii: "\""))
        return ByteString(out)
    }

    /// strconv.QuoteRune of one byte taken as a rune (fmt's %q of a byte):
    /// 'x', '\n', '\x01', 'Ã' (0xC3 is U+00C3), '\u0085', '\u00a0'.
    package static func quoteByte(_ c: UInt8) -> ByteString {
        var out: [UInt8] = [UInt8(ascii: "'")]
        if c < 0x80 {
            out += escapeASCII(c, quote: UInt8(ascii: "'"))
        } else if !isPrintable(UInt32(c)) {
            out += unicodeEscape(UInt32(c))
        } else {
            out += Array(String(UnicodeScalar(c)).utf8)
        }
        out.append(UInt8(ascii: "'"))
        return ByteString(out)
    }

    private static func escapeASCII(_ c: UInt8, quote: UInt8) -> [UInt8] {
        let backslash = UInt8(ascii: "\\")
        switch c {
        case quote, backslash: return [backslash, c]
        case 0x07: return Array("\\a".utf8)
        case 0x08: return Array("\\b".utf8)
        case 0x0c: return Array("\\f".utf8)
        case 0x0a: return Array("\\n".utf8)
        case 0x0d: return Array("\\r".utf8)
        case 0x09: return Array("\\t".utf8)
        case 0x0b: return Array("\\v".utf8)
        case 0x20...0x7e: return [c]
        default: return hexEscape(c)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func hexEscape(_ c: UInt8) -> [UInt8] {
        Array("\\x".utf8) + [hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xf)]]
    }

    private static func unicodeEscape(_ scalar: UInt32) -> [UInt8] {
        let wide = scalar > 0xffff
        var out = Array((wide ? "\\U" : "\\u").utf8)
        for shift in stride(from: wide ? 28 : 12, through: 0, by: -4) {
            out.append(hexDigits[Int((scalar >> UInt32(shift)) & 0xf)])
        }
        return out
    }

    /// Go's strconv.IsPrint: letters, marks, numbers, punctuation and symbols
    /// (general categories L, M, N, P, S), and the ASCII space.
    static func isPrintable(_ value: UInt32) -> Bool {
        if value == 0x20 { return true }
        guard let scalar = Unicode.Scalar(value) else { return false }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark,
            .decimalNumber, .letterNumber, .otherNumber,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation,
            .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    /// One UTF-8 sequence at `i`: (scalar, length), or nil when invalid (Go's
    /// utf8.DecodeRune rules: no overlong forms, no surrogates). Also the TOML reader's.
    static func decodeUTF8(_ b: [UInt8], at i: Int) -> (UInt32, Int)? {
        let c = b[i]
        if c < 0x80 { return (UInt32(c), 1) }
        let length: Int
        var scalar: UInt32
        switch c {
        case 0xc2...0xdf:
            length = 2
            scalar = UInt32(c & 0x1f)
        case 0xe0...0xef:
            length = 3
            scalar = UInt32(c & 0x0f)
        case 0xf0...0xf4:
            length = 4
            scalar = UInt32(c & 0x07)
        default: return nil
        }
        guard i + length <= b.count else { return nil }
        for j in 1..<length {
            let cc = b[i + j]
            guard cc & 0xc0 == 0x80 else { return nil }
            scalar = scalar << 6 | UInt32(cc & 0x3f)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : (length == 3 ? 0x800 : 0x10000)
        guard scalar >= minimum, scalar <= 0x10ffff, !(0xd800...0xdfff).contains(scalar) else { return nil }
        return (scalar, length)
    }

    /// filepath.Clean: one slash between names, no "." names, ".." resolved
    /// lexically, no trailing slash; "" becomes ".".
    package static func cleanPath(_ path: ByteString) -> ByteString {
        isClean(path.bytes) ? path : cleaned(path)
    }

    /// filepath.Clean's lexical processing.
    static func cleaned(_ path: ByteString) -> ByteString {
        // Go's own algorithm: one pass that reads the path at r and writes the
        // result at its end, backing up over an element for each "..", down to
        // `floor` (after the root's slash, or after a leading run of ".."s).
        let p = path.bytes
        let slash = UInt8(ascii: "/")
        let dot = UInt8(ascii: ".")
        if p.isEmpty { return "." }
        let rooted = p[0] == slash
        var out: [UInt8] = []
        out.reserveCapacity(p.count)
        var r = 0
        var floor = 0
        if rooted {
            out.append(slash)
            r = 1
            floor = 1
        }
        let n = p.count
        while r < n {
            if p[r] == slash {
                r += 1  // an empty element
            } else if p[r] == dot && (r + 1 == n || p[r + 1] == slash) {
                r += 1  // "."
            } else if p[r] == dot && p[r + 1] == dot && (r + 2 == n || p[r + 2] == slash) {
                r += 2  // "..": back to the previous slash, or kept where nothing is left to undo
                if out.count > floor {
                    var w = out.count - 1  // the new end: the slash before the element, or the floor
                    while w > floor && out[w] != slash { w -= 1 }
                    out.removeSubrange(w...)
                } else if !rooted {
                    if !out.isEmpty { out.append(slash) }
                    out += [dot, dot]
                    floor = out.count
                }
            } else {
                if (rooted && out.count != 1) || (!rooted && !out.isEmpty) { out.append(slash) }
                while r < n && p[r] != slash {
                    out.append(p[r])
                    r += 1
                }
            }
        }
        if out.isEmpty { return "." }
        return ByteString(out)
    }

    /// Whether filepath.Clean would give `p` back unchanged: not empty, no
    /// empty, "." or ".." element, no slash at the end but in "/" itself. Most
    /// paths podman mode joins are, and this look costs no allocation.
    static func isClean(_ p: [UInt8]) -> Bool {
        let slash = UInt8(ascii: "/")
        let dot = UInt8(ascii: ".")
        if p.isEmpty { return false }
        if p.count == 1 { return p[0] != dot }
        if p[p.count - 1] == slash { return false }
        var start = 0  // where the element now read began
        var i = 0
        while i <= p.count {
            if i == p.count || p[i] == slash {
                let n = i - start
                // an empty element is fine only as the root's (a leading slash)
                if n == 0 && i != 0 { return false }
                if n == 1 && p[start] == dot { return false }
                if n == 2 && p[start] == dot && p[start + 1] == dot { return false }
                start = i + 1
            }
            i += 1
        }
        return true
    }

    /// filepath.Join of two parts (empty parts are skipped), cleaned.
    package static func joinPath(_ a: ByteString, _ b: ByteString) -> ByteString {
        if a.isEmpty { return b.isEmpty ? "" : cleanPath(b) }
        if b.isEmpty { return cleanPath(a) }
        return cleanPath(a + "/" + b)
    }

    /// syscall.Errno's text: strerror(3) with a lower-case first letter, as
    /// Go's table has it ("permission denied", "exec format error"); always
    /// the C locale's words, as Go's are English whatever the locale.
    package static func errnoText(_ e: Int32) -> String {
        var text: String
        if let c = newlocale(Int32(1) << LC_MESSAGES, "C", nil) {
            text = String(cString: strerror_l(e, c))
            freelocale(c)
        } else {
            text = String(cString: strerror(e))
        }
        var bytes = Array(text.utf8)
        if let first = bytes.first, (0x41...0x5a).contains(first) { bytes[0] = first + 0x20 }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Go's os.ExpandEnv: `$NAME`, `${NAME}` and the one-character special
    /// names are replaced by `lookup` (unset: empty); `$` before anything else stays.
    package static func expandEnv(_ text: ByteString, lookup: (ByteString) -> ByteString?) -> ByteString {
        let s = text.bytes
        var out: [UInt8] = []
        var i = 0
        var j = 0
        var changed = false
        while j < s.count {
            if s[j] == UInt8(ascii: "$") && j + 1 < s.count {
                changed = true
                out += s[i..<j]
                let (name, width) = shellName(s, from: j + 1)
                if name.isEmpty && width > 0 {
                    // invalid syntax: the characters are eaten
                } else if name.isEmpty {
                    out.append(s[j])
                } else {
                    out += lookup(ByteString(name))?.bytes ?? []
                }
                j += width
                i = j + 1
            }
            j += 1
        }
        if !changed { return text }
        return ByteString(out + s[min(i, s.count)...])
    }

    private static func isShellSpecial(_ c: UInt8) -> Bool {
        Array("*#$@!?-0123456789".utf8).contains(c)
    }

    private static func isAlphaNum(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "_") || (0x30...0x39).contains(c) || (0x41...0x5a).contains(c) || (0x61...0x7a).contains(c)
    }

    private static func shellName(_ s: [UInt8], from start: Int) -> ([UInt8], Int) {
        let rest = Array(s[start...])
        if rest[0] == UInt8(ascii: "{") {
            if rest.count > 2 && isShellSpecial(rest[1]) && rest[2] == UInt8(ascii: "}") { return ([rest[1]], 3) }
            for i in 1..<rest.count where rest[i] == UInt8(ascii: "}") {
                if i == 1 { return ([], 2) }
                return (Array(rest[1..<i]), i + 1)
            }
            return ([], 1)
        }
        if isShellSpecial(rest[0]) { return ([rest[0]], 1) }
        var i = 0
        while i < rest.count && isAlphaNum(rest[i]) { i += 1 }
        return (Array(rest[..<i]), i)
    }
}
