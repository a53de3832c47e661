// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

@Suite struct GoEvalSymlinksTests {
    func eval(_ path: ByteString, _ s: PodmanFakeSystem) -> String {
        switch GoText.evalSymlinks(path, context: s) {
        case .success(let p): return p.description
        case .failure(let f): return "error: " + (f.message?.description ?? "")
        }
    }

    @Test func followsEveryLinkAsGoDoes() {
        var s = PodmanFakeSystem()
        s.nodes["/data/real"] = FileFacts(uid: 1001, mode: 0o40700)
        s.links["/data/abs"] = "/data/real"
        s.links["/data/rel"] = "real"
        s.links["/data/up"] = "../data/./real/"
        s.links["/home/tester/run"] = "/data/rel"
        #expect(eval("/data/abs", s) == "/data/real")
        #expect(eval("/data/rel//", s) == "/data/real")
        #expect(eval("/data/up", s) == "/data/real")
        #expect(eval("/home/tester/run", s) == "/data/real")
        #expect(eval("/data/real/../abs", s) == "/data/real")
        #expect(eval("/data/./real", s) == "/data/real")
        #expect(eval("", s) == ".")
    }

    @Test func relativePathsStayRelative() {
        var s = PodmanFakeSystem()
        s.nodes["cwd"] = FileFacts(uid: 1001, mode: 0o40700)
        s.links["ln"] = "cwd"
        s.links["abs"] = "/data/real"
        s.nodes["/data/real"] = FileFacts(uid: 1001, mode: 0o40700)
        #expect(eval("cwd", s) == "cwd")
        #expect(eval("ln", s) == "cwd")
        #expect(eval("./ln/", s) == "cwd")
        #expect(eval("abs", s) == "/data/real")
    }

    @Test func errorsAreGos() {
        var s = PodmanFakeSystem()
        s.files["/etc/file"] = []
        s.links["/loop"] = "/loop"
        #expect(eval("/nonexistent/x", s) == "error: lstat /nonexistent: no such file or directory")
        #expect(eval("rel_x", s) == "error: lstat rel_x: no such file or directory")
        #expect(eval("/etc/file/x", s) == "error: not a directory")
        #expect(eval("/loop", s) == "error: EvalSymlinks: too many links")
        #expect(eval(ByteString([0xff, 0x01]), s) == "error: lstat \u{FFFD}\u{1}: no such file or directory")
    }
}
