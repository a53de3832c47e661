// SPDX-License-Identifier: Apache-2.0
/// What --check prints: util-linux's lines for a failure, and the JSON
/// objects of --check=json (docs: the man page, CHECK, which gives the schema).
package enum CheckOutput {
    /// The schema's name and version, the first two members of every object.
    static let schema: [(String, JSON)] = [("schema", .string("swift-unshare-check")), ("version", .int(1))]

    /// The lines a failed check prints on stderr: util-linux's message for the
    /// failing step (none when a helper printed its own), then the hint.
    package static func failureText(_ f: CheckFailure, hint: Hint?, program: ByteString) -> ByteString {
        var text: ByteString = f.message.map { "\(program): \($0)\n" } ?? ""
        if let hint { text = text + hint.rendered(program: program) }
        return text
    }

    /// --check=json with options: the plan's strategy and namespaces, every
    /// step's outcome, the first failure with its hint, and what the trial printed.
    package static func commandJSON(_ r: CheckResult, arguments: [ByteString], hint: Hint?) -> ByteString {
        let unshared =
            r.plan.steps.compactMap { step -> Set<Namespace>? in
                if case .unshare(let set) = step { return set }
                return nil
            }.first ?? []
        let steps: [JSON] = zip(r.plan.steps, r.steps).map { step, outcome in
            var members: [(String, JSON)] = [
                ("step", .string(step.checkName)), ("text", .string(Explain.describe(step, plan: r.plan, pid: r.pid))),
            ]
            switch outcome {
            case .ok: members += [("status", .string("ok")), ("message", .null), ("exit_status", .null)]
            case .notReached:
                members += [("status", .string("not-reached")), ("message", .null), ("exit_status", .null)]
            case .failed(let f):
                members += [
                    ("status", .string("failed")), ("message", .optional(f.message)), ("exit_status", .int(f.exitCode)),
                ]
            }
            return .object(members)
        }
        let failure: JSON =
            r.firstFailure.map { first in
                .object([
                    ("step", .int(first.index)), ("message", .optional(first.failure.message)),
                    ("exit_status", .int(first.failure.exitCode)), ("hint", hintJSON(hint)),
                ])
            } ?? .null
        let persist: [JSON] = r.plan.persistTargets.map { target in
            .object([
                ("namespace", .string("\(target.namespace)")), ("target", .string(target.file)),
                ("tried_on_temporary_file", .bool(r.substituted.contains(target))),
            ])
        }
        return line(
            schema + [
                ("mode", .string("command")), ("stage", .string("execute")), ("arguments", strings(arguments)),
                ("ok", .bool(r.isOK)), ("exit_status", .int(r.exitStatus)),
                ("strategy", .string(r.plan.strategy.checkName)),
                ("namespaces", .array(Explain.names(unshared).split(separator: " ").map { .string(String($0)) })),
                ("steps", .array(steps)), ("failure", failure), ("persist", .array(persist)),
                ("output", .string(ByteString(r.output))),
            ])
    }

    /// --check=json when the command line or its plan is refused before any
    /// step (`stage` "parse" or "plan"): the message and hint as util-linux's
    /// run would give them.
    package static func refusedJSON(
        _ failure: Failure, stage: String, arguments: [ByteString], hint: Hint?
    ) -> ByteString {
        line(
            schema + [
                ("mode", .string("command")), ("stage", .string(stage)), ("arguments", strings(arguments)),
                ("ok", .bool(false)), ("exit_status", .int(failure.exitCode)), ("strategy", .null),
                ("namespaces", .array([])), ("steps", .array([])),
                (
                    "failure",
                    .object([
                        ("step", .null), ("message", .optional(failure.message)),
                        ("exit_status", .int(failure.exitCode)), ("hint", hintJSON(hint)),
                    ])
                ),
                ("persist", .array([])), ("output", .string("")),
            ])
    }

    static func hintJSON(_ hint: Hint?) -> JSON {
        guard let hint else { return .null }
        return .object([
            ("cause", .string(hint.cause.rawValue)), ("reason", .string(hint.reason)), ("fix", .string(hint.fix)),
            ("text", .string(hint.text)),
        ])
    }

    static func strings(_ words: [ByteString]) -> JSON { .array(words.map(JSON.string)) }

    /// One object on one line.
    static func line(_ members: [(String, JSON)]) -> ByteString { ByteString(JSON.object(members).bytes + [0x0a]) }
}

extension MapStrategy {
    /// The strategy's name in --check=json, in --explain's words.
    var checkName: String {
        switch self {
        case .none: return "none"
        case .selfWrite: return "self-written"
        case .privilegedHelper: return "parent-written"
        case .newIDMapHelpers: return "newuidmap"
        }
    }
}

extension Step {
    /// The step's name in --check=json (each one named: a new step must say its name).
    var checkName: String {
        switch self {
        case .startBindHelper: return "start-bind-helper"
        case .startMapHelper: return "start-map-helper"
        case .becomeOwner: return "become-owner"
        case .unshare: return "unshare"
        case .releaseMapHelper: return "release-map-helper"
        case .setTimeOffset: return "time-offset"
        case .fork: return "fork"
        case .persist: return "persist"
        case .writeUIDMap: return "write-uid-map"
        case .writeSetgroups: return "write-setgroups"
        case .writeGIDMap: return "write-gid-map"
        case .setPropagation: return "propagation"
        case .loadFixedInterpreterBeforeChroot: return "load-fixed-interpreter"
        case .chroot: return "chroot"
        case .chdir: return "chdir"
        case .makeMountPointPrivate: return "make-mount-point-private"
        case .mountProc: return "mount-proc"
        case .mountBinfmt: return "mount-binfmt"
        case .loadInterpreter: return "load-interpreter"
        case .setgid: return "setgid"
        case .setuid: return "setuid"
        case .keepCapabilities: return "keep-caps"
        case .clearEnvironment: return "clear-environment"
        case .exec: return "exec"
        case .execShell: return "exec-shell"
        }
    }
}
