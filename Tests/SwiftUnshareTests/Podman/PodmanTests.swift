// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// A system for podman mode's pure layers: plain values, no effects. Its
/// file system: `nodes` (owner and st_mode), `links`, the `files`, and every
/// directory above any of them (root's, 0755, unless listed); `writable`
/// directories take new entries.
struct PodmanFakeSystem: PodmanSystemContext {
    var euid: UInt32 = 1001
    var egid: UInt32 = 1001
    var users: [PasswdEntry] = [
        PasswdEntry(name: "tester", uid: 1001, gid: 1001, home: "/home/tester", shell: "/bin/sh")
    ]
    var files: [String: [UInt8]] = [:]
    var env: [String: ByteString] = ["HOME": "/home/tester", "SHELL": "/bin/bash"]
    var nodes: [ByteString: FileFacts] = [
        "/tmp": FileFacts(uid: 0, mode: 0o41777), "/home/tester": FileFacts(uid: 1001, mode: 0o40755),
    ]
    var links: [ByteString: ByteString] = [:]
    var writable: Set<ByteString> = ["/tmp", "/home/tester"]
    var databases: [ByteString: [UInt8]] = [:]

    init(subuid: String = "tester:100000:65536\n", subgid: String = "tester:100000:65536\n") {
        files["/etc/subuid"] = Array(subuid.utf8)
        files["/etc/subgid"] = Array(subgid.utf8)
    }

    func user(named name: ByteString) -> PasswdEntry? { users.first { $0.name == name } }
    func user(id: UInt32) -> PasswdEntry? { users.first { $0.uid == id } }
    func groupID(named name: ByteString) -> UInt32? { nil }
    func readFile(_ path: String) -> Result<[UInt8], Errno> {
        files[path].map { .success($0) } ?? .failure(Errno(ENOENT))
    }
    func environment(_ name: String) -> ByteString? { env[name] }

    func fileFacts(_ path: ByteString, followLinks: Bool) -> Result<FileFacts, Errno> {
        var path = GoText.cleanPath(path)
        for _ in 0..<8 {
            guard followLinks, let target = links[path] else { break }
            path = target.bytes.first == UInt8(ascii: "/") ? target : GoText.joinPath(path + "/..", target)
        }
        if let node = nodes[path] { return .success(node) }
        if links[path] != nil { return .success(FileFacts(uid: euid, mode: 0o120777)) }
        if files[path.description] != nil || databases[path] != nil {
            return .success(FileFacts(uid: euid, mode: 0o100644))
        }
        let under = path == "/" ? path : path + "/"
        let all = Array(nodes.keys) + Array(links.keys) + files.keys.map { ByteString($0) } + Array(databases.keys)
        if all.contains(where: { $0.hasPrefix(under) }) { return .success(FileFacts(uid: 0, mode: 0o40755)) }
        return .failure(Errno(ENOENT))
    }
    func readLink(_ path: ByteString) -> Result<ByteString, Errno> {
        links[GoText.cleanPath(path)].map { .success($0) } ?? .failure(Errno(EINVAL))
    }
    /// Listed as writable, or a directory node whose mode lets the caller write (owner or others' bit).
    func mayCreateIn(_ directory: ByteString) -> Bool {
        if writable.contains(directory) { return true }
        guard let n = nodes[directory], n.isDirectory else { return false }
        return (n.uid == euid && n.mode & 0o300 == 0o300) || n.mode & 0o003 == 0o003
    }
    func readDatabase(_ path: ByteString) -> Result<[UInt8], Errno> {
        databases[path].map { .success($0) } ?? .failure(Errno(ENOENT))
    }
}

private func conf(_ text: String) -> Result<StorageConf.Roots, Failure> {
    StorageConf.parse(Array(text.utf8))
}

private func podmanPlan(
    _ system: PodmanFakeSystem, args: [ByteString] = ["id"],
    rootlessNetns: Bool = false
) -> Result<PodmanPlan, Failure> {
    PodmanPlan.build(PodmanOptions(rootlessNetns: rootlessNetns, command: args), context: system)
}

private func env(_ p: PodmanPlan, _ name: ByteString) -> ByteString? {
    p.environment.first { $0.name == name }?.value
}

@Suite struct PodmanStorageConfTests {
    @Test func readsGraphrootAndRunroot() {
        let r = conf(
            """
            # user storage
            [storage]
            driver = "overlay"
            graphroot = "/data/graph"   # a comment
            runroot = '/run/me/c'

            [storage.options]
            graphroot = "/not/this"
            size = ""
            mount_program = "/usr/bin/fuse-overlayfs"
            """)
        #expect(r == .success(StorageConf.Roots(graphroot: "/data/graph", runroot: "/run/me/c")))
    }

    @Test func keysOutsideTheStorageTableAreIgnored() {
        #expect(conf("graphroot = \"/top\"\n[storage]\n") == .success(StorageConf.Roots()))
        #expect(conf("[other]\ngraphroot = \"/x\"\n") == .success(StorageConf.Roots()))
        #expect(conf("[storage.options.overlay]\nrunroot = \"/x\"\n") == .success(StorageConf.Roots()))
        #expect(conf("") == .success(StorageConf.Roots()))
    }

    @Test func dottedAndQuotedKeys() {
        #expect(conf("storage.graphroot = \"/g\"\n") == .success(StorageConf.Roots(graphroot: "/g")))
        #expect(conf("[storage]\n\"runroot\" = \"/r\"\n") == .success(StorageConf.Roots(runroot: "/r")))
        #expect(conf("[ storage ]\n'graphroot' = \"/g\"\n") == .success(StorageConf.Roots(graphroot: "/g")))
        #expect(conf("[\"storage\"]\ngraphroot=\"/g\"\n") == .success(StorageConf.Roots(graphroot: "/g")))
    }

    @Test func emptyStringsCountAsAbsent() {
        #expect(conf("[storage]\ngraphroot = \"\"\nrunroot = ''\n") == .success(StorageConf.Roots()))
    }

    @Test func stringEscapesAndMultilineStrings() {
        #expect(
            conf(#"[storage]\#ngraphroot = "/a\"b\\c\u00e9\tx""#)
                == .success(StorageConf.Roots(graphroot: ByteString("/a\"b\\c\u{e9}\tx"))))
        #expect(
            conf("[storage]\ngraphroot = \"\"\"\n/multi\\\n   line\"\"\"\n")
                == .success(StorageConf.Roots(graphroot: "/multiline")))
        #expect(conf("[storage]\nrunroot = '''\n/lit'''\n") == .success(StorageConf.Roots(runroot: "/lit")))
    }

    @Test func otherValueKindsAreSkipped() {
        let r = conf(
            """
            [storage]
            list = [
              "a", # comment
              'b',
            ]
            table = { a = 1, b = "x", c = [1, 2] }
            n = -12_000
            f = 1.5e3
            b = true
            d = 1979-05-27 07:32:00Z
            [[storage.array]]
            x = 1
            [storage.more]
            graphroot = "/no"
            """)
        #expect(r == .success(StorageConf.Roots()))
    }

    /// podman 4.3.1's own words and lines for these files (seen with `podman unshare true`).
    @Test func malformedFilesAreReportedInPodmansWords() {
        func error(_ text: String) -> String? {
            if case .failure(let m) = conf(text) { return m.message?.description ?? "" }
            return nil
        }
        #expect(
            error("[storage\ngraphroot = \"/g\"\n")
                == #"toml: line 2: expected '.' or ']' to end table name, but got '\n' instead"#)
        #expect(
            error("[storage]\n\ngraphroot = 3\n")
                == #"toml: line 3 (last key "storage.graphroot"): incompatible types: TOML value has type int64; destination has type string"#
        )
        #expect(
            error("[storage]\nx = \"a\n") == #"toml: line 2 (last key "storage.x"): strings cannot contain newlines"#)
        #expect(
            error("a = [[[[1]]]]\n[storage]\ngraphroot=\n")
                == #"toml: line 4 (last key "storage.graphroot"): expected value but found '\n' instead"#)
        #expect(error("\n\n\na = 1\na = 2\n") == #"toml: line 5 (last key "a"): Key 'a' has already been defined."#)
        #expect(
            error("[storage]\ngraphroot = \"/g\"\n[storage]\n")
                == "toml: line 3: Key 'storage' has already been defined.")
        #expect(
            error("[storage]\ngraphroot = abc\n")
                == #"toml: line 2 (last key "storage.graphroot"): expected value but found "abc" instead"#)
        #expect(
            error("[storage]\nrunroot = [1,2]\n")
                == #"toml: line 2 (last key "storage.runroot"): incompatible types: TOML value has type []interface {}; destination has type string"#
        )
        #expect(
            error("[storage]\ngraphroot = \"\\q\"\n")
                == #"toml: line 2 (last key "storage.graphroot"): invalid escape in string '\q'"#)
        #expect(
            error("[storage]\ngraphroot = \"/g\" x\n")
                == #"toml: line 2 (last key "storage"): expected a top-level item to end with a newline, comment, or EOF, but got 'x' instead"#
        )
        #expect(
            error("a = [1 2]\n")
                == #"toml: line 1 (last key "a"): expected a comma (',') or array terminator (']'), but got '2'"#)
        #expect(error("= 1\n") == "toml: line 1: unexpected '=': key name appears blank")
        #expect(
            error("[a.b]\n[a]\nc=1\n[a.b]\n") == #"toml: line 4 (last key "a"): Key 'a.b' has already been defined."#)
        #expect(error("x\n") == #"toml: line 2: expected '.' or '=', but got '\n' instead"#)
        #expect(
            error("[storage]\ngraphroot = true\n")
                == #"toml: line 2 (last key "storage.graphroot"): incompatible types: TOML value has type bool; destination has type string"#
        )
        #expect(error("a = \"\"\"abc\n") == #"toml: line 1 (last key "a"): unexpected EOF; expected '"""'"#)
        let q3 = String(repeating: "'", count: 3)
        #expect(error("a = " + q3 + "abc\n") == #"toml: line 1 (last key "a"): unexpected EOF; expected ""# + q3 + "\"")
        #expect(
            error("a = \"\u{1}\"\n")
                == #"toml: line 1 (last key "a"): TOML files cannot contain control characters: '0x01'"#)
        #expect(
            error("[storage]\ngraphroot = 3.5\n")
                == #"toml: line 2 (last key "storage.graphroot"): incompatible types: TOML value has type float64; destination has type string"#
        )
        #expect(error("a = \"x") == #"toml: line 0 (last key "a"): unexpected EOF; expected '"'"#)
        if case .failure(let m) = StorageConf.parse(Array("a = 1\n".utf8) + [0xff, 0x0a]) {
            #expect(m.message?.description == "toml: line 2: invalid UTF-8 byte: 0xff")
        } else {
            Issue.record("invalid UTF-8 accepted")
        }
    }

    /// No input may exhaust the stack: nesting is read with a heap stack.
    @Test func deepNestingIsReadWithoutRecursion() {
        let depth = 70_000
        let deep = "a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        #expect(conf(deep) == .success(StorageConf.Roots()))
        let open = "a = " + String(repeating: "[", count: depth)
        #expect(
            conf(open)
                == .failure(StorageConf.malformed(line: 0, lastKey: "a", reason: "unexpected EOF; expected value")))
        let tables = "a = " + String(repeating: "{b=", count: depth) + "1" + String(repeating: "}", count: depth) + "\n"
        #expect(conf(tables) == .success(StorageConf.Roots()))
    }

    @Test func expandEnvFollowsGo() {
        let vars: [ByteString: ByteString] = ["HOME": "/home/t", "UID": "1001", "1": "one"]
        func expand(_ s: ByteString) -> ByteString { GoText.expandEnv(s, lookup: { vars[$0] }) }
        #expect(expand("$HOME/graph") == "/home/t/graph")
        #expect(expand("${HOME}/run/${UID}") == "/home/t/run/1001")
        #expect(expand("/a/$UNSET/b") == "/a//b")
        #expect(expand("/cost$") == "/cost$")
        #expect(expand("/x/$/y") == "/x/$/y")
        #expect(expand("/x/${}/y") == "/x//y")
        #expect(expand("/x/${HOME") == "/x/HOME")
        #expect(expand("$1x") == "onex")
        #expect(expand("~/rr") == "~/rr")
    }
}

@Suite struct PodmanArgumentTests {
    private func parse(_ words: [ByteString]) -> Result<PodmanInvocation, Failure> {
        PodmanOptions.parse(["podman-unshare"] + words)
    }

    private func usage(_ message: ByteString) -> Result<PodmanInvocation, Failure> {
        .failure(Failure.podman(message, seeHelp: true))
    }

    @Test func optionsStopAtTheFirstNonOption() {
        #expect(parse(["id", "--foo"]) == .success(.run(PodmanOptions(command: ["id", "--foo"]))))
        #expect(
            parse(["--rootless-netns", "ip", "-h"])
                == .success(.run(PodmanOptions(rootlessNetns: true, command: ["ip", "-h"]))))
        #expect(parse(["--", "--help"]) == .success(.run(PodmanOptions(command: ["--help"]))))
        #expect(parse(["-", "x"]) == .success(.run(PodmanOptions(command: ["-", "x"]))))
        #expect(parse([]) == .success(.run(PodmanOptions())))
        #expect(PodmanOptions.parse([]) == .success(.run(PodmanOptions())))
    }

    @Test func booleanValues() {
        #expect(parse(["--rootless-netns=false", "id"]) == .success(.run(PodmanOptions(command: ["id"]))))
        #expect(
            parse(["--rootless-cni=T", "id"]) == .success(.run(PodmanOptions(rootlessNetns: true, command: ["id"]))))
        #expect(
            parse(["--rootless-netns=xyz"])
                == usage(
                    #"invalid argument "xyz" for "--rootless-netns" flag: strconv.ParseBool: parsing "xyz": invalid syntax"#
                ))
        #expect(
            parse(["--help="])
                == usage(
                    #"invalid argument "" for "--help" flag: strconv.ParseBool: parsing "": invalid syntax"#))
        #expect(parse(["--help=false", "id"]) == .success(.run(PodmanOptions(command: ["id"]))))
    }

    @Test func help() {
        #expect(parse(["--help"]) == .success(.help))
        #expect(parse(["-h"]) == .success(.help))
        #expect(parse(["-hx"]) == .success(.help))
        #expect(parse(["-h=3"]) == .success(.help))
        #expect(parse(["--rootless-netns", "--help", "id"]) == .success(.help))
        #expect(parse(["--help", "--foo"]) == usage("unknown flag: --foo"))
    }

    @Test func podmansMessagesForBadFlags() {
        #expect(parse(["--foo"]) == usage("unknown flag: --foo"))
        #expect(parse(["--foo=bar"]) == usage("unknown flag: --foo"))
        #expect(parse(["--rootless-net"]) == usage("unknown flag: --rootless-net"))
        #expect(parse(["-x"]) == usage("unknown shorthand flag: 'x' in -x"))
        #expect(parse(["-xh"]) == usage("unknown shorthand flag: 'x' in -xh"))
        #expect(parse(["-r"]) == usage("unknown shorthand flag: 'r' in -r"))
        #expect(parse(["--=x"]) == usage("bad flag syntax: --=x"))
        #expect(parse(["---x"]) == usage("bad flag syntax: ---x"))
        #expect(
            Failure.podman("unknown flag: --foo", seeHelp: true).podmanRendered(command: "podman-unshare")
                == "Error: unknown flag: --foo\nSee 'podman-unshare --help'\n")
    }

    @Test func goQuoting() {
        #expect(GoText.quote("a\"b\\c\n\u{1}") == #""a\"b\\c\n\x01""#)
        #expect(GoText.quote(ByteString([0x61, 0xff])) == #""a\xff""#)
        #expect(GoText.quote("é") == "\"é\"")
        #expect(GoText.quoteByte(UInt8(ascii: "'")) == #"'\''"#)
        #expect(GoText.quoteByte(0x0a) == #"'\n'"#)
        #expect(GoText.quoteByte(0xc3) == "'Ã'")
        #expect(GoText.quoteByte(0x85) == #"'\u0085'"#)
        #expect(GoText.quoteByte(0xa0) == #"'\u00a0'"#)
    }

    /// strconv.IsPrint: categories L, M, N, P, S and the ASCII space; the rest escaped.
    @Test func goQuotingOfNonPrintableRunes() {
        #expect(GoText.quote("a\u{200B}b\u{FEFF}\u{00A0}\u{3000}\u{0378}") == #""a\u200bb\ufeff\u00a0\u3000\u0378""#)
        #expect(GoText.quote("e\u{301}\u{1F600}\u{2028}\u{E000}") == "\"e\u{301}\u{1F600}\\u2028\\ue000\"")
    }

    @Test func cleanPath() {
        #expect(GoText.cleanPath("/usr//bin/./id") == "/usr/bin/id")
        #expect(GoText.cleanPath("./x") == "x")
        #expect(GoText.cleanPath("/../a/../b/") == "/b")
        #expect(GoText.cleanPath("../../a") == "../../a")
        #expect(GoText.cleanPath("") == ".")
        #expect(GoText.joinPath("/run/user/1/", "containers") == "/run/user/1/containers")
    }

    @Test func errnoTextIsGos() {
        #expect(GoText.errnoText(EACCES) == "permission denied")
        #expect(GoText.errnoText(ENOEXEC) == "exec format error")
        #expect(GoText.errnoText(ENOENT) == "no such file or directory")
    }

    @Test func lookPathLikeGo() {
        let executables: Set<ByteString> = ["/usr/bin/id", "/opt/x/tool", "rel/tool2"]
        func look(_ name: ByteString, _ path: ByteString?) -> Result<ByteString, Failure> {
            GoExec.lookPath(name, path: path, isExecutableFile: { executables.contains($0) })
        }
        #expect(look("id", "/bin:/usr/bin") == .success("/usr/bin/id"))
        #expect(look("tool", "/usr/bin:/opt/x/") == .success("/opt/x/tool"))
        #expect(look("/etc", "/usr/bin") == .success("/etc"))
        #expect(look("x/y", nil) == .success("x/y"))
        #expect(
            look("nope", "/usr/bin")
                == .failure(Failure.podman(#"exec: "nope": executable file not found in $PATH"#, exitCode: 127)))
        #expect(
            look("id", nil)
                == .failure(Failure.podman(#"exec: "id": executable file not found in $PATH"#, exitCode: 127)))
        #expect(
            look("tool2", "rel")
                == .failure(
                    Failure.podman(#"exec: "tool2": cannot run executable found relative to current directory"#)))
        #expect(look("", "/usr/bin") == .failure(Failure.podman("exec: no command")))
    }

    @Test func logLines() {
        let w = PodmanLogLine(.warning, "Using rootless single mapping")
        #expect(
            PodmanLog.render(w, terminal: false, time: "2026-01-02T03:04:05Z")
                == "time=\"2026-01-02T03:04:05Z\" level=warning msg=\"Using rootless single mapping\"\n")
        #expect(
            PodmanLog.render(PodmanLogLine(.error, "a \"b\""), terminal: true, time: "")
                == "ERRO[0000] a \"b\"\n")
        #expect(
            PodmanLog.render(PodmanLogLine(.error, "plain"), terminal: false, time: "t")
                == "time=t level=error msg=plain\n")
    }
}

@Suite struct PodmanMapTests {
    private func line(_ inner: UInt64, _ outer: UInt64, _ count: UInt64) -> PodmanIDMaps.Line {
        PodmanIDMaps.Line(inner: inner, outer: outer, count: count)
    }

    @Test func everyRangeEndToEndAtFullWidth() {
        let ranges = [
            PodmanIDMaps.Range(300000, 2000), PodmanIDMaps.Range(200000, 1000),
            PodmanIDMaps.Range(400000, 4_294_967_295),
        ]
        #expect(
            PodmanIDMaps.layout(id: 1002, ranges: ranges)
                == [
                    line(0, 1002, 1), line(1, 300000, 2000), line(2001, 200000, 1000),
                    line(3001, 400000, 4_294_967_295),
                ])
        #expect(
            PodmanIDMaps.arguments([line(0, 1002, 1), line(1, 400000, 4_294_967_295)])
                == ["0", "1002", "1", "1", "400000", "4294967295"])
    }

    /// podman's lines are newuidmap's words as they are: a count of 0, or
    /// one past 32 bits, is passed on for the tool to judge.
    @Test func podmansLinesAreTheToolsWordsAsTheyAre() {
        let s = PodmanFakeSystem(subuid: "tester:100000:0\n", subgid: "tester:100000:4294967296\n")
        guard case .ranges(let uid, let gid) = PodmanPlan.userNamespace(context: s).maps else {
            Issue.record("no ranges")
            return
        }
        #expect(PodmanIDMaps.arguments(uid) == ["0", "1001", "1", "1", "100000", "0"])
        #expect(PodmanIDMaps.arguments(gid) == ["0", "1001", "1", "1", "100000", "4294967296"])
    }

    /// shadow's libsubid, as podman reads the files: extra fields ignored,
    /// blank or non-numeric fields skip the line, the name before the uid.
    @Test func subidLinesAsLibsubidReadsThem() {
        let text = Array("tester:100000:65536:extra\nbad::1\ntester:x:1\n1001:5:5\ntester:7:4294967295\n".utf8)
        #expect(
            PodmanIDMaps.ranges(in: text, name: "tester", uid: 1001)
                == [PodmanIDMaps.Range(100000, 65536), PodmanIDMaps.Range(7, 4_294_967_295)])
        #expect(PodmanIDMaps.ranges(in: text, name: "other", uid: 1001) == [PodmanIDMaps.Range(5, 5)])
        #expect(PodmanIDMaps.ranges(in: Array("t:1:99999999999999999999\n".utf8), name: "t", uid: 1).isEmpty)
    }

    @Test func aRangeHoldingTheCallerIsRefused() {
        #expect(
            PodmanIDMaps.overlap(id: 1500, ranges: [PodmanIDMaps.Range(1000, 1000)], file: "/etc/subuid", what: "UID")
                == #"invalid configuration: the specified mapping 1000:1000 in "/etc/subuid" includes the user UID"#)
        #expect(
            PodmanIDMaps.overlap(id: 2000, ranges: [PodmanIDMaps.Range(1000, 1000)], file: "/etc/subuid", what: "UID")
                == nil)
    }

    @Test func planUsesEveryRangeOfTheCaller() {
        var s = PodmanFakeSystem(
            subuid: "other:5:5\ntester:200000:1000\ntester:300000:2000\n",
            subgid: "tester:200000:1000\n")
        s.env["USER"] = "tester"
        guard case .success(let p) = podmanPlan(s), case .pause(_, let create) = p.namespaces else {
            Issue.record("no plan")
            return
        }
        #expect(
            create.maps
                == .ranges(
                    uid: [line(0, 1001, 1), line(1, 200000, 1000), line(1001, 300000, 2000)],
                    gid: [line(0, 1001, 1), line(1, 200000, 1000)]))
        #expect(create.messages.isEmpty)
    }

    @Test func noRangesFallsBackToTheSingleMappingWithPodmansWords() {
        for s in [
            PodmanFakeSystem(subuid: "other:1:2\n"), PodmanFakeSystem(subgid: ""),
            {
                var s = PodmanFakeSystem()
                s.files["/etc/subuid"] = nil
                return s
            }(),
        ] {
            guard case .success(let p) = podmanPlan(s), case .pause(_, let create) = p.namespaces else {
                Issue.record("no plan")
                continue
            }
            #expect(create.maps == .single(uid: 1001, gid: 1001))
            #expect(create.messages.count == 2)
            #expect(create.messages.last == PodmanLogLine(.warning, PodmanPlan.singleMappingWarning))
        }
        guard case .success(let p) = podmanPlan(PodmanFakeSystem(subuid: "")), case .pause(_, let create) = p.namespaces
        else {
            Issue.record("no plan")
            return
        }
        #expect(
            create.messages.first
                == PodmanLogLine(
                    .error,
                    #"cannot find UID/GID for user tester: no subuid ranges found for user "tester" in /etc/subuid - check rootless mode in man pages."#
                ))
    }
}

@Suite struct PodmanPlanTests {
    @Test func environmentDefaults() {
        guard case .success(let p) = podmanPlan(PodmanFakeSystem()) else {
            Issue.record("no plan")
            return
        }
        #expect(
            p.environment == [
                PodmanEnvVar("XDG_RUNTIME_DIR", "/tmp/podman-run-1001"),
                PodmanEnvVar("XDG_CONFIG_HOME", ""),  // no ~/.config
                PodmanEnvVar("_CONTAINERS_USERNS_CONFIGURED", "done"),
                PodmanEnvVar("_CONTAINERS_ROOTLESS_UID", "1001"),
                PodmanEnvVar("_CONTAINERS_ROOTLESS_GID", "1001"),
                PodmanEnvVar("CONTAINERS_GRAPHROOT", "/home/tester/.local/share/containers/storage"),
                PodmanEnvVar("CONTAINERS_RUNROOT", "/tmp/podman-run-1001/containers"),
            ])
        #expect(p.command == ["id"])
    }

    @Test func xdgDirectoriesAndRunUser() {
        var s = PodmanFakeSystem()
        s.nodes["/run/user/1001"] = FileFacts(uid: 1001, mode: 0o40700)
        guard case .success(let p) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p, "CONTAINERS_RUNROOT") == "/run/user/1001/containers")

        s.nodes["/run/user/1001"] = FileFacts(uid: 0, mode: 0o40755)  // not ours
        guard case .success(let p2) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p2, "CONTAINERS_RUNROOT") == "/tmp/podman-run-1001/containers")

        s.env["XDG_RUNTIME_DIR"] = "/xdg/run/"
        s.nodes["/xdg/run"] = FileFacts(uid: 1001, mode: 0o40700)
        s.env["XDG_DATA_HOME"] = "/xdg/data"
        guard case .success(let p3) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p3, "CONTAINERS_RUNROOT") == "/xdg/run/containers")
        #expect(env(p3, "XDG_RUNTIME_DIR") == nil)  // the command keeps its own
        #expect(env(p3, "CONTAINERS_GRAPHROOT") == "/xdg/data/containers/storage")

        s.env["HOME"] = nil  // the passwd entry's home
        s.env["XDG_DATA_HOME"] = ""
        guard case .success(let p4) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p4, "CONTAINERS_GRAPHROOT") == "/home/tester/.local/share/containers/storage")
    }

    @Test func storageConfOverridesTheDefaults() {
        var s = PodmanFakeSystem()
        s.files["/home/tester/.config/containers/storage.conf"] =
            Array("[storage]\ngraphroot = \"$HOME/graph\"\nrunroot = \"/r\"\n".utf8)
        guard case .success(let p) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p, "CONTAINERS_GRAPHROOT") == "/home/tester/graph")
        #expect(env(p, "CONTAINERS_RUNROOT") == "/r")

        s.env["XDG_CONFIG_HOME"] = "/cfg"  // the file is looked for there instead
        guard case .success(let p2) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p2, "CONTAINERS_GRAPHROOT") == "/home/tester/.local/share/containers/storage")
        s.files["/cfg/containers/storage.conf"] = Array("[storage]\nrunroot = \"/cfg-run\"\n".utf8)
        guard case .success(let p3) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(env(p3, "CONTAINERS_RUNROOT") == "/cfg-run")
    }

    @Test func malformedStorageConfIsPodmansError() {
        var s = PodmanFakeSystem()
        s.files["/home/tester/.config/containers/storage.conf"] = Array("[storage\ngraphroot = \"/g\"\n".utf8)
        let reason: ByteString = #"toml: line 2: expected '.' or ']' to end table name, but got '\n' instead"#
        #expect(
            podmanPlan(s)
                == .failure(
                    Failure.podman(
                        nil, exitCode: 1, log: [PodmanLogLine(.error, reason)],
                        stdout: "Failed to read /home/tester/.config/containers/storage.conf " + reason + "\n")))
    }

    @Test func podmansOwnErrors() {
        var root = PodmanFakeSystem()
        root.euid = 0
        #expect(podmanPlan(root) == .failure(Failure.podman("please use unshare with rootless")))
        var noShell = PodmanFakeSystem()
        noShell.env["SHELL"] = nil
        #expect(
            podmanPlan(noShell, args: []) == .failure(Failure.podman("no command specified and no $SHELL specified")))
        guard case .success(let p) = podmanPlan(PodmanFakeSystem(), args: []) else {
            Issue.record("no plan")
            return
        }
        #expect(p.command == ["/bin/bash"])
        var emptyShell = PodmanFakeSystem()
        emptyShell.env["SHELL"] = ""
        guard case .success(let p2) = podmanPlan(emptyShell, args: []) else {
            Issue.record("no plan")
            return
        }
        #expect(p2.command == [""])  // podman then says "exec: no command"
    }

    @Test func nestedCallsRunInPlace() {
        var s = PodmanFakeSystem()
        s.euid = 0
        s.egid = 0
        s.env["_CONTAINERS_USERNS_CONFIGURED"] = "done"
        s.env["_CONTAINERS_ROOTLESS_UID"] = "1001"
        s.env["_CONTAINERS_ROOTLESS_GID"] = "1001"
        guard case .success(let p) = podmanPlan(s) else {
            Issue.record("no plan")
            return
        }
        #expect(p.namespaces == .nested)
        #expect(p.rootlessNetns == nil)
        #expect(env(p, "_CONTAINERS_ROOTLESS_UID") == "1001")
        #expect(env(p, "CONTAINERS_RUNROOT") == "/tmp/podman-run-1001/containers")
    }

    @Test func pausePidFileAndRootlessNetnsPaths() {
        #expect(
            PodmanStorage.rootlessNetnsName(staticDir: "/home/unshare-tester/.local/share/containers/storage/libpod")
                == "rootless-netns-71926a05ba3e1249e0e8")
        guard case .success(let p) = podmanPlan(PodmanFakeSystem(), rootlessNetns: true) else {
            Issue.record("no plan")
            return
        }
        guard case .pause(let pidFile, _) = p.namespaces else {
            Issue.record("no pause")
            return
        }
        #expect(pidFile == "/tmp/podman-run-1001/libpod/tmp/pause.pid")
        let name = PodmanStorage.rootlessNetnsName(staticDir: "/home/tester/.local/share/containers/storage/libpod")
        #expect(p.rootlessNetns?.path == "/tmp/podman-run-1001/netns/" + name)
        #expect(p.rootlessNetns?.lockFile == "/tmp/podman-run-1001/libpod/tmp/rootless-netns.lock")
        #expect(p.rootlessNetns?.dir == "/tmp/podman-run-1001/libpod/tmp/rootless-netns")
    }

    @Test func sha256Vectors() {
        #expect(SHA256.hex(SHA256.digest([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hex(SHA256.digest(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex(SHA256.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
