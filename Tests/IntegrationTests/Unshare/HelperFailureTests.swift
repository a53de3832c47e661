// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// newuidmap and newgidmap failing in the ways util-linux scripts meet: the
/// two run at once, yet what is printed is util-linux's (newuidmap first,
/// stopping at its failure), and a helper killed by a signal is named.
@Suite struct HelperFailureTests {
    /// A folder of fake tools, first on PATH; each is a shell script.
    func fakes(_ scripts: [String: String]) -> String {
        let dir = Harness.scratch("helper-fakes")
        for (tool, body) in scripts { Harness.writeExecutable("\(dir)/\(tool)", "#!/bin/sh\n" + body) }
        return dir
    }

    func run(_ program: String, _ dir: String, _ args: [String]) -> Outcome {
        Harness.run([program, "-r", "--map-auto"] + args, as: .tester, extraEnv: ["PATH": "\(dir):/usr/bin:/bin"])
    }

    @Test(.requiresTester)
    func bothRefusedPrintsOnlyNewuidmapsMessage() {
        let dir = fakes([
            "newuidmap": "echo 'newuidmap: refused (uid)' >&2\nexit 1\n",
            "newgidmap": "echo 'newgidmap: refused (gid)' >&2\nexit 1\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ours = run(Harness.ours, dir, ["true"])
        #expect(ours == Outcome(stdout: "", stderr: "newuidmap: refused (uid)\n", ending: .exit(1)))
        if Harness.oracleReady {
            #expect(run(Harness.oracle, dir, ["true"]) == ours)
        }
    }

    @Test(.requiresTester)
    func newgidmapsMessageFollowsNewuidmapsWords() {
        // newgidmap speaks and fails first (newuidmap waits on a FIFO for it),
        // then newuidmap speaks and succeeds: printed in util-linux's order.
        let dir = fakes([
            "newuidmap":
                "read x < \"$(dirname \"$0\")/gid-spoke\"\necho 'newuidmap: note' >&2\nexec /usr/bin/newuidmap \"$@\"\n",
            "newgidmap": "echo 'newgidmap: refused (gid)' >&2\necho done > \"$(dirname \"$0\")/gid-spoke\"\nexit 3\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo(dir + "/gid-spoke", 0o666) == 0)
        chmod(dir + "/gid-spoke", 0o666)
        let expected = Outcome(stdout: "", stderr: "newuidmap: note\nnewgidmap: refused (gid)\n", ending: .exit(3))
        #expect(run(Harness.ours, dir, ["true"]) == expected)
        if Harness.oracleReady {
            // util-linux runs them one after the other: the same fakes without the FIFO.
            let sequential = fakes([
                "newuidmap": "echo 'newuidmap: note' >&2\nexec /usr/bin/newuidmap \"$@\"\n",
                "newgidmap": "echo 'newgidmap: refused (gid)' >&2\nexit 3\n",
            ])
            defer { try? FileManager.default.removeItem(atPath: sequential) }
            #expect(run(Harness.oracle, sequential, ["true"]) == expected)
        }
    }

    @Test(.requiresTester)
    func aHelperKilledBySignalIsNamedAndTheProgramNeverRuns() {
        let dir = fakes(["newuidmap": "kill -SEGV $$\n"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = dir + "/ran"
        let ours = run(Harness.ours, dir, ["touch", marker])
        #expect(ours == Outcome(stdout: "", stderr: "unshare: newuidmap: terminated by signal 11\n", ending: .exit(1)))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
