// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import SwiftUnshare

/// The small value types the command line's path uses instead of the
/// standard library's hashed collections and integer printing.
@Suite struct NamespaceSetTests {
    @Test func iteratesInNamespaceOrderWhateverTheInsertionOrder() {
        var set: NamespaceSet = []
        #expect(set.isEmpty)
        for kind in [Namespace.time, .mount, .user, .pid] { set.insert(kind) }
        #expect(Array(set) == [.user, .pid, .mount, .time])
        #expect(set.contains(.mount) && !set.contains(.net))
        set.formUnion([.net, .user])
        #expect(Array(set) == [.user, .net, .pid, .mount, .time])
        #expect(NamespaceSet(Set(Namespace.allCases)).map { $0 } == Namespace.allCases)
        // CLONE_NEWUSER | CLONE_NEWNS
        #expect(Namespace.flags([.user, .mount] as NamespaceSet) == 0x1000_0000 | 0x0002_0000)
    }

    @Test func persistFilesKeepOnePerKindTheLastWinningInNamespaceOrder() {
        var files = PersistFiles()
        #expect(files.isEmpty && files[.mount] == nil)
        files[.mount] = "/a"
        files[.user] = "/b"
        files[.mount] = "/c"
        #expect(files[.mount] == "/c")
        #expect(
            files.targets == [
                PersistTarget(namespace: .user, file: "/b"), PersistTarget(namespace: .mount, file: "/c"),
            ])
        #expect(files == [.mount: "/c", .user: "/b"])
        files[.user] = nil
        #expect(files.targets == [PersistTarget(namespace: .mount, file: "/c")])
    }

    @Test func integersInterpolateInDecimal() {
        #expect(ByteString("\(0)") == "0")
        #expect(ByteString("\(UInt32(7)) \(UInt32.max) \(Int32.min)") == "7 4294967295 -2147483648")
        #expect(ByteString("x\(Int64.min)y\(UInt64.max)") == "x-9223372036854775808y18446744073709551615")
        #expect(ByteString("\(Int(-10))\(UInt8(100))") == "-10100")
    }
}
