/// --explain in podman mode: what a PodmanPlan would do, read from the plan.
public enum PodmanExplain {
    public static func render(_ plan: PodmanPlan) -> ByteString {
        var out: [String] = []
        switch plan.namespaces {
        case .newUser(let maps):
            out.append("namespaces: user mount (made by a child forked first; the parent waits and ends as it ends)")
            out += self.maps(maps, plan: plan)
        case .nested:
            out.append("namespaces: mount (already root in podman's user namespace: the command runs in place)")
        case .rootlessNetns(let pausePidFile, let netns):
            out.append("namespaces: join the user and mount namespaces of podman's pause process (pid in \(Explain.quoted(pausePidFile))), then the network namespace bound at \(Explain.quoted(netns)), then a new mount namespace")
        }
        for line in plan.messages {
            out.append("log: level=\(line.level.rawValue) msg=\(GoText.quote(line.message))")
        }
        out.append("environment:")
        out += plan.environment.map { "  \($0.name)=\(Explain.quoted($0.value))" }
        let search = plan.command[0].bytes.contains(UInt8(ascii: "/")) ? "" : " (searched on PATH)"
        out.append("program: " + Explain.commandLine(plan.command).description + search)
        return ByteString(out.joined(separator: "\n") + "\n")
    }

    static func maps(_ maps: PodmanMaps, plan: PodmanPlan) -> [String] {
        let single = [IDRange(inner: 0, outer: plan.uid, count: 1)]
        let singleGID = [IDRange(inner: 0, outer: plan.gid, count: 1)]
        var out: [String] = []
        switch maps {
        case .ranges(let uid, let gid):
            out += ["uid_map:", String(Explain.mapLayout(uid).description.dropLast()),
                    "gid_map:", String(Explain.mapLayout(gid).description.dropLast()),
                    "maps: newuidmap and newgidmap, run by a helper the child forks before unshare:"]
            for (tool, lines) in [("newuidmap", uid), ("newgidmap", gid)] {
                var words = IDMapHelpers.idmapperArguments(ByteString(tool), pid: 0, lines)
                words[1] = "CHILD"   // the child's pid, not known before it is forked
                out.append("  " + Explain.commandLine(words).description)
            }
            out.append("  (if either fails: the single mapping 0 \(plan.uid) 1 / 0 \(plan.gid) 1, written by the child, setgroups deny)")
            out.append("setgroups: allow (left as the kernel starts it)")
        case .single:
            out += ["uid_map:", String(Explain.mapLayout(single).description.dropLast()),
                    "gid_map:", String(Explain.mapLayout(singleGID).description.dropLast()),
                    "maps: self-written by the child after unshare", "setgroups: deny"]
        }
        return out
    }
}
