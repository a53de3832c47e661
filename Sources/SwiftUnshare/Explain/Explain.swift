// SPDX-License-Identifier: Apache-2.0
/// --explain: what a Plan would do, in words, without doing any of it (docs:
/// the man page, EXPLAIN). Everything here is read from the Plan; nothing is decided.
package enum Explain {
    /// One map file as the kernel shows it in /proc/PID/uid_map (`%10u %10u %10u`).
    package static func mapLayout(_ lines: [IDRange]) -> ByteString {
        func column(_ v: UInt32) -> String {
            let text = String(v)
            return String(repeating: " ", count: max(0, 10 - text.count)) + text
        }
        return ByteString(lines.map { "\(column($0.inner)) \(column($0.outer)) \(column($0.count))\n" }.joined())
    }

    /// Shell-like quoting for showing a command line (single quotes when needed).
    package static func quoted(_ word: ByteString) -> ByteString {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%".utf8)
        if !word.isEmpty && word.bytes.allSatisfy({ plain.contains($0) }) { return word }
        var out: [UInt8] = [UInt8(ascii: "'")]
        for b in word.bytes {
            if b == UInt8(ascii: "'") { out += Array(#"'\''"#.utf8) } else { out.append(b) }
        }
        return ByteString(out + [UInt8(ascii: "'")])
    }

    static func commandLine(_ words: [ByteString]) -> ByteString {
        ByteString(words.map { quoted($0).bytes }.joined(separator: [0x20]).map { $0 })
    }

    static func names(_ set: Set<Namespace>) -> String {
        // util-linux's option order: -m -u -i -n -p -U -C -T
        let order: [Namespace] = [.mount, .uts, .ipc, .net, .pid, .user, .cgroup, .time]
        return order.filter { set.contains($0) }.map { "\($0)" }.joined(separator: " ")
    }

    /// The whole explanation of `plan` for the process `pid` (whose
    /// /proc/<pid> the helpers would act on).
    package static func render(_ plan: Plan, pid: Int32) -> ByteString {
        var out: [String] = []
        let unshared =
            plan.steps.compactMap { step -> Set<Namespace>? in
                if case .unshare(let set) = step { return set }
                return nil
            }.first ?? []
        out.append("namespaces: " + (unshared.isEmpty ? "none" : names(unshared)))
        out += maps(plan, pid: pid, user: unshared.contains(.user))
        for target in plan.persistTargets {
            out.append(
                "persist: \(target.namespace) namespace (/proc/\(pid)/\(target.namespace.procFile)) bound onto \(target.file)"
            )
        }
        out.append("steps:")
        out += plan.steps.map { "  " + describe($0, plan: plan, pid: pid) }
        return ByteString(out.joined(separator: "\n") + "\n")
    }

    static func maps(_ plan: Plan, pid: Int32, user: Bool) -> [String] {
        var out: [String] = []
        var single: (uid: SingleID?, gid: SingleID?) = (nil, nil)
        var setgroups: SetgroupsMode?
        for case .writeUIDMap(let id) in plan.steps { single.uid = id }
        for case .writeGIDMap(let id) in plan.steps { single.gid = id }
        for case .writeSetgroups(let mode) in plan.steps { setgroups = mode }
        let uid = plan.uidMap ?? single.uid.map { [$0.range] }
        let gid = plan.gidMap ?? single.gid.map { [$0.range] }
        if user {
            for (name, lines) in [("uid_map", uid), ("gid_map", gid)] {
                if let lines {
                    out.append("\(name):")
                    out.append(String(mapLayout(lines).description.dropLast()))
                } else {
                    out.append("\(name): empty (every id shows as the overflow id, 65534)")
                }
            }
        }
        switch plan.strategy {
        case .none:
            out.append(user ? "maps: none written" : "maps: no user namespace")
        case .selfWrite:
            out.append("maps: self-written: after unshare this process writes /proc/self/uid_map and gid_map")
        case .privilegedHelper:
            out.append(
                "maps: parent-written: a helper forked before unshare writes /proc/\(pid)/uid_map and gid_map once the namespace exists"
            )
        case .newIDMapHelpers:
            out.append(
                "maps: newuidmap and newgidmap, each in a child forked before unshare, run once the namespace exists:")
            for (tool, lines) in [("newuidmap", plan.uidMap), ("newgidmap", plan.gidMap)] {
                if let lines {
                    out.append(
                        "  "
                            + commandLine(IDMapHelpers.idmapperArguments(ByteString(tool), pid: pid, lines)).description
                    )
                }
            }
        }
        if user {
            if let setgroups {
                out.append("setgroups: \(setgroups.rawValue)")
            } else {
                out.append("setgroups: allow (left as the kernel starts it)")
            }
        }
        return out
    }
}
