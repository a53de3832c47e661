// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Which program the command line asks for.
package enum Mode: Equatable, Sendable {
    /// unshare(1); args[0] names the program.
    case unshare([ByteString])
    /// podman unshare: the binary named `podman-unshare`, or `swift-unshare
    /// --podman ...` (args[0] kept, `--podman` removed).
    case podman([ByteString])

    package static func select(_ arguments: [ByteString]) -> Mode {
        let args = arguments.isEmpty ? ["swift-unshare"] : arguments  // execve() may pass argc 0
        if args[0].basename == "podman-unshare" { return .podman(args) }
        if args.count > 1 && args[1] == "--podman" { return .podman([args[0]] + args.dropFirst(2)) }
        return .unshare(args)
    }

    /// A setuid or setgid install (real and effective ids differ) would let any
    /// user act as the file's owner: refuse in one line, in the mode's dialect,
    /// exit 1, before anything else.
    package func refuseSetID() {
        guard getuid() != geteuid() || getgid() != getegid() else { return }
        let prefix: ByteString
        switch self {
        case .unshare(let args): prefix = args[0].basename
        case .podman: prefix = "Error"
        }
        let line: ByteString =
            "\(prefix): refusing to run setuid or setgid "
            + "(real and effective user or group ids differ); install it without the set-id bits\n"
        _ = Sys.writeAll(2, line.bytes)
        exit(1)
    }
}
