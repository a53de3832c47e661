// SPDX-License-Identifier: Apache-2.0
/*
 * podman mode's children (see cu_podman.h). Everything after fork() here runs
 * through the child-side engine (child.h): async-signal-safe, only buffers
 * prepared before fork.
 * This file: programs run with their output captured, as podman runs them
 * (slirp4netns --help).
 */
#include "child.h"

#include <string.h>
#include <sys/wait.h>

/* ------------------------------------------------------------------------- */
/* Programs run with their output captured                                   */

/* Forks and execs path with stdout and stderr on out_fd; an exec failure
   comes back as a record on a close-on-exec pipe. Returns the pid (or -1)
   and sets *exec_err. */
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
        cs_close(errpipe[0]);
        cu_child_default_signals();
        cu_child_mask_signals(0);
        cs_dup2(devnull, 0);
        cs_dup2(out_fd, 1);
        cs_dup2(out_fd, 2);
        cu_child_fail(errpipe[1], CU_SPAWN_STEP_EXEC, -cs_execve(path, argv, envp), 0, 127);
    }
    close(errpipe[1]);
    if (pid < 0) {
        *exec_err = errno;
        close(errpipe[0]);
        return -1;
    }
    struct cu_report failure = { 0 };
    if (cu_read_reports(errpipe[0], 1, &failure) == 1)
        *exec_err = failure.err;
    close(errpipe[0]);
    return pid;
}

/* Reads fd to its end, keeping the first `size` bytes. */
static size_t drain(int fd, char *buf, size_t size)
{
    ssize_t kept = cu_read_full(fd, buf, size);
    char scratch[512];
    if (kept == (ssize_t)size)   /* less: the end came */
        while (cu_read_full(fd, scratch, sizeof(scratch)) == (ssize_t)sizeof(scratch))
            continue;
    return kept > 0 ? (size_t)kept : 0;
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
