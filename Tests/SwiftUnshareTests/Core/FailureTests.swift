// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc
import Testing

@testable import SwiftUnshare

/// One error value, two dialects.
@Suite struct FailureTests {
    @Test func utilLinuxDialect() {
        #expect(
            Failure(.call("unshare"), Errno(EPERM)).rendered(program: "unshare")
                == "unshare: unshare failed: Operation not permitted\n")
        #expect(
            Failure.usage("bad").rendered(program: "unshare")
                == "unshare: bad\nTry 'unshare --help' for more information.\n")
        #expect(
            Failure(.helperKilled(tool: "newgidmap", signal: 9)).rendered(program: "u")
                == "u: newgidmap: terminated by signal 9\n")
        #expect(
            Failure(.call("fork"), Errno(EAGAIN), hint: "try again").rendered(program: "u")
                == "u: fork failed: Resource temporarily unavailable\nu: try again\n")
    }

    @Test func aHelperThatSpokeForItselfAddsNothing() {
        let f = Failure(.helperExited(tool: "newuidmap", status: 1))
        #expect(f.message == nil)
        #expect(f.rendered(program: "unshare") == "")
        #expect(f.podmanText(errnoText: GoText.errnoText) == "newuidmap or newgidmap exited with status 1")
    }

    @Test func podmanDialect() {
        #expect(
            Failure(.execute("newuidmap"), Errno(ENOENT)).podmanText(errnoText: GoText.errnoText)
                == "failed to execute newuidmap: no such file or directory")
    }

    /// podman's own failures are the same value: its `Error:` line and help
    /// hint, its exit status, and what it prints first (stdout, log lines).
    @Test func podmansOwnFailuresAreTheSameValue() {
        let usage = Failure.podman("unknown flag: --x", seeHelp: true)
        #expect(usage.exitCode == 125)
        #expect(
            usage.podmanRendered(command: "podman-unshare")
                == "Error: unknown flag: --x\nSee 'podman-unshare --help'\n")
        let logged = Failure.podman(
            nil, exitCode: 1, log: [PodmanLogLine(.error, "bad")], stdout: "Failed to read f bad\n")
        #expect(logged.podmanRendered(command: "p") == "")
        #expect(logged.podmanOutput?.stdout == "Failed to read f bad\n")
        #expect(logged != Failure.podmanLogged([PodmanLogLine(.error, "bad")]))
        #expect(Failure.podman("x") != Failure.podman("x", seeHelp: true))
        // A core failure told as podman tells it: Go's errno words, status 125.
        let core = Failure(.call("fork"), Errno(EAGAIN)).asPodman
        #expect(core == Failure.podman("fork failed: resource temporarily unavailable"))
        #expect(core.podmanRendered(command: "p") == "Error: fork failed: resource temporarily unavailable\n")
    }

    @Test func pureLayerMessagesCompareByWhatTheySay() {
        #expect(
            Failure.system("failed to parse uid: '-1'", Errno(ERANGE))
                == Failure("failed to parse uid: '-1': Numerical result out of range"))
        #expect(Failure("x") != Failure.usage("x"))
    }

    @Test func helperStepsMirrorTheCReportSteps() {
        #expect(HelperStep.openUIDMap.rawValue == Int32(CU_STEP_OPEN_UID_MAP.rawValue))
        #expect(HelperStep.writeUIDMap.rawValue == Int32(CU_STEP_WRITE_UID_MAP.rawValue))
        #expect(HelperStep.openGIDMap.rawValue == Int32(CU_STEP_OPEN_GID_MAP.rawValue))
        #expect(HelperStep.writeGIDMap.rawValue == Int32(CU_STEP_WRITE_GID_MAP.rawValue))
        #expect(HelperStep.executeNewuidmap.rawValue == Int32(CU_STEP_EXEC_NEWUIDMAP.rawValue))
        #expect(HelperStep.executeNewgidmap.rawValue == Int32(CU_STEP_EXEC_NEWGIDMAP.rawValue))
        #expect(HelperStep.bind.rawValue == Int32(CU_STEP_BIND.rawValue))
    }

    @Test func modeFromTheCommandLine() {
        #expect(Mode.select([]) == .unshare(["swift-unshare"]))
        #expect(Mode.select(["/usr/bin/unshare", "-U"]) == .unshare(["/usr/bin/unshare", "-U"]))
        #expect(Mode.select(["/x/podman-unshare", "id"]) == .podman(["/x/podman-unshare", "id"]))
        #expect(Mode.select(["swift-unshare", "--podman", "id"]) == .podman(["swift-unshare", "id"]))
        #expect(Mode.select(["swift-unshare", "-U", "--podman"]) == .unshare(["swift-unshare", "-U", "--podman"]))
    }

    @Test func thisTestProcessCountsItsThreads() {
        // swift-testing runs threads here: the check must see them and say so in one line.
        let failure = SingleThread.check()
        #expect(failure?.rendered(program: "unshare").bytes.filter { $0 == 10 }.count == 1)
    }
}
