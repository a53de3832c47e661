// SPDX-License-Identifier: Apache-2.0
/// podman mode's lines of a report: its directories, its pause process
/// (alive and joinable, or not), its maps, catatonit, and what
/// --rootless-netns needs (slirp4netns, /dev/net/tun). The same lines end
/// `swift-unshare --check` and make `podman-unshare --check`.
package enum PodmanReport {
    package static func lines(_ p: PodmanFacts) -> [Capability] {
        var lines: [Capability] = []
        switch p.plan {
        case .failure(let f) where f.podmanText(errnoText: GoText.errnoText) == "please use unshare with rootless":
            lines.append(
                .absent(
                    "podman-mode", "podman unshare is for rootless users; root gets: please use unshare with rootless"))
        case .failure(let f):
            lines.append(.no("podman-mode", reason: f.podmanText(errnoText: GoText.errnoText)))
        case .success(let plan):
            let d = plan.directories
            lines.append(.ok("podman-mode", "runtime \(d.runtimeDir), tmp dir \(d.tmpDir)"))
            lines += pause(p, plan)
        }
        lines.append(
            p.catatonit.map { .ok("podman-catatonit", $0) }
                ?? .absent("podman-catatonit", "the pause process then waits by itself, named podman pause"))
        if case .success(let plan) = p.plan {
            let netns = plan.rootlessNetns ?? rootlessNetnsPlan(plan)
            lines.append(
                p.rootlessNetns
                    ? .ok("podman-rootless-netns", netns.path)
                    : .absent("podman-rootless-netns", "made by the first --rootless-netns: \(netns.path)"))
        }
        lines.append(
            p.slirp4netns.map { .ok("podman-slirp4netns", $0) } ?? .no("podman-slirp4netns", Hints.slirp4netnsMissing())
        )
        lines.append(
            p.tun.map { .no("podman-dev-net-tun", Hints.tunUnavailable($0)) }
                ?? .ok("podman-dev-net-tun", "/dev/net/tun"))
        return lines
    }

    static func rootlessNetnsPlan(_ plan: PodmanPlan) -> RootlessNetnsPlan {
        let d = plan.directories
        return RootlessNetnsPlan(runtimeDir: d.runtimeDir, tmpDir: d.tmpDir, staticDir: d.staticDir)
    }

    /// The pause process and the maps podman gives its namespace.
    static func pause(_ p: PodmanFacts, _ plan: PodmanPlan) -> [Capability] {
        guard case .pause(_, let create) = plan.namespaces else {
            return [.ok("podman-pause", "already in podman's user namespace: the command runs in place")]
        }
        var lines: [Capability] = []
        switch p.pause {
        case .none:
            lines.append(.absent("podman-pause", "none runs: the next podman command starts one"))
        case .running(let pid, nil):
            lines.append(.ok("podman-pause", "pid \(pid), joinable"))
        case .running(let pid, let why?):
            lines.append(.no("podman-pause", Hints.pauseNotJoinable(pid: pid, why)))
        }
        let planned = mapsText(create.maps)
        if let uid = p.pauseUIDMap, let gid = p.pauseGIDMap {
            lines.append(.ok("podman-maps", "the pause process's: uid \(kernelMap(uid)); gid \(kernelMap(gid))"))
        } else if let trial = p.mapsTrial {
            switch trial {
            case .worked: lines.append(.ok("podman-maps", planned + "; tried on a pause process, killed at once"))
            case .failed(let f): lines.append(.no("podman-maps", reason: f.podmanText(errnoText: GoText.errnoText)))
            }
        } else {
            lines.append(.ok("podman-maps", planned + " (not tried)"))
        }
        return lines
    }

    /// podman's maps in one line: `uid 0 1000 1, 1 100000 65536; gid ...`.
    static func mapsText(_ maps: PodmanMaps) -> ByteString {
        func lines(_ l: [PodmanIDMaps.Line]) -> String {
            l.map { "\($0.inner) \($0.outer) \($0.count)" }.joined(separator: ", ")
        }
        switch maps {
        case .ranges(let uid, let gid):
            return "uid \(lines(uid)); gid \(lines(gid)); written by newuidmap and newgidmap"
        case .single(let uid, let gid):
            return "uid 0 \(uid) 1; gid 0 \(gid) 1; no subordinate ids, so the single mapping"
        }
    }

    /// A /proc/<pid>/uid_map's text in one line.
    static func kernelMap(_ text: [UInt8]) -> String {
        text.split(separator: 0x0a).map {
            $0.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }).map { String(decoding: $0, as: UTF8.self) }
                .joined(separator: " ")
        }.joined(separator: ", ")
    }
}
