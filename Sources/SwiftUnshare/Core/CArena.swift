// SPDX-License-Identifier: Apache-2.0
/// NUL-terminated C copies of ByteStrings, and NULL-terminated arrays of them
/// (argv style), built before a fork, a clone or an exec for C that reads
/// them there. The one builder of both paths: the library's spawn frees its
/// copies with the arena, when the call returns (the child works on its own
/// copy of memory); the CLI's helpers and its exec keep theirs (`.process`):
/// they must live until the process execs or exits, and freeing them would
/// only cost time.
final class CArena {
    enum Lifetime {
        /// Freed with the arena.
        case arena
        /// Never freed: until the process execs or exits.
        case process
    }

    private let lifetime: Lifetime
    private var blocks: [UnsafeMutableRawPointer] = []

    init(_ lifetime: Lifetime = .arena) { self.lifetime = lifetime }

    deinit {
        guard lifetime == .arena else { return }  // (a process arena has nothing to free)
        for block in blocks { block.deallocate() }
    }

    func allocate<T>(_ type: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
        if lifetime == .arena { blocks.append(UnsafeMutableRawPointer(p)) }
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
}
