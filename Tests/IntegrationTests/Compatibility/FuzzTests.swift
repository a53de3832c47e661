// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import SwiftUnshare
import Testing

// Generated command lines, from a fixed seed so that a failure
// reproduces: vector N of a run is always the same bytes.
//
// Safety: the program word is always `true` or a program that does not exist,
// and every value word follows the option that consumes it, so nothing else
// can be executed; --root/-R only ever gets "/"; persistent-namespace files
// are nonexistent paths under a scratch folder (the bind fails, nothing
// outlives the run); --propagation is never shared or unchanged, so a mount
// made in a new mount namespace (--mount-proc, --mount-binfmt, only onto a
// scratch folder or a nonexistent path) stays private to it; binfmt
// definitions never match an existing file.

/// SplitMix64: tiny, fast, and the same sequence everywhere.
struct CompatSplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    /// True `percent` times out of 100.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

enum CompatFuzz {
    static let seed: UInt64 = 0x5EED_0002_C0FF_EE00
    static let rootVectors = 300
    static let testerVectors = 60
    static let chunk = 20

    /// Where persistent-namespace files and mount points point.
    static let scratch: String = Harness.scratch("fuzz")
    static var missing: String { scratch + "/nonexistent/ns" }

    static let programs: [[UInt8]] = [
        Array("true".utf8), Array("swift-unshare-fuzz-no-such-program".utf8),
        Array("/nonexistent/fuzz".utf8),
    ]

    /// Values for options that take anything.
    static let anyValue: [[UInt8]] = {
        var values: [[UInt8]] = [
            "", "0", "1", "-1", "+1", " 1", "007", "4294967295", "4294967296", "18446744073709551616",
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "99999999999999999999999999",
            "abc", "12x", "0x10", "1e3", "1:2", "1:2:3", "0:100000:1", "0:0:4294967295", "4294967295:0:1", "1,2,3",
            "100000,0,1000", "1:2:3:4", "auto", "subids", "all", "allow", "deny", "slave", "private", "bogus",
            "TERM", "SIGKILL", "kill", "sigusr1", "RTMIN+3", "RTMAX-1", "RTMIN+99", "root", "nobody", "unshare-tester",
            "no_such_user", "0:0", "1001:1001", "x:y", "=", "-", "--", "a,b,,c", "PATH,HOME", ",", "\t", "é", "%s%n",
        ].map { Array($0.utf8) }
        values.append(Array(repeating: UInt8(ascii: "a"), count: 20000))
        values.append(Array(repeating: UInt8(ascii: "9"), count: 5000))
        values.append([0xff, 0xfe])
        values.append([0xc3, 0x28])
        values.append(Array("1:".utf8) + [0x80] + Array(":1".utf8))
        return values
    }()

    /// The values one option may get.
    static func value(for id: OptionID, _ rng: inout CompatSplitMix64) -> [UInt8] {
        switch id {
        case .root:
            return Array("/".utf8)
        case .mount, .uts, .ipc, .net, .pid, .user, .cgroup, .time:
            return Array(rng.pick([missing, "", scratch + "/also-missing"]).utf8)
        case .mountProc, .mountBinfmt:
            return Array(rng.pick([scratch, missing, ""]).utf8)
        case .propagation:
            return Array(rng.pick(["private", "slave", "bogus", "", "SHARED", "privat"]).utf8)
        case .loadInterp:
            return Array(
                rng.pick([
                    "", ":", "bogus", ":fuzz:E::fuzz-ext::/nonexistent/interp:",
                    ":fuzz:E::fuzz-ext::/nonexistent/interp:F", ":::::::::",
                ]).utf8)
        case .wd:
            return rng.chance(50)
                ? Array(rng.pick(["/", "/tmp", "/nonexistent", ".", scratch]).utf8) : rng.pick(anyValue)
        default:
            return rng.pick(anyValue)
        }
    }

    /// A unique prefix of `long` in the table, or `long` itself.
    static func abbreviation(_ long: String, _ rng: inout CompatSplitMix64) -> String {
        let names = OptionTable.unshare.map(\.long)
        for length in 1..<long.count {
            let prefix = String(long.prefix(length))
            if names.filter({ $0.hasPrefix(prefix) }).count == 1 && rng.chance(60) { return prefix }
        }
        return long
    }

    static let options = OptionTable.unshare
    static let noArgumentLetters = options.filter { $0.short != nil && $0.argument != .required }.map { $0.short! }
    static let argumentLetters = options.filter { $0.short != nil && $0.argument == .required }

    /// Words for one option, or a piece of garbage.
    static func words(_ rng: inout CompatSplitMix64) -> [[UInt8]] {
        let roll = rng.below(100)
        if roll < 50 {  // a long option
            let o = rng.pick(options)
            let name = Array("--".utf8) + Array((rng.chance(25) ? abbreviation(o.long, &rng) : o.long).utf8)
            switch o.argument {
            case .none:
                return rng.chance(5) ? [name + Array("=".utf8) + rng.pick(anyValue)] : [name]
            case .optional:
                return rng.chance(50) ? [name + Array("=".utf8) + value(for: o.id, &rng)] : [name]
            case .required:
                let v = value(for: o.id, &rng)
                return rng.chance(50) ? [name + Array("=".utf8) + v] : [name, v]
            }
        }
        if roll < 85 {  // a cluster: letters without argument, maybe one with its argument last
            var cluster: [UInt8] = [UInt8(ascii: "-")]
            for _ in 0..<(1 + rng.below(4)) { cluster.append(rng.pick(noArgumentLetters)) }
            if rng.chance(5) {
                cluster.append(rng.pick([UInt8(ascii: "x"), UInt8(ascii: "="), 0xff, UInt8(ascii: "/")]))
            }
            if rng.chance(40) {
                let o = rng.pick(argumentLetters)
                cluster.append(o.short!)
                let v = value(for: o.id, &rng)
                return rng.chance(50) && !v.isEmpty ? [cluster + v] : [cluster, v]
            }
            return [cluster]
        }
        // Garbage.
        let garbage: [[UInt8]] =
            [
                "--bogus", "--bogus=1", "---x", "--=x", "--m", "--map", "--se", "-", "", "-Z", "--fo", "--mount-",
            ].map { Array($0.utf8) } + [
                [UInt8(ascii: "-"), 0xff], Array("--".utf8) + [0xff, 0xfe], Array("--map-user=".utf8) + [0xff],
                Array("--".utf8) + Array(repeating: UInt8(ascii: "x"), count: 10000),
            ]
        return [rng.pick(garbage)]
    }

    /// Vector `index` of the run seeded with `seed`.
    static func vector(_ index: Int, seed: UInt64 = seed) -> [[UInt8]] {
        var rng = CompatSplitMix64(seed: seed ^ (UInt64(index) &* 0xD6E8_FEB8_6659_FD93))
        var argv: [[UInt8]] = []
        for _ in 0..<(1 + rng.below(6)) { argv += words(&rng) }
        if rng.chance(10) { argv.append(Array("--".utf8)) }
        argv.append(rng.pick(programs))
        if rng.chance(20) { argv.append(rng.pick(anyValue)) }  // an argument of the program
        return argv
    }

    static func show(_ argv: [[UInt8]]) -> String {
        argv.map { word -> String in
            let text = word.count > 40 ? Array(word.prefix(20)) + Array("…(\(word.count) bytes)".utf8) : word
            let escaped = text.map { b -> String in
                (0x20..<0x7f).contains(b) && b != UInt8(ascii: "'")
                    ? String(UnicodeScalar(b)) : String(format: "\\x%02x", b)
            }.joined()
            return "'\(escaped)'"
        }.joined(separator: " ")
    }

    /// Runs one vector and checks every rule; returns nothing, records issues.
    static func check(_ index: Int, seed: UInt64, as runner: Runner) {
        let argv = vector(index, seed: seed)
        let o = CompatRun.runBytes(Harness.swiftUnshare, argv, as: runner, cwd: scratch, timeout: 10)
        let label = "vector \(index) (seed \(String(seed, radix: 16)), \(runner)): unshare \(show(argv))\n\(o)"
        switch o.ending {
        case .exit(let code):
            #expect([0, 1, 126, 127].contains(code), "unexpected exit status: \(label)")
            if code != 0 { #expect(!o.stderr.isEmpty, "non-zero exit with nothing on stderr: \(label)") }
        case .signal(let s):
            Issue.record("killed by signal \(s): \(label)")
        case .timedOut:
            Issue.record("hung: \(label)")
        }
        CompatSanity.check(o)
        for line in o.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let fine =
                line.hasPrefix("unshare: ") || line.hasPrefix("Try 'unshare --help' for more information.")
                || line.hasPrefix("newuidmap: ") || line.hasPrefix("newgidmap: ")
            #expect(fine, "stray stderr line \"\(line)\": \(label)")
        }
        if !o.stderr.isEmpty { #expect(o.stderr.hasSuffix("\n"), "stderr does not end a line: \(label)") }
    }

    /// No mount of a fuzz run outlived it.
    static func noMountsLeft() {
        let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        #expect(!mountinfo.contains(scratch), "a mount under \(scratch) outlived its run:\n\(mountinfo)")
    }
}

@Suite(.requiresRoot, .requiresProgram(Harness.perl, package: "perl-base"))
struct FuzzTests {
    /// The generator itself is deterministic and stays inside its rules.
    @Test func vectorsAreReproducibleAndSafe() {
        #expect(CompatFuzz.vector(7) == CompatFuzz.vector(7))
        #expect(CompatFuzz.vector(7) != CompatFuzz.vector(8))
        var sawNonUTF8 = false
        var sawLong = false
        for i in 0..<CompatFuzz.rootVectors {
            let argv = CompatFuzz.vector(i)
            #expect(CompatFuzz.programs.contains(argv.last!) || CompatFuzz.anyValue.contains(argv.last!))
            sawNonUTF8 = sawNonUTF8 || argv.contains { String(validating: $0, as: UTF8.self) == nil }
            sawLong = sawLong || argv.contains { $0.count >= 5000 }
            for (n, word) in argv.enumerated() where word == Array("--propagation".utf8) {
                #expect(![Array("shared".utf8), Array("unchanged".utf8)].contains(argv[n + 1]))
            }
        }
        #expect(sawNonUTF8 && sawLong)
    }

    @Test("as root", arguments: 0..<(CompatFuzz.rootVectors / CompatFuzz.chunk))
    func asRoot(_ chunk: Int) {
        for i in (chunk * CompatFuzz.chunk)..<((chunk + 1) * CompatFuzz.chunk) {
            CompatFuzz.check(i, seed: CompatFuzz.seed, as: .root)
        }
        CompatFuzz.noMountsLeft()
    }

    @Test("as unshare-tester", .requiresTester, arguments: 0..<(CompatFuzz.testerVectors / CompatFuzz.chunk))
    func asTester(_ chunk: Int) {
        for i in (chunk * CompatFuzz.chunk)..<((chunk + 1) * CompatFuzz.chunk) {
            CompatFuzz.check(i, seed: ~CompatFuzz.seed, as: .tester)
        }
    }
}

// Podman mode's environment, fuzzed. Each vector picks values for
// XDG_RUNTIME_DIR, HOME, XDG_CONFIG_HOME and XDG_DATA_HOME (random bytes,
// relative paths, missing, another user's, writable by all, a file, a link)
// and runs `podman unshare true` and `podman-unshare true` in two fresh
// worlds made alike (PodmanDirectoryCaseTests.swift): the same exit status,
// stdout and error lines, and nothing left by ours that podman did not
// leave. HOME is unset or empty only with XDG_DATA_HOME in the world, so no
// run reaches the tester's own storage; TMPDIR is always the world's.
enum PodmanEnvFuzz {
    static let seed: UInt64 = 0x5EED_0020_0D1E_C700
    static let vectors = 48
    static let chunk = 8

    /// "@" is the world; nil unsets the variable.
    static let runtimeDirs: [[UInt8]?] =
        [nil, [], [0xff, 0x01], Array(repeating: UInt8(ascii: "r"), count: 300)]
        + [
            "@/run", "@/run/", "rel_x", "rel", "./rel", "@/nonexistent/r", "@/rootdir", "@/open", "@/file", "@/link",
            "/proc", "@/home/../run",
        ].map { Array($0.utf8) }
    static let homes: [[UInt8]?] =
        [nil, [], [0xfe]]
        + ["@/home", "@/home/", "relhome", "rel", "/root", "@/nonexistent", "@/file", "@/link"].map {
            Array($0.utf8)
        }
    static let configHomes: [[UInt8]?] =
        [nil, [], [0xff]]
        + ["@/config", "relconf", "@/file", "/root", "@/nonexistent", "@/open"].map { Array($0.utf8) }
    static let dataHomes: [[UInt8]?] =
        [nil, [], [0xff]]
        + ["@/data", "reldata", "@/file", "/root/x", "@/nonexistent/d", "@/open"].map {
            Array($0.utf8)
        }

    struct Vector {
        var env: [String: [UInt8]?]
        var rootlessNetns: Bool
    }

    static func vector(_ index: Int) -> Vector {
        var rng = CompatSplitMix64(seed: seed ^ (UInt64(index) &* 0xD6E8_FEB8_6659_FD93))
        var env: [String: [UInt8]?] = [
            "XDG_RUNTIME_DIR": rng.pick(runtimeDirs), "HOME": rng.pick(homes),
            "XDG_CONFIG_HOME": rng.pick(configHomes), "XDG_DATA_HOME": rng.pick(dataHomes),
        ]
        if (env["HOME"] ?? nil)?.isEmpty ?? true { env["XDG_DATA_HOME"] = Array("@/data".utf8) }
        return Vector(env: env, rootlessNetns: rng.chance(8))
    }

    static func show(_ v: Vector) -> String {
        v.env.sorted(by: { $0.key < $1.key }).map { k, value in
            guard let value else { return "\(k) unset" }
            let text = value.count > 40 ? Array(value.prefix(12)) + Array("…(\(value.count) bytes)".utf8) : value
            return k + "='"
                + text.map { (0x20..<0x7f).contains($0) ? String(UnicodeScalar($0)) : String(format: "\\x%02x", $0) }
                .joined() + "'"
        }.joined(separator: " ") + (v.rootlessNetns ? " --rootless-netns" : "")
    }

    /// What every world holds before the run: the things the values name.
    static func setup(_ w: PodmanWorld) {
        let p = Runner.tester.passwd!
        for dir in ["cwd/rel", "open", "config", "data"] {
            mkdir(w.base + "/" + dir, 0o700)
            chown(w.base + "/" + dir, p.uid, p.gid)
        }
        chmod(w.base + "/open", 0o777)
        mkdir(w.base + "/rootdir", 0o1777)
        chmod(w.base + "/rootdir", 0o1777)
        _ = FileManager.default.createFile(atPath: w.base + "/file", contents: Data())
        chown(w.base + "/file", p.uid, p.gid)
        symlink("run", w.base + "/link")
        lchown(w.base + "/link", p.uid, p.gid)
    }
}

@Suite struct PodmanEnvironmentFuzzTests {
    @Test func vectorsAreReproducibleAndKeepToTheWorld() {
        #expect(PodmanEnvFuzz.show(PodmanEnvFuzz.vector(3)) == PodmanEnvFuzz.show(PodmanEnvFuzz.vector(3)))
        var sawBytes = false
        var sawUnsetHome = false
        for i in 0..<PodmanEnvFuzz.vectors {
            let v = PodmanEnvFuzz.vector(i)
            let home = v.env["HOME"] ?? nil
            if home?.isEmpty ?? true {
                sawUnsetHome = true
                #expect((v.env["XDG_DATA_HOME"] ?? nil) == Array("@/data".utf8))
            }
            sawBytes =
                sawBytes || v.env.values.contains { $0.map { String(validating: $0, as: UTF8.self) == nil } ?? false }
        }
        #expect(sawBytes && sawUnsetHome)
    }

    @Test(.requiresPodman, arguments: 0..<(PodmanEnvFuzz.vectors / PodmanEnvFuzz.chunk))
    func podmanModeLeavesWhatPodmanLeaves(_ chunk: Int) {
        let tun = FileManager.default.isWritableFile(atPath: "/dev/net/tun")
        for i in (chunk * PodmanEnvFuzz.chunk)..<((chunk + 1) * PodmanEnvFuzz.chunk) {
            let v = PodmanEnvFuzz.vector(i)
            let label = "vector \(i) (seed \(String(PodmanEnvFuzz.seed, radix: 16))): \(PodmanEnvFuzz.show(v))"
            let args = (v.rootlessNetns && tun ? ["--rootless-netns"] : []) + ["true"]
            let r = podmanAndOurs(setup: PodmanEnvFuzz.setup, env: v.env, args)
            #expect(
                r.ours.outcome == r.podman.outcome,
                "\(label)\n--- podman:\n\(r.podman.outcome)\n--- ours:\n\(r.ours.outcome)")
        }
    }
}
