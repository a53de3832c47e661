// SPDX-License-Identifier: Apache-2.0
import Foundation
import SwiftUnshare
import Testing

/// The shipped documentation and completions, read from the repository.
enum DocsRepo {
    /// The repository root (Harness.repoRoot).
    static let root = URL(fileURLWithPath: Harness.repoRoot)

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static let manPage = "man/swift-unshare.1"
    static let bash = "completions/bash/swift-unshare"
    static let zsh = "completions/zsh/_swift-unshare"
    static let fish = "completions/fish/swift-unshare.fish"

    /// The man page source with the escapes that sit inside option names
    /// removed: `\-\-map\-user` reads `--map-user`, `\fB-r\fP` reads `-r`.
    static func plainManPage() throws -> String {
        var text = try self.text(manPage)
        for (escape, plain) in [
            ("\\-", "-"), ("\\fB", ""), ("\\fI", ""), ("\\fR", ""), ("\\fP", ""),
            ("\\c", ""), ("\\&", ""), ("\\%", ""),
        ] {
            text = text.replacingOccurrences(of: escape, with: plain)
        }
        return text
    }
}

/// Whole-token search: `--map-user` does not count as found inside `--map-users`.
enum DocsText {
    static func isNameCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "-" || c == "_"
    }

    static func containsToken(_ text: String, _ token: String) -> Bool {
        var searchStart = text.startIndex
        while let range = text.range(of: token, range: searchStart..<text.endIndex) {
            let before = range.lowerBound == text.startIndex ? nil : text[text.index(before: range.lowerBound)]
            let after = range.upperBound == text.endIndex ? nil : text[range.upperBound]
            let startsClean = before.map { !isNameCharacter($0) } ?? true
            let endsClean = after.map { !isNameCharacter($0) } ?? true
            if startsClean && endsClean { return true }
            searchStart = text.index(after: range.lowerBound)
        }
        return false
    }

    /// The words of a shell assignment `name='a b c'` (bash) or a fish
    /// `set -g name a b c` line.
    static func assignedWords(_ text: String, bash name: String) -> [String]? {
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            for prefix in ["local \(name)='", "\(name)='"] where trimmed.hasPrefix(prefix) {
                let rest = trimmed.dropFirst(prefix.count)
                guard let end = rest.firstIndex(of: "'") else { continue }
                return rest[..<end].split(separator: " ").map(String.init)
            }
            // `local a='...' b='...'`: find the name anywhere on the line.
            if let range = trimmed.range(of: " \(name)='") {
                let rest = trimmed[range.upperBound...]
                if let end = rest.firstIndex(of: "'") {
                    return rest[..<end].split(separator: " ").map(String.init)
                }
            }
        }
        return nil
    }

    static func fishSetWords(_ text: String, _ name: String) -> [String]? {
        let prefix = "set -g \(name) "
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            return line.dropFirst(prefix.count).split(separator: " ").map(String.init)
        }
        return nil
    }
}

/// The option list comes from `OptionTable.unshare`, the single source of
/// truth: every place that lists options must list every one of them.
@Suite("Docs drift: man page, --help and completions follow OptionTable.unshare")
struct DocsDriftTests {
    static let options = OptionTable.unshare

    static func short(_ spec: OptionSpec<OptionID>) -> String? {
        spec.short.map { String(UnicodeScalar($0)) }
    }

    /// The options `text` misses: `--long` always; `-x` where there is one;
    /// `pair(short, long)`, where the format pairs them, must occur too.
    static func missing(in text: String, pair: ((String, String) -> String)?) -> [String] {
        var missing: [String] = []
        for spec in options {
            let long = "--\(spec.long)"
            if !DocsText.containsToken(text, long) { missing.append(long) }
            guard let letter = short(spec) else { continue }
            if !DocsText.containsToken(text, "-\(letter)") { missing.append("-\(letter)") }
            if let pair, !text.contains(pair(letter, spec.long)) {
                missing.append(pair(letter, spec.long))
            }
        }
        return missing
    }

    @Test func tableIsNotEmpty() {
        // Guards the other tests against passing on an empty table.
        #expect(Self.options.count == OptionID.allCases.count)
        #expect(Self.options.count > 30)
    }

    @Test func helpListsEveryOption() {
        let help = Help.usage(program: "swift-unshare").description
        let missing = Self.missing(in: help, pair: { "-\($0), --\($1)" })
        #expect(missing.isEmpty, "--help misses \(missing)")
    }

    @Test func manPageListsEveryOption() throws {
        let man = try DocsRepo.plainManPage()
        // `.BR \-m ", " \-\-mount`: the short and long form in one tag.
        let missing = Self.missing(in: man, pair: { "-\($0) \", \" --\($1)" })
        #expect(missing.isEmpty, "\(DocsRepo.manPage) misses \(missing)")
    }

    @Test func manPageDescribesEveryOptionInOptions() throws {
        // Each option has its own tag line (`.TP` then `.B`/`.BR` with the option).
        let man = try DocsRepo.plainManPage()
        let lines = man.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var tagged = Set<String>()
        for (i, line) in lines.enumerated() where line == ".TP" && i + 1 < lines.count {
            for spec in Self.options where DocsText.containsToken(lines[i + 1], "--\(spec.long)") {
                tagged.insert(spec.long)
            }
        }
        let untagged = Self.options.map(\.long).filter { !tagged.contains($0) }
        #expect(untagged.isEmpty, "\(DocsRepo.manPage) has no .TP entry for \(untagged)")
    }

    @Test func bashCompletionListsEveryOptionWithItsArgumentKind() throws {
        let bash = try DocsRepo.text(DocsRepo.bash)
        func words(_ name: String) -> Set<String> {
            Set(DocsText.assignedWords(bash, bash: name) ?? [])
        }
        let byKind: [(String, ArgumentKind)] = [
            ("longs_none", .none), ("longs_optional", .optional), ("longs_required", .required),
        ]
        for (variable, kind) in byKind {
            let want = Set(Self.options.filter { $0.argument == kind }.map(\.long))
            let have = words(variable)
            #expect(
                want.subtracting(have).isEmpty,
                "\(DocsRepo.bash): \(variable) misses \(want.subtracting(have).sorted())")
            #expect(
                have.subtracting(want).isEmpty,
                "\(DocsRepo.bash): \(variable) has extra \(have.subtracting(want).sorted())")
        }
        let shortsNone = Set((DocsText.assignedWords(bash, bash: "shorts_none") ?? []).joined())
        let shortsRequired = Set((DocsText.assignedWords(bash, bash: "shorts_required") ?? []).joined())
        for spec in Self.options {
            guard let letter = Self.short(spec).map(Character.init) else { continue }
            let set = spec.shortTakesArgument ? shortsRequired : shortsNone
            #expect(set.contains(letter), "\(DocsRepo.bash) misses -\(letter) (--\(spec.long))")
        }
    }

    @Test func zshCompletionListsEveryOptionWithItsArgumentKind() throws {
        let zsh = try DocsRepo.text(DocsRepo.zsh)
        var missing: [String] = []
        for spec in Self.options {
            // _arguments specs: `--name[` (none), `--name=-[` (optional, only
            // attached), `--name=[` (required) or `--name=}` inside a brace pair.
            let forms: [String]
            switch spec.argument {
            case .none: forms = ["'--\(spec.long)[", ",--\(spec.long)}", "'*--\(spec.long)["]
            case .optional: forms = ["--\(spec.long)=-["]
            case .required: forms = ["'--\(spec.long)=[", ",--\(spec.long)=}", "'*--\(spec.long)=["]
            }
            if !forms.contains(where: zsh.contains) { missing.append("--\(spec.long) (\(spec.argument))") }
            if let letter = Self.short(spec) {
                let shortForms =
                    spec.shortTakesArgument
                    ? ["{-\(letter)+,--\(spec.long)=}"]
                    : ["'-\(letter)[", "{-\(letter),--\(spec.long)}"]
                if !shortForms.contains(where: zsh.contains) { missing.append("-\(letter)") }
            }
        }
        #expect(missing.isEmpty, "\(DocsRepo.zsh) misses \(missing)")
    }

    @Test func fishCompletionListsEveryOption() throws {
        let fish = try DocsRepo.text(DocsRepo.fish)
        var missing: [String] = []
        for spec in Self.options {
            let long = "-l \(spec.long)"
            let line = Self.short(spec).map { "-s \($0) \(long)" } ?? long
            if !DocsText.containsToken(fish, line) { missing.append(line) }
        }
        #expect(missing.isEmpty, "\(DocsRepo.fish) misses \(missing)")
        // The walk that finds the program needs the options with a required value.
        let required = Set(DocsText.fishSetWords(fish, "__swift_unshare_longs_required") ?? [])
        let other = Set(DocsText.fishSetWords(fish, "__swift_unshare_longs_other") ?? [])
        #expect(required == Set(Self.options.filter { $0.argument == .required }.map(\.long)))
        #expect(other == Set(Self.options.filter { $0.argument != .required }.map(\.long)))
    }

    /// Signal names offered for --kill-child= are SignalNames.table's, without SIG.
    @Test(arguments: [DocsRepo.bash, DocsRepo.zsh, DocsRepo.fish])
    func completionOffersEverySignalName(_ path: String) throws {
        let text = try DocsRepo.text(path)
        let want = SignalNames.table.map(\.name)
        let missing = want.filter { !DocsText.containsToken(text, $0) }
        #expect(missing.isEmpty, "\(path) misses signal names \(missing)")
    }

    /// The propagation modes offered are exactly the ones the parser accepts.
    @Test(arguments: [DocsRepo.bash, DocsRepo.zsh, DocsRepo.fish, DocsRepo.manPage])
    func everyPropagationModeIsListed(_ path: String) throws {
        let text = try DocsRepo.text(path)
        let modes = Propagation.allCases.map(\.rawValue)
        let missing = modes.filter { !DocsText.containsToken(text, $0) }
        #expect(missing.isEmpty, "\(path) misses propagation modes \(missing)")
    }
}

@Suite("Docs drift: the library's public API")
struct PublicAPIDocsTests {
    /// Every `public` declaration of the library's modules (a case of a
    /// public enum included) has a `///` comment right above it (attributes
    /// aside) that says which option of unshare(1) it stands for (a
    /// backquoted option such as `--map-auto`, or `unshare(1)` in a sentence
    /// saying how it relates, or that it has none); one that can throw says
    /// what it throws (a `Throws` sentence, or what it rethrows). The library's API is what `public` marks; what the CLI
    /// alone uses is `package`.
    @Test func everyPublicSymbolIsDocumented() throws {
        var problems: [String] = []
        var checked = 0
        for module in ["Sources/SwiftUnshare", "Sources/SwiftUnshareAsync"] {
            let root = Harness.repoRoot + "/" + module
            let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".swift") }.sorted()
            #expect(!files.isEmpty)
            for file in files {
                let lines = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
                    .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                for (i, text, doc) in Self.publicDeclarations(lines) {
                    checked += 1
                    let place = "\(module)/\(file):\(i + 1): \(text)"
                    if doc.isEmpty {
                        problems.append("\(place): no doc comment")
                        continue
                    }
                    if !Self.namesUnshare(doc) { problems.append("\(place): names no unshare(1) option") }
                    if text.contains(" throws") || text.contains(" rethrows") {
                        if !doc.contains("Throws") && !doc.contains("rethrows") {
                            problems.append("\(place): does not say what it throws")
                        }
                    }
                }
            }
        }
        #expect(checked > 100, "only \(checked) public declarations found")
        #expect(problems.isEmpty, "public symbols:\n\(problems.joined(separator: "\n"))")
    }

    /// A doc comment names an option of unshare(1) (`-U`, `--map-auto`) or
    /// says how the symbol relates to unshare(1).
    static func namesUnshare(_ doc: String) -> Bool {
        if doc.contains("unshare(1)") { return true }
        return doc.split(separator: "`", omittingEmptySubsequences: false).enumerated().contains { i, piece in
            i % 2 == 1 && piece.first == "-" && piece.dropFirst().drop { $0 == "-" }.first?.isLetter == true
        }
    }

    /// The public declarations and public enums' cases of a file's lines:
    /// line index, the trimmed line, and the `///` block above it (joined).
    static func publicDeclarations(_ lines: [String]) -> [(Int, String, String)] {
        var found: [(Int, String, String)] = []
        var publicEnumDepth: [Int] = []  // brace depths of the public enums we are in
        var depth = 0
        for (i, line) in lines.enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            let isPublic = text.hasPrefix("public ") && !text.hasPrefix("public import ")
            let isEnumCase =
                text.hasPrefix("case ") && publicEnumDepth.last == depth - 1 && !line.contains("(let")
                && !text.hasSuffix(":")
            if isPublic || isEnumCase {
                var j = i - 1
                while j >= 0, lines[j].trimmingCharacters(in: .whitespaces).hasPrefix("@") { j -= 1 }
                var doc: [String] = []
                while j >= 0, case let l = lines[j].trimmingCharacters(in: .whitespaces), l.hasPrefix("///") {
                    doc.insert(String(l.dropFirst(3)), at: 0)
                    j -= 1
                }
                found.append((i, text, doc.joined(separator: " ")))
            }
            if isPublic && text.contains(" enum ") { publicEnumDepth.append(depth) }
            depth += line.filter { $0 == "{" }.count - line.filter { $0 == "}" }.count
            while let d = publicEnumDepth.last, depth <= d, !isPublic || !text.contains(" enum ") {
                publicEnumDepth.removeLast()
            }
        }
        return found
    }
}

@Suite("Docs drift: versions and the library's benchmark")
struct ReleaseNotesTests {
    /// CHANGELOG.md has a section per version, newest first, the first of
    /// them VERSION's, each saying what it added.
    @Test func changelogHasEveryVersion() throws {
        let version = try DocsRepo.text("VERSION").trimmingCharacters(in: .whitespacesAndNewlines)
        let changelog = try DocsRepo.text("CHANGELOG.md")
        let sections = changelog.components(separatedBy: "\n## ").dropFirst()
        let versions = sections.map { String($0.prefix { $0 != "\n" }) }
        #expect(versions == [version, "0.2.0", "0.1.0"], "\(versions)")
        for section in sections {
            #expect(section.contains("\n- **"), "\(section.prefix(20)) lists nothing")
        }
    }

    /// The text of BENCHMARKS.md's section `## title`, up to the next one.
    static func benchmarksSection(_ title: String) throws -> String {
        let benchmarks = try DocsRepo.text("BENCHMARKS.md")
        let start = try #require(benchmarks.range(of: "\n## \(title)\n"), "no section \(title)")
        let end = benchmarks[start.upperBound...].range(of: "\n## ")?.lowerBound ?? benchmarks.endIndex
        return String(benchmarks[start.upperBound..<end])
    }

    /// Three tables in `section`, each starting with `header`, holding a row
    /// starting with each of `rows`, and followed by its verdict: a line
    /// starting with `verdict` and ending with one of `endings`.
    static func expectThreeRuns(
        _ section: String, header: String, rows: [String], verdict: String, endings: [String]
    ) {
        let runs = section.components(separatedBy: header).dropFirst()
        #expect(runs.count == 3, "three tables")
        for run in runs {
            let table = run.components(separatedBy: "\n" + verdict)
            #expect(table.count > 1, "a verdict after each table")
            for row in rows {
                #expect(table[0].contains("\n" + row + " "), "\(row) in each run")
            }
            let judged = table.count > 1 ? table[1].prefix { $0 != "\n" } : ""
            #expect(endings.contains { judged.hasSuffix($0) }, "\(judged)")
        }
    }

    /// BENCHMARKS.md shows `make bench-library`'s three runs, each table as
    /// the script prints it with its verdict, and the Makefile runs the script.
    @Test func benchmarksShowTheLibrarysThreeRuns() throws {
        Self.expectThreeRuns(
            try Self.benchmarksSection("The library's spawn rate (make bench-library)"),
            header: "| spawns of /bin/true per second, as unshare-tester (3 rounds, medians) | 1 thread | 8 threads |",
            rows: [
                "| SwiftUnshare, root maps (self-written `0 uid 1`) |",
                "| SwiftUnshare, `auto` ranges (newuidmap, newgidmap) |", "| SwiftUnshare, no namespace |",
                "| Go os/exec, CLONE_NEWUSER + root maps |", "| Go os/exec, no namespace |",
                "| posix_spawn(3), no namespace |",
            ],
            verdict: "Target: root maps at 8 threads at least 1.3× Go's rate: ", endings: [", met.", ", missed."])
        let makefile = try DocsRepo.text("Makefile")
        #expect(makefile.contains("bench-library:\n\t@sh scripts/bench-library.sh\n"))
    }

    /// BENCHMARKS.md shows the caller's-memory half of `make bench-library`:
    /// three runs, each table as the script prints it, with its verdict.
    @Test func benchmarksShowTheCallersMemoryInThreeRuns() throws {
        Self.expectThreeRuns(
            try Self.benchmarksSection("The caller's memory (make bench-library)"),
            header: "| the caller holds (1 thread, spawns per second, 3 rounds, medians) | 0 GiB | 1 GiB | 4 GiB |"
                + " 1 GiB ÷ 0 GiB, same round | 4 GiB ÷ 0 GiB, same round |",
            rows: [
                "| SwiftUnshare, root maps", "| SwiftUnshare, `auto` ranges",
                "| SwiftUnshare, ranges written by the parent",
                "| SwiftUnshare, no namespace", "| Go os/exec, CLONE_NEWUSER + root maps |",
                "| Go os/exec, no namespace |",
                "| posix_spawn(3), no namespace |",
            ],
            verdict: "Target: at 4 GiB every library strategy keeps at least 85% of its own rate at 0 GiB: ",
            endings: ["(all met).", "(not all met)."])
    }
}
