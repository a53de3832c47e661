// SPDX-License-Identifier: Apache-2.0
import CUnshareSys
import Glibc

/// -f/--fork, --kill-child and --forward-signals (docs/unshare.md section 2 and step 8),
/// and the persistence binds.
extension Executor {
    /// --fork: the parent persists namespaces, waits, and ends as the child
    /// ended; the child returns nil and goes on with the remaining steps.
    mutating func forkAndWait(killChild: Int32?, forwardSignals: Bool, persist: PersistAction?) -> Ending? {
        var parentPidfd: Int32 = -1
        if killChild != nil {
            switch sys.pidfdOpen(getpid()) {
            case .failure(let e): return .failure(Failure(.call("pidfd_open"), e))
            case .success(let fd): parentPidfd = fd
            }
        }
        let signals = ForkAndWait.Signals([SIGINT, SIGTERM], forward: forwardSignals)
        switch ForkAndWait.fork(signals, sys) {
        case .failure(let f):
            return .failure(f)
        case .success(.child):
            if let helper = bindHelper {  // only the parent may release it
                sys.close(helper.handle.releaseFD)
                bindHelper = nil
            }
            if let signal = killChild {
                if case .failure(let e) = sys.setParentDeathSignal(signal) {
                    return .failure(Failure(.call("prctl"), e))
                }
                // The parent may have died before prctl: then nobody wants our status.
                switch sys.pidfdEnded(parentPidfd) {
                case .failure(let e): return .failure(Failure(.call("poll parent pidfd"), e))
                case .success(true): return .exit(1)
                case .success(false): sys.close(parentPidfd)
                }
            }
            return nil
        case .success(.parent(let child)):
            if parentPidfd >= 0 { sys.close(parentPidfd) }
            if let persist, let failure = self.persist(persist) { return .failure(failure) }
            switch ForkAndWait.wait(child, sys) {
            case .failure(let f): return .failure(f)
            case .success(let end): return ForkAndWait.mirror(end, sys)
            }
        }
    }

    mutating func persist(_ action: PersistAction) -> Failure? {
        switch action {
        case .releaseHelper:
            guard let helper = bindHelper else { return nil }
            return IDMapHelpers.release([helper], sys)
        case .bindDirectly(let targets):
            for (source, target) in zip(IDMapHelpers.bindSources(targets, pid: pid), targets) {
                if case .failure(let e) = sys.mount(source, target.file, nil, cu_MS_BIND) {
                    return Failure(.mount("\(source) on \(target.file)"), e)
                }
            }
            return nil
        }
    }
}
