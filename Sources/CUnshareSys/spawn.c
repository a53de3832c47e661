// SPDX-License-Identifier: Apache-2.0
/*
 * The parent side of the SwiftUnshare library's spawn (see cu_spawn.h and
 * docs/library.md): pipes, the clone itself, releasing the child, reading its
 * report, waiting and signals. Ordinary code, except cu_spawn_start() from the
 * clone on in the child, which goes straight to cu_spawn_child_main()
 * (child_spawn.c).
 */
#include "child.h"

#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* The kernel's struct clone_args, first version (64 bytes). */
struct clone_args_v0 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

int cu_spawn_pipe(int *fds, int nonblock_read)
{
    if (cu_pipe_cloexec(fds) != 0)
        return -1;
    if (nonblock_read && fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
        cu_close_pair(fds);
        return -1;
    }
    return 0;
}

int cu_spawn_start(const struct cu_spawn_attr *a, struct cu_spawn_handle *out)
{
    int rep[2], rel[2] = { -1, -1 };
    if (pipe2(rep, O_CLOEXEC) != 0)
        return -1;
    /* The release channel is a socket pair: the parent's send(MSG_NOSIGNAL)
     * cannot raise SIGPIPE in the caller when the child has already died. */
    if (a->wait_for_parent && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rel) != 0) {
        cu_close_pair(rep);
        return -1;
    }

    /* Every signal blocked across the clone: the child resets the handlers
     * before it lets any signal in. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);

    int pidfd = -1, unshare_flags = a->unshare_flags;
    pid_t pid = -1;
    int use_clone3 = !a->force_fallback;
    if (use_clone3) {
        struct clone_args_v0 ca;
        memset(&ca, 0, sizeof(ca));
        ca.flags = a->clone_flags | CLONE_PIDFD;
        ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
        ca.exit_signal = SIGCHLD;
        pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
        if (pid < 0 && errno == ENOSYS)
            use_clone3 = 0;
    }
    if (!use_clone3) {
        /* clone(2) keeps the exit signal in the low byte, where CLONE_NEWTIME
         * sits: the time namespace is unshared in the child instead, and exec
         * moves the program into it. */
        unsigned long flags = (unsigned long)a->clone_flags & ~(unsigned long)CLONE_NEWTIME;
        if (a->clone_flags & CLONE_NEWTIME)
            unshare_flags |= CLONE_NEWTIME;
        pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
    }
    if (pid == 0)
        cu_spawn_child_main(a, rep[1], rel[0], unshare_flags);

    int e = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    cu_close_quietly(&rep[1]);
    cu_close_quietly(&rel[0]);
    if (pid < 0) {
        cu_close_pair(rep);
        cu_close_pair(rel);
        return -1;
    }
    if (pidfd < 0)
        pidfd = cu_pidfd_open(pid);   /* the child is unreaped: no reuse */
    out->pid = pid;
    out->pidfd = pidfd;
    out->release_fd = rel[1];
    out->report_fd = rep[0];
    return 0;
}

int cu_spawn_release(struct cu_spawn_handle *h, int go)
{
    if (h->release_fd < 0)
        return 0;
    char byte = go ? 1 : 0;
    ssize_t n;
    do {
        n = send(h->release_fd, &byte, 1, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    cu_close_quietly(&h->release_fd);
    return n == 1 ? 0 : -1;
}

/* The records of the child's report pipe, at most max (max < 0: to its end),
 * then the pipe closed. */
static int finish(struct cu_spawn_handle *h, int max, struct cu_report *report, pid_t *tool)
{
    *tool = 0;
    memset(report, 0, sizeof(*report));
    int rc = cu_read_reports(h->report_fd, max, report, tool);
    cu_close_quietly(&h->report_fd);
    return rc;
}

/* One record or end of file: the child has exec'd once the pipe ends. */
int cu_spawn_finish(struct cu_spawn_handle *h, struct cu_report *report)
{
    pid_t tool;
    return finish(h, 1, report, &tool);
}

/* To the end: the guard holds the pipe until the tool has ended. */
int cu_spawn_finish_helper(struct cu_spawn_handle *h, struct cu_report *report, pid_t *tool)
{
    return finish(h, -1, report, tool);
}

/* waitid(2) on the pidfd, or the pid without one; EINTR retried. */
static int wait_info(int pidfd, pid_t pid, int options, siginfo_t *info)
{
    for (;;) {
        memset(info, 0, sizeof(*info));
        int rc = pidfd >= 0 ? waitid((idtype_t)P_PIDFD, (id_t)pidfd, info, options)
                            : waitid(P_PID, (id_t)pid, info, options);
        if (rc == 0 || errno != EINTR)
            return rc;
    }
}

int cu_spawn_wait(int pidfd, pid_t pid, int nohang, int *exited, int *value, int *dumped)
{
    siginfo_t info;
    if (wait_info(pidfd, pid, WEXITED | (nohang ? WNOHANG : 0), &info) != 0)
        return -1;
    if (info.si_pid == 0)
        return 0;
    *exited = info.si_code == CLD_EXITED;
    *value = info.si_status;
    if (dumped)
        *dumped = info.si_code == CLD_DUMPED;
    return 1;
}

int cu_spawn_wait_nowait(int pidfd, pid_t pid)
{
    siginfo_t info;
    return wait_info(pidfd, pid, WEXITED | WNOWAIT, &info);
}

int cu_spawn_signal(int pidfd, pid_t pid, int signo)
{
    if (pidfd >= 0)
        return (int)syscall(SYS_pidfd_send_signal, pidfd, signo, NULL, 0);
    return kill(pid, signo);
}

int cu_spawn_own_pidfd(void) { return cu_pidfd_open(getpid()); }

int cu_spawn_block_signals(void)
{
    sigset_t all;
    sigfillset(&all);
    return pthread_sigmask(SIG_SETMASK, &all, NULL);
}
