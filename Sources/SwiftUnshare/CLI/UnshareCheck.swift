// SPDX-License-Identifier: Apache-2.0
import Glibc

/// --check in unshare mode (docs: the man page, CHECK): with options, the
/// command tried in a throwaway child (Check/CommandCheck.swift), ending with
/// the status the command would have had and, on a failure, util-linux's
/// message and the hint; alone, the report of what this machine allows.
extension Unshare {
    static func check(_ args: [ByteString], _ options: Options, program: ByteString, context: LiveSystem) -> Never {
        let format = options.check ?? .text
        // The trials are forks of this process, and go on in Swift as --fork's child does.
        if let failure = SingleThread.check() { fail(failure, program: program) }
        let sys = LiveSystemCalls()
        _ = sys.becomeSubreaper()  // without it, an orphan of a trial is reaped by another
        if args.count == 2 { checkReport(format, program: program, context: context, sys) }
        var situation = HintSituation(arguments: args, options: options, plan: nil, failure: nil)
        let plan: Plan
        switch Plan.build(options, context: context, pid: getpid()) {
        case .failure(let f) where format == .json:
            checkRefused(f, stage: "plan", args: args, options: options, facts: context)
        case .failure(let f):
            fail(f, program: program, hint: situation, facts: context)
        case .success(let p):
            plan = p
        }
        situation.plan = plan
        switch CommandCheck.run(plan, captureOutput: format == .json, sys) {
        case .failure(let f):
            fail(f, program: program)
        case .success(let result):
            var hint: Hint?
            if let first = result.firstFailure {
                situation.failure = first.failure.operation
                hint = Hints.first(situation, facts: context)
            }
            switch format {
            case .json:
                writeOut(
                    CheckOutput.commandJSON(result, arguments: Array(args.dropFirst()), hint: hint), program: program)
            case .text:
                if let first = result.firstFailure {
                    let shown = isatty(2) == 1 ? hint : nil
                    _ = Sys.writeAll(2, CheckOutput.failureText(first.failure, hint: shown, program: program).bytes)
                }
            }
            exit(result.exitStatus)
        }
    }

    /// --check=json for a command line refused before any step: the JSON
    /// object with util-linux's message and the hint, and util-linux's status.
    static func checkRefused(
        _ failure: Failure, stage: String, args: [ByteString], options: Options?, facts: LiveSystem
    ) -> Never {
        var situation = HintSituation(arguments: args, options: options, plan: nil, failure: FailedOperation(failure))
        situation.failure = FailedOperation(failure)
        let hint = Hints.first(situation, facts: facts)
        let program = (args.first ?? "swift-unshare").basename
        writeOut(
            CheckOutput.refusedJSON(failure, stage: stage, arguments: Array(args.dropFirst()), hint: hint),
            program: program)
        exit(failure.exitCode)
    }

    /// --check alone: the report of what this machine allows this user, one
    /// line a capability (or one JSON object); exit 0 once it is written.
    static func checkReport(_ format: CheckFormat, program: ByteString, context: LiveSystem, _ sys: LiveSystemCalls)
        -> Never
    {
        let lines = MachineReport.build(LiveMachine(system: context, sys: sys))
        switch format {
        case .text:
            writeOut(CheckOutput.reportText(lines), program: program)
        case .json:
            let json = CheckOutput.reportJSON(
                lines, mode: "report", user: context.user(id: context.euid), uid: context.euid, gid: context.egid)
            writeOut(json, program: program)
        }
        exit(0)
    }
}
