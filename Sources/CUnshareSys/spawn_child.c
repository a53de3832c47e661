// SPDX-License-Identifier: Apache-2.0
/*
 * The child side of the SwiftUnshare library's spawn (see cu_spawn.h and
 * docs/library.md): everything from clone to exec.
 *
 * Rule for this whole file: it runs between clone and exec in a copy of a
 * possibly multi-threaded process, so it is async-signal-safe: raw system
 * calls on buffers prepared before the clone, no malloc, no stdio, no locks,
 * no Swift.
 */
#define _GNU_SOURCE
#include "spawn_child.h"
#include "child_io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The kernel's struct sigaction on x86_64 and arm64 (both have sa_restorer). */
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static void write_record(int fd, int step, int err, int index)
{
    struct cu_spawn_report r = { .step = step, .err = err, .index = index };
    ssize_t n;
    do {
        n = write(fd, &r, sizeof(r));
    } while (n < 0 && errno == EINTR);
}

/* Report a failed step and end; exec failures end as a shell would (127/126). */
static void __attribute__((noreturn)) fail(int fd, int step, int err, int index)
{
    write_record(fd, step, err, index);
    _exit(step == CU_SPAWN_STEP_EXEC ? (err == ENOENT ? 127 : 126) : 1);
}

/* Close every descriptor from 3 up except those in keep[] (the pipes of this
 * spawn and the caller's stdio sources): whatever another thread had open at
 * the moment of the clone is gone at once, so its pipes see end of file. */
static void close_others(int *keep, int n)
{
    for (int i = 1; i < n; i++) {          /* insertion sort, n <= 6 */
        int v = keep[i], j = i - 1;
        while (j >= 0 && keep[j] > v) {
            keep[j + 1] = keep[j];
            j--;
        }
        keep[j + 1] = v;
    }
    unsigned int from = 3;
    for (int i = 0; i < n; i++) {
        if (keep[i] < (int)from)
            continue;
        cu_close_span(from, (unsigned int)keep[i] - 1);
        from = (unsigned int)keep[i] + 1;
    }
    cu_close_span(from, ~0U);
}

/* execvp(3)'s rules over the prepared candidates: go on past ENOENT-like
 * failures, remember EACCES, retry a file without #! through /bin/sh, stop at
 * any other error. Returns the errno to report. */
static int exec_candidates(const struct cu_spawn_attr *a)
{
    int got_eacces = 0, last = ENOENT;
    size_t argc = 0;
    while (a->argv[argc])
        argc++;
    for (char *const *p = a->paths; *p; p++) {
        execve(*p, a->argv, a->envp);
        if (errno == ENOEXEC && !a->no_sh_retry) {
            a->sh_argv[0] = (char *)"/bin/sh";
            a->sh_argv[1] = *p;
            for (size_t i = 1; i <= argc; i++)
                a->sh_argv[i + 1] = a->argv[i];   /* copies the final NULL too */
            execve("/bin/sh", a->sh_argv, a->envp);
        }
        if (!cu_exec_try_next(errno, &got_eacces))
            return errno;
        last = errno;
    }
    return got_eacces ? EACCES : last;
}

struct exec_args {
    const struct cu_spawn_attr *a;
    int report_w;
};

/* The program itself, in the guard's child (guard_helper). */
static void exec_guarded(void *arg)
{
    const struct exec_args *x = arg;
    fail(x->report_w, CU_SPAWN_STEP_EXEC, exec_candidates(x->a), 0);
}

void cu_spawn_child_main(const struct cu_spawn_attr *a, int report_w, int release_r, int unshare_flags)
{
    /* 1. Only this spawn's descriptors survive the clone (unless the caller,
     * single-threaded, passes its own on: keep_fds). */
    if (!a->keep_fds) {
        int keep[6], n = 0;
        keep[n++] = report_w;
        if (release_r >= 0)
            keep[n++] = release_r;
        if (a->parent_pidfd >= 0)
            keep[n++] = a->parent_pidfd;
        for (int i = 0; i < 3; i++)
            if (a->stdio[i] >= 3)
                keep[n++] = a->stdio[i];
        close_others(keep, n);
    }

    /* 2. Every signal to its default while the mask (set by the parent) is still
     * full, so no handler of the caller's ever runs in this process and no
     * "ignored" crosses exec. glibc refuses its two internal signals (32, 33):
     * those go through the system call itself. */
    for (int sig = 1; sig < _NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_DFL;
        if (sigaction(sig, &sa, NULL) != 0 && errno == EINVAL) {
            struct kernel_sigaction ksa;
            memset(&ksa, 0, sizeof(ksa));
            ksa.handler = SIG_DFL;
            syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
        }
    }

    /* 2b. Signals the program is to start with ignored (a daemon's choice). */
    for (int sig = 1; sig <= 64 && sig < _NSIG; sig++) {
        if (!(a->ignored_signals & (1ULL << (sig - 1))) || sig == SIGKILL || sig == SIGSTOP)
            continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_IGN;
        sigaction(sig, &sa, NULL);
    }

    /* 3. Kill on parent death; then make sure the parent did not die before
     * prctl (the signal would never come). In a new PID namespace getppid()
     * says 0, so the parent is asked through its pidfd. */
    if (a->pdeath_signal) {
        if (prctl(PR_SET_PDEATHSIG, a->pdeath_signal, 0, 0, 0) != 0)
            fail(report_w, CU_SPAWN_STEP_PDEATHSIG, errno, 0);
        if (a->parent_pidfd >= 0) {
            struct pollfd p = { .fd = a->parent_pidfd, .events = POLLIN };
            if (poll(&p, 1, 0) != 0)
                _exit(1);
        } else {
            pid_t parent = getppid();   /* 0 in a new PID namespace: cannot tell */
            if (parent != 0 && parent != a->parent_pid)
                _exit(1);
        }
    }

    /* 4. Maps written from outside: wait for the parent's word. */
    if (release_r >= 0) {
        char go = 0;
        ssize_t got;
        do {
            got = read(release_r, &go, 1);
        } while (got < 0 && errno == EINTR);
        if (got != 1 || go != 1)
            _exit(1);   /* the parent gave up and reports why */
        close(release_r);
    }

    /* 5. Own maps and setgroups, in the order given. */
    for (size_t i = 0; i < a->write_count; i++) {
        const struct cu_spawn_write *w = &a->writes[i];
        int fd = open(w->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            if (w->ignore_missing && errno == ENOENT)
                continue;
            fail(report_w, CU_SPAWN_STEP_OPEN, errno, (int)i);
        }
        if (cu_write_all(fd, w->text, w->len) != 0)
            fail(report_w, CU_SPAWN_STEP_WRITE, errno, (int)i);
        close(fd);
    }

    /* 6. What clone could not create (the time namespace under clone(2)). */
    if (unshare_flags && unshare(unshare_flags) != 0)
        fail(report_w, CU_SPAWN_STEP_UNSHARE, errno, 0);
    if (a->propagation && mount("none", "/", NULL, a->propagation, NULL) != 0)
        fail(report_w, CU_SPAWN_STEP_PROPAGATION, errno, 0);

    /* 7. Standard descriptors: copy every source above 2 first, so that any
     * permutation (stdout to 0, stdin to 1) comes out right. */
    int high[3] = { -1, -1, -1 };
    for (int i = 0; i < 3; i++) {
        if (a->stdio[i] < 0)
            continue;
        high[i] = fcntl(a->stdio[i], F_DUPFD_CLOEXEC, 3);
        if (high[i] < 0)
            fail(report_w, CU_SPAWN_STEP_STDIO, errno, i);
    }
    for (int i = 0; i < 3; i++) {
        if (high[i] >= 0 && dup2(high[i], i) < 0)
            fail(report_w, CU_SPAWN_STEP_STDIO, errno, i);
    }
    /* 8. Nothing above 2 crosses exec (but with keep_fds); the report pipe
     * stays open until then. */
    if (!a->keep_fds && syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        if (report_w > 3)
            cu_close_span(3, (unsigned int)report_w - 1);
        cu_close_span((unsigned int)report_w + 1, ~0U);
    }

    if (a->workdir && chdir(a->workdir) != 0)
        fail(report_w, CU_SPAWN_STEP_CHDIR, errno, 0);

    /* 9. A session of its own when asked; the mask asked for (empty by
     * default), then exec. */
    if (a->new_session && setsid() < 0)
        fail(report_w, CU_SPAWN_STEP_SESSION, errno, 0);
    sigset_t mask;
    sigemptyset(&mask);
    for (int sig = 1; sig <= 64 && sig < _NSIG; sig++)
        if (a->blocked_signals & (1ULL << (sig - 1)))
            sigaddset(&mask, sig);
    sigprocmask(SIG_SETMASK, &mask, NULL);
    if (a->guard_helper) {
        /* The report pipe is the lifeline: only the parent reads it. */
        struct exec_args x = { a, report_w };
        cu_guard_helper(report_w, exec_guarded, &x);
    }
    int err = exec_candidates(a);
    if (a->idle_name) {
        /* No program: this process itself stays, named, doing nothing but
         * taking signals (with the mask and dispositions set above); its
         * report pipe's end of file tells the parent it has settled. */
        close(report_w);
        prctl(PR_SET_NAME, a->idle_name, 0, 0, 0);
        for (;;)
            pause();
    }
    fail(report_w, CU_SPAWN_STEP_EXEC, err, 0);
}
