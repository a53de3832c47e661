// SPDX-License-Identifier: Apache-2.0
import Glibc

/// A message podman would log with logrus.
package struct PodmanLogLine: Equatable, Sendable {
    package enum Level: String, Sendable { case error, warning }
    package var level: Level
    package var message: ByteString

    package init(_ level: Level, _ message: ByteString) {
        self.level = level
        self.message = message
    }
}

/// podman's log lines (logrus's text format): on a terminal `WARN[0000] msg`,
/// otherwise `time="<RFC 3339>" level=warning msg="..."`.
package enum PodmanLog {
    package static func render(_ line: PodmanLogLine, terminal: Bool, time: ByteString) -> ByteString {
        if terminal {
            let tag: ByteString = line.level == .error ? "ERRO" : "WARN"
            return tag + "[0000] " + line.message + "\n"
        }
        return "time=\(field(time)) level=\(line.level.rawValue) msg=\(field(line.message))\n"
    }

    /// logrus quotes (with Go's %q) any value with a byte outside [A-Za-z0-9-._/@^+].
    static func field(_ value: ByteString) -> ByteString {
        let plain =
            !value.isEmpty
            && value.bytes.allSatisfy { c in
                (0x61...0x7a).contains(c) || (0x41...0x5a).contains(c) || (0x30...0x39).contains(c)
                    || Array("-._/@^+".utf8).contains(c)
            }
        return plain ? value : GoText.quote(value)
    }

    /// Writes the lines on stderr, stamped now (Go's time.RFC3339, local time).
    static func emit(_ lines: [PodmanLogLine], _ sys: some PodmanSystemCalls) {
        guard !lines.isEmpty else { return }
        let terminal = sys.isTerminal(2)
        let time = sys.timestamp()
        var text: ByteString = ""
        for line in lines { text = text + render(line, terminal: terminal, time: time) }
        PodmanIO.write(2, text, sys)
    }
}
