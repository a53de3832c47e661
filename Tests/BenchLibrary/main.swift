// SPDX-License-Identifier: Apache-2.0
// bench-library: the library's spawn rate, for scripts/bench-library.sh
// (make bench-library; BENCHMARKS.md). Not a test: a client of the library
// as a program that depends on it would be, built in release mode.
//
//   bench-library MODE THREADS COUNT [GIB]
//       COUNT spawns of /bin/true, split over THREADS threads (pthreads, each
//       spawning and waiting in turn); prints the rate, spawns per second.
//       GIB: the caller first holds that many GiB of memory in 4 KiB pages
//       (mmap, MADV_NOHUGEPAGE, every page written), as a long-running
//       server's heap.
//       MODE: root   a new user namespace, root inside (self-written single map)
//             auto   root + the caller's subordinate ranges (newuidmap/newgidmap;
//                    written by the parent as root)
//             ranges root + 0:100000:65536 ranges, written by the parent (as root only)
//             none   no namespace at all
//             posix_spawn   glibc's posix_spawn(3) and waitpid(2): the reference
import Glibc
import SwiftUnshare

let args = CommandLine.arguments
guard args.count == 4 || args.count == 5, let threads = Int(args[2]), let count = Int(args[3]), threads > 0,
    count >= threads, args.count == 4 || Int(args[4]) != nil
else {
    let text = Array("usage: bench-library root|auto|ranges|none|posix_spawn THREADS COUNT [GIB]\n".utf8)
    _ = write(2, text, text.count)
    exit(2)
}
let mode = args[1]

var command = UnshareCommand("/bin/true")
switch mode {
case "root": command.idMapping = .root
case "auto": command.idMapping = .root + .auto
case "ranges":
    command.idMapping =
        .root
        + IDMapping(
            userRanges: [.range(inner: 1, outer: 100000, count: 65536)],
            groupRanges: [.range(inner: 1, outer: 100000, count: 65536)])
case "none", "posix_spawn": break
default:
    let text = Array("bench-library: unknown mode \(mode)\n".utf8)
    _ = write(2, text, text.count)
    exit(2)
}

/// One thread's share: spawn and wait, `n` times; false at the first failure.
nonisolated func spawnMany(_ n: Int, _ mode: String, _ command: UnshareCommand) -> Bool {
    if mode == "posix_spawn" {
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(argv[0]) }
        for _ in 0..<n {
            var pid: pid_t = 0
            guard posix_spawn(&pid, "/bin/true", nil, nil, argv, environ) == 0 else { return false }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            guard status == 0 else { return false }
        }
        return true
    }
    for _ in 0..<n {
        do {
            guard try command.spawn().waitBlocking() == .exited(0) else { return false }
        } catch {
            let text = Array("bench-library: \(error)\n".utf8)
            _ = write(2, text, text.count)
            return false
        }
    }
    return true
}

final class Share: @unchecked Sendable {
    let n: Int
    let mode: String
    let command: UnshareCommand
    var ok = false
    init(_ n: Int, _ mode: String, _ command: UnshareCommand) {
        self.n = n
        self.mode = mode
        self.command = command
    }
}

/// The threads, each with its share; the rate, or nil at a failure. Not
/// isolated to the main actor (top-level code is): its threads are pthreads.
nonisolated func measure(_ mode: String, _ command: UnshareCommand, threads: Int, count: Int) -> Int? {
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    var shares: [Share] = []
    var handles: [pthread_t] = []
    for t in 0..<threads {
        let share = Share(count / threads + (t < count % threads ? 1 : 0), mode, command)
        shares.append(share)
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let share = Unmanaged<Share>.fromOpaque(raw!).takeUnretainedValue()
                share.ok = spawnMany(share.n, share.mode, share.command)
                return nil
            }, Unmanaged.passUnretained(share).toOpaque())
        precondition(rc == 0)
        handles.append(thread)
    }
    for thread in handles { pthread_join(thread, nil) }
    var end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &end)
    guard shares.allSatisfy(\.ok) else { return nil }
    let seconds = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
    return Int((Double(count) / seconds).rounded())
}

/// `gib` GiB in 4 KiB pages, every page written: held until the process exits.
func hold(gib: Int) {
    guard gib > 0 else { return }
    let length = gib << 30
    guard let p = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
        exit(3)
    }
    _ = madvise(p, length, 15)  // MADV_NOHUGEPAGE
    let bytes = p.assumingMemoryBound(to: UInt8.self)
    for offset in stride(from: 0, to: length, by: 4096) { bytes[offset] = 1 }
}

hold(gib: args.count == 5 ? Int(args[4])! : 0)
guard let rate = measure(mode, command, threads: threads, count: count) else { exit(1) }
print(rate)
