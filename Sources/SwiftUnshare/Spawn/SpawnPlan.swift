// SPDX-License-Identifier: Apache-2.0
import Glibc

/// What a spawn will do, decided before anything is done: the CLI's own
/// option resolution and plan builder (Options, IDMapMerge, Plan.build) run
/// on the command's description, so the strategy, the merged maps and the
/// order of the child's writes are the CLI's.
struct SpawnPlan: Equatable {
    var strategy: MapStrategy
    var namespaces: NamespaceSet
    /// Maps written from outside (privileged write or newuidmap/newgidmap).
    var uidMap: [IDRange]?
    var gidMap: [IDRange]?
    /// The child's own writes, in the CLI's order (uid_map, setgroups, gid_map, setgroups).
    var childWrites: [SelfWrite]
    /// Mount flags for "/" in a new mount namespace (0: unchanged).
    var propagation: UInt

    static func resolve(_ command: UnshareCommand, context: SystemContext) -> Result<SpawnPlan, Failure> {
        for signal in command.ignoredSignals.union(command.blockedSignals).sorted()
        where !(1...64).contains(signal) || signal == SIGKILL || signal == SIGSTOP {
            return .failure(Failure("invalid signal number \(signal): not a signal that can be ignored or blocked"))
        }
        var o = Options()
        o.namespaces = NamespaceSet(command.namespaces)
        let m = command.idMapping
        if !m.isEmpty { o.namespaces.insert(.user) }
        o.mapUser = m.user
        o.mapGroup = m.group
        for (sources, users) in [(m.userRanges, true), (m.groupRanges, false)] {
            for source in sources {
                let resolved: Result<[RequestedRange], Failure>
                switch source {
                case .range(let inner, let outer, let count):
                    resolved = .success([RequestedRange(inner: inner, outer: outer, count: count)])
                case .auto: resolved = Options.ranges("auto", users: users, context: context)
                case .subids: resolved = Options.ranges("subids", users: users, context: context)
                case .all: resolved = Options.ranges("all", users: users, context: context)
                }
                switch resolved {
                case .failure(let f): return .failure(f)
                case .success(let list):
                    if users { o.userRanges += list } else { o.groupRanges += list }
                }
            }
        }
        o.setgroups = command.setgroups
        o.propagation = command.propagation
        o.command = [command.executable]

        let plan: Plan
        switch Plan.build(o, context: context, pid: getpid()) {
        case .failure(let f): return .failure(f)
        case .success(let p): plan = p
        }
        var writes: [SelfWrite] = []
        var propagation: UInt = 0
        for step in plan.steps {
            switch step {
            case .writeUIDMap, .writeGIDMap, .writeSetgroups:
                if let file = step.selfWrite { writes.append(file) }
            case .setPropagation(let mode):
                propagation = mode.mountFlags
            case .startMapHelper, .unshare, .releaseMapHelper, .exec:
                break  // the spawn's own: the clone, the maps from outside, the exec
            case .startBindHelper, .becomeOwner, .setTimeOffset, .fork, .persist, .loadFixedInterpreterBeforeChroot,
                .chroot, .chdir, .makeMountPointPrivate, .mountProc, .mountBinfmt, .loadInterpreter, .setgid, .setuid,
                .keepCapabilities, .clearEnvironment, .execShell:
                // No field of UnshareCommand asks for these (the options above are all it sets):
                // a step added to both must be carried out by the spawn before it can be planned here.
                return .failure(Failure("cannot spawn: the plan has a step only the CLI carries out (\(step))"))
            }
        }
        return .success(
            SpawnPlan(
                strategy: plan.strategy, namespaces: o.namespaces, uidMap: plan.uidMap,
                gidMap: plan.gidMap, childWrites: writes, propagation: propagation))
    }
}
