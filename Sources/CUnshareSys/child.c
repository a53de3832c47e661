// SPDX-License-Identifier: Apache-2.0
/*
 * The child-side engine declared in child.h: the steps the CLI's helpers,
 * the library's child and podman mode's children share, each once.
 * Async-signal-safe only: every system call through child_sys.h, no
 * allocation, no locks, no errno. The last section is the other end, run in
 * the parent: reading the records and waiting.
 */
#include "child.h"

#include <sys/wait.h>

/* glibc's own signals (SIGCANCEL 32, SIGSETXID 33): glibc's sigaction(3) and
 * sigprocmask(3) refuse to ignore or block them, and so does this child. */
#define GLIBC_INTERNAL_SIGNALS ((1ULL << (32 - 1)) | (1ULL << (33 - 1)))
#define SIGNAL_BIT(s) (1ULL << ((s) - 1))

/* ---- Records on the report pipe ----------------------------------------- */

void cu_child_report(int fd, int step, int err, int index)
{
    struct cu_report r = { .step = step, .err = err, .index = index };
    (void)cu_write_all(fd, &r, sizeof(r));
}

void cu_child_fail(int fd, int step, int err, int index, int code)
{
    cu_child_report(fd, step, err, index);
    cs_exit(code);
}

/* ---- Reading and writing ------------------------------------------------ */

int cu_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        long n = cs_write(fd, p, len);
        if (n == -EINTR)
            continue;
        if (n < 0)
            return (int)n;
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
        long n = cs_read(fd, p + got, len - got);
        if (n == -EINTR)
            continue;
        if (n < 0 && got == 0)
            return n;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int cu_child_write_file(int dir, const char *path, const char *text, size_t len, int *err)
{
    int fd = cs_openat(dir, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *err = -fd;
        return 1;
    }
    int rc = cu_write_all(fd, text, len);
    cs_close(fd);
    if (rc < 0) {
        *err = -rc;
        return 2;
    }
    return 0;
}

/* ---- Tied to the parent ------------------------------------------------- */

int cu_child_tie_to_parent(int signo, int parent_pidfd, pid_t parent_pid)
{
    int rc = cs_prctl(PR_SET_PDEATHSIG, (unsigned long)signo);
    if (rc < 0)
        return rc;
    if (parent_pidfd >= 0) {
        if (cu_child_ended(parent_pidfd) != 0)
            cs_exit(1);   /* ended, or cannot tell: do nothing for it */
    } else {
        pid_t parent = cs_getppid();
        if (parent != 0 && parent != parent_pid)
            cs_exit(1);
    }
    return 0;
}

void cu_child_await_release(int fd)
{
    char byte = 0;
    long n;
    do {
        n = cs_read(fd, &byte, 1);
    } while (n == -EINTR);
    if (n != 1 || byte != 1)
        cs_exit(1);   /* the parent gave up (and reports why), or is gone */
    cs_close(fd);
}

int cu_child_ended(int pidfd)
{
    struct pollfd p = { .fd = pidfd, .events = POLLIN };
    int n = cs_poll(&p, 1, 0);
    return n < 0 ? n : n > 0;
}

/* ---- Descriptors -------------------------------------------------------- */

void cu_close_span(unsigned int from, unsigned int to)
{
    if (from > to)
        return;
    if (cs_close_range(from, to, 0) == 0)
        return;
    struct rlimit rl;
    unsigned int max = 65536;
    if (cs_fd_limit(&rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max)
        max = (unsigned int)rl.rlim_cur;
    for (unsigned int fd = from; fd <= to && fd < max; fd++)
        cs_close((int)fd);
}

void cu_close_except(unsigned int from, int *keep, int n)
{
    for (int i = 1; i < n; i++) {          /* insertion sort: n is a handful */
        int v = keep[i], j = i - 1;
        while (j >= 0 && keep[j] > v) {
            keep[j + 1] = keep[j];
            j--;
        }
        keep[j + 1] = v;
    }
    for (int i = 0; i < n; i++) {
        if (keep[i] < 0 || (unsigned int)keep[i] < from)
            continue;
        if ((unsigned int)keep[i] > from)
            cu_close_span(from, (unsigned int)keep[i] - 1);
        from = (unsigned int)keep[i] + 1;
    }
    cu_close_span(from, ~0U);
}

/* ---- Signals ------------------------------------------------------------ */

void cu_child_default_signals(void)
{
    for (int sig = 1; sig <= 64; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            cs_sigaction(sig, SIG_DFL);
}

void cu_child_ignore_signals(uint64_t set)
{
    set &= ~(GLIBC_INTERNAL_SIGNALS | SIGNAL_BIT(SIGKILL) | SIGNAL_BIT(SIGSTOP));
    for (int sig = 1; sig <= 64; sig++)
        if (set & SIGNAL_BIT(sig))
            cs_sigaction(sig, SIG_IGN);
}

void cu_child_mask_signals(uint64_t set)
{
    cs_sigmask(set & ~GLIBC_INTERNAL_SIGNALS);
}

/* ---- Exec --------------------------------------------------------------- */

int cu_child_exec(const struct cu_exec_job *job)
{
    char *const *argv = job->argv;
    int got_eacces = 0, last = ENOENT;
    size_t argc = 0;
    while (argv[argc])
        argc++;
    for (char *const *p = job->paths; *p; p++) {
        int err = -cs_execve(*p, argv, job->envp);
        if (err == ENOEXEC && job->sh_argv && argc > 0) {
            job->sh_argv[0] = (char *)"/bin/sh";
            job->sh_argv[1] = *p;
            for (size_t i = 1; i <= argc; i++)
                job->sh_argv[i + 1] = argv[i];   /* copies the final NULL too */
            err = -cs_execve("/bin/sh", job->sh_argv, job->envp);
        }
        switch (err) {
        case EACCES:
            got_eacces = 1;
            __attribute__((fallthrough));
        case ENOENT: case ESTALE: case ENOTDIR: case ENODEV: case ETIMEDOUT:
            last = err;
            continue;
        default:
            return err;
        }
    }
    return got_eacces ? EACCES : last;
}

void cu_child_exec_or_fail(const struct cu_exec_job *job)
{
    int err = cu_child_exec(job);
    cu_child_fail(job->report_fd, job->step, err, 0, cu_exec_status(err));
}

/* ---- The other end, in the parent: ordinary code, -1 and errno ---------- */

int cu_read_reports(int fd, int max, struct cu_report *failure)
{
    for (int i = 0; max < 0 || i < max; i++) {
        struct cu_report r;
        ssize_t n = cu_read_full(fd, &r, sizeof(r));
        if (n == -EAGAIN)
            break;   /* nothing waiting on a non-blocking pipe */
        if (n < 0) {
            errno = (int)-n;
            return -1;
        }
        if (n != (ssize_t)sizeof(r))
            break;   /* end of file */
        if (failure->step == 0)
            *failure = r;
    }
    return failure->step != 0;
}

pid_t cu_wait_retry(pid_t pid, int *status)
{
    pid_t r;
    do {
        r = waitpid(pid, status, 0);
    } while (r < 0 && errno == EINTR);
    return r;
}

void cu_close_quietly(int *fd)
{
    int e = errno;
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
    errno = e;
}

void cu_close_pair(int p[2])
{
    cu_close_quietly(&p[0]);
    cu_close_quietly(&p[1]);
}
