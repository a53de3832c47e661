// SPDX-License-Identifier: Apache-2.0
/// Subordinate ids from NSS (docs in the man page, SUBORDINATE IDS): when
/// /etc/nsswitch.conf names a `subid:` module other than `files`, the ranges come
/// from shadow's libsubid (which loads `libsubid_<module>.so`), as podman does;
/// otherwise from /etc/subuid and /etc/subgid.
extension SubordinateIDs {
    package static let nsswitchFile = "/etc/nsswitch.conf"

    /// What libsubid answered for one owner and one kind of id.
    package enum LibsubidAnswer: Equatable, Sendable {
        /// The owner's ranges, in the module's order (possibly none).
        case ranges([Entry])
        /// libsubid reported an error (a negative count).
        case failed
        /// libsubid.so.4 or one of its functions could not be loaded.
        case unavailable(ByteString)
    }

    /// The `subid:` module named in nsswitch.conf's text, read the way shadow's
    /// libsubid reads it: the first line that starts with `subid:` (any case) and
    /// has a word after it; nil for `files`, a name over 50 bytes, or no such line.
    package static func nssModule(nsswitch text: [UInt8]) -> ByteString? {
        // One pass over the text, line by line, with nothing made per line
        // (it is read on every --map-auto start).
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0a }
        let subid = Array("subid:".utf8)
        var start = 0
        while start < text.count {
            var end = start
            while end < text.count && text[end] != 0x0a { end += 1 }
            defer { start = end + 1 }
            // libsubid counts the newline in its 8-byte minimum; the last line may have none.
            let length = end - start + (end < text.count ? 1 : 0)
            guard length >= 8, text[start] != UInt8(ascii: "#") else { continue }
            guard (0..<6).allSatisfy({ text[start + $0] | 0x20 == subid[$0] }) else { continue }
            var from = start + 6
            while from < end && isBlank(text[from]) { from += 1 }
            var to = from
            while to < end && !isBlank(text[to]) { to += 1 }
            if to == from { continue }
            let word = text[from..<to]
            return word.elementsEqual("files".utf8) || word.count > 50 ? nil : ByteString(Array(word))
        }
        return nil
    }

    /// The module configured on this system (nil: the files are the source).
    /// A missing or unreadable nsswitch.conf means the files, as for libsubid.
    package static func nssModule(context: SystemContext) -> ByteString? {
        guard case .success(let text) = context.readFile(nsswitchFile) else { return nil }
        return nssModule(nsswitch: text)
    }

    /// The caller's ranges through libsubid: by user name, then (when that finds
    /// none) by the uid as a number, as podman asks. A failure names the module.
    package static func nssRanges(
        module: ByteString, user: PasswdEntry, users: Bool,
        context: SystemContext
    ) -> Result<[Entry], Failure> {
        var answer = context.libsubidRanges(owner: user.name, users: users)
        if answer == .ranges([]) && user.name != "\(user.uid)" {
            answer = context.libsubidRanges(owner: "\(user.uid)", users: users)
        }
        let kind = users ? "uid" : "gid"
        switch answer {
        case .ranges(let list):
            return .success(list)
        case .failed:
            return .failure(
                Failure("cannot read subordinate \(kind)s of \"\(user.name)\" from NSS module \"\(module)\" (libsubid)")
            )
        case .unavailable(let why):
            return .failure(Failure("subid: \(module) in \(nsswitchFile) needs libsubid.so.4: \(why)"))
        }
    }

    /// The caller's first range from NSS, or util-linux's no-match message in
    /// this source's words.
    static func nssFirstRange(
        module: ByteString, user: PasswdEntry, users: Bool,
        context: SystemContext
    ) -> Result<Entry, Failure> {
        nssRanges(module: module, user: user, users: users, context: context).flatMap { list in
            guard let first = list.first else {
                return .failure(
                    Failure(.noSubordinateRangeFromNSS(kind: users ? "uid" : "gid", user: user.name, module: module)))
            }
            return .success(first)
        }
    }
}
