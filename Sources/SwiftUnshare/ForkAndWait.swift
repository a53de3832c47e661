import CUnshareSys
import Glibc

/// -f/--fork, --kill-child and --forward-signals: the parent waits and ends
/// as its child ended (spec section 2 and step 8).
extension Executor {
    /// --fork: the parent persists namespaces, waits, and ends as the child
    /// ended; the child returns nil and goes on with the remaining steps.
    mutating func forkAndWait(killChild: Int32?, forwardSignals: Bool, persist: PersistAction?) -> Failure? {
        if forwardSignals {
            if cu_forward_int_term() != 0 { return .system("sigaction failed", .current) }
        } else if cu_block_int_term() != 0 {
            return .system("sigprocmask block failed", .current)
        }
        var parentPidfd: Int32 = -1
        if killChild != nil {
            parentPidfd = cu_pidfd_open(getpid())
            if parentPidfd < 0 { return .system("pidfd_open failed", .current) }
        }
        let child = fork()
        if child < 0 { return .system("fork failed", .current) }
        if child == 0 {
            // the child takes signals as a program normally would, from here to exec
            if forwardSignals && (cu_default_signal(SIGINT) != 0 || cu_default_signal(SIGTERM) != 0) {
                return .system("sigaction failed", .current)
            }
            if cu_restore_sigmask() != 0 { return .system("sigprocmask restore failed", .current) }
            if bindHelper.release_fd >= 0 {   // only the parent may release it
                close(bindHelper.release_fd)
                bindHelper.release_fd = -1
            }
            if let signal = killChild {
                if cu_set_pdeathsig(signal) != 0 { return .system("prctl failed", .current) }
                // The parent may have died before prctl: then nobody wants our status.
                let ended = cu_pidfd_ended(parentPidfd)
                if ended < 0 { return .system("poll parent pidfd failed", .current) }
                if ended > 0 { exit(1) }
                close(parentPidfd)
            }
            return nil
        }
        if forwardSignals {
            cu_set_forward_target(child)
            if cu_restore_sigmask() != 0 { return .system("sigprocmask restore failed", .current) }
        }
        if parentPidfd >= 0 { close(parentPidfd) }
        if let persist, let failure = self.persist(persist) { return failure }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 {
            if errno != EINTR { return .system("waitpid failed", .current) }
        }
        if cu_wifexited(status) != 0 { exit(cu_wexitstatus(status)) }
        if cu_wifsignaled(status) != 0 {
            let signal = cu_wtermsig(status)
            if signal != SIGKILL && cu_default_signal(signal) != 0 {
                return .system("signal handler reset failed", .current)
            }
            if cu_unblock_signal(signal) != 0 { return .system("sigprocmask unblock failed", .current) }
            kill(getpid(), signal)
        }
        return .system("child exit failed", .current)
    }
}
