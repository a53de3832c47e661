import Glibc

/// podman unshare compatibility (issue 5): `podman-unshare [--rootless-netns]
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
            if case .failure(let e) = Sys.writeAll(1, PodmanHelp.text(command: command).bytes) {
                fail(PodmanError("write error: \(GoText.errnoText(e.rawValue))"), command: command)
            }
            exit(0)
        case .success(.run(let options)):
            switch PodmanPlan.build(options, context: LiveSystem()) {
            case .failure(let error):
                fail(error, command: command)
            case .success(let plan) where options.explain:
                if case .failure(let e) = Sys.writeAll(1, PodmanExplain.render(plan).bytes) {
                    fail(PodmanError("write error: \(GoText.errnoText(e.rawValue))"), command: command)
                }
                exit(0)
            case .success(let plan):
                if let failure = SingleThread.check() {   // podman: move onto the core
                    fail(PodmanError(failure.podmanText(errnoText: GoText.errnoText)), command: command)
                }
                PodmanExecutor(plan: plan).run()
            }
        }
    }

    static func fail(_ error: PodmanError, command: ByteString) -> Never {
        _ = Sys.writeAll(2, error.rendered(command: command).bytes)
        exit(error.exitCode)
    }
}
