// SPDX-License-Identifier: Apache-2.0
/// Just enough of a bbolt (go.etcd.io/bbolt) database file to read keys of
/// one top-level bucket, for libpod's `bolt_state.db`, whose bucket
/// `runtime-config` records the directories of the run that made it
/// (docs/podman-unshare.md, step 7). Read only: the pages it walks, from a
/// DatabaseFile.
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
    /// Why a lookup failed: bbolt's "invalid database" (no valid meta page,
    /// or a page out of bounds), or a read of the file failed.
    enum Failure: Error, Equatable {
        case invalid
        case unreadable(Errno)
    }

    /// The values of `keys` in the top-level bucket `name`, each empty when
    /// the bucket has no such plain key (or its value is empty: libpod's
    /// reader takes both as unrecorded); nil when there is no such bucket.
    /// Only the pages on the way to each key are read, as bbolt's cursor
    /// reads them, and nothing is collected. (No optional element or value
    /// anywhere here: each would be a type the runtime makes at every start.)
    static func values(of keys: [[UInt8]], inBucket name: [UInt8], in file: DatabaseFile) -> Result<[[UInt8]]?, Failure>
    {
        do throws(Failure) {
            return .success(try lookUp(keys, inBucket: name, in: file))
        } catch {
            return .failure(error)
        }
    }

    private static func lookUp(_ keys: [[UInt8]], inBucket name: [UInt8], in file: DatabaseFile) throws(Failure)
        -> [[UInt8]]?
    {
        guard let meta = try validMeta(file) else { throw .invalid }
        let db = File(file: file, pageSize: meta.pageSize)
        let root = try db.page(at: meta.root)
        var element = Element()
        guard try db.find(name, from: root, depth: 0, into: &element), element.flags & 0x01 != 0 else { return nil }
        let bucket = try db.bucketRoot(element.value)
        var found: [[UInt8]] = []
        found.reserveCapacity(keys.count)
        for key in keys {
            let hit = try db.find(key, from: bucket, depth: 0, into: &element)
            found.append(hit && element.flags & 0x01 == 0 ? Array(element.value) : [])
        }
        return found
    }

    struct Meta {
        var pageSize: Int
        var root: UInt64
        var txid: UInt64
    }

    /// The meta page bbolt would use: page 0 or 1, valid (magic, version 2,
    /// FNV-1a checksum), the higher transaction id first.
    static func validMeta(_ file: DatabaseFile) throws(Failure) -> Meta? {
        func meta(at offset: Int) throws(Failure) -> Meta? {
            guard offset + 80 <= file.size else { return nil }
            let bytes = try read(file, at: offset + 16, count: 64)
            guard bytes.count == 64, le32(bytes, 0) == 0xED0C_DAED, le32(bytes, 4) == 2 else { return nil }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in bytes[0..<56] { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
            guard hash == le64(bytes, 56) else { return nil }
            let size = Int(le32(bytes, 8))
            guard size >= 1024, size <= 1 << 20 else { return nil }
            return Meta(pageSize: size, root: le64(bytes, 16), txid: le64(bytes, 48))
        }
        let first = try meta(at: 0)
        let second = try meta(at: first?.pageSize ?? 4096)
        switch (first, second) {
        case (let a?, let b?): return b.txid > a.txid ? b : a
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    static func read(_ file: DatabaseFile, at offset: Int, count: Int) throws(Failure) -> [UInt8] {
        switch file.read(at: offset, count: count) {
        case .success(let bytes): return bytes
        case .failure(let e): throw .unreadable(e)
        }
    }

    /// A page: its bytes from its header on, read from the file or within a bucket's inline value.
    struct Page {
        var bytes: ArraySlice<UInt8>
        var flags: UInt16 { UInt16(bytes[bytes.startIndex + 8]) | UInt16(bytes[bytes.startIndex + 9]) << 8 }
        var count: Int { Int(bytes[bytes.startIndex + 10]) | Int(bytes[bytes.startIndex + 11]) << 8 }
    }

    struct Element {
        var flags: UInt32 = 0
        var key: ArraySlice<UInt8> = []
        var value: ArraySlice<UInt8> = []
        var child: UInt64 = 0
    }

    struct File {
        var file: DatabaseFile
        var pageSize: Int

        /// Page `id` with its overflow pages, cut short where the file ends;
        /// a page that does not start within the file is an invalid database.
        func page(at id: UInt64) throws(Failure) -> Page {
            guard id < UInt64(file.size / pageSize) else { throw .invalid }
            let start = Int(id) * pageSize
            guard start + 16 <= file.size else { throw .invalid }
            var bytes = try BoltDB.read(file, at: start, count: pageSize)
            let overflow = Int(BoltDB.le32(bytes, 12))
            if overflow > 0 { bytes = try BoltDB.read(file, at: start, count: (overflow + 1) * pageSize) }
            return Page(bytes: bytes[...])
        }

        /// The bucket header's root page, or its inline page.
        func bucketRoot(_ value: ArraySlice<UInt8>) throws(Failure) -> Page {
            guard value.count >= 16 else { throw .invalid }
            let root = BoltDB.le64(value, value.startIndex)
            if root != 0 { return try page(at: root) }
            guard value.count >= 32 else { throw .invalid }
            return Page(bytes: value.dropFirst(16))
        }

        /// Element `i` of a leaf or branch page into `e`, bounds checked
        /// (sizes are unsigned 32-bit, so no sum below can overflow an Int);
        /// false when it runs past its page.
        func element(_ p: Page, _ i: Int, into e: inout Element) -> Bool {
            let b = p.bytes
            let at = b.startIndex + 16 + i * 16
            guard at + 16 <= b.endIndex else { return false }
            if p.flags & 0x01 != 0 {  // branch
                let k = at + Int(BoltDB.le32(b, at))
                let ksize = Int(BoltDB.le32(b, at + 4))
                guard k + ksize <= b.endIndex else { return false }
                e = Element(flags: 0, key: b[k..<(k + ksize)], value: [], child: BoltDB.le64(b, at + 8))
                return true
            }
            let k = at + Int(BoltDB.le32(b, at + 4))
            let ksize = Int(BoltDB.le32(b, at + 8))
            let vsize = Int(BoltDB.le32(b, at + 12))
            guard k + ksize + vsize <= b.endIndex else { return false }
            e = Element(
                flags: BoltDB.le32(b, at), key: b[k..<(k + ksize)], value: b[(k + ksize)..<(k + ksize + vsize)],
                child: 0)
            return true
        }

        /// Whether a leaf holds exactly this key (its element then in
        /// `found`), searched as bbolt's cursor does: in a branch, the last
        /// child whose first key is not above the key.
        func find(_ key: [UInt8], from p: Page, depth: Int, into found: inout Element) throws(Failure) -> Bool {
            guard depth < 64, p.bytes.count >= 16 else { throw .invalid }
            let leaf = p.flags & 0x02 != 0
            guard leaf || (p.flags & 0x01 != 0 && p.count > 0) else { throw .invalid }
            var chosen: UInt64 = 0
            for i in 0..<p.count {
                guard element(p, i, into: &found) else { throw .invalid }
                if leaf {
                    if found.key.elementsEqual(key) { return true }
                } else if i == 0 || !key.lexicographicallyPrecedes(found.key) {
                    chosen = found.child  // the first child, or one whose first key is not above the key
                }
            }
            if leaf { return false }
            return try find(key, from: try page(at: chosen), depth: depth + 1, into: &found)
        }
    }

    static func le32<C: RandomAccessCollection<UInt8>>(_ b: C, _ at: C.Index) -> UInt32 where C.Index == Int {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    static func le64<C: RandomAccessCollection<UInt8>>(_ b: C, _ at: C.Index) -> UInt64 where C.Index == Int {
        UInt64(le32(b, at)) | UInt64(le32(b, at + 4)) << 32
    }
}
