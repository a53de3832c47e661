// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// Every effect of --check beyond the executor's and podman mode's (whose
/// seams it refines: a check tries both modes' paths): the throwaway children
/// a check runs its trials in, what they write back, and the temporary files
/// persistent namespaces are tried on. The live implementation is
/// LiveSystemCalls; unit tests use a recording fake.
package protocol CheckSystemCalls: PodmanSystemCalls {
    /// A file with no name (memfd_create(2), close-on-exec) for what a
    /// throwaway child writes back; it is gone when its last descriptor closes.
    func anonymousFile(_ name: ByteString) -> Result<Int32, Errno>
    /// Everything written to such a file, from its start.
    func contents(_ fd: Int32) -> Result<[UInt8], Errno>
    /// dup2(2): `fd` also as `target` (a trial's stderr onto its capture).
    func duplicate(_ fd: Int32, onto target: Int32) -> Result<Void, Errno>
    /// prctl(PR_SET_CHILD_SUBREAPER): a descendant whose parent ends becomes
    /// this process's child, so the check reaps every process a trial made.
    func becomeSubreaper() -> Result<Void, Errno>
    /// Waits for any child (EINTR retried): its pid and end, nil when none is left.
    func waitAny() -> (pid: Int32, ending: ProcessEnding)?
    /// _exit(2): the end of a throwaway child.
    func exitNow(_ status: Int32) -> Never
    /// What execvp(3) (`search`: along PATH as it is now) or execv(3) would
    /// fail with for `program`, found without executing anything; nil when it
    /// would find a file it may execute.
    func probeExecutable(_ program: ByteString, search: Bool) -> Errno?
    /// mkdtemp(3) of `prefix` + "XXXXXX".
    func makeTemporaryDirectory(_ prefix: ByteString) -> Result<ByteString, Errno>
    /// umount2(2) with MNT_DETACH.
    func unmount(_ path: ByteString) -> Result<Void, Errno>
    /// rmdir(2).
    func removeDirectory(_ path: ByteString) -> Result<Void, Errno>
}

extension LiveSystemCalls: CheckSystemCalls {
    package func anonymousFile(_ name: ByteString) -> Result<Int32, Errno> {
        valueOrErrno { name.withCString { cu_memfd($0) } }
    }

    package func contents(_ fd: Int32) -> Result<[UInt8], Errno> {
        valueOrErrno { lseek(fd, 0, SEEK_SET) }.flatMap { _ in Sys.readAll(fd) }
    }

    package func duplicate(_ fd: Int32, onto target: Int32) -> Result<Void, Errno> {
        nothingOrErrno { dup2(fd, target) }
    }

    package func becomeSubreaper() -> Result<Void, Errno> { nothingOrErrno { cu_set_child_subreaper() } }

    package func waitAny() -> (pid: Int32, ending: ProcessEnding)? {
        var status: Int32 = 0
        guard case .success(let pid) = valueOrErrno({ waitpid(-1, &status, 0) }) else { return nil }
        return (pid, ProcessEnding(status: status))
    }

    package func exitNow(_ status: Int32) -> Never { _exit(status) }

    package func probeExecutable(_ program: ByteString, search: Bool) -> Errno? {
        let path = search ? getenv("PATH").map { ByteString(cString: $0) } : nil
        let candidates = search ? ExecPath.candidates(program, path: path) : [program]
        // execvp's loop: a candidate that is not there is passed over, one it
        // may not execute is remembered (EACCES wins at the end), others stop it.
        var denied = false
        for candidate in candidates {
            switch Sys.stat(candidate) {
            case .success(let st):
                var fs = statvfs()
                let noexec = candidate.withCString { statvfs($0, &fs) } == 0 && fs.f_flag & cu_ST_NOEXEC != 0
                switch nothingOrErrno({ candidate.withCString { access($0, X_OK) } }) {
                case .success where st.st_mode & S_IFMT == S_IFREG && !noexec: return nil
                case .failure(let e) where e.rawValue != EACCES: return e
                case .success, .failure: denied = true
                }
            case .failure(let e) where [ENOENT, ENOTDIR, ESTALE, ENODEV, ETIMEDOUT].contains(e.rawValue):
                continue
            case .failure(let e) where e.rawValue == EACCES:
                denied = true
            case .failure(let e):
                return e
            }
        }
        return Errno(denied ? EACCES : ENOENT)
    }

    package func makeTemporaryDirectory(_ prefix: ByteString) -> Result<ByteString, Errno> {
        var template = (prefix + "XXXXXX").bytes.map { CChar(bitPattern: $0) } + [0]
        return nothingOrErrno { mkdtemp(&template) == nil ? Int32(-1) : 0 }
            .map { ByteString(template.dropLast().map { UInt8(bitPattern: $0) }) }
    }

    package func unmount(_ path: ByteString) -> Result<Void, Errno> {
        nothingOrErrno { path.withCString { umount2($0, Int32(MNT_DETACH)) } }
    }

    package func removeDirectory(_ path: ByteString) -> Result<Void, Errno> {
        nothingOrErrno { path.withCString { rmdir($0) } }
    }
}
