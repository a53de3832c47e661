// SPDX-License-Identifier: Apache-2.0
/// A command the report tries: unshare's words after the program name, and
/// what they parse and plan into.
package struct ReportProbe: Equatable, Sendable {
    package var arguments: [ByteString]
    package var options: Options
    package var plan: Plan
}

/// What the report of --check reads beyond the hints' facts: the trials of a
/// few representative commands (each tried exactly as --check tries a
/// command), and a few things only a process can find out. The live
/// implementation is `LiveMachine`; unit tests pass plain values, so every
/// line of the report can be pinned without root (AppArmor, a powerless
/// namespace, the limits).
package protocol MachineFacts: SystemFacts {
    /// Each probe tried in a throwaway child, its output kept (not shown):
    /// one result each, nil where no trial could be made.
    func trials(_ probes: [ReportProbe]) -> [CheckResult?]
    /// How many user namespaces could be made one inside the other from
    /// here, and the errno that stopped the count (nil: the count stopped at 40).
    func nestingLeft() -> (count: Int, stop: Errno?)
    /// What newuidmap or newgidmap at `path` prints when run with no
    /// argument (its usage line, which tells which targets it takes).
    func usage(of path: ByteString) -> ByteString?
    /// What podman mode would find; with `tryMaps`, podman's maps are tried
    /// on a pause process that is killed at once when none runs.
    func podman(tryMaps: Bool) -> PodmanFacts
}

/// What the report says of podman mode's path.
package struct PodmanFacts: Equatable, Sendable {
    /// podman mode's plan, or podman's refusal (root, a directory it would refuse).
    package var plan: Result<PodmanPlan, Failure>
    package enum Pause: Equatable, Sendable {
        /// None runs (no pid file, or a stale one).
        case none
        /// It runs, and a throwaway child joined its namespaces (`failure` nil), or could not.
        case running(pid: Int32, failure: ByteString?)
    }
    package var pause: Pause = .none
    /// The running pause process's uid_map and gid_map, as the kernel shows them.
    package var pauseUIDMap: [UInt8]?
    package var pauseGIDMap: [UInt8]?
    /// With no pause process: podman's maps tried on a pause process killed
    /// at once (nil: not tried; a failure in podman's words).
    package var mapsTrial: Tried?
    package enum Tried: Equatable, Sendable {
        case worked
        case failed(Failure)
    }
    package var catatonit: ByteString?
    package var slirp4netns: ByteString?
    /// Opening /dev/net/tun (nil: it opened).
    package var tun: Errno?
    /// The rootless network namespace is bound at its path.
    package var rootlessNetns = false

    package init(plan: Result<PodmanPlan, Failure>) { self.plan = plan }
}
