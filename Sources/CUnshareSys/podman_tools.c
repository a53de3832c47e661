// SPDX-License-Identifier: Apache-2.0
/*
 * podman mode's children (see cu_pause.h). Everything after fork() here is
 * async-signal-safe: no malloc, no stdio, only buffers prepared before fork.
 * This file: newuidmap/newgidmap and other programs run with their output
 * captured, as podman runs them.
 */
#define _GNU_SOURCE
#include "cu_pause.h"
#include "child_io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/* ------------------------------------------------------------------------- */
/* Programs run with their output captured                                   */

/* Forks and execs path with stdout and stderr on out_fd; the exec errno goes
   on a close-on-exec pipe. Returns the pid (or -1) and sets *exec_err. */
static pid_t start_captured(const char *path, char *const *argv, char *const *envp,
                            int devnull, int out_fd, int *exec_err)
{
    int errpipe[2];
    *exec_err = 0;
    if (pipe2(errpipe, O_CLOEXEC) != 0) {
        *exec_err = errno;
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(errpipe[0]);
        cu_default_all_signals();
        dup2(devnull, 0);
        dup2(out_fd, 1);
        dup2(out_fd, 2);
        execve(path, argv, envp);
        int e = errno;
        cu_write_all(errpipe[1], &e, sizeof(e));
        _exit(127);
    }
    close(errpipe[1]);
    if (pid < 0) {
        *exec_err = errno;
        close(errpipe[0]);
        return -1;
    }
    int e;
    if (cu_read_full(errpipe[0], &e, sizeof(e)) == (ssize_t)sizeof(e))
        *exec_err = e;
    close(errpipe[0]);
    return pid;
}

/* Reads fd to its end, keeping the first `size` bytes. */
static size_t drain(int fd, char *buf, size_t size)
{
    size_t kept = 0;
    char scratch[512];
    for (;;) {
        char *dst = kept < size ? buf + kept : scratch;
        size_t room = kept < size ? size - kept : sizeof(scratch);
        ssize_t n = read(fd, dst, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (dst != scratch)
            kept += (size_t)n;
    }
    return kept;
}

int cu_run_captured(const char *path, char *const *argv, char *const *envp, int devnull,
                    char *buf, size_t size, struct cu_captured *out)
{
    int outpipe[2];
    int exec_err;
    memset(out, 0, sizeof(*out));
    if (pipe2(outpipe, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = start_captured(path, argv, envp, devnull, outpipe[1], &exec_err);
    close(outpipe[1]);
    out->length = drain(outpipe[0], buf, size);
    close(outpipe[0]);
    if (pid < 0) {
        out->exec_err = exec_err;
        return 0;
    }
    int status = 0;
    if (cu_wait_retry(pid, &status) < 0)
        return -1;
    out->exec_err = exec_err;
    out->status = status;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* The map runner                                                             */

static char map_output[65536];

static void run_map_tools(const struct cu_map_runner *r, int report_fd)
{
    const struct cu_map_tool *tools[2] = { &r->uid, &r->gid };
    for (int i = 0; i < 2; i++) {
        if (!tools[i]->path || !tools[i]->argv)
            continue;
        if (r->target_pidfd >= 0) {
            struct pollfd p = { .fd = r->target_pidfd, .events = POLLIN };
            if (poll(&p, 1, 0) != 0)
                _exit(1);   /* the target ended: name no pid */
        }
        struct cu_captured c;
        if (cu_run_captured(tools[i]->path, tools[i]->argv, r->envp, r->devnull,
                            map_output, sizeof(map_output), &c) != 0) {
            c.exec_err = errno;
            c.length = 0;
        }
        cu_write_all(report_fd, &c, sizeof(c));
        cu_write_all(report_fd, map_output, c.length);
        if (c.exec_err != 0 || c.status != 0)
            _exit(1);
    }
    _exit(0);
}

int cu_spawn_map_runner(const struct cu_map_runner *r, struct cu_runner_handle *out)
{
    int release[2], rep[2];
    if (pipe2(release, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(rep, O_CLOEXEC) != 0) {
        int e = errno;
        close(release[0]);
        close(release[1]);
        errno = e;
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(release[0]); close(release[1]); close(rep[0]); close(rep[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        char byte;
        ssize_t n;
        close(release[1]);
        close(rep[0]);
        /* Die with the target; make sure it is still our parent. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != r->target)
            _exit(1);
        do {
            n = read(release[0], &byte, 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1)
            _exit(1);
        close(release[0]);
        run_map_tools(r, rep[1]);
    }
    close(release[0]);
    close(rep[1]);
    out->pid = pid;
    out->release_fd = release[1];
    out->report_fd = rep[0];
    return 0;
}

int cu_release_map_runner(struct cu_runner_handle *h)
{
    char byte = 1;
    int rc = cu_write_all(h->release_fd, &byte, 1);
    close(h->release_fd);
    h->release_fd = -1;
    return rc;
}

