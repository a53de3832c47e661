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
        let blanks: Set<UInt8> = [0x20, 0x09, 0x0a]
        var lines = text.split(separator: 0x0a, omittingEmptySubsequences: false)
        if text.last == 0x0a { lines.removeLast() }
        for (index, line) in lines.enumerated() {
            // libsubid counts the newline in its 8-byte minimum; the last line may have none.
            let length = line.count + (index < lines.count - 1 || text.last == 0x0a ? 1 : 0)
            guard let first = line.first, first != UInt8(ascii: "#"), length >= 8 else { continue }
            let prefix = Array(line.prefix(6)).map { $0 | 0x20 }
            guard prefix == Array("subid:".utf8) else { continue }
            let word = line.dropFirst(6).drop(while: { blanks.contains($0) }).prefix(while: { !blanks.contains($0) })
            if word.isEmpty { continue }
            let name = ByteString(Array(word))
            return name == "files" || word.count > 50 ? nil : name
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
