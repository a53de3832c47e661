// SPDX-License-Identifier: Apache-2.0
import CUnshareSys

extension CArena {
    /// The child's own writes, as the C side reads them (nil when there are none).
    func writes(_ items: [SelfWrite]) -> UnsafePointer<cu_spawn_write>? {
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
