// SPDX-License-Identifier: Apache-2.0
import Glibc

/// An errno value with strerror(3)'s text: what unshare(1) appends to a
/// failed call's message. Thrown by `UnsharedProcess`'s waits and `send`.
public struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    /// The number (`ENOENT`, say; no unshare(1) option).
    public var rawValue: Int32
    /// The error of this number. Throws nothing; no unshare(1) option.
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// strerror(3)'s text: `No such file or directory`, as unshare(1) prints it.
    public var description: String { String(cString: strerror(rawValue)) }
}

/// The one place errno is read: runs `call` (a system call returning -1 and
/// setting errno on failure) and captures errno at once, retrying on EINTR
/// when asked (the shape of swift-system's helper of the same name).
@inline(__always)
func valueOrErrno<I: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ call: () -> I) -> Result<I, Errno> {
    while true {
        let value = call()
        if value != -1 { return .success(value) }
        let e = errno
        if retryOnInterrupt && e == EINTR { continue }
        return .failure(Errno(e))
    }
}

/// `valueOrErrno` for calls whose value on success carries nothing.
@inline(__always)
func nothingOrErrno<I: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ call: () -> I) -> Result<Void, Errno> {
    valueOrErrno(retryOnInterrupt: retryOnInterrupt, call).map { _ in () }
}

/// The errno an exec left behind: exec returns only on failure.
@inline(__always)
func errnoOfFailedExec(_ call: () -> Int32) -> Errno {
    _ = call()
    return Errno(errno)
}

/// Runs `body` and puts errno back as it was: for the library's lookups that
/// fail by design (a PATH search), so that a spawn leaves its caller's errno
/// as it was, the child's side included (docs/library.md, "Sharing the
/// caller's memory").
@inline(__always)
func keepingErrno<T>(_ body: () -> T) -> T {
    let saved = errno
    defer { errno = saved }
    return body()
}
