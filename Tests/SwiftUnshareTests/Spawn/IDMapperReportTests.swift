// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// A failed newuidmap/newgidmap run, from its raw facts to util-linux's words.
@Suite struct IDMapperReportTests {
    func report(output: ByteString = "", _ ending: ProcessEnding?, execError: Int32? = nil) -> IDMapperReport {
        IDMapperReport(
            tool: "newgidmap", arguments: ["newgidmap", "42", "0", "1000", "1"], output: output, ending: ending,
            execError: execError.map(Errno.init))
    }

    @Test func aCleanRunIsNoFailure() {
        #expect(report(.exited(0)).failure == nil)
    }

    @Test func theToolsOwnWordsAreTheMessageWithItsStatus() {
        let f = report(output: "newgidmap: gid range [0-1) -> [1000-1001) not allowed\n\n", .exited(1)).failure
        #expect(f == Failure("newgidmap: gid range [0-1) -> [1000-1001) not allowed", exitCode: 1))
        #expect(report(output: "x", .exited(3)).failure?.exitCode == 3)
    }

    @Test func aSilentToolIsDescribedByHowItEnded() {
        #expect(report(.exited(2)).failure == Failure("newgidmap failed with exit status 2", exitCode: 2))
        #expect(report(.signaled(SIGSEGV)).failure == Failure("newgidmap killed by signal 11", exitCode: 1))
    }

    @Test func aToolThatCouldNotRunIsAnExecFailure() {
        let missing = report(nil, execError: ENOENT).failure
        #expect(missing?.message == "failed to execute newgidmap: No such file or directory")
        #expect(missing?.exitCode == 127)
        #expect(report(nil, execError: EACCES).failure?.exitCode == 126)
    }
}
