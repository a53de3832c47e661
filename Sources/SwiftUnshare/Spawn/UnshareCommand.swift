// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Where a standard descriptor (0, 1 or 2) of a spawned program comes from
/// (`spawn()`). unshare(1) has no option: its program has the shell's.
public enum StandardIO: Equatable, Sendable {
    /// The caller's own descriptor of the same number, as unshare(1)'s program has the shell's.
    case inherit
    /// This descriptor of the caller (it stays open in the caller; the child
    /// gets a copy): `unshare ... >file` in a shell (unshare(1) has no option).
    case fd(Int32)
}

/// One range request of a user or group map: what `--map-users` / `--map-groups` take.
public enum IDRangeSource: Equatable, Sendable {
    /// `--map-users inner:outer:count`: `count` ids from `inner` inside are
    /// those from `outer` outside.
    case range(inner: UInt32, outer: UInt32, count: UInt32)
    /// `--map-users auto`: the caller's first /etc/subuid (/etc/subgid) range, from inner id 0.
    case auto
    /// `--map-users subids`: the caller's first /etc/subuid (/etc/subgid)
    /// range, mapped to itself.
    case subids
    /// `--map-users all`: every range of the caller's own /proc/self/uid_map
    /// (gid_map), mapped to itself.
    case all
}

/// The id maps of a new user namespace, as unshare(1)'s options describe them.
/// A single id and ranges are merged exactly as the CLI merges them
/// (docs/library.md); resolution happens at spawn time.
public struct IDMapping: Equatable, Sendable {
    /// `--map-user`: this uid inside is the caller's effective uid.
    public var user: UInt32?
    /// `--map-group`: this gid inside is the caller's effective gid.
    public var group: UInt32?
    /// `--map-users`, in order.
    public var userRanges: [IDRangeSource]
    /// `--map-groups`, in order.
    public var groupRanges: [IDRangeSource]

    /// Any combination of the four (`--map-user`, `--map-group`,
    /// `--map-users`, `--map-groups`); the empty one is `.none`. Throws
    /// nothing: a bad combination is refused by `spawn()`, as unshare(1) refuses it.
    public init(
        user: UInt32? = nil, group: UInt32? = nil,
        userRanges: [IDRangeSource] = [], groupRanges: [IDRangeSource] = []
    ) {
        self.user = user
        self.group = group
        self.userRanges = userRanges
        self.groupRanges = groupRanges
    }

    /// No map: a new user namespace (if asked for, `-U`) in which the program is 65534.
    public static var none: IDMapping { IDMapping() }
    /// `--map-root-user`: root inside is the caller outside.
    public static var root: IDMapping { IDMapping(user: 0, group: 0) }
    /// `--map-current-user`: the caller's ids, the same inside and out.
    public static var current: IDMapping { IDMapping(user: geteuid(), group: getegid()) }
    /// `--map-auto`: the caller's first subordinate ranges, from id 0.
    public static var auto: IDMapping { IDMapping(userRanges: [.auto], groupRanges: [.auto]) }
    /// `--map-subids`: the caller's first subordinate ranges, mapped to themselves.
    public static var subids: IDMapping { IDMapping(userRanges: [.subids], groupRanges: [.subids]) }

    /// Both descriptions at once (`-r --map-auto` is `.root + .auto`): the
    /// right-hand single ids win, the ranges of both are kept in order.
    public static func + (lhs: IDMapping, rhs: IDMapping) -> IDMapping {
        IDMapping(
            user: rhs.user ?? lhs.user, group: rhs.group ?? lhs.group,
            userRanges: lhs.userRanges + rhs.userRanges, groupRanges: lhs.groupRanges + rhs.groupRanges)
    }

    /// No map asked for (`.none`): none of unshare(1)'s map options.
    public var isEmpty: Bool { self == .none }
}

/// A program to start in new namespaces: the library form of an unshare(1)
/// command line, for threaded programs (docs/library.md).
public struct UnshareCommand: Equatable, Sendable {
    /// A name looked up in `PATH` as execvp(3) does, or a path (with a
    /// slash): unshare(1)'s program operand.
    public var executable: ByteString
    /// The arguments after argv[0]: the words after unshare(1)'s program operand.
    public var arguments: [ByteString]
    /// argv[0]; nil: `executable`, as unshare(1) passes it (it has no option to change it).
    public var argv0: ByteString?
    /// The environment, `NAME=value` each; nil: the caller's. Its `PATH` is
    /// the one the executable is looked up in. unshare(1) has no option: it
    /// passes its own (`env -i ... unshare ...` in a shell).
    public var environment: [ByteString]?
    /// The child's working directory; nil: the caller's. unshare(1)'s `--wd`.
    public var workingDirectory: ByteString?
    /// The program's descriptor 0 (`spawn()`; `run` sets its own). unshare(1)
    /// has no option: its program has the shell's.
    public var standardInput: StandardIO = .inherit
    /// The program's descriptor 1 (`spawn()`; `run` sets its own). unshare(1)
    /// has no option: its program has the shell's.
    public var standardOutput: StandardIO = .inherit
    /// The program's descriptor 2 (`spawn()`; `run` sets its own). unshare(1)
    /// has no option: its program has the shell's.
    public var standardError: StandardIO = .inherit
    /// The namespaces to create: unshare(1)'s `-U`, `-C`, `-i`, `-u`, `-n`,
    /// `-p`, `-m`, `-T` (`Namespace`); a non-empty `idMapping` adds `.user`.
    public var namespaces: Set<Namespace> = []
    /// The id maps: `-r`, `-c`, `--map-user`, `--map-group`, `--map-users`,
    /// `--map-groups`, `--map-auto`, `--map-subids` (`IDMapping`).
    public var idMapping: IDMapping = .none
    /// `--setgroups`: written after the maps, as the CLI does.
    public var setgroups: SetgroupsMode?
    /// `--propagation` for a new mount namespace (private by default, as the CLI).
    public var propagation: Propagation = .private
    /// Kill on parent death: the signal the program gets when the calling
    /// process ends (PR_SET_PDEATHSIG, tied to a thread that lives as long as
    /// the process). nil: the program outlives the caller. unshare(1)'s
    /// `--kill-child[=signal]` does the same for its `--fork` child.
    public var parentDeathSignal: Int32?
    /// setsid(2) before exec: the program leads a session (and process group)
    /// of its own, with no controlling terminal, as a daemon does; a terminal's
    /// ^C no longer reaches it. unshare(1) has no option (`setsid unshare ...`
    /// in a shell).
    public var newSession = false
    /// Signals (1...64) the program starts with ignored (SIG_IGN survives
    /// exec); every other signal starts at its default action. unshare(1)
    /// has no option: its program inherits the shell's ignored signals.
    public var ignoredSignals: Set<Int32> = []
    /// Signals (1...64) blocked in the mask the program starts with (default:
    /// an empty mask). unshare(1) has no option: its program inherits the shell's mask.
    public var blockedSignals: Set<Int32> = []
    /// Tests only: clone(2) and pidfd_open(2) instead of clone3(2), as on a
    /// kernel without clone3. No unshare(1) option.
    public var _forceCloneFallback = false

    // Package-internal options of podman mode, the CLI's use of this API
    // (docs/library.md). Each one is right only for a single-threaded caller
    // or for podman's own conventions, so none is part of the public API.

    /// The caller's descriptors that are not close-on-exec reach the program,
    /// as Go's exec (and so `podman unshare cmd 3<file`) passes them on.
    /// Safe only in a single-threaded caller: in a threaded one, another
    /// thread's descriptors would leak into the child.
    package var _keepInheritedDescriptors = false
    /// Kill on parent death without the library's thread: the calling thread
    /// lives as long as the process (the CLI's only thread), so the clone
    /// happens right here and no thread is started.
    package var _cloneOnCallingThread = false
    /// A file without `#!` is an exec error (ENOEXEC), not run by /bin/sh: Go's exec.
    package var _noShellRetry = false
    /// When no candidate of the executable can be executed, the child does not
    /// fail: it takes this name (PR_SET_NAME) and waits for signals forever,
    /// with the signal state asked for (podman's own pause loop when no
    /// catatonit is installed). The spawn then succeeds.
    package var _idleNameWhenNoProgram: ByteString?
    /// newuidmap and newgidmap (in that order) at exactly these paths (argv[0]
    /// the path too, no /bin/sh retry), as podman runs the paths it looked up.
    package var _idMapperPaths: [ByteString]?
    /// The words newuidmap and newgidmap (in that order) get after the pid,
    /// verbatim, instead of the merged maps' lines: podman passes every
    /// subordinate line as it is (a count of 0, or one past 32 bits,
    /// included) and lets the tools judge. The id mapping still picks the
    /// strategy and which tools run.
    package var _idMapperArguments: [[ByteString]]?

    /// unshare(1) with no options, `unshare executable arguments...`: no new
    /// namespace, no map, the caller's environment, directory and descriptors
    /// 0-2. Throws nothing: `spawn()` judges the description.
    public init(_ executable: ByteString, arguments: [ByteString] = []) {
        self.executable = executable
        self.arguments = arguments
    }
}
