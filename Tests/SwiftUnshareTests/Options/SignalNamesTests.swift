// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

@Suite struct SignalNamesTests {
    @Test(arguments: [
        ("KILL", SIGKILL), ("kill", SIGKILL), ("SIGTERM", SIGTERM), ("Sigterm", SIGTERM), ("sigint", SIGINT),
        ("HUP", SIGHUP), ("IOT", SIGABRT), ("CLD", SIGCHLD), ("POLL", SIGIO), ("STKFLT", SIGSTKFLT),
        ("PWR", SIGPWR), ("SYS", SIGSYS), ("WINCH", SIGWINCH),
    ])
    func names(_ name: String, _ number: Int32) {
        #expect(SignalNames.number(for: ByteString(name)) == number)
    }

    @Test func realtime() {
        let min = realtimeMinimum()
        let max = realtimeMaximum()
        #expect(SignalNames.number(for: "RTMIN+0") == min)
        #expect(SignalNames.number(for: "rtmin+1") == min + 1)
        #expect(SignalNames.number(for: "SIGRTMAX-2") == max - 2)
        #expect(SignalNames.number(for: "RTMAX-0") == max)
        #expect(SignalNames.number(for: "RT1") == min + 1)
        #expect(SignalNames.number(for: ByteString("RTMIN+\(max - min)")) == max)
        #expect(SignalNames.number(for: ByteString("RTMIN+\(max - min + 1)")) == nil)
        #expect(SignalNames.number(for: "RTMIN+1x") == min + 1)  // strtol stops at the x, as in util-linux
    }

    @Test(arguments: [
        "RTMIN", "RTMAX", "RTMIN+", "RTMIN+-1", "RTMIN+ 1", "15", "", "SIG", "sig", "EMT", "INFO", "LOST",
        "UNUSED", "TERMX", "RTMIN+99999999999999",
    ])
    func unknown(_ name: String) {
        #expect(SignalNames.number(for: ByteString(name)) == nil)
    }
}

private func realtimeMinimum() -> Int32 { 34 }
private func realtimeMaximum() -> Int32 { 64 }
