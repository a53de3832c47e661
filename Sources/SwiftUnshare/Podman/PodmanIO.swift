import CUnshareSys
import Glibc

/// The few effects podman mode's parent makes directly: writes, small files,
/// directories, waits, and the records its C children send back.
enum PodmanIO {
    /// Writes all of `text` to `fd`; the errno of a failed write, else nil.
    @discardableResult
    static func write(_ fd: Int32, _ text: ByteString) -> Errno? {
        var offset = 0
        let bytes = text.bytes
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .current
            }
            offset += n
        }
        return nil
    }

    /// Writes a whole file (opened for writing, not created): /proc files.
    static func writeFile(_ path: ByteString, _ text: ByteString) -> Errno? {
        let fd = path.withCString { open($0, O_WRONLY | O_CLOEXEC) }
        if fd < 0 { return .current }
        defer { close(fd) }
        return write(fd, text)
    }

    /// Creates a file with `text` (os.WriteFile: created or truncated).
    static func createFile(_ path: ByteString, _ text: ByteString, mode: mode_t) -> Errno? {
        let fd = path.withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
        if fd < 0 { return .current }
        defer { close(fd) }
        return write(fd, text)
    }

    /// os.MkdirAll: every missing directory of `path` with `mode`.
    static func mkdirAll(_ path: ByteString, mode: mode_t) -> Errno? {
        var st = stat()
        if path.withCString({ stat($0, &st) }) == 0 {
            return st.st_mode & S_IFMT == S_IFDIR ? nil : Errno(ENOTDIR)
        }
        let parent = GoText.cleanPath(path + "/..")
        if parent != path && parent != "/" && parent != "." {
            if let e = mkdirAll(parent, mode: mode) { return e }
        }
        if path.withCString({ mkdir($0, mode) }) != 0 && errno != EEXIST { return .current }
        return nil
    }

    /// Waits for `pid`; its wait status, or nil when it cannot be waited for.
    static func waitStatus(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return nil }
        }
        return status
    }

    /// Reads exactly `count` bytes (fewer at end of file).
    static func read(_ fd: Int32, count: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer[got...].withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        return Array(buffer[..<got])
    }

    /// One record of the map runner: how a tool ended, and its output.
    static func readCaptured(_ fd: Int32) -> (cu_captured, [UInt8])? {
        let size = MemoryLayout<cu_captured>.size
        let raw = read(fd, count: size)
        guard raw.count == size else { return nil }
        let record = raw.withUnsafeBytes { $0.loadUnaligned(as: cu_captured.self) }
        return (record, read(fd, count: Int(record.length)))
    }

    /// containers/storage's IsSetID: the mode bit, else the capability in the
    /// file's effective capability set (security.capability).
    static func isSetID(_ path: ByteString, mode: UInt32, capability: Int32) -> Result<Bool, Errno> {
        var st = stat()
        if path.withCString({ stat($0, &st) }) != 0 {
            return .failure(.current)
        }
        if UInt32(st.st_mode) & mode == mode { return .success(true) }
        var data = [UInt8](repeating: 0, count: 24)
        let n = path.withCString { p in data.withUnsafeMutableBytes { cu_file_capability(p, $0.baseAddress!, 24) } }
        guard n >= 8 else { return .success(false) }
        func le32(_ at: Int) -> UInt32 {
            UInt32(data[at]) | UInt32(data[at + 1]) << 8 | UInt32(data[at + 2]) << 16 | UInt32(data[at + 3]) << 24
        }
        let effective = le32(0) & 1 != 0
        let permitted = le32(4) | le32(8)
        return .success(effective && permitted & (1 << UInt32(capability)) != 0)
    }
}

extension ByteString {
    /// The items with `separator` between them.
    static func join(_ items: [ByteString], _ separator: ByteString) -> ByteString {
        var out: [UInt8] = []
        for (i, item) in items.enumerated() {
            if i > 0 { out += separator.bytes }
            out += item.bytes
        }
        return ByteString(out)
    }
}
