// SPDX-License-Identifier: Apache-2.0
/// --check alone (docs: the man page, CHECK): what this machine allows this
/// user, one line a capability. Most lines are read from the trials of a few
/// representative commands (tried as --check tries any command), a step at a
/// time; the rest from the facts. A line that says no gives the cause in the
/// words of the hint detector that names it (Hints/), so a cause reads the
/// same here, after a failure and under --explain.
package enum MachineReport {
    /// The namespace kinds in util-linux's option order, with their options.
    static let kinds: [(Namespace, ByteString)] = [
        (.user, "-U"), (.mount, "-m"), (.uts, "-u"), (.ipc, "-i"), (.net, "-n"), (.pid, "-p"), (.cgroup, "-C"),
        (.time, "-T"),
    ]
    static let offsets: [ByteString] = ["--monotonic=1", "--boottime=1"]

    /// A probe's trial, or why it was refused before any step.
    enum Tried {
        case result(ReportProbe, CheckResult)
        case refused([ByteString], Options?, Failure)
        case untried(ByteString)
    }

    package static func build(_ f: some MachineFacts) -> [Capability] {
        let user = f.euid != 0
        let present = Set(kinds.map(\.0).filter { f.pathExists(Hints.nsFile($0)) })
        let withUser: [ByteString] = present.contains(.user) ? ["-U"] : []
        let hasBinfmt =
            (try? f.readFile("/proc/filesystems").get()).map {
                $0.split(separator: 0x0a).contains {
                    $0.split(separator: 0x09).last.map(Array.init) == Array("binfmt_misc".utf8)
                }
            } ?? false

        // One trial for every namespace kind at once (and the time offsets,
        // and whether the new user namespace has its capabilities); one for
        // the self-written maps, --map-auto, every range, --mount-proc and binfmt_misc.
        var commands: [[ByteString]] = []
        func add(_ words: [ByteString]) -> Int {
            commands.append(words + ["true"])
            return commands.count - 1
        }
        let all = add(
            withUser + kinds.filter { $0.0 != .user && present.contains($0.0) }.map(\.1)
                + (present.contains(.time) ? offsets : []))
        let selfWritten = add(["-r"])
        let mapAuto = add(["--map-auto"])
        let ranges = (uid: allRanges(users: true, f), gid: allRanges(users: false, f))
        let several =
            user && (ranges.uid.count > 1 || ranges.gid.count > 1)
            ? add(["-U"] + laidOut(ranges.uid, "--map-users") + laidOut(ranges.gid, "--map-groups")) : nil
        let proc =
            present.contains(.pid) && present.contains(.mount)
            ? add((user ? ["-r"] : []) + ["-f", "-p", "--mount-proc"]) : nil
        let binfmt = hasBinfmt && present.contains(.user) ? add(["-r", "-f", "-p", "--mount-binfmt"]) : nil
        let tried = run(commands, f)
        let namespaces = tried[all]

        var lines: [Capability] = []
        // The namespace kinds: from the one trial, or each alone when that one fails.
        var single: [Namespace: Tried] = [:]
        if !unshared(namespaces) {
            let kindsHere = kinds.filter { present.contains($0.0) }
            let alone = kindsHere.map { kind -> [ByteString] in
                (kind.0 == .user ? [] : withUser) + [kind.1] + (kind.0 == .time ? offsets : []) + ["true"]
            }
            for (kind, result) in zip(kindsHere, run(alone, f)) { single[kind.0] = result }
        }
        for (ns, _) in kinds {
            let name = "\(ns)-namespace"
            guard present.contains(ns) else {
                lines.append(.absent(name, "this kernel has no \(ns) namespaces"))
                continue
            }
            lines.append(
                line(name, single[ns] ?? namespaces, f) {
                    if case .unshare = $0 { return true }
                    return false
                })
        }
        lines.append(
            line(
                "single-map", tried[selfWritten], f,
                detail: "uid 0 \(f.euid) 1, gid 0 \(f.egid) 1, written by the process itself"
            ) {
                $0.selfWrite?.isMap ?? false
            })
        if f.pathExists("/proc/self/setgroups") {
            lines.append(line("setgroups", tried[selfWritten], f, detail: "deny") { $0.selfWrite?.file == .setgroups })
        } else {
            lines.append(.absent("setgroups", "/proc/self/setgroups: the kernel predates it (Linux 3.19)"))
        }
        lines += mapHelpers(f)
        lines.append(subordinateIDs(f, ranges: ranges, mapAuto: tried[mapAuto], several: several.map { tried[$0] }))
        lines.append(line("map-auto", tried[mapAuto], f) { !$0.isExec })
        if let proc {
            lines.append(
                line("mount-proc", tried[proc], f, detail: "with -f -p") {
                    if case .mountProc = $0 { return true }
                    return false
                })
        } else {
            lines.append(.absent("mount-proc", "no pid or mount namespaces here"))
        }
        if let binfmt {
            lines.append(
                line("binfmt-misc", tried[binfmt], f) {
                    if case .mountBinfmt = $0 { return true }
                    return false
                })
        } else {
            lines.append(.absent("binfmt-misc", "no binfmt_misc file system in /proc/filesystems"))
        }
        if present.contains(.time) {
            lines.append(
                line("time-offsets", single[.time] ?? namespaces, f, detail: "monotonic and boottime") {
                    if case .setTimeOffset = $0 { return true }
                    return false
                })
        } else {
            lines.append(.absent("time-offsets", "this kernel has no time namespaces"))
        }
        lines += limits(f, capabilities: single[.mount] ?? namespaces, user: present.contains(.user))
        lines += PodmanReport.lines(f.podman(tryMaps: false))
        return lines
    }

    // MARK: Trials

    /// A command refused before any step: its options when they parsed, and the failure.
    struct Refusal: Error {
        var options: Options?
        var failure: Failure
    }

    static func probe(_ words: [ByteString], _ f: some MachineFacts) -> Result<ReportProbe, Refusal> {
        switch Options.parse(["unshare"] + words, context: f) {
        case .failure(let e):
            return .failure(Refusal(options: nil, failure: e))
        case .success(.run(let o)):
            return Plan.build(o, context: f, pid: 0)
                .map { ReportProbe(arguments: words, options: o, plan: $0) }
                .mapError { Refusal(options: o, failure: $0) }
        case .success:
            return .failure(Refusal(options: nil, failure: Failure("not a command")))
        }
    }

    /// Each command parsed, planned and tried (all the trials at once).
    static func run(_ commands: [[ByteString]], _ f: some MachineFacts) -> [Tried] {
        let probes = commands.map { probe($0, f) }
        let ready = probes.compactMap { try? $0.get() }
        var results = f.trials(ready)[...]
        return zip(commands, probes).map { words, probe in
            switch probe {
            case .failure(let r): return .refused(words, r.options, r.failure)
            case .success(let p):
                guard let result = results.popFirst() ?? nil else { return .untried("could not be tried") }
                return .result(p, result)
            }
        }
    }

    static func unshared(_ t: Tried) -> Bool {
        guard case .result(let p, let r) = t else { return false }
        return zip(p.plan.steps, r.steps).contains { step, outcome in
            if case .unshare = step { return outcome == .ok }
            return false
        }
    }

    /// The line for the steps of a trial that `matches` picks: ok when each
    /// of them worked; else no, with the cause of the first failure on the way.
    static func line(
        _ name: String, _ t: Tried, _ f: some MachineFacts, detail: ByteString? = nil, _ matches: (Step) -> Bool
    ) -> Capability {
        switch t {
        case .untried(let why):
            return .no(name, reason: why)
        case .refused(let words, let o, let failure):
            return no(name, FailedOperation(failure), message: failure.message, words: words, options: o, plan: nil, f)
        case .result(let p, let r):
            for (step, outcome) in zip(p.plan.steps, r.steps) where matches(step) {
                switch outcome {
                case .ok: continue
                case .failed, .notReached:
                    guard let first = r.firstFailure else {
                        return .no(name, reason: "not tried: the trial ended early")
                    }
                    let said = String(decoding: r.output, as: UTF8.self).split(separator: "\n").first.map {
                        ByteString(String($0))
                    }
                    return no(
                        name, first.failure.operation, message: first.failure.message ?? said, words: p.arguments,
                        options: p.options, plan: p.plan, f)
                }
            }
            return .ok(name, detail)
        }
    }

    /// A no line: the hint's words when a detector names the cause, else the message.
    static func no(
        _ name: String, _ op: FailedOperation, message: ByteString?, words: [ByteString], options: Options?,
        plan: Plan?, _ f: some MachineFacts
    ) -> Capability {
        let s = HintSituation(arguments: ["unshare"] + words, options: options, plan: plan, failure: op)
        if let hint = Hints.first(s, facts: f) { return .no(name, hint) }
        return .no(name, reason: message ?? "failed")
    }

    // MARK: Subordinate ids and the helpers

    /// The caller's ranges in one file (or from NSS): every one, in order.
    static func allRanges(users: Bool, _ f: some MachineFacts) -> [SubordinateIDs.Entry] {
        guard let me = f.user(id: f.euid) else { return [] }
        let file = users ? "/etc/subuid" : "/etc/subgid"
        if let module = SubordinateIDs.nssModule(context: f) {
            return (try? SubordinateIDs.nssRanges(module: module, user: me, users: users, context: f).get()) ?? []
        }
        guard case .success(let text) = f.readFile(file) else { return [] }
        return (try? SubordinateIDs.ranges(in: text, file: file, user: me).get()) ?? []
    }

    /// Every range from inner id 0 on, one after the other, as options.
    static func laidOut(_ ranges: [SubordinateIDs.Entry], _ option: String) -> [ByteString] {
        var inner: UInt64 = 0
        var words: [ByteString] = []
        for r in ranges where inner + UInt64(r.count) <= UInt64(UInt32.max) {
            words.append("\(option)=\(inner):\(r.start):\(r.count)")
            inner += UInt64(r.count)
        }
        return words
    }

    static func subordinateIDs(
        _ f: some MachineFacts, ranges: (uid: [SubordinateIDs.Entry], gid: [SubordinateIDs.Entry]), mapAuto: Tried,
        several: Tried?
    ) -> Capability {
        let name = "subordinate-ids"
        let module = SubordinateIDs.nssModule(context: f)
        func list(_ r: [SubordinateIDs.Entry]) -> String { r.map { "\($0.start):\($0.count)" }.joined(separator: " ") }
        let source = module.map { " from the NSS module \($0)" } ?? ""
        let found: ByteString = "/etc/subuid \(list(ranges.uid)), /etc/subgid \(list(ranges.gid))\(source)"
        if ranges.uid.isEmpty || ranges.gid.isEmpty {
            if f.euid == 0 { return .absent(name, "root maps any ids without them") }
            let s = HintSituation(
                arguments: ["unshare", "--map-auto"], options: nil, plan: nil, failure: .noSubordinateRange)
            if let hint = Hints.first(s, facts: f) { return .no(name, hint) }
            return .no(name, reason: "no subordinate ids for this user\(source)")
        }
        if f.euid == 0 { return .ok(name, found) }
        let helpers: (Step) -> Bool = {
            if case .releaseMapHelper = $0 { return true }
            return false
        }
        for t in [mapAuto] + (several.map { [$0] } ?? []) {
            let l = line(name, t, f, helpers)
            if l.status != .ok { return l }
        }
        return .ok(name, found + "; newuidmap and newgidmap accept \(several == nil ? "them" : "every one")")
    }

    /// newuidmap and newgidmap: there, with their privilege, and which targets they take.
    static func mapHelpers(_ f: some MachineFacts) -> [Capability] {
        let predicted = HintSituation(
            arguments: ["unshare", "--map-auto"], options: nil,
            plan: Plan(steps: [.startMapHelper(.newIDMap(uid: [], gid: []))]), failure: nil)
        return ["newuidmap", "newgidmap"].map { (tool: ByteString) -> Capability in
            let name = "\(tool)"
            switch f.mapHelper(tool) {
            case .missing:
                if f.euid == 0 { return .absent(name, "not needed: root writes its maps itself") }
                guard let words = Hints.mapHelperMissing(tool, predicted, f) else { return .absent(name) }
                return .no(name, Hint(cause: .mapHelperMissing, reason: words.reason, fix: words.fix))
            case .found(let path, let setuid, let caps):
                if f.euid != 0, let words = Hints.mapHelperUnprivileged(tool, predicted, f) {
                    return .no(name, Hint(cause: .mapHelperUnprivileged, reason: words.reason, fix: words.fix))
                }
                if f.euid != 0, let hint = Hints.hint(.noNewPrivs, predicted, f) { return .no(name, hint) }
                var detail = "\(path), " + (setuid ? "setuid root" : caps ? "file capabilities" : "no privilege")
                if let usage = f.usage(of: path) {
                    detail +=
                        usage.bytes.containsSequence(Array("fd:<pidfd>".utf8))
                        ? ", takes a pid or fd:<pidfd>: shadow 4.14 or later"
                        : usage.bytes.containsSequence(Array("<pid>".utf8))
                            ? ", takes a pid only: shadow before 4.14" : ""
                }
                if f.euid == 0 { detail += "; not needed: root writes its maps itself" }
                return .ok(name, ByteString(detail))
            }
        }
    }

    // MARK: Limits

    static func limits(_ f: some MachineFacts, capabilities: Tried, user hasUser: Bool) -> [Capability] {
        let user = f.euid != 0
        let predicted = HintSituation(arguments: ["unshare", "-U"], options: userOptions, plan: nil, failure: nil)
        var lines: [Capability] = []
        switch f.sysctl("user/max_user_namespaces") {
        case nil: lines.append(.absent("max-user-namespaces"))
        case "0"?:
            lines.append(
                Hints.hint(.maxUserNamespacesZero, predicted, f).map { .no("max-user-namespaces", $0) }
                    ?? .no("max-user-namespaces", reason: "0"))
        case let value?: lines.append(.ok("max-user-namespaces", value))
        }
        if hasUser {
            let (count, stop) = f.nestingLeft()
            if count > 0 || stop == nil {
                lines.append(.ok("nesting-depth", "\(count) more user namespaces can be made one inside the other"))
            } else {
                var s = predicted
                s.failure = .unshare(stop ?? Errno(0))
                lines.append(
                    Hints.first(s, facts: f).map { .no("nesting-depth", $0) }
                        ?? .no("nesting-depth", reason: "no user namespace can be made here (\(stop ?? Errno(0)))"))
            }
        } else {
            lines.append(.absent("nesting-depth", "this kernel has no user namespaces"))
        }
        switch f.sysctl("kernel/unprivileged_userns_clone") {
        case nil: lines.append(.absent("unprivileged-userns-clone", "only Debian's older kernels have it"))
        case "0"? where user:
            lines.append(
                Hints.hint(.unprivilegedUsernsCloneOff, predicted, f).map { .no("unprivileged-userns-clone", $0) }
                    ?? .no("unprivileged-userns-clone", reason: "0"))
        case let value?:
            lines.append(.ok("unprivileged-userns-clone", user ? value : value + "; root is not bound by it"))
        }
        let restricted = f.sysctl("kernel/apparmor_restrict_unprivileged_userns")
        let powers = line("userns-capabilities", capabilities, f) {
            if case .setPropagation = $0 { return true }
            return false
        }
        switch restricted {
        case nil:
            lines.append(.absent("apparmor-userns-restriction", "no AppArmor restriction of user namespaces here"))
        case "1"? where user && powers.status != .ok:
            lines.append(
                Hints.hint(.apparmorRestrictsUserns, predicted, f).map { .no("apparmor-userns-restriction", $0) }
                    ?? .no("apparmor-userns-restriction", reason: "1"))
        case "1"? where user:
            lines.append(
                .ok("apparmor-userns-restriction", "1, but this program's AppArmor profile allows user namespaces"))
        case let value?:
            lines.append(.ok("apparmor-userns-restriction", user ? value : value + "; root is not bound by it"))
        }
        lines.append(hasUser ? powers : .absent("userns-capabilities", "this kernel has no user namespaces"))
        return lines
    }

    static var userOptions: Options {
        var o = Options()
        o.namespaces = [.user]
        return o
    }
}

extension Step {
    var isExec: Bool {
        switch self {
        case .exec, .execShell: return true
        default: return false
        }
    }
}
