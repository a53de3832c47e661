// SPDX-License-Identifier: Apache-2.0
/// A TOML lexer with the states, messages and line counting of the TOML
/// library podman 4.3.1 reads storage.conf with, so that a malformed file is
/// reported on the same line in the same words. Iterative: nesting depth costs
/// heap (a state stack), never call stack. Pure.
struct TOMLLexer {
    enum Kind: Equatable {
        case tableStart, tableEnd, arrayTableStart, arrayTableEnd, text
        case keyStart, keyEnd, string, rawString, multilineString, rawMultilineString
        case bool, number, array, arrayEnd, inlineTableStart, inlineTableEnd, eof
    }

    struct Item {
        var kind: Kind
        var value: [UInt8]
        var line: Int
    }

    /// Where and why lexing stopped (StorageConf turns it into a Failure).
    struct Stop: Error {
        var line: Int
        var message: String
    }

    enum State {
        case top, topEnd, tableStart, tableEnd, arrayTableEnd, tableNameStart, tableNameEnd
        case bareName, quotedName, keyStart, keyNameStart, keyEnd, value
        case arrayValue, arrayValueEnd, inlineValue, inlineValueEnd, comment
        case string, rawString, multilineString, multilineRawString, number, bool
    }

    let input: [UInt8]
    var pos = 0, start = 0, line = 1
    var atEOF = false
    var widths: [Int] = []
    var stack: [State] = []
    var items: [Item] = []

    init(_ input: [UInt8]) { self.input = input }

    /// Every item up to the end of the input, or the first error.
    static func lex(_ input: [UInt8]) -> ([Item], Stop?) {
        var lexer = TOMLLexer(input)
        do {
            try lexer.run()
            return (lexer.items, nil)
        } catch let f as Stop {
            return (lexer.items, f)
        } catch {
            return (lexer.items, Stop(line: lexer.line, message: "unreadable"))
        }
    }

    static let eof: UInt32 = 0xffff_ffff

    mutating func next() throws -> UInt32 {
        if pos >= input.count {
            atEOF = true
            return Self.eof
        }
        if input[pos] == 0x0a { line += 1 }
        guard let (r, w) = Self.decode(input, at: pos) else {
            throw Stop(line: line, message: "invalid UTF-8 byte: 0x\(hex2(input[pos]))")
        }
        let lone = r == 0x0d && (pos == input.count - 1 || input[pos + 1] != 0x0a)
        if ((r < 0x20 && r != 0x09 && r != 0x0a && r != 0x0d) || r == 0x7f) || lone {
            throw Stop(line: line, message: "TOML files cannot contain control characters: '0x\(hex2(UInt8(r)))'")
        }
        widths.append(w)
        if widths.count > 4 { widths.removeFirst() }
        pos += w
        return r
    }

    mutating func backup() {
        if atEOF {
            atEOF = false
            return
        }
        if let w = widths.popLast() { pos -= w }
        if pos < input.count && input[pos] == 0x0a { line -= 1 }
    }

    mutating func peek() throws -> UInt32 {
        let r = try next()
        backup()
        return r
    }

    mutating func accept(_ c: UInt8) throws -> Bool {
        if try next() == UInt32(c) { return true }
        backup()
        return false
    }

    mutating func emit(_ kind: Kind) {
        items.append(Item(kind: kind, value: start <= pos ? Array(input[start..<pos]) : [], line: line))
        start = pos
    }

    mutating func skipWhitespace() throws {
        while true {
            let r = try next()
            if r != 0x20 && r != 0x09 {
                backup()
                start = pos
                return
            }
        }
    }

    func fail(_ message: String, previousLine: Bool = false) -> Stop {
        Stop(line: atEOF || previousLine ? line - 1 : line, message: message)
    }

    static func quoted(_ r: UInt32) -> String {
        if r == eof { return "'\\x00'" }
        if r < 0x80 { return GoText.quoteByte(UInt8(r)).description }
        guard let s = Unicode.Scalar(r) else { return "'\\ufffd'" }
        return GoText.isPrintable(r)
            ? "'\(Character(s))'"
            : GoText.quote(ByteString(Array(String(s).utf8))).description
                .replacingFirstAndLastQuote()
    }

    static func runeOrEOF(_ r: UInt32) -> String {
        if r == eof { return "end of file" }
        guard let s = Unicode.Scalar(r) else { return "'\u{fffd}'" }
        return "'\(Character(s))'"
    }

    func hex2(_ b: UInt8) -> String {
        let d = Array("0123456789abcdef")
        return String([d[Int(b >> 4)], d[Int(b & 0xf)]])
    }

    static func decode(_ b: [UInt8], at i: Int) -> (UInt32, Int)? {
        GoText.decodeUTF8(b, at: i)
    }

    static func isBare(_ r: UInt32) -> Bool {
        (0x41...0x5a).contains(r) || (0x61...0x7a).contains(r) || (0x30...0x39).contains(r) || r == 0x5f || r == 0x2d
    }

    static func isLetter(_ r: UInt32) -> Bool {
        guard r != eof, let s = Unicode.Scalar(r) else { return false }
        return s.properties.isAlphabetic && s.properties.generalCategory.isLetter
    }

    /// Runs the state machine to the end of the input.
    private mutating func run() throws {
        var state: State? = .top
        while let s = state { state = try step(s) }
    }

    /// A value: a string, a number or date, a boolean, an array or an inline table.
    mutating func lexValue() throws -> State? {
        let r = try next()
        if r == 0x20 || r == 0x09 {
            start = pos
            return .value
        }
        if (0x30...0x39).contains(r) { return .number }
        switch r {
        case UInt32(UInt8(ascii: "[")):
            start = pos
            emit(.array)
            return .arrayValue
        case UInt32(UInt8(ascii: "{")):
            start = pos
            emit(.inlineTableStart)
            return .inlineValue
        case UInt32(UInt8(ascii: "\"")):
            if try accept(UInt8(ascii: "\"")) {
                if try accept(UInt8(ascii: "\"")) {
                    start = pos
                    return .multilineString
                }
                backup()
            }
            start = pos
            return .string
        case UInt32(UInt8(ascii: "'")):
            if try accept(UInt8(ascii: "'")) {
                if try accept(UInt8(ascii: "'")) {
                    start = pos
                    return .multilineRawString
                }
                backup()
            }
            start = pos
            return .rawString
        case UInt32(UInt8(ascii: ".")):
            throw fail("floats must start with a digit, not '.'")
        case UInt32(UInt8(ascii: "i")), UInt32(UInt8(ascii: "n")):
            if try (accept(UInt8(ascii: "n")) && accept(UInt8(ascii: "f")))
                || (accept(UInt8(ascii: "a")) && accept(UInt8(ascii: "n")))
            {
                emit(.number)
                return stack.popLast()
            }
        case UInt32(UInt8(ascii: "-")), UInt32(UInt8(ascii: "+")):
            let d = try next()
            if (0x30...0x39).contains(d) || d == UInt32(UInt8(ascii: "i")) || d == UInt32(UInt8(ascii: "n")) {
                return .number
            }
            if d == UInt32(UInt8(ascii: ".")) { throw fail("floats must start with a digit, not '.'") }
            throw fail("expected a digit but got \(Self.quoted(d))")
        default:
            break
        }
        if Self.isLetter(r) {
            backup()
            return .bool
        }
        if r == Self.eof { throw fail("unexpected EOF; expected value") }
        throw fail("expected value but found \(Self.quoted(r)) instead")
    }
}

extension Unicode.GeneralCategory {
    var isLetter: Bool {
        switch self {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }
}

extension String {
    /// `"x"` → `'x'` (a Go %q of a rune from the %q of its string).
    func replacingFirstAndLastQuote() -> String {
        guard count >= 2 else { return self }
        return "'" + dropFirst().dropLast() + "'"
    }
}
