// SPDX-License-Identifier: Apache-2.0
import Glibc

/// podman unshare compatibility: `podman-unshare [--rootless-netns]
/// [command [args]]`, or `swift-unshare --podman ...`. argv → PodmanOptions
/// (pure) → PodmanPlan (pure) → PodmanExecutor (effects), errors in podman's words.
package enum PodmanUnshare {
    /// `args[0]` is the program name; `--podman` (if it was the first argument) is already removed.
    package static func main(_ args: [ByteString]) -> Never {
        let program = (args.first ?? "podman-unshare").basename
        let command: ByteString = program == "podman-unshare" ? program : program + " --podman"
        let sys = LiveSystemCalls()
        switch PodmanOptions.parse(args) {
        case .failure(let error):
            fail(error, command: command, sys)
        case .success(.help):
            writeOut(PodmanHelp.text(command: command), command: command, sys)
        case .success(.run(let options)) where options.check != nil:
            check(options, command: command, sys)
        case .success(.run(let options)):
            let context = LiveSystem()
            // Each path podman's rules look at is asked about once (RememberingContext);
            // the plan is taken apart without a Result (run-time metadata, BENCHMARKS.md).
            let plan: PodmanPlan
            do {
                plan = try PodmanPlan.building(options, context: RememberingContext(context))
            } catch {
                fail(error, command: command, sys)
            }
            if options.explain { writeOut(PodmanExplain.render(plan, context: context), command: command, sys) }
            // setns(2) of a user namespace and unshare(2) need a single thread.
            if let failure = SingleThread.check() {
                fail(failure.asPodman, command: command, sys)
            }
            let executor = PodmanExecutor(plan: plan, system: sys) {
                PodmanPlan.userNamespace(context: context, firstRun: $0)
            }
            switch executor.run() {
            case .exit(let code): exit(code)
            case .failure(let error): fail(error, command: "", sys)
            }
        }
    }

    /// --check: podman mode's path on this machine (directories, the pause
    /// process and whether it can be joined, the maps, tried when no pause
    /// process runs, catatonit, and what --rootless-netns needs), one line a
    /// capability or one JSON object; nothing is left that podman would not
    /// leave (a pause process started to try the maps is killed at once).
    static func check(_ options: PodmanOptions, command: ByteString, _ sys: LiveSystemCalls) -> Never {
        // The probes are forks of this process, which go on in Swift.
        if let failure = SingleThread.check() { fail(failure.asPodman, command: command, sys) }
        _ = sys.becomeSubreaper()
        let context = LiveSystem()
        let lines = PodmanReport.lines(LiveMachine(system: context, sys: sys).podman(tryMaps: true))
        switch options.check ?? .text {
        case .text:
            writeOut(CheckOutput.reportText(lines), command: command, sys)
        case .json:
            let json = CheckOutput.reportJSON(
                lines, mode: "podman", user: context.user(id: context.euid), uid: context.euid, gid: context.egid)
            writeOut(json, command: command, sys)
        }
    }

    /// Writes to stdout and exits 0, or with podman's write error.
    static func writeOut(_ text: ByteString, command: ByteString, _ sys: some PodmanSystemCalls) -> Never {
        if case .failure(let e) = PodmanIO.write(1, text, sys) {
            fail(Failure.podman("write error: \(GoText.errnoText(e.rawValue))"), command: command, sys)
        }
        exit(0)
    }

    static func fail(_ error: Failure, command: ByteString, _ sys: some PodmanSystemCalls) -> Never {
        report(error, command: command, sys)
        exit(error.exitCode)
    }

    /// podman's output for a failure: its stdout text, its log lines, its `Error:` line.
    static func report(_ error: Failure, command: ByteString, _ sys: some PodmanSystemCalls) {
        if let output = error.podmanOutput {
            if !output.stdout.isEmpty { PodmanIO.write(1, output.stdout, sys) }
            PodmanLog.emit(output.log, sys)
            if !output.stderr.isEmpty { PodmanIO.write(2, output.stderr, sys) }
        }
        PodmanIO.write(2, error.podmanRendered(command: command), sys)
    }
}
