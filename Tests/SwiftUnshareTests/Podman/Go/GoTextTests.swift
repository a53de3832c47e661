// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// Go's text rules and os/exec, as podman's messages are made of them.
@Suite struct GoTextTests {
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

    /// A path the quick look passes is one the element-by-element clean gives
    /// back unchanged, on every path of the small alphabet it could get wrong;
    /// and it passes the usual absolute ones.
    @Test func cleanPathsAreReturnedAsTheyAre() {
        var paths: [[UInt8]] = [[]]
        for _ in 0..<5 {
            paths += paths.flatMap { p in [p + [UInt8(ascii: "/")], p + [UInt8(ascii: ".")], p + [UInt8(ascii: "a")]] }
        }
        for p in Set(paths) {
            let path = ByteString(p)
            if GoText.isClean(p) { #expect(GoText.cleaned(path) == path, "\(path)") }
            #expect(GoText.cleanPath(path) == GoText.cleaned(path), "\(path)")
        }
        for p in ["/", "/a", "/run/user/1000", "/tmp/podman-run-1000/libpod/tmp", "a/b...c", "/a./.b"] {
            #expect(GoText.isClean(Array(p.utf8)), "\(p)")
        }
    }

    /// filepath.Clean's rules applied element by element, the way its
    /// documentation states them: the one-pass clean must agree on every path
    /// of up to seven bytes of "/", "." and "a".
    @Test func theOnePassCleanFollowsTheRules() {
        func byRules(_ p: [UInt8]) -> [UInt8] {
            let rooted = p.first == UInt8(ascii: "/")
            var parts: [[UInt8]] = []
            for piece in p.split(separator: UInt8(ascii: "/")) {
                let name = Array(piece)
                if name == Array(".".utf8) { continue }
                if name == Array("..".utf8) {
                    if let last = parts.last, last != name {
                        parts.removeLast()
                    } else if !rooted {
                        parts.append(name)
                    }
                    continue
                }
                parts.append(name)
            }
            let out = (rooted ? [UInt8(ascii: "/")] : []) + Array(parts.joined(separator: [UInt8(ascii: "/")]))
            return out.isEmpty ? Array(".".utf8) : out
        }
        var paths: [[UInt8]] = [[]]
        var level: [[UInt8]] = [[]]
        for _ in 0..<7 {
            level = level.flatMap { p in [p + [UInt8(ascii: "/")], p + [UInt8(ascii: ".")], p + [UInt8(ascii: "a")]] }
            paths += level
        }
        for p in paths {
            #expect(GoText.cleaned(ByteString(p)).bytes == byRules(p), "\(ByteString(p))")
        }
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

    @Test func podmanEndsWith255ForASignal() {
        #expect(GoExec.exitCode(.exited(7)) == 7)
        #expect(GoExec.exitCode(.signaled(SIGTERM)) == 255)
    }
}
