// SPDX-License-Identifier: Apache-2.0
/// --explain in podman mode: what a PodmanPlan would do, read from the plan.
package enum PodmanExplain {
    package static func render(_ plan: PodmanPlan) -> ByteString {
        var out = directories(plan.directories)
        switch plan.namespaces {
        case .pause(let pidFile, let create):
            out.append(
                "namespaces: join the user and mount namespaces of podman's pause process (pid in \(Explain.quoted(pidFile)))"
            )
            out.append(
                "  when it is not running: spawn the pause process (catatonit -P) in new ones, with the maps below, and join it"
            )
            out += maps(create.maps, firstRun: create.firstRun)
            for line in create.messages {
                out.append("log (when made): level=\(line.level.rawValue) msg=\(GoText.quote(line.message))")
            }
        case .nested:
            out.append("namespaces: none (already root in podman's user namespace: the command runs in place)")
        }
        if let netns = plan.rootlessNetns {
            out.append(
                "network: podman's rootless network namespace bound at \(Explain.quoted(netns.path)) (made with slirp4netns, tap0, when absent), then a new mount namespace"
            )
        }
        out.append("environment:")
        out += plan.environment.map { "  \($0.name)=\(Explain.quoted($0.value))" }
        let search = plan.command[0].bytes.contains(UInt8(ascii: "/")) ? "" : " (searched on PATH)"
        out.append("program: " + Explain.commandLine(plan.command).description + search)
        return ByteString(out.joined(separator: "\n") + "\n")
    }

    /// podman's directories as its rules chose them, and what is made.
    static func directories(_ d: PodmanDirectories) -> [String] {
        var out = [
            "directories: runtime \(Explain.quoted(d.runtimeDir)), tmp dir \(Explain.quoted(d.tmpDir)), static dir \(Explain.quoted(d.staticDir))"
        ]
        if let db = d.database {
            out.append("  tmp dir, static dir and storage roots as recorded in \(Explain.quoted(db))")
        }
        var made = ["\(Explain.quoted(d.libpodDir)) (01700)", "\(Explain.quoted(d.staticDir)) (0700)"]
        if d.makeRuntimeDir { made.insert("\(Explain.quoted(d.runtimeDir)) (0700)", at: 0) }
        out.append("  made when missing: " + made.joined(separator: ", "))
        out += d.messages.map { "log: level=\($0.level.rawValue) msg=\(GoText.quote($0.message))" }
        return out
    }

    static func maps(_ maps: PodmanMaps, firstRun: Bool) -> [String] {
        func layout(_ lines: [PodmanIDMaps.Line]) -> String {
            let ranges = lines.map {
                IDRange(
                    inner: UInt32(clamping: $0.inner), outer: UInt32(clamping: $0.outer),
                    count: UInt32(clamping: $0.count))
            }
            return String(Explain.mapLayout(ranges).description.dropLast())
        }
        switch maps {
        case .ranges(let uid, let gid):
            var out = [
                "uid_map:", layout(uid), "gid_map:", layout(gid),
                "maps: newuidmap and newgidmap, run for the new pause process (PID) while it waits:",
            ]
            for (tool, lines) in [("newuidmap", uid), ("newgidmap", gid)] {
                out.append(
                    "  " + Explain.commandLine([ByteString(tool), "PID"] + PodmanIDMaps.arguments(lines)).description)
            }
            out.append(
                firstRun
                    ? "  (if either fails: podman's first-run error (no alive file yet), exit status 125; no fallback while ranges are configured)"
                    : "  (if either fails: podman's error, exit status 1; no fallback while ranges are configured)")
            out.append("setgroups: allow (left as the kernel starts it)")
            return out
        case .single(let uid, let gid):
            return [
                "uid_map:", layout([PodmanIDMaps.Line(inner: 0, outer: UInt64(uid), count: 1)]),
                "gid_map:", layout([PodmanIDMaps.Line(inner: 0, outer: UInt64(gid), count: 1)]),
                "maps: written by the new pause process itself", "setgroups: deny",
            ]
        }
    }
}
