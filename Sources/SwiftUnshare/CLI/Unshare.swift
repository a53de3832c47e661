// SPDX-License-Identifier: Apache-2.0
import Glibc

/// unshare(1): argv → Options → Plan → execute, errors in util-linux's words.
package enum Unshare {
    /// The arguments exactly as the kernel passed them (bytes, not repaired
    /// UTF-8): `argc` C strings at `argv` (the executable reads them from its
    /// start-up code, not through Swift's `CommandLine`).
    package static func commandLine(argc: Int32, argv: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> [ByteString] {
        (0..<Int(argc)).map { ByteString(cString: argv[$0]!) }
    }

    /// Runs unshare(1) with `args` (args[0] names the program) and exits.
    package static func main(_ args: [ByteString]) -> Never {
        let program = (args.first ?? "swift-unshare").basename
        let context = LiveSystem()
        // The parse throws its failure rather than returning a Result, and the
        // results are taken apart without `where` clauses: either would make
        // Swift copy a Result through run-time generic metadata (BENCHMARKS.md).
        let options: Options
        do {
            switch try Options.parsing(args, context: context) {
            case .help:
                writeOut(Help.usage(program: program), program: program)
                exit(0)
            case .version:
                writeOut(Help.versionText(program: program), program: program)
                exit(0)
            case .run(let parsed):
                options = parsed
            }
        } catch {
            if Options.checkFormat(args) == .json {
                checkRefused(error, stage: "parse", args: args, options: nil, facts: context)
            }
            if error.tryHelp {
                // glibc's getopt names the program as typed; the Try line, util-linux's, by its basename
                _ = Sys.writeAll(
                    2,
                    ("\(args[0]): \(error.message ?? "")\n"
                        + "Try '\(program) --help' for more information.\n").bytes)
                exit(error.exitCode)
            }
            fail(
                error, program: program, hint: HintSituation(arguments: args, options: nil, plan: nil, failure: nil),
                facts: context)
        }
        if options.check != nil { check(args, options, program: program, context: context) }
        let pid = getpid()
        // Made only when there is something to say: it copies the options.
        func situation(_ plan: Plan?) -> HintSituation {
            HintSituation(arguments: args, options: options, plan: plan, failure: nil)
        }
        let plan: Plan
        switch Plan.build(options, context: context, pid: pid) {
        case .failure(let failure):
            fail(failure, program: program, hint: situation(nil), facts: context, always: options.explain)
        case .success(let built):
            plan = built
        }
        if options.explain {
            writeOut(Explain.render(plan, pid: pid), program: program)
            let predicted = situation(plan)
            let hints = Hints.all(predicted, facts: context).map { $0.rendered(program: program).bytes }
            _ = Sys.writeAll(2, Array(hints.joined()))
            exit(0)
        }
        if let failure = SingleThread.check() { fail(failure, program: program) }
        var executor = Executor(plan: plan, pid: pid, system: LiveSystemCalls())
        switch executor.run() {
        case .exit(let code): exit(code)
        case .failure(let failure):
            fail(failure, program: program, hint: situation(plan), facts: context)
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
