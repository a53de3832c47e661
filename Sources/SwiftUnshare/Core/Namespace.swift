// SPDX-License-Identifier: Apache-2.0
import CUnshareSys

/// The namespace kinds, in the order util-linux binds persistent ones
/// (`UnshareCommand.namespaces`; each is one of unshare(1)'s options).
public enum Namespace: CaseIterable, Sendable, Hashable {
    /// `--user` (`-U`): ids and capabilities.
    case user
    /// `--cgroup` (`-C`): the cgroup root.
    case cgroup
    /// `--ipc` (`-i`): System V IPC and POSIX message queues.
    case ipc
    /// `--uts` (`-u`): host and domain name.
    case uts
    /// `--net` (`-n`): network devices, addresses, ports.
    case net
    /// `--pid` (`-p`): process ids (the spawned program is pid 1 inside).
    case pid
    /// `--mount` (`-m`): the mount table.
    case mount
    /// `--time` (`-T`): the boot and monotonic clocks' offsets.
    case time

    /// The CLONE_NEW* flag for unshare(2): the one unshare(1)'s option asks for.
    public var cloneFlag: Int32 {
        switch self {
        case .user: return cu_CLONE_NEWUSER
        case .cgroup: return cu_CLONE_NEWCGROUP
        case .ipc: return cu_CLONE_NEWIPC
        case .uts: return cu_CLONE_NEWUTS
        case .net: return cu_CLONE_NEWNET
        case .pid: return cu_CLONE_NEWPID
        case .mount: return cu_CLONE_NEWNS
        case .time: return cu_CLONE_NEWTIME
        }
    }

    /// The file under /proc/<pid>/ that a persistent namespace is bound from
    /// (pid and time: the namespace the *children* will be in), as
    /// unshare(1)'s `--user=file` and the like bind it.
    public var procFile: String {
        switch self {
        case .user: return "ns/user"
        case .cgroup: return "ns/cgroup"
        case .ipc: return "ns/ipc"
        case .uts: return "ns/uts"
        case .net: return "ns/net"
        case .pid: return "ns/pid_for_children"
        case .mount: return "ns/mnt"
        case .time: return "ns/time_for_children"
        }
    }

    /// The union of the clone flags of `set`: several of unshare(1)'s
    /// options at once (`-Umn`).
    public static func flags(_ set: Set<Namespace>) -> Int32 {
        set.reduce(0) { $0 | $1.cloneFlag }
    }
}
