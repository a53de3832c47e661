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
        let podman = program == "podman-unshare" || (args.count > 1 && args[1] == "--podman")
        refuseSetID(dialect: podman ? "Error" : program)
        if program == "podman-unshare" { PodmanUnshare.main(args) }
        if podman { PodmanUnshare.main([args[0]] + args.dropFirst(2)) }
        let context = LiveSystem()
        switch Options.parse(args, context: context) {
        case .failure(let failure) where failure.tryHelp:
            // glibc's getopt names the program as typed; the Try line, util-linux's, by its basename
            _ = Executor.writeAll(2, ("\(args[0]): \(failure.message)\n"
                + "Try '\(program) --help' for more information.\n").bytes)
            exit(failure.exitCode)
        case .failure(let failure):
            fail(failure, program: program)
        case .success(.help):
            writeOut(Help.usage(program: program), program: program)
            exit(0)
        case .success(.version):
            writeOut(Help.versionText(program: program), program: program)
            exit(0)
        case .success(.run(let options)):
            let pid = getpid()
            switch Plan.build(options, context: context, pid: pid) {
            case .failure(let failure):
                fail(failure, program: program)
            case .success(let plan):
                var executor = Executor(plan: plan, pid: pid)
                fail(executor.run(), program: program)
            }
        }
    }

    static func fail(_ failure: Failure, program: ByteString) -> Never {
        _ = Executor.writeAll(2, failure.rendered(program: program).bytes)
        exit(failure.exitCode)
    }

    /// A setuid or setgid install (real and effective ids differ) would let any
    /// user act as the file's owner: refuse in one line, exit 1, before anything else.
    static func refuseSetID(dialect prefix: ByteString) {
        guard getuid() != geteuid() || getgid() != getegid() else { return }
        let line: ByteString = "\(prefix): refusing to run setuid or setgid "
            + "(real and effective user or group ids differ); install it without the set-id bits\n"
        _ = Executor.writeAll(2, line.bytes)
        exit(1)
    }

    /// Writes to stdout and checks the write, as util-linux's close_stdout():
    /// an error is `write error: <strerror>`, exit 1, except a closed pipe
    /// (EPIPE, with SIGPIPE ignored) and a closed stdout (EBADF), which are not errors.
    static func writeOut(_ text: ByteString, program: ByteString) {
        if !Executor.writeAll(1, text.bytes) && errno != EPIPE && errno != EBADF {
            fail(.system("write error", .current), program: program)
        }
    }
}
