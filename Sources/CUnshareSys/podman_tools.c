// SPDX-License-Identifier: Apache-2.0
/*
 * podman mode's children (see cu_podman.h). Everything after fork() here is
 * async-signal-safe: no malloc, no stdio, only buffers prepared before fork.
 * This file: programs run with their output captured, as podman runs them
 * (slirp4netns --help).
 */
#define _GNU_SOURCE
#include "cu_podman.h"
#include "child_io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
