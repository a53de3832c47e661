// SPDX-License-Identifier: Apache-2.0
import Glibc

/// The files execvp(3) tries for a program name, in its order, built before
/// a fork or a clone for the C children's exec loop (which goes on past a
/// candidate that is not there, as execvp does).
enum ExecPath {
    /// `name` itself when it has a slash, else each PATH entry (glibc's
    /// default "/bin:/usr/bin" when PATH is unset).
    static func candidates(_ name: ByteString, path: ByteString?) -> [ByteString] {
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
    static func presentCandidates(_ name: ByteString, path: ByteString?) -> [ByteString] {
        let all = candidates(name, path: path)
        let first = all.firstIndex { candidate in
            switch Sys.stat(candidate) {
            case .success: return true
            case .failure(let e): return e.rawValue != ENOENT && e.rawValue != ENOTDIR
            }
        }
        return first.map { Array(all[$0...]) } ?? all
    }
}
