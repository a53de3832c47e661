/// The two keys podman unshare takes from the user's containers-storage.conf(5):
/// `graphroot` and `runroot` of the `[storage]` table. A small TOML reader:
/// it reads the whole grammar well enough to tell a well-formed file from a
/// malformed one, and keeps only those two strings. Pure.
public enum StorageConf {
    public struct Roots: Equatable, Sendable {
        public var graphroot: ByteString?
        public var runroot: ByteString?
        public init(graphroot: ByteString? = nil, runroot: ByteString? = nil) {
            self.graphroot = graphroot
            self.runroot = runroot
        }
    }

    public struct Malformed: Error, Equatable, Sendable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// The `[storage]` graphroot and runroot of a storage.conf text (nil when
    /// absent; empty strings count as absent, as podman ignores them).
    public static func parse(_ text: [UInt8]) -> Result<Roots, Malformed> {
        var reader = Reader(bytes: text)
        do {
            return .success(try reader.document())
        } catch let error as Malformed {
            return .failure(error)
        } catch {
            return .failure(Malformed(line: reader.line, reason: "unreadable"))
        }
    }

    /// Go's os.ExpandEnv: `$NAME`, `${NAME}` and the one-character special
    /// names are replaced by `lookup` (unset: empty); `$` before anything else stays.
    public static func expandEnv(_ text: ByteString, lookup: (ByteString) -> ByteString?) -> ByteString {
        let s = text.bytes
        var out: [UInt8] = []
        var i = 0, j = 0
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

    private static func isSpecial(_ c: UInt8) -> Bool {
        Array("*#$@!?-0123456789".utf8).contains(c)
    }

    private static func isAlphaNum(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "_") || (0x30...0x39).contains(c) || (0x41...0x5a).contains(c) || (0x61...0x7a).contains(c)
    }

    private static func shellName(_ s: [UInt8], from start: Int) -> ([UInt8], Int) {
        let rest = Array(s[start...])
        if rest[0] == UInt8(ascii: "{") {
            if rest.count > 2 && isSpecial(rest[1]) && rest[2] == UInt8(ascii: "}") { return ([rest[1]], 3) }
            for i in 1..<rest.count where rest[i] == UInt8(ascii: "}") {
                if i == 1 { return ([], 2) }
                return (Array(rest[1..<i]), i + 1)
            }
            return ([], 1)
        }
        if isSpecial(rest[0]) { return ([rest[0]], 1) }
        var i = 0
        while i < rest.count && isAlphaNum(rest[i]) { i += 1 }
        return (Array(rest[..<i]), i)
    }
}

/// A TOML value, as far as the reader cares.
private enum TOMLValue {
    case string([UInt8])
    case other(String)   // its kind, for messages
}

private struct Reader {
    let bytes: [UInt8]
    var i = 0
    var line = 1
    var table: [[UInt8]] = []
    var definedKeys: Set<[[UInt8]]> = []
    var definedTables: Set<[[UInt8]]> = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { i >= bytes.count }
    var current: UInt8? { i < bytes.count ? bytes[i] : nil }

    func peek(_ offset: Int) -> UInt8? { i + offset < bytes.count ? bytes[i + offset] : nil }

    func fail(_ reason: String) -> StorageConf.Malformed { StorageConf.Malformed(line: line, reason: reason) }

    mutating func advance(_ n: Int = 1) {
        for _ in 0..<n where i < bytes.count {
            if bytes[i] == 0x0a { line += 1 }
            i += 1
        }
    }

    func startsWith(_ text: String) -> Bool {
        let t = Array(text.utf8)
        return i + t.count <= bytes.count && Array(bytes[i..<(i + t.count)]) == t
    }

    mutating func skipBlanks() {
        while let c = current, c == 0x20 || c == 0x09 { advance() }
    }

    mutating func skipComment() throws {
        guard current == UInt8(ascii: "#") else { return }
        while let c = current, c != 0x0a {
            if c == 0x0d && peek(1) == 0x0a { break }
            if (c < 0x20 && c != 0x09) || c == 0x7f { throw fail("control character in a comment") }
            advance()
        }
    }

    /// Blanks, newlines and comments.
    mutating func skipSpace() throws {
        while true {
            skipBlanks()
            if current == UInt8(ascii: "#") { try skipComment() }
            if current == 0x0a { advance(); continue }
            if current == 0x0d && peek(1) == 0x0a { advance(2); continue }
            return
        }
    }

    mutating func endOfLine() throws {
        skipBlanks()
        try skipComment()
        if atEnd { return }
        if current == 0x0a { advance(); return }
        if current == 0x0d && peek(1) == 0x0a { advance(2); return }
        throw fail("expected a newline after the value")
    }

    mutating func document() throws -> StorageConf.Roots {
        var roots = StorageConf.Roots()
        while true {
            try skipSpace()
            if atEnd { break }
            if current == UInt8(ascii: "[") {
                let array = peek(1) == UInt8(ascii: "[")
                advance(array ? 2 : 1)
                skipBlanks()
                let path = try keyPath()
                skipBlanks()
                guard current == UInt8(ascii: "]"), !array || peek(1) == UInt8(ascii: "]") else {
                    throw fail("expected '\(array ? "]]" : "]")' to end the table name")
                }
                advance(array ? 2 : 1)
                if !array {
                    if definedTables.contains(path) || definedKeys.contains(path) {
                        throw fail("table \(dotted(path)) defined twice")
                    }
                    definedTables.insert(path)
                }
                table = path
                try endOfLine()
                continue
            }
            let path = table + (try keyPath())
            skipBlanks()
            guard current == UInt8(ascii: "=") else { throw fail("expected '=' after the key \(dotted(path))") }
            advance()
            skipBlanks()
            let value = try self.value()
            if definedKeys.contains(path) || definedTables.contains(path) {
                throw fail("key \(dotted(path)) defined twice")
            }
            definedKeys.insert(path)
            for (name, keyPath) in [("graphroot", storageKey("graphroot")), ("runroot", storageKey("runroot"))]
                where path == keyPath {
                guard case .string(let s) = value else {
                    if case .other(let kind) = value { throw fail("storage.\(name) must be a string, not \(kind)") }
                    continue
                }
                if name == "graphroot" {
                    roots.graphroot = s.isEmpty ? nil : ByteString(s)
                } else {
                    roots.runroot = s.isEmpty ? nil : ByteString(s)
                }
            }
            try endOfLine()
        }
        return roots
    }

    func storageKey(_ name: String) -> [[UInt8]] { [Array("storage".utf8), Array(name.utf8)] }

    func dotted(_ path: [[UInt8]]) -> String {
        path.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
    }

    static func isBare(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || (0x30...0x39).contains(c)
            || (0x41...0x5a).contains(c) || (0x61...0x7a).contains(c)
    }

    mutating func keyPath() throws -> [[UInt8]] {
        var path = [try key()]
        while true {
            skipBlanks()
            guard current == UInt8(ascii: ".") else { return path }
            advance()
            skipBlanks()
            path.append(try key())
        }
    }

    mutating func key() throws -> [UInt8] {
        if current == UInt8(ascii: "\"") {
            if startsWith("\"\"\"") { throw fail("a key cannot be a multi-line string") }
            return try basicString()
        }
        if current == UInt8(ascii: "'") {
            if startsWith("'''") { throw fail("a key cannot be a multi-line string") }
            return try literalString()
        }
        var key: [UInt8] = []
        while let c = current, Self.isBare(c) {
            key.append(c)
            advance()
        }
        if key.isEmpty { throw fail("expected a key") }
        return key
    }

    mutating func value() throws -> TOMLValue {
        guard let c = current else { throw fail("expected a value") }
        switch c {
        case UInt8(ascii: "\""):
            return .string(startsWith("\"\"\"") ? try multilineBasicString() : try basicString())
        case UInt8(ascii: "'"):
            return .string(startsWith("'''") ? try multilineLiteralString() : try literalString())
        case UInt8(ascii: "["):
            advance()
            while true {
                try skipSpace()
                if current == UInt8(ascii: "]") { advance(); return .other("an array") }
                _ = try value()
                try skipSpace()
                if current == UInt8(ascii: ",") { advance(); continue }
                if current == UInt8(ascii: "]") { advance(); return .other("an array") }
                throw fail("expected ',' or ']' in an array")
            }
        case UInt8(ascii: "{"):
            advance()
            skipBlanks()
            if current == UInt8(ascii: "}") { advance(); return .other("a table") }
            var keys: Set<[[UInt8]]> = []
            while true {
                skipBlanks()
                let path = try keyPath()
                if keys.contains(path) { throw fail("key \(dotted(path)) defined twice") }
                keys.insert(path)
                skipBlanks()
                guard current == UInt8(ascii: "=") else { throw fail("expected '=' after the key \(dotted(path))") }
                advance()
                skipBlanks()
                _ = try value()
                skipBlanks()
                if current == UInt8(ascii: ",") { advance(); continue }
                if current == UInt8(ascii: "}") { advance(); return .other("a table") }
                throw fail("expected ',' or '}' in an inline table")
            }
        default:
            return .other(try scalar())
        }
    }

    /// Booleans, numbers and dates: checked loosely, by their characters.
    mutating func scalar() throws -> String {
        var token: [UInt8] = []
        func isScalarByte(_ c: UInt8) -> Bool {
            Self.isBare(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":")
        }
        while let c = current, isScalarByte(c) {
            token.append(c)
            advance()
        }
        // A date and a time separated by one space: 1979-05-27 07:32:00
        if token.count == 10, token[4] == UInt8(ascii: "-"), current == 0x20, let next = peek(1), (0x30...0x39).contains(next) {
            token.append(0x20)
            advance()
            while let c = current, isScalarByte(c) {
                token.append(c)
                advance()
            }
        }
        let text = String(decoding: token, as: UTF8.self)
        if text == "true" || text == "false" { return "a boolean" }
        if ["inf", "+inf", "-inf", "nan", "+nan", "-nan"].contains(text) { return "a number" }
        guard let first = token.first, (0x30...0x39).contains(first) || first == UInt8(ascii: "+") || first == UInt8(ascii: "-"),
              token.count > (first == UInt8(ascii: "+") || first == UInt8(ascii: "-") ? 1 : 0) else {
            if token.isEmpty { throw fail("expected a value") }
            throw fail("invalid value '\(text)' (strings need quotes)")
        }
        let allowed = Array("0123456789abcdefABCDEFxob_+-.:TtZz ".utf8)
        guard token.allSatisfy({ allowed.contains($0) }) else { throw fail("invalid value '\(text)'") }
        return text.contains("-") && text.count >= 8 && !text.hasPrefix("-") ? "a date" : "a number"
    }

    mutating func basicString() throws -> [UInt8] {
        advance()   // opening quote
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw fail("unterminated string") }
            if c == UInt8(ascii: "\"") { advance(); return out }
            if c == 0x0a || c == 0x0d { throw fail("unterminated string") }
            if c == UInt8(ascii: "\\") {
                advance()
                out += try escape()
                continue
            }
            if (c < 0x20 && c != 0x09) || c == 0x7f { throw fail("control character in a string") }
            out.append(c)
            advance()
        }
    }

    mutating func escape() throws -> [UInt8] {
        guard let c = current else { throw fail("unterminated string") }
        advance()
        switch c {
        case UInt8(ascii: "b"): return [0x08]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "n"): return [0x0a]
        case UInt8(ascii: "f"): return [0x0c]
        case UInt8(ascii: "r"): return [0x0d]
        case UInt8(ascii: "\""): return [0x22]
        case UInt8(ascii: "\\"): return [0x5c]
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = c == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let h = current, let digit = Self.hexValue(h) else { throw fail("invalid unicode escape") }
                value = value << 4 | digit
                advance()
            }
            guard let scalar = Unicode.Scalar(value) else { throw fail("invalid unicode escape") }
            return Array(String(Character(scalar)).utf8)
        default:
            throw fail("invalid escape '\\\(String(decoding: [c], as: UTF8.self))' in a string")
        }
    }

    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }

    mutating func literalString() throws -> [UInt8] {
        advance()
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw fail("unterminated string") }
            if c == UInt8(ascii: "'") { advance(); return out }
            if c == 0x0a || c == 0x0d { throw fail("unterminated string") }
            if (c < 0x20 && c != 0x09) || c == 0x7f { throw fail("control character in a string") }
            out.append(c)
            advance()
        }
    }

    /// The newline right after the opening delimiter is dropped.
    mutating func skipFirstNewline() {
        if current == 0x0a { advance() } else if current == 0x0d && peek(1) == 0x0a { advance(2) }
    }

    /// Up to two quotes may end the content right before the closing three.
    mutating func closingQuotes(_ quote: UInt8) -> Int? {
        var n = 0
        while peek(n) == quote { n += 1 }
        if n < 3 { return nil }
        if n > 5 { return nil }
        return n - 3
    }

    mutating func multilineBasicString() throws -> [UInt8] {
        advance(3)
        skipFirstNewline()
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw fail("unterminated multi-line string") }
            if c == UInt8(ascii: "\""), let extra = closingQuotes(c) {
                out += [UInt8](repeating: c, count: extra)
                advance(extra + 3)
                return out
            }
            if c == UInt8(ascii: "\\") {
                advance()
                // A line-ending backslash trims the newline and the blanks after it.
                var j = 0
                while let b = peek(j), b == 0x20 || b == 0x09 { j += 1 }
                if peek(j) == 0x0a || (peek(j) == 0x0d && peek(j + 1) == 0x0a) {
                    advance(j)
                    try skipSpaceOnly()
                    continue
                }
                out += try escape()
                continue
            }
            if (c < 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) || c == 0x7f { throw fail("control character in a string") }
            out.append(c)
            advance()
        }
    }

    mutating func skipSpaceOnly() throws {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d { advance() }
    }

    mutating func multilineLiteralString() throws -> [UInt8] {
        advance(3)
        skipFirstNewline()
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw fail("unterminated multi-line string") }
            if c == UInt8(ascii: "'"), let extra = closingQuotes(c) {
                out += [UInt8](repeating: c, count: extra)
                advance(extra + 3)
                return out
            }
            if (c < 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) || c == 0x7f { throw fail("control character in a string") }
            out.append(c)
            advance()
        }
    }
}
