// SPDX-License-Identifier: Apache-2.0
import Glibc

/// One newuidmap or newgidmap run: its failure step and its argv.
package struct IDMapperRequest: Equatable, Sendable {
    package var step: HelperStep
    package var argv: [ByteString]

    package init(_ step: HelperStep, argv: [ByteString]) {
        self.step = step
        self.argv = argv
    }
}

/// A helper child, waiting to be released (CUnshareSys's cu_helper_handle).
package struct HelperHandle: Equatable, Sendable {
    package var pid: Int32
    /// The release end, or -1 when another helper's releases this one too
    /// (newuidmap and newgidmap, released by one write).
    package var releaseFD: Int32
    package var reportFD: Int32
    /// The read end of its held stderr, or -1.
    package var stderrFD: Int32
    /// The helpers `releaseFD` releases.
    package var releaseCount: Int32

    package init(pid: Int32, releaseFD: Int32, reportFD: Int32, stderrFD: Int32 = -1, releaseCount: Int32 = 1) {
        self.pid = pid
        self.releaseFD = releaseFD
        self.reportFD = reportFD
        self.stderrFD = stderrFD
        self.releaseCount = releaseCount
    }
}

/// A helper's failure record.
package struct HelperReport: Equatable, Sendable {
    package var step: HelperStep
    package var errno: Errno
    package var index: Int

    package init(step: HelperStep, errno: Errno, index: Int = 0) {
        self.step = step
        self.errno = errno
        self.index = index
    }
}

/// Every effect of the executor, the id-map helpers and the fork path. The
/// live implementation calls the system (`LiveSystemCalls`); a recording
/// fake lets unit tests check the order of effects without root.
package protocol SystemCalls {
    func unshare(_ flags: Int32) -> Result<Void, Errno>
    func mount(_ source: ByteString?, _ target: ByteString, _ type: ByteString?, _ flags: UInt) -> Result<Void, Errno>
    func setgroupsNone() -> Result<Void, Errno>
    func setgid(_ gid: UInt32) -> Result<Void, Errno>
    func setuid(_ uid: UInt32) -> Result<Void, Errno>
    func chroot(_ path: ByteString) -> Result<Void, Errno>
    func chdir(_ path: ByteString) -> Result<Void, Errno>
    func open(_ path: ByteString, _ flags: Int32) -> Result<Int32, Errno>
    func openAt(_ dirfd: Int32, _ name: ByteString, _ flags: Int32) -> Result<Int32, Errno>
    func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Result<Void, Errno>
    func readAll(_ fd: Int32) -> Result<[UInt8], Errno>
    func close(_ fd: Int32)
    /// Raise every permitted capability into ambient; on failure, the call that failed.
    func raiseAmbientCapabilities() -> Result<Void, Failure>
    func clearEnvironment(keeping names: [ByteString])
    /// Return only on failure.
    func execvp(_ argv: [ByteString]) -> Errno
    func execv(_ path: ByteString, _ argv: [ByteString]) -> Errno
    /// The shell of the passwd entry of getuid() as it is now (inside the new
    /// namespace: after the maps and -S), when there is one and it is not empty.
    func shellOfCurrentUser() -> ByteString?

    func defaultSignal(_ signal: Int32) -> Result<Void, Errno>
    func blockSignals(_ signals: [Int32]) -> Result<Void, Errno>
    func forwardSignals(_ signals: [Int32]) -> Result<Void, Errno>
    func setForwardTarget(_ pid: Int32)
    func resetForwardedSignals() -> Result<Void, Errno>
    func restoreSignalMask() -> Result<Void, Errno>
    func unblockSignal(_ signal: Int32) -> Result<Void, Errno>
    /// kill(getpid(), signal).
    func raise(_ signal: Int32)
    func pidfdOpen(_ pid: Int32) -> Result<Int32, Errno>
    func pidfdEnded(_ fd: Int32) -> Result<Bool, Errno>
    func setParentDeathSignal(_ signal: Int32) -> Result<Void, Errno>
    func fork() -> Result<Int32, Errno>
    func wait(_ pid: Int32) -> Result<ProcessEnding, Errno>

    /// Root: one helper writing both map files through `procDirFD`.
    func spawnMapWriter(
        target: Int32, procDirFD: Int32, uidMap: ByteString?,
        gidMap: ByteString?
    ) -> Result<HelperHandle, Errno>
    /// One held newuidmap/newgidmap process per tool (`argv[0]` is the
    /// tool's name), forked back to back from buffers all built beforehand:
    /// whatever the parent writes after a fork it pays for in copy-on-write
    /// faults, so nothing of the next tool is built between the forks. Every
    /// tool after the first holds its stderr and closes the first one's
    /// release end. On a failure, those already forked are left to end on
    /// their release pipe's end of file.
    func spawnIDMappers(_ tools: [IDMapperRequest], target: Int32, targetPidfd: Int32) -> Result<
        [HelperHandle], Errno
    >
    func spawnBindHelper(target: Int32, sources: [ByteString], targets: [ByteString]) -> Result<HelperHandle, Errno>
    func releaseHelper(_ handle: HelperHandle) -> Result<Void, Errno>
    /// Waits for a released helper: how it ended and its failure record, if any.
    func waitHelper(_ handle: HelperHandle) -> Result<(ProcessEnding, HelperReport?), Errno>
}
