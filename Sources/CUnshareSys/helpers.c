// SPDX-License-Identifier: Apache-2.0
/*
 * The helper children swift-unshare starts before unshare(2), from the
 * parent's side: the pipes, the clone, the release byte and the wait.
 * Ordinary code in the parent; from the clone on, the child runs
 * cu_helper_child_main() (child_helpers.c).
 */
#include "child.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

/*
 * What a helper reads and writes while it shares this process's memory
 * (CLONE_VM), in a mapping of its own made before the clone: a guard page,
 * its stack, then this box: a copy of the structs it reads (the caller's may
 * be gone by the time it is released), the signal mask to restore, and its
 * guard's memory (child_guard.c). The mapping is never unmapped: a guard may
 * outlive this process's exec, and goes on in this memory alone then.
 */
#define HELPER_STACK 65536
struct helper_box {
    struct cu_helper_child child;
    union {
        struct cu_map_writer map_writer;
        struct cu_idmapper idmapper;
        struct cu_bind_helper bind;
    } arg;
    uint64_t mask;
    struct cu_guard_mem guard;
};

/* The clone's entry: the caller's mask back (it blocked everything across
 * the clone; this process has installed no handler before its helpers), then
 * the helper itself (child_helpers.c). */
static int helper_entry(void *p)
{
    struct helper_box *box = p;
    cs_sigmask(box->mask);
    cu_helper_child_main(&box->child);
}

/*
 * Start a helper of this kind; the child waits for release and acts on arg.
 * It shares this process's memory until it execs or exits, so nothing is
 * copied (no page tables, no copy-on-write faults after it: BENCHMARKS.md).
 * With hold_stderr, the child's stderr is the write end of a pipe whose read
 * end is out->stderr_fd (else -1). shared_release (NULL: a pipe of its own)
 * is a release pipe other helpers wait on too; this one leaves it open.
 * sibling_report (-1: none) is closed in the child: a sibling helper's report
 * end, so that only the parent holds its lifeline. 0 or -1/errno.
 */
static int spawn(enum cu_helper_kind kind, const void *arg, pid_t target, int hold_stderr,
                 const int *shared_release, int sibling_report, struct cu_helper_handle *out)
{
    int release[2] = { -1, -1 }, rep[2] = { -1, -1 }, err[2] = { -1, -1 };
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t len = page + HELPER_STACK + ((sizeof(struct helper_box) + page - 1) & ~(page - 1));
    char *region = MAP_FAILED;
    pid_t pid = -1;
    if (shared_release) {
        release[0] = shared_release[0];
        release[1] = shared_release[1];
    }
    if ((shared_release || pipe2(release, O_CLOEXEC) == 0) && pipe2(rep, O_CLOEXEC) == 0
        && (!hold_stderr || pipe2(err, O_CLOEXEC) == 0))
        region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (region != MAP_FAILED && mprotect(region, page, PROT_NONE) == 0) {
        struct helper_box *box = (struct helper_box *)(region + page + HELPER_STACK);
        switch (kind) {
        case CU_HELPER_MAP_WRITER: box->arg.map_writer = *(const struct cu_map_writer *)arg; break;
        case CU_HELPER_IDMAPPER: box->arg.idmapper = *(const struct cu_idmapper *)arg; break;
        case CU_HELPER_BIND: box->arg.bind = *(const struct cu_bind_helper *)arg; break;
        }
        box->child = (struct cu_helper_child){
            .kind = kind, .arg = &box->arg, .target = target,
            .release_r = release[0], .report_w = rep[1], .stderr_w = err[1],
            .parent_fds = { release[1], rep[0], err[0], sibling_report, -1 },
            .guard = &box->guard,
        };
        cs_sigmask_swap(~(uint64_t)0, &box->mask);
        uint64_t mask = box->mask;
        pid = cs_clone(helper_entry, region + page + HELPER_STACK, CU_SHARED_CLONE, box, NULL);
        cs_sigmask(mask);
        if (pid < 0) {
            errno = -pid;
            pid = -1;
        }
    }
    if (pid < 0) {
        int e = errno;
        if (region != MAP_FAILED)
            munmap(region, len);
        if (!shared_release)
            cu_close_pair(release);
        cu_close_pair(rep);
        cu_close_pair(err);
        errno = e;
        return -1;
    }
    if (!shared_release)
        close(release[0]);
    close(rep[1]);
    if (err[1] >= 0)
        close(err[1]);
    out->pid = pid;
    out->release_fd = shared_release ? -1 : release[1];
    out->report_fd = rep[0];
    out->stderr_fd = err[0];
    out->release_count = 1;
    return 0;
}

int cu_spawn_map_writer(const struct cu_map_writer *h, struct cu_helper_handle *out)
{
    return spawn(CU_HELPER_MAP_WRITER, h, h->target, 0, NULL, -1, out);
}

/* One release pipe for all: released one at a time, the first tool woken
 * took the CPU before this process could write the next one's byte, and the
 * tools ran one after the other instead of side by side (BENCHMARKS.md). */
int cu_spawn_idmappers(struct cu_idmapper *list, size_t n, struct cu_helper_handle *out)
{
    int release[2];
    if (pipe2(release, O_CLOEXEC) != 0)
        return -1;
    size_t started = 0;
    int rc = 0;
    for (; started < n; started++) {
        int report_of_first = -1;
        if (started > 0) {
            list[started].hold_stderr = 1;
            report_of_first = out[0].report_fd;
        }
        if (spawn(CU_HELPER_IDMAPPER, &list[started], list[started].target, list[started].hold_stderr, release,
                  report_of_first, &out[started]) != 0) {
            rc = -1;
            break;
        }
    }
    int e = errno;
    close(release[0]);
    if (started == 0) {
        close(release[1]);
    } else {
        out[0].release_fd = release[1];
        out[0].release_count = (int)started;
    }
    errno = e;
    return rc;
}

int cu_spawn_bind_helper(const struct cu_bind_helper *h, struct cu_helper_handle *out)
{
    return spawn(CU_HELPER_BIND, h, h->target, 0, NULL, -1, out);
}

int cu_release_helper(struct cu_helper_handle *h)
{
    if (h->release_fd < 0)
        return 0;   /* released with another handle's */
    char bytes[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
    size_t n = h->release_count > 1 ? (size_t)h->release_count : 1;
    int rc = cu_write_all(h->release_fd, bytes, n > sizeof(bytes) ? sizeof(bytes) : n);
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
    if (cu_wait_retry(h->pid, status) < 0)
        return -1;
    /* Whatever the helper wrote is there now; an idmapper's guard may still
     * hold the pipe open (child_guard.c), so read without waiting. */
    int flags = fcntl(h->report_fd, F_GETFL);
    if (flags >= 0 && fcntl(h->report_fd, F_SETFL, flags | O_NONBLOCK) == 0)
        (void)cu_read_reports(h->report_fd, 1, rep);
    cu_close_quietly(&h->report_fd);
    return 0;
}
