// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// The executor's effects, in order, through the recording fake: no root needed.
@Suite struct ExecutorTests {
    /// util-linux's text for an ending (stderr), or "exit N".
    func text(_ ending: Ending?) -> String {
        switch ending {
        case .exit(let code)?: return "exit \(code)"
        case .failure(let f)?: return "\(f.rendered(program: "unshare"))status \(f.exitCode)"
        case nil: return "no plan"
        }
    }

    @Test func selfWrittenMapsDenySetgroupsBeforeTheGroupMap() {
        let sys = RecordingSystemCalls()
        let ending = execute(["-r", "id"], sys)
        #expect(
            sys.calls == [
                "default signal 17", "unshare user",
                "open /proc/self/uid_map", "write /proc/self/uid_map: 0 1001 1", "close /proc/self/uid_map",
                "open /proc/self/setgroups", "write /proc/self/setgroups: deny", "close /proc/self/setgroups",
                "open /proc/self/gid_map", "write /proc/self/gid_map: 0 1001 1", "close /proc/self/gid_map",
                "execvp id",
            ])
        #expect(text(ending) == "unshare: failed to execute id: No such file or directory\nstatus 127")
    }

    @Test func aMissingSetgroupsFileIsNoError() {
        let sys = RecordingSystemCalls()
        sys.failures["open /proc/self/setgroups"] = Errno(ENOENT)
        _ = execute(["--map-group=0", "true"], sys)
        #expect(sys.calls.contains("open /proc/self/gid_map"))
    }

    @Test func failedStepsStopWithUtilLinuxsWords() {
        let cases: [([String], String, Int32, String)] = [
            (["-U", "true"], "unshare user", EPERM, "unshare: unshare failed: Operation not permitted\nstatus 1"),
            (
                ["-r", "true"], "write /proc/self/uid_map: 0 1001 1", EPERM,
                "unshare: write failed /proc/self/uid_map: Operation not permitted\nstatus 1"
            ),
            (
                ["-R", "/r", "true"], "chroot /r", ENOENT,
                "unshare: cannot change root directory to '/r': No such file or directory\nstatus 1"
            ),
            (
                ["-T", "--boottime=5", "true"], "open /proc/self/timens_offsets", EACCES,
                "unshare: failed to open /proc/self/timens_offsets: Permission denied\nstatus 1"
            ),
            (
                ["-m", "true"], "mount none / -", EPERM,
                "unshare: cannot change root filesystem propagation: Operation not permitted\nstatus 1"
            ),
            (["-S", "5", "true"], "setuid 5", EPERM, "unshare: setuid() failed: Operation not permitted\nstatus 1"),
        ]
        for (words, call, errno, expected) in cases {
            let sys = RecordingSystemCalls()
            sys.failures[call] = Errno(errno)
            let ending = execute(words, sys)
            #expect(text(ending) == expected, "\(words)")
            #expect(
                sys.calls.filter { !$0.hasPrefix("close ") }.last == call, "\(words): nothing after the failed step")
        }
    }

    @Test func newIDMapHelpersStartBeforeUnshareAndAreWaitedForInOrder() {
        let sys = RecordingSystemCalls()
        _ = execute(["-r", "--map-auto", "true"], sys)
        #expect(
            sys.calls == [
                "default signal 17", "pidfd_open 4321",
                "spawn newuidmap 4321 0 1001 1 1 100000 65536",
                "spawn newgidmap 4321 0 1001 1 1 200000 65536 (stderr held) (closes release newuidmap)",
                "close pidfd 4321", "unshare user",
                "release newuidmap", "release newgidmap",
                "wait newuidmap", "read held stderr of newgidmap", "close held stderr of newgidmap", "wait newgidmap",
                "execvp true",
            ])
    }

    @Test func bothHelpersRefusedPrintsOnlyNewuidmapsWords() {
        let sys = RecordingSystemCalls()
        sys.helperEnds["newuidmap"] = (.exited(1), nil)
        sys.helperEnds["newgidmap"] = (.exited(1), nil)
        sys.heldStderr["newgidmap"] = Array("newgidmap: refused\n".utf8)
        let ending = execute(["-r", "--map-auto", "true"], sys)
        #expect(text(ending) == "status 1")  // newuidmap printed its own message
        #expect(!sys.calls.contains { $0.hasPrefix("write stderr") })
        #expect(!sys.calls.contains { $0.hasPrefix("execvp") })
    }

    @Test func newgidmapsHeldWordsFollowASuccessfulNewuidmap() {
        let sys = RecordingSystemCalls()
        sys.helperEnds["newgidmap"] = (.exited(1), nil)
        sys.heldStderr["newgidmap"] = Array("newgidmap: refused\n".utf8)
        let ending = execute(["-r", "--map-auto", "true"], sys)
        #expect(text(ending) == "status 1")
        #expect(sys.calls.suffix(2) == ["wait newgidmap", "write stderr: newgidmap: refused\n"])
    }

    @Test func aHelperKilledBySignalIsNamedAndNothingRuns() {
        let sys = RecordingSystemCalls()
        sys.helperEnds["newuidmap"] = (.signaled(SIGSEGV), nil)
        let ending = execute(["-r", "--map-auto", "true"], sys)
        #expect(text(ending) == "unshare: newuidmap: terminated by signal 11\nstatus 1")
        #expect(!sys.calls.contains { $0.hasPrefix("execvp") })
    }

    @Test func helperReportsMapToTheMessageTable() {
        let cases: [(HelperStep, Int32, String)] = [
            (.openUIDMap, 1, "unshare: failed to open /proc/4321/uid_map: Permission denied\nstatus 1"),
            (.writeUIDMap, 1, "unshare: failed to write /proc/4321/uid_map: Permission denied\nstatus 1"),
            (.openGIDMap, 1, "unshare: failed to open /proc/4321/gid_map: Permission denied\nstatus 1"),
            (.writeGIDMap, 1, "unshare: failed to write /proc/4321/gid_map: Permission denied\nstatus 1"),
        ]
        for (step, code, expected) in cases {
            let sys = RecordingSystemCalls()
            sys.helperEnds["map helper"] = (.exited(code), HelperReport(step: step, errno: Errno(EACCES)))
            #expect(text(execute(["--map-users=0:100000:10", "true"], sys, rootContext)) == expected)
            #expect(
                sys.calls.contains(
                    "spawn map helper for 4321 via /proc/4321: uid_map 0 100000 10\n, gid_map -"))
        }
        let sys = RecordingSystemCalls()
        sys.helperEnds["newuidmap"] = (.exited(127), HelperReport(step: .executeNewuidmap, errno: Errno(ENOENT)))
        #expect(
            text(execute(["-r", "--map-auto", "true"], sys))
                == "unshare: failed to execute newuidmap: No such file or directory\nstatus 127")
    }

    @Test func theBindHelperNamesTheFailedBind() {
        let sys = RecordingSystemCalls()
        sys.helperEnds["bind helper"] = (.exited(1), HelperReport(step: .bind, errno: Errno(ENOENT), index: 1))
        let ending = execute(["-U", "--uts=/u", "--net=/n", "true"], sys)
        #expect(
            sys.calls == [
                "default signal 17", "spawn bind helper: /proc/4321/ns/uts on /u, /proc/4321/ns/net on /n",
                "unshare user,uts,net", "release bind helper", "wait bind helper",
            ])
        #expect(text(ending) == "unshare: mount /proc/4321/ns/net on /n failed: No such file or directory\nstatus 1")
    }

    @Test func theForkParentWaitsAndEndsAsTheChildEnded() {
        let sys = RecordingSystemCalls()
        sys.forkResult = 77
        sys.childEnd = .exited(3)
        #expect(text(execute(["-f", "true"], sys)) == "exit 3")
        #expect(sys.calls == ["default signal 17", "unshare ", "block signals [2, 15]", "fork", "wait 77"])
    }

    @Test func theForkParentRaisesTheSignalThatKilledTheChild() {
        let sys = RecordingSystemCalls()
        sys.forkResult = 77
        sys.childEnd = .signaled(SIGTERM)
        let ending = execute(["-f", "--forward-signals", "true"], sys)
        #expect(
            sys.calls == [
                "default signal 17", "unshare ", "forward signals [2, 15]", "fork", "forward to 77",
                "restore signal mask", "wait 77", "default signal 15", "unblock signal 15", "raise 15",
            ])
        // The fake survives its own signal: util-linux's words for that.
        #expect(text(ending) == "unshare: child exit failed\nstatus 1")
    }

    @Test func theForkChildResetsItsSignalsAndGoesOn() {
        let sys = RecordingSystemCalls()
        _ = execute(["-f", "--forward-signals", "--kill-child", "true"], sys)
        #expect(
            sys.calls == [
                "default signal 17", "unshare ", "pidfd_open \(getpid())", "forward signals [2, 15]", "fork",
                "reset forwarded signals to default", "restore signal mask", "pdeathsig 9", "poll pidfd \(getpid())",
                "close pidfd \(getpid())", "execvp true",
            ])
    }

    @Test func persistingThroughTheHelperReleasesItInTheForkParent() {
        let sys = RecordingSystemCalls()
        sys.forkResult = 77
        _ = execute(["-f", "--mount=/m", "true"], sys)
        #expect(
            sys.calls == [
                "default signal 17", "spawn bind helper: /proc/4321/ns/mnt on /m", "unshare mount",
                "block signals [2, 15]", "fork", "release bind helper", "wait bind helper", "wait 77",
            ])
    }

    @Test func theFixedInterpreterIsRegisteredWhereItsStepSays() {
        let sys = RecordingSystemCalls()
        _ = execute(["-l", ":q:M::\\x7fELF::/q:F", "-R", "/r", "true"], sys)
        #expect(
            Array(sys.calls[3...6]) == [
                "mount binfmt_misc /proc/sys/fs/binfmt_misc binfmt_misc", "open /proc/sys/fs/binfmt_misc",
                "open /proc/sys/fs/binfmt_misc/register",
                "write /proc/sys/fs/binfmt_misc/register: :q:M::\\x7fELF::/q:F",
            ])
    }

    /// No program and no $SHELL: the passwd entry of getuid() is read at exec,
    /// after the maps and -S (docs/unshare.md step 15); /bin/sh without one.
    @Test func theLoginShellIsLookedUpAtExecInsideTheNamespace() {
        var noShell = FakeSystem()
        noShell.env = [:]
        let sys = RecordingSystemCalls()
        sys.currentUserShell = "/bin/bash"
        _ = execute(["-r", "-S", "0"], sys, noShell)
        #expect(
            Array(sys.calls.suffix(4)) == [
                "close /proc/self/gid_map", "setuid 0", "passwd entry of getuid()", "execv /bin/bash -bash",
            ])
        let none = RecordingSystemCalls()
        none.currentUserShell = nil
        _ = execute(["-r"], none, noShell)
        #expect(Array(none.calls.suffix(2)) == ["passwd entry of getuid()", "execv /bin/sh -sh"])
        // $SHELL wins, and nothing is looked up
        let set = RecordingSystemCalls()
        _ = execute(["-r"], set)
        #expect(set.calls.last == "execv /bin/bash -bash" && !set.calls.contains("passwd entry of getuid()"))
    }
}
