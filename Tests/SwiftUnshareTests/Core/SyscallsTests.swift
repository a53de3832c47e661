// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// The one errno helper and the typed calls built on it.
@Suite struct SyscallsTests {
    @Test func interruptedCallsAreRetriedWhenAsked() {
        var attempts = 0
        let retried = valueOrErrno { () -> Int32 in
            attempts += 1
            if attempts == 1 {
                errno = EINTR
                return -1
            }
            return 5
        }
        #expect(retried == .success(5) && attempts == 2)

        attempts = 0
        let once = valueOrErrno(retryOnInterrupt: false) { () -> Int32 in
            attempts += 1
            errno = EINTR
            return -1
        }
        #expect(once == .failure(Errno(EINTR)) && attempts == 1)
    }

    @Test func helperCandidatesSkipOnlyWhatIsNotThere() throws {
        // execvp's list, then from the first one there: a file in the way of a
        // directory (ENOTDIR) and a directory that does not exist (ENOENT) go.
        let path: ByteString = "/nonexistent-dir:/etc/passwd:/bin:/usr/bin"
        #expect(
            ExecPath.candidates("sh", path: path) == [
                "/nonexistent-dir/sh", "/etc/passwd/sh", "/bin/sh", "/usr/bin/sh",
            ])
        #expect(ExecPath.presentCandidates("sh", path: path) == ["/bin/sh", "/usr/bin/sh"])
        // Only those before the first one there go: later ones stay, there or not.
        #expect(
            ExecPath.presentCandidates("sh", path: "/nonexistent-dir:/bin:/nonexistent-dir") == [
                "/bin/sh", "/nonexistent-dir/sh",
            ])
        // Nothing there: every candidate stays, so the exec loop fails as execvp would.
        #expect(
            ExecPath.presentCandidates("no-such-program-here", path: "/nonexistent-dir:/bin") == [
                "/nonexistent-dir/no-such-program-here", "/bin/no-such-program-here",
            ])
        // A name with a slash is the only candidate, there or not.
        #expect(ExecPath.presentCandidates("./missing", path: path) == ["./missing"])
    }

    @Test func errnoIsReadAtOnce() {
        let r = nothingOrErrno { () -> Int32 in
            errno = EACCES
            return -1
        }
        errno = 0  // a later change does not matter
        guard case .failure(let e) = r else {
            Issue.record("a failing call succeeded")
            return
        }
        #expect(e == Errno(EACCES))
    }

    @Test func pipesAreCloseOnExecAndCarryBytes() throws {
        let (readEnd, writeEnd) = try Sys.pipe().get()
        #expect(fcntl(readEnd, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(writeEnd, F_GETFD) & FD_CLOEXEC != 0)
        #expect((try? Sys.writeAll(writeEnd, Array("held words\n".utf8)).get()) != nil)
        Sys.close(writeEnd)
        #expect(try Sys.readAll(readEnd).get() == Array("held words\n".utf8))
        Sys.close(readEnd)
    }

    @Test func openNamesTheErrno() {
        if case .failure(let e) = Sys.open("/nonexistent/swift-unshare-test", O_RDONLY) {
            #expect(e == Errno(ENOENT))
        } else {
            Issue.record("opened a file that does not exist")
        }
    }

    @Test func waitStatusesDecode() {
        #expect(ProcessEnding(status: 3 << 8) == .exited(3))
        #expect(ProcessEnding(status: 0) == .exited(0))
        #expect(ProcessEnding(status: SIGSEGV) == .signaled(SIGSEGV))
        #expect(ProcessEnding(status: SIGKILL | 0x80) == .signaled(SIGKILL))  // with a core dump bit
    }
}
