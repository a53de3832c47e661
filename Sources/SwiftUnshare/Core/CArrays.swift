// SPDX-License-Identifier: Apache-2.0
import Glibc

/// NUL-terminated C copies built once, before fork or exec, and never freed:
/// they live until the process execs or exits.
enum CArrays {
    static func string(_ s: ByteString) -> UnsafeMutablePointer<CChar> {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: s.bytes.count + 1)
        for (i, b) in s.bytes.enumerated() { p[i] = CChar(bitPattern: b) }
        p[s.bytes.count] = 0
        return p
    }

    /// A NULL-terminated array of C strings (argv style).
    static func array(_ items: [ByteString]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: items.count + 1)
        for (i, s) in items.enumerated() { p[i] = string(s) }
        p[items.count] = nil
        return p
    }

    /// The execvp(3) candidates for `name`: itself when it has a slash, else
    /// each PATH entry (glibc's default "/bin:/usr/bin" when PATH is unset).
    static func pathCandidates(_ name: ByteString, path: ByteString?) -> [ByteString] {
        if name.bytes.contains(UInt8(ascii: "/")) { return [name] }
        let dirs = (path ?? "/bin:/usr/bin").split(UInt8(ascii: ":"))
        return dirs.map { $0.isEmpty ? name : $0 + "/" + name }
    }

    /// The same candidates from the first one that is there: those before it
    /// are not (stat(2) fails with ENOENT or ENOTDIR), so their execve would
    /// fail that way too, and the execvp loop goes on past such a failure;
    /// dropping them changes only the cost. A failed execve in a child costs
    /// far more than a stat in the parent, and a user's PATH often names
    /// several directories before the one holding newuidmap. The candidates
    /// after the first one there stay as they are (the loop may still need
    /// them); if none is there, all are kept, for the loop's own error.
    static func presentPathCandidates(_ name: ByteString, path: ByteString?) -> [ByteString] {
        let all = pathCandidates(name, path: path)
        let first = all.firstIndex { candidate in
            var st = stat()
            return candidate.withCString { stat($0, &st) } == 0 || (errno != ENOENT && errno != ENOTDIR)
        }
        return first.map { Array(all[$0...]) } ?? all
    }
}
