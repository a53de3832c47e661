// SPDX-License-Identifier: Apache-2.0
/// The lexer's states (one step each), in the TOML library's order and words.
extension TOMLLexer {
    private static let eofRune: UInt32 = 0xffff_ffff

    private static func char(_ c: Character) -> UInt32 { c.unicodeScalars.first!.value }

    /// One state: consumes input, maybe emits, and names the next state (nil: done).
    mutating func step(_ state: State) throws -> State? {
        let eof = Self.eofRune
        switch state {
        case .top:
            let r = try next()
            if r == 0x20 || r == 0x09 || r == 0x0a || r == 0x0d {
                start = pos
                return .top
            }
            switch r {
            case Self.char("#"):
                stack.append(.top)
                return .comment
            case Self.char("["):
                return .tableStart
            case eof:
                if pos > start { throw fail("unexpected EOF") }
                emit(.eof)
                return nil
            default:
                backup()
                stack.append(.topEnd)
                return .keyStart
            }
        case .topEnd:
            let r = try next()
            switch r {
            case Self.char("#"):
                stack.append(.top)
                return .comment
            case 0x20, 0x09: return .topEnd
            case 0x0a, 0x0d:
                start = pos
                return .top
            case eof:
                emit(.eof)
                return nil
            default:
                throw fail(
                    "expected a top-level item to end with a newline, comment, or EOF, but got \(Self.quoted(r)) instead"
                )
            }
        case .comment:
            let r = try next()
            if r == 0x0a || r == 0x0d || r == eof {
                backup()
                start = pos
                return stack.popLast()
            }
            return .comment
        case .tableStart:
            if try peek() == Self.char("[") {
                _ = try next()
                emit(.arrayTableStart)
                stack.append(.arrayTableEnd)
            } else {
                emit(.tableStart)
                stack.append(.tableEnd)
            }
            return .tableNameStart
        case .tableEnd:
            emit(.tableEnd)
            return .topEnd
        case .arrayTableEnd:
            let r = try next()
            if r != Self.char("]") {
                throw fail("expected end of table array name delimiter ']', but got \(Self.quoted(r)) instead")
            }
            emit(.arrayTableEnd)
            return .topEnd
        case .tableNameStart:
            try skipWhitespace()
            let r = try peek()
            if r == Self.char("]") || r == eof {
                throw fail("unexpected end of table name (table names cannot be empty)")
            }
            if r == Self.char(".") { throw fail("unexpected table separator (table names cannot be empty)") }
            stack.append(.tableNameEnd)
            if r == Self.char("\"") || r == Self.char("'") {
                start = pos
                return .quotedName
            }
            return .bareName
        case .tableNameEnd:
            try skipWhitespace()
            let r = try next()
            switch r {
            case Self.char("."):
                start = pos
                return .tableNameStart
            case Self.char("]"):
                return stack.popLast()
            default:
                throw fail("expected '.' or ']' to end table name, but got \(Self.quoted(r)) instead")
            }
        case .bareName:
            let r = try next()
            if Self.isBare(r) { return .bareName }
            backup()
            emit(.text)
            return stack.popLast()
        case .quotedName:
            let r = try next()
            switch r {
            case 0x20, 0x09:
                start = pos
                return .value
            case Self.char("\""):
                start = pos
                return .string
            case Self.char("'"):
                start = pos
                return .rawString
            case eof: throw fail("unexpected EOF; expected value")
            default: throw fail("expected value but found \(Self.quoted(r)) instead")
            }
        case .keyStart:
            try skipWhitespace()
            let r = try peek()
            if r == Self.char("=") || r == eof { throw fail("unexpected '=': key name appears blank") }
            if r == Self.char(".") { throw fail("unexpected '.': keys cannot start with a '.'") }
            if r == Self.char("\"") || r == Self.char("'") { start = pos }
            emit(.keyStart)
            return .keyNameStart
        case .keyNameStart:
            try skipWhitespace()
            let r = try peek()
            if r == Self.char("=") || r == eof { throw fail("unexpected '='") }
            if r == Self.char(".") { throw fail("unexpected '.'") }
            stack.append(.keyEnd)
            if r == Self.char("\"") || r == Self.char("'") {
                start = pos
                return .quotedName
            }
            return .bareName
        case .keyEnd:
            try skipWhitespace()
            let r = try next()
            switch r {
            case eof: throw fail("unexpected EOF; expected key separator '='")
            case Self.char("."):
                start = pos
                return .keyNameStart
            case Self.char("="):
                emit(.keyEnd)
                start = pos
                return .value
            default: throw fail("expected '.' or '=', but got \(Self.quoted(r)) instead")
            }
        case .value:
            return try lexValue()
        case .arrayValue:
            let r = try next()
            switch r {
            case 0x20, 0x09, 0x0a, 0x0d:
                start = pos
                return .arrayValue
            case Self.char("#"):
                stack.append(.arrayValue)
                return .comment
            case Self.char(","): throw fail("unexpected comma")
            case Self.char("]"):
                start = pos
                emit(.arrayEnd)
                return stack.popLast()
            default:
                backup()
                stack.append(.arrayValueEnd)
                return .value
            }
        case .arrayValueEnd:
            let r = try next()
            switch r {
            case 0x20, 0x09, 0x0a, 0x0d:
                start = pos
                return .arrayValueEnd
            case Self.char("#"):
                stack.append(.arrayValueEnd)
                return .comment
            case Self.char(","):
                start = pos
                return .arrayValue
            case Self.char("]"):
                start = pos
                emit(.arrayEnd)
                return stack.popLast()
            default:
                throw fail("expected a comma (',') or array terminator (']'), but got \(Self.runeOrEOF(r))")
            }
        case .inlineValue:
            let r = try next()
            switch r {
            case 0x20, 0x09:
                start = pos
                return .inlineValue
            case 0x0a, 0x0d: throw fail("newlines not allowed within inline tables", previousLine: true)
            case Self.char("#"):
                stack.append(.inlineValue)
                return .comment
            case Self.char(","): throw fail("unexpected comma")
            case Self.char("}"):
                start = pos
                emit(.inlineTableEnd)
                return stack.popLast()
            default:
                backup()
                stack.append(.inlineValueEnd)
                return .keyStart
            }
        case .inlineValueEnd:
            let r = try next()
            switch r {
            case 0x20, 0x09:
                start = pos
                return .inlineValueEnd
            case 0x0a, 0x0d: throw fail("newlines not allowed within inline tables", previousLine: true)
            case Self.char("#"):
                stack.append(.inlineValueEnd)
                return .comment
            case Self.char(","):
                start = pos
                try skipWhitespace()
                if try peek() == Self.char("}") { throw fail("trailing comma not allowed in inline tables") }
                return .inlineValue
            case Self.char("}"):
                start = pos
                emit(.inlineTableEnd)
                return stack.popLast()
            default:
                throw fail("expected a comma or an inline table terminator '}', but got \(Self.runeOrEOF(r)) instead")
            }
        case .string, .rawString, .multilineString, .multilineRawString:
            return try lexString(state)
        case .number:
            let r = try next()
            let more = "0123456789abcdefABCDEFxoTtZz_.:+-".unicodeScalars.contains { $0.value == r }
            if more { return .number }
            if r == 0x20, items.last.map({ _ in true }) ?? true, pos - start == 11,
                input[start + 4] == UInt8(ascii: "-"), (0x30...0x39).contains(try peek())
            {
                return .number
            }
            backup()
            emit(.number)
            return stack.popLast()
        case .bool:
            var word: [UInt32] = []
            while true {
                let r = try next()
                if !Self.isLetter(r) {
                    backup()
                    break
                }
                word.append(r)
            }
            let text = String(String.UnicodeScalarView(word.compactMap(Unicode.Scalar.init)))
            if text == "true" || text == "false" {
                emit(.bool)
                return stack.popLast()
            }
            throw fail("expected value but found \(GoText.quote(ByteString(text))) instead")
        }
    }
}
