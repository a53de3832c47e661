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

    /// The union of the clone flags of `set`.
    package static func flags(_ set: NamespaceSet) -> Int32 {
        set.reduce(0) { $0 | $1.cloneFlag }
    }

    /// This kind's bit in a `NamespaceSet`.
    var bit: UInt8 {
        switch self {
        case .user: return 1 << 0
        case .cgroup: return 1 << 1
        case .ipc: return 1 << 2
        case .uts: return 1 << 3
        case .net: return 1 << 4
        case .pid: return 1 << 5
        case .mount: return 1 << 6
        case .time: return 1 << 7
        }
    }
}

/// A set of namespace kinds, a bit each, iterated in `Namespace`'s order (the
/// order util-linux binds persistent ones). The command line's path uses it
/// rather than `Set<Namespace>`: a `Set` of an enum of our own makes the Swift
/// runtime build generic metadata at start and register the standard
/// library's prespecialisations, and hashes besides, which touched a dozen
/// pages of the standard library's code on every start (BENCHMARKS.md).
package struct NamespaceSet: Sequence, ExpressibleByArrayLiteral, Equatable, Hashable, Sendable {
    private var bits: UInt8

    package init() { bits = 0 }
    package init(arrayLiteral kinds: Namespace...) {
        bits = 0
        for kind in kinds { insert(kind) }
    }
    /// The kinds of a `Set` (the library's `UnshareCommand.namespaces`).
    package init(_ kinds: Set<Namespace>) {
        bits = 0
        for kind in kinds { insert(kind) }
    }

    package var isEmpty: Bool { bits == 0 }
    package func contains(_ kind: Namespace) -> Bool { bits & kind.bit != 0 }
    package mutating func insert(_ kind: Namespace) { bits |= kind.bit }
    package mutating func formUnion(_ other: NamespaceSet) { bits |= other.bits }

    package struct Iterator: IteratorProtocol {
        fileprivate var rest: UInt8
        package mutating func next() -> Namespace? {
            guard rest != 0 else { return nil }
            let lowest = rest & (0 &- rest)
            rest &= ~lowest
            return Namespace(bit: lowest)
        }
    }
    package func makeIterator() -> Iterator { Iterator(rest: bits) }
}

extension Namespace {
    /// The kind whose bit is `bit` (exactly one bit set).
    fileprivate init(bit: UInt8) {
        switch bit {
        case 1 << 0: self = .user
        case 1 << 1: self = .cgroup
        case 1 << 2: self = .ipc
        case 1 << 3: self = .uts
        case 1 << 4: self = .net
        case 1 << 5: self = .pid
        case 1 << 6: self = .mount
        default: self = .time
        }
    }
}

/// A namespace to make persistent: its /proc/<pid>/ns file bound onto `file`.
package struct PersistTarget: Equatable, Sendable {
    package var namespace: Namespace
    package var file: ByteString
}
