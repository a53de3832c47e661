// SPDX-License-Identifier: Apache-2.0
import Glibc

/// podman unshare compatibility: `podman-unshare [--rootless-netns]
/// [command [args]]`, or `swift-unshare --podman ...`. argv → PodmanOptions
/// (pure) → PodmanPlan (pure) → PodmanExecutor (effects).
public enum PodmanUnshare {
    /// `args[0]` is the program name; `--podman` (if it was the first argument) is already removed.
    public static func main(_ args: [ByteString]) -> Never {
        let program = (args.first ?? "podman-unshare").basename
        let command: ByteString = program == "podman-unshare" ? program : program + " --podman"
        switch PodmanOptions.parse(args) {
        case .failure(let error):
            fail(error, command: command)
        case .success(.help):
            if case .failure(let e) = PodmanIO.write(1, PodmanHelp.text(command: command)) {
                fail(Failure.podman("write error: \(GoText.errnoText(e.rawValue))"), command: command)
            }
            exit(0)
        case .success(.run(let options)):
            switch PodmanPlan.build(options, context: LiveSystem()) {
            case .failure(let error):
                fail(error, command: command)
            case .success(let plan) where options.explain:
                if case .failure(let e) = PodmanIO.write(1, PodmanExplain.render(plan)) {
                    fail(Failure.podman("write error: \(GoText.errnoText(e.rawValue))"), command: command)
                }
                exit(0)
            case .success(let plan):
                // setns(2) of a user namespace and unshare(2) need a single thread.
                if let failure = SingleThread.check() {
                    fail(failure.asPodman, command: command)
                }
                PodmanExecutor(plan: plan).run()
            }
        }
    }

    static func fail(_ error: Failure, command: ByteString) -> Never {
        report(error, command: command)
        exit(error.exitCode)
    }

    /// podman's output for a failure: its stdout text, its log lines, its `Error:` line.
    static func report(_ error: Failure, command: ByteString) {
        if let output = error.podmanOutput {
            if !output.stdout.isEmpty { PodmanIO.write(1, output.stdout) }
            PodmanLog.emit(output.log)
            if !output.stderr.isEmpty { PodmanIO.write(2, output.stderr) }
        }
        PodmanIO.write(2, error.podmanRendered(command: command))
    }
}
