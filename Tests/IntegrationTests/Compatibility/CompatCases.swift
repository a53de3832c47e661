// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// One argument vector and what it must end with, whoever runs it.
struct CompatCase: Sendable, CustomTestStringConvertible {
    var args: [String]
    /// How the run ends (ours and util-linux alike).
    var ending: Ending
    /// Exact texts, when they do not depend on the machine.
    var stdout: String?
    var stderr: String?
    /// Variables set for the run on top of Harness.environment (PATH for the
    /// execvp search cases, SHELL and HOME for the login shell).
    var env: [String: String] = [:]

    var testDescription: String {
        let words = args.map { a -> String in
            if a.isEmpty { return "''" }
            return a.contains(where: { " $'\"\\*;<>|".contains($0) }) ? "'\(a)'" : a
        }
        let vars = env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value) " }.joined()
        return vars + "unshare " + words.joined(separator: " ")
    }

    /// A usage error: glibc's message and the "Try" line, exit 1.
    static func usage(_ args: [String], _ message: String) -> CompatCase {
        CompatCase(
            args: args, ending: .exit(1), stdout: "",
            stderr: "unshare: \(message)\nTry 'unshare --help' for more information.\n")
    }

    /// An error of unshare's own: one line, exit 1 (126/127 for exec failures).
    static func error(_ args: [String], _ message: String, exit code: Int32 = 1, path: String? = nil) -> CompatCase {
        CompatCase(
            args: args, ending: .exit(code), stdout: "", stderr: "unshare: \(message)\n",
            env: path.map { ["PATH": $0] } ?? [:])
    }

    /// Success with nothing on stderr; `stdout` when it is known exactly.
    static func ok(_ args: [String], _ stdout: String? = nil, path: String? = nil) -> CompatCase {
        CompatCase(args: args, ending: .exit(0), stdout: stdout, stderr: "", env: path.map { ["PATH": $0] } ?? [:])
    }

    static func ends(
        _ args: [String], _ ending: Ending, stdout: String? = nil, stderr: String? = nil,
        env: [String: String] = [:]
    ) -> CompatCase {
        CompatCase(args: args, ending: ending, stdout: stdout, stderr: stderr, env: env)
    }
}

/// Checks that hold for any run of ours, whatever util-linux does: so that an
/// equality test cannot pass on two identical crashes.
enum CompatSanity {
    /// Signals that mean a crash (a Swift trap is SIGILL or SIGTRAP).
    static let crashSignals: Set<Int32> = [SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGSYS]
    static let crashTexts = [
        "Fatal error", "Backtrace", "Stack dump", "Current stack trace", "Illegal instruction",
        "Segmentation fault", "💣",
    ]

    static func check(_ o: Outcome, allowing expected: Ending? = nil, sourceLocation: SourceLocation = #_sourceLocation)
    {
        #expect(o.ending != .timedOut, "timed out", sourceLocation: sourceLocation)
        if case .signal(let s) = o.ending, expected != o.ending {
            #expect(!crashSignals.contains(s), "crashed with signal \(s)\n\(o)", sourceLocation: sourceLocation)
        }
        for text in crashTexts {
            #expect(!o.stderr.contains(text), "stderr has \(text):\n\(o.stderr)", sourceLocation: sourceLocation)
        }
    }
}

/// A namespace flag and the /proc/self/ns link that must change.
struct CompatNamespaceCase: Sendable, CustomTestStringConvertible {
    var args: [String]
    var link: String
    var runner: Runner

    var testDescription: String { "\(runner): unshare \(args.joined(separator: " ")) readlink /proc/self/ns/\(link)" }

    /// Every namespace flag, short and long, for `runner`: an unprivileged
    /// user needs its own user namespace for the others.
    static func all(as runner: Runner) -> [CompatNamespaceCase] {
        let flags: [([String], String)] = [
            (["-m"], "mnt"), (["-u"], "uts"), (["-i"], "ipc"), (["-n"], "net"), (["-f", "-p"], "pid"),
            (["-U"], "user"), (["-C"], "cgroup"), (["-T"], "time"),
            (["--mount"], "mnt"), (["--uts"], "uts"), (["--ipc"], "ipc"), (["--net"], "net"),
            (["--fork", "--pid"], "pid"), (["--user"], "user"), (["--cgroup"], "cgroup"), (["--time"], "time"),
        ]
        return flags.map { flag, link in
            let args = runner == .root || link == "user" ? flag : ["-r"] + flag
            return CompatNamespaceCase(args: args, link: link, runner: runner)
        }
    }
}
