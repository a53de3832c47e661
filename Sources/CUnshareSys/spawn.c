// SPDX-License-Identifier: Apache-2.0
/*
 * The parent side of the SwiftUnshare library's spawn (see cu_spawn.h and
 * docs/library.md): pipes, the clone itself, releasing the child, reading its
 * report, waiting and signals. Ordinary code, except the clone itself: the
 * child starts on a stack of its own in cu_spawn_child_main() (child_spawn.c)
 * and never returns into this file's frames.
 */
#include "child.h"

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
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

/*
 * The child's own mapping, allocated before the clone (docs/library.md,
 * "Sharing the caller's memory"):
 *
 *   [guard page][guard's stack + state]  only for a newuidmap/newgidmap guard
 *   [guard page][the child's stack ............][box: attributes, sh_argv]
 *
 * Each stack has an inaccessible page below it, so that an overflow faults
 * instead of writing the caller's memory. The box holds what the child
 * reads of the call (a copy of the attributes: the caller's struct may be
 * gone before a child that waits for its release has exec'd) and the only
 * caller-visible memory it writes: the /bin/sh retry slots.
 */
#define CHILD_STACK 65536   /* a whole number of 4, 16 or 64 KiB pages */

struct spawn_box {
    struct cu_spawn_attr attr;
    int report_w, release_r, unshare_flags;
    struct cu_guard_mem *guard;
    char *sh_argv[];            /* argc + 2 slots */
};

static size_t round_up(size_t n, size_t page) { return (n + page - 1) & ~(page - 1); }

/* The clone's entry in the child: on its own stack, never returning. */
static int spawn_child_entry(void *p)
{
    struct spawn_box *b = p;
    cu_spawn_child_main(&b->attr, b->report_w, b->release_r, b->unshare_flags, b->guard);
}

int cu_spawn_start(const struct cu_spawn_attr *a, struct cu_spawn_handle *out)
{
    out->region = NULL;
    out->region_len = 0;
    int rep[2], rel[2] = { -1, -1 };
    if (pipe2(rep, O_CLOEXEC) != 0)
        return -1;
    /* The release channel is a socket pair: the parent's send(MSG_NOSIGNAL)
     * cannot raise SIGPIPE in the caller when the child has already died. */
    if (a->wait_for_parent && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rel) != 0) {
        cu_close_pair(rep);
        return -1;
    }

    /* Shared memory for every child but one that never execs nor exits
     * (idle_name: podman mode's pause loop, which would hold the mapping,
     * and with CLONE_VFORK the caller, forever): that one is forked. */
    int share = !a->idle_name;
    int vfork = share && !a->wait_for_parent;
    size_t argc = 0;
    while (a->argv[argc])
        argc++;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);   /* 4 KiB, or 16 or 64 KiB on some arm64 kernels */
    size_t guard_len = a->guard_helper ? page + round_up(sizeof(struct cu_guard_mem), page) : 0;
    size_t box_len = round_up(sizeof(struct spawn_box) + (argc + 2) * sizeof(char *), page);
    size_t len = guard_len + page + CHILD_STACK + box_len;
    char *region = NULL;
    struct spawn_box *box = NULL;
    if (share) {
        region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (region == MAP_FAILED) {
            cu_close_pair(rep);
            cu_close_pair(rel);
            return -1;
        }
        if ((guard_len && mprotect(region, page, PROT_NONE) != 0) ||
            mprotect(region + guard_len, page, PROT_NONE) != 0) {
            int e = errno;
            munmap(region, len);
            cu_close_pair(rep);
            cu_close_pair(rel);
            errno = e;
            return -1;
        }
        box = (struct spawn_box *)(region + guard_len + page + CHILD_STACK);
        box->attr = *a;
        box->attr.sh_argv = box->sh_argv;
        memset(box->sh_argv, 0, (argc + 2) * sizeof(char *));
        box->report_w = rep[1];
        box->release_r = rel[0];
        box->guard = guard_len ? (struct cu_guard_mem *)(region + page) : NULL;
    }
    char *stack = share ? region + guard_len + page : NULL;   /* the child's: [stack, stack + CHILD_STACK) */

    /* Every signal blocked in this thread across the clone, glibc's own two
     * (SIGCANCEL, SIGSETXID) included, as glibc's posix_spawn blocks them:
     * through the system call, since pthread_sigmask(3) leaves those two
     * open. No handler of the caller's can then run in the child, which
     * resets every handler before it lets any signal in. */
    uint64_t all = ~(uint64_t)0, old = 0;
    cs_sigmask_swap(all, &old);

    int pidfd = -1, unshare_flags = a->unshare_flags;
    uint64_t shared = share ? (CLONE_VM | (vfork ? CLONE_VFORK : 0)) : 0;
    long pid = -ENOSYS;
    int use_clone3 = !a->force_fallback;
    if (use_clone3) {
        struct clone_args_v0 ca;
        memset(&ca, 0, sizeof(ca));
        ca.flags = a->clone_flags | CLONE_PIDFD | shared;
        ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
        ca.exit_signal = SIGCHLD;
        if (share) {
            box->unshare_flags = unshare_flags;
            ca.stack = (uint64_t)(uintptr_t)stack;
            ca.stack_size = CHILD_STACK;
            pid = cs_clone_run(SYS_clone3, (long)&ca, (long)sizeof(ca), 0, 0, 0, spawn_child_entry, box);
        } else {
            pid = syscall(SYS_clone3, &ca, sizeof(ca));
            if (pid < 0)
                pid = -errno;
            else if (pid == 0)
                cu_spawn_child_main(a, rep[1], rel[0], unshare_flags, NULL);
        }
        if (pid == -ENOSYS)
            use_clone3 = 0;
    }
    if (!use_clone3) {
        /* clone(2) keeps the exit signal in the low byte, where CLONE_NEWTIME
         * sits: the time namespace is unshared in the child instead, and exec
         * moves the program into it. */
        unsigned long flags = ((unsigned long)a->clone_flags & ~(unsigned long)CLONE_NEWTIME) | shared;
        if (a->clone_flags & CLONE_NEWTIME)
            unshare_flags |= CLONE_NEWTIME;
        if (share) {
            box->unshare_flags = unshare_flags;
            pid = cs_clone_run(SYS_clone, (long)(flags | SIGCHLD), (long)(stack + CHILD_STACK), 0, 0, 0,
                               spawn_child_entry, box);
        } else {
            pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
            if (pid < 0)
                pid = -errno;
            else if (pid == 0)
                cu_spawn_child_main(a, rep[1], rel[0], unshare_flags, NULL);
        }
    }

    cs_sigmask_swap(old, NULL);
    cu_close_quietly(&rep[1]);
    cu_close_quietly(&rel[0]);
    if (pid < 0) {
        if (region)
            munmap(region, len);   /* no child: nobody else uses it */
        cu_close_pair(rep);
        cu_close_pair(rel);
        errno = (int)-pid;
        return -1;
    }
    if (pidfd < 0)
        pidfd = cu_pidfd_open((pid_t)pid);   /* the child is unreaped: no reuse */
    out->pid = (pid_t)pid;
    out->pidfd = pidfd;
    out->release_fd = rel[1];
    out->report_fd = rep[0];
    out->region = region;
    out->region_len = share ? len : 0;
    return 0;
}

void cu_spawn_free(struct cu_spawn_handle *h)
{
    if (h->region) {
        int e = errno;
        munmap(h->region, h->region_len);
        errno = e;
    }
    h->region = NULL;
    h->region_len = 0;
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

/* The records of the child's report pipe to its end of file, then the pipe
 * closed: the child has exec'd once the pipe ends, or, after a record,
 * exited; a newuidmap/newgidmap guard holds the pipe until it has exited
 * too. Either way its mapping is free then. */
int cu_spawn_finish(struct cu_spawn_handle *h, struct cu_report *report)
{
    memset(report, 0, sizeof(*report));
    int rc = cu_read_reports(h->report_fd, -1, report);
    cu_close_quietly(&h->report_fd);
    if (rc >= 0)
        cu_spawn_free(h);
    return rc;
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
