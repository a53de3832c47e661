// SPDX-License-Identifier: Apache-2.0
/// Go's filepath.EvalSymlinks on Linux, over a PodmanSystemContext: every
/// symbolic link of `path` followed, one component at a time, the result
/// cleaned. A relative path stays relative (unless a link leads elsewhere).
/// The error is Go's text: `lstat <partial path>: <reason>`, `not a
/// directory` (a component that is a file, with more after it),
/// `readlink <path>: <reason>`, or `EvalSymlinks: too many links`.
extension GoText {
    package static func evalSymlinks(_ path: ByteString, context: PodmanSystemContext) -> Result<ByteString, Failure> {
        let slash = UInt8(ascii: "/")
        var p = path.bytes
        let volume = p.first == slash ? 1 : 0
        var dest: [UInt8] = Array(p.prefix(volume))
        var linksWalked = 0
        var start = volume
        var end = volume
        while start < p.count {
            while start < p.count && p[start] == slash { start += 1 }
            end = start
            while end < p.count && p[end] != slash { end += 1 }
            if end == start { break }
            let name = Array(p[start..<end])
            if name == [UInt8(ascii: ".")] {
                start = end
                continue
            }
            if name == [UInt8(ascii: "."), UInt8(ascii: ".")] {
                // Back up to the previous component when there is one to drop.
                let r = dest.lastIndex(of: slash).flatMap { $0 >= volume ? $0 : nil }
                if r == nil || Array(dest[(r! + 1)...]) == name {
                    if dest.count > volume { dest.append(slash) }
                    dest += name
                } else {
                    dest = Array(dest[..<r!])
                }
                start = end
                continue
            }
            if dest.count > volume && dest.last != slash { dest.append(slash) }
            dest += name
            let current = ByteString(dest)
            let facts: FileFacts
            switch context.fileFacts(current, followLinks: false) {
            case .failure(let e): return .failure(Failure.podman("lstat \(current): \(errnoText(e.rawValue))"))
            case .success(let f): facts = f
            }
            if !facts.isSymlink {
                if !facts.isDirectory && end < p.count { return .failure(Failure.podman("not a directory")) }
                start = end
                continue
            }
            linksWalked += 1
            if linksWalked > 255 { return .failure(Failure.podman("EvalSymlinks: too many links")) }
            let link: [UInt8]
            switch context.readLink(current) {
            case .failure(let e): return .failure(Failure.podman("readlink \(current): \(errnoText(e.rawValue))"))
            case .success(let l): link = l.bytes
            }
            p = link + p[end...]
            if link.first == slash {
                dest = [slash]
                end = 1
            } else {
                // Relative link: it replaces the last component of dest.
                if let r = dest.lastIndex(of: slash), r >= volume {
                    dest = Array(dest[..<r])
                } else {
                    dest = volume == 1 ? [slash] : []
                }
                end = 0
            }
            start = end
        }
        return .success(cleanPath(ByteString(dest)))
    }
}
