// SPDX-License-Identifier: Apache-2.0
/*
 * The child side of the SwiftUnshare library's spawn (see cu_spawn.h and
 * docs/library.md): everything from clone to exec. spawn.c clones; the child
 * goes straight to cu_spawn_child_main().
 *
 * Rule for this whole file: it runs between clone and exec, sharing the
 * memory of a possibly multi-threaded process (CLONE_VM, spawn.c), so it is
 * async-signal-safe and writes nothing of the caller's: the child-side
 * engine (child.h, raw system calls: no errno) on buffers prepared before
 * the clone, which it only reads; it writes only its own stack, the
 * /bin/sh retry slots and the guard's state, both in the spawn's own
 * mapping, and the report pipe. No malloc, no stdio, no locks, no Swift.
 */
#include "child.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Report a failed step and end (1: a set-up step failed). */
__attribute__((noreturn)) static void fail(int fd, int step, int err, int index)
{
    cu_child_fail(fd, step, err, index, 1);
}

void cu_spawn_child_main(const struct cu_spawn_attr *a, int report_w, int release_r, int unshare_flags,
                         struct cu_guard_mem *guard)
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
        cu_close_except(3, keep, n);
    }

    /* 2. Every signal to its default while the mask (set by the parent) is still
     * full, so no handler of the caller's ever runs in this process and no
     * "ignored" crosses exec; then those the program is to start with
     * ignored (a daemon's choice). */
    cu_child_default_signals();
    cu_child_ignore_signals(a->ignored_signals);

    /* 3. Kill on parent death, and make sure the parent did not die before
     * (in a new PID namespace getppid() says 0: the parent is asked through
     * its pidfd). */
    if (a->pdeath_signal) {
        int rc = cu_child_tie_to_parent(a->pdeath_signal, a->parent_pidfd, a->parent_pid);
        if (rc < 0)
            fail(report_w, CU_SPAWN_STEP_PDEATHSIG, -rc, 0);
    }

    /* 4. Maps written from outside: wait for the parent's word. */
    if (release_r >= 0)
        cu_child_await_release(release_r);

    /* 5. Own maps and setgroups, in the order given. */
    for (size_t i = 0; i < a->write_count; i++) {
        const struct cu_spawn_write *w = &a->writes[i];
        int err = 0, failed = cu_child_write_file(AT_FDCWD, w->path, w->text, w->len, &err);
        if (failed == 1 && !(w->ignore_missing && err == ENOENT))
            fail(report_w, CU_SPAWN_STEP_OPEN, err, (int)i);
        if (failed == 2)
            fail(report_w, CU_SPAWN_STEP_WRITE, err, (int)i);
    }

    /* 6. What clone could not create (the time namespace under clone(2)). */
    int rc;
    if (unshare_flags && (rc = cs_unshare(unshare_flags)) < 0)
        fail(report_w, CU_SPAWN_STEP_UNSHARE, -rc, 0);
    if (a->propagation && (rc = cs_mount("none", "/", NULL, a->propagation)) < 0)
        fail(report_w, CU_SPAWN_STEP_PROPAGATION, -rc, 0);

    /* 7. Standard descriptors: copy every source above 2 first, so that any
     * permutation (stdout to 0, stdin to 1) comes out right. */
    int high[3] = { -1, -1, -1 };
    for (int i = 0; i < 3; i++) {
        if (a->stdio[i] < 0)
            continue;
        high[i] = cs_fcntl(a->stdio[i], F_DUPFD_CLOEXEC, 3);
        if (high[i] < 0)
            fail(report_w, CU_SPAWN_STEP_STDIO, -high[i], i);
    }
    for (int i = 0; i < 3; i++) {
        if (high[i] >= 0 && (rc = cs_dup2(high[i], i)) < 0)
            fail(report_w, CU_SPAWN_STEP_STDIO, -rc, i);
    }
    /* 8. Nothing above 2 crosses exec (but with keep_fds); the report pipe
     * stays open until then. */
    if (!a->keep_fds && cs_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        int keep[1] = { report_w };
        cu_close_except(3, keep, 1);
    }

    if (a->workdir && (rc = cs_chdir(a->workdir)) < 0)
        fail(report_w, CU_SPAWN_STEP_CHDIR, -rc, 0);

    /* 9. A session of its own when asked; the mask asked for (empty by
     * default), then exec. */
    if (a->new_session && (rc = cs_setsid()) < 0)
        fail(report_w, CU_SPAWN_STEP_SESSION, -rc, 0);
    cu_child_mask_signals(a->blocked_signals);
    struct cu_exec_job job = {
        .paths = a->paths, .argv = a->argv, .envp = a->envp, .sh_argv = a->no_sh_retry ? NULL : a->sh_argv,
        .report_fd = report_w, .step = CU_SPAWN_STEP_EXEC,
    };
    if (guard)
        (void)cu_guard_start(report_w, guard);   /* the report pipe is the lifeline: only the parent reads it */
    if (!a->idle_name)
        cu_child_exec_or_fail(&job);
    /* idle_name: when no program can be executed, this process itself stays,
     * named, doing nothing but taking signals (with the mask and dispositions
     * set above); its report pipe's end of file tells the parent it has
     * settled. */
    (void)cu_child_exec(&job);
    cs_close(report_w);
    cs_prctl(PR_SET_NAME, (unsigned long)a->idle_name);
    for (;;)
        cs_pause();
}
