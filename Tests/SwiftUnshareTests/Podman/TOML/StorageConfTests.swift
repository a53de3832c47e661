// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

private func conf(_ text: String) -> Result<StorageConf.Roots, Failure> {
    StorageConf.parse(Array(text.utf8))
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
