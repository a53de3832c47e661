// SPDX-License-Identifier: Apache-2.0
// spawn-probe's checks of what a spawn leaves of its caller: the caller's
// memory (the child shares it until exec: docs/library.md, "Sharing the
// caller's memory"), the spawning thread's errno and signal mask.
//
//   spawn-probe stress TASKS CHILDREN GIB
//       the stress run (main.swift) from a caller holding GIB GiB in 4 KiB
//       pages, a pattern written over all of it and checked before and after.
//   spawn-probe keeps
//       from the main thread, with errno and a signal mask of its own, spawn
//       a program into a missing working directory with each sharing mode
//       (no namespace, self-written maps: CLONE_VFORK; ranges written from
//       outside: the child waits); print each error, and whether errno and
//       the mask came back unchanged.
import CUnshareSys
import Glibc
import SwiftUnshare

/// GIB GiB of anonymous memory in 4 KiB pages (MADV_NOHUGEPAGE), every
/// 64-byte line holding a value of its own.
struct HeldMemory {
    let base: UnsafeMutablePointer<UInt64>
    let words: Int
    static let stride = 8  // one word in every 64 bytes

    init?(gib: Int) {
        let length = gib << 30
        guard let p = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            p != MAP_FAILED
        else { return nil }
        _ = madvise(p, length, 15)  // MADV_NOHUGEPAGE: 4 KiB pages, as a long-running heap has them
        base = p.assumingMemoryBound(to: UInt64.self)
        words = length / 8
        for i in Swift.stride(from: 0, to: words, by: Self.stride) { base[i] = Self.value(i) }
    }

    static func value(_ i: Int) -> UInt64 { UInt64(i) &* 0x9E37_79B9_7F4A_7C15 ^ 0xA5A5_5A5A_0F0F_F0F0 }

    /// The first line whose value changed, if any.
    func firstDamage() -> Int? {
        for i in Swift.stride(from: 0, to: words, by: Self.stride) where base[i] != Self.value(i) { return i * 8 }
        return nil
    }
}

func stressHolding(tasks: Int, children: Int, gib: Int) async -> Int32 {
    guard let memory = HeldMemory(gib: gib) else {
        say("mmap of \(gib) GiB failed: \(errno)")
        return 1
    }
    if let at = memory.firstDamage() {
        say("pattern wrong before any spawn at byte \(at)")
        return 1
    }
    let status = await stress(tasks: tasks, children: children)
    if let at = memory.firstDamage() {
        say("the caller's memory changed at byte \(at)")
        return 1
    }
    return status
}

/// The calling thread's blocked signals, as the kernel shows them.
func threadSignalMask() -> String {
    let fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return "?" }
    defer { close(fd) }
    return readAll(fd).split(separator: "\n").first { $0.hasPrefix("SigBlk:") }.map(String.init) ?? "?"
}

func keeps() -> Int32 {
    var mask = sigset_t()
    sigemptyset(&mask)
    for s in [SIGUSR2, SIGWINCH, 40] { sigaddset(&mask, s) }  // 40: a real-time signal
    pthread_sigmask(SIG_SETMASK, &mask, nil)
    let ranges =
        geteuid() == 0
        ? IDMapping(
            userRanges: [.range(inner: 0, outer: 100000, count: 65536)],
            groupRanges: [.range(inner: 0, outer: 100000, count: 65536)])
        : .root + .auto
    let cases: [(String, IDMapping, Set<Namespace>)] = [
        ("none", IDMapping(), []), ("selfWrite", .root, [.mount]), ("ranges", ranges, [.pid]),
    ]
    var ok = true
    for (name, mapping, namespaces) in cases {
        var c = UnshareCommand("true")
        c.idMapping = mapping
        c.namespaces = namespaces
        c.workingDirectory = "/swift-unshare-no-such-dir"
        let maskBefore = threadSignalMask()
        errno = EXDEV  // a value no step of the spawn fails with
        let outcome: String
        do {
            let child = try c.spawn()
            _ = try? child.waitBlocking()
            outcome = "spawned"
        } catch {
            outcome = "\(error.stage) \(error.strategy) \(error.errno.map { "\($0.rawValue)" } ?? "-") \(error.message)"
        }
        let errnoAfter = errno
        let maskAfter = threadSignalMask()
        say("\(name): \(outcome)")
        say("\(name): errno \(errnoAfter == EXDEV ? "kept" : "became \(errnoAfter)")")
        say("\(name): mask \(maskAfter == maskBefore ? "kept" : "was \(maskBefore), became \(maskAfter)")")
        ok = ok && errnoAfter == EXDEV && maskAfter == maskBefore
    }
    return ok ? 0 : 1
}
