// SPDX-License-Identifier: Apache-2.0
/*
 * The helper children swift-unshare forks before unshare(2). They stay in the
 * original namespaces and act on their parent (the "target") from outside
 * once the parent releases them.
 *
 * Everything in a child here runs between fork() and exec()/_exit() and is
 * async-signal-safe: no malloc, no stdio, no Swift. Every buffer it reads was
 * prepared by the Swift side before fork and is passed in a plain struct.
 * Failures go to the parent as {step, errno, index} records on a
 * close-on-exec report pipe; the parent prints util-linux's message.
 *
 * Safety properties of every helper (await_release):
 *  - PR_SET_PDEATHSIG SIGKILL: the helper dies with its parent;
 *  - getppid() == target after that call: the parent did not die before it;
 *  - it acts only on the release byte: EOF on the release pipe (the parent
 *    went away, or gave up) makes it _exit(1) without doing anything.
 * An idmapper (newuidmap/newgidmap) also checks the target's pidfd, just
 * before exec, so that it never names a pid that could have been recycled,
 * and runs under a guard (helper_guard.c): killed, with whatever it started,
 * when swift-unshare dies before it ends.
 */
#define _GNU_SOURCE
#include "CUnshareSys.h"
#include "child_io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(int fd, int step, int err, int index)
{
    struct cu_report r = { .step = step, .err = err, .index = index };
    (void)cu_write_all(fd, (const char *)&r, sizeof(r));
}

/* In the helper, right after fork: see the safety properties above. */
static void await_release(pid_t target, int release_rd)
{
    char byte;
    ssize_t n;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != target)
        _exit(1);
    do {
        n = read(release_rd, &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1)
        _exit(1);
    close(release_rd);
}

/*
 * execvp(3)'s PATH rules over candidates prepared before fork: skip
 * ENOENT/ENOTDIR-like failures, remember EACCES, stop at any other error.
 */
static int exec_candidates(char *const *paths, char *const *argv, char *const *envp)
{
    int got_eacces = 0, last = ENOENT;
    for (; *paths; paths++) {
        execve(*paths, argv, envp);
        if (!cu_exec_try_next(errno, &got_eacces))
            return errno;
        last = errno;
    }
    return got_eacces ? EACCES : last;
}

static void write_map(int dirfd, const char *name, const char *text, size_t len,
                      int report_fd, int open_step)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        report(report_fd, open_step, errno, 0);
        _exit(1);
    }
    if (cu_write_all(fd, text, len) != 0) {
        report(report_fd, open_step + 1, errno, 0);
        _exit(1);
    }
    close(fd);
}

/* Root: write both map files through the /proc/<target> directory fd. */
static void run_map_writer(const void *arg, int report_fd)
{
    const struct cu_map_writer *h = arg;
    if (h->uid_text)
        write_map(h->proc_dirfd, "uid_map", h->uid_text, h->uid_len, report_fd, CU_STEP_OPEN_UID_MAP);
    if (h->gid_text)
        write_map(h->proc_dirfd, "gid_map", h->gid_text, h->gid_len, report_fd, CU_STEP_OPEN_GID_MAP);
    _exit(0);
}

/*
 * One newuidmap or newgidmap. newuidmap names the target by pid (shadow 4.13
 * has no pidfd form), so the child checks through the target's pidfd, just
 * before exec, that the target is still alive: its pid cannot have been
 * recycled up to that point. The target itself is blocked waiting for this
 * helper, so only a kill from outside could end it in the microseconds between
 * the check and newuidmap's own open of /proc/<pid>; newuidmap then also
 * checks that the process found there belongs to the calling user.
 */
struct idmapper_exec {
    const struct cu_idmapper *h;
    int report_fd;
};

/* The tool itself, in the guard's child. */
static void exec_idmapper(void *arg)
{
    const struct idmapper_exec *x = arg;
    int err = exec_candidates(x->h->paths, x->h->argv, x->h->envp);
    report(x->report_fd, x->h->step, err, 0);
    _exit(err == ENOENT ? 127 : 126);
}

static void run_idmapper(const void *arg, int report_fd)
{
    const struct cu_idmapper *h = arg;
    if (h->target_pidfd >= 0) {
        struct pollfd p = { .fd = h->target_pidfd, .events = POLLIN };
        if (poll(&p, 1, 0) != 0)
            _exit(1);   /* ended (or cannot tell): name no pid */
    }
    /* The report pipe is the lifeline: its read end is the parent's alone
     * until cu_wait_helper. */
    struct idmapper_exec x = { h, report_fd };
    cu_guard_helper(report_fd, exec_idmapper, &x);
}

static void run_bind_helper(const void *arg, int report_fd)
{
    const struct cu_bind_helper *h = arg;
    for (size_t i = 0; i < h->count; i++) {
        if (mount(h->sources[i], h->targets[i], NULL, MS_BIND, NULL) != 0) {
            report(report_fd, CU_STEP_BIND, errno, (int)i);
            _exit(1);
        }
    }
    _exit(0);
}

static void close_pair(int p[2])
{
    if (p[0] >= 0) close(p[0]);
    if (p[1] >= 0) close(p[1]);
}

/*
 * Fork a helper; in the child, wait for release and run `body`. With
 * hold_stderr, the child's stderr is the write end of a pipe whose read end
 * is out->stderr_fd (else -1). close_fd and close_fd2 (if >= 0) are closed
 * in the child: a sibling helper's release and report ends, so that only the
 * parent can release it and only the parent holds its lifeline.
 */
static int spawn(pid_t target, int hold_stderr, int close_fd, int close_fd2, struct cu_helper_handle *out,
                 void (*body)(const void *, int), const void *arg)
{
    int release[2] = { -1, -1 }, rep[2] = { -1, -1 }, err[2] = { -1, -1 };
    if (pipe2(release, O_CLOEXEC) != 0 || pipe2(rep, O_CLOEXEC) != 0
        || (hold_stderr && pipe2(err, O_CLOEXEC) != 0)) {
        int e = errno;
        close_pair(release); close_pair(rep); close_pair(err);
        errno = e;
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close_pair(release); close_pair(rep); close_pair(err);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        close(release[1]);
        close(rep[0]);
        if (close_fd >= 0)
            close(close_fd);
        if (close_fd2 >= 0)
            close(close_fd2);
        if (hold_stderr) {
            close(err[0]);
            if (dup2(err[1], 2) < 0)   /* dup2 clears close-on-exec on fd 2 */
                _exit(1);
            close(err[1]);
        }
        await_release(target, release[0]);
        body(arg, rep[1]);
        _exit(0);
    }
    close(release[0]);
    close(rep[1]);
    if (hold_stderr)
        close(err[1]);
    out->pid = pid;
    out->release_fd = release[1];
    out->report_fd = rep[0];
    out->stderr_fd = hold_stderr ? err[0] : -1;
    return 0;
}

int cu_spawn_map_writer(const struct cu_map_writer *h, struct cu_helper_handle *out)
{
    return spawn(h->target, 0, -1, -1, out, run_map_writer, h);
}

int cu_spawn_idmapper(const struct cu_idmapper *h, struct cu_helper_handle *out)
{
    return spawn(h->target, h->hold_stderr, h->close_fd, -1, out, run_idmapper, h);
}

int cu_spawn_idmappers(struct cu_idmapper *list, size_t n, struct cu_helper_handle *out)
{
    for (size_t i = 0; i < n; i++) {
        int report_of_first = -1;
        if (i > 0) {
            list[i].hold_stderr = 1;
            list[i].close_fd = out[0].release_fd;
            report_of_first = out[0].report_fd;
        }
        if (spawn(list[i].target, list[i].hold_stderr, list[i].close_fd, report_of_first, &out[i],
                  run_idmapper, &list[i]) != 0)
            return -1;
    }
    return 0;
}

int cu_spawn_bind_helper(const struct cu_bind_helper *h, struct cu_helper_handle *out)
{
    return spawn(h->target, 0, -1, -1, out, run_bind_helper, h);
}

/* In the parent (ordinary code from here on). */

int cu_release_helper(struct cu_helper_handle *h)
{
    char byte = 1;
    int rc = cu_write_all(h->release_fd, &byte, 1);
    int e = errno;
    close(h->release_fd);
    h->release_fd = -1;
    errno = e;
    return rc;
}

/* One record of the report pipe: a failure goes to rep (the first one), the
 * guard's naming of the tool's process to *tool. */
static void take_record(const struct cu_report *r, struct cu_report *rep, pid_t *tool)
{
    if (r->step == CU_GUARD_PID_STEP)
        *tool = (pid_t)r->err;
    else if (rep->step == CU_STEP_NONE)
        *rep = *r;
}

int cu_wait_helper(struct cu_helper_handle *h, int *status, struct cu_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    /* A guarded idmapper names the process that runs the tool, a child of
     * ours (helper_guard.c): its end is the helper's. An exec failure of the
     * tool comes before that record (the tool fails inside the vfork). */
    struct cu_report r;
    pid_t tool = 0;
    if (cu_read_full(h->report_fd, &r, sizeof(r)) == (ssize_t)sizeof(r))
        take_record(&r, rep, &tool);
    int helper_status = 0;
    if (cu_wait_retry(h->pid, &helper_status) < 0)
        return -1;
    /* Whatever the helper wrote is there now; a guard may still hold the
     * pipe open, so read without waiting. */
    int flags = fcntl(h->report_fd, F_GETFL);
    if (flags >= 0 && fcntl(h->report_fd, F_SETFL, flags | O_NONBLOCK) == 0) {
        for (int i = 0; i < 2 && read(h->report_fd, &r, sizeof(r)) == (ssize_t)sizeof(r); i++)
            take_record(&r, rep, &tool);
    }
    *status = helper_status;
    if (tool && cu_wait_retry(tool, status) < 0)
        return -1;
    close(h->report_fd);
    h->report_fd = -1;
    return 0;
}
