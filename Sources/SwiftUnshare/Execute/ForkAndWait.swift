// SPDX-License-Identifier: Apache-2.0
import Glibc

/// How a run ends when it does not exec: exit with a status, or a failure to report.
package enum Ending: Equatable, Sendable {
    case exit(Int32)
    case failure(Failure)
}

/// The fork-forward-wait-mirror path of unshare mode's --fork (podman mode
/// spawns its command through the library's API and forwards the same way:
/// PodmanExecutor).
///
/// The child goes on in Swift after fork (malloc, setenv, execvp): that is
/// safe only because the process has a single thread, which the CLI checks
/// before its first fork or unshare (SingleThread.check).
package enum ForkAndWait {
    package enum Side: Equatable, Sendable {
        case child
        case parent(Int32)
    }

    /// How the parent treats `signals` while it waits.
    package struct Signals: Equatable, Sendable {
        package var signals: [Int32]
        /// true: forward them to the child (which takes them back at SIG_DFL);
        /// false: keep them blocked.
        package var forward: Bool

        package init(_ signals: [Int32], forward: Bool) {
            self.signals = signals
            self.forward = forward
        }
    }

    /// Blocks (and, if asked, forwards) the signals, forks, and sets each side
    /// up: the child takes signals as a program normally would; the parent
    /// forwards to the child (delivering what arrived meanwhile).
    package static func fork(_ signals: Signals, _ sys: some SystemCalls) -> Result<Side, Failure> {
        if signals.forward {
            if case .failure(let e) = sys.forwardSignals(signals.signals) {
                return .failure(Failure(.call("sigaction"), e))
            }
        } else if case .failure(let e) = sys.blockSignals(signals.signals) {
            return .failure(Failure(.call("sigprocmask block"), e))
        }
        let child: Int32
        switch sys.fork() {
        case .failure(let e): return .failure(Failure(.call("fork"), e))
        case .success(let pid): child = pid
        }
        if child == 0 {
            if signals.forward, case .failure(let e) = sys.resetForwardedSignals() {
                return .failure(Failure(.call("sigaction"), e))
            }
            if case .failure(let e) = sys.restoreSignalMask() {
                return .failure(Failure(.call("sigprocmask restore"), e))
            }
            return .success(.child)
        }
        if signals.forward {
            sys.setForwardTarget(child)
            if case .failure(let e) = sys.restoreSignalMask() {
                return .failure(Failure(.call("sigprocmask restore"), e))
            }
        }
        return .success(.parent(child))
    }

    /// Waits for the child (EINTR retried).
    package static func wait(_ child: Int32, _ sys: some SystemCalls) -> Result<ProcessEnding, Failure> {
        sys.wait(child).mapError { Failure(.call("waitpid"), $0) }
    }

    /// util-linux's end of the fork parent: the child's exit status, or the
    /// same signal raised on itself (with the default action, unblocked).
    package static func mirror(_ end: ProcessEnding, _ sys: some SystemCalls) -> Ending {
        switch end {
        case .exited(let code):
            return .exit(code)
        case .signaled(let signal):
            if signal != SIGKILL, case .failure(let e) = sys.defaultSignal(signal) {
                return .failure(Failure(.call("signal handler reset"), e))
            }
            if case .failure(let e) = sys.unblockSignal(signal) {
                return .failure(Failure(.call("sigprocmask unblock"), e))
            }
            sys.raise(signal)
            return .failure(Failure(.childExit))
        }
    }
}
