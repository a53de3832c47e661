// SPDX-License-Identifier: Apache-2.0
import CUnshareSys

/// NUL-terminated C copies for one spawn, built before the clone and freed
/// when the spawn call returns (the child works on its own copy of memory).
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit { for block in blocks { block.deallocate() } }

    private func allocate<T>(_ type: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    func string(_ s: ByteString) -> UnsafeMutablePointer<CChar> {
        let p = allocate(CChar.self, s.bytes.count + 1)
        for (i, b) in s.bytes.enumerated() { p[i] = CChar(bitPattern: b) }
        p[s.bytes.count] = 0
        return p
    }

    /// A NULL-terminated array of C strings (argv style).
    func array(_ items: [ByteString]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let p = slots(items.count + 1)
        for (i, s) in items.enumerated() { p[i] = string(s) }
        return p
    }

    /// `count` NULL pointers.
    func slots(_ count: Int) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let p = allocate(UnsafeMutablePointer<CChar>?.self, count)
        p.initialize(repeating: nil, count: max(count, 1))
        return p
    }

    func writes(_ items: [ChildWrite]) -> UnsafePointer<cu_spawn_write>? {
        if items.isEmpty { return nil }
        let p = allocate(cu_spawn_write.self, items.count)
        for (i, w) in items.enumerated() {
            p.advanced(by: i).initialize(
                to: cu_spawn_write(
                    path: string(w.path), text: string(w.text),
                    len: w.text.bytes.count, ignore_missing: w.ignoreMissing ? 1 : 0))
        }
        return UnsafePointer(p)
    }
}
