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
        let failure = scan(text, user: user) { entry in
            found.append(entry)
            return !firstOnly
        }
        if let failure { return .failure(failure) }
        return .success(found)
    }

    /// Calls `each` with every range of `user`, in file order, while it
    /// returns true; the failure of a malformed number, or nil. Lines and
    /// fields are read in place, with nothing made for them (the first range
    /// is looked up on every --map-auto start).
    static func scan(_ text: [UInt8], user: PasswdEntry, _ each: (Entry) -> Bool) -> Failure? {
        let newline = UInt8(ascii: "\n")
        let colon = UInt8(ascii: ":")
        var start = 0
        while start < text.count {
            var end = start
            while end < text.count && text[end] != newline { end += 1 }
            defer { start = end + 1 }
            // name:start:count, the last field running to the end of the line
            guard let first = text[start..<end].firstIndex(of: colon),
                let second = text[(first + 1)..<end].firstIndex(of: colon)
            else { continue }
            let owner = text[start..<first]
            guard owner.elementsEqual(user.name.bytes) || isNumber(owner, equalTo: user.uid) else { continue }
            var entry = Entry(start: 0, count: 0)
            for field in 0..<2 {
                let number = ByteString(Array(field == 0 ? text[(first + 1)..<second] : text[(second + 1)..<end]))
                switch NumberParsing.unsigned32(number) {
                case .success(let v): if field == 0 { entry.start = v } else { entry.count = v }
                case .failure(let e): return Options.numberFailure("failed to parse subid map", number, e)
                }
            }
            if !each(entry) { return nil }
        }
        return nil
    }

    private static func isNumber(_ text: ArraySlice<UInt8>, equalTo uid: UInt32) -> Bool {
        guard !text.isEmpty, text.allSatisfy({ (0x30...0x39).contains($0) }),
            case .success(let v) = NumberParsing.unsigned32(ByteString(Array(text)))
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
        var first = Entry(start: 0, count: 0)
        var found = false
        let failure = scan(text, user: user) { entry in
            first = entry
            found = true
            return false
        }
        if let failure { return .failure(failure) }
        guard found else { return .failure(Failure(.noSubordinateRange(user: user.name, file: ByteString(file)))) }
        return .success(first)
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
