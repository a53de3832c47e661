// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Testing

// The shape of the process. swift-unshare must stay a single-threaded
// program with no Foundation and no Dispatch: unshare(CLONE_NEWUSER) fails with
// EINVAL in a multi-threaded process, and the forked helpers run no Swift code.

enum CompatELF {
    static let readelf = "/usr/bin/readelf"

    /// The DT_NEEDED entries of `binary`, in order.
    static func needed(_ binary: String) -> [String] {
        let o = Harness.run([readelf, "-d", "-W", binary])
        return o.stdout.split(separator: "\n").compactMap { line in
            guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]")
            else { return nil }
            return String(line[line.index(after: open)..<close])
        }
    }

    static func isForbidden(_ library: String) -> Bool {
        let lower = library.lowercased()
        return lower.contains("foundation") || lower.contains("dispatch") || lower.hasPrefix("libxctest")
            || lower.hasPrefix("libtesting")
    }
}

@Suite struct ProcessShapeTests {
    @Test("links no Foundation and no Dispatch", .requiresProgram("/usr/bin/readelf", package: "binutils"))
    func noFoundationNoDispatch() {
        let libraries = CompatELF.needed(Harness.swiftUnshare)
        // The parse worked: the runtime and libc are there.
        #expect(libraries.contains("libswiftCore.so"), "\(libraries)")
        #expect(libraries.contains("libc.so.6"), "\(libraries)")
        for library in libraries {
            #expect(!CompatELF.isForbidden(library), "swift-unshare needs \(library)")
        }
    }

    /// Transitively, too, no Foundation. (libdispatch itself does come in
    /// through the Swift runtime's libswift_Concurrency.so, which every Swift
    /// executable links; the thread checks below show it starts nothing.)
    @Test("loads no Foundation, even indirectly", .requiresProgram("/usr/bin/ldd", package: "libc-bin"))
    func noFoundationIndirectly() {
        let o = Harness.run(["/usr/bin/ldd", Harness.swiftUnshare])
        #expect(o.ending == .exit(0), "\(o)")
        #expect(o.stdout.contains("libswiftCore.so"), "\(o)")
        #expect(!o.stdout.lowercased().contains("foundation"), "\(o.stdout)")
        #expect(!o.stdout.contains("libswiftDispatch"), "\(o.stdout)")
    }

    /// The parent swift-unshare, waiting for its child, has exactly one thread.
    /// (No -p here: in a new pid namespace the child's $PPID is 0.)
    /// (Root: new namespaces other than user, root's own ids mapped.)
    @Test(
        "runs on one thread", .requiresRoot,
        arguments: [
            ["-f"], ["-r", "-f"], ["--kill-child"], ["--forward-signals"], ["-f", "-m", "-u", "-i", "-n", "-T", "-C"],
            ["-f", "--map-users=0:0:1", "--map-groups=0:0:1"],
        ] as [[String]])
    func oneThread(_ flags: [String]) {
        let o = Harness.run([Harness.swiftUnshare] + flags + ["sh", "-c", "grep ^Threads: /proc/$PPID/status"])
        #expect(o == Outcome(stdout: "Threads:\t1\n", stderr: "", ending: .exit(0)))
    }

    /// The same as an unprivileged user, with the newuidmap helpers at work.
    @Test(
        "runs on one thread as unshare-tester", .requiresTester,
        arguments: [["-r", "-f"], ["-f", "--map-auto"], ["-r", "-f", "--map-auto"]] as [[String]])
    func oneThreadUnprivileged(_ flags: [String]) {
        let o = Harness.run(
            [Harness.swiftUnshare] + flags + ["sh", "-c", "grep ^Threads: /proc/$PPID/status"],
            as: .tester)
        #expect(o == Outcome(stdout: "Threads:\t1\n", stderr: "", ending: .exit(0)))
    }

    /// unshare(CLONE_NEWUSER) fails with EINVAL in a process with more than one
    /// thread, even for root: succeeding is itself the proof.
    @Test(
        "can unshare a user namespace", .requiresRoot,
        arguments: [
            ["-U", "true"], ["-U", "-f", "true"], ["-r", "true"], ["--map-users=0:0:1", "true"],
            ["-U", "-m", "-p", "-f", "true"],
        ] as [[String]])
    func newUserNamespace(_ args: [String]) {
        let o = Harness.run([Harness.swiftUnshare] + args)
        #expect(o == Outcome(stdout: "", stderr: "", ending: .exit(0)))
    }
}
