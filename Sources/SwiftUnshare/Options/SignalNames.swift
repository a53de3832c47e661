// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// Signal names as util-linux's signame_to_signum() reads them for --kill-child.
package enum SignalNames {
    /// The names util-linux knows, with their numbers on Linux x86-64 and aarch64.
    package static let table: [(name: String, number: Int32)] = [
        ("HUP", SIGHUP), ("INT", SIGINT), ("QUIT", SIGQUIT), ("ILL", SIGILL), ("TRAP", SIGTRAP),
        ("ABRT", SIGABRT), ("IOT", SIGIOT), ("BUS", SIGBUS), ("FPE", SIGFPE), ("KILL", SIGKILL),
        ("USR1", SIGUSR1), ("SEGV", SIGSEGV), ("USR2", SIGUSR2), ("PIPE", SIGPIPE), ("ALRM", SIGALRM),
        ("TERM", SIGTERM), ("STKFLT", SIGSTKFLT), ("CHLD", SIGCHLD), ("CLD", SIGCHLD), ("CONT", SIGCONT),
        ("STOP", SIGSTOP), ("TSTP", SIGTSTP), ("TTIN", SIGTTIN), ("TTOU", SIGTTOU), ("URG", SIGURG),
        ("XCPU", SIGXCPU), ("XFSZ", SIGXFSZ), ("VTALRM", SIGVTALRM), ("PROF", SIGPROF),
        ("WINCH", SIGWINCH), ("IO", SIGIO), ("POLL", SIGPOLL), ("PWR", SIGPWR), ("SYS", SIGSYS),
    ]

    /// The signal number for `name`, or nil: case-insensitive, "SIG" optional,
    /// "RTMIN+n", "RTMAX-n" and "RTn" for real-time signals. Numbers alone are refused.
    package static func number(for name: ByteString, rtmin: Int32 = cu_sigrtmin(), rtmax: Int32 = cu_sigrtmax())
        -> Int32?
    {
        var rest = Array(name.bytes.map(upper))[...]
        if rest.starts(with: Array("SIG".utf8)) { rest = rest.dropFirst(3) }
        if rest.starts(with: Array("RT".utf8)) {
            return realtime(rest.dropFirst(2), rtmin: rtmin, rtmax: rtmax)
        }
        let text = String(decoding: rest, as: UTF8.self)
        return table.first(where: { $0.name == text })?.number
    }

    private static func upper(_ b: UInt8) -> UInt8 { (0x61...0x7a).contains(b) ? b - 0x20 : b }

    /// util-linux: "MIN+" or "MAX-" then a number read by strtol (digits first,
    /// anything after them ignored), which must land in [rtmin, rtmax].
    private static func realtime(_ text: ArraySlice<UInt8>, rtmin: Int32, rtmax: Int32) -> Int32? {
        var rest = text
        var fromMax = false
        if rest.starts(with: Array("MIN+".utf8)) {
            rest = rest.dropFirst(4)
        } else if rest.starts(with: Array("MAX-".utf8)) {
            rest = rest.dropFirst(4)
            fromMax = true
        }
        let digits = rest.prefix(while: { (0x30...0x39).contains($0) })
        guard !digits.isEmpty, digits.count <= 9, let n = Int32(String(decoding: digits, as: UTF8.self)) else {
            return nil
        }
        let signal = fromMax ? rtmax - n : rtmin + n
        return (rtmin...rtmax).contains(signal) ? signal : nil
    }
}
