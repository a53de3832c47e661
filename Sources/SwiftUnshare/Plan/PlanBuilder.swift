// SPDX-License-Identifier: Apache-2.0
extension Plan {
    /// Decides every step from the options, with no effect on the system.
    /// `pid` is the caller's pid (for util-linux's texts that name /proc/<pid>).
    package static func build(_ o: Options, context: SystemContext, pid: Int32) -> Result<Plan, Failure> {
        var mapUser = o.mapUser
        var mapGroup = o.mapGroup
        var uidMap: [IDRange]?
        var gidMap: [IDRange]?
        // A single id joins the ranges when there are ranges, or with --owner.
        if !o.userRanges.isEmpty || (mapUser != nil && o.owner != nil) {
            let lines = IDMapMerge.merge(
                single: mapUser.map { SingleID(inner: $0, outer: context.euid) },
                ranges: o.userRanges)
            uidMap = lines.isEmpty ? nil : lines
            mapUser = nil
        }
        if !o.groupRanges.isEmpty || (mapGroup != nil && o.owner != nil) {
            let lines = IDMapMerge.merge(
                single: mapGroup.map { SingleID(inner: $0, outer: context.egid) },
                ranges: o.groupRanges)
            gidMap = lines.isEmpty ? nil : lines
            mapGroup = nil
        }

        let strategy: MapStrategy
        if uidMap != nil || gidMap != nil {
            strategy = context.euid == 0 ? .privilegedHelper : .newIDMapHelpers
        } else {
            strategy = (mapUser != nil || mapGroup != nil) ? .selfWrite : .none
        }
        if strategy == .privilegedHelper {
            for (name, lines) in [("uid_map", uidMap), ("gid_map", gidMap)] {
                if let lines, IDRange.mapText(lines).bytes.count > 4096 {
                    return .failure(Failure("/proc/\(pid)/\(name) too large for kernel 4k limit"))
                }
            }
        }
        if mapGroup != nil && o.setgroups == .allow {
            return .failure(Failure("options --setgroups=allow and --map-group are mutually exclusive"))
        }

        let persistTargets = Namespace.allCases.compactMap { ns in
            o.persist[ns].map { PersistTarget(namespace: ns, file: $0) }
        }
        let persistViaHelper =
            !persistTargets.isEmpty
            && (o.namespaces.contains(.mount) || o.namespaces.contains(.user))
        let persistAction: PersistAction? =
            persistTargets.isEmpty ? nil : (persistViaHelper ? .releaseHelper : .bindDirectly(persistTargets))

        var steps: [Step] = []
        if persistViaHelper { steps.append(.startBindHelper(persistTargets)) }
        if uidMap != nil || gidMap != nil {
            steps.append(
                .startMapHelper(
                    strategy == .privilegedHelper
                        ? .privileged(uid: uidMap, gid: gidMap) : .newIDMap(uid: uidMap, gid: gidMap)))
        }
        if let owner = o.owner { steps.append(.becomeOwner(owner)) }
        steps.append(.unshare(o.namespaces))
        if uidMap != nil || gidMap != nil { steps.append(.releaseMapHelper) }
        if let boottime = o.boottime { steps.append(.setTimeOffset(.boottime, boottime)) }
        if let monotonic = o.monotonic { steps.append(.setTimeOffset(.monotonic, monotonic)) }
        if o.fork {
            steps.append(.fork(killChild: o.killChildSignal, forwardSignals: o.forwardSignals, persist: persistAction))
        } else if let persistAction {
            steps.append(.persist(persistAction))
        }
        if let mapUser { steps.append(.writeUIDMap(SingleID(inner: mapUser, outer: context.euid))) }
        if let mapGroup {
            steps.append(.writeSetgroups(.deny))
            steps.append(.writeGIDMap(SingleID(inner: mapGroup, outer: context.egid)))
        }
        if let mode = o.setgroups { steps.append(.writeSetgroups(mode)) }
        if o.namespaces.contains(.mount) && o.propagation != .unchanged {
            steps.append(.setPropagation(o.propagation))
        }

        let fixedBeforeChroot = o.loadInterp.map { isFixed($0) && o.root != nil } ?? false
        if fixedBeforeChroot, let interp = o.loadInterp {
            steps.append(.loadFixedInterpreterBeforeChroot(directory: fixedInterpreterDirectory, definition: interp))
        }
        var workingDirectory = o.workingDirectory
        if let root = o.root {
            steps.append(.chroot(root))
            workingDirectory = workingDirectory ?? "/"
        }
        if let dir = workingDirectory { steps.append(.chdir(dir)) }
        if let proc = o.mountProc {
            if o.root == nil && o.propagation != .private { steps.append(.makeMountPointPrivate(proc)) }
            steps.append(.mountProc(proc))
        }
        if let binfmt = o.mountBinfmt { steps.append(.mountBinfmt(binfmt)) }
        if let interp = o.loadInterp, !fixedBeforeChroot, let binfmt = o.mountBinfmt {
            steps.append(.loadInterpreter(directory: binfmt, definition: interp))
        }
        if let gid = o.setgid { steps.append(.setgid(gid)) }
        if let uid = o.setuid { steps.append(.setuid(uid)) }
        if o.keepCaps && o.namespaces.contains(.user) { steps.append(.keepCapabilities) }
        if o.clearEnvironment || o.keepEnvironment != nil {
            steps.append(.clearEnvironment(keep: o.keepEnvironment ?? []))
        }
        if o.command.isEmpty {
            steps.append(.execShell(environment: shellVariable(o, context: context)))
        } else {
            steps.append(.exec(o.command))
        }
        return .success(Plan(steps: steps))
    }

    /// Where a fixed interpreter is registered before chroot: the system's binfmt_misc.
    static let fixedInterpreterDirectory: ByteString = "/proc/sys/fs/binfmt_misc"

    /// A binfmt definition whose flags (after the last ':') include `F`.
    static func isFixed(_ definition: ByteString) -> Bool {
        guard let colon = definition.bytes.lastIndex(of: UInt8(ascii: ":")) else { return false }
        return definition.bytes[colon...].contains(UInt8(ascii: "F"))
    }

    /// $SHELL when the shell will still see it (after --clear-env or
    /// --whitelist-env) and it is not empty. The passwd entry is read only at
    /// exec, inside the namespace, where getuid() may differ from ours.
    static func shellVariable(_ o: Options, context: SystemContext) -> ByteString? {
        let shellKept = o.keepEnvironment.map { $0.contains("SHELL") } ?? !o.clearEnvironment
        guard shellKept, let shell = context.environment("SHELL"), !shell.isEmpty else { return nil }
        return shell
    }
}
