// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import SwiftUnshare
import Testing

// Ready for a distribution. One version source, the licence, the
// man pages, the install layout, the release build's flags.

private enum Repo {
    static func text(_ path: String) throws -> String { try DocsRepo.text(path) }

    /// The man page as `man` renders it, overstrike removed, and man's warnings.
    static func rendered(_ page: String) -> (text: String, warnings: String, ending: Ending) {
        let r = Harness.run(
            ["man", "--warnings", "-l", Harness.repoRoot + "/" + page],
            extraEnv: ["MANWIDTH": "200", "MAN_KEEP_FORMATTING": "0", "MANPAGER": "cat", "PAGER": "cat"])
        let text = r.stdout.replacingOccurrences(of: ".\u{8}", with: "", options: .regularExpression)
        return (text, r.stderr, r.ending)
    }

    /// `make` in the repository with only /usr/bin and /bin on PATH (no swift,
    /// as under sudo's secure_path).
    static func make(_ args: [String]) -> Outcome {
        Harness.run(
            ["make", "--no-print-directory", "-C", Harness.repoRoot] + args,
            env: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "LC_ALL": "C"])
    }

    /// Every path under `root`, relative, sorted ("d/" for directories).
    static func tree(_ root: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        var paths: [String] = []
        while let p = e.nextObject() as? String {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root + "/" + p, isDirectory: &isDir)
            let isLink = (try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/" + p)) != nil
            paths.append(isDir.boolValue && !isLink ? p + "/" : p)
        }
        return paths.sorted()
    }
}

@Suite("Distribution: version, licence, man pages")
struct VersionAndDocsTests {
    @Test("VERSION is the one version: --version, Version.swift, both man pages and the Makefile agree")
    func oneVersionSource() throws {
        let version = try Repo.text("VERSION").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.split(separator: ".").count == 3 && version.allSatisfy { $0.isNumber || $0 == "." })
        #expect(Version.swiftUnshare == version)
        for page in ["man/swift-unshare.1", "man/podman-unshare.1"] {
            let text = try Repo.text(page)
            let th = text.split(separator: "\n").first { $0.hasPrefix(".TH ") }.map(String.init) ?? ""
            #expect(th.contains("\"swift-unshare \(version)\""), "\(page): \(th)")
            // every version number the page shows is VERSION's
            let pattern = try Regex(#"swift\\?-unshare ([0-9]+\.[0-9]+\.[0-9]+)"#, as: (Substring, Substring).self)
            let shown = text.matches(of: pattern).map { String($0.output.1) }
            #expect(!shown.isEmpty && shown.allSatisfy { $0 == version }, "\(page): \(shown)")
        }
        let makefile = try Repo.text("Makefile")
        #expect(makefile.contains("VERSION := $(shell cat VERSION)"))
        let r = Harness.run([Harness.swiftUnshare, "--version"])
        #expect(r.stdout == "swift-unshare from util-linux \(Version.utilLinux) (swift-unshare \(version))\n")
    }

    @Test("LICENSE is the full Apache License 2.0")
    func licence() throws {
        let text = try Repo.text("LICENSE")
        #expect(text.contains("Apache License\n                           Version 2.0, January 2004"))
        #expect(text.contains("http://www.apache.org/licenses/"))
        #expect(text.contains("9. Accepting Warranty or Additional Liability."))
        #expect(text.contains("END OF TERMS AND CONDITIONS"))
        #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count >= 200)
    }

    @Test("every source file names its licence in an SPDX line near its top")
    func spdxHeaders() throws {
        let roots = ["Sources", "Tests", "scripts"]
        var files: [String] = ["Package.swift", "Makefile", ".ci/run"]
        for root in roots {
            let all = FileManager.default.enumerator(atPath: Harness.repoRoot + "/" + root)
            while let name = all?.nextObject() as? String {
                if [".swift", ".c", ".h", ".sh"].contains(where: { name.hasSuffix($0) }) {
                    files.append(root + "/" + name)
                }
            }
        }
        #expect(files.count > 100)
        let missing = try files.filter { file in
            let head = try Repo.text(file).split(separator: "\n", omittingEmptySubsequences: false).prefix(3)
            return !head.contains { $0.hasSuffix("SPDX-License-Identifier: Apache-2.0") }
        }
        #expect(missing == [])
    }

    @Test("both man pages render without a warning", .requiresProgram("/usr/bin/man", package: "man-db"))
    func manPagesRender() {
        for page in ["man/swift-unshare.1", "man/podman-unshare.1"] {
            let r = Repo.rendered(page)
            #expect(r.warnings == "", "\(page)")
            #expect(r.ending == .exit(0), "\(page)")
        }
        let podman = Repo.rendered("man/podman-unshare.1").text
        #expect(podman.hasPrefix("PODMAN-UNSHARE(1swift)"))
        for needle in [
            "--rootless-netns", "_CONTAINERS_USERNS_CONFIGURED", "CONTAINERS_GRAPHROOT", "CONTAINERS_RUNROOT",
            "newuidmap(1)", "125", "126", "127", "SIGHUP, SIGINT or SIGTERM", "swift-unshare(1)",
        ] {
            #expect(podman.contains(needle), "podman-unshare.1 lacks \(needle)")
        }
    }

    @Test(
        "swift-unshare.1: util-linux's examples, SEE ALSO, bugs, authors, copyright, the differences",
        .requiresProgram("/usr/bin/man", package: "man-db"))
    func manPageSections() {
        let text = Repo.rendered("man/swift-unshare.1").text
        func section(_ name: String) -> String {
            guard let start = text.range(of: "\n\(name)\n") else { return "" }
            let rest = text[start.upperBound...]
            let end = rest.range(of: #"\n[A-Z][A-Z -]+\n"#, options: .regularExpression)?.lowerBound ?? rest.endIndex
            // one space between words: man justifies lines with extra blanks
            return rest[..<end].replacingOccurrences(of: #"\s+"#, with: " ", options: .regularExpression)
        }
        let examples = section("EXAMPLES")
        for needle in [
            "--kill-child --", "kill -KILL $!", "--boottime 86400 uptime -p", "--load-interp=\":qemu-aarch64:M::",
            "mount --make-private /run/ns", "--mount=/run/ns/mnt",
            "# swift-unshare --map-users=all --map-groups=all cat /proc/self/uid_map",
        ] {
            #expect(examples.contains(needle), "EXAMPLES lacks \(needle)")
        }
        let seeAlso = section("SEE ALSO")
        for page in [
            "namespaces(7)", "user_namespaces(7)", "newuidmap(1)", "subuid(5)", "lsns(8)", "nsenter(1)",
            "podman-unshare(1swift)", "podman-unshare(1)",
        ] {
            #expect(seeAlso.contains(page), "SEE ALSO lacks \(page)")
        }
        #expect(section("REPORTING BUGS").contains("issue tracker"))
        #expect(section("AUTHORS").contains("swift-unshare authors"))
        #expect(section("COPYRIGHT").contains("Apache License, Version 2.0"))
        let differences = section("DIFFERENCES FROM UTIL-LINUX")
        for needle in [
            "--fo is --fork", "root with --map-auto", "-S 4294967296",
            "newuidmap(1) and newgidmap(1) run at the same time",
            "real and effective user or group ids differ", "SIGHUP, SIGINT and SIGTERM are forwarded",
            "--whitelist-env",
        ] {
            #expect(differences.contains(needle), "DIFFERENCES lacks \(needle)")
        }
    }

    @Test(
        "the --map-users=all example works as shown (as root)",
        .requiresRoot)
    func mapUsersAllExample() throws {
        let ownMap = try String(contentsOfFile: "/proc/self/uid_map", encoding: .utf8)
        let r = Harness.run([Harness.swiftUnshare, "--map-users=all", "--map-groups=all", "cat", "/proc/self/uid_map"])
        // every range of the caller's namespace, onto itself
        let expected =
            ownMap.split(separator: "\n").map { line -> String in
                let f = line.split(separator: " ")
                return [f[0], f[0], f[2]].map { String(repeating: " ", count: max(0, 10 - $0.count)) + $0 }
                    .joined(separator: " ")
            }.joined(separator: "\n") + "\n"
        #expect(r == Outcome(stdout: expected, stderr: "", ending: .exit(0)))
        if ownMap == "         0          0 4294967295\n" {  // the initial namespace: the page shows exactly this
            #expect(try Repo.text("man/swift-unshare.1").contains("\n         0          0 4294967295\n"))
        }
    }
}

@Suite("Distribution: make install, uninstall, test, clean")
struct InstallTests {
    static var fishDirForUsr: String {
        let r = Harness.run(["pkg-config", "--variable", "completionsdir", "fish"])
        let dir = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return r.ending == .exit(0) && !dir.isEmpty ? dir : "/usr/share/fish/vendor_completions.d"
    }

    @Test(
        "PREFIX=/usr: the files where Debian's shells and man look, without swift on PATH; uninstall leaves nothing",
        .requiresProgram("/usr/bin/make", package: "make"))
    func installUsr() throws {
        let stage = Harness.scratch("stage")
        defer { try? FileManager.default.removeItem(atPath: stage) }
        let install = Repo.make(["install", "DESTDIR=\(stage)", "PREFIX=/usr", "RELEASE_BIN=\(Harness.builtBinary)"])
        #expect(install.ending == .exit(0), "\(install)")
        #expect(!install.stdout.contains("swift build"), "install must not build")
        let fish = String(Self.fishDirForUsr.dropFirst())
        let files = [
            "usr/bin/podman-unshare", "usr/bin/swift-unshare",
            "usr/share/bash-completion/completions/podman-unshare",
            "usr/share/bash-completion/completions/swift-unshare",
            "usr/share/doc/swift-unshare/LICENSE", "usr/share/doc/swift-unshare/installed-directories",
            "usr/share/man/man1/podman-unshare.1swift", "usr/share/man/man1/swift-unshare.1",
            "usr/share/zsh/vendor-completions/_swift-unshare",
            fish + "/podman-unshare.fish", fish + "/swift-unshare.fish",
        ]
        #expect(Repo.tree(stage).filter { !$0.hasSuffix("/") } == files.sorted())
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: stage + "/usr/bin/podman-unshare")
                == "swift-unshare")
        #expect(
            FileManager.default.contentsEqual(atPath: stage + "/usr/bin/swift-unshare", andPath: Harness.builtBinary))
        let uninstall = Repo.make(["uninstall", "DESTDIR=\(stage)", "PREFIX=/usr"])
        #expect(uninstall.ending == .exit(0), "\(uninstall)")
        #expect(Repo.tree(stage) == [], "uninstall left \(Repo.tree(stage))")
    }

    @Test(
        "PREFIX=/usr/local: zsh's site-functions; uninstall keeps the directories that were there before",
        .requiresProgram("/usr/bin/make", package: "make"))
    func installLocalKeepsExistingDirectories() throws {
        let stage = Harness.scratch("stage")
        defer { try? FileManager.default.removeItem(atPath: stage) }
        try FileManager.default.createDirectory(atPath: stage + "/usr/local/bin", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: stage + "/usr/local/bin/other", contents: Data())
        try FileManager.default.createDirectory(
            atPath: stage + "/usr/local/share/man/man1",
            withIntermediateDirectories: true)
        let args = ["DESTDIR=\(stage)", "RELEASE_BIN=\(Harness.builtBinary)"]
        #expect(Repo.make(["install"] + args).ending == .exit(0))
        #expect(Repo.make(["install"] + args).ending == .exit(0))  // twice: the record of made directories stays
        #expect(FileManager.default.fileExists(atPath: stage + "/usr/local/share/zsh/site-functions/_swift-unshare"))
        #expect(FileManager.default.fileExists(atPath: stage + Self.fishDirForUsr + "/swift-unshare.fish"))
        #expect(Repo.make(["uninstall"] + args).ending == .exit(0))
        #expect(
            Repo.tree(stage) == [
                "usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/other",
                "usr/local/share/", "usr/local/share/man/", "usr/local/share/man/man1/",
            ])
    }

    @Test(
        "ZSHDIR and FISHDIR override; an install without `make release` says what to do",
        .requiresProgram("/usr/bin/make", package: "make"))
    func overridesAndMissingRelease() throws {
        let stage = Harness.scratch("stage")
        defer { try? FileManager.default.removeItem(atPath: stage) }
        let args = [
            "DESTDIR=\(stage)", "PREFIX=/opt/su", "ZSHDIR=/z", "FISHDIR=/f", "RELEASE_BIN=\(Harness.builtBinary)",
        ]
        #expect(Repo.make(["install"] + args).ending == .exit(0))
        #expect(FileManager.default.fileExists(atPath: stage + "/z/_swift-unshare"))
        #expect(FileManager.default.fileExists(atPath: stage + "/f/swift-unshare.fish"))
        #expect(Repo.make(["uninstall"] + args).ending == .exit(0))
        #expect(Repo.tree(stage) == [])
        let missing = Repo.make(["install", "DESTDIR=\(stage)", "RELEASE_BIN=\(stage)/nothing-here"])
        #expect(missing.ending == .exit(2))
        #expect(missing.stderr.contains("make install: no \(stage)/nothing-here: run 'make release' first\n"))
        #expect(Repo.tree(stage) == [])
    }

    @Test(
        "make test is make check; make clean cleans; release flags harden and reproduce",
        .requiresProgram("/usr/bin/make", package: "make"))
    func targetsAndFlags() throws {
        let test = Repo.make(["-n", "test"]).stdout
        let check = Repo.make(["-n", "check"]).stdout
        #expect(test == check && check.contains("sh scripts/test-setup.sh") && check.contains("swift test"))
        let clean = Repo.make(["-n", "clean"]).stdout
        #expect(clean.contains("swift package clean") && clean.contains("rm -rf .build/release-install"))
        let makefile = try Repo.text("Makefile")
        let flags = makefile.split(separator: "\n").first { $0.hasPrefix("RELEASE_FLAGS := ") } ?? ""
        for flag in [
            "-c release", "-Xswiftc -gnone", "-Xswiftc -Xfrontend -Xswiftc -disable-incremental-llvm-codegen",
            "-Xlinker -z -Xlinker relro", "-Xlinker -z -Xlinker now",
            // the start-up order (BENCHMARKS.md): lld, a section per function, the list
            "-Xswiftc -use-ld=lld", "-Xswiftc -Xfrontend -Xswiftc -function-sections",
            "-Xlinker --symbol-ordering-file=$(CURDIR)/scripts/startup-order.txt",
        ] {
            #expect(flags.contains(flag), "RELEASE_FLAGS lacks \(flag)")
        }
        // The list holds one symbol name per line, among them the executable's entry
        // (SwiftPM's name for main.swift's code); make release always relinks.
        let order = try Repo.text("scripts/startup-order.txt").split(separator: "\n")
        #expect(order.count > 500 && order.contains("swift_unshare_main") && !order.contains { $0.contains(" ") })
        #expect(Repo.make(["-n", "release"]).stdout.hasPrefix("rm -f "))
        // PIE=1 adds the static-PIE link; make bench PIE_COMPARE=1 times it beside the release
        let pie = makefile.split(separator: "\n").first { $0.hasPrefix("PIE_FLAGS := ") } ?? ""
        #expect(
            pie == "PIE_FLAGS := --disable-local-rpath -Xswiftc -Xclang-linker -Xswiftc -static-pie "
                + "-Xlinker -z -Xlinker pack-relative-relocs")
        #expect(flags.hasSuffix(" $(if $(PIE),$(PIE_FLAGS))"))
        #expect(!Repo.make(["-n", "release"]).stdout.contains("static-pie"))
        #expect(Repo.make(["-n", "release", "PIE=1"]).stdout.contains("-Xclang-linker -Xswiftc -static-pie"))
        // The C hardening is the release build's (RELEASE_FLAGS), not Package.swift's:
        // SwiftPM refuses a dependency taken by version whose targets have unsafe flags.
        #expect(flags.contains("-Xcc -fstack-protector-strong -Xcc -D_FORTIFY_SOURCE=2"))
        let package = try Repo.text("Package.swift")
        #expect(!package.contains("unsafeFlags") && !package.contains("cSettings"), "no C settings in Package.swift")
    }

    /// The link the measurement ruled out still builds and runs: `make release
    /// PIE=1` (what `make bench PIE_COMPARE=1` times) gives a static PIE that
    /// relocates itself (glibc's rcrt1.o), with no RUNPATH for its start to refuse.
    @Test(
        "PIE=1: a static PIE, relocations packed, full RELRO, no RUNPATH; it runs", .requiresReleaseBuild,
        .requiresTester)
    func staticPIELinkRuns() throws {
        _ = try ReleaseBuild.built.get()  // the scratch path's objects, built first
        let dir = Harness.scratch("pie")
        let binary = try ReleaseBuild.make(into: dir + "/swift-unshare", ["PIE=1"]).get()
        let file = Harness.run(["file", "-b", binary]).stdout
        #expect(file.contains("LSB pie executable") && file.contains(", static-pie linked,"), "\(file)")
        let elf = Harness.run(["readelf", "-h", "-d", "-l", "--wide", binary]).stdout
        #expect(elf.contains("Type:                              DYN (Position-Independent Executable file)"))
        #expect(elf.contains("Flags: NOW PIE") && elf.contains("GNU_RELRO") && elf.contains("(RELR)"), "\(elf)")
        #expect(!elf.contains("INTERP") && !elf.contains("RUNPATH") && !elf.contains("(NEEDED)"))
        chmod(dir, 0o755)
        let r = Harness.run([binary, "-r", "cat", "/proc/self/uid_map"], as: .tester)
        let uid = try #require(TestAccount.tester).uid
        #expect(r == Outcome(stdout: MapText.line(0, uid, 1), stderr: "", ending: .exit(0)), "\(r)")
    }

    @Test(
        "the release binary has full RELRO and stack protection, and is the static non-PIE link BENCHMARKS.md chose",
        .requiresReleaseBuild)
    func releaseBinaryIsHardened() throws {
        let binary = try ReleaseBuild.built.get()  // built by make release, as ReleaseBinaryTests use it
        let dynamic = Harness.run(["readelf", "-h", "-d", "-l", "--wide", binary]).stdout
        if dynamic.contains("(FLAGS_1)") {  // dynamic: lazy binding off, relocations read-only
            #expect(dynamic.contains("BIND_NOW") || dynamic.contains("Flags: NOW"))
        }
        #expect(dynamic.contains("GNU_RELRO"))
        // Not position-independent: a static PIE cost more than the 3% of `-r true` it was
        // allowed (BENCHMARKS.md); loaded at its link address, with nothing to relocate but
        // glibc's ifuncs, no loader and no RUNPATH.
        #expect(dynamic.contains("Type:                              EXEC (Executable file)"), "\(dynamic)")
        #expect(!dynamic.contains("INTERP") && !dynamic.contains("DYNAMIC") && !dynamic.contains("RUNPATH"))
        let file = Harness.run(["file", "-b", binary]).stdout
        #expect(file.contains("LSB executable") && file.contains(", statically linked,"), "\(file)")
        let benchmarks = try Repo.text("BENCHMARKS.md")
        #expect(benchmarks.contains("### Position-independent executable"))
        #expect(benchmarks.contains("time ratio, candidate / ours"), "BENCHMARKS.md shows the measurement")
        // The C target's objects, as RELEASE_FLAGS built them: stack canaries
        // (the protector's check called) and fortified memory calls
        // (_FORTIFY_SOURCE's checked memcpy where the size is not known).
        guard ProcessInfo.processInfo.environment["SWIFT_UNSHARE_RELEASE_BIN"] == nil else { return }
        let dir = ReleaseBuild.scratch + "/release/CUnshareSys.build/"
        let symbols = { (file: String) in Harness.run(["nm", dir + file]).stdout }
        for file in ["child.c.o", "spawn.c.o", "helpers.c.o", "wrappers.c.o", "podman_calls.c.o"] {
            #expect(symbols(file).contains("U __stack_chk_fail"), "\(file) has no stack protector")
        }
        #expect(symbols("child_guard.c.o").contains("U __memcpy_chk"), "child_guard.c is not fortified")
    }
}
