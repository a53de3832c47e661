// SPDX-License-Identifier: Apache-2.0
import Glibc

extension PodmanPlan {
    /// Decides everything from the options, reading only through `context`.
    package static func build(_ o: PodmanOptions, context: PodmanSystemContext) -> Result<PodmanPlan, Failure> {
        Result { () throws(Failure) in try building(o, context: context) }
    }

    /// `build`, throwing its failure: the CLI's form (a `Result` of a plan is
    /// made through run-time generic metadata on every start).
    package static func building(_ o: PodmanOptions, context: PodmanSystemContext) throws(Failure) -> PodmanPlan {
        let configured = PodmanStorage.nonEmpty(context.environment("_CONTAINERS_USERNS_CONFIGURED")) != nil
        let nested = context.euid == 0 && configured
        if context.euid == 0 && !nested {
            throw Failure.podman("please use unshare with rootless")
        }

        // podman's rootless ids: the caller's, or, nested, the ones the outer call recorded.
        var rootlessUID = context.euid
        var rootlessGID = context.egid
        if nested {
            let uidText = PodmanStorage.nonEmpty(context.environment("_CONTAINERS_ROOTLESS_UID"))
            let gidText = PodmanStorage.nonEmpty(context.environment("_CONTAINERS_ROOTLESS_GID"))
            if let t = uidText, case .success(let v) = NumberParsing.unsigned32(t) { rootlessUID = v }
            if let t = gidText ?? uidText, case .success(let v) = NumberParsing.unsigned32(t) { rootlessGID = v }
        }

        // podman's directories come before the command line's own checks, as podman decides them first.
        let directories: PodmanDirectories
        switch PodmanDirectories.decide(context: context, rootlessUID: rootlessUID, nested: nested) {
        case .failure(let e): throw e
        case .success(let d): directories = d
        }

        var command = o.command
        if command.isEmpty {
            guard let shell = context.environment("SHELL") else {
                throw Failure.podman("no command specified and no $SHELL specified")
            }
            command = [shell]
        }
        let environment =
            directories.exports + [
                PodmanEnvVar("_CONTAINERS_USERNS_CONFIGURED", "done"),
                PodmanEnvVar("_CONTAINERS_ROOTLESS_UID", "\(rootlessUID)"),
                PodmanEnvVar("_CONTAINERS_ROOTLESS_GID", "\(rootlessGID)"),
                PodmanEnvVar("CONTAINERS_GRAPHROOT", directories.graphroot),
                PodmanEnvVar("CONTAINERS_RUNROOT", directories.runroot),
            ]
        let namespaces: Namespaces =
            nested ? .nested : .pause(pidFile: directories.pidFile, firstRun: directories.firstRun)
        let netns =
            o.rootlessNetns
            ? RootlessNetnsPlan(
                runtimeDir: directories.runtimeDir, tmpDir: directories.tmpDir, staticDir: directories.staticDir)
            : nil
        return PodmanPlan(
            namespaces: namespaces, rootlessNetns: netns, environment: environment,
            command: command, directories: directories)
    }

    /// How podman makes its user namespace when no pause process runs: the
    /// caller's ranges in /etc/subuid and /etc/subgid, laid out; or, when
    /// either file has none for the caller, the single mapping with podman's
    /// messages. The user is $USER, else the caller's passwd name, as in podman.
    /// Pure, like `build`, and called only for a namespace to be made.
    package static func userNamespace(context: SystemContext, firstRun: Bool) -> PodmanUserNamespace {
        var made = rangesOrSingle(context: context)
        made.firstRun = firstRun
        return made
    }

    static func rangesOrSingle(context: SystemContext) -> PodmanUserNamespace {
        let name = PodmanStorage.nonEmpty(context.environment("USER")) ?? context.user(id: context.euid)?.name ?? ""
        var found: [[PodmanIDMaps.Range]] = []
        let module = SubordinateIDs.nssModule(context: context)  // nil: the files
        for (file, kind) in [("/etc/subuid", "subuid"), ("/etc/subgid", "subgid")] {
            var problem: ByteString?
            let none: ByteString = "no \(kind) ranges found for user \(GoText.quote(name)) in \(file)"
            if let module {
                // libsubid's NSS module; with it too, podman names the file when no range is found.
                let user = PasswdEntry(name: name, uid: context.euid, gid: context.egid)
                switch SubordinateIDs.nssRanges(module: module, user: user, users: kind == "subuid", context: context) {
                case .failure(let f): problem = f.message ?? none
                case .success(let list):
                    let ranges = list.map { PodmanIDMaps.Range(start: UInt64($0.start), count: UInt64($0.count)) }
                    if ranges.isEmpty { problem = none }
                    found.append(ranges)
                }
            } else {
                switch context.readFile(file) {
                case .failure(let e):
                    problem =
                        e.rawValue == ENOENT
                        ? "no \(kind) ranges found for user \(GoText.quote(name)) in \(file)"
                        : "open \(file): \(GoText.errnoText(e.rawValue))"
                case .success(let text):
                    let list = PodmanIDMaps.ranges(in: text, name: name, uid: context.euid)
                    if list.isEmpty { problem = none }
                    found.append(list)
                }
            }
            if let problem {
                return PodmanUserNamespace(
                    maps: .single(uid: context.euid, gid: context.egid),
                    messages: [
                        PodmanLogLine(
                            .error,
                            "cannot find UID/GID for user \(name): \(problem) - check rootless mode in man pages."),
                        PodmanLogLine(.warning, singleMappingWarning),
                    ])
            }
        }
        let refusals = [
            PodmanIDMaps.overlap(id: context.euid, ranges: found[0], file: "/etc/subuid", what: "UID"),
            PodmanIDMaps.overlap(id: context.egid, ranges: found[1], file: "/etc/subgid", what: "GID"),
        ]
        return PodmanUserNamespace(
            maps: .ranges(
                uid: PodmanIDMaps.layout(id: context.euid, ranges: found[0]),
                gid: PodmanIDMaps.layout(id: context.egid, ranges: found[1])),
            messages: [], refusals: refusals)
    }
}
