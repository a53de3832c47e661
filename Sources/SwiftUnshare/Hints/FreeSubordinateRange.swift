// SPDX-License-Identifier: Apache-2.0
/// The subordinate range a new account would get, chosen as useradd(8)
/// chooses it: the first block of SUB_UID_COUNT ids between SUB_UID_MIN and
/// SUB_UID_MAX of /etc/login.defs (SUB_GID_* for /etc/subgid; shadow's
/// defaults 100000, 600100000 and 65536 where a key is unset or unreadable)
/// that overlaps no line of the file, whoever owns the line. A hint that
/// proposes `usermod --add-subuids` proposes this block, so following it never
/// gives two accounts the same ids (docs: the man page, HINTS).
package enum FreeSubordinateRange {
    package static let loginDefs = "/etc/login.defs"

    /// The three login.defs keys for one file.
    package struct Settings: Equatable, Sendable {
        package var min: UInt64
        package var max: UInt64
        package var count: UInt64
        /// "SUB_UID" or "SUB_GID", for messages.
        package var prefix: String
    }

    /// What the search found.
    package enum Found: Equatable, Sendable {
        /// The first free block: `start` to `start + count - 1`.
        case free(start: UInt64, count: UInt64)
        /// No block of `count` ids between `min` and `max` is free.
        case full(Settings)
        /// The keys contradict each other (useradd refuses them too).
        case invalid(Settings)
    }

    /// The settings for `/etc/subuid` (users) or `/etc/subgid`, read from
    /// login.defs's text as shadow reads it (nil: no file).
    package static func settings(loginDefs text: [UInt8]?, users: Bool) -> Settings {
        let prefix = users ? "SUB_UID" : "SUB_GID"
        let values = text.map(definitions) ?? [:]
        func value(_ key: String, _ fallback: UInt64) -> UInt64 {
            values[prefix + "_" + key].flatMap(number) ?? fallback
        }
        return Settings(
            min: value("MIN", 100_000), max: value("MAX", 600_100_000), count: value("COUNT", 65536), prefix: prefix)
    }

    /// login.defs's `NAME value` lines, as shadow's def_load reads them: blank
    /// lines and `#` comments skipped, the value after blanks and quotes, up
    /// to the next quote; a later line wins.
    static func definitions(_ text: [UInt8]) -> [String: ByteString] {
        let blank: Set<UInt8> = [0x20, 0x09]
        var result: [String: ByteString] = [:]
        for raw in text.split(separator: 0x0a) {
            var line = Array(raw)
            while let last = line.last, blank.contains(last) || last == 0x0d || last == 0x0b || last == 0x0c {
                line.removeLast()
            }
            let name = line.drop(while: { blank.contains($0) })
            guard let first = name.first, first != UInt8(ascii: "#") else { continue }
            let key = name.prefix(while: { !blank.contains($0) })
            let rest = name.dropFirst(key.count)
            guard !rest.isEmpty else { continue }
            let value = rest.drop(while: { blank.contains($0) || $0 == UInt8(ascii: "\"") })
                .prefix(while: { $0 != UInt8(ascii: "\"") })
            result[String(decoding: key, as: UTF8.self)] = ByteString(Array(value))
        }
        return result
    }

    /// strtoul(3) with base 0, whole string (shadow's getulong): decimal,
    /// 0x hexadecimal, 0 octal; nil for anything else (shadow then takes the default).
    static func number(_ text: ByteString) -> UInt64? {
        var digits = text.bytes[...]
        var radix: UInt64 = 10
        if digits.starts(with: Array("0x".utf8)) || digits.starts(with: Array("0X".utf8)) {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.count > 1 && digits.first == UInt8(ascii: "0") {
            radix = 8
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for c in digits {
            let d: UInt64
            switch c {
            case 0x30...0x39: d = UInt64(c - 0x30)
            case 0x61...0x66: d = UInt64(c - 0x61 + 10)
            case 0x41...0x46: d = UInt64(c - 0x41 + 10)
            default: return nil
            }
            guard d < radix else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: radix)
            let (sum, o2) = times.addingReportingOverflow(d)
            if o1 || o2 || sum > UInt64(UInt32.max) { return nil }  // no id is wider than 32 bits
            value = sum
        }
        return value
    }

    /// The first free block in a subuid(5) file's text under `s`: shadow's
    /// find_free_range over every line (any owner), sorted by start; lines
    /// with a count of 0 hold nothing.
    package static func first(in text: [UInt8], _ s: Settings) -> Found {
        guard s.count > 0, s.min <= s.max, s.count < s.max, s.min + s.count - 1 <= s.max else {
            return .invalid(s)
        }
        var taken: [(start: UInt64, count: UInt64)] = []
        for line in text.split(separator: 0x0a) {
            let fields = line.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3,
                case .success(let start) = NumberParsing.unsigned32(ByteString(Array(fields[1]))),
                case .success(let count) = NumberParsing.unsigned32(ByteString(Array(fields[2]))), count > 0
            else { continue }
            taken.append((UInt64(start), UInt64(count)))
        }
        taken.sort { $0.start < $1.start }
        var low = s.min
        for range in taken {
            let high = min(range.start, s.max + 1)
            if high > low && high - low >= s.count { return .free(start: low, count: s.count) }
            low = max(low, range.start + range.count)
            if low > s.max { return .full(s) }
        }
        return s.max - low + 1 >= s.count ? .free(start: low, count: s.count) : .full(s)
    }

    /// The block for `file` (/etc/subuid or /etc/subgid) on this system.
    package static func first(file: String, context: SystemContext) -> Found {
        let users = file.hasSuffix("subuid")
        let defs = try? context.readFile(loginDefs).get()
        let text = (try? context.readFile(file).get()) ?? []
        return first(in: text, settings(loginDefs: defs, users: users))
    }
}
