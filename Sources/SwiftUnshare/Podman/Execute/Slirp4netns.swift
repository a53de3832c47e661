// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// slirp4netns for podman's rootless network namespace, started as podman
/// 4.3.1 starts it: the flags its `--help` offers, `-c -r 3 --netns-type=path
/// <path> tap0`, its own process group and (sandboxed) mount namespace, its
/// output in a log file that is unlinked at once, ready when it writes on fd 3.
enum Slirp4netns {
    static func start(_ p: RootlessNetnsPlan, _ sys: some PodmanSystemCalls) -> Result<pid_t, Failure> {
        let program: ByteString
        switch GoExec.lookPath(
            "slirp4netns", path: sys.variable("PATH"), isExecutableFile: { sys.isExecutableFile($0) })
        {
        case .failure(let e): return .failure(e)
        case .success(let path): program = path
        }
        let devnull = (try? sys.open("/dev/null", O_RDWR | O_CLOEXEC).get()) ?? -1
        defer { if devnull >= 0 { sys.close(devnull) } }
        let environment = sys.environmentList()

        // Its features, from its help text.
        let text: [UInt8]
        switch sys.runCaptured(program, [program, "--help"], environment: environment, devnull: devnull) {
        case .failure(let e):
            return .failure(Failure.podman("checking slirp4netns binary \(program): \(GoText.errnoText(e.rawValue))"))
        case .success(let run):
            guard run.execError == 0 && run.status == 0 else {
                let cause: ByteString =
                    run.execError != 0
                    ? "fork/exec \(program): \(GoText.errnoText(run.execError))" : GoExec.stateText(run.status)
                let inner: ByteString = "slirp4netns \(GoText.quote(ByteString(run.output))): \(cause)"
                return .failure(
                    Failure.podman("checking slirp4netns binary \(program): \(GoText.quote(inner)): \(inner)"))
            }
            text = run.output
        }
        func has(_ flag: String) -> Bool { text.containsSequence(Array(flag.utf8)) }
        guard has("--enable-ipv6") else { return .failure(Failure.podman("enable_ipv6 not supported")) }
        var args: [ByteString] = [program]
        if has("--disable-host-loopback") { args.append("--disable-host-loopback") }
        if has("--mtu") { args.append("--mtu=65520") }
        let sandbox = has("--enable-sandbox")
        if sandbox { args.append("--enable-sandbox") }
        if has("--enable-seccomp") { args.append("--enable-seccomp") }
        args += ["--enable-ipv6", "-c", "-r", "3", "--netns-type=path", p.path, "tap0"]

        let sync: (read: Int32, write: Int32)
        switch sys.pipe() {
        case .failure(let e): return .failure(Failure.podman("failed to open pipe: \(GoText.errnoText(e.rawValue))"))
        case .success(let fds): sync = fds
        }
        defer {
            sys.close(sync.read)
            sys.close(sync.write)
        }
        let logPath = GoText.joinPath(p.tmpDir, "slirp4netns-rootless-netns.log")
        let log: Int32
        switch sys.create(logPath, O_RDWR | O_TRUNC, 0o666) {
        case .failure(let e):
            return .failure(
                Failure.podman(
                    "failed to open slirp4netns log file \(logPath): open \(logPath): \(GoText.errnoText(e.rawValue))"))
        case .success(let fd): log = fd
        }
        defer { sys.close(log) }
        _ = sys.unlink(logPath)

        let detached = DetachedProgram(
            path: program, argv: args, environment: environment, logFD: log, syncFD: sync.write, devnull: devnull,
            newMountNamespace: sandbox)
        let pid: pid_t
        switch sys.spawnDetached(detached) {
        case .failure(let e):
            return .failure(Failure.podman("failed to start slirp4netns process: \(GoText.errnoText(e.rawValue))"))
        case .success(let child): pid = child
        }
        if case .failure(let e) = PodmanIO.createFile(
            p.inDir("rootless-netns-slirp4netns.pid"), "\(pid)", mode: 0o700, sys)
        {
            return .failure(
                Failure.podman("unable to write rootless-netns slirp4netns pid file: \(GoText.errnoText(e.rawValue))"))
        }
        return waitReady(pid, program: program, sync: sync.read, log: log, sys)
    }

    /// podman's waitForSync: a byte on the pipe; if none within a second and
    /// the process has ended, its log is the error.
    private static func waitReady(
        _ pid: pid_t, program: ByteString, sync: Int32, log: Int32, _ sys: some PodmanSystemCalls
    ) -> Result<pid_t, Failure> {
        while true {
            if case .success(true) = sys.readable(sync, milliseconds: 1000) {
                if case .success(let byte) = sys.read(sync, upTo: 1), byte.count == 1 { return .success(pid) }
                return .failure(Failure.podman("failed to read from \(program) sync pipe: EOF"))
            }
            let status: Int32
            switch sys.pollChild(pid) {
            case .failure(let e):
                return .failure(
                    Failure.podman("failed to read \(program) process status: \(GoText.errnoText(e.rawValue))"))
            case .success(nil): continue
            case .success(let s?): status = s
            }
            if cu_wifexited(status) != 0 {
                sys.rewind(log)
                let content = (try? sys.read(log, upTo: 1 << 20).get()) ?? []
                return .failure(Failure.podman("\(program) failed: \(GoText.quote(ByteString(content)))"))
            }
            return .failure(Failure.podman("\(program) killed by signal"))
        }
    }

    /// The namespace's resolv.conf: slirp4netns's DNS (10.0.2.3) first, then
    /// the host's other name servers, search domains and options.
    static func resolvConf(_ sys: some PodmanSystemCalls) -> ByteString {
        guard case .success(let text) = PodmanIO.readFile("/etc/resolv.conf", sys) else {
            return "nameserver 10.0.2.3\n"
        }
        var searches: [ByteString] = []
        var servers: [ByteString] = ["10.0.2.3"]
        var options: [ByteString] = []
        for line in ByteString(text).split(0x0a) {
            let words = line.bytes.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }).map { ByteString(Array($0)) }
            guard let key = words.first, words.count > 1 else { continue }
            switch key {
            case "nameserver":
                let server = words[1]
                if !server.hasPrefix("127.") && server != "::1" { servers.append(server) }
            case "search": searches = Array(words.dropFirst())
            case "options": options += words.dropFirst()
            default: break
            }
        }
        var out: ByteString = ""
        if !searches.isEmpty { out = out + "search " + ByteString.join(searches, " ") + "\n" }
        for s in servers { out = out + "nameserver \(s)\n" }
        if !options.isEmpty { out = out + "options " + ByteString.join(options, " ") + "\n" }
        return out
    }
}
