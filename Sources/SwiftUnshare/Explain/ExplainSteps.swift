// SPDX-License-Identifier: Apache-2.0
/// One line per Plan step, for --explain.
extension Explain {
    static func describe(_ step: Step, plan: Plan, pid: Int32) -> String {
        switch step {
        case .startBindHelper:
            return "fork the bind helper (it stays outside, to bind the namespace files)"
        case .startMapHelper:
            return plan.strategy == .newIDMapHelpers
                ? "fork the children for newuidmap and newgidmap (they stay outside, held until the namespace exists)"
                : "fork the map helper (it stays outside, to write the maps)"
        case .becomeOwner(let owner):
            return
                "drop supplementary groups, setgid(\(owner.gid)), setuid(\(owner.uid)): the new user namespace's owner"
        case .unshare(let set):
            return "unshare " + names(set)
        case .releaseMapHelper:
            return plan.strategy == .newIDMapHelpers
                ? "release them: they execute newuidmap and newgidmap at once, and this process waits for both"
                : "release the map helper: it writes /proc/\(pid)/uid_map and gid_map, and this process waits for it"
        case .setTimeOffset(let clock, let seconds):
            return "write \"\(clock.clockID) \(seconds) 0\" to /proc/self/timens_offsets (\(clock) clock)"
        case .fork(let killChild, let forwardSignals, let persist):
            var text = "fork: the parent waits for the child and ends as it ends"
            if let persist { text += "; first " + persistText(persist) }
            if let killChild { text += "; the child gets signal \(killChild) when the parent dies" }
            if forwardSignals { text += "; SIGINT and SIGTERM are forwarded to the child" }
            return text + "; the child goes on"
        case .persist(let action):
            return persistText(action)
        case .writeUIDMap(let id):
            return "write \"\(id.mapLine)\" to /proc/self/uid_map"
        case .writeSetgroups(let mode):
            return "write \"\(mode.rawValue)\" to /proc/self/setgroups"
        case .writeGIDMap(let id):
            return "write \"\(id.mapLine)\" to /proc/self/gid_map"
        case .setPropagation(let mode):
            return "make / and everything under it \(mode) (mount propagation)"
        case .loadFixedInterpreterBeforeChroot(let dir, let definition):
            return
                "mount binfmt_misc on \(quoted(dir)) and register \(quoted(definition)) (a fixed interpreter, before chroot)"
        case .chroot(let dir):
            return "chroot \(quoted(dir))"
        case .chdir(let dir):
            return "chdir \(quoted(dir))"
        case .makeMountPointPrivate(let dir):
            return "make \(quoted(dir)) private (mount propagation)"
        case .mountProc(let dir):
            return "mount proc on \(quoted(dir)) (nosuid, noexec, nodev)"
        case .mountBinfmt(let dir):
            return "mount binfmt_misc on \(quoted(dir)) (nosuid, noexec, nodev)"
        case .loadInterpreter(let dir, let definition):
            return "register \(quoted(definition)) in \(quoted(dir))/register"
        case .setgid(let gid):
            return "drop supplementary groups, setgid(\(gid))"
        case .setuid(let uid):
            return "setuid(\(uid))"
        case .keepCapabilities:
            return "raise the permitted capabilities into the ambient set (--keep-caps)"
        case .clearEnvironment(let keep):
            return keep.isEmpty
                ? "clear the environment"
                : "clear the environment, keeping " + keep.map(\.description).joined(separator: ", ")
        case .exec(let command):
            let search = command[0].bytes.contains(UInt8(ascii: "/")) ? "" : " (searched on PATH)"
            return "execute " + commandLine(command).description + search
        case .execShell(let environment?):
            return "execute the login shell \(quoted(environment)) ($SHELL) as \(quoted("-" + environment.basename))"
        case .execShell(nil):
            return "execute the login shell of getuid()'s passwd entry as it is then, inside the namespace "
                + "(else /bin/sh), as - and its name"
        }
    }

    static func persistText(_ action: PersistAction) -> String {
        switch action {
        case .releaseHelper:
            return "the bind helper, released, binds the namespace files onto their targets"
        case .bindDirectly:
            return "this process binds the namespace files onto their targets"
        }
    }
}
