import Glibc

/// The whole program: argv → Options → Plan → execute.
public enum Unshare {
    /// The arguments exactly as the kernel passed them (bytes, not repaired UTF-8).
    public static func commandLine() -> [ByteString] {
        (0..<Int(CommandLine.argc)).map { ByteString(cString: CommandLine.unsafeArgv[$0]!) }
    }

    /// Runs unshare(1) with `args` (args[0] names the program) and exits.
    public static func main(_ arguments: [ByteString]) -> Never {
        let args = arguments.isEmpty ? ["swift-unshare"] : arguments   // execve() may pass argc 0
        let program = args[0].basename
        if program == "podman-unshare" { PodmanUnshare.main(args) }
        if args.count > 1 && args[1] == "--podman" {
            PodmanUnshare.main([args[0]] + args.dropFirst(2))
        }
        let context = LiveSystem()
        switch Options.parse(args, context: context) {
        case .failure(let failure):
            fail(failure, program: program, hint: HintSituation(arguments: args, options: nil, plan: nil, failure: nil), facts: context)
        case .success(.help):
            writeOut(Help.usage(program: program), program: program)
            exit(0)
        case .success(.version):
            writeOut(Help.versionText, program: program)
            exit(0)
        case .success(.run(let options)):
            let pid = getpid()
            let situation = HintSituation(arguments: args, options: options, plan: nil, failure: nil)
            switch Plan.build(options, context: context, pid: pid) {
            case .failure(let failure):
                fail(failure, program: program, hint: situation, facts: context, always: options.explain)
            case .success(let plan) where options.explain:
                writeOut(Explain.render(plan, pid: pid), program: program)
                var predicted = situation
                predicted.plan = plan
                let hints = Hints.all(predicted, facts: context).map { $0.rendered(program: program).bytes }
                _ = Executor.writeAll(2, Array(hints.joined()))
                exit(0)
            case .success(let plan):
                var executor = Executor(plan: plan, pid: pid)
                fail(executor.run(), program: program, hint: HintSituation(arguments: args, options: options, plan: plan, failure: nil), facts: context)
            }
        }
    }

    /// util-linux's message; then, when stderr is a terminal (or with --explain),
    /// one hint line naming the cause (scripts keep util-linux's exact bytes).
    /// `facts` is the context read before any namespace was made (the ids are the caller's).
    static func fail(_ failure: Failure, program: ByteString, hint situation: HintSituation? = nil,
                     facts: LiveSystem = LiveSystem(), always: Bool = false) -> Never {
        _ = Executor.writeAll(2, failure.rendered(program: program).bytes)
        if var situation, always || isatty(2) == 1 {
            situation.failure = FailedOperation.classify(failure)
            if let hint = Hints.first(situation, facts: facts) {
                _ = Executor.writeAll(2, hint.rendered(program: program).bytes)
            }
        }
        exit(failure.exitCode)
    }

    /// Writes to stdout and checks the write, as util-linux's close_stdout():
    /// an error is `write error: <strerror>`, exit 1, except a closed pipe
    /// (EPIPE, with SIGPIPE ignored), which is not an error.
    static func writeOut(_ text: ByteString, program: ByteString) {
        if !Executor.writeAll(1, text.bytes) && errno != EPIPE {
            fail(.system("write error", .current), program: program)
        }
    }
}
