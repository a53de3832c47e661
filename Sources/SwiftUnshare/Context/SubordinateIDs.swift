// SPDX-License-Identifier: Apache-2.0
/// Subordinate id ranges from /etc/subuid and /etc/subgid (subuid(5)), as
/// util-linux reads them for `auto` and `subids`, and every range for podman mode.
package enum SubordinateIDs {
    package struct Entry: Equatable, Sendable {
        package var start: UInt32
        package var count: UInt32
    }

    /// Every range of `user` in the file's text, in file order. A line matches by
    /// user name or by the user's numeric uid; lines without three fields are skipped.
    /// A malformed number in a matching line is an error in util-linux's words
    /// (`failed to parse subid map: '<field>'`, with strerror when out of range).
    package static func ranges(in text: [UInt8], file: String, user: PasswdEntry, firstOnly: Bool = false)
        -> Result<[Entry], Failure>
    {
        var found: [Entry] = []
        for rawLine in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let fields = rawLine.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let owner = ByteString(Array(fields[0]))
            guard owner == user.name || isNumber(owner, equalTo: user.uid) else { continue }
            var values: [UInt32] = []
            for field in fields[1...2] {
                let text = ByteString(Array(field))
                switch NumberParsing.unsigned32(text) {
                case .success(let v): values.append(v)
                case .failure(let e): return .failure(Options.numberFailure("failed to parse subid map", text, e))
                }
            }
            found.append(Entry(start: values[0], count: values[1]))
            if firstOnly { break }
        }
        return .success(found)
    }

    private static func isNumber(_ text: ByteString, equalTo uid: UInt32) -> Bool {
        guard !text.isEmpty, text.bytes.allSatisfy({ (0x30...0x39).contains($0) }),
            case .success(let v) = NumberParsing.unsigned32(text)
        else { return false }
        return v == uid
    }

    /// The caller's first range in `file`, with util-linux's messages when the
    /// caller has no passwd entry, the file cannot be read, or no line matches.
    package static func firstRange(file: String, context: SystemContext) -> Result<Entry, Failure> {
        guard let user = context.user(id: context.euid) else {
            return .failure(Failure("you (user \(context.euid)) don't exist."))
        }
        if let module = nssModule(context: context) {
            return nssFirstRange(module: module, user: user, users: file.hasSuffix("subuid"), context: context)
        }
        let text: [UInt8]
        switch context.readFile(file) {
        case .success(let t): text = t
        case .failure(let e): return .failure(.system("could not open '\(file)'", e))
        }
        switch ranges(in: text, file: file, user: user, firstOnly: true) {
        case .failure(let f): return .failure(f)
        case .success(let list):
            guard let first = list.first else {
                return .failure(Failure(.noSubordinateRange(user: user.name, file: ByteString(file))))
            }
            return .success(first)
        }
    }

    /// Every range of the caller's own map file (/proc/self/uid_map), mapped to itself.
    package static func kernelMap(file: String, context: SystemContext) -> Result<[RequestedRange], Failure> {
        let text: [UInt8]
        switch context.readFile(file) {
        case .success(let t): text = t
        case .failure(let e): return .failure(.system("could not open '\(file)'", e))
        }
        var result: [RequestedRange] = []
        for line in text.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
            guard fields.count >= 3,
                let start = NumberParsing.scanField(fields[0]),
                let count = NumberParsing.scanField(fields[2])
            else { continue }
            result.append(RequestedRange(inner: start, outer: start, count: count))
        }
        return .success(result)
    }
}

extension SubordinateIDs.Entry {
    /// A range as an NSS module reports it (unsigned long): clipped to the
    /// 32-bit ids, or nil when it starts beyond them.
    init?(clipping start: UInt, _ count: UInt) {
        guard start <= UInt(UInt32.max) else { return nil }
        self.init(start: UInt32(start), count: UInt32(min(count, UInt(UInt32.max) - start)))
    }
}
