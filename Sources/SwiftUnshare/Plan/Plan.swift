// SPDX-License-Identifier: Apache-2.0
/// How id maps get written (docs/unshare.md section 4), chosen from the maps
/// asked for and the caller, as unshare(1) chooses (docs/library.md).
public enum MapStrategy: Equatable, Sendable {
    /// No map at all: plain `-U`, or no user namespace (the program sees 65534).
    case none
    /// Single ids only (`-r`, `-c`, `--map-user`): the process writes its own
    /// one-line maps after unshare.
    case selfWrite
    /// Ranges (`--map-users`, `--map-auto`), effective uid 0: a helper writes
    /// /proc/<pid>/uid_map and gid_map.
    case privilegedHelper
    /// Ranges (`--map-users`, `--map-auto`), unprivileged: helpers run
    /// newuidmap and newgidmap, both at once.
    case newIDMapHelpers
}

/// A namespace to make persistent: its /proc/<pid>/ns file bound onto `file`.
package struct PersistTarget: Equatable, Sendable {
    package var namespace: Namespace
    package var file: ByteString
}

/// How the binds of persistent namespaces are made.
package enum PersistAction: Equatable, Sendable {
    /// Release the helper forked before unshare (it is still outside).
    case releaseHelper
    /// Bind /proc/<own pid>/ns/* directly onto the targets.
    case bindDirectly([PersistTarget])
}

package enum TimeClock: Equatable, Sendable {
    case monotonic, boottime
    /// The clock id written to /proc/self/timens_offsets.
    package var clockID: Int32 { self == .monotonic ? 1 : 7 }
}

/// One effect, in the order the kernel needs (docs/unshare.md section 3).
package enum Step: Equatable, Sendable {
    /// Fork the helper that binds the namespaces onto these files once released.
    case startBindHelper([PersistTarget])
    case startMapHelper(MapHelper)
    case becomeOwner(Owner)
    case unshare(Set<Namespace>)
    case releaseMapHelper
    case setTimeOffset(TimeClock, Int64)
    /// Fork; the parent persists namespaces (if asked), waits and mirrors the
    /// child's end; the child goes on with the next step.
    case fork(killChild: Int32?, forwardSignals: Bool, persist: PersistAction?)
    case persist(PersistAction)
    case writeUIDMap(SingleID)
    case writeSetgroups(SetgroupsMode)
    case writeGIDMap(SingleID)
    case setPropagation(Propagation)
    /// A fixed (`F`) interpreter with --root: mount binfmt_misc at `directory`
    /// and register before chroot.
    case loadFixedInterpreterBeforeChroot(directory: ByteString, definition: ByteString)
    case chroot(ByteString)
    case chdir(ByteString)
    /// --mount-proc when the propagation was changed and there is no --root.
    case makeMountPointPrivate(ByteString)
    case mountProc(ByteString)
    case mountBinfmt(ByteString)
    case loadInterpreter(directory: ByteString, definition: ByteString)
    case setgid(UInt32)
    case setuid(UInt32)
    case keepCapabilities
    case clearEnvironment(keep: [ByteString])
    case exec([ByteString])
    /// No program: a login shell (argv[0] "-" + its basename). `environment`
    /// is $SHELL as the shell will see it, when set and non-empty; without it
    /// the shell is chosen as it is executed (docs/unshare.md step 15): that of
    /// the passwd entry of getuid() then, inside the new namespace after the
    /// maps and -S (with -r, root's entry), else /bin/sh.
    case execShell(environment: ByteString?)
}

/// Everything swift-unshare will do, decided before anything is done. The
/// executor reads only `steps`; the views below are for tests and readers.
package struct Plan: Equatable, Sendable {
    package var steps: [Step]

    package init(steps: [Step]) { self.steps = steps }

    /// The map helper the steps start, if any.
    package var mapHelper: MapHelper? {
        for case .startMapHelper(let helper) in steps { return helper }
        return nil
    }

    /// How the maps get written.
    package var strategy: MapStrategy {
        switch mapHelper {
        case .privileged?: return .privilegedHelper
        case .newIDMap?: return .newIDMapHelpers
        case nil: return steps.contains { $0.selfWrite?.isMap ?? false } ? .selfWrite : .none
        }
    }

    /// Range maps for the helper (nil: that file is not written by the helper).
    package var uidMap: [IDRange]? { mapHelper?.uidMap }
    package var gidMap: [IDRange]? { mapHelper?.gidMap }

    /// The namespaces made persistent, in binding order: the bind helper's,
    /// or those this process binds itself (after --fork, the parent).
    package var persistTargets: [PersistTarget] {
        for case .startBindHelper(let targets) in steps { return targets }
        for case .persist(.bindDirectly(let targets)) in steps { return targets }
        for case .fork(_, _, .bindDirectly(let targets)?) in steps { return targets }
        return []
    }
}
