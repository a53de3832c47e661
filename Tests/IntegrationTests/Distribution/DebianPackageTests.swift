// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// `make deb` (README, Install): the package from the release binary, as
/// Debian's tools see it, then installed, used and purged on this machine.
enum DebianPackage {
    static let dpkgReady = ["/usr/bin/dpkg", "/usr/bin/dpkg-deb", "/usr/bin/dpkg-query"].allSatisfy {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let skipReason = "needs dpkg, dpkg-deb and dpkg-query (Debian package dpkg) to build and install the package"

    static var arch: String {
        Harness.run(["dpkg", "--print-architecture"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    static var version: String {
        ((try? DocsRepo.text("VERSION")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
    static var fileName: String { "swift-unshare_\(version)-1_\(arch).deb" }

    /// `make deb` with only /usr/bin and /bin on PATH (no swift: it packages the
    /// release binary the release tests build), into `dir`; the outcome, and
    /// the package's path.
    static func make(into dir: String, root: String) throws -> (Outcome, String) {
        let binary = try ReleaseBuild.built.get()
        let r = Harness.run(
            [
                "make", "--no-print-directory", "-C", Harness.repoRoot, "deb", "RELEASE_BIN=\(binary)",
                "DEB_DIR=\(dir)", "DEB_ROOT=\(root)",
            ], env: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "LC_ALL": "C"], timeout: 300)
        return (r, dir + "/" + fileName)
    }

    struct BuildFailure: Error, CustomStringConvertible {
        var why: String
        var description: String { "make deb failed: \(why)" }
    }

    /// Built once for the suite, in a scratch folder removed at exit.
    static let built: Result<String, BuildFailure> = {
        let dir = Harness.scratch("deb")
        do {
            let (r, path) = try make(into: dir, root: dir + "/root")
            guard r.ending == .exit(0), FileManager.default.fileExists(atPath: path) else {
                return .failure(BuildFailure(why: "\(r)"))
            }
            return .success(path)
        } catch {
            return .failure(BuildFailure(why: "\(error)"))
        }
    }()

    /// Every path the package holds, "/usr/bin/swift-unshare" and so on, with
    /// what it is ("d", "-" or "l").
    static func contents(_ deb: String) -> [(kind: Character, path: String)] {
        Harness.run(["dpkg-deb", "--contents", deb]).stdout.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let mode = fields.first?.first, let name = fields.firstIndex(where: { $0.hasPrefix("./") })
            else { return nil }
            var path = String(fields[name].dropFirst())
            if path.hasSuffix("/") && path.count > 1 { path.removeLast() }
            return (mode, path)
        }
    }

    static func installed() -> Bool {
        Harness.run(["dpkg-query", "-W", "-f=${Status}", "swift-unshare"]).stdout == "install ok installed"
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Why the round trip must not run here: it would replace and then
    /// remove a swift-unshare someone installed (as a package, or by hand).
    static var installedAlready: String? {
        if installed() { return "swift-unshare is installed here as a package, which the round trip would purge" }
        let there = DebianPackageTests.files.filter(exists)
        return there.isEmpty
            ? nil : "files of a swift-unshare installed by hand are here, which the round trip would remove: \(there)"
    }
}

@Suite(
    "Debian package (make deb)", .requiresRoot, .requiresReleaseBuild,
    .requires(DebianPackage.skipReason) { DebianPackage.dpkgReady }, .serialized)
struct DebianPackageTests {
    static let files = [
        "/usr/bin/podman-unshare", "/usr/bin/swift-unshare",
        "/usr/share/bash-completion/completions/podman-unshare",
        "/usr/share/bash-completion/completions/swift-unshare",
        "/usr/share/doc/swift-unshare/changelog.Debian.gz", "/usr/share/doc/swift-unshare/copyright",
        "/usr/share/fish/vendor_completions.d/podman-unshare.fish",
        "/usr/share/fish/vendor_completions.d/swift-unshare.fish",
        "/usr/share/lintian/overrides/swift-unshare",
        "/usr/share/man/man1/podman-unshare.1swift.gz", "/usr/share/man/man1/swift-unshare.1.gz",
        "/usr/share/zsh/vendor-completions/_swift-unshare",
    ]

    @Test("its files, links and control fields; two builds give the same bytes")
    func contentsAndControl() throws {
        let deb = try DebianPackage.built.get()
        let contents = DebianPackage.contents(deb)
        #expect(contents.filter { $0.kind != "d" }.map(\.path).sorted() == Self.files)
        #expect(
            contents.filter { $0.kind == "l" }.map(\.path).sorted()
                == Self.files.filter { $0.contains("podman-unshare") && !$0.contains("man1") })
        let info = Harness.run(["dpkg-deb", "--field", deb]).stdout
        let fields = Dictionary(
            info.split(separator: "\n").filter { !$0.hasPrefix(" ") }.compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }, uniquingKeysWith: { a, _ in a })
        #expect(fields["Package"] == "swift-unshare")
        #expect(fields["Version"] == "\(DebianPackage.version)-1")
        #expect(fields["Architecture"] == DebianPackage.arch)
        #expect(fields["Section"] == "utils" && fields["Priority"] == "optional")
        #expect(fields["Recommends"] == "uidmap")
        #expect(fields["Suggests"] == "podman, catatonit, slirp4netns")
        #expect(fields["Maintainer"] == "swift-unshare authors <dev@swift-unshare.invalid>")
        #expect(fields["Homepage"] == nil && fields["Depends"] == nil)
        #expect(fields["Description"]?.hasPrefix("run a program in new namespaces") == true)
        // Installed-Size as dpkg-gencontrol counts: KiB per file or link, rounded up; 1 per directory
        let unpacked = Harness.scratch("deb-x")
        #expect(Harness.run(["dpkg-deb", "--extract", deb, unpacked]).ending == .exit(0))
        var kib = 0
        for (kind, path) in contents where path != "/" {
            if kind == "d" {
                kib += 1
                continue
            }
            var st = stat()
            #expect(lstat(unpacked + path, &st) == 0, "\(path)")
            kib += (Int(st.st_size) + 1023) / 1024
        }
        #expect(fields["Installed-Size"] == String(kib))
        let copyright = try String(contentsOfFile: unpacked + "/usr/share/doc/swift-unshare/copyright", encoding: .utf8)
        #expect(copyright.hasPrefix("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"))
        #expect(
            copyright.contains("\nLicense: Apache-2.0\n") && copyright.contains("/usr/share/common-licenses/Apache-2.0")
        )
        // the same bytes from a second build
        let again = Harness.scratch("deb-again")
        let (r, second) = try DebianPackage.make(into: again, root: again + "/root")
        #expect(r.ending == .exit(0), "\(r)")
        #expect(FileManager.default.contentsEqual(atPath: deb, andPath: second), "make deb is not reproducible")
    }

    @Test(
        "lintian reports no error and no warning; the deliberate ones are overridden, with reasons",
        .requiresProgram("/usr/bin/lintian", package: "lintian"))
    func lintian() throws {
        let deb = try DebianPackage.built.get()
        // lintian leaves two Berkeley DB files (mldbm-elf-*) in $TMPDIR at
        // each run: it gets a folder of this test's, removed afterwards.
        try Harness.withScratch("lintian-tmp") { tmp in try lintian(deb, extraEnv: ["TMPDIR": tmp]) }
    }

    private func lintian(_ deb: String, extraEnv: [String: String]) throws {
        // Nothing at all to report (exit 1 for an error or a warning)...
        let plain = Harness.run(["lintian", "--fail-on", "error,warning", deb], extraEnv: extraEnv, timeout: 300)
        #expect(plain.stdout == "" && plain.ending == .exit(0), "\(plain)")
        // ...because the two deliberate tags are overridden, each with its reason
        // (lintian 2.116 ends with 2 when it shows overrides, whatever it found).
        let r = Harness.run(["lintian", "--show-overrides", deb], extraEnv: extraEnv, timeout: 300)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("E:") || $0.hasPrefix("W:") } == [], "\(r)")
        #expect(
            lines.filter { $0.hasPrefix("O:") } == [
                "O: swift-unshare: initial-upload-closes-no-bugs [usr/share/doc/swift-unshare/changelog.Debian.gz:1]",
                "O: swift-unshare: statically-linked-binary [usr/bin/swift-unshare]",
            ], "\(r)")
        #expect(lines.contains("N: swift-unshare is one static executable on purpose: the Swift runtime and"), "\(r)")
    }

    /// dpkg -i, then use it as a user would: the unprivileged user's `-r id`,
    /// the man page, bash completion as bash-completion loads it; dpkg --purge
    /// then leaves nothing behind. The purge runs whatever fails on the way.
    @Test(
        "installed with dpkg -i, used, and purged without a trace",
        .requires("swift-unshare is installed here already (dpkg -s swift-unshare, or its files under /usr)") {
            DebianPackage.installedAlready == nil
        })
    func installUsePurge() throws {
        let deb = try DebianPackage.built.get()
        let contents = DebianPackage.contents(deb)
        // the directories that were there before (/usr/bin, ...) stay after the purge
        let present = Set(contents.map(\.path).filter(DebianPackage.exists))

        let install = Harness.run(["dpkg", "-i", deb], timeout: 300)
        defer {
            let purge = Harness.run(["dpkg", "--purge", "swift-unshare"], timeout: 300)
            #expect(purge.ending == .exit(0), "\(purge)")
            #expect(!DebianPackage.installed())
            let left = contents.map(\.path).filter { !present.contains($0) && DebianPackage.exists($0) }
            #expect(left == [], "dpkg --purge left \(left)")
            let info = (try? FileManager.default.contentsOfDirectory(atPath: "/var/lib/dpkg/info")) ?? []
            #expect(info.filter { $0.hasPrefix("swift-unshare.") } == [])
        }
        #expect(install.ending == .exit(0), "\(install)")
        #expect(DebianPackage.installed())
        #expect(
            Harness.run(["dpkg", "--verify", "swift-unshare"]) == Outcome(stdout: "", stderr: "", ending: .exit(0)))
        #expect(
            FileManager.default.contentsEqual(atPath: "/usr/bin/swift-unshare", andPath: try ReleaseBuild.built.get()))

        let ours = Harness.run(["/usr/bin/swift-unshare", "-r", "id"], as: .tester)
        let theirs = Harness.run(["/usr/bin/unshare", "-r", "id"], as: .tester)
        #expect(ours == theirs && ours.stdout.hasPrefix("uid=0(root) gid=0(root) "), "\(ours)")
        #expect(
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/usr/bin/podman-unshare")) == "swift-unshare")

        let env = ["MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "80", "MAN_KEEP_FORMATTING": "0"]
        #expect(Harness.run(["man", "-w", "swift-unshare"]).stdout == "/usr/share/man/man1/swift-unshare.1.gz\n")
        #expect(
            Harness.run(["man", "-w", "1swift", "podman-unshare"]).stdout
                == "/usr/share/man/man1/podman-unshare.1swift.gz\n")
        let page = Harness.run(["man", "swift-unshare"], extraEnv: env)
        #expect(page.ending == .exit(0) && page.stderr == "", "\(page)")
        #expect(page.stdout.hasPrefix("SWIFT-UNSHARE(1)"), "\(page.stdout.prefix(200))")

        // bash-completion finds the completion where the package put it, on demand.
        let script = """
            . /usr/share/bash-completion/bash_completion
            __load_completion swift-unshare || exit 3
            COMP_WORDS=(swift-unshare --prop) COMP_CWORD=1 COMP_LINE='swift-unshare --prop' COMP_POINT=20
            spec=$(complete -p -- swift-unshare) || exit 4
            fn=${spec#*-F }
            fn=${fn%% *}
            "$fn" swift-unshare --prop swift-unshare
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let completion = Harness.run(["bash", "--noprofile", "--norc", "-c", script])
        #expect(completion == Outcome(stdout: "--propagation\n", stderr: "", ending: .exit(0)), "\(completion)")
    }
}
