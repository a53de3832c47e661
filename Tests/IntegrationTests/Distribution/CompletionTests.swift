// SPDX-License-Identifier: Apache-2.0
import Foundation
import SwiftUnshare
import Testing

/// One command line, completed at its end, and the exact candidates expected.
struct CompletionCase: CustomStringConvertible, Sendable {
    let line: String
    let expected: [String]
    init(_ line: String, _ expected: [String]) {
        self.line = line
        self.expected = expected.sorted()
    }
    var description: String { "\"\(line)\"" }

    static let modes = ["private", "shared", "slave", "unchanged"]
    static let ranges = ["all", "auto", "subids"]
    /// An executable that exists only in the PATH the tests give the shells.
    static let program = "docs-fake-prog"

    /// What every shell must complete, the same way.
    static let common: [CompletionCase] = [
        CompletionCase("swift-unshare --prop", ["--propagation"]),
        CompletionCase("swift-unshare --propagation ", modes),
        CompletionCase("swift-unshare --propagation=", modes),
        CompletionCase("swift-unshare --propagation=s", ["shared", "slave"]),
        CompletionCase("swift-unshare --setgroups ", ["allow", "deny"]),
        CompletionCase("swift-unshare --setgroups=d", ["deny"]),
        CompletionCase("swift-unshare --map-users=", ranges),
        CompletionCase("swift-unshare --map-groups ", ranges),
        CompletionCase("swift-unshare -r --map-users=a", ["all", "auto"]),
        CompletionCase("swift-unshare --kill-child=", SignalNames.table.map(\.name)),
        CompletionCase("swift-unshare --kill-child=T", SignalNames.table.map(\.name).filter { $0.hasPrefix("T") }),
        // with SIG when typed with it, lower case when typed so
        CompletionCase("swift-unshare --kill-child=SIGK", ["SIGKILL"]),
        CompletionCase("swift-unshare --kill-child=k", ["kill"]),
        CompletionCase("swift-unshare --kill-child=sigt", ["sigterm", "sigtrap", "sigtstp", "sigttin", "sigttou"]),
        // the value of an abbreviated option
        CompletionCase("swift-unshare --prop ", modes),
        CompletionCase("swift-unshare -r --setgr ", ["allow", "deny"]),
        // The program word: command names.
        CompletionCase("swift-unshare -r docs-fake-pr", [program]),
        CompletionCase("swift-unshare -r --map-users 0:100000:65536 docs-fake-pr", [program]),
        CompletionCase("swift-unshare -r -- docs-fake-pr", [program]),
        // An optional value is only ever attached: the next word is the program.
        CompletionCase("swift-unshare --mount docs-fake-pr", [program]),
        CompletionCase("swift-unshare --kill-child docs-fake-pr", [program]),
        // A required value may be the next word, also after a cluster or an abbreviation.
        CompletionCase("swift-unshare -S docs-fake-pr", []),
        CompletionCase("swift-unshare -S 0 docs-fake-pr", [program]),
        CompletionCase("swift-unshare -rS 0 docs-fake-pr", [program]),
        CompletionCase("swift-unshare --prop slave docs-fake-pr", [program]),
        // --check's format, only ever attached.
        CompletionCase("swift-unshare --check=", ["json", "text"]),
        CompletionCase("swift-unshare -r --check=j", ["json"]),
        CompletionCase("swift-unshare --check docs-fake-pr", [program]),
        // podman mode.
        CompletionCase("swift-unshare --pod", ["--podman"]),
        CompletionCase("podman-unshare --ch", ["--check"]),
        CompletionCase("podman-unshare --check=", ["json", "text"]),
        CompletionCase("swift-unshare --podman --r", ["--rootless-netns"]),
        CompletionCase("podman-unshare --r", ["--rootless-netns"]),
        CompletionCase("podman-unshare docs-fake-pr", [program]),
    ]

    /// Handing over to the program's own completion (here swift-unshare's own,
    /// the one completion known to be loaded). bash needs bash-completion for it.
    static let handOver: [CompletionCase] = [
        CompletionCase("swift-unshare -r swift-unshare --prop", ["--propagation"]),
        CompletionCase("swift-unshare -r -- swift-unshare --setgroups ", ["allow", "deny"]),
        CompletionCase("podman-unshare swift-unshare --map-users=", ranges),
    ]
}

/// Runs the real shells on the repository's completion files.
enum CompletionShell {
    static let bashCompletion = "/usr/share/bash-completion/bash_completion"

    static func path(of name: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for dir in dirs {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static var hasZshWithZpty: Bool {
        guard let zsh = path(of: "zsh") else { return false }
        return (try? run(zsh, ["-f", "-c", "zmodload zsh/zpty"], in: FileManager.default.temporaryDirectory))?.status
            == 0
    }

    static var hasFish: Bool { path(of: "fish") != nil }

    /// A fresh directory with bin/docs-fake-prog and private config/data dirs.
    static func sandbox() throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("swift-unshare-completion-\(UUID().uuidString)")
        let bin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for sub in ["config", "data", "cache"] {
            try FileManager.default.createDirectory(
                at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let program = bin.appendingPathComponent(CompletionCase.program)
        try "#!/bin/sh\n".write(to: program, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program.path)
        return dir
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `executable` with output to files (no pipe to fill up), killing it
    /// after `timeout` seconds.
    static func run(
        _ executable: String, _ arguments: [String], in dir: URL,
        timeout: TimeInterval = 60
    ) throws -> Result {
        let id = UUID().uuidString
        let outURL = dir.appendingPathComponent("out-\(id)")
        let errURL = dir.appendingPathComponent("err-\(id)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = dir.appendingPathComponent("bin").path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        env["HOME"] = dir.path
        env["XDG_CONFIG_HOME"] = dir.appendingPathComponent("config").path
        env["XDG_DATA_HOME"] = dir.appendingPathComponent("data").path
        env["XDG_CACHE_HOME"] = dir.appendingPathComponent("cache").path
        env["TERM"] = "xterm"
        env["LC_ALL"] = "C"
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("\(executable) \(arguments) timed out after \(timeout)s")
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    static func candidates(_ output: String) -> [String] {
        Array(Set(output.split(separator: "\n").map(String.init).filter { !$0.isEmpty })).sorted()
    }

    // MARK: bash

    /// Splits `line` as readline does for programmable completion: at blanks,
    /// and around each "=" and ":" (both in the default COMP_WORDBREAKS).
    static func readlineWords(_ line: String) -> [String] {
        var words: [String] = []
        var word = ""
        for c in line {
            if c == " " {
                if !word.isEmpty { words.append(word) }
                word = ""
            } else if c == "=" || c == ":" {
                if !word.isEmpty { words.append(word) }
                words.append(String(c))
                word = ""
            } else {
                word.append(c)
            }
        }
        if !word.isEmpty || line.hasSuffix(" ") { words.append(word) }
        return words
    }

    static func shellQuote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func bash(_ line: String, withBashCompletion: Bool) throws -> [String] {
        let dir = try sandbox()
        defer { try? FileManager.default.removeItem(at: dir) }
        let words = readlineWords(line)
        let file = DocsRepo.root.appendingPathComponent(DocsRepo.bash).path
        var script = ""
        if withBashCompletion { script += ". \(shellQuote(bashCompletion))\n" }
        script += """
            . \(shellQuote(file))
            COMP_WORDS=(\(words.map(shellQuote).joined(separator: " ")))
            COMP_CWORD=\(words.count - 1)
            COMP_LINE=\(shellQuote(line))
            COMP_POINT=\(line.utf8.count)
            spec=$(complete -p -- "${COMP_WORDS[0]}") || exit 3
            fn=${spec#*-F }
            fn=${fn%% *}
            "$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
            printf '%s\\n' "${COMPREPLY[@]}"

            """
        let result = try run(path(of: "bash") ?? "/bin/bash", ["--noprofile", "--norc", "-c", script], in: dir)
        #expect(result.status == 0, "bash: \(result.stderr)")
        return candidates(result.stdout)
    }

    // MARK: zsh

    /// Drives an interactive zsh in a zpty: compinit with the repository's
    /// completion first in fpath, `compadd` wrapped to record every match it
    /// adds, and Tab bound to a widget that runs complete-word and then
    /// publishes the record.
    static let zshCapture = #"""
        zmodload zsh/zpty || exit 2
        dir=$1 out=$2 line=$3
        rm -f $out $out.tmp
        zpty z zsh -f -i
        zpty -w z "PS1='' PROMPT_EOL_MARK=''; unsetopt autolist automenu listbeep beep; fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
        zpty -w z 'compadd() {
          if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
          local -a __hits; builtin compadd -A __hits "$@"
          (( $#__hits )) && print -rl -- $__hits >> '${(q)out}'.tmp
          builtin compadd "$@"
        }'
        zpty -w z "_docs_tab() { : >| ${(q)out}.tmp; zle complete-word; mv ${(q)out}.tmp ${(q)out}; }; zle -N _docs_tab; bindkey '^I' _docs_tab"
        zpty -w -n z "$line"$'\t'
        for i in {1..600}; do [[ -f $out ]] && break; sleep 0.05; done
        zpty -d z
        [[ -f $out ]] || { print -u2 "no completion output for: $line"; exit 3; }
        cat $out
        """#

    static func zsh(_ line: String) throws -> [String] {
        let dir = try sandbox()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("capture.zsh")
        try zshCapture.write(to: script, atomically: true, encoding: .utf8)
        let fpath = DocsRepo.root.appendingPathComponent("completions/zsh").path
        let out = dir.appendingPathComponent("matches").path
        let result = try run(path(of: "zsh") ?? "zsh", ["-f", script.path, fpath, out, line], in: dir)
        #expect(result.status == 0, "zsh: \(result.stderr)")
        return candidates(result.stdout)
    }

    // MARK: fish

    static func fish(_ line: String) throws -> [String] {
        let dir = try sandbox()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = DocsRepo.root.appendingPathComponent(DocsRepo.fish).path
        let result = try run(
            path(of: "fish") ?? "fish",
            ["-c", "source $argv[1]; and complete -C $argv[2]", file, line], in: dir)
        #expect(result.status == 0, "fish: \(result.stderr)")
        // "candidate<TAB>description"; for `--opt=value` fish repeats `--opt=`.
        let current = line.split(separator: " ", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        let attached =
            current.hasPrefix("--") && current.contains("=")
            ? String(current[...current.firstIndex(of: "=")!]) : nil
        let names = result.stdout.split(separator: "\n").map { entry -> String in
            let candidate = String(entry.split(separator: "\t", maxSplits: 1).first ?? "")
            if let attached, candidate.hasPrefix(attached) { return String(candidate.dropFirst(attached.count)) }
            return candidate
        }
        return candidates(names.joined(separator: "\n"))
    }
}

@Suite("Completions: bash, zsh and fish complete swift-unshare the same way")
struct CompletionTests {
    @Test(
        "bash, with bash-completion", .requiresFile(CompletionShell.bashCompletion, package: "bash-completion"),
        arguments: CompletionCase.common + CompletionCase.handOver)
    func bashWithBashCompletion(_ c: CompletionCase) throws {
        let candidates = try CompletionShell.bash(c.line, withBashCompletion: true)
        #expect(candidates == c.expected)
    }

    @Test("bash, without bash-completion", arguments: CompletionCase.common)
    func bashAlone(_ c: CompletionCase) throws {
        let candidates = try CompletionShell.bash(c.line, withBashCompletion: false)
        #expect(candidates == c.expected)
    }

    @Test(
        "zsh", .requires("needs zsh with its zsh/zpty module (Debian package zsh)") { CompletionShell.hasZshWithZpty },
        arguments: CompletionCase.common + CompletionCase.handOver)
    func zsh(_ c: CompletionCase) throws {
        let candidates = try CompletionShell.zsh(c.line)
        #expect(candidates == c.expected)
    }

    @Test(
        "fish", .requires("needs fish (Debian package fish)") { CompletionShell.hasFish },
        arguments: CompletionCase.common + CompletionCase.handOver)
    func fish(_ c: CompletionCase) throws {
        let candidates = try CompletionShell.fish(c.line)
        #expect(candidates == c.expected)
    }

    @Test("bash without bash-completion offers files after the program")
    func bashFallbackOffersFiles() throws {
        let line = "swift-unshare -r docs-fake-prog /e"
        #expect(try CompletionShell.bash(line, withBashCompletion: false).contains("/etc"))
    }

    @Test("the bash completion is registered for podman-unshare")
    func bashRegistersPodmanUnshare() throws {
        let dir = try CompletionShell.sandbox()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = DocsRepo.root.appendingPathComponent(DocsRepo.bash).path
        let result = try CompletionShell.run(
            CompletionShell.path(of: "bash") ?? "/bin/bash",
            [
                "--noprofile", "--norc", "-c",
                ". \(CompletionShell.shellQuote(file)); complete -p swift-unshare podman-unshare",
            ],
            in: dir)
        #expect(
            result.stdout == "complete -F _swift_unshare swift-unshare\ncomplete -F _podman_unshare podman-unshare\n")
    }
}
