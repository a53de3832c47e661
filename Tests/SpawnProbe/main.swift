// SPDX-License-Identifier: Apache-2.0
// spawn-probe: runs SwiftUnshare's spawn API for the integration tests
// (LibrarySpawnTests), so that it can run as an unprivileged user too.
//
//   spawn-probe run [SPEC...] -- PROGRAM [ARG...]
//       spawn from a concurrency task, wait with async/await; print
//       "strategy: S" and "ending: E", or "error: STAGE EXIT MESSAGE".
//       SPEC: root current auto subids all user=N group=N users=I:O:C
//             groups=I:O:C ns=user,pid,... setgroups=allow|deny fallback
//             pdeath=SIG stdin-pipe
//   spawn-probe stress TASKS CHILDREN [GIB]
//       TASKS tasks, each spawning CHILDREN children of mixed strategies
//       that list /proc/self/fd; print "ok" or each problem. GIB, and
//       `keeps`: CallerMemory.swift.
//   spawn-probe pdeath
//       spawn a child that waits forever with kill on parent death (SIGKILL),
//       from a thread that then exits; print its pid; wait forever.
//   spawn-probe signals
//       with SIGPIPE and SIGUSR1 ignored and every signal blocked in the
//       spawning thread, spawn grep of the child's signal state.
//   spawn-probe collect TASKS COMMANDS
//       TASKS tasks, each running COMMANDS commands of mixed strategies with
//       `run() async` (input bytes, both outputs collected; every fourth
//       with `runBlocking`); print "ok" or each problem (wrong bytes, a
//       leaked descriptor, a child left).
//   spawn-probe pool WAITERS
//       WAITERS concurrent `run() async` (more than the cooperative pool has
//       threads), each of a program that waits for its input, which one
//       more task writes only once every program has said it started:
//       prints "ok", or hangs if a run held a thread of the pool.
import CUnshareSys
import Glibc
import SwiftUnshare
import SwiftUnshareAsync

func say(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

func parseRange(_ text: Substring) -> IDRangeSource {
    let v = text.split(separator: ":").map { UInt32($0)! }
    return .range(inner: v[0], outer: v[1], count: v[2])
}

func namespace(_ name: Substring) -> Namespace {
    Namespace.allCases.first { "\($0)" == name }!
}

/// The command a `run` line describes.
func command(_ args: [String]) -> UnshareCommand {
    let split = args.firstIndex(of: "--")!
    let program = Array(args[(split + 1)...])
    var c = UnshareCommand(ByteString(program[0]), arguments: program.dropFirst().map { ByteString($0) })
    for spec in args[..<split] {
        let parts = spec.split(separator: "=", maxSplits: 1)
        let value = parts.count > 1 ? parts[1] : ""
        switch parts[0] {
        case "root": c.idMapping = c.idMapping + .root
        case "current": c.idMapping = c.idMapping + .current
        case "auto": c.idMapping = c.idMapping + .auto
        case "subids": c.idMapping = c.idMapping + .subids
        case "all": c.idMapping = c.idMapping + IDMapping(userRanges: [.all], groupRanges: [.all])
        case "user": c.idMapping.user = UInt32(value)!
        case "group": c.idMapping.group = UInt32(value)!
        case "users": c.idMapping.userRanges.append(parseRange(value))
        case "groups": c.idMapping.groupRanges.append(parseRange(value))
        case "ns": c.namespaces.formUnion(value.split(separator: ",").map(namespace))
        case "setgroups": c.setgroups = SetgroupsMode(rawValue: String(value))!
        case "fallback": c._forceCloneFallback = true
        case "pdeath": c.parentDeathSignal = Int32(value)!
        default: fatalError("unknown spec \(spec)")
        }
    }
    return c
}

func describe(_ e: SpawnError) -> String {
    var text = "error: \(e.stage) \(e.exitCode) \(e.message)"
    if let h = e.helper {  // the pid (argv[1]) varies: left out
        let how = h.execError.map { "exec errno \($0.rawValue)" } ?? h.ending.map { "\($0)" } ?? "?"
        let maps = h.arguments.dropFirst(2).map(\.description).joined(separator: " ")
        text +=
            "\nhelper: \(h.tool) argv0=\(h.arguments.first ?? "") maps=\(maps) \(how) output=\(String(reflecting: h.output.description))"
    }
    return text
}

func run(_ args: [String]) async -> Int32 {
    let c = command(args)
    do {
        let child = try c.spawn()
        let ending = try await child.wait()
        say("strategy: \(child.strategy)")
        say("ending: \(ending)")
        return 0
    } catch let e as SpawnError {
        say(describe(e))
        return 3
    } catch {
        say("wait failed: \(error)")
        return 4
    }
}

/// Descriptors open in this process.
func openDescriptors() -> Int {
    let dir = opendir("/proc/self/fd")!
    defer { closedir(dir) }
    var n = 0
    while readdir(dir) != nil { n += 1 }
    return n - 3  // ".", ".." and the directory's own
}

/// What a descriptor of this process is.
func target(_ fd: Int) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    let n = readlink("/proc/self/fd/\(fd)", &buffer, 255)
    return n < 0 ? "?" : String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The numbers of the descriptors open in this process.
func descriptorList() -> Set<Int> {
    let dir = opendir("/proc/self/fd")!
    defer { closedir(dir) }
    var found: Set<Int> = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) {
            String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if let n = Int(name) { found.insert(n) }
    }
    found.remove(Int(dirfd(dir)))
    return found
}

func readAll(_ fd: Int32) -> String {
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 512)
    while true {
        let n = read(fd, &chunk, chunk.count)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        data += chunk[..<n]
    }
    return String(decoding: data, as: UTF8.self)
}

/// One child of the stress run: `ls /proc/self/fd`, its output on a pipe.
func stressChild(_ variant: Int) async -> String? {
    var c = UnshareCommand("ls", arguments: ["/proc/self/fd"])
    switch variant % 5 {
    case 0: c.idMapping = .root  // written by the child
    case 1:
        c.idMapping =
            geteuid() == 0  // by the parent, or newuidmap
            ? IDMapping(
                userRanges: [.range(inner: 0, outer: 100000, count: 65536)],
                groupRanges: [.range(inner: 0, outer: 100000, count: 65536)])
            : .root + .auto
    case 2: c.namespaces = [.user]  // no map
    case 3:
        c.namespaces = [.user, .pid]
        c.idMapping = .root
        c.parentDeathSignal = SIGKILL
    default: break  // no namespace at all
    }
    var fds: [Int32] = [-1, -1]
    guard cu_spawn_pipe(&fds, 0) == 0 else { return "pipe: \(errno)" }
    c.standardOutput = .fd(fds[1])
    let child: UnsharedProcess
    do {
        child = try c.spawn()
    } catch {
        close(fds[0])
        close(fds[1])
        return "variant \(variant % 5): \(describe(error))"
    }
    close(fds[1])
    let listing = readAll(fds[0])
    close(fds[0])
    do {
        let ending = try await child.wait()
        if ending != .exited(0) { return "variant \(variant % 5): \(ending)" }
    } catch {
        return "variant \(variant % 5): wait \(error)"
    }
    return listing == "0\n1\n2\n3\n" ? nil : "variant \(variant % 5) listed: \(listing.split(separator: "\n"))"
}

func stress(tasks: Int, children: Int) async -> Int32 {
    // Warm up first: the waiter thread's pipe and the runtime's own descriptors stay open.
    if let p = await stressChild(3) { say(p) }
    let before = openDescriptors()
    let beforeList = descriptorList()
    let beforeTargets = Dictionary(uniqueKeysWithValues: beforeList.map { ($0, target($0)) })
    let problems = await withTaskGroup(of: [String].self) { group in
        for t in 0..<tasks {
            group.addTask {
                var found: [String] = []
                for i in 0..<children {
                    if let p = await stressChild(t + i) { found.append(p) }
                }
                return found
            }
        }
        var all: [String] = []
        for await found in group { all += found }
        return all
    }
    var info = siginfo_t()
    if waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != -1 || errno != ECHILD {
        say("a child is left (zombie or running)")
        return 1
    }
    let after = openDescriptors()
    if after != before {
        say("descriptors: \(before) before, \(after) after")
        let afterList = descriptorList()
        say(
            "gone: \(beforeList.subtracting(afterList).sorted().map { "\($0) \(beforeTargets[$0]!)" }), "
                + "new: \(afterList.subtracting(beforeList).sorted().map { "\($0) \(target($0))" })")
    }
    for p in Set(problems).sorted() { say(p) }
    if problems.isEmpty && after == before { say("ok") }
    return problems.isEmpty && after == before ? 0 : 1
}

/// A child that waits forever (reading a pipe nobody writes), spawned with
/// kill on parent death from a thread that ends right after.
func pdeath() -> Never {
    var fds: [Int32] = [-1, -1]
    precondition(cu_spawn_pipe(&fds, 0) == 0)
    let input = fds[0]
    final class Box: @unchecked Sendable {
        var child: UnsharedProcess?
        var input: Int32 = -1
    }
    let box = Box()
    box.input = input
    var thread = pthread_t()
    let arg = Unmanaged.passRetained(box).toOpaque()
    pthread_create(
        &thread, nil,
        { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            var c = UnshareCommand("cat")
            c.namespaces = [.user, .pid]
            c.idMapping = .root
            c.parentDeathSignal = SIGKILL
            c.standardInput = .fd(box.input)
            box.child = try? c.spawn()
            return nil
        }, arg)
    pthread_join(thread, nil)
    guard let child = box.child else {
        say("spawn failed")
        exit(3)
    }
    // the spawning thread is gone: the child must still be running
    var exited: Int32 = 0
    var value: Int32 = 0
    if cu_spawn_wait(child.pidfd, child.pid, 1, &exited, &value, nil) != 0 {
        say("child ended with its spawning thread")
        exit(1)
    }
    say("\(child.pid)")
    while true { pause() }
}

func signals() async -> Int32 {
    signal(SIGPIPE, SIG_IGN)
    signal(SIGUSR1, SIG_IGN)
    var all = sigset_t()
    sigfillset(&all)
    pthread_sigmask(SIG_SETMASK, &all, nil)
    return await run(["--", "grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"])
}

/// One command of the collect run: its own bytes in, both streams out.
func collectOne(_ variant: Int, blocking: Bool) async -> String? {
    var c = UnshareCommand("sh", arguments: ["-c", "cat; printf 'err %s' \"$0\" >&2", "v\(variant)"])
    switch variant % 4 {
    case 0: c.idMapping = .root
    case 1:
        c.idMapping =
            geteuid() == 0
            ? IDMapping(
                userRanges: [.range(inner: 0, outer: 100000, count: 65536)],
                groupRanges: [.range(inner: 0, outer: 100000, count: 65536)])
            : .root + .auto
    case 2: c.namespaces = [.user, .pid]
    default: break
    }
    let input = Array("in \(variant)\n".utf8) + [UInt8](repeating: UInt8(variant % 256), count: variant * 997)
    do {
        let r =
            blocking
            ? try c.runBlocking(input: .bytes(input), output: .bytes(limit: 1 << 20), error: .string(limit: 64))
            : try await c.run(input: .bytes(input), output: .bytes(limit: 1 << 20), error: .string(limit: 64))
        if r.terminationStatus != .exited(0) { return "variant \(variant % 4): \(r.terminationStatus)" }
        if r.standardOutput.bytes != input {
            return "variant \(variant % 4): stdout \(r.standardOutput.bytes.count) bytes"
        }
        if r.standardError.string != "err v\(variant)" { return "variant \(variant % 4): stderr \(r.standardError)" }
    } catch {
        return "variant \(variant % 4): \(error)"
    }
    return nil
}

func collect(tasks: Int, commands: Int) async -> Int32 {
    if let p = await collectOne(0, blocking: false) { say(p) }  // the waiter thread's pipe, once
    let before = descriptorList()
    let problems = await withTaskGroup(of: [String].self) { group in
        for t in 0..<tasks {
            group.addTask {
                var found: [String] = []
                for i in 0..<commands {
                    if let p = await collectOne(t * commands + i, blocking: i % 4 == 3) { found.append(p) }
                }
                return found
            }
        }
        var all: [String] = []
        for await found in group { all += found }
        return all
    }
    var info = siginfo_t()
    let leftChild = waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != -1 || errno != ECHILD
    let after = descriptorList()
    if leftChild { say("a child is left (zombie or running)") }
    if after != before {
        say(
            "descriptors gone: \(before.subtracting(after).sorted()), new: \(after.subtracting(before).sorted().map { "\($0) \(target($0))" })"
        )
    }
    for p in Set(problems).sorted() { say(p) }
    let ok = problems.isEmpty && after == before && !leftChild
    if ok { say("ok") }
    return ok ? 0 : 1
}

/// Each program says it started (a byte on a pipe the releasing task reads),
/// then waits for its input; the releaser writes every input only after all
/// have started. A run that held a pool thread while it waited would leave
/// the releaser (or the other runs) no thread: the probe would hang.
func pool(waiters: Int) async -> Int32 {
    var ready: [Int32] = [-1, -1]
    precondition(cu_spawn_pipe(&ready, 0) == 0)
    var inputs: [(read: Int32, write: Int32)] = []
    for _ in 0..<waiters {
        var fds: [Int32] = [-1, -1]
        precondition(cu_spawn_pipe(&fds, 0) == 0)
        inputs.append((fds[0], fds[1]))
    }
    let readyRead = ready[0]
    let readyWrite = ready[1]
    let writers = inputs.map(\.write)
    let results = await withTaskGroup(of: String.self) { group in
        for (i, input) in inputs.enumerated() {
            group.addTask {
                let c = UnshareCommand("sh", arguments: ["-c", "printf r >&2; read line; echo \"$line $0\"", "\(i)"])
                do {
                    let r = try await c.run(
                        input: .fileDescriptor(input.read), output: .string(limit: 100),
                        error: .fileDescriptor(readyWrite))
                    return r.standardOutput.string
                } catch {
                    return "\(error)"
                }
            }
        }
        group.addTask {
            var started = 0
            var byte: UInt8 = 0
            while started < waiters && read(readyRead, &byte, 1) == 1 { started += 1 }  // holds this thread
            for fd in writers {
                _ = write(fd, "go\n", 3)
                close(fd)
            }
            return "released \(started)"
        }
        var all: [String] = []
        for await r in group { all.append(r) }
        return all
    }
    for input in inputs { close(input.read) }
    close(ready[0])
    close(ready[1])
    let expected = ["released \(waiters)"] + (0..<waiters).map { "go \($0)\n" }
    if results.sorted() == expected.sorted() {
        say("ok")
        return 0
    }
    say("results: \(results.sorted())")
    return 1
}

let args = Array(CommandLine.arguments.dropFirst())
let status: Int32 = await Task {
    switch args.first {
    case "run": return await run(Array(args.dropFirst()))
    case "stress" where args.count == 4:
        return await stressHolding(tasks: Int(args[1])!, children: Int(args[2])!, gib: Int(args[3])!)
    case "stress": return await stress(tasks: Int(args[1])!, children: Int(args[2])!)
    case "keeps": return keeps()
    case "pdeath": pdeath()
    case "signals": return await signals()
    case "collect": return await collect(tasks: Int(args[1])!, commands: Int(args[2])!)
    case "pool": return await pool(waiters: Int(args[1])!)
    default:
        say("usage: spawn-probe run|stress|pdeath|signals|collect|pool|keeps ...")
        return 2
    }
}.value
exit(status)
