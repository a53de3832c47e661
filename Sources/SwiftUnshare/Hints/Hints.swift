// SPDX-License-Identifier: Apache-2.0
import Glibc

/// One line that names the cause of a failure and its fix, printed after
/// util-linux's unchanged message when stderr is a terminal, and by --explain;
/// --check's report says the same words as `no: <reason>; <fix>` (docs: the
/// man page, HINTS and CHECK).
package struct Hint: Equatable, Sendable {
    package enum Cause: String, Sendable, CaseIterable {
        case optionalValueWithoutEquals, maxUserNamespacesZero, nestingTooDeep, unprivilegedUsernsCloneOff
        case apparmorRestrictsUserns, namespaceWithoutUser, mapHelperMissing, mapHelperUnprivileged
        case noNewPrivs, noSubordinateIDs, ownIDInRange, overlappingRanges, pidWithoutFork
        case namespaceKindMissing, powerlessNamespace, procNeedsPidNamespace, procNotFullyVisible
        case binfmtNeedsNewerKernel
        /// podman mode's, which its check reports (Check/PodmanReport.swift): no failure of unshare mode has them.
        case pauseNotJoinable, slirp4netnsMissing, tunUnavailable
    }
    package var cause: Cause
    /// What is wrong.
    package var reason: ByteString
    /// What to do about it (empty: `reason` says it all).
    package var fix: ByteString

    package init(cause: Cause, reason: ByteString, fix: ByteString) {
        self.cause = cause
        self.reason = reason
        self.fix = fix
    }

    /// A hint given as its whole line (the tests' form).
    package init(cause: Cause, text: ByteString) {
        self.init(cause: cause, reason: text, fix: "")
    }

    /// The line's text: `<reason>: <fix>`.
    package var text: ByteString { fix.isEmpty ? reason : reason + ": " + fix }

    /// `<program>: hint: <text>`
    package func rendered(program: ByteString) -> ByteString { "\(program): hint: \(text)\n" }

    package static func == (a: Hint, b: Hint) -> Bool { a.cause == b.cause && a.text == b.text }
}

/// A detector's words: the reason, and the fix after it.
typealias HintWords = (reason: ByteString, fix: ByteString)

package enum Hints {
    /// Every hint whose cause is present, most specific first. With a failure in
    /// the situation a detector speaks only when that failure is the one its
    /// cause produces; without one (--explain) it predicts from the facts.
    package static func all(_ s: HintSituation, facts: SystemFacts) -> [Hint] {
        Hint.Cause.allCases.compactMap { hint($0, s, facts) }
    }

    /// The one line after a failure, if any cause is found.
    package static func first(_ s: HintSituation, facts: SystemFacts) -> Hint? {
        for cause in Hint.Cause.allCases {
            if let hint = hint(cause, s, facts) { return hint }
        }
        return nil
    }

    /// The hint of one cause, when its detector speaks.
    package static func hint(_ cause: Hint.Cause, _ s: HintSituation, _ facts: SystemFacts) -> Hint? {
        detect(cause, s, facts).map { Hint(cause: cause, reason: $0.reason, fix: $0.fix) }
    }

    /// AppArmor's restriction, one wording for the namespace it refuses and the one it leaves powerless.
    static let apparmorFix: ByteString = "give this program an AppArmor profile with `userns,`, or set the sysctl to 0"

    static func detect(_ cause: Hint.Cause, _ s: HintSituation, _ f: SystemFacts) -> HintWords? {
        let user = f.euid != 0
        switch cause {
        case .optionalValueWithoutEquals:
            return optionalValueWithoutEquals(s)
        case .nestingTooDeep:
            // ENOSPC since Linux 4.9 (EUSERS before) for both limits; the count of 0 has its own hint.
            guard let failure = s.failure, s.wantsUser,
                [.unshare(Errno(ENOSPC)), .unshare(Errno(EUSERS))].contains(failure),
                let limit = f.sysctl("user/max_user_namespaces"), limit != "0"
            else { return nil }
            return (
                "no user namespace can be made here: user namespaces nest at most 32 deep (is this process that deep?), and at most user.max_user_namespaces (\(limit)) may exist",
                "start from a shallower namespace, or raise the limit"
            )
        case .maxUserNamespacesZero:
            guard s.wantsUser, f.sysctl("user/max_user_namespaces") == "0",
                s.failed({ $0 == .unshare(Errno(ENOSPC)) })
            else { return nil }
            return (
                "user.max_user_namespaces is 0, so no user namespace can be made",
                "raise it (sysctl -w user.max_user_namespaces=15000)"
            )
        case .unprivilegedUsernsCloneOff:
            guard user, s.wantsUser, f.sysctl("kernel/unprivileged_userns_clone") == "0",
                s.failed({ $0 == .unshare(Errno(EPERM)) })
            else { return nil }
            return (
                "kernel.unprivileged_userns_clone is 0, so only root may make user namespaces",
                "enable it (sysctl -w kernel.unprivileged_userns_clone=1)"
            )
        case .apparmorRestrictsUserns:
            guard user, s.wantsUser, f.sysctl("kernel/apparmor_restrict_unprivileged_userns") == "1",
                s.failed({ [.unshare(Errno(EPERM)), .mapWrite(Errno(EPERM)), .helperRefused].contains($0) })
            else { return nil }
            return (
                "AppArmor denies unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1)",
                apparmorFix
            )
        case .namespaceWithoutUser:
            let order: [Namespace] = [.mount, .uts, .ipc, .net, .pid, .cgroup, .time]  // -m -u -i -n -p -C -T
            let others = order.filter { s.namespaces.contains($0) }
            guard user, !s.wantsUser, let first = others.first, s.options != nil,
                s.failed({ $0 == .unshare(Errno(EPERM)) })
            else { return nil }
            return (
                "only root may unshare a \(first) namespace",
                "as a user add -r (--map-root-user) to make it inside a new user namespace"
            )
        case .mapHelperMissing:
            for tool: ByteString in ["newuidmap", "newgidmap"] {
                if let words = mapHelperMissing(tool, s, f) { return words }
            }
            return nil
        case .mapHelperUnprivileged:
            guard s.failed({ $0 == .helperRefused }) else { return nil }
            for tool: ByteString in ["newuidmap", "newgidmap"] {
                if let words = mapHelperUnprivileged(tool, s, f) { return words }
            }
            return nil
        case .noNewPrivs:
            guard s.plan?.strategy == .newIDMapHelpers, f.noNewPrivs, s.failed({ $0 == .helperRefused }) else {
                return nil
            }
            return (
                "no_new_privs is set for this process, so the setuid newuidmap cannot gain privilege",
                "run outside what sets it (NoNewPrivileges=, setpriv --no-new-privs, a container)"
            )
        case .noSubordinateIDs:
            // Root too needs a line for `auto` and `subids`; only users run newuidmap.
            guard s.failed({ $0 == .noSubordinateRange || $0 == .helperRefused && user }),
                s.failure == .noSubordinateRange || s.plan?.strategy == .newIDMapHelpers
            else { return nil }
            return noSubordinateIDs(f)
        case .ownIDInRange:
            guard s.plan?.strategy == .newIDMapHelpers, s.failed({ $0 == .helperRefused }) else { return nil }
            for (kind, lines) in s.helperMaps {
                let own = kind == "uid" ? f.euid : f.egid
                if let line = lines.first(where: { $0.count > 1 && contains($0.outer, $0.count, own) }) {
                    return (
                        "the \(kind) range \(line) holds your own \(kind) \(own), which newuidmap maps only as a single id",
                        "map it alone (-r, -c, --map-\(kind == "uid" ? "user" : "group")) and take the range from /etc/sub\(kind)"
                    )
                }
            }
            return nil
        case .overlappingRanges:
            guard s.failed({ $0 == .helperRefused || $0 == .mapWrite(Errno(EINVAL)) }) else { return nil }
            for (kind, lines) in s.helperMaps {
                if let words = overlap(kind, lines) { return words }
            }
            return nil
        case .pidWithoutFork:
            guard s.failure == nil, let o = s.options, o.namespaces.contains(.pid), !o.fork else { return nil }
            return (
                "-p without -f: the program stays outside the new pid namespace and its first child becomes pid 1 there; once that child exits no process can be made in it (fork: Cannot allocate memory)",
                "add -f"
            )
        case .namespaceKindMissing:
            // unshare(2) answers a flag it does not know with EINVAL.
            guard let failure = s.failure, failure == .unshare(Errno(EINVAL)) else { return nil }
            return namespaceKindMissing(s.namespaces, f)
        case .powerlessNamespace:
            // Making / private in a mount namespace the new user namespace owns needs only its own
            // CAP_SYS_ADMIN, which its creator always has, unless something takes it away.
            guard s.wantsUser, s.failure == .propagation(Errno(EPERM)) else { return nil }
            return powerlessNamespace(f)
        case .procNeedsPidNamespace:
            guard let o = s.options, let proc = o.mountProc, s.wantsUser, !(o.namespaces.contains(.pid) && o.fork),
                s.failure == .mount(proc, Errno(EPERM))
            else { return nil }
            return (
                "proc cannot be mounted on \(proc) for the pid namespace this process is in: only its owner may, and that is not the new user namespace",
                "add -p -f (--pid --fork) so that proc shows a new pid namespace the new user namespace owns"
            )
        case .procNotFullyVisible:
            guard let o = s.options, let proc = o.mountProc, o.namespaces.contains(.pid) && o.fork || !s.wantsUser,
                s.failure == .mount(proc, Errno(EPERM))
            else { return nil }
            return (
                "a new proc is refused where the proc already mounted has parts of it hidden (files or folders mounted over it, as a container does to /proc/sys or /proc/kcore)",
                "run outside that container, or give it an unmasked /proc"
            )
        case .pauseNotJoinable, .slirp4netnsMissing, .tunUnavailable:
            return nil
        case .binfmtNeedsNewerKernel:
            guard let o = s.options, let dir = o.mountBinfmt, s.wantsUser, s.failure == .mount(dir, Errno(EPERM)),
                let release = f.sysctl("kernel/osrelease"), !kernelAtLeast(release, 6, 7)
            else { return nil }
            return (
                "binfmt_misc can be mounted in a user namespace only from Linux 6.7, and this is Linux \(release)",
                "run on a newer kernel, or drop --mount-binfmt and --load-interp"
            )
        }
    }

    /// podman's pause process runs but cannot be joined.
    package static func pauseNotJoinable(pid: Int32, _ why: ByteString) -> Hint {
        Hint(
            cause: .pauseNotJoinable, reason: "podman's pause process (pid \(pid)) runs but cannot be joined (\(why))",
            fix: "reset it with podman system migrate")
    }

    /// --rootless-netns must make the network namespace, and cannot.
    package static func slirp4netnsMissing() -> Hint {
        Hint(
            cause: .slirp4netnsMissing,
            reason:
                "slirp4netns is not installed (or not on PATH), so --rootless-netns cannot make podman's network namespace",
            fix: "install the package slirp4netns")
    }

    /// slirp4netns needs /dev/net/tun.
    package static func tunUnavailable(_ e: Errno) -> Hint {
        Hint(
            cause: .tunUnavailable,
            reason: "/dev/net/tun cannot be opened (\(e)), and slirp4netns needs it for --rootless-netns",
            fix: e.rawValue == ENOENT
                ? "load the tun module (modprobe tun)"
                : "make it readable and writable by all (mode 0666), as udev makes it")
    }

    /// newuidmap or newgidmap is not there, for a plan that runs it.
    static func mapHelperMissing(_ tool: ByteString, _ s: HintSituation, _ f: SystemFacts) -> HintWords? {
        guard s.plan?.strategy == .newIDMapHelpers, f.mapHelper(tool) == .missing,
            s.failed({ $0 == .helperExec(tool, Errno(ENOENT)) })
        else { return nil }
        return ("\(tool) is not installed (or not on PATH)", "install the package uidmap")
    }

    /// newuidmap or newgidmap is there but has no privilege to write the map.
    static func mapHelperUnprivileged(_ tool: ByteString, _ s: HintSituation, _ f: SystemFacts) -> HintWords? {
        guard s.plan?.strategy == .newIDMapHelpers, case .found(let path, false, false) = f.mapHelper(tool) else {
            return nil
        }
        let cap = tool == "newuidmap" ? "cap_setuid" : "cap_setgid"
        return (
            "\(path) is neither setuid root nor given file capabilities, so it cannot write the map",
            "chmod u+s \(path) (or setcap \(cap)+ep \(path)), as the package uidmap installs it"
        )
    }

    /// The new user namespace exists but its root may do nothing in it.
    static func powerlessNamespace(_ f: SystemFacts) -> HintWords {
        if f.euid != 0, f.sysctl("kernel/apparmor_restrict_unprivileged_userns") == "1" {
            return (
                "the new user namespace is made but powerless: AppArmor (kernel.apparmor_restrict_unprivileged_userns=1) takes its capabilities away",
                apparmorFix
            )
        }
        return (
            "the new user namespace is made but powerless: its root may not even make / private in a mount namespace of its own",
            "a security module (AppArmor, SELinux) or a seccomp filter around this process takes its capabilities away: run outside it, or allow user namespaces there"
        )
    }

    /// A namespace kind this kernel does not have, among those asked for.
    static func namespaceKindMissing(_ namespaces: Set<Namespace>, _ f: SystemFacts) -> HintWords? {
        let since: [(Namespace, String)] = [
            (.time, "5.6"), (.cgroup, "4.6"), (.user, "3.8"), (.pid, "3.8"), (.net, "3.8"), (.uts, "3.8"),
            (.ipc, "3.8"), (.mount, "3.8"),
        ]
        for (ns, version) in since where namespaces.contains(ns) && !f.pathExists(nsFile(ns)) {
            return (
                "this kernel has no \(ns) namespaces (Linux \(version) and later have them)", "run on a newer kernel"
            )
        }
        return nil
    }

    /// The file of this process's namespace of a kind, there when the kernel has the kind.
    static func nsFile(_ ns: Namespace) -> String {
        switch ns {
        case .mount: return "/proc/self/ns/mnt"
        case .pid: return "/proc/self/ns/pid"
        case .time: return "/proc/self/ns/time"
        case .user, .cgroup, .ipc, .uts, .net: return "/proc/self/ns/\(ns)"
        }
    }

    /// Whether a kernel release (`6.1.0-18-amd64`) is at least `major.minor`.
    static func kernelAtLeast(_ release: ByteString, _ major: Int, _ minor: Int) -> Bool {
        let parts = release.description.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return true }  // unknown: say nothing
        return parts[0] > major || (parts[0] == major && parts[1] >= minor)
    }

    static func contains(_ start: UInt32, _ count: UInt32, _ id: UInt32) -> Bool {
        UInt64(id) >= UInt64(start) && UInt64(id) < UInt64(start) + UInt64(count)
    }

    /// Two lines of one map that share inside or outside ids (the kernel refuses them).
    static func overlap(_ kind: String, _ lines: [IDRange]) -> HintWords? {
        for i in lines.indices {
            for j in lines.indices where j > i {
                let a = lines[i]
                let b = lines[j]
                for (side, x, y) in [("outside", a.outer, b.outer), ("inside", a.inner, b.inner)] {
                    let lo = max(UInt64(x), UInt64(y))
                    let hi = min(UInt64(x) + UInt64(a.count), UInt64(y) + UInt64(b.count))
                    if lo < hi {
                        return (
                            "the \(kind) map lines \(a) and \(b) overlap (\(side) ids \(lo)-\(hi - 1))",
                            "the kernel refuses overlapping ranges, make them disjoint"
                        )
                    }
                }
            }
        }
        return nil
    }

    /// The caller has no range in /etc/subuid or /etc/subgid (or from NSS).
    /// The fix proposes, for each file that lacks one, the block useradd
    /// would give a new account there (FreeSubordinateRange): free in that
    /// file, so following it shares no id with another account.
    static func noSubordinateIDs(_ f: SystemFacts) -> HintWords? {
        guard let name = f.user(id: f.euid)?.name else { return nil }
        var missing: [String] = []
        for file in ["/etc/subuid", "/etc/subgid"] {
            if case .failure = SubordinateIDs.firstRange(file: file, context: f) { missing.append(file) }
        }
        guard !missing.isEmpty else { return nil }
        let reason: ByteString =
            "\(missing.joined(separator: " and ")) give\(missing.count == 1 ? "s" : "") \(name) no subordinate ids"
        if let module = SubordinateIDs.nssModule(context: f) {
            return (
                "the NSS module \(module) (subid: in \(SubordinateIDs.nsswitchFile)) gives \(name) no subordinate ids",
                "ask the administrator of \(module) to add them"
            )
        }
        var options: [String] = []
        var full: [String] = []
        for file in missing {
            let flag = file.hasSuffix("subuid") ? "--add-subuids" : "--add-subgids"
            switch FreeSubordinateRange.first(file: file, context: f) {
            case .free(let start, let count):
                options.append("\(flag) \(start)-\(start + count - 1)")
            case .full(let s):
                full.append(
                    "no block of \(s.count) ids between \(s.min) and \(s.max) (\(s.prefix)_MIN, \(s.prefix)_MAX, \(s.prefix)_COUNT of \(FreeSubordinateRange.loginDefs)) is free in \(file)"
                )
            case .invalid(let s):
                full.append(
                    "\(s.prefix)_MIN \(s.min), \(s.prefix)_MAX \(s.max) and \(s.prefix)_COUNT \(s.count) of \(FreeSubordinateRange.loginDefs) leave no block to give"
                )
            }
        }
        if full.isEmpty {
            let asking = f.euid == 0 ? "add them" : "ask root to add them"
            return (reason, "\(asking) (usermod \(options.joined(separator: " ")) \(name))")
        }
        return (
            reason + ByteString(", and " + full.joined(separator: ", and ")),
            "ask root to free a block or widen the range, then add one"
        )
    }

    /// `--kill-child 9`, `--mount /x`: an optional value needs `=`, so the
    /// value became the program.
    static func optionalValueWithoutEquals(_ s: HintSituation) -> HintWords? {
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
        return (
            "--\(spec.long) takes a value only as --\(spec.long)=\(program)", "'\(program)' was taken for the program"
        )
    }
}
