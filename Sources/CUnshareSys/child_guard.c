// SPDX-License-Identifier: Apache-2.0
/*
 * The guard a newuidmap or newgidmap runs under, on both paths that start
 * one (the CLI's helpers, child_helpers.c, and the library's child,
 * child_spawn.c; declared in child.h). It keeps a helper that hangs from
 * outliving the process that started it, children included
 * (docs/podman-unshare.md, "Beyond podman").
 *
 * Why a guard: the process that is killed cannot clean up, and a setuid
 * newuidmap drops PR_SET_PDEATHSIG at exec, so the tool cannot be tied to
 * its parent either. Something that outlives the parent for a moment must
 * act. The child that is to exec the tool (call it H, the parent's own
 * child, which the parent waits for as for any helper) does this before its
 * exec:
 *  1. opens a pidfd on itself: it names H, and the tool once H has exec'd;
 *  2. starts the guard G (CLONE_VM: G shares H's memory, and runs on a
 *     stack of its own in memory the caller gave for it), then goes on to
 *     exec the tool itself.
 * G closes every descriptor but two: the pidfd and the lifeline, the report
 * pipe, whose read end only the parent holds. G waits for whichever comes
 * first: H ends (G exits), or the parent goes away (POLLERR on the
 * lifeline) while H still runs. Then G stops H and every process below it
 * but itself (SIGSTOP, walked through /proc/<pid>/task/<tid>/children; a
 * stopped process cannot fork), kills them all and exits. G is H's child, so
 * H's end gives it to the nearest subreaper (or init), which reaps it.
 * All of it is async-signal-safe, through the child-side engine (child.h):
 * system calls only, no allocation.
 */
#include "child.h"

#include <string.h>

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
    int fd = cs_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t got = cu_read_full(fd, buf, sizeof(buf) - 1);
    cs_close(fd);
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
    int dir = cs_openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return n;
    char entries[2048];
    for (;;) {
        long got = cs_getdents64(dir, entries, sizeof(entries));
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
            int fd = cs_openat(dir, file, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                continue;
            char buf[4096];
            ssize_t k = cu_read_full(fd, buf, sizeof(buf) - 1);
            cs_close(fd);
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
    cs_close(dir);
    return n;
}

/* The parent is gone and the tool runs: stop the tool and everything below
 * it but this guard (one of its children), top down (each stopped before its
 * children are listed), then kill them all. */
static void kill_tool_and_descendants(const struct cu_guard_state *g)
{
    pid_t list[1024], self = cs_getpid();
    int n = 1;
    list[0] = g->tool;
    for (int i = 0; i < n; i++) {
        if (i > 0 && list[i] == self)
            continue;
        int sent = i == 0 ? cs_pidfd_kill(g->pidfd, SIGSTOP) : cs_kill(list[i], SIGSTOP);
        if (sent != 0)
            continue;   /* gone, or not ours */
        for (int spins = 0; spins < 100000; spins++) {
            char s = state_of(list[i]);
            if (s == 'T' || s == 't' || s == 'Z' || s == 'X' || s == 0)
                break;
            cs_yield();
        }
        n = add_children(list[i], list, n, (int)(sizeof(list) / sizeof(list[0])));
    }
    cs_pidfd_kill(g->pidfd, SIGKILL);
    for (int i = 1; i < n; i++)
        if (list[i] != self)
            cs_kill(list[i], SIGKILL);
}

static int guard_main(void *p)
{
    const struct cu_guard_state *g = p;
    /* Only the lifeline and the tool's pidfd stay open, so that every pipe
     * the tool writes to ends when the tool does. */
    int keep[2] = { g->lifeline, g->pidfd };
    cu_close_except(0, keep, 2);
    for (;;) {
        struct pollfd w[2] = { { .fd = g->lifeline, .events = 0 }, { .fd = g->pidfd, .events = POLLIN } };
        int n = cs_poll(w, 2, -1);
        if (n == -EINTR)
            continue;
        if (n < 0)
            cs_exit(1);
        if (w[1].revents || cu_child_ended(g->pidfd) == 1)
            cs_exit(0);   /* H ended (the parent reaps it) */
        if (w[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
            kill_tool_and_descendants(g);
            cs_exit(1);
        }
    }
}

int cu_guard_start(int lifeline, struct cu_guard_mem *mem)
{
    /* pidfd_open(2) came in 5.3: before it nothing can watch the tool
     * safely, and it runs unguarded, as it always did. */
    pid_t self = cs_getpid();
    int pidfd = cs_pidfd_open(self);
    if (pidfd < 0)
        return pidfd;
    struct cu_guard_state *g = &mem->state;
    g->lifeline = lifeline;
    g->pidfd = pidfd;
    g->tool = self;
    pid_t guard = cs_clone(guard_main, mem->stack + sizeof(mem->stack), CU_SHARED_CLONE, g, NULL);
    cs_close(pidfd);   /* G's copy is G's; this one must not reach the tool */
    return guard < 0 ? guard : 0;
}
