// SPDX-License-Identifier: Apache-2.0
/// Just enough of a bbolt (go.etcd.io/bbolt) database file to read keys of
/// one top-level bucket, for libpod's `bolt_state.db`, whose bucket
/// `runtime-config` records the directories of the run that made it
/// (docs/podman-unshare.md, step 7). Read only; pure (bytes in, values out).
///
/// The format (little-endian, as bbolt writes it on x86-64 and arm64): the
/// file is pages of the size in the meta page. Each page starts with a
/// 16-byte header: id (8), flags (2: 0x01 branch, 0x02 leaf, 0x04 meta),
/// count (2), overflow (4). Pages 0 and 1 are the two meta pages; the valid
/// one with the higher transaction id holds the root bucket's page. A leaf
/// page has `count` 16-byte elements (flags, pos, key size, value size: 4
/// each; the key is `pos` bytes after its element, the value follows it); a
/// value with flag 0x01 is a bucket: its root page id (8) and sequence (8),
/// and, when the root is 0, the bucket's own page inline after them. A branch
/// page has 16-byte elements (pos, key size: 4 each; child page id: 8).
enum BoltDB {
    /// bbolt's "invalid database" (no valid meta page, or a page out of bounds).
    struct Invalid: Error, Equatable {}

    /// The values of `keys` in the top-level bucket `name`, each nil when the
    /// bucket has no such plain key; nil when there is no such bucket. Only
    /// the pages on the way to each key are read, as bbolt's cursor reads
    /// them, and nothing is collected.
    static func values(of keys: [[UInt8]], inBucket name: [UInt8], in file: [UInt8]) -> Result<[[UInt8]?]?, Invalid> {
        guard let meta = validMeta(file) else { return .failure(Invalid()) }
        let db = File(bytes: file, pageSize: meta.pageSize)
        guard let root = db.page(at: meta.root) else { return .failure(Invalid()) }
        switch db.find(name, from: root, depth: 0) {
        case .none: return .success(nil)
        case .some(.failure): return .failure(Invalid())
        case .some(.success(let element)):
            guard element.flags & 0x01 != 0 else { return .success(nil) }
            guard let bucket = db.bucketRoot(element.value) else { return .failure(Invalid()) }
            var found: [[UInt8]?] = []
            for key in keys {
                switch db.find(key, from: bucket, depth: 0) {
                case .none: found.append(nil)
                case .some(.failure): return .failure(Invalid())
                case .some(.success(let e)): found.append(e.flags & 0x01 == 0 ? Array(e.value) : nil)
                }
            }
            return .success(found)
        }
    }

    struct Meta {
        var pageSize: Int
        var root: UInt64
        var txid: UInt64
    }

    /// The meta page bbolt would use: page 0 or 1, valid (magic, version 2,
    /// FNV-1a checksum), the higher transaction id first.
    static func validMeta(_ file: [UInt8]) -> Meta? {
        func meta(at offset: Int) -> Meta? {
            guard offset + 80 <= file.count else { return nil }
            let m = offset + 16
            guard le32(file, m) == 0xED0C_DAED, le32(file, m + 4) == 2 else { return nil }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in file[m..<(m + 56)] { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
            guard hash == le64(file, m + 56) else { return nil }
            let size = Int(le32(file, m + 8))
            guard size >= 1024, size <= 1 << 20 else { return nil }
            return Meta(pageSize: size, root: le64(file, m + 16), txid: le64(file, m + 48))
        }
        let first = meta(at: 0)
        let second = meta(at: first?.pageSize ?? 4096)
        switch (first, second) {
        case (let a?, let b?): return b.txid > a.txid ? b : a
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    /// A page: its bytes from its header on, within the file or a bucket's inline value.
    struct Page {
        var bytes: ArraySlice<UInt8>
        var flags: UInt16 { UInt16(bytes[bytes.startIndex + 8]) | UInt16(bytes[bytes.startIndex + 9]) << 8 }
        var count: Int { Int(bytes[bytes.startIndex + 10]) | Int(bytes[bytes.startIndex + 11]) << 8 }
    }

    struct Element {
        var flags: UInt32
        var key: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        var child: UInt64
    }

    struct File {
        var bytes: [UInt8]
        var pageSize: Int

        func page(at id: UInt64) -> Page? {
            guard id < UInt64(bytes.count / pageSize) else { return nil }
            let start = Int(id) * pageSize
            guard start + 16 <= bytes.count else { return nil }
            let overflow = Int(BoltDB.le32(bytes, start + 12))
            let end = min(bytes.count, start + (overflow + 1) * pageSize)
            return Page(bytes: bytes[start..<end])
        }

        /// The bucket header's root page, or its inline page.
        func bucketRoot(_ value: ArraySlice<UInt8>) -> Page? {
            guard value.count >= 16 else { return nil }
            let root = BoltDB.le64(value, value.startIndex)
            if root != 0 { return page(at: root) }
            guard value.count >= 32 else { return nil }
            return Page(bytes: value.dropFirst(16))
        }

        /// Element `i` of a leaf or branch page, bounds checked (sizes are
        /// unsigned 32-bit, so no sum below can overflow an Int).
        func element(_ p: Page, _ i: Int) -> Element? {
            let b = p.bytes
            let at = b.startIndex + 16 + i * 16
            guard at + 16 <= b.endIndex else { return nil }
            if p.flags & 0x01 != 0 {  // branch
                let k = at + Int(BoltDB.le32(b, at))
                let ksize = Int(BoltDB.le32(b, at + 4))
                guard k + ksize <= b.endIndex else { return nil }
                return Element(flags: 0, key: b[k..<(k + ksize)], value: [], child: BoltDB.le64(b, at + 8))
            }
            let k = at + Int(BoltDB.le32(b, at + 4))
            let ksize = Int(BoltDB.le32(b, at + 8))
            let vsize = Int(BoltDB.le32(b, at + 12))
            guard k + ksize + vsize <= b.endIndex else { return nil }
            return Element(
                flags: BoltDB.le32(b, at), key: b[k..<(k + ksize)], value: b[(k + ksize)..<(k + ksize + vsize)],
                child: 0)
        }

        /// The leaf element with exactly this key, searched as bbolt's cursor
        /// does: in a branch, the last child whose first key is not above the key.
        func find(_ key: [UInt8], from p: Page, depth: Int) -> Result<Element, Invalid>? {
            guard depth < 64, p.bytes.count >= 16 else { return .failure(Invalid()) }
            let leaf = p.flags & 0x02 != 0
            guard leaf || (p.flags & 0x01 != 0 && p.count > 0) else { return .failure(Invalid()) }
            // (a page id, not an optional element: Optional<Element> would be
            // made at run time on every start in podman mode)
            var chosen: UInt64 = 0
            for i in 0..<p.count {
                guard let e = element(p, i) else { return .failure(Invalid()) }
                if leaf {
                    if e.key.elementsEqual(key) { return .success(e) }
                } else if i == 0 || !key.lexicographicallyPrecedes(e.key) {
                    chosen = e.child  // the first child, or one whose first key is not above the key
                }
            }
            if leaf { return nil }
            guard let next = page(at: chosen) else { return .failure(Invalid()) }
            return find(key, from: next, depth: depth + 1)
        }
    }

    static func le32<C: RandomAccessCollection<UInt8>>(_ b: C, _ at: C.Index) -> UInt32 where C.Index == Int {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    static func le64<C: RandomAccessCollection<UInt8>>(_ b: C, _ at: C.Index) -> UInt64 where C.Index == Int {
        UInt64(le32(b, at)) | UInt64(le32(b, at + 4)) << 32
    }
}
