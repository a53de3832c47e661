// SPDX-License-Identifier: Apache-2.0
import Glibc

/// One line that names the cause of a failure and its fix, printed after
/// util-linux's unchanged message when stderr is a terminal, and by --explain
/// (docs: the man page, HINTS).
package struct Hint: Equatable, Sendable {
    package enum Cause: String, Sendable, CaseIterable {
        case optionalValueWithoutEquals, maxUserNamespacesZero, nestingTooDeep, unprivilegedUsernsCloneOff
        case apparmorRestrictsUserns, namespaceWithoutUser, mapHelperMissing, mapHelperUnprivileged
        case noNewPrivs, noSubordinateIDs, ownIDInRange, overlappingRanges, pidWithoutFork
    }
    package var cause: Cause
    package var text: ByteString

    /// `<program>: hint: <text>`
    package func rendered(program: ByteString) -> ByteString { "\(program): hint: \(text)\n" }
}

package enum Hints {
    /// Every hint whose cause is present, most specific first. With a failure in
    /// the situation a detector speaks only when that failure is the one its
    /// cause produces; without one (--explain) it predicts from the facts.
    package static func all(_ s: HintSituation, facts: SystemFacts) -> [Hint] {
        Hint.Cause.allCases.compactMap { cause in detect(cause, s, facts).map { Hint(cause: cause, text: $0) } }
    }

    /// The one line after a failure, if any cause is found.
    package static func first(_ s: HintSituation, facts: SystemFacts) -> Hint? {
        for cause in Hint.Cause.allCases {
            if let text = detect(cause, s, facts) { return Hint(cause: cause, text: text) }
        }
        return nil
    }

    static func detect(_ cause: Hint.Cause, _ s: HintSituation, _ f: SystemFacts) -> ByteString? {
        let user = f.euid != 0
        let newIDMap = s.plan?.strategy == .newIDMapHelpers
        switch cause {
        case .optionalValueWithoutEquals:
            return optionalValueWithoutEquals(s)
        case .nestingTooDeep:
            // ENOSPC since Linux 4.9 (EUSERS before) for both limits; the count of 0 has its own hint.
            guard let failure = s.failure, s.wantsUser,
                [.unshare(Errno(ENOSPC)), .unshare(Errno(EUSERS))].contains(failure),
                let limit = f.sysctl("user/max_user_namespaces"), limit != "0"
            else { return nil }
            return
                "no user namespace can be made here: user namespaces nest at most 32 deep (is this process that deep?), and at most user.max_user_namespaces (\(limit)) may exist: start from a shallower namespace, or raise the limit"
        case .maxUserNamespacesZero:
            guard s.wantsUser, f.sysctl("user/max_user_namespaces") == "0",
                s.failed({ $0 == .unshare(Errno(ENOSPC)) })
            else { return nil }
            return
                "user.max_user_namespaces is 0, so no user namespace can be made: raise it (sysctl -w user.max_user_namespaces=15000)"
        case .unprivilegedUsernsCloneOff:
            guard user, s.wantsUser, f.sysctl("kernel/unprivileged_userns_clone") == "0",
                s.failed({ $0 == .unshare(Errno(EPERM)) })
            else { return nil }
            return
                "kernel.unprivileged_userns_clone is 0, so only root may make user namespaces: enable it (sysctl -w kernel.unprivileged_userns_clone=1)"
        case .apparmorRestrictsUserns:
            guard user, s.wantsUser, f.sysctl("kernel/apparmor_restrict_unprivileged_userns") == "1",
                s.failed({ [.unshare(Errno(EPERM)), .mapWrite(Errno(EPERM)), .helperRefused].contains($0) })
            else { return nil }
            return
                "AppArmor denies unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1): give this program an AppArmor profile with `userns,`, or set the sysctl to 0"
        case .namespaceWithoutUser:
            let order: [Namespace] = [.mount, .uts, .ipc, .net, .pid, .cgroup, .time]  // -m -u -i -n -p -C -T
            let others = order.filter { s.namespaces.contains($0) }
            guard user, !s.wantsUser, let first = others.first, s.options != nil,
                s.failed({ $0 == .unshare(Errno(EPERM)) })
            else { return nil }
            return
                "only root may unshare a \(first) namespace: as a user add -r (--map-root-user) to make it inside a new user namespace"
        case .mapHelperMissing:
            guard newIDMap else { return nil }
            for tool: ByteString in ["newuidmap", "newgidmap"] where f.mapHelper(tool) == .missing {
                guard s.failed({ $0 == .helperExec(tool, Errno(ENOENT)) }) else { continue }
                return "\(tool) is not installed (or not on PATH): install the package uidmap"
            }
            return nil
        case .mapHelperUnprivileged:
            guard newIDMap, s.failed({ $0 == .helperRefused }) else { return nil }
            for tool: ByteString in ["newuidmap", "newgidmap"] {
                if case .found(let path, false, false) = f.mapHelper(tool) {
                    let cap = tool == "newuidmap" ? "cap_setuid" : "cap_setgid"
                    return
                        "\(path) is neither setuid root nor given file capabilities, so it cannot write the map: chmod u+s \(path) (or setcap \(cap)+ep \(path)), as the package uidmap installs it"
                }
            }
            return nil
        case .noNewPrivs:
            guard newIDMap, f.noNewPrivs, s.failed({ $0 == .helperRefused }) else { return nil }
            return
                "no_new_privs is set for this process, so the setuid newuidmap cannot gain privilege: run outside what sets it (NoNewPrivileges=, setpriv --no-new-privs, a container)"
        case .noSubordinateIDs:
            guard user, s.failed({ $0 == .noSubordinateRange || $0 == .helperRefused }),
                s.failure == .noSubordinateRange || newIDMap
            else { return nil }
            return noSubordinateIDs(f)
        case .ownIDInRange:
            guard newIDMap, s.failed({ $0 == .helperRefused }) else { return nil }
            for (kind, lines) in s.helperMaps {
                let own = kind == "uid" ? f.euid : f.egid
                if let line = lines.first(where: { $0.count > 1 && contains($0.outer, $0.count, own) }) {
                    return
                        "the \(kind) range \(line) holds your own \(kind) \(own), which newuidmap maps only as a single id: map it alone (-r, -c, --map-\(kind == "uid" ? "user" : "group")) and take the range from /etc/sub\(kind)"
                }
            }
            return nil
        case .overlappingRanges:
            guard s.failed({ $0 == .helperRefused || $0 == .mapWrite(Errno(EINVAL)) }) else { return nil }
            for (kind, lines) in s.helperMaps {
                if let text = overlap(kind, lines) { return text }
            }
            return nil
        case .pidWithoutFork:
            guard s.failure == nil, let o = s.options, o.namespaces.contains(.pid), !o.fork else { return nil }
            return
                "-p without -f: the program stays outside the new pid namespace and its first child becomes pid 1 there; once that child exits no process can be made in it (fork: Cannot allocate memory): add -f"
        }
    }

    static func contains(_ start: UInt32, _ count: UInt32, _ id: UInt32) -> Bool {
        UInt64(id) >= UInt64(start) && UInt64(id) < UInt64(start) + UInt64(count)
    }

    /// Two lines of one map that share inside or outside ids (the kernel refuses them).
    static func overlap(_ kind: String, _ lines: [IDRange]) -> ByteString? {
        for i in lines.indices {
            for j in lines.indices where j > i {
                let a = lines[i]
                let b = lines[j]
                for (side, x, y) in [("outside", a.outer, b.outer), ("inside", a.inner, b.inner)] {
                    let lo = max(UInt64(x), UInt64(y))
                    let hi = min(UInt64(x) + UInt64(a.count), UInt64(y) + UInt64(b.count))
                    if lo < hi {
                        return
                            "the \(kind) map lines \(a) and \(b) overlap (\(side) ids \(lo)-\(hi - 1)): the kernel refuses overlapping ranges, make them disjoint"
                    }
                }
            }
        }
        return nil
    }

    /// The caller has no range in /etc/subuid or /etc/subgid (or from NSS).
    static func noSubordinateIDs(_ f: SystemFacts) -> ByteString? {
        guard let name = f.user(id: f.euid)?.name else { return nil }
        var missing: [String] = []
        for file in ["/etc/subuid", "/etc/subgid"] {
            if case .failure = SubordinateIDs.firstRange(file: file, context: f) { missing.append(file) }
        }
        guard !missing.isEmpty else { return nil }
        return
            "\(missing.joined(separator: " and ")) give\(missing.count == 1 ? "s" : "") \(name) no subordinate ids: ask root to add them (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 \(name))"
    }

    /// `--kill-child 9`, `--mount /x`: an optional value needs `=`, so the
    /// value became the program.
    static func optionalValueWithoutEquals(_ s: HintSituation) -> ByteString? {
        guard let o = s.options, let program = o.command.first,
            s.failed({
                if case .exec(let p, _) = $0 { return p == program }
                return false
            })
        else { return nil }
        let index = s.arguments.count - o.command.count
        guard index >= 2 else { return nil }
        let previous = s.arguments[index - 1]
        guard previous.hasPrefix("--"), !previous.bytes.contains(UInt8(ascii: "=")) else { return nil }
        let name = ByteString(Array(previous.bytes.dropFirst(2))).description
        let exact = OptionTable.unshare.first { $0.long == name }
        let matches = exact.map { [$0] } ?? OptionTable.unshare.filter { $0.long.hasPrefix(name) }
        guard matches.count == 1, let spec = matches.first, spec.argument == .optional else { return nil }
        // Predicted only where the word cannot be a program (`--mount-proc ls` is common and right).
        let signal = SignalNames.number(for: program) != nil || program.bytes.allSatisfy { (0x30...0x39).contains($0) }
        if s.failure == nil && !(spec.id == .killChild && signal) { return nil }
        return "--\(spec.long) takes a value only as --\(spec.long)=\(program): '\(program)' was taken for the program"
    }
}
