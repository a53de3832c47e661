// SPDX-License-Identifier: Apache-2.0
/*
 * The guard a newuidmap or newgidmap runs under, on both paths that start
 * one (the CLI's helpers.c and the library's spawn_child.c; declared in
 * child_io.h). It keeps a helper that hangs from outliving the process that
 * started it, children included (docs/podman-unshare.md, "Beyond podman").
 *
 * Why a guard: the process that is killed cannot clean up, and a setuid
 * newuidmap drops PR_SET_PDEATHSIG at exec, so the helper cannot be tied to
 * it either. The forked helper child becomes this guard instead: a child
 * subreaper that starts the real helper as its own child and waits for
 * whichever comes first:
 *  - the helper ends: the guard ends the same way (its exit status, or its
 *    signal re-raised with core dumps off), so the parent sees the helper;
 *  - the parent goes away: its read end of the lifeline (the report pipe,
 *    whose read end only the parent holds) closes, and poll(2) reports
 *    POLLERR on the guard's write end. The guard kills the helper and every
 *    process adopted from it (a subreaper gets the helper's orphans), reaps
 *    them and exits.
 * On the normal path that costs one vfork-like clone (CLONE_VM|CLONE_VFORK,
 * no page tables copied), a poll and a waitid. All of it async-signal-safe:
 * raw system calls on this process's own stack.
 */
#define _GNU_SOURCE
#include "child_io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

struct guarded {
    void (*run)(void *);
    void *arg;
    struct sigaction chld;      /* the SIGCHLD disposition to hand the helper */
};

/* The helper's side of the clone: its own SIGCHLD back, then run (exec or _exit). */
static int start(void *p)
{
    struct guarded *g = p;
    sigaction(SIGCHLD, &g->chld, NULL);
    g->run(g->arg);
    _exit(127);
}

/* "/proc/self/task/<pid>/children" for this single-threaded process. */
static void children_path(char *out)
{
    static const char head[] = "/proc/self/task/", tail[] = "/children";
    char digits[16];
    int n = 0;
    for (unsigned long v = (unsigned long)getpid(); v > 0 || n == 0; v /= 10)
        digits[n++] = (char)('0' + v % 10);
    memcpy(out, head, sizeof(head) - 1);
    out += sizeof(head) - 1;
    while (n > 0)
        *out++ = digits[--n];
    memcpy(out, tail, sizeof(tail));
}

/* Kill every child of this process (the helper and what it left behind,
 * adopted here), reap each, and list again after every reaping: a child's
 * own orphans are adopted before its exit is seen, so the next list has
 * them. Stops when no child is left, or when one cannot be killed (only
 * what has ended is reaped then: never wait on a process that lives on). */
static void kill_everything_adopted(void)
{
    char path[64], buf[4096];
    children_path(path);
    for (;;) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            break;   /* no list of children: reap only what has ended */
        ssize_t n = cu_read_full(fd, buf, sizeof(buf) - 1);
        close(fd);
        int unkillable = 0;
        long pid = 0;
        for (ssize_t i = 0; i <= n; i++) {
            if (i < n && buf[i] >= '0' && buf[i] <= '9') {
                pid = pid * 10 + (buf[i] - '0');
            } else if (pid > 0) {
                if (kill((pid_t)pid, SIGKILL) != 0 && errno == EPERM)
                    unkillable = 1;
                pid = 0;
            }
        }
        if (unkillable)
            break;
        siginfo_t info;
        if (waitid(P_ALL, 0, &info, WEXITED) != 0 && errno != EINTR)
            return;   /* ECHILD: nothing is left */
    }
    siginfo_t info;
    for (;;) {
        memset(&info, 0, sizeof(info));
        if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG) != 0 || info.si_pid == 0)
            return;
    }
}

/* End as the helper ended. */
static void __attribute__((noreturn)) end_like(const siginfo_t *info, int lifeline, int dumped_step)
{
    if (info->si_code == CLD_EXITED)
        _exit(info->si_status);
    int sig = info->si_status;
    if (info->si_code == CLD_DUMPED && dumped_step >= 0) {
        struct { int32_t step, err, index; } r = { dumped_step, sig, 0 };
        (void)cu_write_all(lifeline, &r, sizeof(r));
    }
    /* The same signal, without a core of this process. */
    struct rlimit none = { 0, 0 };
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigaction(sig, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    kill(getpid(), sig);
    _exit(128 + sig);
}

void cu_guard_helper(int lifeline, int dumped_step, void (*run)(void *), void *arg)
{
    struct guarded g = { .run = run, .arg = arg };
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    /* This process must outlive its parent for a moment (a parent-death
     * signal would kill it first), see its child end (SIGCHLD not ignored),
     * and adopt the helper's orphans. Without that, the helper runs here. */
    if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) != 0 || prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0
        || sigaction(SIGCHLD, &dfl, &g.chld) != 0)
        run(arg);

    char stack[32768] __attribute__((aligned(16)));
    int pidfd = -1;
    pid_t pid = clone(start, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &g, &pidfd);
    if (pid < 0 && errno == EINVAL) {   /* kernels before 5.2: no CLONE_PIDFD */
        pid = clone(start, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &g);
        pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
    }
    if (pid < 0) {
        sigaction(SIGCHLD, &g.chld, NULL);
        run(arg);
    }

    /* Wait for the helper's end or the parent's. Without a pidfd (kernels
     * before 5.3) there is nothing to poll for the helper: wait for it only. */
    while (pidfd >= 0) {
        struct pollfd p[2] = { { .fd = lifeline, .events = 0 }, { .fd = pidfd, .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents)
            break;   /* it ended */
        if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
            kill(pid, SIGKILL);
            kill_everything_adopted();
            _exit(1);
        }
    }
    siginfo_t info;
    for (;;) {
        memset(&info, 0, sizeof(info));
        if (waitid(P_PID, (id_t)pid, &info, WEXITED) == 0)
            break;
        if (errno != EINTR)
            _exit(1);
    }
    end_like(&info, lifeline, dumped_step);
}
