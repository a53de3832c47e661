// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Subordinate ids from an NSS `subid:` module in the static release binary.
/// libsubid loads the module as a shared object, and in a static program that
/// object would run against a second glibc (as libnss_systemd did, which
/// crashed: Getent.swift). So the static binary asks shadow's getsubids(1), a
/// dynamically linked program that uses the same libsubid and the same module,
/// and reads its lines `<index>: <owner> <start> <count>`. A dynamic program
/// (the debug build, a library user's) loads libsubid itself (Libsubid.swift).
enum Getsubids {
    static let candidates = ["/usr/bin/getsubids", "/bin/getsubids"]

    static func ranges(owner: ByteString, users: Bool) -> SubordinateIDs.LibsubidAnswer {
        let argv: [ByteString] = users ? ["getsubids", owner] : ["getsubids", "-g", owner]
        guard let (output, status) = ProgramOutput.capture(candidates, argv) else {
            return .unavailable("getsubids(1) cannot be run (the uidmap package has it)")
        }
        return answer(output: output, status: status)
    }

    /// getsubids prints every range and exits 0, or prints "Error fetching
    /// ranges" on stderr and exits 1 when libsubid gave it none: no ranges and
    /// a module's failure look the same, and are taken as no ranges. Any other
    /// ending (a signal, another status) is a failure.
    static func answer(output: [UInt8], status: Int32) -> SubordinateIDs.LibsubidAnswer {
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 || code == 1 else { return .failed }
        if code == 1 { return .ranges([]) }
        var entries: [SubordinateIDs.Entry] = []
        for line in output.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "))
            guard fields.count >= 4, fields[0].last == UInt8(ascii: ":"),
                let start = UInt(String(decoding: fields[fields.count - 2], as: UTF8.self)),
                let count = UInt(String(decoding: fields[fields.count - 1], as: UTF8.self))
            else { return .failed }
            if let entry = SubordinateIDs.Entry(clipping: start, count) { entries.append(entry) }
        }
        return .ranges(entries)
    }
}
