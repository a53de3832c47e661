// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// podman mode's failures through the recording fake: podman's words and
/// exit status, and nothing done after the step that failed.
@Suite struct PodmanExecutorFailureTests {
    static let pidFile = PodmanExecutorTests.pidFile

    /// podman's output for an ending (stdout, log lines, stderr), or "exit N".
    func text(_ ending: Ending?) -> String {
        switch ending {
        case .exit(let code)?: return "exit \(code)"
        case .failure(let f)?:
            let log = (f.podmanOutput?.log ?? []).map { PodmanLog.render($0, terminal: true, time: "").description }
            return log.joined() + f.podmanRendered(command: "podman-unshare").description + "status \(f.exitCode)"
        case nil: return "no plan"
        }
    }

    @Test func aFailedStepStopsWithPodmansWords() {
        let cases: [(String, Int32, String)] = [
            (
                "mkdir /tmp/podman-run-1001/libpod 1700", EACCES,
                "ERRO[0000] mkdir /tmp/podman-run-1001/libpod: permission denied\nstatus 1"
            ),
            ("setns /proc/4242/ns/user", EPERM, "Error: cannot set user namespace\nstatus 125"),
            ("setns /proc/4242/ns/mnt", EPERM, "Error: cannot set mnt namespace\nstatus 125"),
            ("become root", EPERM, "Error: cannot setresuid: operation not permitted\nstatus 125"),
            (
                "chdir /home/tester/work", ENOENT,
                "Error: cannot chdir to /home/tester/work: no such file or directory\nstatus 125"
            ),
            ("forward signals [1, 2, 15]", EINVAL, "Error: sigaction: invalid argument\nstatus 125"),
        ]
        for (call, errno, expected) in cases {
            let sys = PodmanExecutorTests.running()
            sys.failures[call] = Errno(errno)
            let ending = executePodman(sys)
            #expect(text(ending) == expected, "\(call)")
            let done = sys.calls.filter { !$0.hasPrefix("close ") }
            #expect(done.last == call, "\(call): nothing after the failed step")
        }
    }

    @Test func theCommandNotFoundIsGosErrorAndNothingIsSpawned() {
        let sys = PodmanExecutorTests.running()
        let ending = executePodman(sys, args: ["nope"])
        #expect(text(ending) == "Error: exec: \"nope\": executable file not found in $PATH\nstatus 127")
        #expect(sys.calls.suffix(2) == ["executable? /usr/bin/nope", "executable? /bin/nope"])
        #expect(sys.spawned.isEmpty)
    }

    @Test func aCommandThatCannotBeExecutedIsForkExecsError() {
        let sys = PodmanExecutorTests.running()
        sys.spawnFailure = SpawnError(.notExecutable, strategy: .none, failure: .system("x", Errno(EACCES)))
        let ending = executePodman(sys)
        #expect(text(ending) == "Error: fork/exec /usr/bin/id: permission denied\nstatus 126")
        #expect(!sys.calls.contains { $0.hasPrefix("forward to") })
    }

    /// podman stops at the first tool it cannot run: newuidmap runs (the
    /// library is given the user ranges only), then podman's error on its
    /// first run (no `alive` file), and the pause process just made is killed.
    @Test func withoutNewgidmapOnlyNewuidmapRunsThenPodmansError() throws {
        let sys = RecordingPodmanCalls()
        sys.executables.remove("/usr/bin/newgidmap")
        let ending = executePodman(sys)
        #expect(
            text(ending)
                == "Error: command required for rootless mode with multiple IDs: exec: \"newgidmap\": executable file not found in $PATH\nstatus 125"
        )
        let pause = try #require(sys.spawned.first)
        #expect(pause._idMapperPaths == ["/usr/bin/newuidmap"])
        #expect(pause.idMapping.groupRanges.isEmpty && pause.idMapping.userRanges.count == 1)
        #expect(
            Array(sys.calls.suffix(4)) == [
                "spawn catatonit -P in new user,mount namespaces", "kill 5001 with 9", "reap 5001", "close /dev/null",
            ])
    }
}
