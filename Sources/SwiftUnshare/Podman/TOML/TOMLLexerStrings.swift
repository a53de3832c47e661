// SPDX-License-Identifier: Apache-2.0
/// The lexer's strings: the four kinds, up to their closing delimiter, and
/// the escapes of basic strings, in the TOML library's words.
extension TOMLLexer {
    /// The four kinds of strings, up to their closing delimiter.
    mutating func lexString(_ state: State) throws -> State? {
        let multi = state == .multilineString || state == .multilineRawString
        let basic = state == .string || state == .multilineString
        let quote: UInt8 = basic ? UInt8(ascii: "\"") : UInt8(ascii: "'")
        let kind: Kind = basic ? (multi ? .multilineString : .string) : (multi ? .rawMultilineString : .rawString)
        let delimiter =
            multi ? String(repeating: Character(UnicodeScalar(quote)), count: 3) : String(UnicodeScalar(quote))
        let wrap = { (s: String) in basic ? "'" + s + "'" : "\"" + s + "\"" }
        while true {
            let r = try next()
            if r == Self.eof { throw fail("unexpected EOF; expected " + wrap(delimiter)) }
            if !multi && (r == 0x0a || r == 0x0d) { throw fail("strings cannot contain newlines", previousLine: true) }
            if basic && r == UInt32(UInt8(ascii: "\\")) {
                if multi {
                    let n = try next()
                    if n == 0x0a || n == 0x0d { continue }
                    backup()
                }
                try escape()
                continue
            }
            guard r == UInt32(quote) else { continue }
            if !multi {
                backup()
                emit(kind)
                _ = try next()
                start = pos
                return stack.popLast()
            }
            if try accept(quote), try accept(quote) {
                if try peek() == UInt32(quote) {
                    // Up to two quotes may close the content right before the delimiter.
                    let run = input[start..<pos].reversed().prefix(while: { $0 == quote }).count
                    if run >= 5 && !(basic && pos - run - 1 >= start && input[pos - run - 1] == UInt8(ascii: "\\")) {
                        throw fail("unexpected " + wrap(delimiter + delimiter))
                    }
                    backup()
                    backup()
                    continue
                }
                backup()
                backup()
                backup()
                emit(kind)
                for _ in 0..<3 { _ = try next() }
                start = pos
                return stack.popLast()
            }
        }
    }

    /// A backslash escape of a basic string (the backslash already read).
    mutating func escape() throws {
        let r = try next()
        if "btnfr\" \t\\".unicodeScalars.contains(where: { $0.value == r }) { return }
        let count = r == UInt32(UInt8(ascii: "u")) ? 4 : (r == UInt32(UInt8(ascii: "U")) ? 8 : 0)
        if count == 0 {
            let text = r == Self.eof ? "\u{0}" : String(Character(Unicode.Scalar(r) ?? "?"))
            throw fail("invalid escape in string '\\\(text)'")
        }
        let from = pos
        for _ in 0..<count {
            let h = try next()
            if !"0123456789abcdefABCDEF".unicodeScalars.contains(where: { $0.value == h }) {
                let seen = ByteString(Array(input[(from - 2)..<min(pos, input.count)]))
                let words = count == 4 ? "four" : "eight"
                throw fail(
                    "expected \(words) hexadecimal digits after '\\\(count == 4 ? "u" : "U")', but got \(GoText.quote(seen)) instead"
                )
            }
        }
    }
}
