// SPDX-License-Identifier: Apache-2.0
/*
 * The guard a newuidmap or newgidmap runs under, on both paths that start
 * one (the CLI's helpers.c and the library's spawn_child.c; declared in
 * child_io.h). It keeps a helper that hangs from outliving the process that
 * started it, children included (docs/podman-unshare.md, "Beyond podman").
 *
 * Why a guard: the process that is killed cannot clean up, and a setuid
 * newuidmap drops PR_SET_PDEATHSIG at exec, so the tool cannot be tied to
 * its parent either. Something that outlives the parent for a moment must
 * act. The helper child the parent forked (call it H) does this:
 *  1. starts the tool with a vfork-like clone (CLONE_VM|CLONE_VFORK: no page
 *     tables copied) and CLONE_PARENT, so that the tool is the parent's own
 *     child: the parent waits for it, and is woken by its end, exactly as
 *     when H exec'd the tool itself (no extra hop on the normal path);
 *  2. tells the parent the tool's pid (one record on the report pipe);
 *  3. starts the guard G (CLONE_VM again: it shares H's memory, so H's exit
 *     frees nothing and costs little) and exits. G, no one's child to wait
 *     for, closes every descriptor but two: the tool's pidfd and the
 *     lifeline, the report pipe, whose read end only the parent holds.
 * G waits for whichever comes first: the tool ends (G exits), or the parent
 * goes away (POLLERR on the lifeline) while the tool still runs. Then G
 * stops the tool and every process below it (SIGSTOP, walked through
 * /proc/<pid>/task/<tid>/children; a stopped process cannot fork), kills
 * them all and exits.
 * All of it is async-signal-safe: raw system calls, no allocation.
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
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

struct tool_start {
    void (*run)(void *);
    void *arg;
};

/* The tool's side of the clone: run (it execs, or reports and _exits). */
static int start_tool(void *p)
{
    struct tool_start *t = p;
    t->run(t->arg);
    _exit(127);
}

struct guard {
    int lifeline;
    int pidfd;
    pid_t tool;
};

/* The guard's memory: it shares H's address space, and H exits at once. */
static char guard_stack[16384] __attribute__((aligned(16)));

static int ended(int pidfd)
{
    struct pollfd p = { .fd = pidfd, .events = POLLIN };
    return poll(&p, 1, 0) == 1;
}

/* Decimal text of v into out (no terminator); its length. */
static int put_number(char *out, long v)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (int i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    return n;
}

/* The state letter in /proc/<pid>/stat, or 0 when it cannot be read. */
static char state_of(pid_t pid)
{
    char path[48] = "/proc/", buf[512];
    int n = 6 + put_number(path + 6, pid);
    memcpy(path + n, "/stat", 6);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t got = cu_read_full(fd, buf, sizeof(buf) - 1);
    close(fd);
    for (ssize_t i = got - 1; i > 0; i--)   /* after the command's last ')' */
        if (buf[i] == ')')
            return i + 2 < got ? buf[i + 2] : 0;
    return 0;
}

/* Appends the children of every thread of pid to list (up to max). */
static int add_children(pid_t pid, pid_t *list, int n, int max)
{
    char path[64] = "/proc/";
    int len = 6 + put_number(path + 6, pid);
    memcpy(path + len, "/task", 6);
    int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return n;
    char entries[2048];
    for (;;) {
        long got = syscall(SYS_getdents64, dir, entries, sizeof(entries));
        if (got <= 0)
            break;
        for (long off = 0; off < got;) {
            /* struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name */
            unsigned short reclen;
            memcpy(&reclen, entries + off + 16, sizeof(reclen));
            const char *name = entries + off + 19;
            off += reclen;
            if (name[0] < '0' || name[0] > '9')
                continue;
            char file[96];
            int m = 0;
            while (name[m] && m < 20)
                m++;
            memcpy(file, name, (size_t)m);
            memcpy(file + m, "/children", 10);
            int fd = openat(dir, file, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                continue;
            char buf[4096];
            ssize_t k = cu_read_full(fd, buf, sizeof(buf) - 1);
            close(fd);
            long v = 0;
            for (ssize_t i = 0; i <= k; i++) {
                if (i < k && buf[i] >= '0' && buf[i] <= '9') {
                    v = v * 10 + (buf[i] - '0');
                } else if (v > 0) {
                    if (n < max)
                        list[n++] = (pid_t)v;
                    v = 0;
                }
            }
        }
    }
    close(dir);
    return n;
}

/* The parent is gone and the tool runs: stop the tool and everything below
 * it, top down (each stopped before its children are listed), then kill them all. */
static void kill_tool_and_descendants(const struct guard *g)
{
    pid_t list[1024];
    int n = 1;
    list[0] = g->tool;
    for (int i = 0; i < n; i++) {
        int sent = i == 0 ? (int)syscall(SYS_pidfd_send_signal, g->pidfd, SIGSTOP, NULL, 0)
                          : kill(list[i], SIGSTOP);
        if (sent != 0)
            continue;   /* gone, or not ours */
        for (int spins = 0; spins < 100000; spins++) {
            char s = state_of(list[i]);
            if (s == 'T' || s == 't' || s == 'Z' || s == 'X' || s == 0)
                break;
            sched_yield();
        }
        n = add_children(list[i], list, n, (int)(sizeof(list) / sizeof(list[0])));
    }
    syscall(SYS_pidfd_send_signal, g->pidfd, SIGKILL, NULL, 0);
    for (int i = 1; i < n; i++)
        kill(list[i], SIGKILL);
}

static int guard_main(void *p)
{
    const struct guard *g = p;
    /* Only the lifeline and the tool's pidfd stay open, so that every pipe
     * the tool writes to ends when the tool does. */
    int keep_lo = g->lifeline < g->pidfd ? g->lifeline : g->pidfd;
    int keep_hi = g->lifeline < g->pidfd ? g->pidfd : g->lifeline;
    if (keep_lo > 0)
        cu_close_span(0, (unsigned int)keep_lo - 1);
    cu_close_span((unsigned int)keep_lo + 1, (unsigned int)keep_hi - 1);
    cu_close_span((unsigned int)keep_hi + 1, ~0U);
    for (;;) {
        struct pollfd w[2] = { { .fd = g->lifeline, .events = 0 }, { .fd = g->pidfd, .events = POLLIN } };
        if (poll(w, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        if (w[1].revents || ended(g->pidfd))
            _exit(0);   /* the tool ended (the parent reaps it) */
        if (w[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
            kill_tool_and_descendants(g);
            _exit(1);
        }
    }
}

void cu_guard_helper(int lifeline, void (*run)(void *), void *arg)
{
    struct tool_start t = { .run = run, .arg = arg };
    char tool_stack[16384] __attribute__((aligned(16)));
    int pidfd = -1;
    /* Without CLONE_PIDFD (kernels before 5.2) nothing can watch the tool
     * safely: it runs here, unguarded, as it always did. */
    pid_t tool = clone(start_tool, tool_stack + sizeof(tool_stack),
                       CLONE_VM | CLONE_VFORK | CLONE_PARENT | CLONE_PIDFD | SIGCHLD, &t, &pidfd);
    if (tool < 0)
        run(arg);
    int32_t record[3] = { CU_GUARD_PID_STEP, tool, 0 };
    if (cu_write_all(lifeline, record, sizeof(record)) != 0) {
        /* The parent is gone already. */
        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        _exit(1);
    }
    static struct guard g;
    g.lifeline = lifeline;
    g.pidfd = pidfd;
    g.tool = tool;
    if (clone(guard_main, guard_stack + sizeof(guard_stack), CLONE_VM | SIGCHLD, &g) < 0) {
        /* No second process: this one guards, outliving its parent. */
        prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
        guard_main(&g);
    }
    _exit(0);
}
