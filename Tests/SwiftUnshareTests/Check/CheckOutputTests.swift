// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

@testable import SwiftUnshare

@Suite struct JSONTests {
    @Test func stringsAreEscapedAndAlwaysValid() throws {
        let text = ByteString(
            [0x22, 0x5c, 0x0a, 0x09, 0x01, 0x7f] + Array("é€😀".utf8) + [0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80])
        let bytes = JSON.string(text).bytes
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == #""\"\\\n\t\u0001"# + "\u{7f}é€😀" + #"\u00ff\u00c3(\u00ed\u00a0\u0080""#)
        let parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed) as? String
        #expect(parsed == "\"\\\n\t\u{01}\u{7f}é€😀ÿÃ(í\u{a0}\u{80}")
    }

    @Test func valuesInOrder() {
        let value = JSON.object([
            ("a", .null), ("b", .bool(true)), ("c", .int(-5)), ("d", .array([.string("x"), .int(1)])),
            ("e", .object([])),
        ])
        #expect(String(decoding: value.bytes, as: UTF8.self) == #"{"a":null,"b":true,"c":-5,"d":["x",1],"e":{}}"#)
    }
}

@Suite struct CheckOptionTests {
    @Test func checkTakesAnOptionalFormatAndIsMatchedOnlyInFull() {
        #expect(options(["--check"])?.check == .text)
        #expect(options(["--check=json", "-r"])?.check == .json)
        #expect(options(["--check=text", "-r"])?.check == .text)
        #expect(failure(["--check=yaml"]) == Failure("unsupported --check format 'yaml'"))
        #expect(failure(["--che"]) == .usage("unrecognized option '--che'"))
        #expect(failure(["--check", "--explain"]) == Failure("options --check and --explain are mutually exclusive"))
        // An optional value is only ever attached: `--check json` checks the program json.
        #expect(options(["--check", "json"])?.command == ["json"])
    }

    @Test func theFormatIsKnownEvenWhenParsingStopsLater() {
        let args: [ByteString] = ["unshare", "--check=json", "--map-users=x"]
        #expect(Options.checkFormat(args) == .json)
        #expect(Options.checkFormat(["unshare", "--bogus", "--check=json"]) == nil)
        #expect(Options.checkFormat(["unshare", "-r", "--", "--check"]) == nil)
    }

    @Test func podmanModeTakesCheckToo() {
        func parse(_ words: [ByteString]) -> Result<PodmanInvocation, Failure> {
            PodmanOptions.parse(["podman-unshare"] + words)
        }
        guard case .success(.run(let o)) = parse(["--check=json"]) else {
            Issue.record("not parsed")
            return
        }
        #expect(o.check == .json)
        guard case .success(.run(let t)) = parse(["--check", "id"]) else {
            Issue.record("not parsed")
            return
        }
        #expect(t.check == .text && t.command == ["id"])
        guard case .failure(let f) = parse(["--check=x"]) else {
            Issue.record("parsed")
            return
        }
        #expect(
            f.podmanText(errnoText: GoText.errnoText)
                == #"invalid argument "x" for "--check" flag: want "text" or "json""#)
    }
}

@Suite struct CheckOutputTests {
    @Test func aFailureIsUtilLinuxsMessageThenTheHint() {
        let f = CheckFailure(
            operation: .unshare(Errno(EPERM)), message: "unshare failed: Operation not permitted", exitCode: 1)
        #expect(
            CheckOutput.failureText(f, hint: nil, program: "unshare")
                == "unshare: unshare failed: Operation not permitted\n")
        let hint = Hint(cause: .noNewPrivs, reason: "r", fix: "f")
        let helper = CheckFailure(operation: .helperRefused, message: nil, exitCode: 1)
        #expect(CheckOutput.failureText(helper, hint: hint, program: "unshare") == "unshare: hint: r: f\n")
    }

    /// Every field of the command's object, parsed back.
    @Test func theCommandsObjectHasEveryStep() throws {
        let plan = try #require(planFor(["-r", "--user=/x", "true"]))
        let failure = CheckFailure(
            operation: .mapWrite(Errno(EPERM)), message: "write failed /proc/self/uid_map: Operation not permitted",
            exitCode: 1)
        let result = CheckResult(
            plan: plan, pid: 77,
            steps: [.ok, .ok, .failed(failure)] + Array(repeating: .notReached, count: plan.steps.count - 3),
            ending: .exited(1), output: Array("x\n".utf8), substituted: [PersistTarget(namespace: .user, file: "/x")])
        let hint = Hint(cause: .apparmorRestrictsUserns, reason: "why", fix: "what")
        let text = CheckOutput.commandJSON(result, arguments: ["--check=json", "-r"], hint: hint)
        #expect(text.bytes.last == 0x0a && !text.bytes.dropLast().contains(0x0a))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(text.bytes)) as? [String: Any])
        #expect(object["schema"] as? String == "swift-unshare-check")
        #expect(object["version"] as? Int == 1)
        #expect(object["mode"] as? String == "command")
        #expect(object["stage"] as? String == "execute")
        #expect(object["arguments"] as? [String] == ["--check=json", "-r"])
        #expect(object["ok"] as? Bool == false)
        #expect(object["exit_status"] as? Int == 1)
        #expect(object["strategy"] as? String == "self-written")
        #expect(object["namespaces"] as? [String] == ["user"])
        #expect(object["output"] as? String == "x\n")
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(steps.map { $0["step"] as? String } == plan.steps.map(\.checkName))
        #expect(steps[0]["text"] as? String == "fork the bind helper (it stays outside, to bind the namespace files)")
        #expect(
            steps.map { $0["status"] as? String } == ["ok", "ok", "failed"]
                + Array(repeating: "not-reached", count: plan.steps.count - 3))
        #expect(steps[2]["message"] as? String == "write failed /proc/self/uid_map: Operation not permitted")
        #expect(steps[2]["exit_status"] as? Int == 1)
        #expect(steps[0]["message"] is NSNull && steps[0]["exit_status"] is NSNull)
        #expect(steps[3]["message"] is NSNull && steps[3]["exit_status"] is NSNull)
        let f = try #require(object["failure"] as? [String: Any])
        #expect(f["step"] as? Int == 2)
        #expect(f["exit_status"] as? Int == 1)
        let h = try #require(f["hint"] as? [String: String])
        #expect(h == ["cause": "apparmorRestrictsUserns", "reason": "why", "fix": "what", "text": "why: what"])
        let persist = try #require(object["persist"] as? [[String: Any]])
        #expect(persist.count == 1)
        #expect(persist[0]["namespace"] as? String == "user")
        #expect(persist[0]["target"] as? String == "/x")
        #expect(persist[0]["tried_on_temporary_file"] as? Bool == true)
    }

    @Test func aRefusedCommandLineIsOneObjectToo() throws {
        let text = CheckOutput.refusedJSON(
            Failure(.noSubordinateRange(user: "nobody", file: "/etc/subuid")), stage: "parse",
            arguments: ["--map-auto"],
            hint: nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.bytes)) as? [String: Any])
        #expect(object["stage"] as? String == "parse")
        #expect(object["ok"] as? Bool == false)
        #expect(object["exit_status"] as? Int == 1)
        #expect(object["strategy"] is NSNull)
        #expect((object["steps"] as? [Any])?.isEmpty == true)
        let f = try #require(object["failure"] as? [String: Any])
        #expect(f["message"] as? String == "no line matching user \"nobody\" in /etc/subuid")
        #expect(f["step"] is NSNull && f["hint"] is NSNull)
    }
}
