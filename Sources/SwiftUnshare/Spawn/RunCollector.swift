// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// A running program's pipes and pidfd, driven by poll(2): the input written
/// and both outputs read together, so that neither side waits on the other,
/// until the program has ended. One thread drives it at a time: the caller's
/// (`runBlocking`) or the library's waiter thread (`run() async`, handed over
/// whole, hence @unchecked). The caller's pipe ends are non-blocking and
/// close-on-exec; each is closed on every path.
package final class RunCollector: @unchecked Sendable {
    /// Released once reaped, so that its pidfd is closed before the result
    /// is handed on (not whenever the driving thread lets go of this object).
    private var process: UnsharedProcess?
    private let pid: pid_t
    private let strategy: MapStrategy
    private var streams: OpenedStreams
    private var written = 0
    private var collected: [[UInt8]] = [[], []]
    private var ending: ProcessEnding?
    private var failure: RunError?
    private(set) var brokePipe = false
    private var buffer = [UInt8](repeating: 0, count: 65536)

    init(process: UnsharedProcess, streams: OpenedStreams) {
        self.process = process
        self.pid = process.pid
        self.strategy = process.strategy
        self.streams = streams
        if streams.inputFD >= 0 && streams.inputBytes.isEmpty { closeInput() }
    }

    deinit { closePipes() }

    /// Ended, reaped and every pipe closed.
    var isFinished: Bool { ending != nil && streams.inputFD < 0 && streams.outputFD < 0 && streams.errorFD < 0 }

    /// What to poll now (events set); empty when nothing is left to poll.
    func pollSet() -> [pollfd] {
        var set: [pollfd] = []
        if streams.inputFD >= 0 { set.append(pollfd(fd: streams.inputFD, events: Int16(POLLOUT), revents: 0)) }
        for fd in [streams.outputFD, streams.errorFD] where fd >= 0 {
            set.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
        }
        if ending == nil, let pidfd = process?.pidfd, pidfd >= 0 {
            set.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0))
        }
        return set
    }

    /// Acts on poll's answers for this collector's `pollSet()`.
    func handle(_ answers: ArraySlice<pollfd>) {
        for p in answers where p.revents != 0 {
            if p.fd == streams.inputFD {
                writeInput()
            } else if p.fd == streams.outputFD {
                read(0)
            } else if p.fd == streams.errorFD {
                read(1)
            } else if p.fd == process?.pidfd && ending == nil {
                reap(nohang: true)
            }
        }
        settle()
    }

    /// Nothing to poll but not finished (no pidfd: kernels before 5.3): wait
    /// for the program in this thread.
    func settle() {
        if ending != nil {
            // Ended: what it wrote is all in the pipes now; the rest would be
            // its own children's, which are not waited for.
            if failure == nil {
                read(0)
                read(1)
            }
            closePipes()
        } else if pollSet().isEmpty {
            reap(nohang: false)
            settle()
        }
    }

    /// The result, once finished.
    func result() -> Result<CollectedResult, RunError> {
        if let failure { return .failure(failure) }
        return .success(
            CollectedResult(
                processIdentifier: pid, terminationStatus: ending ?? .exited(1), strategy: strategy,
                standardOutput: CollectedOutput(collected[0]), standardError: CollectedOutput(collected[1])))
    }

    /// Gives up: the first failure is the one reported; the program is killed
    /// and is reaped by the loop (its pidfd stays polled).
    func fail(_ e: RunError) {
        if failure == nil { failure = e }
        if ending == nil, let process { _ = cu_spawn_signal(process.pidfd, pid, SIGKILL) }
        closePipes()
    }

    /// The loop of `runBlocking`: SIGPIPE blocked in this thread while it
    /// writes (a program that stops reading gives EPIPE, not a signal), a
    /// SIGPIPE it raised taken back before the thread's mask is restored.
    func runBlocking() -> Result<CollectedResult, RunError> {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var old = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &old)
        var pendingBefore = sigset_t()
        sigpending(&pendingBefore)
        while !isFinished {
            var set = pollSet()
            if set.isEmpty {
                settle()
                continue
            }
            if case .failure(let e) = nothingOrErrno({ poll(&set, nfds_t(set.count), -1) }) {
                fail(.system(what: "poll failed", errno: e))
                reap(nohang: false)
                continue
            }
            handle(set[...])
        }
        if brokePipe && sigismember(&pendingBefore, SIGPIPE) == 0 {
            var none = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipeSignal, nil, &none)
        }
        pthread_sigmask(SIG_SETMASK, &old, nil)
        return result()
    }

    private func writeInput() {
        let total = streams.inputBytes.count
        while streams.inputFD >= 0 && written < total {
            let chunk = min(total - written, 65536)
            let n = streams.inputBytes.withUnsafeBytes { write(streams.inputFD, $0.baseAddress! + written, chunk) }
            if n > 0 {
                written += n
                continue
            }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN { return }
            if e == EPIPE {
                brokePipe = true  // it stopped reading: no error, the rest is dropped
                closeInput()
                return
            }
            fail(.system(what: "cannot write to standard input", errno: Errno(e)))
            return
        }
        closeInput()  // all written: the program reads end of file
    }

    /// Reads what is waiting on output `i` (0: stdout, 1: stderr), up to its limit.
    private func read(_ i: Int) {
        let limit = i == 0 ? streams.outputLimit : streams.errorLimit
        while true {
            let fd = i == 0 ? streams.outputFD : streams.errorFD
            if fd < 0 { return }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                if collected[i].count + n > limit {
                    fail(.outputLimitExceeded(stream: i == 0 ? .standardOutput : .standardError, limit: limit))
                    return
                }
                collected[i] += buffer[..<n]
                continue
            }
            if n == 0 {
                closeOutput(i)
                return
            }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN { return }
            fail(.system(what: "cannot read \(i == 0 ? "standard output" : "standard error")", errno: Errno(e)))
            return
        }
    }

    private func reap(nohang: Bool) {
        guard let process else { return }
        var exited: Int32 = 0
        var value: Int32 = 0
        switch valueOrErrno({ cu_spawn_wait(process.pidfd, pid, nohang ? 1 : 0, &exited, &value, nil) }) {
        case .success(0): return  // not yet
        case .success: ending = process.record(exited != 0 ? .exited(value) : .signaled(value))
        case .failure(let e):
            if failure == nil { failure = .system(what: "waitid failed", errno: e) }
            ending = .exited(1)
        }
        self.process = nil  // reaped: its pidfd closes now
    }

    private func closeInput() {
        if streams.inputFD >= 0 { close(streams.inputFD) }
        streams.inputFD = -1
    }

    private func closeOutput(_ i: Int) {
        if i == 0 {
            if streams.outputFD >= 0 { close(streams.outputFD) }
            streams.outputFD = -1
        } else {
            if streams.errorFD >= 0 { close(streams.errorFD) }
            streams.errorFD = -1
        }
    }

    private func closePipes() {
        closeInput()
        closeOutput(0)
        closeOutput(1)
    }
}
