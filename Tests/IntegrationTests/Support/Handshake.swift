// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc

/// A named pipe for handshakes with a process run as any user: the process
/// writes a line when it has reached a point (`echo ready > FIFO`), or reads
/// one before it goes on (`head -n 1 FIFO`). The test holds the pipe open for
/// reading and writing, so the other side's open never blocks and never sees
/// the end of the file before the test lets go.
final class Fifo {
    let path: String
    private var fd: Int32

    /// Makes the pipe at `path` (in a scratch folder), open to every user.
    init(_ path: String) {
        self.path = path
        precondition(mkfifo(path, 0o666) == 0, "mkfifo \(path): \(String(cString: strerror(errno)))")
        chmod(path, 0o666)
        fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        precondition(fd >= 0, "open \(path)")
    }

    /// The next line written to the pipe, without its newline; nil when none
    /// comes within `timeout` seconds (the other side failed or hangs).
    func readLine(timeout: Double = 20) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var line: [UInt8] = []
        while true {
            var byte: UInt8 = 0
            let n = read(fd, &byte, 1)
            if n == 1 {
                if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
                line.append(byte)
                continue
            }
            if n < 0 && errno != EAGAIN && errno != EINTR { return nil }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&p, 1, Int32(min(left, 1) * 1000) + 1)
        }
    }

    /// Writes `line` and a newline for the reader on the other side.
    func write(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        precondition(bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count)
    }

    /// Lets go of the pipe: a reader on the other side sees the end of the file.
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit {
        close()
        unlink(path)
    }
}

extension Harness {
    /// How the spawned process `pid` ended; after `timeout` seconds it is
    /// killed (the end is then `.timedOut`). Polls, as `run` does: a bound for
    /// a process that should end by itself, never a window to wait through.
    static func end(of pid: pid_t, timeout: Double = 20) -> Ending {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) != pid {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                return .timedOut
            }
            usleep(2000)
        }
        return status & 0x7f == 0 ? .exit((status >> 8) & 0xff) : .signal(status & 0x7f)
    }

    /// The signals pending for the whole process `pid` (ShdPnd in its status),
    /// 1-31.
    static func pendingSignals(of pid: pid_t) -> Set<Int32> { signals(of: pid, field: "ShdPnd") }

    /// The signals its main thread blocks (SigBlk), 1-31. A signal both
    /// pending and blocked is held: it has not been acted on, and will not be
    /// until the process unblocks it.
    static func blockedSignals(of pid: pid_t) -> Set<Int32> { signals(of: pid, field: "SigBlk") }

    private static func signals(of pid: pid_t, field: String) -> Set<Int32> {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":\t") }
        let mask = line.flatMap { UInt64($0.dropFirst(field.count + 2), radix: 16) } ?? 0
        return Set((1...31).filter { mask & (1 << UInt64($0 - 1)) != 0 })
    }
}
