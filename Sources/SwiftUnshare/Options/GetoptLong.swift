// SPDX-License-Identifier: Apache-2.0
/// What getopt_long(3) yields for one option.
package enum GetoptEvent<ID: Equatable & Sendable>: Equatable {
    case option(ID, ByteString?)
    /// A usage error, in glibc's words (without the program name).
    case usageError(ByteString)
}

/// glibc getopt_long with a leading `+` in the short string: options are read
/// in order and parsing stops at the first non-option word or after `--`.
/// Messages are glibc's, byte for byte. One addition: when a prefix matches
/// several options of which exactly one is `preferred`, that one wins.
package struct GetoptLong<ID: Equatable & Sendable> {
    package let options: [OptionSpec<ID>]
    package let args: [ByteString]
    /// Index of the next word to read; after the last event, the first operand.
    package private(set) var index: Int
    private var clusterOffset = 0  // inside a short-option cluster: next byte to read

    package init(options: [OptionSpec<ID>], args: [ByteString]) {
        self.options = options
        self.args = args
        self.index = 1
    }

    private static var dash: UInt8 { UInt8(ascii: "-") }

    /// The next option, or nil at the first non-option word (or after `--`).
    package mutating func next() -> GetoptEvent<ID>? {
        if clusterOffset > 0 { return nextShort() }
        guard index < args.count else { return nil }
        let word = args[index].bytes
        if word.count < 2 || word[0] != Self.dash { return nil }  // "" , "-" and operands
        if word == [Self.dash, Self.dash] {
            index += 1
            return nil
        }
        if word[1] == Self.dash { return nextLong(Array(word[2...])) }
        clusterOffset = 1
        return nextShort()
    }

    private mutating func nextShort() -> GetoptEvent<ID> {
        let word = args[index].bytes
        let letter = word[clusterOffset]
        clusterOffset += 1
        let atEnd = clusterOffset >= word.count
        guard let spec = options.first(where: { $0.short == letter }) else {
            advanceIf(atEnd)
            return .usageError("invalid option -- '\(ByteString([letter]))'")
        }
        guard spec.shortTakesArgument else {
            advanceIf(atEnd)
            return .option(spec.id, nil)
        }
        if !atEnd {  // attached: -S0
            let value = ByteString(Array(word[clusterOffset...]))
            clusterOffset = 0
            index += 1
            return .option(spec.id, value)
        }
        clusterOffset = 0
        index += 1
        guard index < args.count else {
            return .usageError("option requires an argument -- '\(ByteString([letter]))'")
        }
        index += 1
        return .option(spec.id, args[index - 1])
    }

    private mutating func advanceIf(_ atEnd: Bool) {
        if atEnd {
            clusterOffset = 0
            index += 1
        }
    }

    private mutating func nextLong(_ text: [UInt8]) -> GetoptEvent<ID> {
        let whole = ByteString([Self.dash, Self.dash] + text)
        index += 1
        let equals = text.firstIndex(of: UInt8(ascii: "="))
        let name = Array(text[..<(equals ?? text.count)])
        let attached = equals.map { ByteString(Array(text[($0 + 1)...])) }

        var spec: OptionSpec<ID>?
        if let exact = options.first(where: { Array($0.long.utf8) == name }) {
            spec = exact
        } else {
            var candidates = options.filter { !$0.exactOnly && $0.long.utf8.starts(with: name) }
            let preferred = candidates.filter(\.preferred)
            if candidates.count > 1 && preferred.count == 1 { candidates = preferred }
            if candidates.count > 1 {
                let list = candidates.map { " '--\($0.long)'" }.joined()
                return .usageError("option '\(whole)' is ambiguous; possibilities:\(list)")
            }
            spec = candidates.first
        }
        guard let spec else { return .usageError("unrecognized option '\(whole)'") }

        switch spec.argument {
        case .none:
            if attached != nil { return .usageError("option '--\(spec.long)' doesn't allow an argument") }
            return .option(spec.id, nil)
        case .optional:
            return .option(spec.id, attached)
        case .required:
            if let attached { return .option(spec.id, attached) }
            guard index < args.count else {
                return .usageError("option '--\(spec.long)' requires an argument")
            }
            index += 1
            return .option(spec.id, args[index - 1])
        }
    }
}
