// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

/// Subordinate ids from an NSS `subid:` module, end to end as unshare-tester:
/// a module built here serves a range that /etc/subuid does not have, and the
/// range must reach /proc/PID/uid_map through newuidmap (which asks the same
/// module). The machine's /etc/nsswitch.conf is never changed: the commands
/// run in a mount namespace of their own with a copy bound over it.
@Suite(.serialized) struct NSSSubidTests {
    static let moduleName = "swiftunsharetest"
    static let libraryDir = "/usr/lib/x86_64-linux-gnu"
    static var modulePath: String { "\(libraryDir)/libsubid_\(moduleName).so" }
    /// The module serves its extra ranges only to processes with this variable
    /// set, so other test runs during the short window see exactly the files.
    static let gate = "SWIFT_UNSHARE_NSS_TEST"
    static let extraUID = (start: 500000, count: 1000)
    static let extraGID = (start: 600000, count: 2000)

    /// The module, in C: shadow 4.13 looks up shadow_subid_has_range,
    /// shadow_subid_list_owner_ranges and shadow_subid_find_subid_owners (later
    /// releases also shadow_subid_free). It answers from /etc/subuid and
    /// /etc/subgid, plus, behind the gate, one extra range per kind for unshare-tester.
    static let source = """
        #include <stdbool.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/types.h>

        enum subid_type { ID_TYPE_UID = 1, ID_TYPE_GID = 2 };
        enum subid_status { SUBID_STATUS_SUCCESS = 0, SUBID_STATUS_UNKNOWN_USER = 1 };
        struct subid_range { unsigned long start, count; };

        static int ranges_of(const char *owner, enum subid_type type, struct subid_range *out, int max) {
            int n = 0;
            if (getenv("\(gate)") && strcmp(owner, "\(Runner.tester.rawValue)") == 0) {
                out[n].start = type == ID_TYPE_UID ? \(extraUID.start) : \(extraGID.start);
                out[n++].count = type == ID_TYPE_UID ? \(extraUID.count) : \(extraGID.count);
            }
            FILE *f = fopen(type == ID_TYPE_UID ? "/etc/subuid" : "/etc/subgid", "re");
            if (!f) return n;
            char name[256];
            unsigned long start, count;
            while (n < max && fscanf(f, " %255[^:\\n]:%lu:%lu", name, &start, &count) == 3) {
                if (strcmp(name, owner) == 0) { out[n].start = start; out[n++].count = count; }
            }
            fclose(f);
            return n;
        }

        enum subid_status shadow_subid_has_range(const char *owner, unsigned long start, unsigned long count,
                                                 enum subid_type type, bool *result) {
            struct subid_range r[64];
            int n = ranges_of(owner, type, r, 64);
            *result = false;
            for (int i = 0; i < n; i++)
                if (start >= r[i].start && start + count <= r[i].start + r[i].count) *result = true;
            return SUBID_STATUS_SUCCESS;
        }

        enum subid_status shadow_subid_has_any_range(const char *owner, enum subid_type type, bool *result) {
            struct subid_range r[64];
            *result = ranges_of(owner, type, r, 64) > 0;
            return SUBID_STATUS_SUCCESS;
        }

        enum subid_status shadow_subid_list_owner_ranges(const char *owner, enum subid_type type,
                                                         struct subid_range **ranges, int *count) {
            struct subid_range r[64];
            int n = ranges_of(owner, type, r, 64);
            *ranges = NULL;
            *count = n;
            if (n == 0) return SUBID_STATUS_SUCCESS;
            *ranges = malloc(n * sizeof **ranges);   /* freed by libsubid's caller */
            if (!*ranges) return 3;
            memcpy(*ranges, r, n * sizeof **ranges);
            return SUBID_STATUS_SUCCESS;
        }

        enum subid_status shadow_subid_find_subid_owners(unsigned long id, enum subid_type type, uid_t **uids, int *count) {
            *uids = NULL;
            *count = 0;
            return SUBID_STATUS_SUCCESS;
        }

        void shadow_subid_free(void *p) { free(p); }
        """

    /// Builds and installs the module and runs `body` with a runner that runs a
    /// command as unshare-tester in a mount namespace of its own where
    /// /etc/nsswitch.conf is a copy that names the module. The machine's
    /// nsswitch.conf is never changed, so tests running meanwhile see exactly
    /// the files; the module is removed when `body` returns.
    static func withModule(_ body: (_ run: ([String], [String: String]) -> Outcome) throws -> Void) throws {
        let dir = Harness.scratch("nss")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try source.write(toFile: dir + "/module.c", atomically: true, encoding: .utf8)
        let built = Harness.run(["cc", "-shared", "-fPIC", "-O2", "-o", dir + "/module.so", dir + "/module.c"])
        try #require(built.ending == .exit(0), "cc: \(built)")

        let conf = dir + "/nsswitch.conf"
        var text = try Data(contentsOf: URL(fileURLWithPath: "/etc/nsswitch.conf"))
        text.append(contentsOf: Array("subid: \(moduleName)\n".utf8))
        try text.write(to: URL(fileURLWithPath: conf))
        chmod(conf, 0o644)
        try FileManager.default.copyItem(atPath: dir + "/module.so", toPath: modulePath + ".new")
        rename(modulePath + ".new", modulePath)
        defer { unlink(modulePath) }
        try body { argv, extraEnv in
            // root makes the mount namespace and binds the copy; setpriv then
            // becomes the tester, as Harness.run(as: .tester) would.
            let script = #"mount --bind "$1" /etc/nsswitch.conf && shift && exec "$@""#
            let tester = Runner.tester.rawValue
            return Harness.run(
                [
                    "unshare", "--mount", "--propagation=private", "sh", "-c", script, "sh", conf,
                    "setpriv", "--reuid=\(tester)", "--regid=\(tester)", "--init-groups", "--",
                ] + argv,
                env: Harness.environment(for: .tester, extra: extraEnv))
        }
    }

    static func squeezed(_ s: String) -> String {
        s.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }.joined(separator: "\n")
    }

    @Test(
        .requiresTester, .requiresFile(libraryDir + "/libsubid.so.4", package: "libsubid4"),
        .requiresProgram("/usr/bin/cc", package: "gcc"))
    func aRangeFromTheModuleReachesTheMapsThroughNewuidmap() throws {
        let uid = try #require(Runner.tester.passwd).uid
        let gid = try #require(Runner.tester.passwd).gid
        // The tester's own lines in /etc/subuid and /etc/subgid, as this machine has them.
        let t = try #require(TestAccount.tester)
        var auto: Outcome?
        var podman: Outcome?
        var ungated: Outcome?
        try Self.withModule { run in
            auto = run(
                [Harness.ours, "--map-auto", "cat", "/proc/self/uid_map", "/proc/self/gid_map"], [Self.gate: "1"])
            // podman mode joins podman's pause process when one runs: a runtime dir
            // of its own makes the namespace now, with the module's ranges.
            let box = PodmanSandbox()
            defer { box.finish() }
            podman = run(
                [Harness.binDir + "/podman-unshare", "cat", "/proc/self/uid_map", "/proc/self/gid_map"],
                box.env.merging([Self.gate: "1"]) { $1 })
            ungated = run([Harness.ours, "--map-auto", "cat", "/proc/self/uid_map"], [:])
        }
        let a = try #require(auto)
        let p = try #require(podman)
        let u = try #require(ungated)
        #expect(a.ending == .exit(0) && a.stderr == "", "\(a)")
        #expect(
            Self.squeezed(a.stdout)
                == "0 \(Self.extraUID.start) \(Self.extraUID.count)\n0 \(Self.extraGID.start) \(Self.extraGID.count)",
            "\(a)")
        // (podman's warning when / is not a shared mount, as it logs it making the namespace)
        let warning =
            #"level=warning msg="\"/\" is not a shared mount, this could cause issues or missing mounts with rootless containers""#
        #expect(p.ending == .exit(0) && ["", "time=\"T\" " + warning + "\n"].contains(untimed(p.stderr)), "\(p)")
        #expect(
            Self.squeezed(p.stdout) == """
                0 \(uid) 1
                1 \(Self.extraUID.start) \(Self.extraUID.count)
                \(1 + Self.extraUID.count) \(t.subuid.start) \(t.subuid.count)
                0 \(gid) 1
                1 \(Self.extraGID.start) \(Self.extraGID.count)
                \(1 + Self.extraGID.count) \(t.subgid.start) \(t.subgid.count)
                """, "\(p)")
        // Without the gate the module answers what /etc/subuid says.
        #expect(Self.squeezed(u.stdout) == "0 \(t.subuid.start) \(t.subuid.count)", "\(u)")
    }

    /// The static release binary cannot load the module itself (it would run
    /// against a second glibc): it asks getsubids(1), which loads it, and gets
    /// the same range (Getsubids.swift).
    @Test(
        .requiresTester, .requiresReleaseBuild, .requiresFile(libraryDir + "/libsubid.so.4", package: "libsubid4"),
        .requiresProgram("/usr/bin/cc", package: "gcc"), .requiresProgram("/usr/bin/getsubids", package: "uidmap"))
    func theStaticBinaryAsksGetsubids() throws {
        let t = try #require(TestAccount.tester)
        var gated: Outcome?
        var ungated: Outcome?
        try ReleaseBuild.withCopy { dir in
            try Self.withModule { run in
                let command = [dir + "/swift-unshare", "--map-auto", "cat", "/proc/self/uid_map", "/proc/self/gid_map"]
                gated = run(command, [Self.gate: "1"])
                ungated = run(command, [:])
            }
        }
        let g = try #require(gated)
        let u = try #require(ungated)
        #expect(g.ending == .exit(0) && g.stderr == "", "\(g)")
        #expect(
            Self.squeezed(g.stdout)
                == "0 \(Self.extraUID.start) \(Self.extraUID.count)\n0 \(Self.extraGID.start) \(Self.extraGID.count)",
            "\(g)")
        #expect(
            Self.squeezed(u.stdout) == "0 \(t.subuid.start) \(t.subuid.count)\n0 \(t.subgid.start) \(t.subgid.count)",
            "\(u)")
    }
}
