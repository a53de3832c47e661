// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import SwiftUnshare
import Testing

/// The spawn API's daemon options: a session of its own, and the
/// signal dispositions and mask the program starts with.
@Suite struct LibrarySpawnDaemonTests {
    /// The session id (field 6) of the program's own /proc/self/stat, and its pid.
    static func session(_ newSession: Bool) async throws -> (pid: Int32, session: Int32) {
        var c = UnshareCommand("sh", arguments: ["-c", "echo $$; exec cat /proc/self/stat"])
        c.newSession = newSession
        let (out, ending, _) = try await LibrarySpawnTests.output(c)
        #expect(ending == .exited(0))
        let lines = out.split(separator: "\n")
        let fields = lines.last?.split(separator: ")").last?.split(separator: " ") ?? []
        return (Int32(lines.first ?? "") ?? -1, fields.count > 3 ? Int32(fields[3]) ?? -1 : -1)
    }

    @Test func newSessionLeadsItsOwnSession() async throws {
        let own = try await Self.session(true)
        #expect(own.pid > 0)
        #expect(own.session == own.pid)
        let inherited = try await Self.session(false)
        #expect(inherited.session == getsid(0))
        #expect(inherited.session != inherited.pid)
    }

    /// SigIgn and SigBlk of the program's /proc/self/status.
    static func dispositions(_ c: UnshareCommand) async throws -> [String] {
        let (out, ending, _) = try await LibrarySpawnTests.output(c)
        #expect(ending == .exited(0))
        return out.split(separator: "\n").filter { $0.hasPrefix("SigIgn:") || $0.hasPrefix("SigBlk:") }
            .map { $0.replacingOccurrences(of: "\t", with: " ") }
    }

    @Test func ignoredAndBlockedSignalsCrossExec() async throws {
        var c = UnshareCommand("cat", arguments: ["/proc/self/status"])
        #expect(try await Self.dispositions(c) == ["SigBlk: 0000000000000000", "SigIgn: 0000000000000000"])
        c.ignoredSignals = [SIGHUP, SIGPIPE]  // bits 0 and 12
        c.blockedSignals = [SIGUSR1, SIGTERM]  // bits 9 and 14
        #expect(try await Self.dispositions(c) == ["SigBlk: 0000000000004200", "SigIgn: 0000000000001001"])
    }

    @Test func aSignalThatCannotBeIgnoredIsARequestError() {
        var c = UnshareCommand("true")
        c.ignoredSignals = [SIGKILL]
        #expect(
            throws: SpawnError(
                .request, strategy: .none,
                failure: Failure("invalid signal number 9: not a signal that can be ignored or blocked"))
        ) { try c.spawn() }
        c.ignoredSignals = []
        c.blockedSignals = [65]
        #expect(
            throws: SpawnError(
                .request, strategy: .none,
                failure: Failure("invalid signal number 65: not a signal that can be ignored or blocked"))
        ) { try c.spawn() }
    }
}
