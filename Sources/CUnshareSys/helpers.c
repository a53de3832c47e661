// SPDX-License-Identifier: Apache-2.0
/*
 * The helper children swift-unshare forks before unshare(2), from the
 * parent's side: the pipes, the fork, the release byte and the wait.
 * Ordinary code in the parent; from the fork on, the child runs
 * cu_helper_child_main() (child_helpers.c).
 */
#include "child.h"

#include <string.h>
#include <sys/wait.h>

/*
 * Fork a helper of this kind; the child waits for release and acts on arg.
 * With hold_stderr, the child's stderr is the write end of a pipe whose read
 * end is out->stderr_fd (else -1). sibling_fds (-1: none) are closed in the
 * child: a sibling helper's release and report ends, so that only the parent
 * can release it and only the parent holds its lifeline. 0 or -1/errno.
 */
static int spawn(enum cu_helper_kind kind, const void *arg, pid_t target, int hold_stderr, int sibling_release,
                 int sibling_report, struct cu_helper_handle *out)
{
    int release[2] = { -1, -1 }, rep[2] = { -1, -1 }, err[2] = { -1, -1 };
    pid_t pid = -1;
    if (pipe2(release, O_CLOEXEC) == 0 && pipe2(rep, O_CLOEXEC) == 0
        && (!hold_stderr || pipe2(err, O_CLOEXEC) == 0))
        pid = fork();
    if (pid < 0) {
        cu_close_pair(release);
        cu_close_pair(rep);
        cu_close_pair(err);
        return -1;
    }
    if (pid == 0) {
        struct cu_helper_child c = {
            .kind = kind, .arg = arg, .target = target,
            .release_r = release[0], .report_w = rep[1], .stderr_w = err[1],
            .parent_fds = { release[1], rep[0], err[0], sibling_release, sibling_report },
        };
        cu_helper_child_main(&c);
    }
    close(release[0]);
    close(rep[1]);
    if (err[1] >= 0)
        close(err[1]);
    out->pid = pid;
    out->release_fd = release[1];
    out->report_fd = rep[0];
    out->stderr_fd = err[0];
    return 0;
}

int cu_spawn_map_writer(const struct cu_map_writer *h, struct cu_helper_handle *out)
{
    return spawn(CU_HELPER_MAP_WRITER, h, h->target, 0, -1, -1, out);
}

int cu_spawn_idmapper(const struct cu_idmapper *h, struct cu_helper_handle *out)
{
    return spawn(CU_HELPER_IDMAPPER, h, h->target, h->hold_stderr, h->close_fd, -1, out);
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
        if (spawn(CU_HELPER_IDMAPPER, &list[i], list[i].target, list[i].hold_stderr, list[i].close_fd,
                  report_of_first, &out[i]) != 0)
            return -1;
    }
    return 0;
}

int cu_spawn_bind_helper(const struct cu_bind_helper *h, struct cu_helper_handle *out)
{
    return spawn(CU_HELPER_BIND, h, h->target, 0, -1, -1, out);
}

int cu_release_helper(struct cu_helper_handle *h)
{
    char byte = 1;
    int rc = cu_write_all(h->release_fd, &byte, 1);
    cu_close_quietly(&h->release_fd);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

int cu_wait_helper(struct cu_helper_handle *h, int *status, struct cu_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    /* A guarded idmapper names the process that runs the tool, a child of
     * ours (child_guard.c): its end is the helper's. An exec failure of the
     * tool comes before that record (the tool fails inside the vfork). */
    pid_t tool = 0;
    (void)cu_read_reports(h->report_fd, 1, rep, &tool);
    int helper_status = 0;
    if (cu_wait_retry(h->pid, &helper_status) < 0)
        return -1;
    /* Whatever the helper wrote is there now; a guard may still hold the
     * pipe open, so read without waiting. */
    int flags = fcntl(h->report_fd, F_GETFL);
    if (flags >= 0 && fcntl(h->report_fd, F_SETFL, flags | O_NONBLOCK) == 0)
        (void)cu_read_reports(h->report_fd, 2, rep, &tool);
    *status = helper_status;
    if (tool && cu_wait_retry(tool, status) < 0)
        return -1;
    cu_close_quietly(&h->report_fd);
    return 0;
}
