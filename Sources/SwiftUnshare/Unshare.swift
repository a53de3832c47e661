import Glibc

/// Which program the command line asks for.
public enum Mode: Equatable, Sendable {
    /// unshare(1); args[0] names the program.
    case unshare([ByteString])
    /// podman unshare: the binary named `podman-unshare`, or `swift-unshare
    /// --podman ...` (args[0] kept, `--podman` removed).
    case podman([ByteString])

    public static func select(_ arguments: [ByteString]) -> Mode {
        let args = arguments.isEmpty ? ["swift-unshare"] : arguments   // execve() may pass argc 0
        if args[0].basename == "podman-unshare" { return .podman(args) }
        if args.count > 1 && args[1] == "--podman" { return .podman([args[0]] + args.dropFirst(2)) }
        return .unshare(args)
    }
}

/// unshare(1): argv → Options → Plan → execute, errors in util-linux's words.
public enum Unshare {
    /// The arguments exactly as the kernel passed them (bytes, not repaired UTF-8).
    public static func commandLine() -> [ByteString] {
        (0..<Int(CommandLine.argc)).map { ByteString(cString: CommandLine.unsafeArgv[$0]!) }
    }

    /// Runs unshare(1) with `args` (args[0] names the program) and exits.
    public static func main(_ args: [ByteString]) -> Never {
        let program = (args.first ?? "swift-unshare").basename
        let context = LiveSystem()
        switch Options.parse(args, context: context) {
        case .failure(let failure):
            fail(failure, program: program)
        case .success(.help):
            writeOut(Help.usage(program: program), program: program)
            exit(0)
        case .success(.version):
            writeOut(Help.versionText, program: program)
            exit(0)
        case .success(.run(let options)):
            let pid = getpid()
            switch Plan.build(options, context: context, pid: pid) {
            case .failure(let failure):
                fail(failure, program: program)
            case .success(let plan):
                if let failure = SingleThread.check() { fail(failure, program: program) }
                var executor = Executor(plan: plan, pid: pid, system: LiveSystemCalls())
                switch executor.run() {
                case .exit(let code): exit(code)
                case .failure(let failure): fail(failure, program: program)
                }
            }
        }
    }

    static func fail(_ failure: Failure, program: ByteString) -> Never {
        _ = Sys.writeAll(2, failure.rendered(program: program).bytes)
        exit(failure.exitCode)
    }

    /// Writes to stdout and checks the write, as util-linux's close_stdout():
    /// an error is `write error: <strerror>`, exit 1, except a closed pipe
    /// (EPIPE, with SIGPIPE ignored), which is not an error.
    static func writeOut(_ text: ByteString, program: ByteString) {
        if case .failure(let e) = Sys.writeAll(1, text.bytes), e.rawValue != EPIPE {
            fail(Failure(.writeError, e), program: program)
        }
    }
}
