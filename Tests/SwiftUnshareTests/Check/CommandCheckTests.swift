// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// The trial of a command, through the recording fake: the executor's own
/// steps, the exec looked up and not run, one record a step; and the parent's
/// side, which makes the files, reaps every process and removes what it made.
@Suite struct CommandCheckTests {
    /// The trial's calls and its status, for `words` as FakeSystem's user.
    func trial(_ words: [String], _ sys: RecordingCheckCalls) -> Int32? {
        guard let plan = planFor(words) else { return nil }
        let records = sys.newFD("records")
        return CommandCheck.trial(plan, pid: 4321, records: records, sys)
    }

    @Test func theStepsAreTheExecutorsAndTheProgramIsLookedUpNotRun() {
        let sys = RecordingCheckCalls()
        #expect(trial(["-r", "--map-auto", "true"], sys) == 0)
        #expect(
            sys.calls == [
                "default signal 17", "pidfd_open 4321",
                "spawn newuidmap 4321 0 1001 1 1 100000 65536",
                "spawn newgidmap 4321 0 1001 1 1 200000 65536 (stderr held) (closes release newuidmap)",
                "close pidfd 4321", "write records: 0\tok\n",
                "unshare user", "write records: 1\tok\n",
                "release newuidmap", "release newgidmap",
                "wait newuidmap", "read held stderr of newgidmap", "close held stderr of newgidmap", "wait newgidmap",
                "write records: 2\tok\n",
                "look up true on PATH", "write records: 3\tok\n",
            ])
        #expect(!sys.calls.contains { $0.hasPrefix("execv") })
    }

    @Test func aFailedStepIsRecordedWithUtilLinuxsWordsAndNothingFollows() {
        let sys = RecordingCheckCalls()
        sys.failures["unshare user,mount"] = Errno(EPERM)
        #expect(trial(["-r", "-m", "true"], sys) == 1)
        #expect(
            sys.calls == [
                "default signal 17", "unshare user,mount",
                "write records: 0\tfailed\t1\tunshare\t\(EPERM)\t\t+\tunshare failed: Operation not permitted\n",
            ])
    }

    @Test func aProgramThatIsNotThereFailsAsExecWould() {
        let sys = RecordingCheckCalls()
        sys.probeErrno = Errno(ENOENT)
        #expect(trial(["-U", "nothere"], sys) == 127)
        #expect(
            sys.calls.last
                == "write records: 1\tfailed\t127\texec\t\(ENOENT)\tnothere\t+\tfailed to execute nothere: No such file or directory\n"
        )
        sys.probeErrno = Errno(EACCES)
        #expect(trial(["-U", "/etc/passwd"], sys) == 126)
    }

    @Test func theLoginShellIsLookedUpWithoutASearch() {
        let sys = RecordingCheckCalls()
        #expect(trial(["-U"], sys) == 0)
        #expect(sys.calls.suffix(2) == ["look up /bin/bash", "write records: 1\tok\n"])  // $SHELL of FakeSystem
    }

    /// --fork: the child goes on with the steps; the parent ends as it ends, and records nothing more.
    @Test func aForkParentEndsAsItsChildEnded() {
        let sys = RecordingCheckCalls()
        sys.forkResult = 77
        sys.childEnd = .exited(3)
        #expect(trial(["-f", "-U", "true"], sys) == 3)
        #expect(sys.calls.filter { $0.hasPrefix("write records") } == ["write records: 0\tok\n"])
        #expect(sys.calls.contains("wait 77"))
        let child = RecordingCheckCalls()
        #expect(trial(["-f", "-U", "true"], child) == 0)
        #expect(child.calls.filter { $0.hasPrefix("write records") }.count == 3)
    }

    @Test func theRecordsReadBackAsEachStepsOutcome() {
        let failure = CheckFailure(
            operation: .mount("/p\tq\n", Errno(EPERM)), message: "mount /p\tq\n failed", exitCode: 1)
        let helper = CheckFailure(operation: .helperRefused, message: nil, exitCode: 1)
        let text =
            CheckRecord.line(0, .ok) + CheckRecord.line(2, .failed(failure)) + CheckRecord.line(1, .ok)
            + CheckRecord.line(2, .ok) + CheckRecord.line(9, .ok)
        #expect(CheckRecord.outcomes(text, count: 4) == [.ok, .ok, .failed(failure), .notReached])
        #expect(CheckRecord.outcomes(CheckRecord.line(0, .failed(helper)), count: 1) == [.failed(helper)])
    }

    /// The parent: the nameless files, the persistent target tried on a
    /// temporary file, the trial and every orphan reaped, the temporary file
    /// unmounted and removed, and the messages naming the real target.
    @Test func theParentMakesItsFilesReapsEveryProcessAndRemovesWhatItMade() throws {
        let sys = RecordingCheckCalls()
        sys.forkResult = 900
        sys.nodes["/run/ns/user"] = FileFacts(uid: 1001, mode: 0o100644)
        sys.orphans = [901]
        let plan = try #require(planFor(["-U", "--user=/run/ns/user", "--net=/run/ns/missing", "-n", "true"]))
        let temporary: ByteString = "/tmp/swift-unshare-check-abc123/user"
        let failed = CheckFailure(
            operation: .mount("/proc/900/ns/user on \(temporary)", Errno(EPERM)),
            message: "mount /proc/900/ns/user on \(temporary) failed: Operation not permitted", exitCode: 1)
        sys.anonymous["memfd swift-unshare-check"] =
            CheckRecord.line(0, .ok) + CheckRecord.line(1, .ok)
            + CheckRecord.line(2, .failed(failed))
        sys.anonymous["memfd swift-unshare-check-output"] = Array("said\n".utf8)
        let result = try CommandCheck.run(plan, captureOutput: true, sys).get()
        #expect(
            sys.calls == [
                "memfd swift-unshare-check", "memfd swift-unshare-check-output",
                "stat /run/ns/user", "mkdtemp /tmp/swift-unshare-check-XXXXXX",
                "create \(temporary) 600", "close \(temporary)", "stat /run/ns/missing", "fork",
                "wait 900", "wait any", "wait any",
                "read back memfd swift-unshare-check", "read back memfd swift-unshare-check-output",
                "close memfd swift-unshare-check", "close memfd swift-unshare-check-output",
                "umount \(temporary)", "unlink \(temporary)", "rmdir /tmp/swift-unshare-check-abc123",
            ])
        #expect(result.plan == plan)  // the targets as given
        #expect(result.substituted == [PersistTarget(namespace: .user, file: "/run/ns/user")])
        #expect(result.output == Array("said\n".utf8))
        #expect(result.exitStatus == 1 && !result.isOK)
        #expect(
            result.firstFailure?.failure.message
                == "mount /proc/900/ns/user on /run/ns/user failed: Operation not permitted")
        #expect(result.steps[3...].allSatisfy { $0 == .notReached })
    }

    @Test func everyStepWorkingIsExitStatusZero() throws {
        let sys = RecordingCheckCalls()
        sys.forkResult = 900
        let plan = try #require(planFor(["-r", "true"]))
        sys.anonymous["memfd swift-unshare-check"] = Array(
            (0..<plan.steps.count).map { CheckRecord.line($0, .ok) }.joined())
        let result = try CommandCheck.run(plan, captureOutput: false, sys).get()
        #expect(result.isOK && result.exitStatus == 0 && result.firstFailure == nil)
        #expect(!sys.calls.contains { $0.contains("dup") || $0.contains("mkdtemp") })
        sys.failures["fork"] = Errno(EAGAIN)
        #expect(
            CommandCheck.run(plan, captureOutput: false, sys).map(\.exitStatus)
                == .failure(Failure(.call("fork"), Errno(EAGAIN))))
    }
}
