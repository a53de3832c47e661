// SPDX-License-Identifier: Apache-2.0
import Glibc

/// podman's log lines (logrus's text format): on a terminal `WARN[0000] msg`,
/// otherwise `time="<RFC 3339>" level=warning msg="..."`.
public enum PodmanLog {
    public static func render(_ line: PodmanLogLine, terminal: Bool, time: ByteString) -> ByteString {
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

    /// Now, in local time, as Go's time.RFC3339 ("2006-01-02T15:04:05Z07:00").
    static func now() -> ByteString {
        var t = time(nil)
        var tm = Glibc.tm()
        guard localtime_r(&t, &tm) != nil else { return "" }
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &tm)
        var text = ByteString(buffer[..<n].map { UInt8(bitPattern: $0) })
        let offset = tm.tm_gmtoff
        if offset == 0 { return text + "Z" }
        let minutes = abs(offset) / 60
        let hh = minutes / 60
        let mm = minutes % 60
        text = text + (offset < 0 ? "-" : "+") + (hh < 10 ? "0" : "") + "\(hh):" + (mm < 10 ? "0" : "") + "\(mm)"
        return text
    }

    /// Writes the lines on stderr.
    static func emit(_ lines: [PodmanLogLine]) {
        guard !lines.isEmpty else { return }
        let terminal = isatty(2) == 1
        let time = now()
        var text: ByteString = ""
        for line in lines { text = text + render(line, terminal: terminal, time: time) }
        PodmanIO.write(2, text)
    }
}
