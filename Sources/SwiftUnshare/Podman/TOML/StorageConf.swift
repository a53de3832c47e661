// SPDX-License-Identifier: Apache-2.0
/// The two keys podman unshare takes from the user's containers-storage.conf(5):
/// `graphroot` and `runroot` of the `[storage]` table. The file is read as the
/// TOML library podman 4.3.1 links reads it (TOMLLexer): the same errors, on
/// the same lines, in the same words; duplicate keys and tables are errors; a
/// string field given another type is the decoder's "incompatible types"
/// error. Iterative throughout: no input can exhaust the stack. Pure.
package enum StorageConf {
    package struct Roots: Equatable, Sendable {
        package var graphroot: ByteString?
        package var runroot: ByteString?
        package init(graphroot: ByteString? = nil, runroot: ByteString? = nil) {
            self.graphroot = graphroot
            self.runroot = runroot
        }
    }

    /// The library's ParseError text, `toml: line N (last key "k"): message`,
    /// as a failure (PodmanStorage reports it as podman does).
    package static func malformed(line: Int, lastKey: String, reason: String) -> Failure {
        Failure(
            ByteString(
                lastKey.isEmpty
                    ? "toml: line \(line): \(reason)" : "toml: line \(line) (last key \"\(lastKey)\"): \(reason)"))
    }

    /// The [storage] keys that are strings in containers/storage's
    /// configuration (each spelled here alone): a value of another type is an
    /// error for every one of them; two of them are podman unshare's.
    enum StringKey: String, CaseIterable {
        case driver = "storage.driver"
        case graphroot = "storage.graphroot"
        case runroot = "storage.runroot"
        case rootlessStoragePath = "storage.rootless_storage_path"

        /// Where a non-empty value goes (nil: checked for its type only).
        var field: WritableKeyPath<Roots, ByteString?>? {
            switch self {
            case .graphroot: return \.graphroot
            case .runroot: return \.runroot
            case .driver, .rootlessStoragePath: return nil
            }
        }
    }

    /// The `[storage]` graphroot and runroot of a storage.conf text (nil when
    /// absent; empty strings count as absent, as podman ignores them).
    package static func parse(_ text: [UInt8]) -> Result<Roots, Failure> {
        var input = text
        if input.starts(with: [0xff, 0xfe]) || input.starts(with: [0xfe, 0xff]) { input.removeFirst(2) }
        if input.prefix(6).contains(0) {
            return .failure(
                malformed(
                    line: 1, lastKey: "",
                    reason: "files cannot contain NULL bytes; probably using UTF-16; TOML files must be UTF-8"))
        }
        let (items, lexFailure) = TOMLLexer.lex(input)
        var parser = TOMLParser(items: items)
        switch parser.run() {
        case .failure(let m): return .failure(m)
        case .success: break
        }
        if let f = lexFailure {
            return .failure(malformed(line: f.line, lastKey: parser.current, reason: f.message))
        }
        var roots = Roots()
        for key in StringKey.allCases {
            guard let found = parser.values[key.rawValue] else { continue }
            switch found.value {
            case .other(let type):
                return .failure(
                    malformed(
                        line: found.line, lastKey: key.rawValue,
                        reason: "incompatible types: TOML value has type \(type); destination has type string"))
            case .string(let s):
                if let field = key.field, !s.isEmpty { roots[keyPath: field] = ByteString(s) }
            }
        }
        return .success(roots)
    }
}

/// The library's parser over the lexer's items, as far as errors go: which keys
/// and tables are defined (twice is an error), and each key's value and type.
struct TOMLParser {
    enum Value {
        case string([UInt8])
        case other(String)  // Go's %T of the decoded value
    }

    private enum Defined { case value, table, implicit, arrayTable }

    let items: [TOMLLexer.Item]
    private var index = 0
    private var context: [String] = []
    private var currentKey = ""
    private var defined: [String: Defined] = [:]
    var values: [String: (value: Value, line: Int)] = [:]

    init(items: [TOMLLexer.Item]) { self.items = items }

    /// The library's "last key": the context, and the key being read.
    var current: String {
        if currentKey.isEmpty { return context.joined(separator: ".") }
        if context.isEmpty { return currentKey }
        return context.joined(separator: ".") + "." + currentKey
    }

    private func fail(_ line: Int, _ reason: String) -> Failure {
        StorageConf.malformed(line: line, lastKey: current, reason: reason)
    }

    mutating func run() -> Result<Void, Failure> {
        while index < items.count {
            let item = items[index]
            index += 1
            switch item.kind {
            case .tableStart, .arrayTableStart:
                guard let key = names(until: item.kind == .tableStart ? .tableEnd : .arrayTableEnd) else {
                    return .success(())
                }
                if let e = addContext(key, array: item.kind == .arrayTableStart, line: item.line) { return .failure(e) }
            case .keyStart:
                let outer = context
                guard let key = names(until: .keyEnd) else { return .success(()) }
                guard let last = key.last else { continue }
                currentKey = last
                for name in key.dropLast() {
                    let path = (context + [name]).joined(separator: ".")
                    if let kind = defined[path], kind == .value {
                        return .failure(fail(item.line, "Key '\(path)' has already been defined."))
                    }
                    if defined[path] == nil { defined[path] = .implicit }
                    context.append(name)
                }
                guard index < items.count else { return .success(()) }
                let valueItem = items[index]
                guard let value = readValue() else { return .success(()) }  // the lexer stopped inside it
                let path = (context + [last]).joined(separator: ".")
                if let kind = defined[path], kind != .implicit {
                    return .failure(fail(valueItem.line, "Key '\(path)' has already been defined."))
                }
                defined[path] = .value
                values[path] = (value, valueItem.line)
                context = outer
                currentKey = ""
            default:
                continue
            }
        }
        return .success(())
    }

    /// The names of a table header or key, up to `end` (nil: the items stop first).
    private mutating func names(until end: TOMLLexer.Kind) -> [String]? {
        var key: [String] = []
        while index < items.count && items[index].kind != end && items[index].kind != .eof {
            let item = items[index]
            index += 1
            switch item.kind {
            case .string: key.append(String(decoding: TOMLStrings.unescape(item.value), as: UTF8.self))
            default: key.append(String(decoding: item.value, as: UTF8.self))
            }
        }
        guard index < items.count && items[index].kind == end else { return nil }
        index += 1
        return key
    }

    private mutating func addContext(_ key: [String], array: Bool, line: Int) -> Failure? {
        context = []
        for name in key.dropLast() {
            let path = (context + [name]).joined(separator: ".")
            if defined[path] == .value { return fail(line, "Key '\(path)' was already created as a hash.") }
            if defined[path] == nil { defined[path] = .implicit }
            context.append(name)
        }
        guard let last = key.last else { return nil }
        let path = (context + [last]).joined(separator: ".")
        switch defined[path] {
        case nil, .implicit: defined[path] = array ? .arrayTable : .table
        case .arrayTable where array: break
        default: return fail(line, "Key '\(path)' has already been defined.")
        }
        context.append(last)
        return nil
    }

    /// One value; arrays and inline tables are skipped by depth, without recursion.
    private mutating func readValue() -> Value? {
        guard index < items.count else { return nil }
        let item = items[index]
        index += 1
        switch item.kind {
        case .string, .multilineString:
            return .string(TOMLStrings.unescape(item.value, multiline: item.kind == .multilineString))
        case .rawString: return .string(item.value)
        case .rawMultilineString: return .string(TOMLStrings.trimFirstNewline(item.value))
        case .bool: return .other("bool")
        case .number: return .other(TOMLStrings.numberType(item.value))
        case .array, .inlineTableStart:
            var depth = 1
            while index < items.count && depth > 0 {
                switch items[index].kind {
                case .array, .inlineTableStart: depth += 1
                case .arrayEnd, .inlineTableEnd: depth -= 1
                default: break
                }
                index += 1
            }
            if depth > 0 { return nil }
            return .other(item.kind == .array ? "[]interface {}" : "map[string]interface {}")
        default:
            return .other("<nil>")
        }
    }
}
