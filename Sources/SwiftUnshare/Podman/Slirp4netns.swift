import CUnshareSys
import Glibc

/// slirp4netns for podman's rootless network namespace, started as podman
/// 4.3.1 starts it: the flags its `--help` offers, `-c -r 3 --netns-type=path
/// <path> tap0`, its own process group and (sandboxed) mount namespace, its
/// output in a log file that is unlinked at once, ready when it writes on fd 3.
enum Slirp4netns {
    static func start(_ p: RootlessNetnsPlan) -> Result<pid_t, PodmanError> {
        let pathVar = getenv("PATH").map { ByteString(cString: $0) }
        let program: ByteString
        switch GoExec.lookPath("slirp4netns", path: pathVar, isExecutableFile: GoExec.isExecutableFile) {
        case .failure(let e): return .failure(e)
        case .success(let path): program = path
        }
        let devnull = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if devnull >= 0 { close(devnull) } }
        let envp = CArrays.array(GoExec.environment(adding: []))

        // Its features, from its help text.
        var help = [CChar](repeating: 0, count: 16384)
        var captured = cu_captured()
        let helpArgv = CArrays.array([program, "--help"])
        if cu_run_captured(CArrays.string(program), helpArgv, envp, devnull, &help, help.count, &captured) != 0
            || captured.exec_err != 0 || captured.status != 0
        {
            let output = ByteString(help.prefix(Int(captured.length)).map { UInt8(bitPattern: $0) })
            let cause: ByteString =
                captured.exec_err != 0
                ? "fork/exec \(program): \(GoText.errnoText(captured.exec_err))" : GoExec.stateText(captured.status)
            let inner: ByteString = "slirp4netns \(GoText.quote(output)): \(cause)"
            return .failure(PodmanError("checking slirp4netns binary \(program): \(GoText.quote(inner)): \(inner)"))
        }
        let text = Array(help.prefix(Int(captured.length)).map { UInt8(bitPattern: $0) })
        func has(_ flag: String) -> Bool { text.containsSequence(Array(flag.utf8)) }
        guard has("--enable-ipv6") else { return .failure(PodmanError("enable_ipv6 not supported")) }
        var args: [ByteString] = [program]
        if has("--disable-host-loopback") { args.append("--disable-host-loopback") }
        if has("--mtu") { args.append("--mtu=65520") }
        let sandbox = has("--enable-sandbox")
        if sandbox { args.append("--enable-sandbox") }
        if has("--enable-seccomp") { args.append("--enable-seccomp") }
        args += ["--enable-ipv6", "-c", "-r", "3", "--netns-type=path", p.path, "tap0"]

        var sync: [Int32] = [-1, -1]
        if cu_pipe_cloexec(&sync) != 0 {
            return .failure(PodmanError("failed to open pipe: \(GoText.errnoText(errno))"))
        }
        defer {
            close(sync[0])
            close(sync[1])
        }
        let logPath = GoText.joinPath(p.tmpDir, "slirp4netns-rootless-netns.log")
        let log = logPath.withCString { open($0, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666) }
        if log < 0 {
            return .failure(
                PodmanError(
                    "failed to open slirp4netns log file \(logPath): open \(logPath): \(GoText.errnoText(errno))"))
        }
        defer { close(log) }
        _ = logPath.withCString { unlink($0) }

        var spec = cu_detached(
            path: CArrays.string(program), argv: CArrays.array(args), envp: envp,
            log_fd: log, sync_fd: sync[1], devnull: devnull, new_mount_ns: sandbox ? 1 : 0)
        let pid = cu_spawn_detached(&spec)
        if pid < 0 { return .failure(PodmanError("failed to start slirp4netns process: \(GoText.errnoText(errno))")) }
        if case .failure(let e) = PodmanIO.createFile(p.inDir("rootless-netns-slirp4netns.pid"), "\(pid)", mode: 0o700)
        {
            return .failure(
                PodmanError("unable to write rootless-netns slirp4netns pid file: \(GoText.errnoText(e.rawValue))"))
        }
        return waitReady(pid, program: program, sync: sync[0], log: log)
    }

    /// podman's waitForSync: a byte on the pipe; if none within a second and
    /// the process has ended, its log is the error.
    private static func waitReady(_ pid: pid_t, program: ByteString, sync: Int32, log: Int32) -> Result<
        pid_t, PodmanError
    > {
        while true {
            var fds = pollfd(fd: sync, events: Int16(POLLIN), revents: 0)
            let n = poll(&fds, 1, 1000)
            if n < 0 && errno == EINTR { continue }
            if n > 0 {
                var byte: UInt8 = 0
                if read(sync, &byte, 1) == 1 { return .success(pid) }
                return .failure(PodmanError("failed to read from \(program) sync pipe: EOF"))
            }
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r < 0 {
                return .failure(PodmanError("failed to read \(program) process status: \(GoText.errnoText(errno))"))
            }
            if r != pid { continue }
            if cu_wifexited(status) != 0 {
                lseek(log, 0, SEEK_SET)
                let content = PodmanIO.read(log, count: 1 << 20)
                return .failure(PodmanError("\(program) failed: \(GoText.quote(ByteString(content)))"))
            }
            return .failure(PodmanError("\(program) killed by signal"))
        }
    }

    /// The namespace's resolv.conf: slirp4netns's DNS (10.0.2.3) first, then
    /// the host's other name servers, search domains and options.
    static func resolvConf() -> ByteString {
        guard case .success(let text) = LiveSystem().readFile("/etc/resolv.conf") else {
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
