// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import SwiftUnshare
import SwiftUnshareAsync
import Testing

/// The run-and-collect API (`runBlocking`, `run() async`): exact bytes of both
/// streams, the limits, the input, failures; and, through Tests/SpawnProbe,
/// many runs at once and a pool that is never held.
@Suite struct LibraryRunTests {
    /// Both forms of the same run.
    static func both(
        _ c: UnshareCommand, input: UnshareCommand.Input = .none,
        output: UnshareCommand.Output = .bytes(limit: 1 << 20),
        error: UnshareCommand.Output = .bytes(limit: 1 << 20)
    ) async -> [Result<CollectedResult, RunError>] {
        let blocking = Result { () throws(RunError) in try c.runBlocking(input: input, output: output, error: error) }
        let awaited: Result<CollectedResult, RunError>
        do {
            awaited = .success(try await c.run(input: input, output: output, error: error))
        } catch {
            awaited = .failure(error)
        }
        return [blocking, awaited]
    }

    @Test func bothStreamsExactBytes() async throws {
        let c = UnshareCommand("sh", arguments: ["-c", #"printf 'a\000b\n'; printf 'e\377' >&2; exit 3"#])
        for r in await Self.both(c) {
            let result = try r.get()
            #expect(result.standardOutput.bytes == [0x61, 0, 0x62, 0x0a])
            #expect(result.standardError.bytes == [0x65, 0xff])
            #expect(result.standardError.string == "e\u{FFFD}")
            #expect(result.terminationStatus == .exited(3))
            #expect(result.strategy == MapStrategy.none && result.processIdentifier > 0)
        }
    }

    @Test func inNewNamespacesWithSelfWrittenMaps() async throws {
        var c = UnshareCommand("cat", arguments: ["/proc/self/uid_map", "/proc/self/setgroups"])
        c.idMapping = .root
        c.namespaces = [.pid, .mount]
        for r in await Self.both(c) {
            let result = try r.get()
            #expect(result.standardOutput.string == IDMapIntegrationTests.line(0, geteuid(), 1) + "deny\n")
            #expect(result.standardError.bytes == [] && result.terminationStatus == .exited(0))
            #expect(result.strategy == .selfWrite)
        }
    }

    @Test func exactlyTheLimitIsCollected() async throws {
        let c = UnshareCommand("sh", arguments: ["-c", "head -c 1000 /dev/zero; head -c 10 /dev/zero >&2"])
        for r in await Self.both(c, output: .bytes(limit: 1000), error: .string(limit: 10)) {
            let result = try r.get()
            #expect(result.standardOutput.bytes == [UInt8](repeating: 0, count: 1000))
            #expect(result.standardError.bytes == [UInt8](repeating: 0, count: 10))
        }
    }

    @Test func overTheLimitOnStandardOutput() async {
        let c = UnshareCommand("sh", arguments: ["-c", "head -c 1001 /dev/zero"])
        for r in await Self.both(c, output: .bytes(limit: 1000)) {
            #expect(throws: RunError.outputLimitExceeded(stream: .standardOutput, limit: 1000)) { try r.get() }
        }
    }

    @Test func overTheLimitOnStandardError() async {
        let c = UnshareCommand("sh", arguments: ["-c", "echo fine; head -c 11 /dev/zero >&2"])
        for r in await Self.both(c, error: .string(limit: 10)) {
            #expect(throws: RunError.outputLimitExceeded(stream: .standardError, limit: 10)) { try r.get() }
        }
        #expect(
            RunError.outputLimitExceeded(stream: .standardError, limit: 10).description
                == "standard error went past its limit of 10 bytes: the program was killed")
    }

    /// A program that never stops writing is killed at its limit: the run ends.
    @Test func endlessOutputIsCutAtTheLimit() async {
        for r in await Self.both(UnshareCommand("yes"), output: .bytes(limit: 1 << 16)) {
            #expect(throws: RunError.outputLimitExceeded(stream: .standardOutput, limit: 1 << 16)) { try r.get() }
        }
    }

    /// The input reaches the program while its output is read: 1 MiB through
    /// cat, and a program that writes 300 KB (more than a pipe holds) before
    /// it reads at all.
    @Test func inputBytesReachTheProgram() async throws {
        let input = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        for r in await Self.both(UnshareCommand("cat"), input: .bytes(input), output: .bytes(limit: 1 << 21)) {
            #expect(try r.get().standardOutput.bytes == input)
        }
        let first = UnshareCommand("sh", arguments: ["-c", "head -c 300000 /dev/zero; cat"])
        for r in await Self.both(first, input: .string("typed\n"), output: .bytes(limit: 1 << 20)) {
            #expect(try r.get().standardOutput.bytes == [UInt8](repeating: 0, count: 300_000) + Array("typed\n".utf8))
        }
    }

    /// A program that reads nothing: the rest of the input is dropped, no
    /// SIGPIPE reaches this process, and the run reports its exit.
    @Test func programThatDoesNotRead() async throws {
        let input = [UInt8](repeating: 0x78, count: 1 << 20)
        for r in await Self.both(UnshareCommand("true"), input: .bytes(input)) {
            #expect(try r.get().terminationStatus == .exited(0))
        }
    }

    @Test func noInputDiscardedAndEmptyInput() async throws {
        for r in await Self.both(UnshareCommand("cat"), input: .none) {
            #expect(try r.get().standardOutput.bytes == [])
        }
        for r in await Self.both(UnshareCommand("cat"), input: .bytes([])) {
            #expect(try r.get().standardOutput.bytes == [])
        }
        let noisy = UnshareCommand("sh", arguments: ["-c", "echo out; echo err >&2"])
        for r in await Self.both(noisy, output: .discarded, error: .discarded) {
            let result = try r.get()
            #expect(result.standardOutput.bytes == [] && result.standardError.bytes == [])
        }
    }

    @Test func spawnFailureIsThrownAsItIs() async {
        let c = UnshareCommand("swift-unshare-no-such-program")
        let expected = RunError.spawn(
            SpawnError(
                .notFound, strategy: .none,
                failure: Failure(
                    "failed to execute swift-unshare-no-such-program: No such file or directory", exitCode: 127)))
        for r in await Self.both(c) {
            #expect(throws: expected) { try r.get() }
        }
    }

    /// 16 tasks, 20 runs each, of mixed strategies, with input and both
    /// outputs; no descriptor or child is left (the probe compares its own
    /// /proc/self/fd before and after).
    @Test(.requiresRoot)
    func concurrentRunsAsRoot() {
        let r = Harness.run([LibrarySpawnTests.probe, "collect", "16", "20"], timeout: 300)
        #expect(r == Outcome(stdout: "ok\n", stderr: "", ending: .exit(0)))
    }

    @Test(.requiresTester)
    func concurrentRunsAsTester() {
        let r = Harness.run([LibrarySpawnTests.probe, "collect", "16", "20"], as: .tester, timeout: 300)
        #expect(r == Outcome(stdout: "ok\n", stderr: "", ending: .exit(0)))
    }

    /// More waiting runs than the pool has threads, released from one more
    /// task only once all have started: hangs (and times out) if `run()`
    /// held a thread of the pool.
    @Test func asyncRunHoldsNoThreadOfThePool() {
        let waiters = 4 * ProcessInfo.processInfo.activeProcessorCount + 2
        let r = Harness.run([LibrarySpawnTests.probe, "pool", "\(waiters)"], timeout: 120)
        #expect(r == Outcome(stdout: "ok\n", stderr: "", ending: .exit(0)))
    }
}
