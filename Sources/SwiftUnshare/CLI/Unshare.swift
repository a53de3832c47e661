// SPDX-License-Identifier: Apache-2.0
import Glibc

/// unshare(1): argv → Options → Plan → execute, errors in util-linux's words.
package enum Unshare {
    /// The arguments exactly as the kernel passed them (bytes, not repaired UTF-8).
    package static func commandLine() -> [ByteString] {
        (0..<Int(CommandLine.argc)).map { ByteString(cString: CommandLine.unsafeArgv[$0]!) }
    }

    /// Runs unshare(1) with `args` (args[0] names the program) and exits.
    package static func main(_ args: [ByteString]) -> Never {
        let program = (args.first ?? "swift-unshare").basename
        let context = LiveSystem()
        switch Options.parse(args, context: context) {
        case .failure(let failure) where Options.checkFormat(args) == .json:
            checkRefused(failure, stage: "parse", args: args, options: nil, facts: context)
        case .failure(let failure) where failure.tryHelp:
            // glibc's getopt names the program as typed; the Try line, util-linux's, by its basename
            _ = Sys.writeAll(
                2,
                ("\(args[0]): \(failure.message ?? "")\n"
                    + "Try '\(program) --help' for more information.\n").bytes)
            exit(failure.exitCode)
        case .failure(let failure):
            fail(
                failure, program: program, hint: HintSituation(arguments: args, options: nil, plan: nil, failure: nil),
                facts: context)
        case .success(.help):
            writeOut(Help.usage(program: program), program: program)
            exit(0)
        case .success(.version):
            writeOut(Help.versionText(program: program), program: program)
            exit(0)
        case .success(.run(let options)) where options.check != nil:
            check(args, options, program: program, context: context)
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
                _ = Sys.writeAll(2, Array(hints.joined()))
                exit(0)
            case .success(let plan):
                if let failure = SingleThread.check() { fail(failure, program: program) }
                var executor = Executor(plan: plan, pid: pid, system: LiveSystemCalls())
                switch executor.run() {
                case .exit(let code): exit(code)
                case .failure(let failure):
                    var planned = situation
                    planned.plan = plan
                    fail(failure, program: program, hint: planned, facts: context)
                }
            }
        }
    }

    /// util-linux's message; then, when stderr is a terminal (or with --explain),
    /// the failure's hint line naming the cause (scripts keep util-linux's exact bytes).
    /// `facts` is the context read before any namespace was made (the ids are the caller's).
    static func fail(
        _ failure: Failure, program: ByteString, hint situation: HintSituation? = nil,
        facts: LiveSystem = LiveSystem(), always: Bool = false
    ) -> Never {
        var failure = failure
        if var situation, always || isatty(2) == 1 {
            situation.failure = FailedOperation(failure)
            failure.hint = Hints.first(situation, facts: facts).map { "hint: " + $0.text }
        }
        _ = Sys.writeAll(2, failure.rendered(program: program).bytes)
        exit(failure.exitCode)
    }

    /// Writes to stdout and checks the write, as util-linux's close_stdout():
    /// an error is `write error: <strerror>`, exit 1, except a closed pipe
    /// (EPIPE, with SIGPIPE ignored) and a closed stdout (EBADF), which are not errors.
    static func writeOut(_ text: ByteString, program: ByteString) {
        if case .failure(let e) = Sys.writeAll(1, text.bytes), e.rawValue != EPIPE && e.rawValue != EBADF {
            fail(Failure(.writeError, e), program: program)
        }
    }
}
