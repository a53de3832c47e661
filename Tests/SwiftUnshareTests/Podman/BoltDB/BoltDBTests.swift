// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// bbolt's file format, written as bbolt lays it out, for the reader's tests.
enum BoltWriter {
    static let pageSize = 4096

    static func le(_ v: UInt64, _ n: Int) -> [UInt8] {
        (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
    }

    /// A page header and leaf elements (flags, key, value), keys and values after the elements.
    static func leaf(_ items: [(UInt32, [UInt8], [UInt8])], id: UInt64 = 0) -> [UInt8] {
        var head = le(id, 8) + le(0x02, 2) + le(UInt64(items.count), 2) + le(0, 4)
        var data: [UInt8] = []
        for (i, item) in items.enumerated() {
            let pos = (items.count - i) * 16 + data.count
            head +=
                le(UInt64(item.0), 4) + le(UInt64(pos), 4) + le(UInt64(item.1.count), 4) + le(UInt64(item.2.count), 4)
            data += item.1 + item.2
        }
        return head + data
    }

    /// A branch page over (first key, child page) pairs.
    static func branch(_ items: [([UInt8], UInt64)], id: UInt64) -> [UInt8] {
        var head = le(id, 8) + le(0x01, 2) + le(UInt64(items.count), 2) + le(0, 4)
        var data: [UInt8] = []
        for (i, item) in items.enumerated() {
            let pos = (items.count - i) * 16 + data.count
            head += le(UInt64(pos), 4) + le(UInt64(item.0.count), 4) + le(item.1, 8)
            data += item.0
        }
        return head + data
    }

    /// An inline bucket's value: the bucket header (root 0) and its leaf page.
    static func inlineBucket(_ items: [(String, String)]) -> [UInt8] {
        le(0, 16) + leaf(items.map { (0, Array($0.0.utf8), Array($0.1.utf8)) })
    }

    static func meta(id: UInt64, root: UInt64, txid: UInt64, magic: UInt32 = 0xED0C_DAED) -> [UInt8] {
        var m = le(UInt64(magic), 4) + le(2, 4) + le(UInt64(pageSize), 4) + le(0, 4)
        m += le(root, 8) + le(0, 8) + le(2, 8) + le(8, 8) + le(txid, 8)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in m { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        return le(id, 8) + le(0x04, 2) + le(0, 2) + le(0, 4) + m + le(hash, 8)
    }

    /// Pages in order, each padded to the page size.
    static func file(_ pages: [[UInt8]]) -> [UInt8] {
        pages.flatMap { $0 + [UInt8](repeating: 0, count: pageSize - $0.count % pageSize) }
    }

    /// libpod's database as podman 4.3.1 writes it: buckets in the root leaf, runtime-config inline.
    static func libpod(tmpDir: String, runRoot: String, staticDir: String, graphRoot: String) -> [UInt8] {
        let config = inlineBucket([
            ("graph-driver-name", "vfs"), ("graph-root", graphRoot), ("os", "linux"), ("run-root", runRoot),
            ("static-dir", staticDir), ("tmp-dir", tmpDir), ("volume-path", graphRoot + "/volumes"),
        ])
        let root = leaf(
            [
                (1, Array("all-ctrs".utf8), le(0, 16) + leaf([])), (1, Array("ctr".utf8), le(0, 16) + leaf([])),
                (1, Array("runtime-config".utf8), config), (1, Array("vol".utf8), le(0, 16) + leaf([])),
            ], id: 3)
        let freelist = le(2, 8) + le(0x10, 2) + le(0, 2) + le(0, 4)
        return file([meta(id: 0, root: 3, txid: 4), meta(id: 1, root: 3, txid: 3), freelist, root])
    }
}

@Suite struct BoltDBTests {
    let config = Array("runtime-config".utf8)

    static let keys = ["static-dir", "tmp-dir", "run-root", "graph-root", "no-such-key"]

    /// What BoltDB.values finds of libpod's keys (and one it never has) in bucket `name`, as text
    /// (a key it has not, or has empty, is left out).
    func bucket(_ name: [UInt8], in file: [UInt8]) -> Result<[String: String]?, BoltDB.Failure> {
        BoltDB.values(of: Self.keys.map { Array($0.utf8) }, inBucket: name, in: DatabaseFile(bytes: file)).map {
            found in
            found.map { values in
                var out: [String: String] = [:]
                for (key, value) in zip(Self.keys, values) where !value.isEmpty {
                    out[key] = String(decoding: value, as: UTF8.self)
                }
                return out
            }
        }
    }

    @Test func readsLibpodsRuntimeConfig() throws {
        let file = BoltWriter.libpod(tmpDir: "/run/t", runRoot: "/run/r", staticDir: "/g/libpod", graphRoot: "/g")
        #expect(
            try bucket(config, in: file).get()
                == ["tmp-dir": "/run/t", "run-root": "/run/r", "static-dir": "/g/libpod", "graph-root": "/g"])
        #expect(try bucket(Array("no-such".utf8), in: file).get() == nil)
    }

    @Test func theNewerValidMetaPageWins() throws {
        let older = BoltWriter.leaf([(1, config, BoltWriter.inlineBucket([("tmp-dir", "/old")]))], id: 2)
        let newer = BoltWriter.leaf([(1, config, BoltWriter.inlineBucket([("tmp-dir", "/new")]))], id: 3)
        let pages = [BoltWriter.meta(id: 0, root: 2, txid: 7), BoltWriter.meta(id: 1, root: 3, txid: 8), older, newer]
        #expect(try bucket(config, in: BoltWriter.file(pages)).get() == ["tmp-dir": "/new"])
        // A torn newer meta (bad checksum) leaves the older one.
        var torn = BoltWriter.meta(id: 1, root: 3, txid: 8)
        torn[40] ^= 0xff
        let file = BoltWriter.file([pages[0], torn, older, newer])
        #expect(try bucket(config, in: file).get() == ["tmp-dir": "/old"])
    }

    @Test func branchPagesAndBucketsOnTheirOwnPages() throws {
        // Root: a branch over two leaves; the bucket has its own page (5).
        let bucketPage = BoltWriter.leaf([(0, Array("tmp-dir".utf8), Array("/t".utf8))], id: 5)
        let left = BoltWriter.leaf([(1, Array("ctr".utf8), BoltWriter.le(0, 16) + BoltWriter.leaf([]))], id: 3)
        let right = BoltWriter.leaf([(1, config, BoltWriter.le(5, 8) + BoltWriter.le(0, 8))], id: 4)
        let root = BoltWriter.branch([(Array("ctr".utf8), 3), (Array("pod".utf8), 4)], id: 2)
        let m = BoltWriter.meta(id: 0, root: 2, txid: 1)
        let file = BoltWriter.file([m, BoltWriter.meta(id: 1, root: 2, txid: 0), root, left, right, bucketPage])
        #expect(try bucket(config, in: file).get() == ["tmp-dir": "/t"])
    }

    @Test func garbageIsAnInvalidDatabase() {
        #expect(bucket(config, in: [UInt8](repeating: 7, count: 9000)) == .failure(.invalid))
        #expect(bucket(config, in: Array("not a database".utf8)) == .failure(.invalid))
        // A root page past the end of the file.
        let file = BoltWriter.file([BoltWriter.meta(id: 0, root: 9, txid: 1), BoltWriter.meta(id: 1, root: 9, txid: 0)])
        #expect(bucket(config, in: file) == .failure(.invalid))
        // An element whose key runs past its page.
        var bad = BoltWriter.libpod(tmpDir: "/t", runRoot: "/r", staticDir: "/s", graphRoot: "/g")
        bad.replaceSubrange(
            (3 * BoltWriter.pageSize + 16 + 8)..<(3 * BoltWriter.pageSize + 16 + 11), with: [0xff, 0xff, 0xff])
        #expect(bucket(config, in: bad) == .failure(.invalid))
    }
}

/// DatabaseFile: the live reader opens libpod's database and reads only the pages a lookup walks.
@Suite struct DatabaseFileTests {
    let keys = ["static-dir", "tmp-dir", "run-root", "graph-root"].map { Array($0.utf8) }
    let config = Array("runtime-config".utf8)

    /// A temporary file holding `bytes`, then `padding` zero bytes (a hole), removed after `body`.
    func withFile<T>(_ bytes: [UInt8], padding: Int = 0, _ body: (ByteString) throws -> T) throws -> T {
        var template = Array("/tmp/swift-unshare-bolt-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(fd >= 0)
        let path = String(cString: template)
        defer {
            close(fd)
            unlink(path)
        }
        try #require(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
        try #require(ftruncate(fd, off_t(bytes.count + padding)) == 0)
        return try body(ByteString(path))
    }

    @Test func aLargeDatabaseIsReadByItsPages() throws {
        let db = BoltWriter.libpod(tmpDir: "/run/t", runRoot: "/run/r", staticDir: "/g/libpod", graphRoot: "/g")
        try withFile(db, padding: 64 << 20) { path in
            let file = try LiveSystem().openDatabase(path).get()
            #expect(file.size == db.count + (64 << 20))
            let found = try BoltDB.values(of: keys, inBucket: config, in: file).get()
            #expect(found?.map { String(decoding: $0, as: UTF8.self) } == ["/g/libpod", "/run/t", "/run/r", "/g"])
            // Two meta pages' 64 bytes each, and the root leaf that holds the bucket inline.
            #expect(file.bytesRead == 64 + 64 + BoltWriter.pageSize)
        }
    }

    @Test func aFileThatCannotBeReadIsItsErrno() throws {
        // A directory opens, locks and has a size, but read(2) refuses it.
        let file = try LiveSystem().openDatabase("/").get()
        #expect(BoltDB.values(of: keys, inBucket: config, in: file) == .failure(.unreadable(Errno(EISDIR))))
        #expect(LiveSystem().openDatabase("/no/such/bolt_state.db").map { _ in 0 } == .failure(Errno(ENOENT)))
    }
}
