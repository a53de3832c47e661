// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc

/// A `start:count` line of /etc/subuid or /etc/subgid.
struct SubIDRange: Sendable, Equatable, CustomStringConvertible {
    var start: UInt32
    var count: UInt32

    /// One past the last id.
    var end: UInt32 { start + count }
    var description: String { "\(start):\(count)" }
}

/// One of the accounts scripts/test-setup.sh creates, as this machine has it:
/// ids from the passwd database, ranges from /etc/subuid and /etc/subgid.
/// Nothing here is assumed: the setup picks free uids and ranges that overlap
/// no line already there, so they differ from machine to machine. (The cases
/// only take for granted what the setup always gives: unshare-tester's range
/// holds at least 2000 ids, and the tester's uid lies outside it.)
struct TestAccount: Sendable {
    let name: String
    let uid: UInt32
    let gid: UInt32
    let home: String
    /// The account's lines, in file order (a line may name the account or its uid).
    let subuids: [SubIDRange]
    let subgids: [SubIDRange]

    /// The first range, which is what util-linux's --map-auto takes.
    var subuid: SubIDRange { subuids[0] }
    var subgid: SubIDRange { subgids[0] }

    /// unshare-tester: one range in each file.
    static let tester = lookUp("unshare-tester", ranges: 1)
    /// unshare-tester2: two ranges in each file.
    static let tester2 = lookUp("unshare-tester2", ranges: 2)

    /// The account, or nil when it is missing or has fewer than `ranges` lines
    /// in either file.
    static func lookUp(_ name: String, ranges: Int) -> TestAccount? {
        guard let p = getpwnam(name) else { return nil }
        let uid = p.pointee.pw_uid
        let gid = p.pointee.pw_gid
        let home = String(cString: p.pointee.pw_dir)
        let subuids = subordinateRanges(in: "/etc/subuid", name: name, id: uid)
        let subgids = subordinateRanges(in: "/etc/subgid", name: name, id: uid)
        guard subuids.count >= ranges, subgids.count >= ranges else { return nil }
        return TestAccount(name: name, uid: uid, gid: gid, home: home, subuids: subuids, subgids: subgids)
    }

    /// The `name:start:count` (or `uid:start:count`) lines of `file`.
    static func subordinateRanges(in file: String, name: String, id: UInt32) -> [SubIDRange] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3, fields[0] == name || fields[0] == String(id),
                let start = UInt32(fields[1]), let count = UInt32(fields[2]), count > 0
            else { return nil }
            return SubIDRange(start: start, count: count)
        }
    }
}

/// /proc/self/uid_map and gid_map lines as the kernel prints them (`%10u %10u %10u`).
enum MapText {
    static func line(_ inner: UInt32, _ outer: UInt32, _ count: UInt32) -> String {
        func pad(_ v: UInt32) -> String {
            let s = String(v)
            return String(repeating: " ", count: max(0, 10 - s.count)) + s
        }
        return "\(pad(inner)) \(pad(outer)) \(pad(count))\n"
    }

    /// The map of a single id `inner` → `outer` beside a subordinate range whose
    /// inner start is chosen for it (`auto`, placed at 0): the range keeps its
    /// full length and steps over `inner` (the merge rule of docs/unshare.md section 4).
    static func singleBesideAuto(inner: UInt32, outer: UInt32, _ range: SubIDRange) -> String {
        guard inner < range.count else { return line(inner, outer, 1) + line(0, range.start, range.count) }
        var text = line(inner, outer, 1)
        if inner > 0 { text += line(0, range.start, inner) }
        return text + line(inner + 1, range.start + inner, range.count - inner)
    }
}
