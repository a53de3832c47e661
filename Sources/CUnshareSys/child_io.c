// SPDX-License-Identifier: Apache-2.0
/*
 * The shared child-side pieces declared in child_io.h: async-signal-safe
 * only (raw system calls, no allocation, no locks).
 */
#define _GNU_SOURCE
#include "child_io.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int cu_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

ssize_t cu_read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

pid_t cu_wait_retry(pid_t pid, int *status)
{
    pid_t r;
    do {
        r = waitpid(pid, status, 0);
    } while (r < 0 && errno == EINTR);
    return r;
}

void cu_close_span(unsigned int from, unsigned int to)
{
    if (from > to)
        return;
    if (syscall(SYS_close_range, from, to, 0) == 0)
        return;
    struct rlimit rl;
    unsigned int max = 65536;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max)
        max = (unsigned int)rl.rlim_cur;
    for (unsigned int fd = from; fd <= to && fd < max; fd++)
        close((int)fd);
}

void cu_default_all_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (int s = 1; s < NSIG; s++) {
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &sa, NULL);
    }
    /* glibc refuses its own two real-time signals (32, 33) in sigaction(3);
       an inherited SIG_IGN on them is reset with the raw system call. */
    struct { void (*handler)(int); unsigned long flags; void (*restorer)(void); unsigned long mask; } k;
    memset(&k, 0, sizeof(k));
    k.handler = SIG_DFL;
    for (int s = 32; s < SIGRTMIN; s++)
        syscall(SYS_rt_sigaction, s, &k, NULL, sizeof(k.mask));
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

int cu_exec_try_next(int err, int *got_eacces)
{
    switch (err) {
    case EACCES:
        *got_eacces = 1;
        return 1;
    case ENOENT: case ESTALE: case ENOTDIR: case ENODEV: case ETIMEDOUT:
        return 1;
    default:
        return 0;
    }
}
